"""Everything that talks SQL: models, engine, migrations and the queries the flows need."""

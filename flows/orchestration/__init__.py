"""Everything that imports Prefect: the flows, their runners, serve and deploy."""

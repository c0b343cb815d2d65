"""Pure steps, fast: no server, no database."""

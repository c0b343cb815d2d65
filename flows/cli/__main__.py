"""`python -m flows.cli`: the same as the `digest` command."""

from flows.cli.main import app

app()

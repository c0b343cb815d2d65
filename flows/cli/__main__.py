"""`python -m flows.cli.main`: the same as the `digest` command."""

from flows.cli.main.main import app

app()

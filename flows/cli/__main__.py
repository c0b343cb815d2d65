"""`python -m flows.cli`: the same as the `digest` command."""

from flows.cli.entry import main

main()

"""The `digest` command line."""

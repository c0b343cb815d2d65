"""newsletter-digest: steps, flows and the `digest` command line."""

__version__ = "0.1.0"

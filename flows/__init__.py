"""newsletter-digest: steps, flows and the `digest` command line."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newsletter-digest")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0.0.0+unknown"

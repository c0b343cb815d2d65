"""The render step: a week's digest as HTML, plain text, JSON and a static archive."""

"""The digest's Jinja templates and CSS; installed as the package `flows.templates`."""

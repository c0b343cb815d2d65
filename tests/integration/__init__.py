"""Real services: databases, SMTP, IMAP, HTTP, Prefect, a browser."""

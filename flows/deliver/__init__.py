"""The deliver step: the email built, then written to the outbox or sent over SMTP."""

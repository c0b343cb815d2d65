"""The normalise step: raw items to clean documents, with title, date and sections."""

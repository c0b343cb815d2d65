"""The fetch step: each kind of source (files, feeds, mailboxes) read into raw items."""

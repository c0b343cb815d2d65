"""TLS that checks the certificate and the host name everywhere (feeds, IMAP, SMTP), with
the CAs of a `ca_file` trusted besides the system's (a private CA, a test CA)."""

from __future__ import annotations

import ssl
from functools import lru_cache


class CaFileError(ValueError):
    """The configured CA file cannot be read; the message names it."""


@lru_cache(maxsize=8)
def verified_context(ca_file: str = "") -> ssl.SSLContext:
    """A client context that verifies certificate and host name. Made once per CA file:
    building one loads the system's whole CA bundle."""
    context = ssl.create_default_context()
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as err:
            raise CaFileError(f"digest.ca_file: cannot load CAs from {ca_file}: {err}") from None
    return context

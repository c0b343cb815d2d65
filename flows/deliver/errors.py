"""Delivery errors, and what an SMTP or socket error amounts to: temporary (worth trying
again later) or permanent (trying again will not help); each text names the server."""

from __future__ import annotations

import smtplib
import ssl


class DeliveryError(Exception):
    """A message did not reach the server; the text names the recipient and the reply."""


class TemporaryDeliveryError(DeliveryError):
    """4xx or a dropped connection: worth trying again later."""


class PermanentDeliveryError(DeliveryError):
    """5xx, a refused login, no STARTTLS, an untrusted certificate, an outbox that cannot be
    written: trying again at once will not help."""


def classify(err: Exception, server: str, step: str) -> DeliveryError:
    """The delivery error an SMTP or socket error amounts to, its text naming the server."""
    if isinstance(err, DeliveryError):
        return err
    if isinstance(err, ssl.SSLCertVerificationError):
        return PermanentDeliveryError(
            f"{server}: certificate not trusted: {err.verify_message or err.reason}"
        )
    if isinstance(err, ssl.SSLError):
        return PermanentDeliveryError(f"{server}: TLS failed: {err.reason or err}")
    if isinstance(err, smtplib.SMTPNotSupportedError):
        return PermanentDeliveryError(f"{server}: {step}: {err}")
    if isinstance(err, smtplib.SMTPResponseException):
        what = "login refused" if isinstance(err, smtplib.SMTPAuthenticationError) else step
        kind = PermanentDeliveryError if err.smtp_code >= 500 else TemporaryDeliveryError
        return kind(f"{server}: {what}: {_reply(err)}")
    if isinstance(err, smtplib.SMTPServerDisconnected):
        return TemporaryDeliveryError(f"{server}: {step}: connection dropped: {err}")
    # Refused, reset or timed out: the server may be back soon.
    return TemporaryDeliveryError(f"{server}: {step}: {err}")


def check_reply(code: int, reply: bytes, recipient: str, step: str, server: str) -> None:
    if 200 <= code < 400:
        return
    words = reply.decode("utf-8", "replace")
    if code >= 500:
        raise PermanentDeliveryError(f"{recipient}: {server}: {step} refused: {code} {words}")
    raise TemporaryDeliveryError(f"{recipient}: {server}: {step} deferred: {code} {words}")


def _reply(err: smtplib.SMTPResponseException) -> str:
    error = err.smtp_error
    return (
        f"{err.smtp_code} {error.decode('utf-8', 'replace') if isinstance(error, bytes) else error}"
    )

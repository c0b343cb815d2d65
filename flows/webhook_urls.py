"""The webhooks setting: apprise URLs, checked when the settings are read; they hold tokens,
so an error or a shown setting gives a URL's scheme only."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

VARIABLE = "DIGEST_DELIVERY_WEBHOOKS"
FILE_VARIABLE = "DIGEST_DELIVERY_WEBHOOKS_FILE"  # the URLs kept in a secret file instead


# apprise logs a hook's whole URL at DEBUG, and urllib3 (under apprise) the request line: their
# records are masked from the moment webhooks are read, whatever level a user turns them up to.
CHATTY_LOGGERS = ("apprise", "urllib3.connectionpool")
URL = re.compile(r"\b([a-z][a-z0-9+.-]*)://([^/\s?#'\"]*)([^\s'\"]*)", re.IGNORECASE)
REQUEST_LINE = re.compile(r'"([A-Z]+) /[^\s"]*')
# A host name, an IPv4 or [IPv6] address, with a port: what may be shown of a URL's host part.
# Anything else there is a token (slack://TokenA/..., tgram://123:AAH.../, discord://id/...).
HOST = re.compile(r"(localhost|[\w-]+(\.[\w-]+)+|\[[0-9a-fA-F:.]+\])(:\d{1,5})?")


def masked_webhook(url: str) -> str:
    return f"{url.partition('://')[0]}://***"


def shown_host(netloc: str) -> str:
    """The host (and port) of a URL's netloc when it is one; its user and password never."""
    host = netloc.rpartition("@")[2]
    return host if HOST.fullmatch(host) else "***"


def mask_urls(text: str) -> str:
    """Every URL in `text` down to its scheme and host (shown_host); every request line's
    path masked."""

    def masked(found: re.Match[str]) -> str:
        scheme, netloc, rest = found.groups()
        return f"{scheme}://{shown_host(netloc)}" + ("/***" if rest.strip("/") else "")

    return REQUEST_LINE.sub(r'"\1 /***', URL.sub(masked, text))


class MaskUrls(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_urls(record.getMessage()), ()
        return True


MASK = MaskUrls()


def mask_library_logs() -> None:
    """Mask the URLs in apprise's and urllib3's log records (once: a filter is added once)."""
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).addFilter(MASK)


def webhooks_setting(value: Any, env: Mapping[str, str]) -> tuple[str, ...]:
    """A list of URLs, or one text of them separated by spaces or commas (the environment's
    way, or the file named by DIGEST_DELIVERY_WEBHOOKS_FILE); each one apprise knows."""
    from flows.settings import SettingsError, _secret  # settings imports this module

    value = _secret(env, VARIABLE) or value
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
        raise SettingsError('delivery.webhooks: expected a list of apprise URLs ("json://...")')
    urls = tuple(dict.fromkeys(u.strip() for u in value if u.strip()))
    if urls:
        mask_library_logs()
        import apprise  # only when there are webhooks: it takes a moment to import

        for index, url in enumerate(urls):
            if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None:
                raise SettingsError(
                    f"delivery.webhooks[{index}]: {masked_webhook(url)} is not a URL apprise "
                    "can send to (see https://github.com/caronc/apprise/wiki)"
                )
    return urls

"""Passwords of URLs masked in what is shown, malformed URLs included."""

from __future__ import annotations

import pytest

from flows.redact import mask_text, mask_url
from flows.settings_check import address_problem


@pytest.mark.parametrize(
    ("url", "shown"),
    [("https://feed.example/rss", "https://feed.example/rss"),
     ("https://user@feed.example/rss", "https://user@feed.example/rss"),
     ("https://user:pw@feed.example/rss", "https://user:***@feed.example/rss"),
     ("http://me:p@ss@proxy:3128", "http://me:***@proxy:3128"),
     ("http://me:pw@proxy:port", "http://me:***@proxy:port"),
     ("me:pw@proxy.lan:3128", "me:***@proxy.lan:3128"),
     ("postgresql+psycopg://u:pw@db/digest", "postgresql+psycopg://u:***@db/digest"),
     ("", "")],
)  # fmt: skip
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_every_url_of_a_message_is_masked() -> None:
    text = "harbour: https://a:pw1@h.example/x: 404; moved to http://b:pw2@k.example:8/y"
    assert mask_text(text) == (
        "harbour: https://a:***@h.example/x: 404; moved to http://b:***@k.example:8/y"
    )


@pytest.mark.parametrize(
    ("address", "alone", "with_name"),
    [("ana@example.org", True, True), ("a@localhost", True, True),
     ("Ana <ana@example.org>", False, True), ("ana@example.org\r\nBcc: x@e.org", False, False),
     ("ana@example.org\n", False, False), ("a@b.org, c@d.org", False, False),
     ("nobody", False, False), ("a b@example.org", False, False), ("", False, False)],
)  # fmt: skip
def test_one_address_without_line_breaks(address: str, alone: bool, with_name: bool) -> None:
    assert (address_problem(address) is None) is alone
    assert (address_problem(address, display_name=True) is None) is with_name


def test_a_log_record_has_the_password_of_its_urls_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from flows.redact import mask_log_records

    mask_log_records()
    mask_log_records()  # once per process, however often asked
    with caplog.at_level(logging.INFO):
        logging.getLogger("flows.test").info("fetching %s", "https://me:pw@x.example/f")
        logging.getLogger("flows.test").info("as is: https://x.example/f (%d)", 1)
    assert caplog.messages == [
        "fetching https://me:***@x.example/f",
        "as is: https://x.example/f (1)",
    ]

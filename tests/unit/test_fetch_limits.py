"""The limits of a fetch that need no server: which addresses count as internal, which
redirect targets are refused, bounded decoding, and the entries taken from one feed."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from flows.records import HttpResult
from flows.settings import load_settings
from flows.sources.addresses import is_internal, refused_target
from flows.sources.feeds import feed_items
from flows.sources.inflate import BadEncoding, TooLarge, decoded
from tests.support.feed_server import gzip_bomb, rss

NOW = datetime(2025, 10, 27, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254",
     "100.64.0.1", "0.0.0.0", "224.0.0.251", "255.255.255.255", "::1", "::", "fe80::1%eth0",
     "fd12:3456::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe",
     "2002:7f00:1::1", "ff02::1"],
)  # fmt: skip
def test_internal_addresses(address: str) -> None:
    assert is_internal(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111",
                                     "::ffff:8.8.8.8", "64:ff9b::808:808"])  # fmt: skip
def test_public_addresses(address: str) -> None:
    assert not is_internal(address)


def test_only_a_source_configured_outside_is_kept_outside() -> None:
    outside, inside = "http://93.184.215.14/feed", "http://10.0.0.5/feed"
    refused = refused_target("http://169.254.169.254/latest/", outside)
    assert refused == (
        "redirect to an internal address refused: http://169.254.169.254/latest/ (169.254.169.254)"
    )
    assert refused_target("http://[::1]:8080/", outside) is not None
    assert refused_target("http://2130706433/", outside) is not None  # 127.0.0.1 as a number
    assert refused_target("http://localhost/", outside) is not None  # a name, resolved
    assert refused_target("http://93.184.215.15/feed", outside) is None
    assert refused_target("http://no-such-host.invalid/", outside) is None  # a proxy's to judge
    assert refused_target("http://169.254.169.254/latest/", inside) is None
    assert refused_target("http://127.0.0.2:9000/", "http://localhost:8000/feed") is None


def test_decoding_stops_at_the_cap_while_decoding() -> None:
    with pytest.raises(TooLarge):
        decoded([gzip_bomb(1 << 30)], "gzip, gzip", 10 << 20)
    with pytest.raises(TooLarge):
        decoded([b"x" * 1000] * 20, None, 10_000)  # raw bytes count as well
    body = b"<rss>" + b"news " * 5000 + b"</rss>"
    pieces = gzip.compress(zlib.compress(body))
    chunks = [pieces[i : i + 10] for i in range(0, len(pieces), 10)]
    assert decoded(chunks, "deflate, gzip", len(body)) == body
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert decoded([raw.compress(body) + raw.flush()], "Deflate", len(body)) == body  # no header
    assert decoded([body], " identity ", len(body)) == body
    with pytest.raises(BadEncoding, match="3 stacked"):
        decoded([body], "gzip,gzip,gzip", len(body))


def test_a_feed_gives_its_newest_entries_and_says_how_many_were_left_out() -> None:
    dated = [{"title": f"Day {n}", "guid": f"d{n}",
              "pubDate": (NOW - timedelta(days=n)).strftime("%a, %d %b %Y %H:%M:%S GMT")}
             for n in range(600)]  # fmt: skip
    undated = [{"title": "No date", "guid": "u1"}]
    body = rss("Harbour News", [*undated, *dated[::-1]])  # oldest first, an undated one on top
    result = HttpResult("https://news.example/feed", "ok", "200 OK", body=body)
    fetched = feed_items("news", result, NOW, max_entries=500)
    assert sorted(i.identity for i in fetched.items) == sorted(f"d{n}" for n in range(500))
    assert [f.reason for f in fetched.failures] == [
        "101 older entries left out: the feed lists 601, at most 500 are taken at a time"
    ]
    few = feed_items("news", result, NOW, max_entries=1000)
    assert len(few.items) == 601 and few.failures == []


def test_ca_file_and_fetch_timeout_settings(tmp_path: Path) -> None:
    config = tmp_path / "digest.toml"
    config.write_text('[digest]\nca_file = "certs/ca.pem"\nfetch_timeout = 20\n', encoding="utf-8")
    settings = load_settings(config, environ={})
    assert (settings.ca_file, settings.fetch_timeout) == (str(tmp_path / "certs/ca.pem"), 20.0)
    assert load_settings(config, environ={"DIGEST_FETCH_TIMEOUT": "5"}).fetch_timeout == 5.0
    defaults = load_settings(environ={"DIGEST_CONFIG": str(config), "DIGEST_CA_FILE": ""})
    assert defaults.ca_file == ""
    # A CA file that cannot be read stops a command as a config error naming the key.
    ran = CliRunner().invoke(app, ["sources", "--config", str(config)])
    assert ran.exit_code == 2
    assert "config error: digest.ca_file: cannot load CAs from" in " ".join(ran.output.split())

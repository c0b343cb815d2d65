"""The README's screenshots of a seed digest as a reader gets it, feedback links included
(as with `delivery.base_url` set), taken again with `make screenshots` (Debian's chromium)."""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from flows.pipeline.preview import load_week
from flows.pipeline.send_test import render_email
from flows.settings import load_settings
from tests.support.browser import Browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "templates" / "screenshots"
WEEK = "2025-W43"
BASE_URL = "https://digest.example.org"  # where the readers' endpoint would be served
VIEWS = {"phone-light": (375, False), "phone-dark": (375, True), "desktop-light": (800, False)}


def main() -> None:
    settings = replace(load_settings(ROOT / "digest.toml"), base_url=BASE_URL)
    digest = load_week(settings, WEEK)
    if not digest.stories:
        sys.exit(f"{WEEK} has no stories in {settings.database_url}: run `make run` first")
    html = render_email(settings, digest, feedback_base=BASE_URL).html
    with tempfile.TemporaryDirectory() as folder, Browser() as browser:
        page = Path(folder) / f"{WEEK}.html"
        page.write_text(html, encoding="utf-8")
        for name, (width, dark) in VIEWS.items():
            png = SHOTS / f"{WEEK}-{name}.png"
            browser.render(page, width, dark, png)
            print(f"{png.relative_to(ROOT)}: {width} px, {'dark' if dark else 'light'}")


if __name__ == "__main__":
    main()

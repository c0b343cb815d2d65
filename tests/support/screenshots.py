"""The README's screenshots, taken again from the seed digests that `make run` wrote to
outbox/: `make screenshots` (needs Debian's chromium)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.support.browser import Browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "templates" / "screenshots"
WEEK = "2025-W43"
VIEWS = {"phone-light": (375, False), "phone-dark": (375, True), "desktop-light": (800, False)}


def main() -> None:
    page = ROOT / "outbox" / f"{WEEK}.html"
    if not page.exists():
        sys.exit(f"{page} is missing: run `make run` first")
    with Browser() as browser:
        for name, (width, dark) in VIEWS.items():
            png = SHOTS / f"{WEEK}-{name}.png"
            browser.render(page, width, dark, png)
            print(f"{png.relative_to(ROOT)}: {width} px, {'dark' if dark else 'light'}")


if __name__ == "__main__":
    main()

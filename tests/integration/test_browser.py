"""The digest in a real browser, at phone and desktop widths, light and dark."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.render.digest import render_digest
from tests.conftest import ROOT
from tests.support.browser import Browser
from tests.unit.test_render import digest

ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.mark.parametrize("width", [375, 800])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_horizontal_overflow(browser: Browser, width: int, scheme: str, tmp_path: Path) -> None:
    page = tmp_path / "digest.html"
    page.write_text(render_digest(digest(6, sources=3)).html, encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / f"digest-{width}-{scheme}.png"
    sizes = browser.render(page, width, scheme == "dark", png)
    assert sizes["viewport"] == width
    assert sizes["content"] <= sizes["viewport"], f"{sizes['content']}px wide in {width}px"
    assert sizes["dark"] == (scheme == "dark")
    assert png.stat().st_size > 10_000

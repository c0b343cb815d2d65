"""Tracking removed from newsletter HTML: 1x1 pixels and click-tracking redirects."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

TARGET_PARAMS = ("url", "u", "redirect", "redirect_url", "target", "dest", "destination", "r", "q")
TRACKER_PATH = re.compile(r"/(open|pixel|beacon|track|trk|wf/open|e/o)[/.?]|\.gif\?", re.I)
TRACKER_HOST = re.compile(r"^(click|clicks|links?|email|trk|track|t)\.|list-manage\.com$", re.I)


def strip_tracking(html: str) -> str:
    """Drop invisible or tracker images; point each redirect link at its real target."""
    soup = BeautifulSoup(html, "html.parser")
    for img in soup.find_all("img"):
        if _is_pixel(img.attrs):
            img.decompose()
    for anchor in soup.find_all("a", href=True):
        real = _redirect_target(str(anchor["href"]))
        if real is not None:
            anchor["href"] = real
        elif TRACKER_HOST.search(urlsplit(str(anchor["href"])).hostname or ""):
            anchor.unwrap()  # a tracking hop with no readable target: keep only the words
    return str(soup)


def _is_pixel(attrs: dict) -> bool:
    size = {str(attrs.get("width", "")).strip("px"), str(attrs.get("height", "")).strip("px")}
    style = str(attrs.get("style", "")).replace(" ", "").lower()
    hidden = "display:none" in style or "visibility:hidden" in style
    return bool(size & {"0", "1"}) or hidden or bool(TRACKER_PATH.search(str(attrs.get("src", ""))))


def _redirect_target(href: str) -> str | None:
    query = parse_qs(urlsplit(href).query)
    for name in TARGET_PARAMS:
        for value in query.get(name, []):
            if value.startswith(("http://", "https://")):
                return value
    return None

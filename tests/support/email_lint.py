"""A lint for HTML email, from what the big mail clients are documented to do.

Sources of the facts (checked 2026): Gmail's "CSS support" developer page (web fonts,
`position`, and CSS in <link> are dropped; it clips a message whose HTML is over 102 KB),
Microsoft's documentation of Outlook for Windows' Word renderer and the caniemail.com
tables (no `display:flex`/`grid`, no `float`-based layout, `max-width` ignored on most
elements, no `background-image` in CSS, no `box-shadow`, no `transform`, no CSS animation).
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

SIZE_LIMIT = 102_000
# Properties that Gmail or Outlook drop, so layout must never depend on them.
DROPPED_PROPERTIES = (
    "position", "float", "display: flex", "display:flex", "display: grid", "display:grid",
    "background-image", "box-shadow", "transform", "animation", "transition", "@font-face",
    "@import",
)  # fmt: skip
REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


def lint(html: str) -> list[str]:
    """Every problem found; an empty list is a pass."""
    problems = []
    size = len(html.encode())
    if size > SIZE_LIMIT:
        problems.append(f"HTML is {size:,} bytes, over Gmail's {SIZE_LIMIT:,}")
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(["img", "script", "iframe", "video", "audio", "source", "embed"]):
        if tag.get("src") and REMOTE.match(tag["src"]):
            problems.append(f"external resource: <{tag.name} src={tag['src']}>")
    for img in soup.find_all("img"):
        if not img.get("alt"):
            problems.append("an <img> without alt text")
    for link in soup.find_all("link"):
        problems.append(f"<link> to {link.get('href')}: clients drop linked CSS")
    css = (
        " ".join(t.get_text() for t in soup.find_all("style"))
        + " "
        + " ".join(t["style"] for t in soup.find_all(style=True))
    )
    for prop in DROPPED_PROPERTIES:
        if re.search(rf"(^|[;{{\s]){re.escape(prop)}\s*:?", css, re.IGNORECASE):
            problems.append(f"CSS that Gmail or Outlook drop: {prop}")
    if "url(" in css:
        problems.append("CSS url(): a remote image or font")
    styled = soup.select(".story, .headline, .extract, .container")
    if not styled or not all(tag.get("style") for tag in styled):
        problems.append("the main elements carry no inline style (CSS not inlined)")
    for anchor in soup.find_all("a"):
        if not anchor.get_text(strip=True):
            problems.append(f"a link with no readable text: {anchor.get('href')}")
    return problems

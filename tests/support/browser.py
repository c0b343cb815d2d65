"""Headless Chromium driven over the DevTools protocol: a viewport, a colour scheme,
a measurement and a screenshot. Chromium comes from Debian's `chromium` package."""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from websockets.sync.client import connect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
]  # fmt: skip


class Browser:
    """One Chromium process and one page; stopped by process id on exit."""

    def __init__(self) -> None:
        assert CHROMIUM, "chromium is not installed"
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.ids = itertools.count(1)

    def __enter__(self) -> Browser:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                break
        else:
            raise RuntimeError("chromium exited before its DevTools endpoint was up")
        port = re.search(r":(\d+)/", match.group(1)).group(1)  # type: ignore[union-attr]
        targets = json.loads(_get(f"http://127.0.0.1:{port}/json/list"))
        page = next(t for t in targets if t["type"] == "page")
        self.socket = connect(page["webSocketDebuggerUrl"], max_size=None)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.socket.close()
        self.process.kill()
        self.process.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            reply = json.loads(self.socket.recv(timeout=60))
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def render(self, page: Path, width: int, dark: bool, png: Path) -> dict[str, int]:
        """Load `page` at `width` CSS pixels in light or dark; save a full-page PNG."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900,
                  deviceScaleFactor=1, mobile=width < 600)  # fmt: skip
        scheme = "dark" if dark else "light"
        self.call("Emulation.setEmulatedMedia",
                  features=[{"name": "prefers-color-scheme", "value": scheme}])  # fmt: skip
        self.call("Page.enable")
        self.call("Page.navigate", url=page.resolve().as_uri())
        self._wait_loaded()
        sizes = self.call("Runtime.evaluate", returnByValue=True, expression=(
            "({viewport: window.innerWidth, content: document.documentElement.scrollWidth,"
            " height: document.documentElement.scrollHeight,"
            " dark: matchMedia('(prefers-color-scheme: dark)').matches ? 1 : 0})"
        ))["result"]["value"]  # fmt: skip
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": sizes["height"],
                               "scale": 1})  # fmt: skip
        png.write_bytes(base64.b64decode(shot["data"]))
        return sizes

    def open(self, url: str) -> str:
        """Load `url` as a reader following a link; the page's visible text."""
        self.call("Page.enable")
        self.call("Page.navigate", url=url)
        for _ in range(200):
            if self.evaluate("document.readyState + '|' + location.href") == f"complete|{url}":
                return self.evaluate("document.body.innerText")
            time.sleep(0.05)
        raise RuntimeError(f"{url} did not load")

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression,
                         returnByValue=True)["result"].get("value")  # fmt: skip

    def press(self, button: str, then_title: str) -> str:
        """Press the button whose label is `button`, as a reader would, and wait for the page
        titled `then_title` to load; its visible text."""
        label = json.dumps(button)
        pressed = self.evaluate(
            "(() => { const b = [...document.querySelectorAll('button')]"
            f".find(b => b.textContent.trim() === {label}); if (b) b.click(); return !!b; }})()"
        )
        assert pressed, f"no button {button!r} on {self.evaluate('document.title')!r}"
        for _ in range(200):
            if (
                self.evaluate("document.readyState + '|' + document.title")
                == f"complete|{then_title}"
            ):
                return self.evaluate("document.body.innerText")
            time.sleep(0.05)
        raise RuntimeError(f"{then_title!r} did not load: {self.evaluate('document.title')!r}")

    def _wait_loaded(self) -> None:
        for _ in range(200):
            state = self.call("Runtime.evaluate", expression="document.readyState",
                              returnByValue=True)  # fmt: skip
            if state["result"]["value"] == "complete":
                return
        raise RuntimeError("the page did not finish loading")


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
        return response.read().decode()

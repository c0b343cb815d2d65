"""Settings checked whole: names the settings do not read (with the nearest known one), the
keys of each kind of source and their types, and DIGEST_* variables that set nothing."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from email.utils import getaddresses, parseaddr
from typing import Any
from urllib.parse import urlsplit

from flows.redact import mask_url


class SettingsError(ValueError):
    """The configuration is wrong; the message names the key and what to do."""


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "expected text"


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "expected true or false"


def _count(low: int, high: int) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"expected a whole number from {low} to {high}"
        return None

    return check


def _seconds(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "expected a number of seconds"
    return None if math.isfinite(value) and value > 0 else "expected a number of seconds above 0"


# The keys each kind of [[sources]] table may have, with the check of a value: adding an
# option to a kind of source is one line here.
COMMON_SOURCE_KEYS: dict[str, Callable[[Any], str | None]] = {"name": _text, "kind": _text}
SOURCE_KEYS: dict[str, dict[str, Callable[[Any], str | None]]] = {
    "files": {"path": _text},
    "feed": {"url": _text, "max_bytes": _count(1, 2**40), "timeout": _seconds},
    "mailbox": {
        "path": _text,
        "imap_host": _text,
        "imap_port": _count(1, 65535),
        "imap_user": _text,
        "folder": _text,
        "mark_read": _flag,
    },
}
# DIGEST_* variables read outside the settings' keys and secrets.
OTHER_VARIABLES = ("DIGEST_CONFIG", "DIGEST_HOME", "DIGEST_DELIVERY_WEBHOOKS_FILE")


def did_you_mean(name: str, known: Iterable[str], quote: Callable[[str], str]) -> str:
    """'; did you mean "x"?' for the nearest known name, or nothing when none is near."""
    close = get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {quote(close[0])}?" if close else ""


def _key(name: str) -> str:
    return f'"{name}"'


def _section(name: str) -> str:
    return f"[{name}]"


def unknown_names(
    data: Mapping[str, Any], sections: Collection[str], keys: Collection[tuple[str, str]]
) -> list[str]:
    """Each table or key of the file that the settings do not read (`sections` and
    `keys`, the (section, key) pairs read), said with the nearest known name."""
    problems = []
    for name, value in data.items():
        if name not in sections:
            problems.append(_unknown_top(name, value, sections, keys))
        elif isinstance(value, Mapping):
            known = {k for s, k in keys if s == name}
            problems += [
                f"unknown key {_key(k)} in [{name}]{did_you_mean(k, known, _key)}"
                for k in value
                if k not in known
            ]
    return problems


def _unknown_top(
    name: str, value: Any, sections: Collection[str], keys: Collection[tuple[str, str]]
) -> str:
    if isinstance(value, Mapping | list):
        return f"unknown section [{name}]{did_you_mean(name, sections, _section)}"
    home = sorted(s for s, k in keys if k == name)
    if home:  # a key written above its table's header
        return f"unknown key {_key(name)} at the top; did you mean it in [{home[0]}]?"
    return f"unknown key {_key(name)} at the top{did_you_mean(name, sections, _section)}"


def source_problems(entry: Mapping[str, Any], kind: str, where: str) -> list[str]:
    """The keys of a [[sources]] table that its kind does not read, or of the wrong type."""
    allowed = {**COMMON_SOURCE_KEYS, **SOURCE_KEYS[kind]}
    problems = []
    for key, value in entry.items():
        if key not in allowed:
            elsewhere = sorted(k for k, keys in SOURCE_KEYS.items() if key in keys)
            hint = (
                f" (a key of {' and '.join(elsewhere)} sources)"
                if elsewhere
                else did_you_mean(key, allowed, _key)
            )
            problems.append(f"unknown key {_key(key)} in {where} ({kind}){hint}")
        elif (wrong := allowed[key](value)) is not None:
            problems.append(f"{where}.{key}: {wrong}, got {value!r}")
    return problems


def address_problem(text: str, display_name: bool = False) -> str | None:
    """Why `text` is not one email address ("ana@example.org", or with `display_name`
    "Ana <ana@example.org>"), if it is not: a line break in one would add mail headers."""
    if any(not c.isprintable() for c in text):
        return f"{text!r} is not an email address: it has a line break or a control character"
    if len(getaddresses([text])) != 1:
        return f"{text!r}: expected one address"
    _, address = parseaddr(text)
    local, at, domain = address.rpartition("@")
    if not (at and local and domain) or any(c.isspace() or c in ",;" for c in address):
        return f"{text!r} is not an email address"
    if not display_name and address != text.strip():
        return f"{text!r}: expected the address alone, e.g. ana@example.org"
    return None


def http_url(url: Any, name: str, need: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """A URL with a scheme of `schemes`, a host and a valid port; an error shows it masked."""
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        valid = parts is not None and parts.scheme in schemes and bool(parts.hostname)
        valid = valid and (parts is None or parts.port is None or parts.port >= 0)  # raises if bad
    except ValueError:
        valid = False
    if not valid or any(ord(c) < 32 or c.isspace() for c in url):
        shown = mask_url(url) if isinstance(url, str) else url
        raise SettingsError(f"{name}: {need}, got {shown!r}")
    return url


def unknown_variables(env: Mapping[str, str], known: Collection[str]) -> list[str]:
    """A warning for each DIGEST_* variable that sets nothing (a misspelt name is silently
    ignored otherwise). Warnings, not errors: the environment is shared with other programs."""
    return [
        f"{var} is not a setting, ignored{did_you_mean(var, known, str)}"
        for var in sorted(env)
        if var.startswith("DIGEST_") and var not in known
    ]


def variable(section: str, key: str) -> str:
    """The environment variable of a key: DIGEST_KEY for [digest], else DIGEST_SECTION_KEY."""
    return f"DIGEST_{key}".upper() if section == "digest" else f"DIGEST_{section}_{key}".upper()


@dataclass(frozen=True)
class Values:
    """A key of a config table, the environment first (DIGEST_<KEY> for [digest],
    DIGEST_<SECTION>_<KEY> for the others), checked; an error names the key. What is read
    is noted: the file's other names are mistakes."""

    env: Mapping[str, str]
    sections: set[str] = field(default_factory=set)
    keys: set[tuple[str, str]] = field(default_factory=set)

    def table(self, data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        self.sections.add(name)
        value = data.get(name, {})
        if not isinstance(value, Mapping):
            raise SettingsError(f"[{name}]: expected a table")
        return value

    def array(self, data: Mapping[str, Any], name: str) -> list[Any]:
        """[[name]] tables, as a list (checked by the caller)."""
        self.sections.add(name)
        value = data.get(name, [])
        if not isinstance(value, list):
            raise SettingsError(f"{name}: expected [[{name}]] tables")
        return value

    def get(self, table: Mapping[str, Any], section: str, key: str, default: Any) -> Any:
        self.keys.add((section, key))
        var = variable(section, key)
        if var in self.env:
            return self.env[var]
        return table.get(key, default)

    def text(self, table: Mapping[str, Any], section: str, key: str, default: str) -> str:
        value = self.get(table, section, key, default)
        if not isinstance(value, str):
            raise SettingsError(f"{self.where(section, key)}: expected text, got {value!r}")
        return value

    def number(self, table: Mapping[str, Any], section: str, key: str, default: float) -> float:
        """A finite number above 0 (a variable's text read as one): every such setting is
        a duration."""
        value = self.get(table, section, key, default)
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and number > 0):
            raise SettingsError(
                f"{self.where(section, key)}: expected a number above 0, got {value!r}"
            )
        return number

    def integer(
        self, table: Mapping[str, Any], section: str, key: str, default: int, low: int, high: int
    ) -> int:
        """A whole number from `low` to `high` (a variable's text read as one)."""
        value = self.get(table, section, key, default)
        try:
            number = int(str(value).strip()) if not isinstance(value, bool | float) else None
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise SettingsError(
                f"{self.where(section, key)}: expected a whole number from {low} to {high}, "
                f"got {value!r}"
            )
        return number

    def choice(
        self, table: Mapping[str, Any], section: str, key: str, default: str, allowed: tuple
    ) -> str:
        value = self.text(table, section, key, default)
        if value not in allowed:
            raise SettingsError(
                f"{self.where(section, key)}: {value!r} is not one of {', '.join(allowed)}"
            )
        return value

    def where(self, section: str, key: str) -> str:
        """The key, or the variable when that is where the value came from."""
        var = variable(section, key)
        return f"{var} ({section}.{key})" if var in self.env else f"{section}.{key}"


def source_password_variable(name: str) -> str:
    """DIGEST_SOURCE_<NAME>_PASSWORD, the name in capitals with other characters as _."""
    return "DIGEST_SOURCE_" + "".join(c if c.isalnum() else "_" for c in name.upper()) + "_PASSWORD"


def known_variables(keys: Iterable[tuple[str, str]], sources: Iterable[Any]) -> set[str]:
    """Every DIGEST_* variable that sets something: a key's, a secret's, a mailbox's password."""
    secrets = ["DIGEST_SMTP_PASSWORD"]
    secrets += [source_password_variable(s.name) for s in sources if s.kind == "mailbox"]
    return (
        {variable(section, key) for section, key in keys}
        | set(OTHER_VARIABLES)
        | {name + end for name in secrets for end in ("", "_FILE")}
    )

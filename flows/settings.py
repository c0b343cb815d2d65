"""Settings: `digest.toml` (path from DIGEST_CONFIG) overlaid by DIGEST_* variables, read once."""

from __future__ import annotations

import importlib.util
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SOURCE_KINDS = ("files", "feed", "mailbox")
TRANSPORTS = ("outbox", "smtp")
TASK_RUNNERS = ("threads", "dask")
SMTP_SECURITY = ("starttls", "tls", "none")


class SettingsError(ValueError):
    """The configuration is wrong; the message names the key and what to do."""


@dataclass(frozen=True)
class SourceSettings:
    name: str
    kind: str
    path: Path | None = None
    url: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    password: str = field(default="", repr=False)  # a mailbox's, from DIGEST_SOURCE_<NAME>_PASSWORD


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0


@dataclass(frozen=True)
class Settings:
    config_path: Path | None
    database_url: str
    timezone: str
    title: str
    sources: tuple[SourceSettings, ...]
    transport: str
    outbox: Path
    sender: str
    reply_to: str
    recipients: tuple[str, ...]
    smtp: SmtpSettings
    base_url: str = ""  # where the archive and the unsubscribe endpoint are served, if anywhere
    task_runner: str = "threads"  # "dask" runs the ingest tasks on a Dask cluster
    dask_address: str = ""  # a running scheduler ("tcp://host:8786"); empty: a local cluster
    dask_workers: int = 2  # worker processes of the local cluster
    http_proxy: str = ""  # every feed fetched through this proxy ("http://host:3128"); "": direct
    webhooks: tuple[str, ...] = field(default=(), repr=False)  # apprise URLs, beside e-mail

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def public(self) -> dict[str, Any]:
        """The settings as they may be shown: secrets masked."""
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        shown["smtp"] = replace(self.smtp, password="***" if self.smtp.password else "")
        shown["database_url"] = mask_url(self.database_url)
        shown["http_proxy"] = mask_url(self.http_proxy)
        shown["webhooks"] = tuple(f"{u.partition('://')[0]}://***" for u in self.webhooks)
        return shown


def mask_url(url: str) -> str:
    """Hide the password of a database or proxy URL."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"


def variable(section: str, key: str) -> str:
    """The environment variable of a key: DIGEST_KEY for [digest], else DIGEST_SECTION_KEY."""
    return f"DIGEST_{key}".upper() if section == "digest" else f"DIGEST_{section}_{key}".upper()


def load_settings(
    path: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the config file and the environment once into a frozen Settings."""
    from flows.webhook_urls import webhooks_setting  # which imports this module

    env = os.environ if environ is None else environ
    config_path, data = _read_config(path, env)
    base = config_path.resolve().parent if config_path.exists() else Path.cwd()
    digest, delivery, smtp, prefect = (
        _table(data, name) for name in ("digest", "delivery", "smtp", "prefect")
    )
    value = _Values(env)
    database_url = value.text(digest, "digest", "database_url", "sqlite:///data/digest.db")
    sender = value.text(delivery, "delivery", "from", "Newsletter Digest <digest@localhost>")
    return Settings(
        config_path=config_path if config_path.exists() else None,
        database_url=_resolve_sqlite(database_url, base),
        timezone=_timezone(value.text(digest, "digest", "timezone", "UTC")),
        title=value.text(digest, "digest", "title", "Weekly digest"),
        http_proxy=value.text(digest, "digest", "http_proxy", ""),
        sources=_sources(data.get("sources", []), base, env),
        transport=value.choice(delivery, "delivery", "transport", "outbox", TRANSPORTS),
        outbox=_path(value.text(delivery, "delivery", "outbox", "outbox"), base),
        sender=sender,
        reply_to=value.text(delivery, "delivery", "reply_to", sender),
        recipients=_recipients(value.get(delivery, "delivery", "recipients", [])),
        base_url=value.text(delivery, "delivery", "base_url", "").rstrip("/"),
        webhooks=webhooks_setting(value.get(delivery, "delivery", "webhooks", []), env),
        task_runner=_runner(
            value.choice(prefect, "prefect", "task_runner", "threads", TASK_RUNNERS)
        ),
        dask_address=value.text(prefect, "prefect", "dask_address", ""),
        dask_workers=int(value.number(prefect, "prefect", "dask_workers", 2)),
        smtp=_smtp(value, smtp, env),
    )


def _read_config(path: Path | str | None, env: Mapping[str, str]) -> tuple[Path, dict[str, Any]]:
    """The config file's path and tables; none when the default file is missing."""
    config_path = Path(path or env.get("DIGEST_CONFIG") or "digest.toml")
    if config_path.exists():
        try:
            return config_path, tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise SettingsError(f"{config_path}: not valid TOML: {err}") from err
    if path or env.get("DIGEST_CONFIG"):
        raise SettingsError(f"{config_path}: config file not found (set DIGEST_CONFIG)")
    return config_path, {}


@dataclass(frozen=True)
class _Values:
    """A key of a config table, the environment first (DIGEST_<KEY> for [digest],
    DIGEST_<SECTION>_<KEY> for the others), checked; an error names the key."""

    env: Mapping[str, str]

    def get(self, table: Mapping[str, Any], section: str, key: str, default: Any) -> Any:
        return self.env.get(variable(section, key), table.get(key, default))

    def text(self, table: Mapping[str, Any], section: str, key: str, default: str) -> str:
        value = self.get(table, section, key, default)
        if not isinstance(value, str):
            raise SettingsError(f"{section}.{key}: expected text, got {value!r}")
        return value

    def number(self, table: Mapping[str, Any], section: str, key: str, default: float) -> float:
        value = self.get(table, section, key, default)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise SettingsError(f"{section}.{key}: expected a number, got {value!r}") from None

    def choice(
        self, table: Mapping[str, Any], section: str, key: str, default: str, allowed: tuple
    ) -> str:
        value = self.text(table, section, key, default)
        if value not in allowed:
            raise SettingsError(f"{section}.{key}: {value!r} is not one of {', '.join(allowed)}")
        return value


def _timezone(timezone: str) -> str:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"digest.timezone: {timezone!r} is not an IANA time zone (e.g. Europe/Paris)"
        ) from None
    return timezone


def _recipients(value: Any) -> tuple[str, ...]:
    """A list of addresses, or one text of them separated by commas or semicolons."""
    if isinstance(value, str):
        value = [r for r in value.replace(";", ",").split(",")]
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise SettingsError(f"delivery.recipients: expected a list of addresses, got {value!r}")
    recipients = tuple(r.strip() for r in value if r.strip())
    for address in recipients:
        if "@" not in address:
            raise SettingsError(f"delivery.recipients: {address!r} is not an email address")
    return recipients


def _smtp(value: _Values, smtp: Mapping[str, Any], env: Mapping[str, str]) -> SmtpSettings:
    return SmtpSettings(
        host=value.text(smtp, "smtp", "host", "localhost"),
        port=int(value.number(smtp, "smtp", "port", 587)),
        security=value.choice(smtp, "smtp", "security", "starttls", SMTP_SECURITY),
        username=value.text(smtp, "smtp", "username", ""),
        password=_secret(env, "DIGEST_SMTP_PASSWORD"),
        timeout=value.number(smtp, "smtp", "timeout", 30.0),
    )


def _runner(name: str) -> str:
    """Dask is an extra: say how to get it rather than fail on an import in the middle of a run."""
    if name == "dask" and importlib.util.find_spec("prefect_dask") is None:
        raise SettingsError(
            "prefect.task_runner: 'dask' needs the dask extra: "
            "pip install 'newsletter-digest[dask]'"
        )
    return name


def _table(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise SettingsError(f"[{name}]: expected a table")
    return value


def _secret(env: Mapping[str, str], var: str) -> str:
    """A secret from VAR, or from the file named by VAR_FILE (Docker/systemd style)."""
    if env.get(var):
        return env[var]
    file_var = f"{var}_FILE"
    if env.get(file_var):
        try:
            return Path(env[file_var]).read_text(encoding="utf-8").strip()
        except OSError as err:
            raise SettingsError(f"{file_var}: cannot read the secret file: {err.strerror}") from err
    return ""


def _path(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _resolve_sqlite(url: str, base: Path) -> str:
    """Make a relative SQLite path relative to the config file, not the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str(base / url[len(prefix) :])
    return url


def source_password_variable(name: str) -> str:
    """DIGEST_SOURCE_<NAME>_PASSWORD, the name in capitals with other characters as _."""
    return "DIGEST_SOURCE_" + "".join(c if c.isalnum() else "_" for c in name.upper()) + "_PASSWORD"


def _sources(value: Any, base: Path, env: Mapping[str, str]) -> tuple[SourceSettings, ...]:
    if not isinstance(value, list):
        raise SettingsError("sources: expected [[sources]] tables")
    sources: list[SourceSettings] = []
    names: set[str] = set()
    for index, entry in enumerate(value):
        where = f"sources[{index}]"
        if not isinstance(entry, Mapping):
            raise SettingsError(f"{where}: expected a table")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SettingsError(f"{where}.name: every source needs a name")
        kind = entry.get("kind", "files")
        if kind not in SOURCE_KINDS:
            raise SettingsError(f"{where}.kind: {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
        if name in names:
            raise SettingsError(f"{where}.name: {name!r} is used twice")
        names.add(name)
        path = entry.get("path")
        if kind == "files" and not isinstance(path, str):
            raise SettingsError(f"{where}.path: a files source needs the folder to read")
        url = entry.get("url")
        if kind == "feed" and not (
            isinstance(url, str) and url.startswith(("http://", "https://"))
        ):
            raise SettingsError(f"{where}.url: a feed source needs an http(s) URL, got {url!r}")
        if kind == "mailbox" and not (isinstance(path, str) or entry.get("imap_host")):
            raise SettingsError(
                f"{where}: a mailbox source needs a path (Maildir, mbox or .eml folder) "
                "or an imap_host"
            )
        password = _secret(env, source_password_variable(name)) if kind == "mailbox" else ""
        options = {k: v for k, v in entry.items() if k not in {"name", "kind", "path", "url"}}
        sources.append(
            SourceSettings(
                name=name,
                kind=kind,
                path=_path(path, base) if isinstance(path, str) else None,
                url=entry.get("url"),
                options=options,
                password=password,
            )
        )
    return tuple(sources)

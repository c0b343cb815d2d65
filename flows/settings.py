"""Settings: `digest.toml` (path from DIGEST_CONFIG) overlaid by DIGEST_* variables, read once."""

from __future__ import annotations

import importlib.util
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.redact import mask_url
from flows.settings_check import (
    SOURCE_KEYS,
    SettingsError,
    Values,
    address_problem,
    http_url,
    known_variables,
    source_password_variable,
    source_problems,
    unknown_names,
    unknown_variables,
)

if TYPE_CHECKING:
    from flows.digest_settings import DigestSettings
SOURCE_KINDS = tuple(SOURCE_KEYS)
TRANSPORTS = ("outbox", "smtp")
TASK_RUNNERS = ("threads", "dask")
SMTP_SECURITY = ("starttls", "tls", "none")


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
    ca_file: str = ""  # CAs trusted besides the system's, for feeds, IMAP and SMTP (a PEM file)
    fetch_timeout: float = 60.0  # seconds a whole fetch of a feed may take, redirects included
    warnings: tuple[str, ...] = ()  # DIGEST_* variables that set nothing, said once by the CLI
    digests: tuple[DigestSettings, ...] = ()  # flows.digest_settings: [[digests]] or implicit
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
        shown["sources"] = tuple(
            replace(s, url=mask_url(s.url)) if s.url else s for s in self.sources
        )
        shown["webhooks"] = tuple(f"{u.partition('://')[0]}://***" for u in self.webhooks)
        return shown


def load_settings(
    path: Path | str | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the config file and the environment once into a frozen Settings, checked whole:
    a table or key it does not read is an error too. Every key is read here, unconditionally:
    reading a key is what makes it known (one edit adds a setting)."""
    from flows.webhook_urls import webhooks_setting  # which imports this module

    env = os.environ if environ is None else environ
    config_path, data = _read_config(path, env)
    base = config_path.resolve().parent if config_path.exists() else Path.cwd()
    value = Values(env)
    digest, delivery, smtp, prefect = (
        value.table(data, name) for name in ("digest", "delivery", "smtp", "prefect")
    )
    database_url = value.text(digest, "digest", "database_url", "sqlite:///data/digest.db")
    ca_file = value.text(digest, "digest", "ca_file", "")
    sender = _address(
        value.text(delivery, "delivery", "from", "Newsletter Digest <digest@localhost>"),
        value.where("delivery", "from"),
    )
    settings = Settings(
        config_path=config_path if config_path.exists() else None,
        database_url=_resolve_sqlite(database_url, base),
        timezone=_timezone(value.text(digest, "digest", "timezone", "UTC")),
        title=value.text(digest, "digest", "title", "Weekly digest"),
        http_proxy=_proxy(
            value.text(digest, "digest", "http_proxy", ""), value.where("digest", "http_proxy")
        ),
        ca_file=str(_path(ca_file, base)) if ca_file else "",
        fetch_timeout=value.number(digest, "digest", "fetch_timeout", 60.0),
        sources=_sources(value.array(data, "sources"), base, env, config_path),
        transport=value.choice(delivery, "delivery", "transport", "outbox", TRANSPORTS),
        outbox=_path(value.text(delivery, "delivery", "outbox", "outbox"), base),
        sender=sender,
        reply_to=_address(
            value.text(delivery, "delivery", "reply_to", sender),
            value.where("delivery", "reply_to"),
        ),
        recipients=_recipients(value.get(delivery, "delivery", "recipients", [])),
        base_url=value.text(delivery, "delivery", "base_url", "").rstrip("/"),
        webhooks=webhooks_setting(value.get(delivery, "delivery", "webhooks", []), env),
        task_runner=_runner(
            value.choice(prefect, "prefect", "task_runner", "threads", TASK_RUNNERS)
        ),
        dask_address=value.text(prefect, "prefect", "dask_address", ""),
        dask_workers=value.integer(prefect, "prefect", "dask_workers", 2, 1, 1024),
        smtp=_smtp(value, smtp, env),
    )
    digests = value.array(data, "digests")  # checked by flows.digest_settings
    problems = unknown_names(data, value.sections, value.keys)
    if problems:
        raise SettingsError(f"{config_path}: " + "; also ".join(problems))
    from flows.digest_settings import parse_digests  # it imports SettingsError from here

    return replace(
        settings,
        digests=parse_digests(digests, settings),
        warnings=tuple(unknown_variables(env, known_variables(value.keys, settings.sources))),
    )


def _read_config(path: Path | str | None, env: Mapping[str, str]) -> tuple[Path, dict[str, Any]]:
    """The config file's path and tables; none when the default file is missing."""
    config_path = Path(path or env.get("DIGEST_CONFIG") or "digest.toml")
    if config_path.exists():
        try:
            return config_path, tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
            raise SettingsError(f"{config_path}: not valid TOML: {err}") from err
    if path or env.get("DIGEST_CONFIG"):
        raise SettingsError(f"{config_path}: config file not found (set DIGEST_CONFIG)")
    return config_path, {}


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
        if problem := address_problem(address, display_name=True):
            raise SettingsError(f"delivery.recipients: {problem}")
    return recipients


def _address(text: str, name: str) -> str:
    if problem := address_problem(text, display_name=True):
        raise SettingsError(f"{name}: {problem}")
    return text


def _smtp(value: Values, smtp: Mapping[str, Any], env: Mapping[str, str]) -> SmtpSettings:
    return SmtpSettings(
        host=value.text(smtp, "smtp", "host", "localhost"),
        port=value.integer(smtp, "smtp", "port", 587, 1, 65535),
        security=value.choice(smtp, "smtp", "security", "starttls", SMTP_SECURITY),
        username=value.text(smtp, "smtp", "username", ""),
        password=_secret(env, "DIGEST_SMTP_PASSWORD"),
        timeout=value.number(smtp, "smtp", "timeout", 30.0),
    )


def _runner(name: str) -> str:
    """Dask is an extra: say how to get it rather than fail on an import in the middle of a run."""
    if name == "dask" and importlib.util.find_spec("prefect_dask") is None:
        raise SettingsError(
            "prefect.task_runner: 'dask' needs its extra: pip install 'newsletter-digest[dask]'"
        )
    return name


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


def _sources(
    value: list[Any], base: Path, env: Mapping[str, str], origin: Path
) -> tuple[SourceSettings, ...]:
    sources: list[SourceSettings] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise SettingsError(f"sources[{index}]: expected a table")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SettingsError(f"sources[{index}].name: every source needs a name")
        where = f"[[sources]] {name!r}"
        kind = entry.get("kind", "files")
        if kind not in SOURCE_KINDS:
            raise SettingsError(f"{where}.kind: {kind!r} is not one of {', '.join(SOURCE_KINDS)}")
        if any(s.name == name for s in sources):
            raise SettingsError(f"sources[{index}].name: {name!r} is used twice")
        if problems := source_problems(entry, kind, where):
            raise SettingsError(f"{origin}: " + "; also ".join(problems))
        path, url = entry.get("path"), entry.get("url")
        if kind == "files" and path is None:
            raise SettingsError(f"{where}.path: a files source needs the folder to read")
        if kind == "feed":
            url = http_url(url, f"{where}.url", "a feed source needs an http(s) URL")
        if kind == "mailbox" and path is None and not entry.get("imap_host"):
            raise SettingsError(
                f"{where}: a mailbox source needs a path (Maildir, mbox or .eml folder) "
                "or an imap_host"
            )
        sources.append(
            SourceSettings(
                name=name,
                kind=kind,
                path=_path(path, base) if isinstance(path, str) else None,
                url=url,
                options={
                    k: v for k, v in entry.items() if k not in {"name", "kind", "path", "url"}
                },
                password=_secret(env, source_password_variable(name)) if kind == "mailbox" else "",
            )
        )
    return tuple(sources)


def _proxy(url: str, name: str) -> str:
    if url:
        schemes = ("http", "https", "socks5", "socks5h")
        http_url(url, name, "expected a proxy URL such as http://host:3128", schemes)
    return url

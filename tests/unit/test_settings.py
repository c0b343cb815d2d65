"""Settings: the file, the environment over it, secrets, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import SettingsError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "digest.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_apply_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.transport == "outbox"
    assert settings.timezone == "UTC"
    assert settings.database_url == f"sqlite:///{tmp_path}/data/digest.db"


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[delivery]\noutbox = "out"\n[[sources]]\nname = "s"\npath = "texts"\n')
    settings = load_settings(path, environ={})
    assert settings.outbox == tmp_path / "out"
    assert settings.sources[0].path == tmp_path / "texts"


def test_the_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[digest]\ntimezone = "UTC"\n[smtp]\nport = 25\n')
    env = {
        "DIGEST_TIMEZONE": "Europe/Paris",
        "DIGEST_SMTP_PORT": "465",
        "DIGEST_DELIVERY_RECIPIENTS": "a@example.org, b@example.org",
        "DIGEST_DATABASE_URL": "postgresql+psycopg://u:secret@db/digest",
    }
    settings = load_settings(path, environ=env)
    assert settings.timezone == "Europe/Paris"
    assert settings.smtp.port == 465
    assert settings.recipients == ("a@example.org", "b@example.org")
    assert "secret" not in str(settings.public())


def test_a_proxy_for_the_feeds_is_set_by_the_environment_and_never_shown(tmp_path: Path) -> None:
    path = write(tmp_path, '[digest]\nhttp_proxy = "http://proxy.lan:3128"\n')
    assert load_settings(path, environ={}).http_proxy == "http://proxy.lan:3128"
    env = {"DIGEST_HTTP_PROXY": "http://me:hunter2@proxy.lan:3128"}
    settings = load_settings(path, environ=env)
    assert settings.http_proxy == "http://me:hunter2@proxy.lan:3128"
    assert settings.public()["http_proxy"] == "http://me:***@proxy.lan:3128"


def test_the_smtp_password_comes_from_a_file_and_is_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("hunter2\n", encoding="utf-8")
    settings = load_settings(
        write(tmp_path, ""), environ={"DIGEST_SMTP_PASSWORD_FILE": str(secret)}
    )
    assert settings.smtp.password == "hunter2"
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.public())


@pytest.mark.parametrize(
    ("text", "env", "names"),
    [
        ('[digest]\ntimezone = "Mars/Olympus"\n', {}, "digest.timezone"),
        ('[delivery]\ntransport = "pigeon"\n', {}, "delivery.transport"),
        ('[delivery]\nrecipients = ["nobody"]\n', {}, "delivery.recipients"),
        ("", {"DIGEST_SMTP_PORT": "many"}, "smtp.port"),
        ('[[sources]]\nkind = "files"\npath = "x"\n', {}, "sources[0].name"),
        ('[[sources]]\nname = "a"\nkind = "carrier"\n', {}, "[[sources]] 'a'.kind"),
        ('[[sources]]\nname = "a"\npath = "x"\n[[sources]]\nname = "a"\npath = "y"\n', {},
         "sources[1].name"),
        ("[digest\n", {}, "not valid TOML"),
    ],
)  # fmt: skip
def test_a_wrong_setting_is_named(tmp_path: Path, text: str, env: dict, names: str) -> None:
    with pytest.raises(SettingsError, match=names.replace("[", r"\[").replace("]", r"\]")):
        load_settings(write(tmp_path, text), environ=env)


def test_a_missing_config_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(environ={"DIGEST_CONFIG": str(tmp_path / "nope.toml")})


def test_dask_without_its_extra_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    path = write(tmp_path, '[prefect]\ntask_runner = "dask"\n')
    assert load_settings(path, environ={}).task_runner == "dask"  # the dev install has it
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "prefect_dask" else real(name, *a),
    )
    with pytest.raises(SettingsError, match=r"newsletter-digest\[dask\]"):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[delivery]\nrecipient = ["a@example.org"]\n',
         'unknown key "recipient" in [delivery]; did you mean "recipients"?'),
        ('[smpt]\nhost = "mail"\n', "unknown section [smpt]; did you mean [smtp]?"),
        ('title = "Mine"\n', 'unknown key "title" at the top; did you mean it in [digest]?'),
        ('[digest]\ntimezon = "UTC"\n[smtp]\nprot = 25\n',
         'unknown key "timezon" in [digest]; did you mean "timezone"?; also unknown key "prot" '
         'in [smtp]; did you mean "port"?'),
        ('[[sources]]\nname = "f"\nkind = "feed"\nurll = "https://x.example/"\n',
         """unknown key "urll" in [[sources]] 'f' (feed); did you mean "url"?"""),
        ('[[sources]]\nname = "f"\nkind = "feed"\nurl = "https://x.example/"\nfolder = "In"\n',
         """unknown key "folder" in [[sources]] 'f' (feed) (a key of mailbox sources)"""),
        ('[[sources]]\nname = "f"\nkind = "feed"\nurl = "https://x.example/"\nmax_bytes = "big"\n',
         "[[sources]] 'f'.max_bytes: expected a whole number from 1 to 1099511627776, got 'big'"),
        ('[[sources]]\nname = "m"\nkind = "mailbox"\nimap_host = "h"\nimap_port = 0\n',
         "[[sources]] 'm'.imap_port: expected a whole number from 1 to 65535, got 0"),
    ],
)  # fmt: skip
def test_a_name_the_settings_do_not_read_is_an_error_with_the_nearest_one(
    tmp_path: Path, text: str, said: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as raised:
        load_settings(path, environ={})
    assert str(raised.value) == f"{path}: {said}"


def test_every_key_the_settings_read_is_known(tmp_path: Path) -> None:
    """The keys known are those load_settings reads (one edit adds one): a file naming
    every key of the README's table, each at its default, is accepted."""
    from tests.support.readme_check import setting_keys

    defaults = {"database_url": '"sqlite:///d.db"', "timezone": '"UTC"', "transport": '"outbox"',
                "security": '"starttls"', "task_runner": '"threads"', "recipients": "[]",
                "port": "587", "timeout": "30", "dask_workers": "2", "fetch_timeout": "60",
                "from": '"Digest <d@example.org>"', "reply_to": '"d@example.org"'}  # fmt: skip
    text = ""
    for section in sorted({k.split(".")[0] for k in setting_keys()}):
        text += f"[{section}]\n"
        for key in sorted(k.split(".")[1] for k in setting_keys() if k.startswith(section + ".")):
            value = defaults.get(key, '""')
            text += f"{key} = {value}\n"
    load_settings(write(tmp_path, text), environ={})


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DIGEST_SMTP_PORT", "1e999"), ("DIGEST_SMTP_PORT", "abc"), ("DIGEST_SMTP_PORT", "-1"),
     ("DIGEST_SMTP_PORT", "70000"), ("DIGEST_SMTP_PORT", ""), ("DIGEST_SMTP_TIMEOUT", "nan"),
     ("DIGEST_SMTP_TIMEOUT", "inf"), ("DIGEST_SMTP_TIMEOUT", "-5"), ("DIGEST_SMTP_TIMEOUT", "0"),
     ("DIGEST_PREFECT_DASK_WORKERS", "0"), ("DIGEST_PREFECT_DASK_WORKERS", "1.5")],
)  # fmt: skip
def test_a_bad_number_names_its_variable_in_one_line(
    tmp_path: Path, variable: str, value: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(write(tmp_path, ""), environ={variable: value})
    message = str(raised.value)
    assert message.startswith(variable) and repr(value) in message and "\n" not in message


def test_a_digest_variable_that_sets_nothing_is_a_warning_with_the_nearest_one(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, '[[sources]]\nname = "inbox"\nkind = "mailbox"\nimap_host = "h"\n')
    env = {"DIGEST_SMTP_HOTS": "mail", "DIGEST_CONFIG": str(path), "DIGEST_HOME": "/srv",
           "DIGEST_SOURCE_INBOX_PASSWORD": "pw", "DIGEST_SMTP_PASSWORD_FILE": "",
           "DIGEST_SOURCE_OUTBOX_PASSWORD": "pw", "OTHER": "x"}  # fmt: skip
    assert load_settings(path, environ=env).warnings == (
        "DIGEST_SMTP_HOTS is not a setting, ignored; did you mean DIGEST_SMTP_HOST?",
        "DIGEST_SOURCE_OUTBOX_PASSWORD is not a setting, ignored; "
        "did you mean DIGEST_SOURCE_INBOX_PASSWORD?",
    )


@pytest.mark.parametrize(
    ("text", "env"),
    [("", {"DIGEST_HTTP_PROXY": "http://me:hunter2@proxy.lan:port"}),
     ('[digest]\nhttp_proxy = "me:hunter2@proxy.lan:3128"\n', {}),
     ('[[sources]]\nname = "f"\nkind = "feed"\nurl = "https://me:hunter2@x.example:99999/"\n', {}),
     ('[[sources]]\nname = "f"\nkind = "feed"\nurl = "ftp://me:hunter2@x.example/"\n', {})],
)  # fmt: skip
def test_a_malformed_url_is_refused_with_its_password_masked(
    tmp_path: Path, text: str, env: dict[str, str]
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(write(tmp_path, text), environ=env)
    assert "hunter2" not in str(raised.value) and "me:***@" in str(raised.value)


def test_settings_shown_mask_the_password_of_a_feed(tmp_path: Path) -> None:
    path = write(tmp_path, '[[sources]]\nname = "f"\nkind = "feed"\nurl = "https://me:pw@x.org/"\n')
    settings = load_settings(path, environ={})
    assert settings.sources[0].url == "https://me:pw@x.org/"
    assert "me:pw" not in str(settings.public()) and "me:***@x.org" in str(settings.public())


@pytest.mark.parametrize(
    "recipients",
    ['["a@example.org\\r\\nBcc: all@example.org"]', '["a@example.org, b@example.org"]',
     '["nobody"]', '["a b@example.org"]'],
)  # fmt: skip
def test_a_recipient_that_is_not_one_address_is_refused(tmp_path: Path, recipients: str) -> None:
    with pytest.raises(SettingsError, match=r"delivery\.recipients"):
        load_settings(write(tmp_path, f"[delivery]\nrecipients = {recipients}\n"), environ={})

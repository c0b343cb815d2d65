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

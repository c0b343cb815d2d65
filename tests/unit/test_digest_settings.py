"""[[digests]] in the settings: read and checked, the implicit digest without them, and the
weekly deployments their schedules make."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows.digest_settings import DEFAULT_DIGEST, WEEKLY_CRON, WeeklySchedule, weekly_schedules
from flows.orchestration.deploy import with_schedules
from flows.settings import SettingsError, load_settings

BASE = """
[digest]
title = "Weekly digest"
[delivery]
recipients = ["all@example.org"]
[[sources]]
name = "seeds"
path = "seeds"
[[sources]]
name = "wire"
kind = "feed"
url = "https://example.org/feed.xml"
"""

TWO = """
[[digests]]
name = "world"
title = "World"
sources = ["seeds"]
recipients = ["ana@example.org", "bo@example.org"]
[digests.exclude]
words = ["football", "transfer window"]
sources = ["wire"]

[[digests]]
name = "tech"
schedule = "30 6 * * 5"
[digests.include]
words = ["chip"]
sources = ["wire"]
"""


def settings_of(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "digest.toml"
    path.write_text(BASE + text, encoding="utf-8")
    return load_settings(path, environ={})


def test_without_digests_one_implicit_digest_is_today_s(tmp_path: Path) -> None:
    [digest] = settings_of(tmp_path, "").digests
    assert (digest.name, digest.title, digest.recipients) == (
        DEFAULT_DIGEST, "Weekly digest", ("all@example.org",))  # fmt: skip
    assert digest.sources == digest.include_words == digest.exclude_sources == ()
    assert digest.schedule == WEEKLY_CRON
    assert weekly_schedules([digest]) == [WeeklySchedule("weekly", WEEKLY_CRON, None)]


def test_digests_are_read_with_their_rules_and_defaults(tmp_path: Path) -> None:
    world, tech = settings_of(tmp_path, TWO).digests
    assert (world.name, world.title, world.sources) == ("world", "World", ("seeds",))
    assert world.recipients == ("ana@example.org", "bo@example.org")
    assert world.exclude_words == ("football", "transfer window")
    assert world.exclude_sources == ("wire",)
    # What a digest does not say comes from [digest] and [delivery]; its sources are all.
    assert (tech.title, tech.recipients, tech.sources) == (
        "Weekly digest", ("all@example.org",), ())  # fmt: skip
    assert (tech.include_words, tech.include_sources) == (("chip",), ("wire",))
    assert weekly_schedules([world, tech]) == [
        WeeklySchedule("weekly-world", WEEKLY_CRON, "world"),
        WeeklySchedule("weekly-tech", "30 6 * * 5", "tech"),
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[[digests]]\ntitle = "x"\n', "digests[0].name: every digest needs a name"),
        ('[[digests]]\nname = "a b"\n', "digests[0].name: every digest needs a name"),
        ('[[digests]]\nname = "a"\n[[digests]]\nname = "a"\n', "'a' is used twice"),
        ('[[digests]]\nname = "a"\nsources = ["nope"]\n', "digests[a].sources: no source is"),
        ('[[digests]]\nname = "a"\nsources = "seeds"\n', 'expected "all" or a list'),
        ('[[digests]]\nname = "a"\n[digests.include]\nwords = [1]\n', "include.words"),
        ('[[digests]]\nname = "a"\n[digests.exclude]\ntopics = ["x"]\n', "unknown key 'topics'"),
        ('[[digests]]\nname = "a"\nreaders = ["x@y"]\n', "digests[0]: unknown key 'readers'"),
        ('[[digests]]\nname = "a"\nrecipent = ["x@y"]\n', "did you mean 'recipients'"),
        ('[[digests]]\nname = "a"\nrecipients = ["nobody"]\n', "'nobody' is not an email"),
        ('[[digests]]\nname = "a"\nschedule = "weekly"\n', "not a cron string of five fields"),
    ],
)
def test_a_wrong_digest_is_named_with_its_key(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(SettingsError, match=says.replace("[", r"\[").replace("]", r"\]")):
        settings_of(tmp_path, text)


def test_the_deployments_of_several_schedules_run_each_digest_on_its_own() -> None:
    plans = [
        WeeklySchedule("weekly-a", "0 6 * * 1", "a"),
        WeeklySchedule("weekly-b", "0 8 * * 5", "b"),
    ]
    project = with_schedules(plans)
    names = [d["name"] for d in project["deployments"]]
    assert names == ["weekly-a", "weekly-b", "ingest", "backfill"]
    a, b = project["deployments"][:2]
    assert (a["schedules"][0]["cron"], a["parameters"]) == ("0 6 * * 1", {"digest": "a"})
    assert (b["schedules"][0]["cron"], b["parameters"]) == ("0 8 * * 5", {"digest": "b"})
    assert b["schedules"][0]["timezone"] == "{{ $DIGEST_TIMEZONE }}"
    assert "&id" not in yaml.safe_dump(project)  # written out plain, no shared anchors

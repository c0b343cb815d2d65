"""Stored MinHash signatures carry their format version, and `digest migrate
--rebuild-signatures` brings those of an older format (and their band keys) to the current
one, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from db import documents as doc_store
from db import models
from db import neardup as near_store
from db import sources as source_store
from db.engine import dispose, session_scope
from db.migrate import downgrade, upgrade
from flows.dedupe.near import SIGNATURE_VERSION, band_keys, from_bytes, signature_of, signed
from flows.pipeline.signatures import prepare_database, rebuild_signatures
from tests.conftest import ROOT, write_config
from tests.integration.test_neardup_db import NOW, document, store  # noqa: F401 (fixture)
from tests.support.pipeline import link_near_duplicates
from tests.unit.test_neardup import OTHER, STORY


def stored(url: str) -> dict[str, tuple[bytes | None, int | None]]:
    """identity of each document's first sighting -> (signature, its format version)."""
    with session_scope(url) as session:
        document = models.Document
        rows = session.execute(
            select(models.Sighting.identity, document.minhash, document.minhash_version).join(
                document
            )
        )
        return {i: (bytes(m) if m is not None else None, v) for i, m, v in rows}


def save(url: str, *docs: object) -> list[int]:
    with session_scope(url) as session:
        saved = doc_store.save_documents(session, docs, NOW)  # type: ignore[arg-type]
        link_near_duplicates(session, saved, docs)  # type: ignore[arg-type]
    return [s.document_id for s in saved]


def keys_of(text: str) -> set[int]:
    return {k for k in band_keys(from_bytes(signature_of(text)))[0].tolist() if k}


def test_new_signatures_are_stored_with_the_current_version(store: str) -> None:  # noqa: F811
    [doc] = signed([replace(document("a", STORY), minhash=b"")])
    save(store, doc)
    assert stored(store) == {"a": (signature_of(STORY), SIGNATURE_VERSION)}


def test_old_or_missing_signatures_and_their_bands_are_rebuilt(store: str) -> None:  # noqa: F811
    current = signed([replace(document("a", STORY), minhash=b"")])
    # "b" carries a signature of an older format (here: of another text), "c" none at all.
    old = replace(document("b", OTHER), minhash=signature_of(STORY), minhash_version=0)
    missing = replace(document("c", STORY + " A line more."), minhash=b"")
    a, b, c = save(store, *current, old, missing)

    assert rebuild_signatures(store, batch=1) == 2
    assert stored(store) == {
        "a": (signature_of(STORY), SIGNATURE_VERSION),
        "b": (signature_of(OTHER), SIGNATURE_VERSION),
        "c": (signature_of(STORY + " A line more."), SIGNATURE_VERSION),
    }
    with session_scope(store) as session:
        members = near_store.band_members(session, keys_of(OTHER) | keys_of(STORY))
    holders_of = lambda keys: {i for k in keys for i in members.get(k, ())}  # noqa: E731
    assert holders_of(keys_of(OTHER)) == {b}  # its old keys are gone, its own are in
    assert holders_of(keys_of(STORY)) >= {a, c} and b not in holders_of(keys_of(STORY))
    assert rebuild_signatures(store) == 0


def test_a_run_brings_old_signatures_to_the_current_format(store: str) -> None:  # noqa: F811
    save(store, replace(document("b", OTHER), minhash=signature_of(STORY), minhash_version=0))
    prepare_database(store)  # what every run does first
    assert stored(store) == {"b": (signature_of(OTHER), SIGNATURE_VERSION)}


def test_the_migration_marks_signatures_stored_before_as_the_first_format(
    store: str,  # noqa: F811
) -> None:
    save(store, replace(document("a", STORY), minhash_version=0), replace(
        document("b", OTHER), minhash=b""))  # fmt: skip
    downgrade(store, "0007")
    dispose(store)
    upgrade(store)
    assert stored(store) == {"a": (signature_of(STORY), 1), "b": (None, None)}


def test_the_command_rebuilds_and_says_how_many(tmp_path: Path, seeds_copy: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    config = str(write_config(tmp_path, url, seeds_copy))
    upgrade(url)
    with session_scope(url) as session:
        source_store.sync_sources(session, [("wire", "feed", None)])
    save(url, replace(document("a", STORY), minhash=b""))  # stored before signatures were
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    command = [sys.executable, "-m", "flows.cli.main", "migrate", "--rebuild-signatures"]
    done = subprocess.run([*command, "--config", config], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 signatures rebuilt" in done.stdout
    assert stored(url) == {"a": (signature_of(STORY), SIGNATURE_VERSION)}

"""Near-duplicates: signatures, band keys, candidates, who copies whom, and the fold into one."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import numpy as np
import pytest

from flows.dedupe.near import (
    BANDS,
    BINS,
    CONTAINED,
    NEAR,
    band_keys,
    candidate_pairs,
    collapse,
    containment,
    from_bytes,
    signature_of,
    signatures,
    similarity,
    size_of,
)
from flows.records import Sighting, StoredDocument
from tests.bench.near_groups import near_duplicate_groups

STORY = (
    "Dockworkers at the Port of Rotterdam walked out on Monday over plans to automate two "
    "container terminals at Maasvlakte, leaving dozens of ships waiting at anchor. The union "
    "said the strike would last until the operator guaranteed every job until 2030, while the "
    "company said automation was the only way to stay competitive with Antwerp and Hamburg. "
    "Port officials expect delays to reach inland barge traffic on the Rhine by Wednesday."
)
OTHER = (
    "Norway's central bank cut its key interest rate by a quarter point to 3.75 percent on "
    "Thursday, citing slowing inflation and a weaker krone, and said more cuts could follow "
    "next year if wage growth stays moderate. Economists had expected the bank to wait until "
    "March, and the krone fell against the euro after the announcement in Oslo."
)
THIRD = (
    "Farmers in the Po valley began the rice harvest two weeks early after a dry summer, and "
    "the regional water authority lifted its limits on irrigation from the river. Growers "
    "said yields were lower than last year but the grain was of good quality, and prices at "
    "the Vercelli market rose for the third week running."
)


def rewrite(text: str, every: int) -> str:
    """Every `every`-th word replaced: a light edit of the same text."""
    return " ".join("changed" if i % every == 0 else w for i, w in enumerate(text.split()))


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        (STORY, STORY, True),
        (STORY, "Reporting by the wire.\n\n" + STORY + "\n\nShare this story.", True),
        (STORY, STORY.upper(), True),  # case does not matter
        (STORY, rewrite(STORY, 12), True),  # a light rewrite
        (STORY, STORY[: len(STORY) * 2 // 3], True),  # a trimmed ending
        (STORY, rewrite(STORY, 3), False),  # a third of the words changed: another text
        (STORY, OTHER, False),
        ("", STORY, False),  # an empty text matches nothing
    ],
)
def test_near_duplicates_are_told_apart(a: str, b: str, near: bool) -> None:
    sigs = signatures([a, b])
    assert bool(similarity(sigs[0], sigs[1])[0] >= NEAR) == near


def test_signatures_are_the_same_in_another_process() -> None:
    """They are stored: a salted hash would change them on every run."""
    code = f"from flows.dedupe.near import signature_of; print(signature_of({STORY!r}).hex())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True)  # fmt: skip
    assert other.stdout.strip() == signature_of(STORY).hex()
    assert len(signature_of(STORY)) == BINS * 4 + 4  # the signature, then the shingle count


def test_batches_give_the_signatures_of_one_text_at_a_time() -> None:
    texts = [rewrite(STORY, k) for k in range(2, 40)] * 60  # more than one batch
    many = signatures(texts)
    assert many.shape == (len(texts), BINS)
    for row in (0, 999, 1000, len(texts) - 1):
        assert np.array_equal(many[row], from_bytes(signature_of(texts[row])))


def test_band_keys_meet_for_copies_only() -> None:
    sigs = signatures([STORY, STORY + " One more line.", OTHER])
    keys = band_keys(sigs)
    assert keys.shape == (3, BANDS)
    assert set(keys[0]) & set(keys[1])
    assert not set(keys[0]) & set(keys[2])
    assert candidate_pairs(keys).tolist() == [[0, 1]]


def test_a_short_text_has_a_key_per_band() -> None:
    """A short text repeats a value over several bins (an empty bin borrows its neighbour's):
    its bands still give distinct keys, each stored once."""
    texts = [f"Storm {n}" for n in range(100)]  # two words: one shingle each
    for keys in band_keys(signatures(texts)).tolist():
        assert len(set(keys)) == BANDS and 0 not in keys


def test_a_crowded_bucket_links_each_member_to_its_first() -> None:
    keys = np.ones((60, 1), dtype=np.int64)
    pairs = candidate_pairs(keys, max_bucket=50)
    assert sorted(pairs[:, 1].tolist()) == list(range(1, 60))
    assert set(pairs[:, 0].tolist()) == {0}


def test_groups_point_to_the_first_published() -> None:
    texts = [OTHER, STORY, rewrite(STORY, 15), "Completely unrelated words about gardening"]
    order = np.array([0.0, 5.0, 1.0, 2.0])  # the rewrite came first
    assert near_duplicate_groups(signatures(texts), order).tolist() == [0, 2, 2, 3]


def test_a_teaser_is_held_by_the_text_it_was_cut_from() -> None:
    """A headline-and-lead copy shares few of a long text's shingles (its Jaccard is low)
    but nearly all of its own are in the long one."""
    long = "\n\n".join((STORY, OTHER, THIRD))
    teaser = STORY[: len(STORY) // 2]
    blobs = [signature_of(t) for t in (long, teaser, OTHER)]
    sigs = np.stack([from_bytes(b) for b in blobs])
    sizes = np.array([size_of(b) for b in blobs])
    assert sizes[0] > 3 * sizes[1] > 0
    assert similarity(sigs[0], sigs[1])[0] < NEAR
    assert containment(sigs[0], sigs[1], sizes[0], sizes[1])[0] >= CONTAINED
    assert set(band_keys(sigs[0])[0]) & set(band_keys(sigs[1])[0])  # a candidate pair
    assert containment(sigs[1], sigs[2], sizes[1], sizes[2])[0] < CONTAINED


def test_a_signature_of_the_older_format_has_no_size() -> None:
    old = signature_of(STORY)[: BINS * 4]
    assert size_of(old) == 0
    assert np.array_equal(from_bytes(old), from_bytes(signature_of(STORY)))
    sig = from_bytes(old)
    assert containment(sig, sig, 0, 0)[0] == similarity(sig, sig)[0] == 1.0


def doc(i: int, duplicate_of: int | None = None) -> StoredDocument:
    return StoredDocument(
        id=i, title=f"t{i}", text=STORY, publisher=f"p{i}", url=None,
        published_at=datetime(2025, 10, 27, tzinfo=UTC), date_how="feed",
        sightings=(Sighting("feeds", f"id{i}", f"p{i}", None, f"t{i}"),),
        duplicate_of=duplicate_of,
    )  # fmt: skip


def test_collapse_keeps_every_source_on_the_original() -> None:
    folded = collapse([doc(2, duplicate_of=1), doc(1), doc(3, duplicate_of=99)])
    assert [d.id for d in folded] == [1, 3]  # 3's original is not in view: it stands
    assert [s.identity for s in folded[0].sightings] == ["id1", "id2"]

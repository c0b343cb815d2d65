"""One reader's digest from the shared one: what that reader muted never shows, and
stories like those they wanted less of are cut (the same story) or put last (alike)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from flows.entities import names
from flows.records import Digest, Feedback, Sighting, Story
from flows.stories.build import make_story, rank
from flows.stories.embed import embed

# Cosine of two stories' headline and extract. From SAME_STORY on a story is the one the
# reader wanted less of, or its sequel, and is cut (a strike and its second week: 0.81);
# from ALIKE on, or with ALIKE_NAMES names in common, it is alike and goes last (another
# story of the same port: 0.49, three names shared; an unrelated one: 0.09, none).
SAME_STORY = 0.6
ALIKE = 0.35
ALIKE_NAMES = 2


def profile(headline: str, extract: str, texts: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """What a "less like this" keeps of a story: its shown text and the names it tells of."""
    told = " ".join([headline, extract, *(t[:1500] for t in texts[:3])])
    return f"{headline}\n\n{extract}", tuple(sorted(set(names(told))))


def for_reader(
    digest: Digest, feedback: Sequence[Feedback], name_of: Callable[[Sighting], str]
) -> Digest:
    """The digest this reader gets; `name_of` names a source as the email shows it."""
    muted = {f.target.casefold() for f in feedback if f.kind == "mute"}
    less = [f for f in feedback if f.kind == "less"]
    own = _less_like(_without(digest.stories, muted, name_of), less)
    late = _less_like(_without(digest.late, muted, name_of), less)
    return replace(digest, stories=tuple(own), late=tuple(late))


def _without(
    stories: Sequence[Story], muted: set[str], name_of: Callable[[Sighting], str]
) -> list[Story]:
    """Each story told without the muted sources' sightings; a story only they told is gone."""
    if not muted:
        return list(stories)
    kept = []
    for story in stories:
        documents = []
        for doc in story.documents:
            sightings = tuple(s for s in doc.sightings if name_of(s).casefold() not in muted)
            if sightings:
                documents.append(replace(doc, sightings=sightings))
        if documents == list(story.documents):
            kept.append(story)
        elif documents:  # told again by the others: the lead, headline and link may change
            retold = make_story(documents)
            kept.append(replace(retold, key=story.key, continues=story.continues))
    return rank(kept)


def _less_like(stories: Sequence[Story], less: Sequence[Feedback]) -> list[Story]:
    if not less or not stories:
        return list(stories)
    said = verdicts(stories, less)
    kept = [s for s, v in zip(stories, said, strict=True) if v == "keep"]
    return kept + [s for s, v in zip(stories, said, strict=True) if v == "last"]


def verdicts(stories: Sequence[Story], less: Sequence[Feedback]) -> list[str]:
    """For each story, given the "less like this" said: "cut", "last" or "keep"."""
    same = {f.target.partition(".")[2] for f in less}
    shown = [f"{s.headline}\n\n{s.extract}" for s in stories]
    vectors = embed(shown + [f.text for f in less])
    similar = (vectors[: len(stories)] @ vectors[len(stories) :].T).max(axis=1)
    disliked = [set(f.names) for f in less]
    found = []
    for story, cosine in zip(stories, similar, strict=True):
        if (
            story.key in same
            or (story.continues and story.continues.key in same)
            or cosine >= SAME_STORY
        ):
            found.append("cut")
        else:
            told = set(profile(story.headline, story.extract, [d.text for d in story.documents])[1])
            shared = max(len(told & these) for these in disliked)
            found.append("last" if cosine >= ALIKE or shared >= ALIKE_NAMES else "keep")
    return found

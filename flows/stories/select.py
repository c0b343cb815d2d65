"""Each digest's pick of the week's stories: its sources, its include and exclude rules
(words, phrases, sources), then ranked again over what it kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from flows.records import StoredDocument, Story
from flows.stories.build import make_story, rank
from flows.text import key


@dataclass(frozen=True)
class Rules:
    """What one digest takes. Sources it is not made of, and excluded ones, lose their
    sightings (a story only they carried goes); with include rules, a story stays when a
    word or phrase of them is in it or an included source carries it; a story with an
    excluded word or phrase goes. Words match whole, case and accents aside."""

    sources: tuple[str, ...] = ()  # the sources the digest is made of; empty: every one
    include_words: tuple[str, ...] = ()
    include_sources: tuple[str, ...] = ()
    exclude_words: tuple[str, ...] = ()
    exclude_sources: tuple[str, ...] = ()

    @property
    def keeps_all(self) -> bool:
        return not (
            self.sources
            or self.include_words
            or self.include_sources
            or self.exclude_words
            or self.exclude_sources
        )


def select_stories(stories: Sequence[Story], rules: Rules) -> list[Story]:
    """The stories the rules keep, each with the sightings the digest takes, ranked."""
    if rules.keeps_all:  # the implicit digest: the week's stories as they are
        return list(stories)
    kept = []
    for story in stories:
        trimmed = trim_sources(story, rules)
        if trimmed is not None and wanted(trimmed, rules):
            kept.append(trimmed)
    return rank(kept)


def may_take(documents: Sequence[StoredDocument], rules: Rules) -> list[StoredDocument]:
    """The documents that could make a story the rules keep, each judged alone: for the
    late arrivals, which a digest with rules would otherwise group again each week (a
    document it left out is never shown by it, so stays a candidate)."""
    if rules.keeps_all:
        return list(documents)
    kept = []
    for doc in documents:
        seen = [s for s in doc.sightings if takes_source(s.source, rules)]
        said = f" {key(doc.title + chr(10) + doc.text)} "
        if not seen or any(f" {key(word)} " in said for word in rules.exclude_words):
            continue
        if (not (rules.include_words or rules.include_sources)
                or any(s.source in rules.include_sources for s in seen)
                or any(f" {key(word)} " in said for word in rules.include_words)):  # fmt: skip
            kept.append(doc)
    return kept


def takes_source(source: str, rules: Rules) -> bool:
    return (not rules.sources or source in rules.sources) and source not in rules.exclude_sources


def trim_sources(story: Story, rules: Rules) -> Story | None:
    """The story told by the sources the digest takes, or None when none of them told it.
    A story that lost members is made again from the rest: its headline and link are then
    theirs, never those of a source the digest leaves out."""
    members = []
    for doc in story.documents:
        seen = tuple(s for s in doc.sightings if takes_source(s.source, rules))
        if seen:
            members.append(doc if seen == doc.sightings else replace(doc, sightings=seen))
    if not members:
        return None
    if len(members) == len(story.documents) and all(
        a is b for a, b in zip(members, story.documents, strict=True)
    ):
        return story
    return replace(make_story(members), continues=story.continues)


def wanted(story: Story, rules: Rules) -> bool:
    """No excluded word in the story; and, when there are include rules, one of them met."""
    said = f" {key(story_text(story))} "
    if any(f" {key(word)} " in said for word in rules.exclude_words):
        return False
    if not (rules.include_words or rules.include_sources):
        return True
    if any(s.source in rules.include_sources for s in story.sources):
        return True
    return any(f" {key(word)} " in said for word in rules.include_words)


def story_text(story: Story) -> str:
    """What a rule's words are looked for in: the headline, the extract, each member's
    title and text."""
    parts = [story.headline, story.extract]
    parts += [f"{doc.title}\n{doc.text}" for doc in story.documents]
    return "\n".join(parts)

"""Which of two matching texts is the copy, and the original each copy folds into."""

from __future__ import annotations

from flows.dedupe.copies import Match, Text, direction, links


def test_the_shorter_copies_the_longer_whichever_came_first() -> None:
    teaser, article = Text(1, 50), Text(2, 300)
    assert direction(teaser, article) == (teaser, article)
    assert direction(article, teaser) == (teaser, article)
    # A teaser stored before its article becomes the article's copy.
    assert links({1: teaser, 2: article}, [Match(2, 1, 0.9)]) == {1: 2}


def test_of_two_texts_about_as_long_the_later_copies() -> None:
    first, later = Text(1, 100), Text(2, 110)
    assert direction(first, later) == (later, first)
    assert links({1: first, 2: later}, [Match(2, 1, 0.9)]) == {2: 1}


def test_a_weak_match_links_nothing() -> None:
    assert links({1: Text(1, 100), 2: Text(2, 100)}, [Match(2, 1, 0.3)]) == {}


def test_a_newsletter_quoting_a_story_is_no_copy_of_it_nor_its_original() -> None:
    story, newsletter = Text(1, 300), Text(2, 290, newsletter=True)
    assert links({1: story, 2: newsletter}, [Match(2, 1, 0.65)]) == {}
    both = {1: Text(1, 300, newsletter=True), 2: newsletter}
    assert links(both, [Match(2, 1, 0.95)]) == {2: 1}  # a newsletter copied whole is a copy


def test_a_copy_keeps_the_original_it_has_and_links_to_the_first_of_a_chain() -> None:
    texts = {1: Text(1, 300), 2: Text(2, 100, original=1), 3: Text(3, 200)}
    # 2 is already a copy of 1: it stays so; 3 copies 1 (held in it), not 2.
    assert links(texts, [Match(2, 3, 0.9), Match(3, 1, 0.7)]) == {3: 1}
    later = {1: Text(1, 300), 2: Text(2, 100, original=1), 4: Text(4, 98)}
    assert links(later, [Match(4, 2, 0.9)]) == {4: 1}  # through its original's original


def test_copies_never_form_a_loop() -> None:
    # Each pair alone points round the circle: 5 is shorter than 7, 7 is later than 6 and
    # about as long, 6 is later than 5 and about as long.
    texts = {5: Text(5, 100), 6: Text(6, 105), 7: Text(7, 130)}
    made = links(texts, [Match(5, 7, 0.9), Match(7, 6, 0.8), Match(6, 5, 0.7)])
    assert len(made) == 2
    roots = set(texts) - set(made)
    assert len(roots) == 1 and set(made.values()) == roots

"""How many of a digest's stories fit the size an e-mail may have, found in few renderings."""

from __future__ import annotations

import itertools
from collections.abc import Callable

FIRST_LOOK = 16  # stories on the first page measured: what a story weighs, for the guesses
GUESSES = 4  # guesses drawn from the sizes known, before plain bisection


def most_that_fit(size_of: Callable[[int], int], total: int, limit: int) -> int:
    """The largest count of stories, at most `total`, whose page is at most `limit` bytes
    (0 when none fit). Each guess renders the page again, and a page of every story of a
    busy week is the costliest: so the search starts from a few stories. Stories are of
    like size, so a guess drawn from the sizes known lands within a story or two of the
    answer, and bisection ends the search."""
    first = min(total, FIRST_LOOK)
    sizes = {first: size_of(first)}
    if first == total and sizes[first] <= limit:
        return total
    if 0 not in sizes:
        sizes[0] = size_of(0)
    fits = max((n for n, size in sizes.items() if size <= limit), default=0)
    too_many = min((n for n, size in sizes.items() if size > limit), default=total + 1)
    for guesses in itertools.count():
        if too_many - fits <= 1:
            break
        guess = (fits + too_many) // 2
        if guesses < GUESSES:
            guess = _drawn(sizes, fits, too_many, limit) or guess
        guess = min(max(guess, fits + 1), too_many - 1)
        sizes[guess] = size_of(guess)
        if sizes[guess] <= limit:
            fits = guess
        else:
            too_many = guess
    return fits


def _drawn(sizes: dict[int, int], fits: int, too_many: int, limit: int) -> int | None:
    """A count drawn between the sizes known on either side of the answer; with none known
    too big yet, carried on at the mean size of a story."""
    low = sizes[fits]
    if too_many in sizes:
        high = sizes[too_many]
        return fits + int((limit - low) * (too_many - fits) / (high - low)) if high > low else None
    counted = max(sizes)  # the most stories measured, all of which fit
    per_story = (sizes[counted] - sizes[0]) / counted if counted else 0
    return fits + int((limit - low) / per_story) if per_story > 0 else None

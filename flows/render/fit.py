"""How many of a digest's stories fit the size an e-mail may have, found in few renderings."""

from __future__ import annotations

import itertools
from collections.abc import Callable


def most_that_fit(size_of: Callable[[int], int], total: int, size: int, limit: int) -> int:
    """The largest count of stories whose page is at most `limit` bytes, when all `total`
    make `size` bytes, more than that (0 when none fit). Each guess renders the page
    again: stories are of like size, so a guess drawn between two known sizes lands within
    a story or two of the answer, and the count is then found by bisection."""
    fits, too_many = 0, total  # the answer lies in [fits, too_many)
    low, high = size_of(0), size
    for guesses in itertools.count():
        if too_many - fits <= 1:
            break
        if guesses < 3 and high > low:
            guess = fits + int((limit - low) * (too_many - fits) / (high - low))
        else:
            guess = (fits + too_many) // 2
        guess = min(max(guess, fits + 1), too_many - 1)
        bytes_ = size_of(guess)
        if bytes_ <= limit:
            fits, low = guess, bytes_
        else:
            too_many, high = guess, bytes_
    return fits

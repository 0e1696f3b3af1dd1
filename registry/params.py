"""Reading numbers out of query strings and form posts: the one helper every view uses.

`str.isdigit()` is true for "²" or "٣", which `int()` then refuses (or reads as another number), so a check with
isdigit() followed by int() turns a stray character into a server error. Here only ASCII digits count, with a
sane length; anything else is None, and the view ignores the parameter or says what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ASCII_INT = re.compile(r"[0-9]{1,9}")


def int_or_none(value) -> int | None:
    """A non-negative integer written in ASCII digits (at most nine), else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return int(text) if _ASCII_INT.fullmatch(text) else None


def int_list(values: Iterable) -> list[int]:
    """The values that are such integers, in order, without repeats; the others are dropped."""
    seen: dict[int, None] = {}
    for value in values:
        n = int_or_none(value)
        if n is not None:
            seen.setdefault(n)
    return list(seen)

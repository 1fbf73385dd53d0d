"""The generator's seeded draws: weighted picks, digits, patterns and ids unique across stores.

Every function takes the caller's ``random.Random``; nothing here touches the global
generator, so the data stays deterministic for a seed.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TypeVar

__all__ = ["IdBook", "days", "digits", "fill", "image_url", "letters", "pick"]

_T = TypeVar("_T")


def pick(rng: random.Random, table: Sequence[tuple[_T, float]]) -> _T:
    """One value of a (value, weight) table."""
    return rng.choices([value for value, _ in table], weights=[w for _, w in table])[0]


def days(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(days=rng.uniform(low, high))


def digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(count))


def letters(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(count))


def fill(rng: random.Random, pattern: str) -> str:
    """``pattern`` with each "#" a random digit and each "@" a random capital letter."""
    return "".join(rng.choice(string.digits) if ch == "#"
                   else rng.choice(string.ascii_uppercase) if ch == "@" else ch
                   for ch in pattern)


def image_url(rng: random.Random) -> str:
    return f"https://ae01.alicdn.com/kf/S{rng.getrandbits(128):032x}.jpg"


class IdBook:
    """Hands out ids and numbers that are unique across all the stores generated together."""

    def __init__(self) -> None:
        self._used: set[object] = set()

    def take(self, rng: random.Random, make: Callable[[random.Random], _T]) -> _T:
        while True:
            value = make(rng)
            if value not in self._used:
                self._used.add(value)
                return value

    def number(self, rng: random.Random, low: int, high: int) -> int:
        return self.take(rng, lambda r: r.randrange(low, high))

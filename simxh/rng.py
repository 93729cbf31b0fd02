"""Named random streams (the ActivitySim design).

Every stochastic process draws from its own stream, derived from the run's seed and the
stream's name (and, where useful, an entity key). Adding a lever or a town therefore does not
reshuffle anyone else's draws, and scenarios that share a seed share their random numbers
(common random numbers). Global ``numpy.random`` and ``random`` state are never used.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np


@functools.lru_cache(maxsize=4096, typed=True)  # True and 1 are different names
def _key(part: str | int) -> int:
    """A stable 32-bit integer for a stream-name part (independent of PYTHONHASHSEED)."""
    digest = hashlib.blake2b(str(part).encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "little")


def stream(seed: int, *names: str | int) -> np.random.Generator:
    """The generator for stream ``names`` of run ``seed``.

    >>> a = stream(7, "firms", "shocks"); b = stream(7, "firms", "shocks")
    >>> bool(a.random() == b.random())
    True
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    entropy = [int(seed) & 0xFFFFFFFF, int(seed) >> 32]
    ss = np.random.SeedSequence(entropy=entropy, spawn_key=tuple(_key(n) for n in names))
    return np.random.Generator(np.random.PCG64(ss))


class Streams:
    """Lazily created named streams for one run; ``streams["firms.shocks"]``."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._cache: dict[tuple[str | int, ...], np.random.Generator] = {}

    def get(self, *names: str | int) -> np.random.Generator:
        key = tuple(names)
        gen = self._cache.get(key)
        if gen is None:
            gen = self._cache[key] = stream(self.seed, *names)
        return gen

    def __getitem__(self, name: str) -> np.random.Generator:
        return self.get(*name.split("."))

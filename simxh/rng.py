"""Named random streams (the ActivitySim design).

Every stochastic process draws from its own stream, derived from the run's seed and the
stream's name (and, where useful, an entity key). Adding a lever or a town therefore does not
reshuffle anyone else's draws, and scenarios that share a seed share their random numbers
(common random numbers). Global ``numpy.random`` and ``random`` state are never used.

A stream is ``Generator(PCG64(SeedSequence(entropy=[seed mod 2³², seed >> 32],
spawn_key=keys(names))))``. A run creates ~140 of them, and numpy's ``SeedSequence`` costs
more to set up than to compute, so :func:`stream` computes the same seed words in plain Python
(numpy's algorithm: ``_seed_words``), reusing the pool of a name's prefix (``firms``,
``shocks``) across the years; ``tests/test_rng.py`` checks the words and draws against numpy's
own ``SeedSequence`` for many seeds and names.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np
from numpy.random.bit_generator import ISeedSequence


@functools.lru_cache(maxsize=4096, typed=True)  # True and 1 are different names
def _key(part: str | int) -> int:
    """A stable 32-bit integer for a stream-name part (independent of PYTHONHASHSEED)."""
    digest = hashlib.blake2b(str(part).encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "little")


# numpy.random.SeedSequence's constants (numpy/random/bit_generator.pyx)
_M32 = 0xFFFFFFFF
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4  # SeedSequence's pool size (words)


def _words(n: int) -> list[int]:
    """An integer as little-endian 32-bit words (SeedSequence's ``_int_to_uint32_array``)."""
    if n == 0:
        return [0]
    out = []
    while n > 0:
        out.append(n & _M32)
        n >>= 32
    return out


def _mix_in(pool: tuple[int, ...], h: int, words: list[int]) -> tuple[tuple[int, ...], int]:
    """Mix entropy words beyond the pool into it (SeedSequence.mix_entropy's last loop)."""
    p = list(pool)
    for w in words:
        for d in range(_POOL):
            v = w ^ h
            h = (h * _MULT_A) & _M32
            v = (v * h) & _M32
            v ^= v >> 16
            r = (_MIX_L * p[d] - _MIX_R * v) & _M32
            p[d] = r ^ (r >> 16)
    return tuple(p), h


@functools.lru_cache(maxsize=64)
def _run_pool(seed: int, spawned: bool) -> tuple[tuple[int, ...], int]:
    """The pool and hash constant once the run's entropy is mixed in (padded to the pool size
    when a spawn key follows), as SeedSequence.mix_entropy leaves them."""
    ent = _words(seed & _M32) + _words(seed >> 32)
    if spawned and len(ent) < _POOL:
        ent += [0] * (_POOL - len(ent))
    h = _INIT_A
    pool = [0] * _POOL

    def hashmix(v: int) -> int:
        nonlocal h
        v ^= h
        h = (h * _MULT_A) & _M32
        v = (v * h) & _M32
        return v ^ (v >> 16)

    for i in range(_POOL):
        pool[i] = hashmix(ent[i] if i < len(ent) else 0)
    for s in range(_POOL):
        for d in range(_POOL):
            if s != d:
                r = (_MIX_L * pool[d] - _MIX_R * hashmix(pool[s])) & _M32
                pool[d] = r ^ (r >> 16)
    return _mix_in(tuple(pool), h, ent[_POOL:])


@functools.lru_cache(maxsize=1024)
def _prefix_pool(seed: int, keys: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """The pool after the run's entropy and the spawn-key words ``keys`` (cached per prefix:
    the streams of one process share all but their last name part)."""
    if not keys:
        return _run_pool(seed, True)
    pool, h = _prefix_pool(seed, keys[:-1])
    return _mix_in(pool, h, _words(keys[-1]))


def _gen_constants() -> list[tuple[int, int, int]]:
    """SeedSequence.generate_state's hash constant before and after each of the 8 words it
    makes for 4 uint64 (it does not depend on the pool), with the pool word each one reads."""
    h, out = _INIT_B, []
    for i in range(2 * 4):
        after = (h * _MULT_B) & _M32
        out.append((i % _POOL, h, after))
        h = after
    return out


_GEN = _gen_constants()


(_B0, _A0), (_B1, _A1), (_B2, _A2), (_B3, _A3), (_B4, _A4), (_B5, _A5), (_B6, _A6), \
    (_B7, _A7) = [(before, after) for _i, before, after in _GEN]


def _seed_words(seed: int, keys: tuple[int, ...]) -> list[int]:
    """``SeedSequence(entropy=[seed mod 2³², seed >> 32], spawn_key=keys).generate_state(4,
    uint64)`` as Python integers.

    The last key (one 32-bit word, as every key of :func:`_key` is) is mixed in and the state
    generated with the loops of :func:`_mix_in` and :data:`_GEN` written out: the same integer
    operations in the same order (a stream is made ~140 times a run)."""
    if not keys:
        pool, _h = _run_pool(seed, False)
        out32 = [((pool[i] ^ before) * after) & _M32 for i, before, after in _GEN]
        out32 = [v ^ (v >> 16) for v in out32]
        return [out32[0] | (out32[1] << 32), out32[2] | (out32[3] << 32),
                out32[4] | (out32[5] << 32), out32[6] | (out32[7] << 32)]
    w = keys[-1]
    (p0, p1, p2, p3), h = _prefix_pool(seed, keys[:-1])
    if not 0 <= w <= _M32:  # pragma: no cover - keys are 32-bit words
        (p0, p1, p2, p3), h = _mix_in((p0, p1, p2, p3), h, _words(w))
    else:
        v = w ^ h
        h = (h * _MULT_A) & _M32
        v = (v * h) & _M32
        v ^= v >> 16
        r = (_MIX_L * p0 - _MIX_R * v) & _M32
        p0 = r ^ (r >> 16)
        v = w ^ h
        h = (h * _MULT_A) & _M32
        v = (v * h) & _M32
        v ^= v >> 16
        r = (_MIX_L * p1 - _MIX_R * v) & _M32
        p1 = r ^ (r >> 16)
        v = w ^ h
        h = (h * _MULT_A) & _M32
        v = (v * h) & _M32
        v ^= v >> 16
        r = (_MIX_L * p2 - _MIX_R * v) & _M32
        p2 = r ^ (r >> 16)
        v = w ^ h
        h = (h * _MULT_A) & _M32
        v = (v * h) & _M32
        v ^= v >> 16
        r = (_MIX_L * p3 - _MIX_R * v) & _M32
        p3 = r ^ (r >> 16)
    # generate_state(4, uint64): 8 words from the pool words 0, 1, 2, 3, 0, 1, 2, 3
    o0 = ((p0 ^ _B0) * _A0) & _M32
    o1 = ((p1 ^ _B1) * _A1) & _M32
    o2 = ((p2 ^ _B2) * _A2) & _M32
    o3 = ((p3 ^ _B3) * _A3) & _M32
    o4 = ((p0 ^ _B4) * _A4) & _M32
    o5 = ((p1 ^ _B5) * _A5) & _M32
    o6 = ((p2 ^ _B6) * _A6) & _M32
    o7 = ((p3 ^ _B7) * _A7) & _M32
    return [(o0 ^ (o0 >> 16)) | ((o1 ^ (o1 >> 16)) << 32),
            (o2 ^ (o2 >> 16)) | ((o3 ^ (o3 >> 16)) << 32),
            (o4 ^ (o4 >> 16)) | ((o5 ^ (o5 >> 16)) << 32),
            (o6 ^ (o6 >> 16)) | ((o7 ^ (o7 >> 16)) << 32)]


@functools.lru_cache(maxsize=4096)
def _keys(names: tuple[str | int, ...], _types: tuple[type, ...]) -> tuple[int, ...]:
    """The spawn key of a stream name (one cached lookup per name rather than one per part;
    the parts' types are part of the cache key, since ``(1,) == (True,)``)."""
    return tuple(map(_key, names))


class _SeedWords(ISeedSequence):
    """A seed sequence that hands PCG64 the words computed by :func:`_seed_words`."""

    __slots__ = ("words",)

    def __init__(self, words: list[int]) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:  # type: ignore[override]
        if n_words != 4 or np.dtype(dtype) != np.uint64:  # PCG64 asks for exactly this
            raise ValueError("only PCG64's 4 uint64 words are precomputed")
        return np.array(self.words, dtype=np.uint64)


def stream(seed: int, *names: str | int) -> np.random.Generator:
    """The generator for stream ``names`` of run ``seed``.

    >>> a = stream(7, "firms", "shocks"); b = stream(7, "firms", "shocks")
    >>> bool(a.random() == b.random())
    True
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    words = _seed_words(int(seed), _keys(names, tuple(map(type, names))))
    return np.random.Generator(np.random.PCG64(_SeedWords(words)))  # type: ignore[arg-type]


def numpy_stream(seed: int, *names: str | int) -> np.random.Generator:
    """:func:`stream` through numpy's own ``SeedSequence`` (the definition; for the tests)."""
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

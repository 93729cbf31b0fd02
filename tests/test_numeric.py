"""simxh.numeric's median and quantiles equal numpy's bit for bit."""

import numpy as np
import pytest

from simxh.numeric import median, quantiles


def _arrays():
    rng = np.random.default_rng(5)
    yield from (rng.normal(size=n) for n in (1, 2, 3, 4, 5, 10, 11, 999, 1000, 4001, 5000))
    yield rng.lognormal(0, 2, 3333)
    yield np.round(rng.normal(size=2000), 1)  # many ties
    yield np.full(7, 2.5)
    yield np.array([1.0, np.nan, 3.0])
    yield np.array([np.inf, 1.0, 2.0, -np.inf])
    yield rng.integers(0, 9, 100)  # not float: numpy's own path
    yield np.array([])


@pytest.mark.parametrize("x", list(_arrays()), ids=lambda x: f"n{len(x)}")
def test_median_and_quantiles_equal_numpy(x):
    with np.errstate(all="ignore"):
        if len(x):
            a, b = median(x), np.median(x)
            assert np.array_equal(a, b, equal_nan=True) and type(a) is type(b)
        for qs in ([0.2], [0.7, 0.95], [0.0, 0.5, 1.0], [0.05, 0.25, 0.5, 0.75, 0.999]):
            if not len(x):
                continue
            got = quantiles(x, qs)
            want = [float(v) for v in np.quantile(x, qs)]
            assert np.array_equal(got, want, equal_nan=True), (qs, got, want)


def test_many_random_arrays():
    rng = np.random.default_rng(11)
    for _ in range(300):
        x = rng.normal(size=int(rng.integers(2, 3000))) * rng.lognormal()
        q = float(rng.random())
        assert median(x) == np.median(x)
        assert quantiles(x, [q, 0.7, 0.95]) == [float(v) for v in np.quantile(x, [q, 0.7, 0.95])]


def test_first_max_is_argmax_where():
    from simxh.processes.attraction import argmax_where, first_max

    rng = np.random.default_rng(3)
    cases = []
    for _ in range(2000):
        v = np.round(rng.normal(size=23), int(rng.integers(0, 3)))  # ties
        if rng.random() < 0.2:
            v[rng.integers(0, 23, 3)] = -np.inf
        if rng.random() < 0.05:
            v[rng.integers(0, 23)] = np.nan
        if rng.random() < 0.05:
            v[rng.integers(0, 23, 2)] = [np.inf, -np.inf]
        if rng.random() < 0.1:
            v[:] = 0.0
            v[rng.integers(0, 23, 5)] = -0.0
        mask = rng.random(23) < rng.random()
        cases.append((v, mask))
    for v, mask in cases:
        assert first_max(v.tolist(), mask.tolist()) == argmax_where(v, mask)
        assert first_max(v.tolist()) == int(v.argmax())


def test_ranked_best_is_first_max_while_land_terms_fall():
    from simxh.processes.attraction import _Ranked, first_max

    rng = np.random.default_rng(3)
    decided = 0
    for _ in range(400):
        n, k = int(rng.integers(1, 30)), int(rng.integers(2, 25))
        fixed, gumbel = rng.normal(size=(n, k)), rng.gumbel(size=(n, k))
        if rng.random() < 0.3:  # many ties
            fixed, gumbel = np.round(fixed, 1), np.round(gumbel, 1)
        land = np.round(np.log1p(rng.uniform(0.0, 100.0, k)), 1)
        allowed = None if rng.random() < 0.5 else rng.random(k) < 0.6
        ranked = _Ranked(fixed, land, gumbel, allowed)
        land_l = land.tolist()
        for p in range(n):
            best = ranked.best(p, land_l)
            v = [a + b + c for a, b, c in zip(fixed[p].tolist(), land_l, gumbel[p].tolist(),
                                              strict=True)]
            if best is not None:
                decided += 1
                assert best == first_max(v, None if allowed is None else allowed.tolist())
            j = int(rng.integers(0, k))
            new = land_l[j] if rng.random() < 0.3 else land_l[j] - float(rng.uniform(0.0, 0.5))
            ranked.changed(j, land_l[j], new)
            land_l[j] = new
    assert decided > 1000


def test_signed_zeros_and_ties_bit_for_bit():
    rng = np.random.default_rng(17)
    cases = [np.array([-0.0, 0.0, 1.0, -1.0]), np.array([0.0, -0.0, -0.0, 0.0, 0.0])]
    cases += [np.round(rng.normal(size=int(n)), 0) for n in rng.integers(2, 400, 200)]
    for x in cases:
        a, b = median(x), np.median(x)
        assert a == b and np.signbit(a) == np.signbit(b)
        for qs in ([0.5], [0.7, 0.95], [0.1, 0.9]):
            got, want = quantiles(x, qs), [float(v) for v in np.quantile(x, qs)]
            assert got == want and [np.signbit(v) for v in got] == [np.signbit(v) for v in want]

"""Order statistics for the model's yearly fields, bit-identical to numpy's and cheaper.

``np.median`` and ``np.quantile`` are written in Python around one ``partition``; for the
1-D float arrays of a few thousand firms the model passes them a dozen times a year, their
set-up costs as much as the partition itself. :func:`median` and :func:`quantiles` do the same
partition and the same floating-point operations in the same order (numpy's ``_median``:
the mean of the middle one or two values; ``_quantile`` with ``method="linear"``: the virtual
index ``(n − 1)·q`` and ``_lerp``), so they return the same bits; any input outside the
plain case (not 1-D float64, fewer than two values, a NaN, an index at the edge) goes to numpy
itself. ``tests/test_numeric.py`` compares them with numpy on many arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def median(x: np.ndarray) -> np.float64:
    """``np.median(x)`` for a 1-D float64 array (the same value, bit for bit)."""
    n = len(x)
    if n < 2 or x.dtype != np.float64 or x.ndim != 1:
        return np.median(x)
    h = n // 2
    part = np.partition(x, [h - 1, h, n - 1] if n % 2 == 0 else [h, n - 1])
    if math.isnan(part[n - 1]):
        return np.median(x)
    if n % 2:
        return part[h] / 1  # numpy's mean of one value (a division by the count)
    return (part[h - 1] + part[h]) / 2


def quantiles(x: np.ndarray, qs: Sequence[float]) -> list[float]:
    """``[float(v) for v in np.quantile(x, qs)]`` (method "linear"), bit for bit."""
    n = len(x)
    if n < 2 or x.dtype != np.float64 or x.ndim != 1:
        return [float(v) for v in np.quantile(x, list(qs))]
    virtual = [(n - 1) * q for q in qs]  # numpy's virtual index for "linear"
    prev = [math.floor(v) for v in virtual]
    if any(not (0.0 <= v < n - 1) for v in virtual):
        return [float(v) for v in np.quantile(x, list(qs))]
    kth = sorted({*prev, *(p + 1 for p in prev), 0, n - 1})
    part = np.partition(x, kth)
    if math.isnan(part[n - 1]):
        return [float(v) for v in np.quantile(x, list(qs))]
    out = []
    for v, p in zip(virtual, prev, strict=True):
        a, b = float(part[p]), float(part[p + 1])
        t = v - p
        diff = b - a
        out.append(b - diff * (1 - t) if t >= 0.5 else a + diff * t)
    return out


_PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE: below it, one unrolled loop of 8 partial sums


def np_sum(values: list[float]) -> float:
    """``float(np.array(values).sum())`` for a list of Python floats, bit for bit: numpy's
    pairwise summation of a contiguous float64 array (fewer than 8 values: one running sum
    from 0.0; up to 128: eight partial sums over blocks of 8, combined pairwise, then the
    rest added one by one). Longer lists go to numpy itself. ``tests/test_numeric.py``
    compares it with numpy on many lists."""
    n = len(values)
    if n > _PAIRWISE_BLOCK:
        return float(np.array(values, dtype=np.float64).sum())
    if n < 8:
        res = 0.0
        for x in values:
            res += x
        return res
    r = values[:8]
    m = n - n % 8
    for i in range(8, m, 8):
        r = [a + b for a, b in zip(r, values[i: i + 8], strict=True)]
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for i in range(m, n):
        res += values[i]
    return res

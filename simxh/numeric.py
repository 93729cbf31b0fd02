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

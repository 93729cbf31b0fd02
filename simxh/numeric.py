"""Order statistics for the model's yearly fields, bit-identical to numpy's and cheaper.

``np.median`` and ``np.quantile`` are written in Python around one ``partition``; for the
1-D float arrays of a few thousand firms the model passes them a dozen times a year, their
set-up costs as much as the partition itself. :func:`median` and :func:`quantiles` take the
same order statistics (with one partition at the lower one and a ``max``/``min`` for its
neighbour, where numpy partitions at several indices) and do the same floating-point
operations in the same order (numpy's ``_median``: the mean of the middle one or two values;
``_quantile`` with ``method="linear"``: the virtual index ``(n − 1)·q`` and ``_lerp``), so
they return the same bits; any input outside the plain case (not 1-D float64, fewer than two
values, a NaN, an index at the edge, a zero among the values used, whose sign numpy may pick
otherwise) goes to numpy itself. ``tests/test_numeric.py`` compares them with numpy on many
arrays.
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
    if np.isnan(x).any():
        return np.median(x)
    # one partition at the middle; the value just below it is the lower half's largest (the
    # same order statistics as numpy's partition at [h − 1, h] takes). A zero among them goes
    # to numpy, whose choice between 0.0 and −0.0 this one need not share.
    part = np.partition(x, h)
    hi = part[h]
    if n % 2:
        if hi == 0:
            return np.median(x)
        return hi / 1  # numpy's mean of one value (a division by the count)
    lo = part[:h].max()
    if lo == 0 or hi == 0:
        return np.median(x)
    return (lo + hi) / 2


def quantiles(x: np.ndarray, qs: Sequence[float]) -> list[float]:
    """``[float(v) for v in np.quantile(x, qs)]`` (method "linear"), bit for bit."""
    n = len(x)
    if n < 2 or x.dtype != np.float64 or x.ndim != 1:
        return [float(v) for v in np.quantile(x, list(qs))]
    virtual = [(n - 1) * q for q in qs]  # numpy's virtual index for "linear"
    prev = [math.floor(v) for v in virtual]
    if any(not (0.0 <= v < n - 1) for v in virtual):
        return [float(v) for v in np.quantile(x, list(qs))]
    if np.isnan(x).any():
        return [float(v) for v in np.quantile(x, list(qs))]
    # one partition at the lower neighbours; each upper neighbour is the smallest value after
    # its lower one (the same order statistics as numpy's partition takes; zeros go to numpy,
    # as in median)
    part = np.partition(x, sorted(set(prev)))
    out = []
    for v, p in zip(virtual, prev, strict=True):
        a, b = float(part[p]), float(part[p + 1:].min())
        if a == 0 or b == 0:
            return [float(v) for v in np.quantile(x, list(qs))]
        t = v - p
        diff = b - a
        out.append(b - diff * (1 - t) if t >= 0.5 else a + diff * t)
    return out

"""Shared helpers for the benchmark scripts: one-thread BLAS, fresh subprocesses, the machine.

Import this module BEFORE numpy: it pins the BLAS/OpenMP thread pools to one thread (figures
are per core). ``OPENBLAS_*`` variables are left as they are.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1",
              "VECLIB_MAXIMUM_THREADS": "1"}
for _k, _v in ONE_THREAD.items():
    os.environ.setdefault(_k, _v)

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
DEFAULT_FIRMS = 4000  # firms.count default (simxh/config.py); checked by default_firm_count()


def one_thread_env() -> dict[str, str]:
    """The environment for benchmark subprocesses: this one, BLAS pinned to one thread."""
    env = dict(os.environ)
    env.update(ONE_THREAD)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH), env.get("PYTHONPATH", "")]))
    return env


def default_firm_count() -> int:
    from simxh.config import coerce_config

    return int(coerce_config(None).firms.count)


def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def max_rss_mb() -> float:
    """Peak resident set size of this process so far (MB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_child(code: str, timeout: float = 1800.0) -> dict[str, Any]:
    """Run ``code`` in a fresh Python (one-thread BLAS); it must print one JSON line last."""
    proc = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True,
                          env=one_thread_env(), cwd=str(ROOT), timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine() -> dict[str, str]:
    """The machine the figures come from."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    import mesa
    import numpy

    return {"nproc": str(len(os.sched_getaffinity(0))), "cpu": cpu, "memory": mem,
            "python": platform.python_version(), "numpy": numpy.__version__,
            "mesa": mesa.__version__, "platform": platform.platform()}


def print_machine() -> None:
    m = machine()
    print(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} RAM, Python {m['python']}, "
          f"numpy {m['numpy']}, mesa {m['mesa']}, {m['platform']}")
    print(f"load average at start: {load_average()} (other processes compete for the cores "
          f"when this is above 0)")


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"

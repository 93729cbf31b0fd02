"""simxh vs the per-agent Mesa reference (benchmarks/reference.py): equal results, then speed.

    .venv/bin/python benchmarks/bench_reference.py [--repeats 5] [--seeds 0 1 2] [--firms N]

1. Correctness: for each seed, the district and town tables of ``simxh.simulate`` and of the
   reference (one ``mesa.Agent`` per firm, ``shuffle_do``) are compared cell by cell: exactly
   (``DataFrame.equals``) and to float rounding (``numpy.allclose(rtol=1e-12, atol=0)``).
2. Speed at default scale (median of ``--repeats`` interleaved runs, region built once and
   shared, as the experiment runner does): whole 2023→2035 runs (``speedup: X``), and the
   firm step alone (the part the two implementations do differently).
3. The floor: Mesa's own per-agent loop cost (``shuffle_do`` over agents whose ``step`` does
   nothing), i.e. what any one-agent-per-firm implementation pays before doing any arithmetic.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Iterator

import _common  # noqa: F401  (one-thread BLAS before numpy)
import mesa
import numpy as np
from _common import load_average, median, print_machine
from reference import ReferenceModel, reference_simulate

import simxh
import simxh.firms as firms_module
from simxh.config import coerce_config
from simxh.region import build_region
from simxh.simulation import result_tables, simulate


def compare_tables(a: object, b: object) -> dict[str, tuple[bool, bool, float]]:
    """Per table: (exactly equal, allclose rtol=1e-12, largest relative difference)."""
    out = {}
    for name in ("district", "towns"):
        x, y = getattr(a, name), getattr(b, name)
        exact = bool(x.equals(y))
        num = list(x.select_dtypes("number").columns)
        xa = x[num].to_numpy(float)
        ya = y[num].to_numpy(float)
        same_shape = xa.shape == ya.shape and list(x.columns) == list(y.columns)
        close = same_shape and bool(np.allclose(xa, ya, rtol=1e-12, atol=0.0, equal_nan=True))
        other = [c for c in x.columns if c not in num]
        close = close and all(x[c].equals(y[c]) for c in other)
        if same_shape:
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.abs(xa - ya) / np.maximum(np.abs(xa), 1e-300)
            worst = float(np.nanmax(np.where(np.isnan(xa) & np.isnan(ya), 0.0, rel)))
        else:
            worst = float("inf")
        out[name] = (exact, close, worst)
    return out


@contextlib.contextmanager
def timed_vector_firm_step(acc: list[float]) -> Iterator[None]:
    """Time simxh's vectorised ``step_firms`` calls (appends seconds to ``acc``)."""
    original = firms_module.step_firms

    def wrapper(*args: object, **kwargs: object) -> object:
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            acc.append(time.perf_counter() - t0)

    firms_module.step_firms = wrapper
    try:
        yield
    finally:
        firms_module.step_firms = original


def simxh_run(cfg: object, seed: int, region: object) -> tuple[float, float, float]:
    """(whole-run seconds, firm-step seconds, CPU seconds) of one simxh run (as ``simulate``)."""
    acc: list[float] = []
    with timed_vector_firm_step(acc):
        c0 = time.process_time()
        t0 = time.perf_counter()
        m = simxh.XinhuiModel(cfg, seed=seed, region=region)
        m.run()
        result_tables(m)
        total = time.perf_counter() - t0
    return total, sum(acc), time.process_time() - c0


def reference_run(cfg: object, seed: int, region: object) -> tuple[float, float, int, float]:
    """(whole-run seconds, firm-step seconds, agent-steps, CPU seconds) of one reference run."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    m = ReferenceModel(cfg, seed=seed, region=region)
    m.run()
    result_tables(m)
    total = time.perf_counter() - t0
    agent_steps = int(sum(m.datacollector.model_vars["firms"][:-1]))  # alive at each step start
    return total, m.firm_step_seconds, agent_steps, time.process_time() - c0


class _NoOp(mesa.Agent):
    def step(self) -> None:
        pass


def mesa_loop_floor(n_agents: int, steps: int) -> float:
    """Seconds per agent-step of ``shuffle_do`` over agents with an empty ``step``."""
    model = mesa.Model(rng=0)
    for _ in range(n_agents):
        _NoOp(model)
    t0 = time.perf_counter()
    for _ in range(steps):
        model.agents_by_type[_NoOp].shuffle_do("step")
    return (time.perf_counter() - t0) / (n_agents * steps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--firms", type=int, default=None, help="firms.count (default: the config's)")
    args = ap.parse_args()
    print_machine()
    overrides = {"firms.count": args.firms} if args.firms else None
    cfg = coerce_config(None, overrides)
    region = build_region(cfg)
    n_firms = int(cfg.firms.count)
    print(f"scale: firms.count = {n_firms}, years {cfg.run.start_year}→{cfg.run.end_year}")

    # 1. equal results under the same random draws
    all_exact = True
    for seed in args.seeds:
        a = simulate(cfg, seed=seed, region=region)
        b = reference_simulate(cfg, seed=seed, region=region)
        for name, (exact, close, worst) in compare_tables(a, b).items():
            all_exact &= exact
            print(f"seed {seed} {name:8s} table: exactly equal={exact}, "
                  f"allclose(rtol=1e-12)={close}, max relative difference={worst:.3g}")
            if not close:
                raise SystemExit(f"MISMATCH: the reference and simxh differ (seed {seed}, {name})")
    print(f"results: {'identical (bit for bit)' if all_exact else 'equal to float rounding'} "
          f"for seeds {args.seeds}")

    # 2. speed, interleaved, after a warm-up of each
    simxh_run(cfg, 99, region)
    reference_run(cfg, 99, region)
    vt, vf, vc, rt, rf, rc, per_agent = [], [], [], [], [], [], []
    for r in range(args.repeats):
        t, f, c = simxh_run(cfg, r, region)
        vt.append(t)
        vf.append(f)
        vc.append(c)
        t, f, n, c = reference_run(cfg, r, region)
        rt.append(t)
        rf.append(f)
        rc.append(c)
        per_agent.append(f / n)
    print(f"simxh run:      median {median(vt):.3f} s  (firm step {median(vf) * 1e3:.1f} ms; "
          f"CPU {median(vc):.3f} s)")
    print(f"reference run:  median {median(rt):.3f} s  (firm step {median(rf):.3f} s, "
          f"{median(per_agent) * 1e6:.1f} µs per agent-step; CPU {median(rc):.3f} s)")
    floor = mesa_loop_floor(n_firms, 12)
    print(f"mesa shuffle_do floor: {floor * 1e6:.2f} µs per agent-step (empty step)")
    print(f"firm-step speedup: {median(rf) / median(vf):.0f}")
    print(f"speedup by CPU time: {median(rc) / median(vc):.1f}")
    print(f"load average at end: {load_average()}")
    print(f"speedup: {median(rt) / median(vt):.1f}")


if __name__ == "__main__":
    main()

"""Regenerate docs/validation.md's hindcast tables and docs/img/hindcast_gdp.png (and .csv).

    python docs/sources/make_hindcast.py [--replications 160] [--oos results/estimation_2020]

Runs ``configs/hindcast.toml`` (2015 → 2023) with stratified posterior draws and at the posterior
mean, prints each sourced figure's observed value, median, 90 % band and error as a Markdown
table, and draws the observed GDP against the bands. With ``--oos DIR`` it also prints the
posterior predictive of a fit to an earlier year (``DIR/fit.csv`` from ``simxh calibrate
--fit-until``) against the figures that fit did not see.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

from simxh.config import load_config
from simxh.estimation import history_targets, simulated_values
from simxh.region import build_region
from simxh.simulation import simulate
from simxh.validation import hindcast_figure

ROOT = Path(__file__).resolve().parents[2]


def runs(replications: int, uncertainty: bool) -> pd.DataFrame:
    over = {} if uncertainty else {"estimation.parameter_uncertainty": False}
    return pd.concat([simulate(ROOT / "configs" / "hindcast.toml", seed=1000 + r, replication=r,
                               overrides=over, villages=False).district
                      for r in range(replications)])


def table(district: pd.DataFrame, targets: list) -> str:
    sims = [simulated_values(d, targets) for _, d in district.groupby("replication")]
    lines = ["| figure | observed | status | median | 90 % band | error of the median | inside |",
             "|---|---|---|---|---|---|---|"]
    for t in targets:
        v = np.array([s[t.name] for s in sims])
        med, lo, hi = np.median(v), np.quantile(v, 0.05), np.quantile(v, 0.95)
        err = (f"{100 * (med / t.value - 1):+.1f} %" if t.in_logs
               else f"{med - t.value:+.1f} pp")
        inside = (hi >= t.value) if t.lower_bound else (lo <= t.value <= hi)
        obs = f"over {t.value:g}" if t.lower_bound else f"{t.value:g}"
        lines.append(f"| {t.name} | {obs} | {t.status} | {med:.4g} | {lo:.4g}–{hi:.4g} | {err} | "
                     f"{'yes' if inside else '**no**'} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=160)
    ap.add_argument("--oos", type=Path, default=None)
    args = ap.parse_args()
    data = build_region(load_config()).data
    targets = history_targets(data, 2014, 2023)
    drawn = runs(args.replications, True)
    mean = runs(20, False)
    print(f"## {args.replications} replications, stratified posterior draws\n")
    print(table(drawn, targets))
    print("\n## 20 replications at the posterior mean\n")
    print(table(mean, targets))
    gdp = [t for t in targets if t.key == "gdp_yi"]
    observed = pd.DataFrame({"year": [t.year for t in gdp], "value": [t.value for t in gdp],
                             "lower_bound": [t.lower_bound for t in gdp]})
    hindcast_figure({"posterior draws": drawn, "posterior mean": mean}, observed,
                    ROOT / "docs" / "img" / "hindcast_gdp.png")
    if args.oos:
        fit = pd.read_csv(args.oos / "fit.csv")
        unseen = fit[~fit["in_sample"].astype(bool)]
        print("\n## Out of sample (not used in fitting)\n")
        print("| figure | observed | median | 90 % band | error of the median | inside |")
        print("|---|---|---|---|---|---|")
        for _, r in unseen.iterrows():
            err = (f"{100 * math.expm1(r['error']):+.1f} %" if r["error_unit"] == "log"
                   else f"{r['error']:+.1f} pp")
            print(f"| {r['target']} | {r['observed']:g} | {r['median']:.4g} | "
                  f"{r['q05']:.4g}–{r['q95']:.4g} | {err} | "
                  f"{'yes' if r['inside_90'] else '**no**'} |")


if __name__ == "__main__":
    main()

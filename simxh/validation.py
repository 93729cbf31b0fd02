"""Validation against history (检验): the hindcast's fit, in and out of sample, and the naive
forecasters the model must beat.

``predictive_fit`` runs the hindcast with a posterior (replication r draws one parameter set)
and compares every district figure from the year after the base year to the config's end year
with the simulated band: figures up to ``fit_until`` were used in fitting (in sample), later
ones were not (out of sample). ``naive_forecasts`` gives the two benchmarks for out-of-sample
GDP growth: constant growth (the mean real growth of the fit window) and an AR(1) on the
district's growth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simxh.estimation import history_targets, simulated_values, target_errors


def predictive_runs(config: str | Path, posterior: str | Path, replications: int = 40,
                    overrides: dict[str, Any] | None = None) -> pd.DataFrame:
    """The hindcast's district tables for replications 0…R−1 (seed = replication), each with
    its own posterior draw."""
    from simxh.simulation import simulate

    frames = []
    for r in range(replications):
        res = simulate(config, seed=r, replication=r,
                       overrides={**(overrides or {}),
                                  "estimation.posterior": str(Path(posterior).resolve()),
                                  "estimation.parameter_uncertainty": True})
        frames.append(res.district)
    return pd.concat(frames, ignore_index=True)


def predictive_fit(config: str | Path, posterior: str | Path, fit_until: int,
                   replications: int = 40, overrides: dict[str, Any] | None = None,
                   runs: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per observed figure: observed, simulated median and 90% band, in/out of sample."""
    from simxh.config import load_config
    from simxh.region import build_region

    cfg = load_config(config)
    if runs is None:
        runs = predictive_runs(config, posterior, replications, overrides)
    data = build_region(cfg).data
    targets = history_targets(data, int(cfg.run.start_year), int(cfg.run.end_year))
    sims = pd.DataFrame([simulated_values(g, targets) for _, g in runs.groupby("replication")])
    rows = []
    for t in targets:
        v = sims[t.name].to_numpy(float)
        med, lo, hi = np.quantile(v, [0.5, 0.05, 0.95])
        err = target_errors({t.name: med}, [t])[0] * t.scale
        rows.append({
            "target": t.name, "key": t.key, "year": t.year, "kind": t.kind,
            "observed": t.value, "status": t.status, "lower_bound": t.lower_bound,
            "in_sample": t.year <= fit_until, "median": med, "q05": lo, "q95": hi,
            "inside_90": bool(lo <= t.value <= hi) or (t.lower_bound and hi >= t.value),
            # log error for levels (≈ relative), percentage points otherwise
            "error": err, "error_unit": "log" if t.in_logs else "pp"})
    return pd.DataFrame(rows)


def naive_forecasts(data: Any, fit_until: int, years: list[int], persistence: float
                    ) -> pd.DataFrame:
    """GDP growth (%) forecast for ``years`` by the two naive forecasters.

    * constant growth: the mean real growth of the last five-year-plan average reported up to
      ``fit_until`` (``gdp_growth_mean_pct``), or the mean of the annual figures;
    * AR(1): ``μ + ρ^h (g_last − μ)`` from the last observed annual growth, with μ that mean.
      The district's annual growth series up to 2020 has too few points to estimate ρ (two
      annual figures), so ρ is the persistence estimated on China's growth (macro.csv), and
      the note says so.
    """
    df = data.district
    year = pd.to_numeric(df["year"], errors="coerce")
    means = df[(df["key"] == "gdp_growth_mean_pct") & (year <= fit_until)]
    annual = df[(df["key"] == "gdp_growth_pct") & (year <= fit_until)]
    mu = float(means.sort_values("year")["value"].iloc[-1]) if len(means) \
        else float(annual["value"].mean())
    last = annual.sort_values("year").iloc[-1]
    g_last, y_last = float(last["value"]), int(last["year"])
    return pd.DataFrame({
        "year": years,
        "constant_growth": [mu] * len(years),
        "ar1": [mu + persistence ** (y - y_last) * (g_last - mu) for y in years],
    })


def hindcast_figure(runs: dict[str, pd.DataFrame], observed: pd.DataFrame, path: str | Path,
                    fit_until: dict[str, int] | None = None) -> Path:
    """Observed district GDP (current prices) against the simulated 90% bands of one or more
    hindcasts (``runs``: label → district tables of the replications). The figure's data are
    written beside it as CSV."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    fig, ax = plt.subplots(figsize=(7.0, 4.2), dpi=150)
    colours = ["#1f5aa6", "#c2571a", "#2b8a3e"]
    rows = []
    for (label, df), colour in zip(runs.items(), colours, strict=False):
        q = df.groupby("year")["gdp_nominal_yi"].quantile([0.05, 0.5, 0.95]).unstack()
        ax.fill_between(q.index, q[0.05], q[0.95], color=colour, alpha=0.18, lw=0)
        ax.plot(q.index, q[0.5], color=colour, lw=1.8, label=f"{label}: median, 90% band")
        if fit_until and label in fit_until:
            ax.axvline(fit_until[label] + 0.5, color=colour, ls=":", lw=1)
        for year, r in q.iterrows():
            rows.append({"series": label, "year": int(year), "q05": r[0.05], "median": r[0.5],
                         "q95": r[0.95]})
    exact = observed[~observed["lower_bound"]]
    bound = observed[observed["lower_bound"]]
    ax.plot(exact["year"], exact["value"], "ko", ms=5, label="observed (district.csv)")
    if len(bound):
        ax.plot(bound["year"], bound["value"], "k^", ms=6, mfc="white",
                label="observed lower bound ('over …')")
    for _, r in observed.iterrows():
        rows.append({"series": "observed", "year": int(r["year"]), "median": r["value"],
                     "q05": np.nan, "q95": np.nan})
    ax.set_xlabel("year")
    ax.set_ylabel("GDP, 100 million yuan (current prices)")
    ax.set_title("Xinhui GDP: hindcast from 2015 against the district's figures")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    pd.DataFrame(rows).to_csv(path.with_suffix(".csv"), index=False, encoding="utf-8-sig")
    return path

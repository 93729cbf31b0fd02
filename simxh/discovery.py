"""Scenario discovery (情景发现): under which inputs does a package fail (or succeed)?

A finished sweep gives one case per run: its inputs and whether it met a criterion, for
example "combined's nominal GDP in 2033 at least 1,900亿" or "combined's Theil index in 2033
no higher than the baseline's in the same replication". The inputs of a case are

* the design factors of its point (the experiment's ``[[uncertainties]]``);
* the estimated parameters of the posterior draw the run used (``posterior_draw``), unless
  the design sets them;
* the outside world the run met: China's mean real growth and the GDP deflator's mean rise
  from the base year to the metric's year (the run's own macro path, shocks included).

PRIM (Friedman & Fisher 1999, *Statistics and Computing* 9; the scenario-discovery use of
Bryant & Lempert 2010, *Technological Forecasting and Social Change* 77) peels the input
space down to a box where the cases of interest are dense, and CART (Breiman et al. 1984)
splits it into boxes. Both come from the EMA Workbench (Kwakkel 2017, *Environmental
Modelling & Software* 96; the optional extra ``simxh[discover]``), as do the feature scores
(extra trees' impurity decrease, Geurts et al. 2006). Of PRIM's peeling trajectory simxh picks
the densest box whose coverage is at least ``min_coverage`` (0.8 by default: four in five
cases of interest inside; Bryant & Lempert use the same trade-off, read off the trajectory).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simxh.config import did_you_mean
from simxh.errors import UserError

GROWTH_FEATURE = "macro.china_growth_mean_pct"
INFLATION_FEATURE = "macro.deflator_rise_mean_pct"
DERIVED_FEATURES = {
    GROWTH_FEATURE: ("%/yr", "China's mean real GDP growth", "中国实际GDP年均增速"),
    INFLATION_FEATURE: ("%/yr", "the GDP deflator's mean rise", "GDP平减指数年均涨幅"),
}
"""Inputs read off each run's own macro path (shocks included), from the base year to the
metric's year: unit, English and Chinese label."""
DEFAULT_MIN_COVERAGE = 0.8
"""Coverage a chosen PRIM box must keep (share of the cases of interest inside it)."""
DEFAULT_MASS_MIN = 0.05
"""Smallest share of all cases a box may hold (PRIM's and CART's default in the Workbench)."""
DEFAULT_PEEL_ALPHA = 0.05
"""Share of the cases peeled at each PRIM step (Friedman & Fisher's 0.05–0.10)."""
DEFAULT_MAX_QP = 0.05
"""A restriction whose quasi-p-value (Bryant & Lempert 2010) exceeds this is dropped."""


def require_workbench() -> Any:
    """Import the EMA Workbench's analysis tools, or one line on how to install them."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ipyparallel not installed": not needed here
            from ema_workbench.analysis import cart, feature_scoring, prim
    except ImportError:
        raise UserError("scenario discovery needs the EMA Workbench, which is not installed",
                        expected="pip install 'simxh[discover]'") from None
    return prim, cart, feature_scoring


@dataclass(frozen=True)
class Criterion:
    """What a case must do: ``metric`` (of ``scenario``, or its difference from the reference
    scenario's same replication when ``paired``) compared with ``threshold`` in ``year``.
    ``interest`` is the outcome the boxes describe: ``"fail"`` (the criterion missed) or
    ``"success"``."""

    scenario: str
    metric: str
    threshold: float
    year: int
    direction: str = ">="   # the criterion is met when value >= threshold (or "<=")
    paired: bool = False
    reference: str = ""
    interest: str = "fail"

    def met(self, values: np.ndarray) -> np.ndarray:
        return values >= self.threshold if self.direction == ">=" else values <= self.threshold

    def describe(self, lang: str = "en") -> str:
        from simxh.report.labels import metric_label, scenario_label

        metric = metric_label(self.metric, lang, unit=False)
        if lang == "zh":
            what = (f"{metric}（减去同一重复中{scenario_label(self.reference, lang)}的值）"
                    if self.paired else metric)
            return f"{self.year}年{what} {self.direction} {self.threshold:g}"
        what = (f"{metric} minus {scenario_label(self.reference, lang)}'s" if self.paired
                else metric)
        return f"{what} {self.direction} {self.threshold:g} in {self.year}"


@dataclass
class Cases:
    """One row per run: the inputs ``x`` (numeric), the value the criterion reads, and the
    outcome of interest ``y`` (True = a case of interest)."""

    x: pd.DataFrame
    value: np.ndarray
    y: np.ndarray
    criterion: Criterion
    units: dict[str, str] = field(default_factory=dict)


def _results(root: Path) -> tuple[pd.DataFrame, dict[str, Any], Any]:
    from simxh.experiment import experiment_from_spec
    from simxh.store import Store, read_table

    store = Store(root)
    manifest = store.read_manifest()
    path = store.root / "district.parquet"
    if not path.exists():
        raise UserError("no consolidated results yet (district.parquet missing)", file=root,
                        expected="a finished 'simxh run' (or 'simxh run --resume')")
    experiment = experiment_from_spec(manifest["experiment"]["spec"])
    return read_table(path), manifest, experiment


def _posterior_features(experiment: Any, scenario: str, draws: pd.Series,
                        design_cols: list[str], manifest: dict[str, Any], root: Path
                        ) -> pd.DataFrame:
    """The estimated parameters of each run's posterior draw (none when the runs used the
    posterior mean, draw −1, or when the design sets the parameter itself)."""
    from simxh.config import load_config
    from simxh.posterior import SHIPPED, load_posterior

    if (draws < 0).all():
        return pd.DataFrame(index=draws.index)
    from simxh.store import manifest_path_on_disk

    sc = next(s for s in experiment.scenarios if s.name == scenario)
    # the manifest stores the config relative to the experiment file
    cfg = load_config(manifest_path_on_disk(sc.config, manifest, root),
                      experiment.scenario_overrides(sc))
    path = cfg.estimation.posterior or str(SHIPPED)
    post = load_posterior(str(path))
    keys = [k for k in post.keys if k not in design_cols]
    idx = draws.clip(lower=0).to_numpy(dtype=int)
    return pd.DataFrame({k: post.values[idx, post.keys.index(k)] for k in keys},
                        index=draws.index)


def _macro_features(district: pd.DataFrame, runs: pd.DataFrame, year: int) -> pd.DataFrame:
    """China's mean growth and the deflator's mean rise from the base year to ``year``."""
    base = int(district["year"].min())
    d = district[(district["year"] > base) & (district["year"] <= year)]
    keys = ["point", "replication"]
    growth = d.groupby(keys)["outside_growth_pct"].mean().rename(GROWTH_FEATURE)
    price = district[district["year"] == year].set_index(keys)["price_index"]
    rise = ((price ** (1.0 / max(year - base, 1)) - 1.0) * 100.0).rename(INFLATION_FEATURE)
    return runs.join(growth, on=keys).join(rise.groupby(level=keys).first(), on=keys)[
        [GROWTH_FEATURE, INFLATION_FEATURE]]


def load_cases(root: str | Path, criterion: Criterion) -> Cases:
    """The cases of a finished sweep for ``criterion`` (one per run of its scenario)."""
    from simxh.config import parameters

    root = Path(root)
    district, manifest, experiment = _results(root)
    if "point" not in district.columns:
        district = district.assign(point=0)
    scenarios = sorted(district["scenario"].unique().tolist())
    c = criterion
    if c.scenario not in scenarios:
        raise UserError("unknown scenario", key="--scenario", value=c.scenario,
                        expected=f"one of {', '.join(scenarios)}{did_you_mean(c.scenario, scenarios)}")
    if c.paired and c.reference not in scenarios:
        raise UserError("unknown reference scenario", key="--reference", value=c.reference,
                        expected=f"one of {', '.join(scenarios)}"
                                 f"{did_you_mean(c.reference, scenarios)}")
    metrics = [col for col in district.columns if pd.api.types.is_numeric_dtype(district[col])]
    if c.metric not in district.columns:
        raise UserError("unknown metric", key="--metric", value=c.metric,
                        expected=f"an output of the runs{did_you_mean(c.metric, metrics)}")
    years = sorted(district["year"].unique().tolist())
    if c.year not in years:
        raise UserError("year not in the results", key="--year", value=c.year,
                        expected=f"one of {years[0]}–{years[-1]}")
    keys = ["point", "replication"]
    at = district[district["year"] == c.year]
    own = at[at["scenario"] == c.scenario].set_index(keys).sort_index()
    value = own[c.metric].astype(float)
    if c.paired:
        ref_rows = at[at["scenario"] == c.reference]
        if set(ref_rows["point"]) == set(own.index.get_level_values("point")):
            ref = ref_rows.set_index(keys)[c.metric].astype(float).reindex(value.index)
        else:  # an unswept reference (one run per replication, point −1): every point against it
            by_rep = ref_rows.set_index("replication")[c.metric].astype(float)
            ref = pd.Series(by_rep.reindex(value.index.get_level_values("replication")).to_numpy(),
                            index=value.index)
        value = (value - ref).dropna()
        own = own.loc[value.index]
    design_cols = [col for col in (manifest.get("design") or {}).get("columns") or []
                   if col in own.columns]
    drawn = [u.key for u in experiment.replication_uncertainties if u.key in own.columns]
    factors = own[list(dict.fromkeys(design_cols + drawn))]
    runs = own.reset_index()[keys]
    macro = _macro_features(district[district["scenario"] == c.scenario], runs, c.year)
    macro.index = own.index
    post = (_posterior_features(experiment, c.scenario, own["posterior_draw"], design_cols,
                                manifest, root)
            if "posterior_draw" in own.columns else pd.DataFrame(index=own.index))
    x = pd.concat([factors, post, macro], axis=1)
    x = x.loc[:, [col for col in x.columns if pd.api.types.is_numeric_dtype(x[col])
                  and x[col].nunique() > 1]]
    if x.empty:
        raise UserError("the runs do not vary in any input", file=root,
                        expected="a design over uncertainties, posterior draws or macro shocks")
    met = c.met(value.to_numpy())
    y = ~met if c.interest == "fail" else met
    meta = {p["key"]: p.get("unit", "") for p in parameters()}
    units = {col: DERIVED_FEATURES[col][0] if col in DERIVED_FEATURES else meta.get(col, "")
             for col in x.columns}
    return Cases(x=x.reset_index(drop=True).astype(float), value=value.to_numpy(),
                 y=np.asarray(y, dtype=bool), criterion=c, units=units)


@dataclass
class PrimResult:
    trajectory: pd.DataFrame   # coverage, density, mass, res_dim per peeling step; chosen
    limits: pd.DataFrame       # feature, unit, low, high, full_low, full_high, qp_value
    stats: dict[str, float]    # coverage, density, mass, res_dim, step, n, n_interest


def _qp_values(box: Any, step: int) -> dict[str, float]:
    try:
        qp = box.p_values[step] if hasattr(box, "p_values") else {}
        return {k: float(max(v)) if np.ndim(v) else float(v) for k, v in dict(qp).items()}
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        return {}


def prim_box(cases: Cases, *, min_coverage: float = DEFAULT_MIN_COVERAGE,
             mass_min: float = DEFAULT_MASS_MIN, peel_alpha: float = DEFAULT_PEEL_ALPHA,
             max_qp: float = DEFAULT_MAX_QP) -> PrimResult:
    """PRIM's peeling trajectory and the densest box with coverage ≥ ``min_coverage``, with the
    restrictions whose quasi-p-value exceeds ``max_qp`` dropped (Bryant & Lempert 2010: a
    restriction that could be chance says nothing); dropping adds the final box to the
    trajectory, where it is marked ``chosen``."""
    prim, _cart, _fs = require_workbench()
    x, y = cases.x, cases.y
    if y.sum() == 0 or y.all():
        raise UserError("no box to find: every case is of the same kind",
                        value=f"{int(y.sum())} of {len(y)} cases of interest",
                        expected="a threshold some runs meet and some miss (see the value "
                                 "range in discovery.md, or pick another threshold)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alg = prim.Prim(x, y.astype(int), peel_alpha=peel_alpha, mass_min=mass_min)
        box = alg.find_box()
        traj = box.peeling_trajectory
        ok = traj[traj["coverage"] >= min_coverage]
        step = int((ok if len(ok) else traj).sort_values(
            ["density", "coverage", "res_dim"], ascending=[False, False, True]).index[0])
        box.select(step)
        for col, col_qp in _qp_values(box, step).items():
            if col_qp > max_qp:
                box.drop_restriction(col)
        final = box._cur_box
        traj = box.peeling_trajectory.copy()
        qp = _qp_values(box, final)
    traj["chosen"] = traj.index == final
    lims, full = box.box_lims[final], box.box_lims[0]
    rows = []
    for col in x.columns:
        lo, hi = float(lims[col].iloc[0]), float(lims[col].iloc[1])
        flo, fhi = float(full[col].iloc[0]), float(full[col].iloc[1])
        if lo > flo or hi < fhi:
            rows.append({"feature": col, "unit": cases.units.get(col, ""), "low": lo,
                         "high": hi, "full_low": flo, "full_high": fhi,
                         "qp_value": qp.get(col, np.nan)})
    row = traj.loc[final]
    stats = {"coverage": float(row["coverage"]), "density": float(row["density"]),
             "mass": float(row["mass"]), "res_dim": len(rows), "step": final,
             "peeling_step": step, "n": len(y), "n_interest": int(y.sum()),
             "base_rate": float(y.mean())}
    cols = ["coverage", "density", "mass", "res_dim", "chosen"]
    return PrimResult(trajectory=traj[cols].rename_axis("step").reset_index(),
                      limits=pd.DataFrame(rows, columns=["feature", "unit", "low", "high",
                                                         "full_low", "full_high", "qp_value"]),
                      stats=stats)


def cart_boxes(cases: Cases, *, mass_min: float = DEFAULT_MASS_MIN) -> pd.DataFrame:
    """CART's leaves as boxes: box, coverage, density, mass, and each feature's limits."""
    _prim, cart, _fs = require_workbench()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alg = cart.CART(cases.x, cases.y.astype(int), mass_min=mass_min)
        alg.build_tree()
        if alg.clf.tree_.node_count == 1:  # no split helps: one box, everything
            return pd.DataFrame([{"box": "box 1", "coverage": 1.0,
                                  "density": float(cases.y.mean()), "mass": 1.0,
                                  "limits": ""}])
        stats = alg.stats_to_dataframe()
        boxes = alg.boxes_to_dataframe()
    rows = []
    for name, st in stats.iterrows():
        lims = boxes[name]
        restricted = []
        for col in cases.x.columns:
            if col not in lims.index:  # no box of the tree restricts it
                continue
            lo, hi = float(lims.loc[col, "min"]), float(lims.loc[col, "max"])
            if lo > cases.x[col].min() or hi < cases.x[col].max():
                restricted.append(f"{col} ∈ [{lo:.4g}, {hi:.4g}]")
        rows.append({"box": name, "coverage": float(st["coverage"]),
                     "density": float(st["density"]), "mass": float(st["mass"]),
                     "limits": "; ".join(restricted)})
    return pd.DataFrame(rows).sort_values("density", ascending=False).reset_index(drop=True)


def feature_scores(cases: Cases, *, seed: int = 0) -> pd.DataFrame:
    """Each input's extra-trees feature score for the outcome (they sum to 1)."""
    _prim, _cart, fs = require_workbench()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores, _ = fs.get_ex_feature_scores(cases.x, cases.y.astype(int), random_state=seed)
    col = scores.columns[0]
    out = scores[col].rename("score").rename_axis("feature").reset_index()
    out["unit"] = out["feature"].map(cases.units).fillna("")
    return out.sort_values("score", ascending=False).reset_index(drop=True)


def param_label(key: str, lang: str) -> str:
    """A config key's label from the report's catalogue (the key itself if it has none)."""
    from simxh.report.labels import PARAMETERS

    pair = PARAMETERS.get(key)
    return key if pair is None else pair[0 if lang == "zh" else 1]


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def plain_words(prim: PrimResult, criterion: Criterion, lang: str = "en") -> str:
    """The box in one sentence, e.g. "combined misses … when China's growth is below 4.1 %/yr
    and firms.renovation_gain below 0.04 (coverage 0.85, density 0.81)"."""
    parts = []
    for r in prim.limits.itertuples():
        name = (DERIVED_FEATURES[r.feature][2 if lang == "zh" else 1]
                if r.feature in DERIVED_FEATURES else param_label(r.feature, lang))
        unit = f" {r.unit}" if r.unit else ""
        lo_cut, hi_cut = r.low > r.full_low, r.high < r.full_high
        if lang == "zh":
            if lo_cut and hi_cut:
                parts.append(f"{name}在{_fmt(r.low)}至{_fmt(r.high)}{unit}之间")
            elif hi_cut:
                parts.append(f"{name}低于{_fmt(r.high)}{unit}")
            else:
                parts.append(f"{name}高于{_fmt(r.low)}{unit}")
        elif lo_cut and hi_cut:
            parts.append(f"{name} is between {_fmt(r.low)} and {_fmt(r.high)}{unit}")
        elif hi_cut:
            parts.append(f"{name} is below {_fmt(r.high)}{unit}")
        else:
            parts.append(f"{name} is above {_fmt(r.low)}{unit}")
    from simxh.report.labels import scenario_label

    s = prim.stats
    c = criterion
    name = scenario_label(c.scenario, lang)
    if lang == "zh":
        verb = "未达到" if c.interest == "fail" else "达到"
        if not parts:
            return (f"{name}在全部 {s['n']} 次运行中有 {s['n_interest']} 次{verb}"
                    f"「{c.describe('zh')}」，且没有一组输入能集中解释这些运行：覆盖率不低于"
                    f"{DEFAULT_MIN_COVERAGE:g}的 PRIM 方框中，没有一项限制通过拟 p 值检验。")
        cond = "且".join(parts)
        return (f"当{cond}时，{name}{verb}「{c.describe('zh')}」"
                f"（覆盖率 {s['coverage']:.2f}，密度 {s['density']:.2f}，"
                f"质量 {s['mass']:.2f}；全部 {s['n']} 次运行中有 {s['n_interest']} 次）。")
    verb = "misses" if c.interest == "fail" else "meets"
    if not parts:
        return (f"{name} {verb} '{c.describe('en')}' in {s['n_interest']} of {s['n']} "
                f"runs, and no box of inputs concentrates them: no restriction of a PRIM box "
                f"with coverage ≥ {DEFAULT_MIN_COVERAGE:g} survives the quasi-p test.")
    cond = " and ".join(parts)
    return (f"{name} {verb} '{c.describe('en')}' when {cond} (coverage "
            f"{s['coverage']:.2f}, density {s['density']:.2f}, mass {s['mass']:.2f}; "
            f"{s['n_interest']} of {s['n']} runs).")


def trajectory_chart(prim: PrimResult, criterion: Criterion, stem: Path, formats: list[str],
                     lang: str = "en") -> list[Path]:
    """PRIM's peeling trajectory: coverage against density, coloured by the number of
    restricted inputs, the chosen box ringed; its data beside it (``stem``.csv)."""
    from simxh.report.theme import report_style, save_figure

    t = prim.trajectory
    t.to_csv(stem.with_suffix(".csv"), index=False)
    with report_style(lang):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(3.35, 2.6))
        sc = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=10)
        chosen = t[t["chosen"]]
        ax.scatter(chosen["coverage"], chosen["density"], s=60, facecolors="none",
                   edgecolors="#D55E00", linewidths=1.2,
                   label="所选方框" if lang == "zh" else "chosen box")
        ax.set_xlabel("覆盖率" if lang == "zh" else "coverage")
        ax.set_ylabel("密度" if lang == "zh" else "density")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        cb = fig.colorbar(sc, ax=ax)
        cb.set_label("受限输入数" if lang == "zh" else "restricted inputs")
        ax.legend(loc="lower left")
        ax.set_title(("PRIM 剥离轨迹：" if lang == "zh" else "PRIM peeling trajectory: ")
                     + criterion.describe(lang), fontsize=7)
        return save_figure(fig, stem, formats)


def scores_chart(scores: pd.DataFrame, stem: Path, formats: list[str], lang: str = "en",
                 top: int = 12) -> list[Path]:
    """The inputs' feature scores, largest first; its data beside it (``stem``.csv)."""
    from simxh.report.theme import report_style, save_figure

    scores.to_csv(stem.with_suffix(".csv"), index=False)
    s = scores.head(top).iloc[::-1]
    names = [DERIVED_FEATURES[f][2 if lang == "zh" else 1] if f in DERIVED_FEATURES
             else param_label(f, lang) for f in s["feature"]]
    with report_style(lang):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(3.35, 0.25 * len(s) + 0.8))
        ax.barh(names, s["score"], color="#0072B2")
        ax.set_xlabel("特征得分" if lang == "zh" else "feature score")
        return save_figure(fig, stem, formats)


def discover(root: str | Path, criterion: Criterion, *, out: str | Path | None = None,
             method: str = "both", min_coverage: float = DEFAULT_MIN_COVERAGE,
             mass_min: float = DEFAULT_MASS_MIN, formats: tuple[str, ...] = ("png",),
             lang: str = "en", seed: int = 0) -> dict[str, Any]:
    """Find the boxes for ``criterion`` in the sweep at ``root`` and write them to ``out``
    (default ``root/discovery``): prim_boxes.csv, prim_trajectory.{png,…,csv},
    feature_scores.{png,…,csv}, cart_boxes.csv, cases.csv, discovery.md and discovery.json."""
    from simxh.store import atomic_write_bytes, atomic_write_json

    cases = load_cases(root, criterion)
    target = Path(out) if out else Path(root) / "discovery"
    target.mkdir(parents=True, exist_ok=True)
    pd.concat([cases.x, pd.DataFrame({"value": cases.value, "interest": cases.y})],
              axis=1).to_csv(target / "cases.csv", index=False)
    summary: dict[str, Any] = {"criterion": criterion.__dict__, "n": len(cases.y),
                               "n_interest": int(cases.y.sum()),
                               "value_range": [float(np.min(cases.value)),
                                               float(np.max(cases.value))],
                               "inputs": list(cases.x.columns)}
    lines = [f"# Scenario discovery: {criterion.describe('en')}", "",
             f"{summary['n']} runs of `{criterion.scenario}`; {summary['n_interest']} "
             f"{'miss' if criterion.interest == 'fail' else 'meet'} the criterion (value "
             f"range {summary['value_range'][0]:.4g} … {summary['value_range'][1]:.4g}). "
             f"Inputs: {', '.join(cases.x.columns)}.", ""]
    scores = feature_scores(cases, seed=seed)
    scores_chart(scores, target / "feature_scores", list(formats), lang)
    summary["feature_scores"] = dict(zip(scores["feature"], scores["score"].round(4),
                                         strict=True))
    lines += ["## Feature scores (extra trees)", "", "| input | unit | score |", "|---|---|---|"]
    lines += [f"| {r.feature} | {r.unit} | {r.score:.3f} |" for r in scores.itertuples()]
    if method in ("prim", "both"):
        prim = prim_box(cases, min_coverage=min_coverage, mass_min=mass_min)
        prim.limits.to_csv(target / "prim_boxes.csv", index=False)
        trajectory_chart(prim, criterion, target / "prim_trajectory", list(formats), lang)
        summary["prim"] = {**prim.stats, "limits": prim.limits.to_dict(orient="records"),
                           "sentence_en": plain_words(prim, criterion, "en"),
                           "sentence_zh": plain_words(prim, criterion, "zh")}
        lines += ["", "## PRIM box", "", summary["prim"]["sentence_en"], "",
                  "| input | unit | low | high | full range | quasi-p |", "|---|---|---|---|---|---|"]
        lines += [f"| {r.feature} | {r.unit} | {r.low:.4g} | {r.high:.4g} | "
                  f"{r.full_low:.4g} … {r.full_high:.4g} | {r.qp_value:.3g} |"
                  for r in prim.limits.itertuples()]
    if method in ("cart", "both"):
        cboxes = cart_boxes(cases, mass_min=mass_min)
        cboxes.to_csv(target / "cart_boxes.csv", index=False)
        summary["cart"] = cboxes.to_dict(orient="records")
        lines += ["", "## CART boxes (densest first)", "",
                  "| box | coverage | density | mass | limits |", "|---|---|---|---|---|"]
        lines += [f"| {r.box} | {r.coverage:.2f} | {r.density:.2f} | {r.mass:.2f} | "
                  f"{r.limits} |" for r in cboxes.itertuples()]
    atomic_write_bytes(target / "discovery.md", ("\n".join(lines) + "\n").encode())
    atomic_write_json(target / "discovery.json", json.loads(json.dumps(summary, default=float)))
    summary["out"] = str(target)
    return summary


def brief_lines(root: str | Path, lang: str = "zh") -> list[str]:
    """The brief's scenario-discovery section from ``root/discovery/discovery.json`` (none if
    ``simxh discover`` has not been run on the folder)."""
    path = Path(root) / "discovery" / "discovery.json"
    if not path.is_file():
        return []
    try:
        s = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    prim = s.get("prim")
    if not prim:
        return []
    title = "## 情景发现" if lang == "zh" else "## Scenario discovery"
    sentence = prim["sentence_zh" if lang == "zh" else "sentence_en"]
    note = ("方框由 PRIM（EMA Workbench）在全部运行的输入中找出；详见 discovery/discovery.md。"
            if lang == "zh" else "The box is PRIM's (EMA Workbench) over the runs' inputs; "
            "details in discovery/discovery.md.")
    return ["", title, "", sentence, "", note, ""]

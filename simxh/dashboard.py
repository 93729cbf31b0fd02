"""``simxh dashboard``: the model stepping live in Mesa's SolaraViz, with the levers as switches.

The page (served by ``solara run simxh.dashboard_app`` on 127.0.0.1, started by the CLI) has
Mesa's own controls (Reset, Step, Play) and parameter inputs for the lever keywords of
:class:`~simxh.model.XinhuiModel` (switches for integration, pairing, infrastructure and
technology renovation; sliders for attraction effort and the TFP drift), and two components:

- the district panel: GDP, fiscal revenue and the Theil index of town GDP per capita, year by
  year as the model steps, against the band (min–max over seeds) of the *baseline* — the same
  config with every lever off;
- the town network map: towns at their coordinates, sized by GDP and coloured by GDP growth
  since the base year, over the transport links.

A lever change takes effect on **Reset** (Mesa re-creates the model with the new parameters).
Labels are Chinese or English (``--lang``). Nothing here is needed by the rest of simxh; solara
is the optional extra ``simxh[dashboard]``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from simxh.calibration import BASE_YEAR
from simxh.report.labels import PARAMETERS

ENV = "SIMXH_DASHBOARD"
"""The server process reads its settings from this environment variable (JSON: config, lang,
overrides, seed), set by ``simxh dashboard``."""

BASELINE_SEEDS = 5
METRICS = ("gdp_yi", "fiscal_revenue_yi", "theil_gdp_per_capita")
LEVERS_OFF = {"integration": False, "pairing": False, "infrastructure": False,
              "tech_renovation": False, "attraction_effort": 0.0}

_T: dict[str, tuple[str, str]] = {
    "title": ("新会区“百千万工程”政策仿真", "Xinhui District policy simulator"),
    # the levers' labels come from the label catalogue (simxh.report.labels.PARAMETERS)
    **{lever: PARAMETERS[key] for lever, key in (
        ("integration", "integration.enabled"), ("pairing", "pairing.enabled"),
        ("infrastructure", "infrastructure.enabled"),
        ("tech_renovation", "tech_renovation.enabled"), ("attraction_effort", "attraction.effort"))},
    "tfp_frontier_share": (PARAMETERS["firms.tfp_frontier_share"][0] + "（不确定参数）",
                           PARAMETERS["firms.tfp_frontier_share"][1] + " (uncertain)"),
    "band": ("基准情景（{n}个随机种子的范围）", "baseline (range of {n} seeds)"),
    "model": ("当前模型", "this model"),
    "year": ("年份", "year"),
    "status": ("{year}年：GDP {gdp:,.0f}亿元（基准情景中位数 {base:,.0f}，差 {diff:+,.1f}）；"
               "财政收入 {rev:,.1f}亿元；泰尔指数 {theil:.4f}。开启的政策：{levers}。",
               "{year}: GDP {gdp:,.0f} (100 million yuan; baseline median {base:,.0f}, "
               "difference {diff:+,.1f}); fiscal revenue {rev:,.1f}; Theil index {theil:.4f}. "
               "Levers on: {levers}."),
    "none": ("无", "none"),
    "map_title": ("镇街GDP增长（{y0}–{year}年，%）", "Town GDP growth {y0}–{year} (%)"),
    "growth": ("GDP累计增长（%）", "GDP growth since base year (%)"),
    "hint": ("切换政策后点击 Reset 重新建立模型，再点 Step 或 ▶ 运行。",
             "After switching a lever, press Reset to rebuild the model, then Step or ▶."),
}


def t(key: str, lang: str, **fmt: Any) -> str:
    zh, en = _T[key]
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text


# ---- settings ------------------------------------------------------------------------------


def settings_from_env() -> dict[str, Any]:
    """The server's settings (see :data:`ENV`); defaults: baseline config, zh, seed 1."""
    raw = os.environ.get(ENV, "")
    settings = json.loads(raw) if raw else {}
    return {"config": settings.get("config"), "lang": settings.get("lang", "zh"),
            "overrides": list(settings.get("overrides", [])),
            "seed": int(settings.get("seed", 1))}


def model_params(config: Any, lang: str, seed: int = 1) -> dict[str, Any]:
    """SolaraViz ``model_params``: the lever keywords as switches and sliders (starting at
    the config's values), the config and seed fixed."""
    from mesa.visualization import Slider

    def box(name: str, value: bool) -> dict[str, Any]:
        return {"type": "Checkbox", "value": bool(value), "label": t(name, lang)}

    return {
        "config": config,
        "seed": seed,
        "integration": box("integration", config.integration.enabled),
        "pairing": box("pairing", config.pairing.enabled),
        "infrastructure": box("infrastructure", config.infrastructure.enabled),
        "tech_renovation": box("tech_renovation", config.tech_renovation.enabled),
        "attraction_effort": Slider(t("attraction_effort", lang),
                                    value=float(config.attraction.effort), min=0.0, max=3.0,
                                    step=0.25, dtype=float),
        "tfp_frontier_share": Slider(t("tfp_frontier_share", lang),
                                     value=float(config.firms.tfp_frontier_share),
                                     min=0.0, max=0.8, step=0.05, dtype=float),
    }


@lru_cache(maxsize=4)
def _baseline_band_cached(config_key: str, seeds: int) -> pd.DataFrame:
    from simxh.config import load_config
    from simxh.simulation import simulate

    spec = json.loads(config_key)
    config = load_config(spec["config"], spec["overrides"])
    frames = []
    for seed in range(1, seeds + 1):
        res = simulate(config, seed=seed, overrides={
            "integration.enabled": False, "pairing.enabled": False,
            "infrastructure.enabled": False, "tech_renovation.enabled": False,
            "attraction.effort": 0.0})
        frames.append(res.district[["year", *METRICS]])
    runs = pd.concat(frames)
    band = runs.groupby("year")[list(METRICS)].agg(["min", "median", "max"])
    return band


def baseline_band(config_path: str | None, overrides: Sequence[str] = (),
                  seeds: int = BASELINE_SEEDS) -> pd.DataFrame:
    """Per year, min/median/max over ``seeds`` runs of the config with every lever off
    (columns: (metric, stat))."""
    key = json.dumps({"config": config_path, "overrides": list(overrides)})
    return _baseline_band_cached(key, seeds)


# ---- drawing -------------------------------------------------------------------------------


def model_frame(model: Any) -> pd.DataFrame:
    """The model's district reporters so far, one row a year."""
    df = model.datacollector.get_model_vars_dataframe()
    return df[["year", *METRICS]].reset_index(drop=True)


def levers_on(model: Any, lang: str) -> str:
    cfg = model.config
    names = [t(name, lang) for name in ("integration", "pairing", "infrastructure",
                                        "tech_renovation") if getattr(cfg, name).enabled]
    if cfg.attraction.effort > 0:
        names.append(f"{t('attraction_effort', lang).split('（')[0].split(' (')[0]} "
                     f"{cfg.attraction.effort:g}")
    return ("、" if lang == "zh" else ", ").join(names) or t("none", lang)


def status_text(model: Any, band: pd.DataFrame, lang: str) -> str:
    """One line: this year's GDP against the baseline median, revenue, Theil, levers on."""
    row = model_frame(model).iloc[-1]
    year = int(row["year"])
    base = float(band.loc[year, ("gdp_yi", "median")]) if year in band.index else float("nan")
    return t("status", lang, year=year, gdp=row["gdp_yi"], base=base,
             diff=row["gdp_yi"] - base, rev=row["fiscal_revenue_yi"],
             theil=row["theil_gdp_per_capita"], levers=levers_on(model, lang))


def district_figure(model: Any, band: pd.DataFrame, lang: str) -> Any:
    """Three panels (GDP, fiscal revenue, Theil index): the model's path so far over the
    baseline's band for every year."""
    from matplotlib.figure import Figure

    from simxh.report import labels as L

    df = model_frame(model)
    fig = Figure(figsize=(9.0, 2.7), layout="constrained")
    axes = fig.subplots(1, len(METRICS))
    n = int(band.attrs.get("seeds", BASELINE_SEEDS))
    for ax, metric in zip(axes, METRICS):
        ax.fill_between(band.index, band[(metric, "min")], band[(metric, "max")],
                        color="#BBBBBB", alpha=0.5, linewidth=0, label=t("band", lang, n=n))
        ax.plot(band.index, band[(metric, "median")], color="#777777", linewidth=0.8,
                linestyle="--")
        ax.plot(df["year"], df[metric], color="#0072B2", marker="o", markersize=2.5,
                linewidth=1.4, label=t("model", lang), gid=f"model_{metric}")
        ax.set_title(L.metric_label(metric, lang), loc="left", fontsize=9)
        ax.set_xlabel(t("year", lang))
        ax.set_xlim(band.index.min() - 0.3, band.index.max() + 0.3)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7, loc="upper left", frameon=False)
    return fig


def town_growth(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each town's GDP now and its growth (%) since the first collected year, in
    ``region.town_ids`` order (from the Town agents' ``town_gdp_yi`` reporter)."""
    from simxh.agents import Town

    raw = model.datacollector.get_agenttype_vars_dataframe(Town)
    steps = raw.index.get_level_values(0)
    first = raw[steps == steps.min()].set_index("town")["town_gdp_yi"]
    last = raw[steps == steps.max()].set_index("town")["town_gdp_yi"]
    ids = list(model.region.town_ids)
    gdp = last.reindex(ids).to_numpy(dtype=float)
    return gdp, 100.0 * (gdp / first.reindex(ids).to_numpy(dtype=float) - 1.0)


def map_figure(model: Any, lang: str) -> Any:
    """Towns at their coordinates over the transport links: area ∝ GDP, colour = GDP growth
    since the base year (%); parks as small squares."""
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure

    region = model.region
    g = region.graph
    fig = Figure(figsize=(5.2, 4.2), layout="constrained")
    ax = fig.subplots()
    inside = set(region.town_ids) | set(region.park_ids)
    for u, v, _k, d in region.transport_edges():
        if u in inside and v in inside:
            ax.plot([g.nodes[u]["lon"], g.nodes[v]["lon"]], [g.nodes[u]["lat"], g.nodes[v]["lat"]],
                    color="#CCCCCC", linewidth=0.6 if d.get("mode") == "road" else 1.1,
                    zorder=1)
    parks = [p for p in region.park_ids if np.isfinite(g.nodes[p].get("lon", np.nan))]
    ax.scatter([g.nodes[p]["lon"] for p in parks], [g.nodes[p]["lat"] for p in parks],
               marker="s", s=10, color="#888888", zorder=2)
    gdp, growth = town_growth(model)
    lon = [g.nodes[tid]["lon"] for tid in region.town_ids]
    lat = [g.nodes[tid]["lat"] for tid in region.town_ids]
    lo, hi = float(np.nanmin(growth)), float(np.nanmax(growth))
    norm = TwoSlopeNorm(vcenter=0.0, vmin=min(lo, -1.0), vmax=max(hi, 1.0)) if lo < 0 < hi \
        else None  # diverging only when some towns shrink and others grow
    points = ax.scatter(lon, lat, s=30 + 1.2 * gdp, c=growth,
                        cmap="RdYlBu" if norm is not None else "viridis", norm=norm,
                        edgecolors="#333333", linewidths=0.4, zorder=3, gid="towns")
    names = region.data.towns["name_zh" if lang == "zh" else "name_en"]
    for tid, x, y, gr in zip(region.town_ids, lon, lat, growth):
        ax.annotate(f"{names[tid]} {gr:+.0f}%", (x, y), xytext=(4, 3),
                    textcoords="offset points", fontsize=6.5)
    fig.colorbar(points, ax=ax, shrink=0.7).set_label(t("growth", lang), fontsize=7)
    ax.set_title(t("map_title", lang, y0=BASE_YEAR, year=model.year), loc="left", fontsize=9)
    ax.set_aspect(1.0 / np.cos(np.radians(np.mean(lat))))
    ax.tick_params(labelsize=6)
    return fig


# ---- the page ------------------------------------------------------------------------------


def use_fonts(lang: str) -> None:
    """matplotlib in the server process: Agg, the simxh theme's fonts (CJK for zh)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from simxh.report import theme as T

    if lang == "zh":
        T.cjk_fonts()
    plt.rcParams["font.family"] = T.font_families(lang)
    plt.rcParams["axes.unicode_minus"] = False


def page_css(lang: str) -> str:
    """The page's CSS: for zh, the bundled CJK font (subset to the page's Chinese labels and the
    town names, inline) after the page's own font, so that Chinese text never shows boxes."""
    if lang != "zh":
        return ""
    from simxh.report import labels as L
    from simxh.report.theme import web_font_css

    text = "".join(zh for zh, _ in _T.values()) + "".join(zh for zh, _ in L.town_names().values())
    return web_font_css(text)


def make_page(config_path: str | None = None, *, lang: str = "zh",
              overrides: Sequence[str] = (), seed: int = 1) -> Any:
    """The page component for a config (levers start at the config's values).

    What every session shares is read-only and built once, when the server loads the page: the
    config, the baseline band and the parameter inputs. The model is not: each browser session
    (a Solara kernel) renders its own :func:`Page`, which builds its own model on first render,
    so Step or Reset in one tab never moves another's model, and the model goes with the
    session's widgets when the session closes (see :func:`release_memory_on_close`)."""
    import solara
    from mesa.visualization import SolaraViz

    from simxh.config import load_config
    from simxh.model import XinhuiModel

    use_fonts(lang)
    config = load_config(config_path, list(overrides))
    band = baseline_band(config_path, overrides).copy()
    band.attrs["seeds"] = BASELINE_SEEDS
    css = page_css(lang)

    def district_panel(model: Any) -> Any:
        with solara.Column() as column:
            if css:
                solara.Style(css)
            solara.Markdown(status_text(model, band, lang), style={"font-size": "14px"})
            solara.FigureMatplotlib(district_figure(model, band, lang), format="png",
                                    dpi=110)
            solara.Text(t("hint", lang), style={"color": "#666", "font-size": "12px"})
        return column

    def town_map(model: Any) -> Any:
        return solara.FigureMatplotlib(map_figure(model, lang), format="png", dpi=110)

    params = model_params(config, lang, seed)
    start = {k: (v.value if hasattr(v, "value") else v["value"] if isinstance(v, dict) else v)
             for k, v in params.items()}

    @solara.component
    def Page() -> Any:  # noqa: N802 - Solara's name for the page component
        model = solara.use_memo(lambda: XinhuiModel(**start), dependencies=[])
        return SolaraViz(model, components=[district_panel, town_map], model_params=params,
                         name=t("title", lang), play_interval=300)

    return Page


def _collect() -> None:
    import contextlib
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the collection alone
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _scope_kernel_start_callbacks() -> None:
    """Tie to its session each kernel-start callback registered while a session renders.

    Solara (1.58) wraps every ``solara.lab.use_task`` - Mesa's Play loop uses one - in a
    ``Singleton`` whose constructor registers a process-wide kernel-start callback and drops the
    function that removes it. That entry keeps the task, Mesa's controller closures and so the
    session's model alive after the session has closed (fixed upstream in solara PR #1180).
    Here a callback registered inside a session is removed when that session's kernel closes;
    callbacks registered outside any session (module-level state) are left alone."""
    import contextlib

    import solara.lifecycle
    from solara.server import kernel_context

    original = solara.lifecycle.on_kernel_start
    if getattr(original, "simxh_scoped", False):
        return

    def on_kernel_start(f: Any) -> Any:
        remove = original(f)
        if kernel_context.has_current_context():
            def drop() -> None:
                with contextlib.suppress(ValueError):  # already removed
                    remove()
            kernel_context.get_current_context().on_close(drop)
        return remove

    on_kernel_start.simxh_scoped = True  # type: ignore[attr-defined]
    solara.lifecycle.on_kernel_start = on_kernel_start


def release_memory_on_close(delay: float = 1.0) -> None:
    """When a session's kernel has closed (tab closed, or culled after a disconnect), collect
    its objects and hand the freed heap back to the system (glibc's ``malloc_trim``), so the
    server's memory falls back after sessions close.

    Solara calls close callbacks before it closes the session's widgets, so one collector
    thread waits for each closed kernel (plus ``delay`` seconds for the closing frames to
    return). The thread is started outside any kernel context: Solara ties a thread started
    inside one to that kernel for the thread's life, which would keep the kernel alive."""
    import queue
    import threading
    import time

    import solara.lifecycle
    from solara.server import kernel_context

    closed_kernels: queue.Queue[threading.Event] = queue.Queue()

    def collector() -> None:
        while True:
            closed = closed_kernels.get()
            closed.wait(timeout=60.0)
            del closed
            time.sleep(delay)
            _collect()

    with kernel_context.without_context():
        threading.Thread(target=collector, name="simxh-dashboard-gc", daemon=True).start()
    _scope_kernel_start_callbacks()

    def on_start() -> Any:
        closed = solara.lifecycle.kernel_closed_event()
        return lambda: closed_kernels.put(closed)

    solara.lifecycle.on_kernel_start(on_start)

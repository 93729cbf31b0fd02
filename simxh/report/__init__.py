"""Charts and the briefing report, built on an experiment's results tables only.

``write_report(DIR)`` reads ``DIR/manifest.json``, ``DIR/district.parquet``,
``DIR/towns.parquet`` and ``DIR/summary/*.csv`` and writes ``DIR/figures/`` (each figure in
every requested format, with a CSV of exactly what it plots) and ``DIR/brief.md``.
matplotlib is imported only when a report is written, with the Agg backend.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simxh.errors import UserError

FORMATS = ("png", "svg", "pdf")
DEFAULT_YEAR = 2033  # the plan's ten-year horizon (十年根本性变化)

__all__ = ["FORMATS", "Report", "prepare", "use_cjk_font", "write_report"]


def use_cjk_font() -> list[str]:
    """Make matplotlib draw Chinese (亿元, town names) with the bundled font in a notebook or
    script; see :func:`simxh.report.theme.use_cjk_font`."""
    from simxh.report.theme import use_cjk_font as use

    return use()


@dataclass
class Report:
    """What :func:`write_report` wrote."""

    brief: Path
    figures: dict[str, list[Path]]
    tables: dict[str, Path]
    lang: str
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    html: Path | None = None


def _check_formats(formats: Iterable[str]) -> list[str]:
    out = []
    for fmt in formats:
        fmt = fmt.strip().lower().lstrip(".")
        if not fmt:
            continue
        if fmt not in FORMATS:
            raise UserError("unknown figure format", key="--formats", value=fmt,
                            expected=", ".join(FORMATS))
        if fmt not in out:
            out.append(fmt)
    if not out:
        raise UserError("no figure format given", key="--formats", expected=", ".join(FORMATS))
    return out


def _check_scenarios(wanted: Sequence[str] | None, available: Sequence[str],
                     reference: str) -> list[str]:
    from simxh.config import did_you_mean

    chosen = list(available) if not wanted else []
    for name in wanted or ():
        if name not in available:
            raise UserError(f"no such scenario in the results{did_you_mean(name, available)}",
                            key="--scenarios", value=name, expected=", ".join(available))
        if name not in chosen:
            chosen.append(name)
    # The reference is always shown: every comparison is against it.
    if reference in available:
        chosen = [reference] + [s for s in chosen if s != reference]
    return chosen


def _check_year(year: int | None, years: Sequence[int]) -> int:
    if not years:
        raise UserError("the results tables have no rows", key="year")
    if year is None:
        return DEFAULT_YEAR if DEFAULT_YEAR in years else years[-1]
    if year not in years:
        raise UserError("year not in the results", key="--year", value=year,
                        expected=f"a year from {years[0]} to {years[-1]}")
    return year


def _label_texts(ctx: Any, region_names: Iterable[str]) -> list[str]:
    """Every string the figures and brief may draw in Chinese (for the font coverage check)."""
    import simxh.report.labels as L

    texts = [zh for zh, _ in L.TEXT.values()]
    texts += [m.zh + m.unit_zh + m.short_zh for m in L.METRICS.values()]
    texts += [ctx.scenario(s) for s in ctx.scenarios]
    texts += list(region_names)
    texts += [ctx.names.target_label(t, "zh", short=short) for t in ctx.names.target_rows
              for short in (False, True)]
    texts += [L.scenario_description(s, "zh", ctx.results.scenario_info().get(s))
              for s in ctx.scenarios]
    for table in (L.TRANSPORT_MODES, L.COOPERATION_KINDS, L.NODE_KINDS, L.PARAMETERS,
                  L.SENSITIVITY_INDICES, L.SENSITIVITY_METHODS, L.DISTRIBUTIONS):
        texts += [zh for zh, _ in table.values()]
    return texts


def prepare(directory: str | Path, *, lang: str = "zh", scenarios: Sequence[str] | None = None,
            year: int | None = None, data: Any | None = None, region: Any | None = None
            ) -> tuple[Any, Any]:
    """Load and check a results directory; returns the figures' :class:`Context` (with the
    language actually usable) and the provenance counts. No drawing happens here."""
    import simxh.report.figures as F
    import simxh.report.labels as L
    import simxh.report.theme as T
    from simxh.report.provenance import count_provenance, load_region_data_or_none
    from simxh.report.results import ensure_summaries, load_results

    if lang not in L.LANGS:
        raise UserError("unknown language", key="--lang", value=lang, expected="zh or en")
    results = ensure_summaries(load_results(directory))
    reference = results.reference
    chosen = _check_scenarios(scenarios, results.scenarios, reference)
    key_year = _check_year(year, results.years)
    if data is None:
        data = region.data if region is not None else load_region_data_or_none()
    names = L.NameBook.from_data(data)
    prov = count_provenance(data)
    ctx = F.Context(results=results, lang=lang, names=names, scenarios=chosen,
                    reference=reference, year=key_year, notes="", data=data,
                    colours=T.scenario_colours(chosen, reference))
    region_names = [zh for zh, _ in names.names.values()]
    ctx.lang = T.resolve_language(lang, _label_texts(ctx, region_names)) if lang == "zh" else "en"
    ctx.notes = _notes(ctx, prov)
    return ctx, prov


def write_report(directory: str | Path, *, lang: str = "zh", formats: Iterable[str] = ("png",),
                 scenarios: Sequence[str] | None = None, year: int | None = None,
                 data: Any | None = None, region: Any | None = None,
                 html: bool = False) -> Report:
    """Write ``DIR/figures/*`` and ``DIR/brief.md`` for a results directory.

    ``lang`` is ``zh`` or ``en`` (``zh`` falls back to English, with one warning, when no CJK
    font can draw the labels); ``scenarios`` selects and orders scenarios (the reference is
    always included); ``year`` is the key year of the comparisons (default 2033, or the last).
    ``data``/``region`` default to the packaged region data (for names, targets, the map).
    ``html`` also writes ``DIR/brief.html``, one self-contained file (figures, tables and the
    Chinese font embedded; see :mod:`simxh.report.html`); it embeds PNG, so PNG is drawn too.
    """
    import simxh.report.figures as F
    import simxh.report.labels as L
    import simxh.report.theme as T
    from simxh.analysis import write_csv
    from simxh.report.brief import write_brief

    start = time.perf_counter()
    fmts = _check_formats(formats)
    if html and "png" not in fmts:
        fmts.append("png")
    ctx, prov = prepare(directory, lang=lang, scenarios=scenarios, year=year, data=data,
                        region=region)
    out_dir = ctx.results.path / "figures"
    out_dir.mkdir(exist_ok=True)
    written: dict[str, list[Path]] = {}
    tables: dict[str, Path] = {}
    skipped: list[str] = []
    drawn = []
    with T.report_style(ctx.lang):
        for name, fn in F.FIGURES:
            fig = fn(ctx, region) if name == "network_map" else fn(ctx)  # type: ignore[call-arg]
            if fig is None:
                skipped.append(name)
                continue
            stem = out_dir / fig.name
            fig.data = L.with_town_zh(fig.data)  # town ids kept, Chinese names beside them
            write_csv(fig.data, stem.with_suffix(".csv"))  # atomic
            tables[fig.name] = stem.with_suffix(".csv")
            fig.caption = fig.figure.get_suptitle() or fig.name
            written[fig.name] = T.save_figure(fig.figure, stem, fmts)
            fig.figure = None
            drawn.append(fig)
    brief = write_brief(ctx, drawn, fmts, prov, ctx.results.path / "brief.md",
                        font_fallback=(lang == "zh" and ctx.lang != "zh"))
    page = None
    if html:
        from simxh.report.html import write_html

        page = write_html(brief, lang=ctx.lang)
    return Report(brief=brief, figures=written, tables=tables, lang=ctx.lang, skipped=skipped,
                  seconds=time.perf_counter() - start, html=page)


def _notes(ctx: Any, prov: Any) -> str:
    import simxh.report.labels as L

    lang = ctx.lang
    sep = "；" if lang == "zh" else "; "
    parts = [L.text("notes_source", lang), L.text("notes_reps", lang, n=ctx.results.replications)]
    if ctx.results.design_points > 1:
        parts.append(L.text("notes_pooled", lang, k=ctx.results.design_points))
    if prov.known:
        parts.append(L.text("notes_assumed", lang, n=prov.assumed, m=prov.total))
    parts.append(L.text("notes_real", lang))
    return sep.join(parts) + ("。" if lang == "zh" else ".")

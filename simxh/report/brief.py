"""The briefing note ``DIR/brief.md``: experiment, scenarios, key paired differences with
intervals, target scorecard, equity, the audit of the scenarios' configs and caveats, with the
figures embedded."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

import simxh.report.labels as L
from simxh.report.figures import (
    Context,
    Figure,
    ce_settings,
    ce_table,
    paired_table,
    percent,
    rank_table,
    scorecard_table,
)
from simxh.report.provenance import ProvenanceCounts

_B: dict[str, tuple[str, str]] = {
    "title": ("政策模拟简报", "Policy simulation brief"),
    "experiment": ("实验设计", "The experiment"),
    "scenarios": ("情景", "Scenarios"),
    "reference_mark": ("（参照）", " (reference)"),
    "runs": ("共{runs}次模拟：{s}个情景 × {d}个设计点 × {r}次重复，随机种子{seed}，{y0}–{y1}年。",
             "{runs} runs: {s} scenarios × {d} design point(s) × {r} replications, seed {seed}, "
             "{y0}–{y1}."),
    "crn": ("各情景的第r次重复使用相同的随机数（公共随机数），差异按重复配对计算。",
            "Replication r uses the same random numbers in every scenario (common random "
            "numbers), so differences are paired by replication."),
    "drawn": ("以下政策效果参数在每次重复中抽取一次（各情景共用同一抽样值），区间来自准实验文献或标明为假设"
              "（文献出处见实验文件与 docs/ODD.md 的政策效果区间一节）：",
              "These lever effect parameters are drawn once per replication (the same value in "
              "every scenario of the replication), from quasi-experimental literature ranges or "
              "marked assumed (sources: docs/ODD.md, \"Lever effect ranges\"):"),
    "key": ("主要结果：与参照情景的差异", "Key results: differences from the reference"),
    "key_none": ("未找到配对差异表（summary/paired_differences.csv），请先运行 `simxh compare`。",
                 "No paired-difference table (summary/paired_differences.csv): run "
                 "`simxh compare` first."),
    "key_single": ("只有一个情景，没有可比较的配对差异。",
                   "Only one scenario: there are no paired differences to report."),
    "outcome": ("指标", "Outcome"),
    "scenario": ("情景", "Scenario"),
    "diff": ("平均差异 [{pct}置信区间]", "Mean difference [{pct} confidence interval]"),
    "n": ("配对数", "Pairs"),
    "headline": ("{year}年地区生产总值：{best}比{ref}高{mean}亿元（{pct}置信区间{lo}至{hi}）。",
                 "GDP in {year}: {best} exceeds {ref} by {mean} (100 million yuan; {pct} "
                 "confidence interval {lo} to {hi})."),
    "headline_neg": ("{year}年地区生产总值：没有情景显著高于{ref}。",
                     "GDP in {year}: no scenario is above {ref} beyond its interval."),
    "gdp_level": ("{year}年地区生产总值中位数（亿元）", "Median GDP in {year} (100 million yuan)"),
    "ce": ("成本效益与排名", "Cost-effectiveness and ranking"),
    "ce_text": ("成本为各政策实际支付的资金（预算配给之后，`lever_spend_yi`）与参照情景之差，"
                "{y0}年之后逐年按{rate}的年率折现到{y0}年并累加至{year}年（{source}）；"
                "效果为{year}年与参照情景的配对差异。“每亿元效果”为两者均值之比，方括号内为其{pct}"
                "配对自助法（bootstrap）置信区间，按重复重新抽样。",
                "Cost is the money each package's levers actually paid (after budget rationing, "
                "`lever_spend_yi`) minus the reference's, discounted to {y0} at {rate} a year "
                "and summed over the years after {y0} up to {year} ({source}); the effect is "
                "the paired difference from the reference in {year}. The effect per 亿 is the "
                "ratio of their means; brackets give its {pct} paired bootstrap interval "
                "(replications resampled)."),
    "ce_effect": ("效果", "Effect"),
    "ce_cost": ("折现成本（亿元）", "Discounted cost (亿元)"),
    "ce_ratio": ("每亿元效果 [{pct}区间]", "Effect per 亿 [{pct} interval]"),
    "ce_bcr": ("折现效益成本比（GDP，全社会成本）", "Discounted benefit–cost ratio (GDP, social cost)"),
    "ce_nan": ("“–”：该情景的政策支出不高于参照情景（没有净成本或节省了资金），每亿元效果无定义，"
               "不是无穷大。", "'–': the package's lever money is not above the reference's (no "
               "net cost, or a saving), so an effect per 亿 is undefined, not infinite."),
    "ce_ci_nan": ("区间为“–”：部分自助法样本的净成本不为正，比值无界，故不给出区间。",
                  "An interval shown as '–': some bootstrap resamples have no positive net "
                  "cost, so the ratio is unbounded and no interval is given."),
    "ce_missing": ("未找到成本效益表（summary/cost_effectiveness.csv）：请重新运行 `simxh compare`。",
                   "No cost-effectiveness table (summary/cost_effectiveness.csv): run "
                   "`simxh compare` again."),
    "ce_no_cost": ("结果表中没有政策支出（`lever_spend_yi`）列，无法计算成本效益。",
                   "The results have no lever-money column (`lever_spend_yi`): cost-"
                   "effectiveness cannot be computed."),
    "rank_text": ("{year}年排名概率：在每次重复中按指标给情景排名（GDP与财政收入越高越好，泰尔指数越低越好），"
                  "表中为排名第一的概率（{n}次重复中的比例；并列时平分名次）。",
                  "Ranking probabilities in {year}: in each replication the packages are ranked "
                  "on each outcome (GDP and revenue: higher is better; the Theil index: lower "
                  "is better); the table gives the probability of ranking first (the share of "
                  "{n} replications; ties share their ranks evenly)."),
    "p_first": ("{metric}第一名概率", "P(1st) {metric}"),
    "robust": ("稳健性：排名概率与遗憾值", "Robustness: rank probabilities and regret"),
    "robust_text": ("排名概率回答一个方案多常是最好的，遗憾值回答它不是最好时损失多少。在每次重复（有设计时为每个设计点的"
                    "每次重复）中，一个方案的遗憾值等于该次最好方案的结果减去它自己的结果（GDP越高越好，泰尔指数越低越好；"
                    "参照情景也参与比较），最好的方案遗憾值为0。一个方案可能很少排第一，却从不落后太多（最大遗憾值小）；"
                    "也可能常排第一，却偶尔大幅落后（最大遗憾值大）。要在不确定性下选择稳健的方案，应看最大遗憾值与"
                    "第90百分位遗憾值。下表为{year}年的遗憾值（{n}个配对；各年份见 `summary/regret.csv`）：",
                    "Rank probabilities say how often a package is best; regret says how much it "
                    "loses when it is not. In each replication (each design point's replication "
                    "in a design) a package's regret is the best package's outcome minus its own "
                    "(GDP: higher is better; the Theil index: lower is better; the reference "
                    "takes part), so the best package's regret is 0. A package can rarely rank "
                    "first yet never fall far behind (a small maximum regret), or often rank "
                    "first yet sometimes lose a lot (a large maximum regret); for a choice that "
                    "holds up under the uncertainty, read the maximum and 90th-percentile "
                    "regret. The table gives the regret in {year} over {n} pairs (every year in "
                    "`summary/regret.csv`):"),
    "regret_max": ("{metric}最大遗憾值", "Max regret {metric}"),
    "regret_p90": ("{metric}第90百分位遗憾值", "P90 regret {metric}"),
    "regret_missing": ("未找到遗憾值表（summary/regret.csv）：请重新运行 `simxh compare`。",
                       "No regret table (summary/regret.csv): run `simxh compare` again."),
    "scorecard": ("规划目标达成概率", "Plan targets: probability of meeting them"),
    "villages": ("乡村：村集体收入与乡村振兴目标", "Villages: collective income and the village targets"),
    "villages_text": ("村级数据为镇街与全区数据的假设分解（未找到村级统计），图中为各情景的分布。",
                      "Village-level inputs are assumed splits of town and district figures (no "
                      "village statistics were found); the charts show each scenario's spread."),
    "scorecard_ci": ("概率后括号内为{pct} Wilson置信区间（{n}次模拟中达成目标的比例）。",
                     "Brackets: the {pct} Wilson score interval of each probability (the share "
                     "of {n} runs that meet the target)."),
    "scorecard_none": ("未找到目标表（summary/targets.csv）。", "No target table (summary/targets.csv)."),
    "target": ("目标", "Target"),
    "implied": ("隐含年均增速", "Implied growth a year"),
    "implied_both": ("名义{g:.1f}%（实际{r:.1f}%）", "{g:.1f}% nominal ({r:.1f}% real)"),
    "tension": ("注意：{label}隐含年均实际增长{g:.1f}%，高于{base:.0f}%的增长目标，两个目标之间存在张力。",
                "Note: {label} implies {g:.1f}% real growth a year, above the {base:.0f}% growth "
                "target; the two targets are in tension."),
    "equity": ("区域协调：镇街之间的差距", "Equity between towns"),
    "equity_text": ("{year}年镇街人均GDP泰尔指数（越低越均衡）与最弱镇街GDP增速的中位数：",
                    "Medians in {year} of the Theil index of town GDP per capita (lower is more "
                    "even) and of the weakest town's GDP growth:"),
    "figures": ("其他图表", "Other figures"),
    "caveats": ("说明与局限", "Caveats"),
    "cav_assumed": ("模型输入中有{n}/{m}项为假设值（无统计来源的建模估计，数据文件与参数中标记为 assumed），"
                    "其中数据文件{dn}/{dm}项、参数默认值{cn}/{cm}项。这些数值不是统计数据。",
                    "{n} of {m} model inputs are assumed (modelling estimates without a statistical "
                    "source, marked 'assumed' in the data files and parameter defaults): {dn} of "
                    "{dm} data rows and {cn} of {cm} parameter defaults. They are not statistics."),
    "cav_unknown": ("未能读取数据文件的来源标记，无法统计假设值的数量。",
                    "The data files' provenance could not be read, so assumed inputs are not "
                    "counted."),
    "cav_reps": ("每个情景{r}次重复；置信区间为{pct}水平。", "{r} replications per scenario; "
                 "confidence intervals are at the {pct} level."),
    "cav_sources": ("不确定性来源：图表中的区间与分布带只反映{sources}，不包括{missing}。",
                    "Sources of uncertainty: the bands and intervals reflect {sources}; they do "
                    "not include {missing}."),
    "cav_sources_all": ("不确定性来源：图表中的区间与分布带反映{sources}。",
                        "Sources of uncertainty: the bands and intervals reflect {sources}."),
    "only": ("（仅此一项）", " only"),
    "and": ("、", ", "),
    "cav_prices": ("金额为2023年不变价；规划的金额目标为名义值，每次模拟按其自身的GDP平减指数路径换算后评分；"
                   "目标表的隐含增速同时给出名义与实际（按参照情景目标年平减指数中位数折算）。",
                   "Money is in real 2023 prices; the plan's money targets are nominal and are "
                   "scored against each run's nominal values (real × the run's own GDP-deflator "
                   "path); the scorecard gives their implied growth nominal and real (at the "
                   "reference's median deflator in the target year)."),
    "cav_design": ("图中分位数合并了{k}个参数设计点。", "Quantiles pool {k} design points."),
    "cav_model": ("结果是情景比较，不是预测：看差异与概率，而非单一数值。",
                  "These are scenario comparisons, not forecasts: read the differences and "
                  "probabilities, not single numbers."),
    "cav_font": ("未找到中文字体，图表以英文输出。", "No CJK font was found: the charts are in English."),
    "audit": ("审计", "Audit"),
    "audit_text": ("各情景的配置文件经 `simxh audit` 审计（方法见 docs/audit.md）：长期增长与人口、零驱动运行、"
                   "各项政策的隐含量（与文献区间比较）、噪声敏感性、企业规模平稳性、用地与核算。",
                   "Each scenario's config file is audited by `simxh audit` (method: "
                   "docs/audit.md): long-run growth and population, the zero-driver run, each "
                   "lever's implied quantities against literature ranges, noise, firm-size "
                   "stationarity, land and the accounts."),
    "audit_passed": ("通过{n}/{m}项检查", "passed {n} of {m} checks"),
    "audit_all": ("全部通过", "all pass"),
    "audit_failed": ("未通过：", "failed:"),
    "audit_range": ("范围", "range"),
    "audit_unreadable": ("审计表无法读取（{file}）：{why}", "the audit table is unreadable "
                         "({file}): {why}"),
    "audit_missing": ("未审计：运行 `{cmd}`", "not audited: run `{cmd}`"),
    "audit_none": ("未找到审计结果（{dir}/audit/<情景>/audit.csv），本简报的配置未经审计。审计全部情景："
                   "`simxh report {dir} --audit`，或逐个运行：",
                   "No audit was found ({dir}/audit/<scenario>/audit.csv): this brief's configs "
                   "are not audited. Audit every scenario with `simxh report {dir} --audit`, or "
                   "one at a time:"),
    "audit_overrides": ("（审计的是配置文件本身，不含该情景的覆盖设置）",
                        " (the config file is audited without the scenario's overrides)"),
    "audit_builtin": ("内置默认配置", "built-in defaults"),
    "tables_note": ("每张图旁有同名CSV文件，包含图中绘制的全部数据。",
                    "Each figure has a CSV of the same name beside it with exactly the data it "
                    "plots."),
}


# Notes simxh.analysis.score_targets writes for targets it cannot score.
_NOTES: dict[str, dict[str, str]] = {
    "metric not in the model outputs": {"zh": "未评分：模型无此输出",
                                        "en": "not scored: not a model output"},
    "target year outside the simulated years": {"zh": "未评分：目标年份超出模拟期",
                                                "en": "not scored: year not simulated"},
}


# Sources of uncertainty an experiment's spread can sample (manifest ``uncertainty_sources``).
SOURCES: dict[str, tuple[str, str]] = {
    "simulation_noise": ("企业层面的模拟随机性", "firm-level simulation noise"),
    "parameters": ("扫描参数的不确定性（按实验设计抽样）", "parameter uncertainty (the sampled design)"),
    "macro": ("宏观环境的不确定性（最后观测年之后的共同冲击）",
              "macroeconomic uncertainty (common shocks after the last observed year)"),
    "posterior": ("估计参数的不确定性（每次重复抽取一组后验参数）",
                  "estimated-parameter uncertainty (one posterior draw per replication)"),
    "lever_effects": ("政策效果参数的不确定性（文献区间，每次重复抽取一次，各情景共用）",
                      "uncertainty in the levers' effect sizes (literature ranges, drawn once "
                      "per replication and shared by the scenarios)"),
    "structure": ("模型结构的不确定性", "uncertainty in the model's structure"),
}


def sources_sentence(sources: Sequence[str], lang: str) -> str:
    """'the bands reflect firm-level simulation noise only; they do not include ...'."""
    known = [s for s in sources if s in SOURCES]
    names = [SOURCES[s][0 if lang == "zh" else 1] if s in SOURCES else str(s) for s in sources]
    text = b("and", lang).join(names) if names else SOURCES["simulation_noise"][lang == "en"]
    if len(names) <= 1:
        text += b("only", lang)
    missing = [SOURCES[k][0 if lang == "zh" else 1].split("（")[0].split(" (")[0]
               for k in SOURCES if k not in known]
    if not missing:
        return b("cav_sources_all", lang, sources=text)
    last = "或" if lang == "zh" else " or "
    joined = missing[0] if len(missing) == 1 else \
        b("and", lang).join(missing[:-1]) + last + missing[-1]
    return b("cav_sources", lang, sources=text, missing=joined)


def b(key: str, lang: str, **fmt: Any) -> str:
    zh, en = _B[key]
    return (zh if lang == "zh" else en).format(**fmt)


def _fmt(value: float, digits: int = 1) -> str:
    if value is None or pd.isna(value):
        return "–"
    if abs(value) < 1e-9:  # floating-point noise around an exact zero
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.{digits}f}"
    return f"{value:.3g}"


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def esc(cell: str) -> str:
        return str(cell).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(esc(h) for h in header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _embed(fig: Figure, formats: Sequence[str]) -> str:
    fmt = "png" if "png" in formats else ("svg" if "svg" in formats else formats[0])
    return f"![{fig.caption or fig.name}](figures/{fig.name}.{fmt})"


def write_brief(ctx: Context, figures: Sequence[Figure], formats: Sequence[str],
                provenance: ProvenanceCounts, path: Path, font_fallback: bool = False) -> Path:
    """Write ``brief.md`` and return its path."""
    lang = ctx.lang
    res = ctx.results
    by_name = {f.name: f for f in figures}
    out: list[str] = []
    out.append(f"# {b('title', lang)}{'：' if lang == 'zh' else ': '}{res.name}")
    description = experiment_description(res.experiment, lang)
    if description:
        out += ["", description]

    # The experiment and its scenarios.
    out += ["", f"## {b('experiment', lang)}", ""]
    years = res.years
    seed = res.experiment.get("seed", res.manifest.get("seed", "–"))
    runs = len(res.scenarios) * res.design_points * res.replications
    out.append(b("runs", lang, runs=runs, s=len(res.scenarios), d=res.design_points,
                 r=res.replications, seed=seed, y0=years[0] if years else "–",
                 y1=years[-1] if years else "–"))
    out.append(b("crn", lang))
    drawn = _drawn_lines(ctx)
    if drawn:
        out += ["", b("drawn", lang), ""] + drawn
    out += ["", f"**{b('scenarios', lang)}**", ""]
    info = res.scenario_info()
    for scen in ctx.scenarios:
        label = ctx.scenario(scen)
        mark = b("reference_mark", lang) if scen == ctx.reference else ""
        desc = L.scenario_description(scen, lang, info.get(scen))
        over = res.scenario_overrides(scen)
        if lang == "zh":  # labels, not config keys
            over_text = "，".join(f"{L.param_label(k, lang)}：{L.value_label(v, lang)}"
                                 for k, v in list(over.items())[:6])
        else:
            over_text = ", ".join(f"`{k}={v}`" for k, v in list(over.items())[:6])
        if len(over) > 6:
            over_text += ", …"
        line = f"- **{label}**{mark} (`{scen}`)"
        if desc:
            line += f"：{desc}" if lang == "zh" else f": {desc}"
        if over_text:
            line += f" — {over_text}"
        out.append(line)

    # Key paired differences.
    out += ["", f"## {b('key', lang)}", ""]
    table = paired_table(ctx)
    if len(ctx.scenarios) < 2:
        out.append(b("key_single", lang))
    elif table.empty:
        out.append(b("key_none", lang))
    else:
        out.append(_headline(ctx, table))
        out.append("")
        rows = []
        for r in table.itertuples():
            label = L.metric_label(r.metric, lang)
            if L.metric_unit(r.metric, lang) == "%":  # differences of % are in points
                label = label.replace("（%）", "（百分点）").replace("(%)", "(percentage points)")
            rows.append([f"{label} {r.year}", ctx.scenario(r.scenario),
                         f"{_fmt(r.mean)} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]", f"{int(r.n)}"])
        out.append(_md_table([b("outcome", lang), b("scenario", lang),
                              b("diff", lang, pct=ctx.pct), b("n", lang)], rows))
    for name in ("fan_chart", "paired_differences"):
        if name in by_name:
            out += ["", _embed(by_name[name], formats)]
    levels = _gdp_levels(ctx)
    if levels:
        out += ["", f"{b('gdp_level', lang, year=ctx.year)}: " + "; ".join(levels)]

    # Cost-effectiveness and rank probabilities.
    if len(ctx.scenarios) >= 2:
        out += ["", f"## {b('ce', lang)}", ""]
        out += _ce_lines(ctx)
        for name in ("cost_effectiveness", "rank_probabilities"):
            if name in by_name:
                out += ["", _embed(by_name[name], formats)]

    # Robustness: regret beside the rank probabilities.
    if len(ctx.scenarios) >= 2:
        out += ["", f"## {b('robust', lang)}", ""]
        out += _regret_lines(ctx)

    # Target scorecard.
    out += ["", f"## {b('scorecard', lang)}", ""]
    score = scorecard_table(ctx)
    if score.empty:
        out.append(b("scorecard_none", lang))
    else:
        scen = [s for s in ctx.scenarios if s in set(score["scenario"])]  # type: ignore[assignment]
        header = [b("target", lang), b("implied", lang), *[ctx.scenario(s) for s in scen]]
        rows = []
        for target, part in score.groupby("target", sort=False):
            probs = part.set_index("scenario")["probability"]
            g = part["implied_growth_pct"].iloc[0]
            if part["probability"].isna().all():
                note = str(part["note"].iloc[0]) if "note" in part and pd.notna(
                    part["note"].iloc[0]) else ""
                rows.append([ctx.names.target_label(str(target), lang),
                             _NOTES.get(note, {}).get(lang, note or L.text("not_scored", lang)),
                             *["–" for _ in scen]])
                continue
            lows = part.set_index("scenario")["probability_low"]
            highs = part.set_index("scenario")["probability_high"]
            rows.append([ctx.names.target_label(str(target), lang),
                         _implied(g, part.iloc[0], ctx.names.target_rows.get(str(target), {}))
                         if pd.isna(g) else (
                             _growth(g, part.iloc[0], lang) if g > 0
                             else L.text("met_at_base", lang)),
                         *[_probability(probs.get(s), lows.get(s), highs.get(s)) for s in scen]])
        out.append(_md_table(header, rows))
        if score["probability_low"].notna().any():
            out += ["", b("scorecard_ci", lang, pct=ctx.pct, n=int(score["n"].max()))]
        tension = _tension(ctx, score)
        if tension:
            out += ["", tension]
    if "target_scorecard" in by_name:
        out += ["", _embed(by_name["target_scorecard"], formats)]

    # Equity.
    out += ["", f"## {b('equity', lang)}", ""]
    eq = _equity_lines(ctx)
    if eq:
        out.append(b("equity_text", lang, year=ctx.year))
        out += [""] + eq
    if "equity" in by_name:
        out += ["", _embed(by_name["equity"], formats)]

    # Villages (when the experiment kept the villages table).
    village_figs = [by_name[n] for n in ("village_targets", "village_income_by_town")
                    if n in by_name]
    if village_figs:
        out += ["", f"## {b('villages', lang)}", "", b("villages_text", lang), ""]
        for fig in village_figs:
            out += [_embed(fig, formats), ""]

    # The rest of the figures.
    rest = [f for f in figures if f.name in ("town_trajectories", "network_map", "sensitivity")]
    if rest:
        out += ["", f"## {b('figures', lang)}", ""]
        for fig in rest:
            out += [_embed(fig, formats), ""]

    # Scenario discovery, when `simxh discover` has been run on the folder (its box in words).
    from simxh.discovery import brief_lines as discovery_lines
    from simxh.search import brief_lines as search_lines

    out += discovery_lines(res.path, lang)
    # What it takes, when `simxh search FILE --out DIR/search` has been run
    out += search_lines(res.path, lang)

    # The audit of the scenarios' configs (DIR/audit/<scenario>/audit.csv).
    out += ["", f"## {b('audit', lang)}", ""]
    out += audit_lines(res.path, ctx.scenarios, lang, configs=scenario_config_files(res.manifest, res.path),
                       labels={s: ctx.scenario(s) for s in ctx.scenarios},
                       overrides={s for s in ctx.scenarios if res.scenario_overrides(s)})

    # Caveats.
    out += ["", f"## {b('caveats', lang)}", ""]
    if provenance.known:
        dn, dm = provenance.by_source.get("data", (0, 0))
        cn, cm = provenance.by_source.get("config", (0, 0))
        out.append("- " + b("cav_assumed", lang, n=provenance.assumed, m=provenance.total,
                            dn=dn, dm=dm, cn=cn, cm=cm))
    else:
        out.append("- " + b("cav_unknown", lang))
    out.append("- " + b("cav_reps", lang, r=res.replications, pct=ctx.pct))
    out.append("- " + sources_sentence(res.uncertainty_sources, lang))
    if res.design_points > 1:
        out.append("- " + b("cav_design", lang, k=res.design_points))
    out.append("- " + b("cav_prices", lang))
    out.append("- " + b("cav_model", lang))
    out.append("- " + b("tables_note", lang))
    if font_fallback:
        out.append("- " + b("cav_font", lang))
    from simxh.store import atomic_write_bytes

    atomic_write_bytes(Path(path), ("\n".join(out) + "\n").encode("utf-8"))
    return path


def experiment_description(experiment: Mapping[str, Any], lang: str) -> str:
    """The experiment's description in ``lang``: ``description_zh`` for Chinese (or the plain
    ``description`` when that is Chinese), ``description`` for English; else ""."""
    plain = str(experiment.get("description", "") or "")
    if lang != "zh":
        return plain
    own = str(experiment.get("description_zh", "") or "")
    return own or (plain if L.is_chinese(plain) else "")


COUNT_UNITS = ("villages", "firms")
"""Units of count targets (``simxh.analysis.COUNT_UNITS``): no implied growth rate."""


def _implied(growth: Any, row: pd.Series, target: Mapping[str, Any]) -> str:
    """The implied-growth cell of a target without a growth rate: a count target (villages,
    firms) shows its base-year value and the target ('6 → 10'); anything else '–'."""
    base, value = row.get("base_value"), row.get("value")
    if pd.isna(growth) and pd.notna(base) and pd.notna(value) and \
            str(target.get("unit", "")) in COUNT_UNITS:
        return f"{float(base):.0f} → {float(value):.0f}"
    return "–"


def _growth(growth: float, row: pd.Series, lang: str) -> str:
    """'12.6%', or for a nominal target both bases: '名义12.6%（实际11.7%）' / '12.6% nominal
    (11.7% real)' (real: the target at the reference's median deflator of its year)."""
    real = row.get("implied_growth_real_pct")
    if row.get("basis") != "nominal" or real is None or pd.isna(real):
        return f"{growth:.1f}%"
    return b("implied_both", lang, g=growth, r=float(real))


def _probability(p: Any, low: Any, high: Any) -> str:
    """'62% [45–77%]' (the Wilson interval in brackets when there is one)."""
    if p is None or pd.isna(p):
        return "–"
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return f"{p * 100:.0f}%"
    return f"{p * 100:.0f}% [{low * 100:.0f}–{high * 100:.0f}%]"


def _headline(ctx: Context, table: pd.DataFrame) -> str:
    gdp = table[(table["metric"] == "gdp_yi") & (table["year"] == ctx.year)]
    ref = ctx.scenario(ctx.reference)
    if gdp.empty:
        return ""
    best = gdp.sort_values("mean", ascending=False).iloc[0]
    if best["ci_low"] <= 0:
        return b("headline_neg", ctx.lang, year=ctx.year, ref=ref)
    return b("headline", ctx.lang, year=ctx.year, best=ctx.scenario(best["scenario"]), ref=ref,
             pct=ctx.pct,
             mean=_fmt(best["mean"]), lo=_fmt(best["ci_low"]), hi=_fmt(best["ci_high"]))


def _gdp_levels(ctx: Context) -> list[str]:
    df = ctx.results.district
    at = df[(df["year"] == ctx.year) & df["scenario"].isin(ctx.scenarios)]
    med = at.groupby("scenario")["gdp_yi"].median()
    return [f"{ctx.scenario(s)} {_fmt(med[s])}" for s in ctx.scenarios if s in med]


def _tension(ctx: Context, score: pd.DataFrame) -> str:
    growth = None
    table = getattr(ctx.data, "targets", None)
    if table is not None and "metric" in table:
        rows = table[table["metric"] == "gdp_growth_pct"]
        if len(rows):
            growth = float(rows["value"].iloc[0])
    if growth is None:
        return ""
    implied = score.dropna(subset=["implied_growth_pct"]).groupby("target", sort=False).first()
    for target, row in implied.iterrows():
        metric = ctx.names.target_rows.get(str(target), {}).get("metric")
        # the growth target is real: set it beside the real implied growth where there is one
        g = row.get("implied_growth_real_pct")
        g = float(row["implied_growth_pct"]) if g is None or pd.isna(g) else float(g)
        if metric in ("gdp_yi", "gdp_nominal_yi") and g > growth + 0.5:
            return b("tension", ctx.lang, label=row["target_label"], g=g, base=growth)
    return ""


def _equity_lines(ctx: Context) -> list[str]:
    df = ctx.results.district
    at = df[(df["year"] == ctx.year) & df["scenario"].isin(ctx.scenarios)]
    lines: list[str] = []
    cols = [c for c in ("theil_gdp_per_capita", "weakest_town_growth_pct") if c in at]
    if not cols:
        return lines
    med = at.groupby("scenario")[cols].median()
    for s in ctx.scenarios:
        if s not in med.index:
            continue
        parts = []
        if "theil_gdp_per_capita" in cols:
            parts.append(f"{L.metric_label('theil_gdp_per_capita', ctx.lang, short=True)} "
                         f"{med.loc[s, 'theil_gdp_per_capita']:.4f}")
        if "weakest_town_growth_pct" in cols:
            parts.append(f"{L.metric_label('weakest_town_growth_pct', ctx.lang, unit=False, short=True)} "
                         f"{med.loc[s, 'weakest_town_growth_pct']:.1f}%")
        lines.append(f"- **{ctx.scenario(s)}**: " + ("；" if ctx.lang == "zh" else "; ").join(parts))
    return lines


def _ce_lines(ctx: Context) -> list[str]:
    """The cost-effectiveness table (GDP and fiscal revenue at the key year) and the
    probability of ranking first, with the discount rate, confidence level and what a
    missing ratio means."""
    lang = ctx.lang
    res = ctx.results
    out: list[str] = []
    if res.cost_effectiveness is None:
        return [b("ce_missing", lang)]
    settings = ce_settings(ctx)
    parts = [ce_table(ctx, m) for m in ("gdp_yi", "fiscal_revenue_yi")]
    parts = [p for p in parts if not p.empty]
    table = pd.concat(parts, ignore_index=True).drop_duplicates(["scenario", "metric", "year"]) \
        if parts else pd.DataFrame()
    if table.empty:
        meta = res.summary_meta.get("cost_effectiveness")
        if isinstance(meta, dict) and meta.get("cost_available") is False:
            return [b("ce_no_cost", lang)]
        out.append(b("ce_missing", lang))
    else:
        year = int(table["year"].iloc[0])
        from simxh.analysis import DISCOUNT_RATE_SOURCE, DISCOUNT_RATE_SOURCE_ZH

        source = settings["source"]
        if lang == "zh" and source == DISCOUNT_RATE_SOURCE:
            source = DISCOUNT_RATE_SOURCE_ZH
        if abs(settings["rate"] - 0.08) > 1e-12 and source in (DISCOUNT_RATE_SOURCE,
                                                               DISCOUNT_RATE_SOURCE_ZH):
            source = ("所选折现率；参考：" if lang == "zh" else "rate chosen by the user; "
                      "for reference: ") + source
        out.append(b("ce_text", lang, y0=settings["year"], rate=percent(settings["rate"]),
                     year=year, source=source, pct=ctx.pct))
        rows = []
        for r in table.itertuples():
            label = L.metric_label(r.metric, lang)
            ratio = "–" if pd.isna(r.effect_per_yi) else (
                f"{r.effect_per_yi:.3g} [{_fmt_ratio(r.ci_low)}, {_fmt_ratio(r.ci_high)}]")
            bcr = getattr(r, "benefit_cost_ratio", float("nan"))
            rows.append([f"{label} {r.year}", ctx.scenario(r.scenario), _fmt(r.effect),
                         _fmt(r.cost_yi), ratio, "–" if pd.isna(bcr) else f"{bcr:.3g}",
                         f"{int(r.n)}"])
        out += ["", _md_table([b("outcome", lang), b("scenario", lang), b("ce_effect", lang),
                               b("ce_cost", lang), b("ce_ratio", lang, pct=ctx.pct),
                               b("ce_bcr", lang), b("n", lang)], rows)]
        if table["effect_per_yi"].isna().any():
            out += ["", b("ce_nan", lang)]
        finite = table["effect_per_yi"].notna()
        if (finite & (table["ci_low"].isna() | table["ci_high"].isna())).any():
            out += ["", b("ce_ci_nan", lang)]
    ranks = rank_table(ctx)
    if not ranks.empty:
        first = ranks[ranks["rank"] == 1]
        metrics = list(dict.fromkeys(first["metric"]))
        year = int(first["year"].iloc[0])
        header = [b("scenario", lang)] + [
            b("p_first", lang, metric=L.metric_label(m, lang, unit=False, short=True))
            for m in metrics]
        rows = []
        for scen in ctx.scenarios:
            part = first[first["scenario"] == scen].set_index("metric")["probability"]
            if part.empty:
                continue
            rows.append([ctx.scenario(scen)] + [
                "–" if m not in part or pd.isna(part[m]) else f"{part[m] * 100:.0f}%"
                for m in metrics])
        out += ["", b("rank_text", lang, year=year, n=res.replications), "",
                _md_table(header, rows)]
    return out


REGRET_METRICS = ("gdp_yi", "theil_gdp_per_capita")
"""The outcomes of the brief's regret table (those present in ``summary/regret.csv``)."""


def _regret_lines(ctx: Context) -> list[str]:
    """The paragraph on rank probabilities against regret, and the maximum and 90th-percentile
    regret of each package on GDP and the Theil index in the key year (else the last year of
    ``summary/regret.csv``)."""
    lang = ctx.lang
    table = ctx.results.regret
    if table is None or table.empty or "max_regret" not in table.columns:
        return [b("regret_missing", lang)]
    metrics = [m for m in REGRET_METRICS if m in set(table["metric"])]
    rows = table[table["metric"].isin(metrics) & table["scenario"].isin(ctx.scenarios)]
    if rows.empty:
        return [b("regret_missing", lang)]
    years = sorted(int(y) for y in rows["year"].unique())
    year = ctx.year if ctx.year in years else years[-1]
    rows = rows[rows["year"] == year]
    header = [b("scenario", lang)]
    for m in metrics:
        label = L.metric_label(m, lang, short=True)   # regret is in the metric's units
        header += [b("regret_max", lang, metric=label), b("regret_p90", lang, metric=label)]
    body = []
    for scen in ctx.scenarios:
        part = rows[rows["scenario"] == scen].set_index("metric")
        if part.empty:
            continue
        cells = []
        for m in metrics:
            cells += ["–" if m not in part.index else _fmt(float(part.loc[m, c]))
                      for c in ("max_regret", "p90_regret")]
        body.append([ctx.scenario(scen), *cells])
    return [b("robust_text", lang, year=year, n=int(rows["n"].max())), "",
            _md_table(header, body)]


def _fmt_ratio(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.3g}"


def _drawn_lines(ctx: Context) -> list[str]:
    """One line per per-replication uncertainty of the experiment: its label, distribution and
    range, and its source as the experiment file gives it."""
    lang = ctx.lang
    out = []
    for u in ctx.results.experiment.get("uncertainties") or []:
        if not isinstance(u, dict) or u.get("per") != "replication":
            continue
        key = str(u.get("key", ""))
        label = L.param_label(key, lang)
        dist = str(u.get("distribution", "uniform"))
        zh = lang == "zh"
        if u.get("values") is not None:
            rng = ", ".join(map(str, u["values"]))
        elif dist == "triangular":
            rng = f"{u.get('low'):g}–{u.get('high'):g}" + (
                f"，众数{u.get('mode'):g}" if zh else f", mode {u.get('mode'):g}")
        elif dist == "normal":
            rng = (f"均值{u.get('mean'):g}，标准差{u.get('sd'):g}" if zh
                   else f"mean {u.get('mean'):g}, sd {u.get('sd'):g}")
        else:
            rng = f"{u.get('low'):g}–{u.get('high'):g}"
        dist_text = L.kind_label(L.DISTRIBUTIONS, dist, lang)
        if zh:  # the key is kept in the en brief; the sources (in English) are in the files
            line = f"- {label}：{dist_text} {rng}"
        else:
            line = f"- {label} (`{key}`): {dist_text} {rng}"
            if u.get("source"):
                line += f" — {u['source']}"
        out.append(line)
    return out


# ---------------------------------------------------------------------------- audit section
AUDIT_DIR = "audit"
"""Where the audits of an experiment's scenario configs live: ``DIR/audit/<scenario>/``."""


def audit_dir(directory: str | Path, scenario: str) -> Path:
    """The audit folder of ``scenario`` in the results directory ``directory``."""
    return Path(directory) / AUDIT_DIR / scenario


def scenario_config_files(manifest: Mapping[str, Any], root: str | Path | None = None
                          ) -> dict[str, str | None]:
    """Scenario → the config file it ran (``manifest["configs"][name]["file"]``; None for the
    built-in defaults), found from the results folder ``root`` when given."""
    from simxh.store import manifest_path_on_disk

    table = manifest.get("configs")
    out: dict[str, str | None] = {}
    if isinstance(table, Mapping):
        for name, entry in table.items():
            file = entry.get("file") if isinstance(entry, Mapping) else None
            # stored relative to the experiment file (absolute in older manifests)
            out[str(name)] = (manifest_path_on_disk(str(file), dict(manifest), root) if file
                              else None)
    return out


def read_audit(path: str | Path) -> pd.DataFrame:
    """An ``audit.csv`` (columns group, check, value, low, high, pass, …) with ``pass`` as bool
    and the numbers as floats; ValueError when it is not one."""
    table = pd.read_csv(path)
    missing = [c for c in ("group", "check", "value", "low", "high", "pass") if c not in table]
    if missing:
        raise ValueError("missing column(s) " + ", ".join(missing))
    passed = table["pass"].map(lambda v: str(v).strip().lower())
    if not passed.isin(("true", "false", "1", "0")).all():
        raise ValueError("column pass is not True/False")
    table["pass"] = passed.isin(("true", "1"))
    for col in ("value", "low", "high"):
        table[col] = pd.to_numeric(table[col], errors="coerce")
    return table


def _bound(x: float) -> str:
    if x is None or pd.isna(x):
        return "–"
    if math.isinf(x):
        return "−∞" if x < 0 else "∞"
    return f"{x:.4g}"


def shown_path(file: str | None, lang: str) -> str:
    """A config path as a user would type it: relative to the working folder when inside it."""
    if not file:
        return b("audit_builtin", lang)
    try:
        rel = os.path.relpath(file)
    except ValueError:  # another drive
        return file
    return file if rel.startswith("..") else rel


def audit_lines(directory: str | Path, scenarios: Sequence[str], lang: str, *,
                configs: Mapping[str, str | None] | None = None,
                labels: Mapping[str, str] | None = None,
                overrides: Sequence[str] | set[str] = ()) -> list[str]:
    """The brief's audit section: for each scenario with ``DIR/audit/<scenario>/audit.csv``,
    "passed N of M checks", a link to its ``audit.md`` and one line per failed check (value and
    range); for the others, the command that audits them; when none is audited, says so."""
    configs = configs or {}
    labels = labels or {}
    directory = Path(directory)
    found = [s for s in scenarios if (audit_dir(directory, s) / "audit.csv").is_file()]
    if not found:
        lines = [b("audit_none", lang, dir=shown_path(str(directory), lang)), ""]
        lines += [f"- `{_audit_command(directory, s, configs.get(s))}`" for s in scenarios]
        return lines
    out = [b("audit_text", lang), ""]
    for scen in scenarios:
        head = f"- **{labels.get(scen, scen)}** (`{scen}`, `{shown_path(configs.get(scen), lang)}`)"
        if scen in overrides:
            head += b("audit_overrides", lang)
        sep = "：" if lang == "zh" else ": "
        if scen not in found:
            out.append(head + sep + b("audit_missing", lang,
                                      cmd=_audit_command(directory, scen, configs.get(scen))))
            continue
        csv = audit_dir(directory, scen) / "audit.csv"
        try:
            table = read_audit(csv)
        except (ValueError, OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            out.append(head + sep + b("audit_unreadable", lang,
                                      file=f"{AUDIT_DIR}/{scen}/audit.csv", why=exc))
            continue
        failed = table[~table["pass"]]
        link = f"[audit.md]({AUDIT_DIR}/{scen}/audit.md)"
        verdict = b("audit_passed", lang, n=len(table) - len(failed), m=len(table))
        verdict += f"（{link}）" if lang == "zh" else f" ({link})"
        if failed.empty:
            verdict += ("，" if lang == "zh" else ", ") + b("audit_all", lang)
        else:
            verdict += ("，" if lang == "zh" else "; ") + b("audit_failed", lang)
        out.append(f"{head}{sep}{verdict}")
        for _, r in failed.iterrows():
            detail = r.get("detail")
            detail = "" if detail is None or pd.isna(detail) or not str(detail).strip() \
                else f"; {detail}"
            out.append(f"  - {r['group']}: {r['check']} = {_bound(r['value'])} "
                       f"({b('audit_range', lang)} [{_bound(r['low'])}, {_bound(r['high'])}]"
                       f"{detail})")
    return out


def _audit_command(directory: Path, scenario: str, config: str | None) -> str:
    shown = shown_path(str(directory), "en")
    if config:
        return (f"simxh audit {shown_path(config, 'en')} --out "
                f"{Path(shown) / AUDIT_DIR / scenario}")
    return f"simxh report {shown} --audit {scenario}"

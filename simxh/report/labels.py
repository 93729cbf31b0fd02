"""Chinese and English labels for everything a chart or the brief names.

Metric, unit and scenario-kind labels are tables here; the names of towns, zones, parks and
external places come from the region data files (:class:`NameBook`), so that a user who
corrects a name in the data sees it corrected in the charts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

LANGS = ("zh", "en")


@dataclass(frozen=True)
class MetricLabel:
    """A metric's name and unit in both languages (``unit`` may be empty)."""

    zh: str
    en: str
    unit_zh: str = ""
    unit_en: str = ""
    short_zh: str = ""
    short_en: str = ""

    def name(self, lang: str, short: bool = False) -> str:
        if short:
            text = self.short_zh if lang == "zh" else self.short_en
            if text:
                return text
        return self.zh if lang == "zh" else self.en

    def unit(self, lang: str) -> str:
        return self.unit_zh if lang == "zh" else self.unit_en


# Units: 亿元 = 100 million yuan, 万人 = 10 thousand people.
YI_ZH, YI_EN = "亿元", "100 million yuan"
WAN_ZH, WAN_EN = "万人", "10,000 people"

METRICS: dict[str, MetricLabel] = {
    "gdp_yi": MetricLabel("地区生产总值", "GDP", YI_ZH, YI_EN, "GDP", "GDP"),
    "gdp_nominal_yi": MetricLabel("地区生产总值（现价）", "GDP (current prices)", YI_ZH, YI_EN,
                                  "现价GDP", "nominal GDP"),
    "price_index": MetricLabel("GDP平减指数（基年=1）", "GDP deflator (base year = 1)", "", ""),
    "outside_growth_pct": MetricLabel("外部经济实际增速", "Outside real growth", "%", "%"),
    "gdp_primary_yi": MetricLabel("第一产业增加值", "Primary-sector GDP", YI_ZH, YI_EN),
    "gdp_secondary_yi": MetricLabel("第二产业增加值", "Secondary-sector GDP", YI_ZH, YI_EN),
    "gdp_tertiary_yi": MetricLabel("第三产业增加值", "Tertiary-sector GDP", YI_ZH, YI_EN),
    "industrial_output_yi": MetricLabel("规上工业总产值", "Industrial output (above scale)",
                                        YI_ZH, YI_EN, "规上工业产值", "Industrial output"),
    "fiscal_revenue_yi": MetricLabel("一般公共预算收入", "Fiscal revenue", YI_ZH, YI_EN,
                                     "财政收入", "Fiscal revenue"),
    "employment_wan": MetricLabel("从业人员", "Employment", WAN_ZH, WAN_EN, "就业", "Employment"),
    "population_wan": MetricLabel("常住人口", "Resident population", WAN_ZH, WAN_EN,
                                  "人口", "Population"),
    "firms": MetricLabel("企业数", "Firms", "家", "firms"),
    "firms_above_scale": MetricLabel("规上企业数", "Firms above designated size", "家", "firms"),
    "hightech_firms": MetricLabel("高新技术企业", "High-tech firms", "家", "firms",
                                  "高企", "High-tech firms"),
    "little_giants": MetricLabel("专精特新“小巨人”企业", "“Little giant” firms", "家", "firms",
                                 "小巨人", "Little giants"),
    "firms_output_over_10yi": MetricLabel("产值超10亿元企业", "Firms with output > 1 billion yuan",
                                          "家", "firms", "超10亿企业", "Firms > 1 bn yuan"),
    "investment_introduced_yi": MetricLabel("招商引资项目投资额", "Investment introduced",
                                            YI_ZH, YI_EN, "招商引资", "Investment introduced"),
    "infrastructure_spend_yi": MetricLabel("基础设施投资", "Infrastructure spending",
                                           YI_ZH, YI_EN),
    "gdp_per_capita_yuan": MetricLabel("人均地区生产总值", "GDP per capita", "元", "yuan",
                                       "人均GDP", "GDP per capita"),
    "theil_gdp_per_capita": MetricLabel("镇街人均GDP泰尔指数", "Theil index of town GDP per capita",
                                        "", "", "泰尔指数", "Theil index"),
    "gini_gdp_per_capita": MetricLabel("镇街人均GDP基尼系数", "Gini of town GDP per capita",
                                       "", "", "基尼系数", "Gini"),
    "weakest_town_growth_pct": MetricLabel("最弱镇街GDP增速", "Weakest town's GDP growth", "%", "%",
                                           "最弱镇增速", "Weakest-town growth"),
    "gdp_growth_pct": MetricLabel("GDP增速", "GDP growth", "%", "%"),
    "tech_renovation_firms": MetricLabel("技术改造企业", "Firms in technology renovation",
                                         "家", "firms", "技改企业", "Tech renovation"),
    "towns_fiscal_over_5yi_share": MetricLabel("财政收入超5亿元镇街占比",
                                               "Share of towns with fiscal revenue > 500 m yuan",
                                               "%", "%"),
    "beautiful_village_share": MetricLabel("美丽乡村达标村占比", "Villages at beautiful-village standard",
                                           "%", "%"),
    "demo_villages": MetricLabel("美丽乡村示范村", "Beautiful-village demonstration villages",
                                 "个", "villages"),
    "villages_collective_over_2000wan": MetricLabel("集体经营性收入超2000万元村",
                                                    "Villages with collective income > 20 million yuan",
                                                    "个", "villages"),
    "village_collective_income_yi": MetricLabel("村集体收入", "Village collective income",
                                                YI_ZH, YI_EN),
    "villages_over_100wan": MetricLabel("集体收入超100万元村", "Villages with income > 1 million yuan",
                                        "个", "villages"),
    "village_income_p10_wan": MetricLabel("村集体收入第10百分位", "Village income, 10th percentile",
                                          "万元", "10k yuan"),
    "village_income_median_wan": MetricLabel("村集体收入中位数", "Village income, median",
                                             "万元", "10k yuan"),
    "village_income_p90_wan": MetricLabel("村集体收入第90百分位", "Village income, 90th percentile",
                                          "万元", "10k yuan"),
    "urban_rural_income_ratio": MetricLabel("城乡居民收入比", "Urban–rural income ratio", "", ""),
    "village_standard_below_share": MetricLabel("未达美丽乡村标准村占比",
                                                "Villages below the beautiful standard", "%", "%"),
    "village_standard_beautiful_share": MetricLabel("美丽乡村标准村占比",
                                                    "Villages at the beautiful standard", "%", "%"),
    "village_standard_demo_share": MetricLabel("示范村标准村占比",
                                               "Villages at the demonstration standard", "%", "%"),
    "rural_spend_yi": MetricLabel("乡村振兴支出", "Rural programme spending", YI_ZH, YI_EN),
    "citrus_area_mu": MetricLabel("新会柑种植面积", "Xinhui citrus orchards", "亩", "mu"),
    "farmland_mu": MetricLabel("耕地", "Farmland", "亩", "mu"),
    "land_quota_rural_mu": MetricLabel("乡村用地指标", "Quota land to rural programmes", "亩", "mu"),
    "land_quota_industrial_mu": MetricLabel("工业用地指标", "Quota land to industry", "亩", "mu"),
    "chenpi_price_index": MetricLabel("陈皮价格指数", "Chenpi (aged peel) price index", "", ""),
    "chenpi_stock_value_yi": MetricLabel("陈皮存量价值", "Chenpi ageing stock value", YI_ZH, YI_EN),
    "chenpi_value_added_yi": MetricLabel("陈皮产业增加值", "Chenpi chain value added", YI_ZH, YI_EN),
    "lever_spend_yi": MetricLabel("政策实际支出", "Lever money paid", YI_ZH, YI_EN,
                                  "政策支出", "Lever money"),
    "mean_access_min": MetricLabel("平均通达时间", "Mean travel time to markets", "分钟", "min"),
    "accessibility": MetricLabel("可达性", "Accessibility", "", ""),
}

# THE label catalogue: scenario kinds, their descriptions and parameter labels in Chinese and
# English, read by the brief, the charts, the tables and the dashboard (one place, so that the
# names cannot drift apart). Scenario names are free text in experiment files; these are the
# kinds the shipped experiments use. A name that contains a kind's key gets that kind's label.
# 结对帮扶 is the model's pairing lever (strong → weak town pairs); the plan's 组团帮扶 (district
# bodies helping weak towns and villages) is the vertical half of the same mechanism.
SCENARIO_KINDS: dict[str, tuple[str, str]] = {
    "baseline": ("基准情景", "Baseline"),
    "reference": ("参照情景", "Reference"),
    "integration": ("区镇一体、园镇融合", "Town–park integration"),
    "pairing": ("结对帮扶", "Pairing assistance"),
    "infrastructure": ("基础设施建设", "Infrastructure"),
    "attraction": ("招商引资", "Investment attraction"),
    "renovation": ("技术改造", "Technology renovation"),
    "tech_renovation": ("技术改造", "Technology renovation"),
    "innovation": ("创新与人才", "Innovation and talent"),
    "xintai": ("新台合作", "Xinhui–Taishan cooperation"),
    "rural": ("乡村振兴", "Rural programmes"),
    "rural_beautiful": ("美丽乡村提升", "Beautiful-village upgrades"),
    "rural_demo": ("美丽乡村示范村", "Demonstration villages"),
    "rural_hollow": ("空心村整治", "Hollow-village renewal"),
    "rural_enterprise": ("强村公司", "Village collective enterprises"),
    "rural_tourism": ("乡村旅游与民宿", "Rural tourism and homestays"),
    "rural_service_circle": ("十分钟服务圈", "The 10-minute service circle"),
    "rural_package": ("乡村振兴组合", "Rural package"),
    "combined": ("政策组合", "Combined package"),
    "all": ("全部政策", "All levers"),
    "quick": ("快速试算", "Quick"),
}

SCENARIO_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "baseline": ("2023年校准，无新增政策", "2023 calibration, no new policy"),
    "integration": ("每个发展区统一招商、统筹用地、共享税收、加快审批",
                    "town–park integration: one attraction pipeline per zone, pooled land, "
                    "revenue sharing, faster approval"),
    "pairing": ("强镇与弱镇结对，资金、能力帮扶与项目推介",
                "pairing assistance: strong → weak town pairs with transfers, capacity and "
                "project referral"),
    "infrastructure": ("在年度预算内建设交通项目组合（国道G240、深江/珠肇铁路站点、园区组团环线、高速公路连接线）",
                       "the transport portfolio within the yearly budget (G240, 深江/珠肇 "
                       "stations, ring roads, expressway links)"),
    "attraction": ("招商引资力度提高一个单位", "investment-attraction effort raised by one unit"),
    "tech_renovation": ("技术改造支持：每年100家企业", "technology-renovation support: 100 firms "
                        "a year"),
    "combined": ("全部政策同时实施（允许在限额内举债）",
                 "all levers together (with debt allowed up to the configured limit)"),
    "rural_beautiful": ("美丽乡村提升，每年0.5亿元", "beautiful-village upgrades, 0.5亿 a year"),
    "rural_demo": ("美丽乡村示范村，每年1.5亿元用于22个入选村",
                   "demonstration villages, 1.5亿 a year for the 22 selected"),
    "rural_hollow": ("空心村整治，每年0.5亿元", "hollow-village renewal, 0.5亿 a year"),
    "rural_enterprise": ("村集体强村公司，每年2亿元", "village collective enterprises, 2亿 a year"),
    "rural_tourism": ("乡村旅游与民宿，每年1亿元", "rural tourism and homestays, 1亿 a year"),
    "rural_service_circle": ("十分钟服务圈，每年0.5亿元", "the 10-minute service circle, 0.5亿 a year"),
    "rural_package": ("六项乡村振兴措施同时实施", "all six rural programmes together"),
}

TRANSPORT_MODES: dict[str, tuple[str, str]] = {
    "road": ("公路", "road"),
    "national_road": ("国道", "national road"),
    "expressway": ("高速公路", "expressway"),
    "rail": ("铁路", "rail"),
    "intercity": ("城际铁路", "intercity rail"),
    "ferry": ("水路", "ferry"),
    "bridge": ("桥梁", "bridge"),
}

COOPERATION_KINDS: dict[str, tuple[str, str]] = {
    "zone": ("一体化发展区", "same zone"),
    "town_park": ("园镇融合", "town–park"),
    "xintai": ("新台合作", "Xinhui–Taishan"),
    "shenjiang": ("深江合作", "Shenzhen–Jiangmen"),
    "pairing": ("结对帮扶", "pairing"),
}

NODE_KINDS: dict[str, tuple[str, str]] = {
    "town": ("镇街", "town"),
    "park": ("产业园区", "industrial park"),
    "external": ("区外市场", "outside market"),
    "project": ("基础设施项目", "infrastructure project"),
}

# Config keys that experiments vary, the levers and what the dashboard shows (others are shown
# as their key). tests/test_labels.py checks that every key the shipped experiments and the
# dashboard use has a label here.
PARAMETERS: dict[str, tuple[str, str]] = {
    # the levers (switches in the dashboard)
    "integration.enabled": ("区镇一体、园镇融合", "Town–park integration"),
    "pairing.enabled": ("结对帮扶", "Pairing assistance"),
    "infrastructure.enabled": ("基础设施项目", "Infrastructure projects"),
    "tech_renovation.enabled": ("技术改造支持", "Technology renovation support"),
    "attraction.effort": ("招商力度（0 = 2023年水平）", "Attraction effort (0 = 2023 level)"),
    "infrastructure.project_ids": ("建设的基础设施项目", "infrastructure projects built"),
    "run.end_year": ("模拟结束年份", "last simulated year"),
    # firms and production
    "firms.shock_scale": ("企业产出冲击幅度", "firm output shock scale"),
    "firms.tfp_frontier_share": ("全要素生产率对前沿增长的份额", "TFP share of frontier growth"),
    "firms.reinvestment_share": ("企业利润再投资比例", "reinvestment share"),
    "firms.renovation_gain": ("技改生产率增益", "renovation TFP gain"),
    "firms.renovation_certification_bonus": ("技改对高企认定的加成", "renovation certification "
                                             "bonus"),
    "labour.migration_speed": ("劳动力迁移速度", "labour migration speed"),
    "production.public_capital_elasticity": ("公共资本产出弹性", "public-capital elasticity"),
    "production.agglomeration_elasticity": ("集聚经济弹性", "agglomeration elasticity"),
    "production.access_elasticity": ("市场可达性产出弹性", "market-access elasticity"),
    "production.access_competition": ("可达市场的竞争指数", "market-access competition"),
    "access.distance_decay": ("距离衰减系数", "distance decay"),
    "economy.services_distance_decay": ("服务消费距离衰减指数", "services distance decay"),
    "economy.services_mobile_share": ("可跨镇消费的服务支出比例", "mobile share of services "
                                      "spending"),
    # attraction and the cooperation levers
    "attraction.projects_per_year": ("每年引进项目数", "projects attracted a year"),
    "attraction.effort_elasticity": ("招商力度弹性", "attraction-effort elasticity"),
    "attraction.competition_subsidy_share": ("镇街竞争招商的让利比例", "competition subsidy share"),
    "attraction.nest_dissimilarity": ("嵌套logit相异参数", "nest dissimilarity"),
    "fiscal.local_multiplier": ("地方财政乘数", "local fiscal multiplier"),
    "macro.shock_multiplier": ("宏观冲击幅度倍数", "macro shock scale"),
    "estimation.posterior_sampling": ("后验抽样方式", "posterior sampling"),
    "tech_renovation.subsidy_share": ("技改补贴比例", "renovation subsidy share"),
    "tech_renovation.firms_per_year": ("每年技改企业数", "renovated firms a year"),
    "infrastructure.budget_yi_per_year": ("基础设施年度预算", "infrastructure budget a year"),
    "pairing.transfer_yi": ("每对帮扶资金", "pairing money per pair"),
    "fiscal.debt_limit_yi": ("债务上限", "debt limit"),
    "integration.pipeline_gain": ("一体化招商增量", "integration pipeline gain"),
    "integration.renewal_bonus": ("一体化工改提速", "integration renewal bonus"),
    "pairing.capacity_utility": ("帮扶能力效用", "pairing capacity utility"),
    "pairing.enclave_share": ("飞地项目比例", "enclave share"),
    # villages
    "rural.enterprise_return": ("强村公司资本收益率", "enterprise return"),
    "rural.tourism_return": ("乡村旅游资本收益率", "tourism return"),
    "chenpi.price_shock_sd": ("陈皮价格年度冲击标准差", "chenpi price shock s.d."),
    "villages.own_facility_share": ("村集体收入用于自建设施的比例", "own-facility share"),
}

# The distributions of an uncertainty (experiment files' ``distribution``).
DISTRIBUTIONS: dict[str, tuple[str, str]] = {
    "uniform": ("均匀分布", "uniform"), "loguniform": ("对数均匀分布", "log-uniform"),
    "normal": ("正态分布", "normal"), "triangular": ("三角分布", "triangular"),
}

SENSITIVITY_INDICES: dict[str, tuple[str, str]] = {
    "ST": ("总效应指数 ST", "total-order index ST"),
    "S1": ("一阶指数 S1", "first-order index S1"),
    "mu_star": ("Morris μ*（平均绝对基本效应）", "Morris μ* (mean |elementary effect|)"),
    "sigma": ("Morris σ（非线性/交互）", "Morris σ (non-linearity, interactions)"),
    "rho": ("Spearman秩相关 ρ", "Spearman rank correlation ρ"),
}
SENSITIVITY_METHODS: dict[str, tuple[str, str]] = {
    "sobol": ("Sobol", "Sobol"), "morris": ("Morris", "Morris"),
    "spearman": ("秩相关", "rank correlation"),
}

COMPARATORS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "=": "="}

# Units as written in the targets data file (either language) → (zh, en).
UNITS: dict[str, tuple[str, str]] = {
    "yi": (YI_ZH, YI_EN), "亿元": (YI_ZH, YI_EN), "yi_yuan": (YI_ZH, YI_EN),
    "yi_per_year": ("亿元/年", "100 million yuan a year"),
    "wan": (WAN_ZH, WAN_EN), "万人": (WAN_ZH, WAN_EN),
    "pct": ("%", "%"), "%": ("%", "%"), "share": ("", ""),
    "firms": ("家", "firms"), "firms_per_year": ("家/年", "firms a year"), "家": ("家", "firms"),
    "villages": ("个", "villages"), "个": ("个", ""), "count": ("", ""),
    "towns": ("个", "towns"),
}

TEXT: dict[str, tuple[str, str]] = {
    # figure titles
    "fan_title": ("地区生产总值情景预测", "District GDP by scenario"),
    "paired_title": ("与参照情景的配对差异", "Paired differences from the reference scenario"),
    "village_income_title": ("{year}年各镇街村集体收入分布（各村及重复模拟的分位数）",
                             "Village collective income by town, {year} (quantiles over villages "
                             "and replications)"),
    "village_targets_title": ("乡村振兴目标：美丽乡村、示范村、集体收入超2000万元村",
                              "Village targets: beautiful villages, demonstration villages, "
                              "villages over 20 million yuan"),
    "towns_title": ("各镇街GDP走势（按一体化发展区分组）", "Town GDP by scenario, grouped by zone"),
    "map_title": ("镇街、园区与交通网络", "Towns, parks and the transport network"),
    "scorecard_title": ("规划目标达成概率", "Probability of meeting the plan's targets"),
    "equity_title": ("区域协调发展：镇街差距", "Regional balance between towns"),
    "sensitivity_title": ("参数敏感性", "Parameter sensitivity"),
    "rank_title": ("情景排名概率", "Probability of each ranking"),
    "ce_title": ("成本与效果", "Cost and effect"),
    "rank_n": ("第{k}名", "rank {k}"),
    "probability_axis": ("概率", "probability"),
    "cost_axis": ("政策实际支出（折现，亿元）", "lever money paid (discounted, 100 million yuan)"),
    "effect_axis": ("{metric}差异", "{metric} difference"),
    "discounted": ("按年{rate}折现至{year}年", "discounted at {rate} a year to {year}"),
    "per_yi": ("每亿元", "per 100 million yuan"),
    "no_net_cost": ("无净成本：比值无定义", "no net cost: ratio undefined"),
    "better_lower": ("越低越好", "lower is better"),
    "better_higher": ("越高越好", "higher is better"),
    # axes and legends
    "year": ("年份", "Year"),
    "median": ("中位数", "median"),
    "band50": ("50%区间", "50% band"),
    "band90": ("90%区间", "90% band"),
    "plan_path": ("年均增长8%路径", "8% a year path"),
    "target": ("2033年目标", "2033 target"),
    "reference_median": ("参照情景中位数", "reference median"),
    "difference": ("差异", "difference"),
    "vs": ("对比", "vs"),
    "ci": ("{pct}置信区间", "{pct} confidence interval"),
    "wilson": ("格内小字为{pct} Wilson置信区间", "small print: {pct} Wilson interval"),
    "probability": ("达成概率", "probability of meeting"),
    "implied_growth": ("隐含年增速", "implied growth"),
    "zone": ("发展区", "zone"),
    "zone_background": ("底色：一体化发展区", "background: zone"),
    "pp": ("百分点", "percentage points"),
    "not_scored": ("未评分（模型无此输出）", "not scored (no such model output)"),
    "needs_growth": ("需年均增长{g:.1f}%", "needs {g:.1f}% a year"),
    "met_at_base": ("基年已达到", "met in the base year"),
    "scenario": ("情景", "scenario"),
    "parameter": ("参数", "parameter"),
    "index": ("指数", "index"),
    "size_by_gdp": ("圆面积表示GDP", "circle area ∝ GDP"),
    "projects": ("情景中的基础设施项目", "infrastructure projects of the scenario"),
    "transport": ("交通", "transport"),
    "cooperation": ("协作关系", "cooperation"),
    "longitude": ("经度", "longitude"),
    "latitude": ("纬度", "latitude"),
    "km": ("公里", "km"),
    # notes line pieces
    "notes_source": ("资料来源：simxh模拟", "Source: simxh simulation"),
    "notes_reps": ("每情景{n}次重复", "{n} replications per scenario"),
    "notes_assumed": ("{n}/{m}项输入为假设值", "{n} of {m} inputs assumed"),
    "notes_real": ("2023年不变价", "real 2023 prices"),
    "notes_pooled": ("合并{k}个设计点", "pooled over {k} design points"),
}


def text(key: str, lang: str, **fmt: Any) -> str:
    """A UI string in ``lang`` (zh or en), formatted with ``fmt``."""
    zh, en = TEXT[key]
    out = zh if lang == "zh" else en
    return out.format(**fmt) if fmt else out


def metric_label(metric: str, lang: str, *, unit: bool = True, short: bool = False) -> str:
    """'地区生产总值（亿元）' / 'GDP (100 million yuan)'; unknown metrics keep their id."""
    label = METRICS.get(metric)
    if label is None:
        return metric
    name = label.name(lang, short=short)
    u = label.unit(lang)
    if not unit or not u:
        return name
    return f"{name}（{u}）" if lang == "zh" else f"{name} ({u})"


def metric_unit(metric: str, lang: str) -> str:
    label = METRICS.get(metric)
    return label.unit(lang) if label else ""


def scenario_label(name: str, lang: str, info: Mapping[str, Any] | None = None) -> str:
    """A scenario's display name: the experiment's own label if it has one
    (``label_zh``/``label_en``), else the label of the kind its name matches, else the name."""
    if info:
        own = info.get(f"label_{lang}") or (info.get("label") if lang == "en" else None)
        if own:
            return str(own)
    key = name.lower()
    if key in SCENARIO_KINDS:
        return SCENARIO_KINDS[key][0 if lang == "zh" else 1]
    parts = [k for k in SCENARIO_KINDS if k in key and k not in ("all", "reference")]
    if len(parts) == 1 and key.replace(parts[0], "").strip("_-") in ("", "only", "alone", "lever"):
        return SCENARIO_KINDS[parts[0]][0 if lang == "zh" else 1]
    if len(parts) > 1:
        sep = "+" if lang == "zh" else " + "
        return sep.join(SCENARIO_KINDS[p][0 if lang == "zh" else 1] for p in parts)
    return name


def scenario_description(name: str, lang: str, info: Mapping[str, Any] | None = None) -> str:
    """A scenario's description in ``lang``: the experiment file's own (``description_zh`` for
    Chinese, ``description`` for English), else the catalogue's for its kind, else "" (a zh
    brief never shows an English-only description)."""
    info = info or {}
    own = str(info.get("description_zh" if lang == "zh" else "description", "") or "")
    if lang == "en" and not own:
        own = str(info.get("description_en", "") or "")
    if own:
        return own
    pair = SCENARIO_DESCRIPTIONS.get(name.lower())
    if pair is not None:
        return pair[0 if lang == "zh" else 1]
    plain = str(info.get("description", "") or "")
    return plain if lang == "en" or is_chinese(plain) else ""


def param_label(key: str, lang: str) -> str:
    """A config key's label ('企业利润再投资比例' / 'reinvestment share'); unknown keys stay
    as they are."""
    pair = PARAMETERS.get(str(key))
    return str(key) if pair is None else pair[0 if lang == "zh" else 1]


def value_label(value: Any, lang: str) -> str:
    """An override's value as a reader sees it: booleans as 开启/关闭 (on/off), lists counted."""
    if isinstance(value, bool):
        return ("开启" if value else "关闭") if lang == "zh" else ("on" if value else "off")
    if isinstance(value, list | tuple):
        if lang == "zh":
            return f"{len(value)}项" if value else "全部"
        return f"{len(value)} item(s)" if value else "all"
    return format_number(value) if isinstance(value, int | float) else str(value)


_TOWN_NAMES: dict[str, tuple[str, str]] = {}


def town_names() -> dict[str, tuple[str, str]]:
    """Town id → (Chinese, English) name, from the packaged ``towns.csv`` (read once)."""
    if not _TOWN_NAMES:
        import csv
        from pathlib import Path

        path = Path(__file__).resolve().parent.parent / "data" / "towns.csv"
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                _TOWN_NAMES[row["id"]] = (row.get("name_zh") or row["id"],
                                          row.get("name_en") or _humanize(row["id"]))
    return _TOWN_NAMES


def town_label(ident: str, lang: str) -> str:
    """A town's name ('会城街道' / 'Huicheng Subdistrict'); unknown ids stay as they are."""
    pair = town_names().get(str(ident))
    return str(ident) if pair is None else pair[0 if lang == "zh" else 1]


def with_town_zh(table: Any, column: str = "town") -> Any:
    """``table`` (a DataFrame) with a ``town_zh`` column of Chinese town names right after its
    ``town`` id column (ids kept; a table without the column is returned unchanged)."""
    if column not in getattr(table, "columns", ()) or "town_zh" in table.columns:
        return table
    out = table.copy()
    names = {t: town_label(t, "zh") for t in out[column].dropna().unique()}
    out.insert(list(out.columns).index(column) + 1, "town_zh", out[column].map(names))
    return out


_ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")


def is_chinese(text: str) -> bool:
    """Whether ``text`` reads as Chinese: it has Chinese characters and no English phrase of
    three words or more (so '区镇一体 in every zone' is not Chinese)."""
    text = str(text)
    return any("\u4e00" <= ch <= "\u9fff" for ch in text) and not _ENGLISH_PHRASE.search(text)


def kind_label(table: Mapping[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key.replace("_", " ")
    return pair[0 if lang == "zh" else 1]


def unit_label(unit: str, lang: str) -> str:
    pair = UNITS.get(str(unit))
    if pair is None:
        return str(unit)
    return pair[0 if lang == "zh" else 1]


def format_number(value: float) -> str:
    """Compact: 3300 → '3300', 0.5 → '0.5', 620.0 → '620', 3022.2 → '3022'."""
    if value != value:  # NaN
        return "–"
    if abs(value - round(value)) < 1e-9 or abs(value) >= 100:
        return f"{round(value):d}"
    return f"{value:.3g}"


def _humanize(ident: str) -> str:
    return ident.replace("_", " ").title()


@dataclass
class NameBook:
    """Names of towns, zones, parks and external places, from the region data files.

    Falls back to the id (title-cased in English) where a table or a name column is missing,
    so a report still renders when the data files lag behind the results.
    """

    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    town_zone: dict[str, str] = field(default_factory=dict)
    zones: list[str] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)
    target_rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Any | None) -> NameBook:
        book = cls()
        if data is None:
            return book
        for attr in ("zones", "towns", "parks", "external", "sectors"):
            table = getattr(data, attr, None)
            if table is None:
                continue
            for ident, row in table.iterrows():
                zh = _first(row, ("name_zh", "name_cn", "zh", "name"))
                en = _first(row, ("name_en", "en", "english"))
                book.names[str(ident)] = (zh or en or _humanize(str(ident)),
                                          en or _humanize(str(ident)))
        towns = getattr(data, "towns", None)
        if towns is not None:
            book.towns = [str(t) for t in towns.index]
            if "zone" in towns.columns:
                book.town_zone = {str(t): str(z) for t, z in towns["zone"].items()}
        zones = getattr(data, "zones", None)
        if zones is not None:
            book.zones = [str(z) for z in zones.index]
        targets = getattr(data, "targets", None)
        if targets is not None:
            book.target_rows = {str(i): dict(row) for i, row in targets.iterrows()}
        return book

    def name(self, ident: str, lang: str) -> str:
        pair = self.names.get(str(ident))
        if pair is None:
            return _humanize(str(ident)) if lang == "en" else str(ident)
        return pair[0 if lang == "zh" else 1]

    def short_name(self, ident: str, lang: str) -> str:
        """The name without 'Town'/'Subdistrict' or a parenthesis (for panel titles)."""
        name = self.name(ident, lang)
        if lang == "en":
            name = re.sub(r"\s*\(.*?\)", "", name)
            name = re.sub(r"\s+(Town|Subdistrict)$", "", name)
        return name.strip()

    def target_label(self, target: str, lang: str, row: Mapping[str, Any] | None = None,
                     *, short: bool = False) -> str:
        """The target's name from the targets table (``name_zh``/``name_en``), or with
        ``short`` a compact 'GDP ≥3300亿元（2033）' built from its metric, value and year."""
        row = dict(row or self.target_rows.get(str(target), {}))
        own = row.get(f"label_{lang}") or row.get(f"name_{lang}")
        metric = row.get("metric")
        if own and (not short or str(metric) not in METRICS):
            return str(own)
        if not metric:
            return _humanize(str(target)) if lang == "en" else str(target)
        name = metric_label(str(metric), lang, unit=False, short=True)
        comp = COMPARATORS.get(str(row.get("comparator", "")), str(row.get("comparator", "")))
        value = row.get("value")
        raw_unit = str(row.get("unit", "") or "")
        unit = unit_label(raw_unit, lang)
        number = float(value) if _is_number(value) else None
        if raw_unit.startswith("share") and number is not None:
            number, unit = number * 100, "%"
        value_text = format_number(number) if number is not None else ""
        if unit in ("%",):
            value_text += "%"
        elif unit:
            value_text += unit if lang == "zh" else f" {unit.strip()}"
        year = row.get("year")
        year_text = f"{int(year)}" if _is_number(year) else ""
        end = row.get("year_end")
        if _is_number(end) and _is_number(year) and int(end) != int(year):
            year_text = f"{int(year)}–{int(end)}"
        label = f"{name} {comp}{value_text}".strip()
        return f"{label}（{year_text}）" if lang == "zh" and year_text else (
            f"{label} ({year_text})" if year_text else label)


def _is_number(value: Any) -> TypeGuard[float | str]:
    try:
        return value is not None and float(value) == float(value)
    except (TypeError, ValueError):
        return False


def _first(row: Any, keys: tuple[str, ...]) -> str:
    for key in keys:
        if key in row.index:
            value = row[key]
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""

"""The label catalogue (simxh.report.labels) and the zh brief that reads it: one place for
scenario names, descriptions and parameter labels, and a Chinese brief with no English
sentences or raw config keys."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from test_report_fixtures import make_results

from simxh.report import labels as L

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = sorted(p for p in (ROOT / "experiments").glob("*.toml")
                     if "experiment" in tomllib.loads(p.read_text(encoding="utf-8")))
"""The experiment files (experiments/search.toml is a search file: simxh search)."""
KEY = re.compile(r"(?<![\w/.-])[a-z_]+\.[a-z_]+(?![\w/])")
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")


def _plain_text(markdown: str) -> str:
    """The brief's prose: without image/link targets, commands and file paths in code spans."""
    text = re.sub(r"\]\([^)]*\)", "]", markdown)
    text = re.sub(r"`(simxh [^`]*|[^`]*/[^`]*)`", "", text)
    return re.sub(r"\S*/\S*", "", text)


@pytest.mark.slow  # imports the model (2 s)
def test_every_key_the_shipped_experiments_vary_has_both_labels():
    from simxh.model import LEVER_KEYWORDS

    keys = set(LEVER_KEYWORDS.values())
    for path in EXPERIMENTS:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        keys |= {u["key"] for u in data.get("uncertainties", [])}
        for scen in data.get("scenarios", []):
            keys |= set(scen.get("set", {}))
    missing = sorted(k for k in keys if k not in L.PARAMETERS)
    assert missing == []
    for key in keys:
        assert L.is_chinese(L.param_label(key, "zh")), key
        assert L.param_label(key, "en") != key


def test_every_shipped_scenario_has_a_chinese_name_and_description():
    for path in EXPERIMENTS:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert L.is_chinese(data["experiment"].get("description_zh", "")), path.name
        for scen in data.get("scenarios", []):
            name = scen["name"]
            assert L.is_chinese(L.scenario_label(name, "zh", scen)), (path.name, name)
            desc = L.scenario_description(name, "zh", scen)
            assert L.is_chinese(desc), (path.name, name, desc)
            if scen.get("description"):
                assert L.scenario_description(name, "en", scen) == scen["description"], name


def test_one_term_for_pairing_in_the_report_and_the_dashboard():
    from simxh.dashboard import t

    assert L.scenario_label("pairing", "zh") == "结对帮扶"
    assert L.param_label("pairing.enabled", "zh") == "结对帮扶"
    assert L.kind_label(L.COOPERATION_KINDS, "pairing", "zh") == "结对帮扶"
    assert t("pairing", "zh") == "结对帮扶"
    for lever, key in (("integration", "integration.enabled"),
                       ("attraction_effort", "attraction.effort")):
        for lang in L.LANGS:
            assert t(lever, lang) == L.param_label(key, lang)


def test_scenario_description_prefers_the_files_zh_then_the_catalogue():
    assert L.scenario_description("integration", "zh", {"description_zh": "自己的"}) == "自己的"
    assert L.scenario_description("integration", "zh", {"description": "own words"}) == \
        L.SCENARIO_DESCRIPTIONS["integration"][0]
    assert L.scenario_description("my_package", "zh", {"description": "own words here"}) == ""
    assert L.scenario_description("my_package", "zh", {"description": "自己的说明"}) == "自己的说明"
    assert L.scenario_description("my_package", "en", {"description": "own words"}) == "own words"


def test_town_labels_come_from_the_towns_file():
    import pandas as pd

    assert L.town_label("huicheng", "zh") == "会城街道"
    assert L.town_label("huicheng", "en") == "Huicheng Subdistrict"
    assert L.town_label("nowhere", "zh") == "nowhere"
    table = L.with_town_zh(pd.DataFrame({"scenario": ["a", "a"], "town": ["daze", "yamen"],
                                         "gdp_yi": [1.0, 2.0]}))
    assert list(table.columns) == ["scenario", "town", "town_zh", "gdp_yi"]
    assert list(table["town_zh"]) == ["大泽镇", "崖门镇"]


@pytest.mark.slow  # region data and the brief (5–9 s on two busy cores)
def test_zh_brief_has_no_english_sentences_or_raw_keys(tmp_path):
    """The zh brief of a results folder whose experiment has English descriptions, overrides
    (infrastructure.*) and per-replication uncertainties (with English sources)."""
    import json

    from simxh.report import prepare
    from simxh.report.brief import write_brief

    root = make_results(tmp_path / "exp", replications=3, end_year=2030)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    spec = manifest["experiment"]["spec"]
    spec["uncertainties"] = [
        {"key": "pairing.capacity_utility", "low": 0.0, "high": 0.3, "per": "replication",
         "source": "Criscuolo et al. 2019 (0.1 per 10 pp subsidy); upper assumed"},
        {"key": "production.access_elasticity", "distribution": "triangular", "low": 0.0,
         "mode": 0.08, "high": 0.15, "per": "replication", "source": "assumed (no estimate)"}]
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    ctx, prov = prepare(root, lang="zh")
    assert ctx.lang == "zh"
    text = write_brief(ctx, [], ["png"], prov, root / "brief.md").read_text(encoding="utf-8")
    prose = _plain_text(text)
    assert KEY.findall(prose) == []
    assert ENGLISH.findall(prose) == []
    assert "基础设施项目：开启" in text and "帮扶能力效用：均匀分布 0–0.3" in text
    # the English brief keeps the keys and the sources
    ctx_en, _ = prepare(root, lang="en")
    en = write_brief(ctx_en, [], ["png"], prov, tmp_path / "brief_en.md").read_text("utf-8")
    assert "`infrastructure.enabled=True`" in en and "Criscuolo et al. 2019" in en


@pytest.mark.parametrize("markdown, found", [
    ("- **组合** (`combined`)：`infrastructure.enabled=True`", ["infrastructure.enabled"]),
    ("见 `simxh audit configs/a.toml` 与 ![图](figures/fan_chart.png)", []),
])
def test_the_key_scan_itself(markdown, found):
    assert KEY.findall(_plain_text(markdown)) == found


@pytest.mark.slow  # imports matplotlib
def test_use_cjk_font_draws_chinese_without_missing_glyphs(tmp_path):
    import warnings

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from simxh.report import use_cjk_font
    from simxh.report.theme import VENDORED_FAMILY

    with plt.rc_context():
        assert use_cjk_font()[0] == VENDORED_FAMILY
        fig, ax = plt.subplots()
        ax.set_ylabel("GDP（亿元）")
        ax.set_title(L.town_label("huicheng", "zh"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(tmp_path / "x.png")
        plt.close(fig)
    assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []


LEVER_KINDS = ("integration", "pairing", "infrastructure", "attraction", "tech_renovation")


def test_each_levers_chinese_name_lives_in_one_source_file():
    """Issue 21: a lever's Chinese name is written once, in the label catalogue; every other
    module names the lever in English (a docstring that spelt it again drifted: 组团帮扶)."""
    root = Path(L.__file__).resolve().parents[1]
    sources = {p: p.read_text(encoding="utf-8") for p in root.rglob("*.py")}
    for kind in LEVER_KINDS:
        zh = L.SCENARIO_KINDS[kind][0]
        names = [n for n in re.split(r"[、，,]", zh) if n]
        for name in names:
            holders = sorted(str(p.relative_to(root)) for p, text in sources.items()
                             if name in text)
            assert holders == ["report/labels.py"], (name, holders)

"""The world outside: macro.csv, its AR(1) shocks, and one run's macro path."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simxh.datafiles import default_data_dir, load_region_data
from simxh.economics.macro import ar1_deviations, estimate_ar1, growth_index
from simxh.errors import DataError
from simxh.macro import macro_history, macro_path
from simxh.rng import stream

DATA = load_region_data()
HIST = macro_history(DATA.macro)
REGIONS = list(DATA.external["macro_region"])


def test_ar1_estimate_recovers_a_known_process() -> None:
    rng = np.random.default_rng(3)
    x = 5.0 + ar1_deviations(0.6, 1.5, rng.standard_normal(5000))
    fit = estimate_ar1(x)
    assert fit.rho == pytest.approx(0.6, abs=0.03)
    assert fit.sigma == pytest.approx(1.5, rel=0.03)
    assert fit.mean == pytest.approx(5.0, abs=0.15)
    with pytest.raises(ValueError):
        estimate_ar1(np.array([1.0, 2.0, np.nan, 3.0]))


def test_growth_index_compounds_from_the_first_year() -> None:
    assert np.allclose(growth_index(np.array([9.0, 10.0, -50.0])), [1.0, 1.1, 0.55])


def test_history_is_the_data_where_observed_and_says_what_is_filled() -> None:
    china = DATA.macro[(DATA.macro["series"] == "real_gdp_growth_pct")
                       & (DATA.macro["region"] == "china")]
    for year, value in zip(china["year"], china["value"], strict=True):
        assert HIST.growth["china"][int(year) - HIST.first_year] == pytest.approx(value)
    assert HIST.first_year == 2015 and HIST.last_observed >= 2024
    observed = DATA.macro[(DATA.macro["series"] == "gdp_deflator_pct")]
    for year, value in zip(observed["year"], observed["value"], strict=True):
        assert HIST.deflator[int(year) - HIST.first_year] == pytest.approx(value)
    assert "filled" in HIST.notes["deflator_fit"]
    # a region observed in some years is China plus its mean gap elsewhere (derived)
    assert "derived" in HIST.growth_status["guangdong"]
    # the estimated shock processes are proper AR(1)s
    for ar in (HIST.demand_ar1, HIST.price_ar1):
        assert -1 < ar.rho < 1 and ar.sigma > 0


def test_path_observed_years_are_data_and_shocks_only_come_later() -> None:
    a = macro_path(HIST, REGIONS, 2023, 2035, stream(1, "macro"))
    b = macro_path(HIST, REGIONS, 2023, 2035, stream(1, "macro"))
    c = macro_path(HIST, REGIONS, 2023, 2035, stream(2, "macro"))
    central = macro_path(HIST, REGIONS, 2023, 2035, None)
    past = a.years <= HIST.last_observed
    assert np.array_equal(a.growth_pct, b.growth_pct)  # same seed, same path
    assert np.allclose(a.growth_pct[past], central.growth_pct[past])
    assert np.allclose(a.inflation_pct[past], central.inflation_pct[past])
    assert not np.allclose(a.growth_pct[~past], c.growth_pct[~past])  # shocks differ by seed
    assert a.status[0] == "observed" and a.status[-1] == "extrapolated"
    # indices start at 1 in the base year and the external markets move every year
    assert a.demand_index[0] == 1.0 and np.all(np.diff(central.external_index, axis=0) != 0)
    # the central path holds the outlook's last rate after it
    assert central.growth_pct[-1] == pytest.approx(HIST.growth["china"][-1])


def test_what_if_paths_replace_growth_and_prices() -> None:
    p = macro_path(HIST, REGIONS, 2023, 2030, stream(1, "macro"), external_growth_pct=0.0,
                   inflation_pct=2.0)
    assert np.all(p.external_index == 1.0) and np.all(p.demand_index == 1.0)
    assert np.allclose(p.deflator_index, 1.02 ** np.arange(8))
    assert set(p.status[1:]) == {"what-if"}


def test_base_year_before_the_data_is_refused() -> None:
    with pytest.raises(DataError, match="base year before the macro data"):
        macro_path(HIST, REGIONS, 2010, 2020, None)


def _bad_macro(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(default_data_dir(), folder)
    df = pd.read_csv(folder / "macro.csv", dtype=str, keep_default_na=False)
    edit(df).to_csv(folder / "macro.csv", index=False)
    return folder


@pytest.mark.parametrize(("edit", "message"), [
    (lambda df: df[~((df.series == "real_gdp_growth_pct") & (df.region == "china")
                     & (df.year == "2018"))], "missing years"),
    (lambda df: df[~((df.series == "cpi_pct") & (df.year == "2016"))], "missing years"),
    (lambda df: df.assign(value=np.where((df.series == "gdp_yi") & (df.year == "2017"), "-5",
                                         df.value)), "GDP level must be positive"),
    (lambda df: df.assign(value=np.where((df.series == "ppi_pct") & (df.year == "2017"), "inf",
                                         df.value)), "finite"),
    # issue 23: −150 % validated, then failed every run (lam < 0); +900 % ran silently
    (lambda df: df.assign(value=np.where((df.series == "real_gdp_growth_pct")
                                         & (df.year == "2027"), "-150", df.value)),
     "rate out of range"),
    (lambda df: df.assign(value=np.where((df.series == "real_gdp_growth_pct")
                                         & (df.year == "2027"), "900", df.value)),
     "rate out of range"),
    (lambda df: df.assign(value=np.where((df.series == "cpi_pct") & (df.year == "2018"),
                                         "-60", df.value)), "rate out of range"),
])
def test_bad_macro_file_is_a_clear_error(tmp_path: Path, edit, message: str) -> None:
    folder = _bad_macro(tmp_path, edit)
    with pytest.raises(DataError, match=message) as err:
        macro_history(load_region_data(folder).macro, folder / "macro.csv")
    assert "macro.csv" in str(err.value)


def test_bad_macro_file_exits_2_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    folder = _bad_macro(tmp_path, lambda df: df[~((df.series == "real_gdp_growth_pct")
                                                  & (df.region == "china")
                                                  & (df.year == "2019"))])
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[region]\ndata_dir = "{folder}"\n', encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "simxh", "run", str(cfg), "--replications", "1",
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "macro.csv" in proc.stderr and "missing years" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists() or not any(out.rglob("*.parquet"))

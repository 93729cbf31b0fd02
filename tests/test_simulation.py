"""simulate(): the public entry point, its region cache and the package's re-exports."""

from __future__ import annotations

import pandas as pd

import simxh
import simxh.simulation
from simxh.region import build_region
from simxh.simulation import shared_region, simulate


def test_package_exports_the_function_even_after_the_module_is_imported():
    assert callable(simxh.simulate) and simxh.simulate is simulate
    assert simxh.SimulationResult is simxh.simulation.SimulationResult


def test_cached_region_is_not_changed_by_a_lever_run():
    overrides = {"run.end_year": 2026}
    fresh = simulate(seed=3, overrides=overrides, region=build_region())
    simulate(seed=3, overrides={**overrides, "infrastructure.enabled": True,
                                "pairing.enabled": True})
    again = simulate(seed=3, overrides=overrides)
    pd.testing.assert_frame_equal(fresh.district, again.district)
    pd.testing.assert_frame_equal(fresh.towns, again.towns)


def test_region_is_reused_per_network_setting():
    base = simxh.load_config()
    assert shared_region(base) is shared_region(base.with_overrides({"run.end_year": 2030}))
    assert shared_region(base) is not shared_region(
        base.with_overrides({"network.detour_factor": 1.5}))


def test_a_different_data_folder_gets_its_own_region(tmp_path):
    import shutil

    from simxh.runner import simulate_run

    data = tmp_path / "data"
    shutil.copytree(simxh.simulation.Path(simxh.simulation.__file__).parent / "data", data)
    # a researcher's corrected data: a larger Shenzhen market
    ext = (data / "external.csv").read_text(encoding="utf-8").replace("34606.4", "60000")
    (data / "external.csv").write_text(ext, encoding="utf-8")
    base = simulate_run(None, 2, {"run.end_year": 2025})
    other = simulate_run(None, 2, {"run.end_year": 2025, "region.data_dir": str(data)})
    again = simulate_run(None, 2, {"run.end_year": 2025})
    assert shared_region(simxh.load_config(None, {"region.data_dir": str(data)})) is not \
        shared_region(simxh.load_config())
    assert not base.district["gdp_yi"].equals(other.district["gdp_yi"])
    pd.testing.assert_frame_equal(base.district, again.district)

"""A real Dask LocalCluster on loopback gives the same tables as the local executor."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

sys.path.insert(0, str(Path(__file__).parent))
import test_experiment_helpers  # noqa: E402
from test_runner import EXPERIMENT  # noqa: E402

from simxh.executors import DaskExecutor, make_executor  # noqa: E402
from simxh.experiment import load_experiment  # noqa: E402
from simxh.runner import run_experiment  # noqa: E402


def test_local_cluster_matches_local_executor(tmp_path: Path, monkeypatch) -> None:
    import cloudpickle

    # set before the cluster starts: its worker processes inherit the environment
    monkeypatch.setenv("SIMXH_FAKE_DIE_MARKER", str(tmp_path / "died"))

    # the workers may not have tests/ on their path: ship the fake model by value
    cloudpickle.register_pickle_by_value(test_experiment_helpers)
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT.replace("replications = 4", "replications = 5"))
    exp = load_experiment(path)
    fake = test_experiment_helpers.fake_simulate
    run_experiment(exp, tmp_path / "local", workers=1, run_fn=fake, progress="off")
    with DaskExecutor(local=True, workers=2, max_in_flight=3) as ex:
        assert ex.client.scheduler_info()["address"].startswith("tcp://127.0.0.1:")
        assert ex.workers == 2
        report = run_experiment(exp, tmp_path / "dask", executor=ex, run_fn=fake,
                                progress="off")
        # --scheduler tcp://HOST:PORT: a second client on the same (existing) cluster
        with make_executor(scheduler=ex.address, max_in_flight=2) as remote:
            assert isinstance(remote, DaskExecutor) and remote.workers == 2
            again = run_experiment(exp, tmp_path / "remote", executor=remote, run_fn=fake,
                                   progress="off")
        assert again.done == 20
        # a worker process that dies mid-run: its run is rescheduled, nothing is lost
        survived = run_experiment(exp, tmp_path / "died_once", executor=ex,
                                  run_fn=test_experiment_helpers.die_once, progress="off")
        assert (tmp_path / "died").exists() and (survived.done, survived.failed) == (20, 0)
    assert (report.done, report.failed) == (20, 0)
    assert report.executor["kind"] == "dask" and report.executor["local_cluster"]
    for name in ("district", "towns"):
        local = pd.read_parquet(tmp_path / "local" / f"{name}.parquet")
        for other in ("dask", "remote", "died_once"):
            pd.testing.assert_frame_equal(
                local, pd.read_parquet(tmp_path / other / f"{name}.parquet"))
    # stochastic replications were not collapsed by Dask's content hashing (pure=False)
    district = pd.read_parquet(tmp_path / "dask" / "district.parquet")
    assert district.groupby("replication")["gdp_yi"].mean().nunique() == 5
    cloudpickle.unregister_pickle_by_value(test_experiment_helpers)


def test_bad_scheduler_address_is_a_user_error() -> None:
    from simxh.errors import UserError

    with pytest.raises(UserError, match="tcp://HOST:PORT"):
        make_executor(scheduler="localhost:8786")
    with pytest.raises(UserError, match="exclude each other"):
        make_executor(scheduler="tcp://127.0.0.1:1", dask_local=True)

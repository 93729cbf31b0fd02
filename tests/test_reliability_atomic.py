"""Faults: the disk fills up while `simxh compare` or `simxh export` writes, and `export` is
given a summary that was cut off or edited (issue 23, item 5).

The disk fault is injected into the writer itself, mid-file (part of the file is written, then
``OSError(ENOSPC)``), as tests/test_reliability_disk.py does for `simxh run`. Expected: exit 2
with one line, the previous files intact (or none), no 0-byte file, no temporary file, no
"Exception ignored" from a half-written workbook.
"""

from __future__ import annotations

import errno
import gc
import shutil
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from simxh.cli import main

sys.path.insert(0, str(Path(__file__).parent))
from test_experiment_helpers import fake_experiment, fake_simulate  # noqa: E402

EXPERIMENT = fake_experiment("atomic")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> Path:
    """A small store (fake model) analysed by `simxh compare` and exported once."""
    from simxh.executors import InlineExecutor
    from simxh.experiment import load_experiment
    from simxh.runner import run_experiment

    root = tmp_path_factory.mktemp("atomic")
    (root / "exp.toml").write_text(EXPERIMENT)
    out = root / "out"
    run_experiment(load_experiment(root / "exp.toml"), out, run_fn=fake_simulate,
                   progress="off", executor=InlineExecutor())
    assert main(["compare", str(out)]) == 0
    assert main(["export", str(out), "--xlsx", "--out", str(out / "book.xlsx")]) == 0
    return out


@pytest.fixture
def store(analysed: Path, tmp_path: Path, capsys) -> Path:
    target = tmp_path / "out"
    shutil.copytree(analysed, target)
    capsys.readouterr()
    return target


@pytest.fixture
def unraisable(monkeypatch) -> list:
    """Exceptions Python could only print as "Exception ignored in ..." (e.g. from __del__)."""
    seen: list = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    return seen


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_one_line_disk_error(code: int, err: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "no space left on the device" in err, err


def assert_no_leftovers(folder: Path) -> None:
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
    assert not [p for p in folder.rglob("*") if p.is_file() and p.stat().st_size == 0]


def test_full_disk_during_compare_keeps_the_previous_tables(store: Path, capsys, monkeypatch,
                                                            unraisable) -> None:
    before = snapshot(store / "summary")
    real = pd.DataFrame.to_csv
    calls = {"n": 0}

    def to_csv(self, path=None, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] < 3 or path is None:
            return real(self, path, *args, **kwargs)
        text = real(self, None, *args, **{k: v for k, v in kwargs.items() if k != "encoding"})
        with open(path, "w", encoding="utf-8") as fh:  # half the file, then the disk is full
            fh.write(text[: len(text) // 2])
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    code = main(["compare", str(store)])
    assert_one_line_disk_error(code, capsys.readouterr().err)
    assert calls["n"] == 3
    # every table is the previous one, whole (the first two were rewritten, identical)
    assert snapshot(store / "summary") == before
    assert_no_leftovers(store)
    gc.collect()
    assert not unraisable


def test_full_disk_during_export_keeps_the_previous_workbook(store: Path, capsys, monkeypatch,
                                                             unraisable) -> None:
    book = store / "book.xlsx"
    before = book.read_bytes()
    real = zipfile.ZipFile.writestr
    calls = {"n": 0}

    def writestr(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:  # a few parts of the workbook are written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
    code = main(["export", str(store), "--xlsx", "--out", str(book)])
    err = capsys.readouterr().err
    gc.collect()
    assert_one_line_disk_error(code, err)
    assert book.read_bytes() == before
    assert_no_leftovers(store)
    # a first export (no previous workbook) leaves none
    fresh = store / "fresh.xlsx"
    calls["n"] = 0
    assert main(["export", str(store), "--xlsx", "--out", str(fresh)]) == 2
    capsys.readouterr()
    gc.collect()
    assert not fresh.exists()
    assert_no_leftovers(store)
    assert not unraisable, unraisable


@pytest.mark.parametrize("damage", ["summary-cut", "metadata-cut", "metadata-confidence"])
def test_export_refuses_a_summary_that_fails_its_check(store: Path, capsys, damage) -> None:
    summary = store / "summary"
    if damage == "summary-cut":
        data = (summary / "summary.csv").read_bytes()
        (summary / "summary.csv").write_bytes(data[: len(data) // 2])
        words, culprit = "incomplete table", "summary.csv"
    elif damage == "metadata-cut":
        data = (summary / "metadata.json").read_bytes()
        (summary / "metadata.json").write_bytes(data[: len(data) // 2])
        words, culprit = "damaged summary metadata", "metadata.json"
    else:
        text = (summary / "metadata.json").read_text(encoding="utf-8")
        (summary / "metadata.json").write_text(text.replace('"confidence": 0.95',
                                                            '"confidence": 95'))
        words, culprit = "confidence", "metadata.json"
    out = store / "damaged.xlsx"
    code = main(["export", str(store), "--xlsx", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert words in err and culprit in err and "simxh compare" in err
    assert not out.exists()

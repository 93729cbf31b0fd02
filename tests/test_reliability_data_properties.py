"""Property test (hypothesis): random cell edits of the region data files.

Any cell of any data file set to a random value (a number of the wrong kind, NaN, a negative
or huge number, an unknown id, an empty cell, a list separator, random text) gives either a
region that builds, with a connected network and finite positive travel times, or a
:class:`~simxh.errors.UserError` naming the file and a line or key. Nothing else escapes.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simxh.datafiles import FILES, default_data_dir, load_region_data
from simxh.errors import UserError
from simxh.region import build_region

ORIGINAL = {name: (default_data_dir() / f"{name}.csv").read_text(encoding="utf-8")
            for name in FILES}
TABLES = {name: list(csv.reader(io.StringIO(text))) for name, text in ORIGINAL.items()}
IDS = sorted({row[0] for rows in TABLES.values() for row in rows[1:]})

cell_values = st.one_of(
    st.sampled_from(["", "nan", "inf", "-1", "0", "1e308", "-0", "3.5", "1,000", "abc", ";",
                     "a;;b", "official", "estimated", "road", "teleport", "2023", "99999999999"]),
    st.sampled_from(IDS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=15),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data_mutants") / "data"
    folder.mkdir()
    for name in FILES:
        shutil.copy(default_data_dir() / f"{name}.csv", folder / f"{name}.csv")
    return folder


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


@settings(max_examples=120, deadline=None, database=None,
          derandomize=not os.environ.get("SIMXH_HYPOTHESIS_RANDOM"),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_cell_edits_build_or_fail_cleanly(data_dir, data):
    edits = data.draw(st.integers(1, 3), label="edits")
    touched: set[str] = set()
    try:
        for _ in range(edits):
            name = data.draw(st.sampled_from(FILES), label="file")
            rows = [list(r) for r in TABLES[name]] if name not in touched else \
                list(csv.reader(io.StringIO((data_dir / f"{name}.csv").read_text("utf-8"))))
            r = data.draw(st.integers(1, len(rows) - 1), label="row")
            c = data.draw(st.integers(0, len(rows[0]) - 1), label="column")
            rows[r][c] = data.draw(cell_values, label="value")
            _write(data_dir / f"{name}.csv", rows)
            touched.add(name)
        try:
            region = build_region(data=load_region_data(data_dir))
        except UserError as exc:
            message = str(exc)
            assert message.strip() and "\n" not in message, message
            assert exc.file and Path(exc.file).name.endswith(".csv"), message
            assert exc.line is not None or exc.key is not None, message
            return
        times = region.travel_times()
        assert np.isfinite(times).all() and (times[~np.eye(len(times), dtype=bool)] > 0).all()
    finally:
        for name in touched:
            (data_dir / f"{name}.csv").write_text(ORIGINAL[name], encoding="utf-8")

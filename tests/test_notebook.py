"""examples/quickstart.ipynb runs from top to bottom (executed with nbclient, no network)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "quickstart.ipynb"


def test_quickstart_notebook_runs_and_plots():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    start = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    seconds = time.perf_counter() - start
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "missing from" not in text  # 亿元 drawn with the bundled font (use_cjk_font)
    assert "6 of 6 runs done" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1  # the GDP plot
    tables = [o["data"]["text/plain"] for o in outputs if "text/plain" in o.get("data", {})]
    assert any("gdp_yi" in t and "integration" in t for t in tables)
    assert any("probability_low" in t for t in tables)
    assert seconds < 60, f"the quickstart took {seconds:.0f} s (keep it under 30 s)"

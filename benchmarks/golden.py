"""Golden outputs: save or compare the tables of a fixed set of runs, exactly (bit for bit).

    python benchmarks/golden.py save DIR     # before a change
    python benchmarks/golden.py check DIR    # after it: every table must be identical

Runs the default config (seeds 0, 1, 2) and each ``configs/*.toml`` (seeds 1, 2), and also
checks ``model.check_accounts()`` on the default config each year.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import pandas as pd

import simxh
from simxh.model import XinhuiModel

ROOT = Path(__file__).resolve().parents[1]


def runs() -> list[tuple[str, object, int]]:
    out: list[tuple[str, object, int]] = [("default", None, s) for s in (0, 1, 2)]
    for path in sorted((ROOT / "configs").glob("*.toml")):
        out += [(path.stem, str(path), s) for s in (1, 2)]
    return out


def main(argv: list[str]) -> int:
    mode, folder = argv[1], Path(argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    failures = 0
    for name, cfg, seed in runs():
        res = simxh.simulate(cfg, seed=seed)
        file = folder / f"{name}_{seed}.pkl"
        if mode == "save":
            file.write_bytes(pickle.dumps((res.district, res.towns)))
            continue
        district, towns = pickle.loads(file.read_bytes())
        try:
            pd.testing.assert_frame_equal(res.district, district, check_exact=True)
            pd.testing.assert_frame_equal(res.towns, towns, check_exact=True)
        except AssertionError as exc:
            failures += 1
            print(f"DIFFERENT {name} seed {seed}: {str(exc)[:300]}")
        else:
            print(f"identical {name} seed {seed}")
    model = XinhuiModel(seed=3)
    while model.running:
        model.step()
        model.check_accounts()
    print("check_accounts: ok")
    print(f"{'saved' if mode == 'save' else 'failures'}: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

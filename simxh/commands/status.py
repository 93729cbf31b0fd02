"""``simxh status DIR``: how many runs of a results directory are done, failed and pending."""

from __future__ import annotations

import argparse
from pathlib import Path

from simxh.store import RunKey, Store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="show how many runs are done, failed and pending in a results directory",
        description="Read DIR/manifest.json and DIR/runs/ and print the experiment, its run "
        "counts, and the failed runs with their errors. Works while a run is in progress.",
    )
    p.add_argument("dir", metavar="DIR", help="results directory written by 'simxh run'")
    p.add_argument("--failures", type=int, default=10, metavar="N",
                   help="list at most N failed runs (default 10)")
    p.add_argument("--quick", action="store_true", help="do not check each finished run's "
                   "files (whole Parquet files matching their checksums in the manifest: "
                   "reads every run file)")
    p.set_defaults(func=handle)


def status(root: str | Path, *, check_files: bool = True) -> dict:
    """Counts of the store at ``root``: planned, done, failed, pending (and manifest data).

    A run whose files are not whole Parquet files, do not match their checksum or hold another
    run (``damaged``) counts as pending."""
    store = Store(Path(root))
    manifest = store.read_manifest()
    scenarios = manifest.get("scenarios", []) or [None]
    n_points = int(manifest.get("design", {}).get("points", 1) or 1)
    # a scenario the design does not sweep (by default the reference) runs at one point
    unswept = set(manifest.get("design", {}).get("unswept", []) or [])
    reps = int(manifest.get("replications", 1))
    planned = {RunKey(s, p, r).run_id for s, name in enumerate(scenarios)
               for p in range(1 if name in unswept else n_points) for r in range(reps)}
    done = store.done_ids() & planned
    # a damaged run (not a whole Parquet file, not matching its checksum in the manifest, or
    # holding another run: a copied file) counts as pending: --resume runs it again
    checksums = manifest.get("checksums")
    damaged = store.damaged_runs(done, checksums if isinstance(checksums, dict) else {}) \
        if check_files else []
    done -= set(damaged)
    failed = (store.failed_ids() & planned) - done
    return {"name": manifest["experiment"]["name"],
            "status": manifest.get("status", "?"), "planned": len(planned), "done": len(done),
            "failed": len(failed), "pending": len(planned) - len(done) - len(failed),
            "damaged": damaged,
            "failed_ids": sorted(failed, key=lambda i: (RunKey.parse(i).scenario,
                                                        RunKey.parse(i).point,
                                                        RunKey.parse(i).replication)),
            "manifest": manifest, "store": store}


def handle(args: argparse.Namespace) -> int:
    info = status(args.dir, check_files=not args.quick)
    m = info["manifest"]
    print(f"experiment: {info['name']} ({m.get('experiment', {}).get('identity', '?')})")
    print(f"scenarios:  {', '.join(m.get('scenarios', []))} (reference {m.get('reference')})")
    print(f"design:     {m.get('design', {}).get('kind')} with "
          f"{m.get('design', {}).get('points')} point(s); {m.get('replications')} replications")
    print(f"runs:       {info['done']} done, {info['failed']} failed, {info['pending']} pending "
          f"of {info['planned']}  [last status: {info['status']}, updated {m.get('updated')}]")
    if info["damaged"]:
        shown = ", ".join(info["damaged"][:5]) + (" ..." if len(info["damaged"]) > 5 else "")
        print(f"damaged:    {len(info['damaged'])} run file(s) are damaged or not their run's "
              f"({shown}); counted as pending: 'simxh run ... --resume' runs them again")
    for run_id in info["failed_ids"][: args.failures]:
        try:
            record = info["store"].read_failure(run_id)
            print(f"  failed {run_id} ({record.get('scenario')}, rep "
                  f"{record.get('replication')}): {record.get('error')}")
        except (OSError, ValueError):
            print(f"  failed {run_id}")
    if len(info["failed_ids"]) > args.failures:
        print(f"  ... and {len(info['failed_ids']) - args.failures} more")
    return 0

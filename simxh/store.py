"""The results store: one directory per experiment, resumable, written atomically.

Layout (see ``docs/experiments.md``)::

    DIR/manifest.json            what was run: experiment, hash, configs, seeds, versions, counts
    DIR/experiment.toml          a copy of the experiment file (when there is one)
    DIR/design.parquet           the design points (column ``point`` + one per uncertainty)
    DIR/runs/<run>.towns.parquet     one finished run's town rows     } written atomically as
    DIR/runs/<run>.district.parquet  one finished run's district rows } soon as the run ends
    DIR/failures/<run>.json      a failed run: its error and traceback
    DIR/district.parquet         consolidated tables, sorted by scenario, point, replication,
    DIR/towns.parquet            year (and town); rebuilt by streaming, never held in memory
    DIR/summary/*.csv            written by ``simxh compare``

A run is *done* when its district file exists: the towns file is written (and fsynced) first,
then the district file, each through a temporary file and ``os.replace``. A crash therefore
loses at most the runs in flight, and a resume redoes exactly the runs without a district file.

A run file damaged afterwards (truncated by a bad copy, overwritten by hand) is found by
``--resume`` (:meth:`Store.set_aside_damaged_runs`): it is renamed ``*.parquet.damaged`` and
the run counts as not done, so it is run again. Every reader of the store's Parquet files
(:func:`read_table`) turns an unreadable file into a :class:`UserError` naming it.

Each run file carries its run id in its Parquet metadata (``simxh_run_id``) and the manifest
holds a checksum of each run file (``checksums``): a file copied over another run's, or
damaged inside with a whole footer, is found by ``--resume`` and by ``simxh status``.

One writer per folder: ``simxh run`` holds an exclusive ``flock`` on ``DIR/.simxh.lock`` (PID,
host, start time inside) for its life (:class:`StoreLock`); the kernel releases it when the
process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import fcntl
import hashlib
import io
import json
import os
import platform
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simxh.errors import UserError

STORE_FORMAT = 1
KNOWN_STORE_FORMATS = (1,)
"""Store formats this version reads (``simxh_store`` in the manifest)."""
MANIFEST = "manifest.json"
LOCK_FILE = ".simxh.lock"
"""The advisory lock file of a results folder (never deleted: see :class:`StoreLock`)."""
RUN_ID_KEY = b"simxh_run_id"
"""The Parquet metadata key of a run file that names its run."""
TABLES = ("district", "towns", "villages")
"""The tables of a run; ``villages`` is optional (an experiment may leave it out)."""
REQUIRED_TABLES = ("district", "towns")
_OWNED = ("runs", "failures", "summary", "district.parquet", "towns.parquet", "villages.parquet",
          "design.parquet",
          "experiment.toml", MANIFEST)
_ROWS_PER_GROUP = 65_536
_TABLES_PER_GROUP = 128  # many tiny tables cost more (per-table overhead) than their rows


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def temp_path(path: Path) -> Path:
    """The temporary name the atomic writers use for ``path`` (same folder, this PID)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Write a file atomically through a writer that wants a path (``to_csv``, ``savefig``,
    an Excel writer): yields a temporary path in the same folder; on success the file is
    fsynced and renamed over ``path``, on any error it is removed (a full disk leaves the
    previous file or none, never half a file)."""
    path = Path(path)
    tmp = temp_path(path)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise
    _fsync_dir(path.parent)


def file_checksum(data: bytes) -> str:
    """The checksum the manifest records of a run file (BLAKE2b, 128 bits, hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def checksum_of(path: Path) -> str | None:
    """:func:`file_checksum` of the file at ``path`` (None if it cannot be read)."""
    try:
        return file_checksum(path.read_bytes())
    except OSError:
        return None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same dir, fsync, os.replace."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(tmp)  # a full disk must not leave half a file behind
        raise
    _fsync_dir(path.parent)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def atomic_write_table(path: Path, table: pa.Table) -> str:
    """Write a Parquet file atomically (temp file, fsync, os.replace); returns its
    :func:`file_checksum` (computed on the bytes written, no second read)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    data = buffer.getvalue()
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise
    return file_checksum(data)


_SCHEMAS: dict[tuple[Any, ...], pa.Schema] = {}
_SCHEMAS_MAX = 32


def frame_to_arrow(frame: pd.DataFrame) -> pa.Table:
    """``pa.Table.from_pandas(frame, preserve_index=False)``, faster for the run tables.

    The schema (with pandas' metadata) depends only on the columns' names and dtypes when no
    column holds Python objects (whose Arrow type is inferred from the values): it is made once
    per such layout, and each column is then converted alone to its field's type (numbers from
    their numpy array). The same table, metadata included
    (``tests/test_store.py::test_frame_to_arrow_same_as_from_pandas``); a frame with object
    columns or a non-default index goes through ``from_pandas``."""
    dtypes = frame.dtypes
    if not isinstance(frame.index, pd.RangeIndex) or any(
            d == object for d in dtypes):  # noqa: E721 - numpy's object dtype
        return pa.Table.from_pandas(frame, preserve_index=False)
    layout = (tuple(frame.columns), tuple(dtypes))
    schema = _SCHEMAS.get(layout)
    if schema is None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if len(_SCHEMAS) >= _SCHEMAS_MAX:
            _SCHEMAS.clear()
        _SCHEMAS[layout] = table.schema
        return table
    arrays = []
    for (_, column), dtype, fld in zip(frame.items(), dtypes, schema, strict=True):
        values = column.to_numpy() if isinstance(dtype, np.dtype) else column
        arrays.append(pa.array(values, type=fld.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def atomic_write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    atomic_write_bytes(path, (text + "\n").encode("utf-8"))


def read_table(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read one of the store's Parquet files, or raise a :class:`UserError` naming the file if
    it is missing or is not a readable Parquet table (truncated, overwritten, not Parquet)."""
    path = Path(path)
    try:
        return pd.read_parquet(path, columns=columns)
    except FileNotFoundError:
        raise UserError("file not found", file=path,
                        expected="a table written by 'simxh run'") from None
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise unreadable_table(path, exc) from None


def unreadable_table(path: Path, exc: BaseException) -> UserError:
    """The error for a damaged Parquet file of the store."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return UserError(f"not a readable Parquet table ({reason[:160]})", file=path,
                     expected="a table written by 'simxh run'; rerun 'simxh run ... --resume' "
                     "on this folder to rebuild it")


def looks_complete(path: Path) -> bool:
    """A cheap check that a Parquet file is whole: it starts and ends with the ``PAR1`` magic
    and its footer length fits in the file (a truncated or overwritten file fails)."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size < 12 or fh.read(4) != b"PAR1":
                return False
            fh.seek(size - 8)
            tail = fh.read(8)
    except OSError:
        return False
    footer = int.from_bytes(tail[:4], "little")
    return tail[4:] == b"PAR1" and 0 < footer <= size - 12


def _whole_and_own(data: bytes, run_id: str) -> bool:
    """``data`` is a readable Parquet table whose metadata names ``run_id`` (or no run)."""
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError):
        return False
    named = (table.schema.metadata or {}).get(RUN_ID_KEY)
    return named is None or named == run_id.encode()


def _writer_alive(name: str) -> bool:
    """Whether the process that owns temp file ``.<file>.<pid>.tmp`` is alive (not us)."""
    try:
        pid = int(name[: -len(".tmp")].rsplit(".", 1)[1])
    except (IndexError, ValueError):
        return False
    return pid != os.getpid() and pid_alive(pid)


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape results."""
    out = {"python": platform.python_version()}
    for name in ("simxh", "numpy", "pandas", "pyarrow", "scipy", "mesa", "networkx", "SALib",
                 "dask", "distributed"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def git_commit(start: Path | None = None) -> dict[str, Any] | None:
    """The git commit of the simxh source tree (and whether it has local changes), if any."""
    where = start or Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                                text=True, timeout=5)
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=where, capture_output=True, text=True, timeout=5)
        return {"commit": commit.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


@dataclass(frozen=True)
class RunKey:
    """The position of one run in an experiment: (scenario index, design point, replication)."""

    scenario: int
    point: int
    replication: int

    @property
    def run_id(self) -> str:
        return f"s{self.scenario}-p{self.point}-r{self.replication}"

    @classmethod
    def parse(cls, run_id: str) -> RunKey:
        s, p, r = run_id.split("-")
        return cls(int(s[1:]), int(p[1:]), int(r[1:]))


class StoreLock:
    """The one-writer lock of a results folder: an exclusive ``fcntl.flock`` on
    ``DIR/.simxh.lock``, which holds the holder's PID, host and start time.

    The kernel releases a ``flock`` when its process ends, however it ends (kill -9
    included), so a folder whose writer died is free again at once and ``--resume`` takes it
    over. The file itself is never deleted (deleting a lock file lets two processes lock two
    different files of the same name)."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / LOCK_FILE
        self._fd: int | None = None

    def probe(self) -> None:
        """Raise the :meth:`acquire` error if another process holds the lock (creates and
        changes nothing)."""
        if self.path.is_file():
            self.acquire(record=False).release()

    def acquire(self, *, record: bool = True) -> StoreLock:
        fd = os.open(self.path, os.O_RDWR | (os.O_CREAT if record else 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise UserError(f"another simxh process is writing to this folder "
                            f"({self.describe_holder()})", file=self.path.parent,
                            expected="one writer at a time: wait for it to finish (or stop "
                            "it), or use another --out") from None
        self._fd = fd
        if record:
            holder = {"pid": os.getpid(), "host": socket.gethostname(), "started": now()}
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(holder) + "\n").encode(), 0)
        return self

    def describe_holder(self) -> str:
        """'PID 123 on host, started 2026-…' from the lock file (what it can read of it)."""
        try:
            holder = json.loads(self.path.read_text(encoding="utf-8"))
            return (f"PID {holder.get('pid')} on {holder.get('host')}, started "
                    f"{holder.get('started')}")
        except (OSError, ValueError, AttributeError):
            return "holder unknown"

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __del__(self) -> None:
        self.release()

    def __enter__(self) -> StoreLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class Store:
    """A results directory. Create with :func:`open_store`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.failures_dir = self.root / "failures"
        self.summary_dir = self.root / "summary"
        self.lock: StoreLock | None = None

    def release(self) -> None:
        """Release the writer's lock (if this store holds it)."""
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    # ---- manifest -------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def read_manifest(self, *, complete: bool = True) -> dict[str, Any]:
        """The manifest, checked to be a store manifest (:func:`check_manifest`); with
        ``complete`` also that it describes the runs (spec, scenarios, replications, design),
        which ``status``, ``compare`` and ``report`` need."""
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError("not a simxh results directory (no manifest.json)",
                            file=self.root) from None
        except json.JSONDecodeError as exc:
            raise UserError(f"manifest.json is not valid JSON: {exc}",
                            file=self.manifest_path) from None
        except UnicodeDecodeError:
            raise UserError("manifest.json is not UTF-8 text", file=self.manifest_path,
                            expected="the JSON manifest written by 'simxh run'") from None
        return check_manifest(manifest, self.manifest_path, complete=complete)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        manifest["updated"] = now()
        atomic_write_json(self.manifest_path, manifest)

    # ---- runs -----------------------------------------------------------------------------
    def run_path(self, run_id: str, table: str) -> Path:
        return self.runs_dir / f"{run_id}.{table}.parquet"

    def failure_path(self, run_id: str) -> Path:
        return self.failures_dir / f"{run_id}.json"

    def done_ids(self) -> set[str]:
        """Runs whose district file (written last) exists."""
        suffix = ".district.parquet"
        if not self.runs_dir.is_dir():
            return set()
        return {n[: -len(suffix)] for n in os.listdir(self.runs_dir)
                if n.endswith(suffix) and not n.startswith(".")}

    def failed_ids(self) -> set[str]:
        if not self.failures_dir.is_dir():
            return set()
        return {n[:-5] for n in os.listdir(self.failures_dir)
                if n.endswith(".json") and not n.startswith(".")}

    def write_run(self, run_id: str, district: pd.DataFrame, towns: pd.DataFrame,
                  villages: pd.DataFrame | None = None) -> dict[str, str]:
        """Record a finished run: villages (if any) and towns first, then district (the 'done'
        marker). Each file carries ``run_id`` in its metadata; returns the files' checksums
        (table → :func:`file_checksum`) for the manifest."""
        sums: dict[str, str] = {}
        parts = [("villages", villages), ("towns", towns), ("district", district)]
        for table, frame in parts:
            if frame is None:
                continue
            arrow = frame_to_arrow(frame)
            arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}),
                                                   RUN_ID_KEY: run_id.encode()})
            digest = atomic_write_table(self.run_path(run_id, table), arrow)
            if isinstance(digest, str):
                sums[table] = digest
        _fsync_dir(self.runs_dir)
        with contextlib.suppress(FileNotFoundError):
            self.failure_path(run_id).unlink()
        return sums

    def write_failure(self, run_id: str, record: dict[str, Any]) -> None:
        atomic_write_json(self.failure_path(run_id), record)

    def read_failure(self, run_id: str) -> dict[str, Any]:
        return json.loads(self.failure_path(run_id).read_text(encoding="utf-8"))

    def read_run(self, run_id: str, table: str) -> pd.DataFrame:
        return read_table(self.run_path(run_id, table))

    def damaged_runs(self, run_ids: Iterable[str] | None = None,
                     checksums: dict[str, Any] | None = None) -> list[str]:
        """Runs counted as done whose files are not whole Parquet files or, with
        ``checksums`` (the manifest's), whose files do not match their recorded checksum or
        name another run (a copied file). Runs without a recorded checksum are checked for
        their run id and read in full."""
        ids = self.done_ids() if run_ids is None else set(run_ids) & self.done_ids()
        if checksums is None:
            return sorted(i for i in ids if not all(
                looks_complete(self.run_path(i, t)) for t in self._tables_of(i)))
        return sorted(i for i in ids if self.verify_run(i, checksums.get(i)) is None)

    def _tables_of(self, run_id: str) -> list[str]:
        return [t for t in TABLES
                if t in REQUIRED_TABLES or self.run_path(run_id, t).exists()]

    def verify_run(self, run_id: str, recorded: Any) -> dict[str, str] | None:
        """The checksums of a done run's files if they are whole and its own, else None.

        With ``recorded`` checksums (table → checksum, from the manifest) each file must match
        its own; a table that has none recorded must be a readable Parquet file whose metadata
        names ``run_id`` (a file written before run ids were stored names none: accepted)."""
        recorded = recorded if isinstance(recorded, dict) else {}
        sums: dict[str, str] = {}
        for table in self._tables_of(run_id):
            path = self.run_path(run_id, table)
            try:
                data = path.read_bytes()
            except OSError:
                return None
            digest = file_checksum(data)
            if table in recorded:
                if recorded[table] != digest:
                    return None
            elif not _whole_and_own(data, run_id):
                return None
            sums[table] = digest
        return sums

    def set_aside_damaged_runs(self, checksums: dict[str, Any] | None = None
                               ) -> tuple[list[str], dict[str, dict[str, str]]]:
        """Rename the files of damaged runs (:meth:`damaged_runs`) to ``*.parquet.damaged``
        (kept for inspection, no longer counted as done), so that a resume runs them again.
        Returns their ids and the verified checksums of the runs that had none recorded."""
        damaged: list[str] = []
        found: dict[str, dict[str, str]] = {}
        checksums = checksums or {}
        for run_id in sorted(self.done_ids()):
            sums = self.verify_run(run_id, checksums.get(run_id))
            if sums is None:
                damaged.append(run_id)
            elif checksums.get(run_id) != sums:
                found[run_id] = sums
        for run_id in damaged:
            for table in TABLES:  # district first: the run stops being done
                path = self.run_path(run_id, table)
                with contextlib.suppress(FileNotFoundError):
                    os.replace(path, path.with_name(path.name + ".damaged"))
        if damaged:
            _fsync_dir(self.runs_dir)
        return damaged, found

    def clean_temp_files(self) -> int:
        """Remove temporary files left by killed processes; returns how many. A temp file of
        a process that is still alive (a ``compare`` or ``export`` writing into the folder,
        another process's consolidation) is never touched: its name carries its PID."""
        count = 0
        for folder in (self.root, self.runs_dir, self.failures_dir):
            if folder.is_dir():
                for name in os.listdir(folder):
                    if name.startswith(".") and name.endswith(".tmp") \
                            and not _writer_alive(name):
                        with contextlib.suppress(FileNotFoundError):
                            (folder / name).unlink()
                            count += 1
        return count

    # ---- consolidation --------------------------------------------------------------------
    def consolidate(self, run_ids: Iterable[str]) -> dict[str, int]:
        """Stream the finished runs, in the given order, into ``district.parquet`` and
        ``towns.parquet``. Memory holds at most one row group (~65k rows) at a time.
        Returns the number of rows written per table."""
        ids = list(run_ids)
        rows: dict[str, int] = {}
        for table in TABLES:
            n = self._consolidate_table(table, ids)
            if n or table in REQUIRED_TABLES:  # an optional table no run wrote is left out
                rows[table] = n
        return rows

    def _consolidate_table(self, table: str, ids: list[str]) -> int:
        target = self.root / f"{table}.parquet"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        writer: pq.ParquetWriter | None = None
        schema: pa.Schema | None = None
        buffer: list[pa.Table] = []
        buffered = total = 0

        def flush() -> None:
            nonlocal buffer, buffered
            if buffer and writer is not None:
                writer.write_table(pa.concat_tables(buffer))
            buffer, buffered = [], 0

        try:
            for run_id in ids:
                path = self.run_path(run_id, table)
                if not path.exists():
                    continue
                # ParquetFile.read, not pq.read_table: the dataset machinery behind the
                # latter keeps ~12 kB per file read, which grows with a 100k-run sweep
                try:
                    with pq.ParquetFile(path) as source:
                        part = source.read()
                except (pa.ArrowException, OSError, ValueError) as exc:
                    raise unreadable_table(path, exc) from None
                named = (part.schema.metadata or {}).get(RUN_ID_KEY)
                if named is not None and named != run_id.encode():
                    raise UserError(
                        f"run file holds run {named.decode(errors='replace')}, not {run_id} "
                        "(copied over it?)", file=path,
                        expected="its own run; rerun 'simxh run ... --resume' on this folder "
                        "to run it again")
                if schema is None:
                    # the consolidated table names no single run: its metadata is the first
                    # run's without the run id
                    meta = {k: v for k, v in (part.schema.metadata or {}).items()
                            if k != RUN_ID_KEY}
                    schema = part.schema.with_metadata(meta) if meta else \
                        part.schema.remove_metadata()
                    part = part.replace_schema_metadata(schema.metadata)
                    writer = pq.ParquetWriter(tmp, schema)
                elif not part.schema.equals(schema, check_metadata=False):
                    part = _conform(part, schema, run_id, table)
                else:
                    part = part.replace_schema_metadata(schema.metadata)
                buffer.append(part)
                buffered += part.num_rows
                total += part.num_rows
                if buffered >= _ROWS_PER_GROUP or len(buffer) >= _TABLES_PER_GROUP:
                    flush()
            if writer is None:
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()
                return 0
            flush()
            writer.close()
            writer = None
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
            _fsync_dir(self.root)
        finally:
            if writer is not None:
                writer.close()
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return total

    def iter_runs(self, run_ids: Iterable[str], table: str) -> Iterator[pd.DataFrame]:
        for run_id in run_ids:
            path = self.run_path(run_id, table)
            if path.exists():
                yield read_table(path)


def _conform(part: pa.Table, schema: pa.Schema, run_id: str, table: str) -> pa.Table:
    """Cast a run's table to the consolidated schema (same columns, compatible types)."""
    if set(part.column_names) != set(schema.names):
        missing = sorted(set(schema.names) - set(part.column_names))
        extra = sorted(set(part.column_names) - set(schema.names))
        raise UserError(f"run {run_id} ({table}) has different columns from the first run "
                        f"(missing {missing}, extra {extra}); was the model changed mid-sweep?")
    part = part.select(schema.names)
    try:
        return part.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise UserError(f"run {run_id} ({table}) has column types incompatible with the first "
                        f"run: {exc}") from None


_MANIFEST_HINT = "the manifest.json written by 'simxh run'"


def check_manifest(manifest: Any, path: str | Path, *, complete: bool = True) -> dict[str, Any]:
    """Check that ``manifest`` has the shape of a store manifest, else raise a UserError
    naming the file and the key: an object whose ``experiment`` has a ``name`` and an
    ``identity``; with ``complete``, also the experiment's ``spec``, the ``scenarios``, the
    ``replications`` and the ``design``'s number of points."""
    def bad(message: str, key: str | None = None, value: Any = None) -> UserError:
        return UserError(f"damaged manifest: {message}", file=path, key=key, value=value,
                         expected=_MANIFEST_HINT)

    if not isinstance(manifest, dict):
        raise bad(f"a JSON {type(manifest).__name__}, not an object", value=None)
    version = manifest.get("simxh_store", STORE_FORMAT)
    if isinstance(version, bool) or version not in KNOWN_STORE_FORMATS:
        raise UserError("unknown store format", file=path, key="simxh_store", value=version,
                        expected="one of " + ", ".join(map(str, KNOWN_STORE_FORMATS))
                        + " (written by another simxh version, or edited by hand)")
    exp = manifest.get("experiment")
    if not isinstance(exp, dict):
        raise bad("missing or not an object", "experiment")
    for key in ("name", "identity"):
        if not isinstance(exp.get(key), str):
            raise bad("missing or not a string", f"experiment.{key}")
    if not complete:
        return manifest
    if not isinstance(exp.get("spec"), dict) or not isinstance(exp["spec"].get("scenarios"),
                                                                list):
        raise bad("missing or not an experiment description", "experiment.spec")
    scenarios = manifest.get("scenarios")
    if not isinstance(scenarios, list) or not scenarios \
            or not all(isinstance(s, str) for s in scenarios):
        raise bad("missing or not a list of scenario names", "scenarios")
    reps = manifest.get("replications")
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 0:
        raise bad("missing or not a count", "replications", reps)
    design = manifest.get("design", {"points": 1})
    points = design.get("points", 1) if isinstance(design, dict) else None
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise bad("missing or not a count", "design.points", points)
    _check_consistent(manifest, bad)
    return manifest


def _check_consistent(manifest: dict[str, Any], bad: Any) -> None:
    """Refuse a manifest whose fields contradict each other (a hand edit): the reference is
    one of the scenarios and the experiment's own; the seed is the experiment's; the
    replication seeds are those of the seed, one per replication."""
    import numpy as np

    spec = manifest["experiment"]["spec"]
    scenarios = manifest["scenarios"]
    spec_names = [s.get("name") for s in spec["scenarios"] if isinstance(s, dict)]
    if spec_names and spec_names != scenarios:
        raise bad("the scenarios differ from the experiment's", "scenarios", scenarios)
    ref = manifest.get("reference")
    if ref is not None:
        own = [s.get("name") for s in spec["scenarios"]
               if isinstance(s, dict) and s.get("reference")]
        if ref not in scenarios or (own and ref != own[0]):
            raise bad(f"not the experiment's reference scenario ({', '.join(map(str, own))})",
                      "reference", ref)
    seed = manifest.get("seed")
    if seed is not None and "seed" in spec and seed != spec["seed"]:
        raise bad(f"not the experiment's seed ({spec['seed']})", "seed", seed)
    seeds = manifest.get("replication_seeds")
    if seeds is None or seed is None:
        return
    reps = manifest["replications"]
    if not isinstance(seeds, list) or len(seeds) != reps:
        raise bad(f"{reps} replications but {len(seeds) if isinstance(seeds, list) else 0} "
                  "replication seeds", "replications", reps)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise bad("not a seed", "seed", seed)
    for r, got in enumerate(seeds):  # replication_seed() of simxh.runner
        child = np.random.SeedSequence(seed, spawn_key=(r,))
        if got != int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)):
            raise bad(f"replication seed {r} is not the seed's", "replication_seeds", got)


def _is_empty(path: Path) -> bool:
    """True for a missing or empty folder, or one holding only the store's own empty
    subfolders (left when the very first write of a run failed)."""
    if not path.exists():
        return True
    if not path.is_dir():
        return False
    def leftover(p: Path) -> bool:  # a temp file of the store's own atomic writers
        return p.name.startswith(".") and p.name.endswith(".tmp") and p.is_file()

    for child in path.iterdir():
        if leftover(child) or child.name == LOCK_FILE:
            continue
        if not (child.name in ("runs", "failures", "summary") and child.is_dir()
                and all(leftover(c) for c in child.iterdir())):
            return False
    return True


def clear_owned(root: Path) -> None:
    """Delete what a store owns in ``root`` (never other files)."""
    for name in _OWNED:
        target = root / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def open_store(root: str | Path, identity: str, name: str, *, resume: bool = False,
               force: bool = False, explain: Callable[[dict[str, Any]], str] | None = None
               ) -> tuple[Store, dict[str, Any] | None]:
    """Open ``root`` for the experiment with ``identity``.

    Returns the store and the existing manifest (None for a fresh store). Refuses a directory
    that holds another experiment, or unrelated files, unless ``force`` (which deletes only the
    store's own files); refuses to add to existing runs of the same experiment unless
    ``resume``. ``explain(old manifest)`` says what differs from the other experiment's runs
    (the refusal names it).
    """
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise UserError("is a file, not a directory", file=root, expected="a results directory")
    store = Store(root)
    # a folder that is refused (another experiment's, not a store...) is refused before the
    # lock file is put in it; the checks are made again under the lock
    if root.exists():
        StoreLock(root).probe()  # a live writer is named first
        _open_locked(store, identity, name, resume=resume, force=force, dry=True,
                     explain=explain)
    root.mkdir(parents=True, exist_ok=True)
    store.lock = StoreLock(root).acquire()
    try:
        return store, _open_locked(store, identity, name, resume=resume, force=force,
                                   explain=explain)
    except BaseException:
        store.release()
        raise


def _not_a_store(root: Path) -> UserError:
    return UserError("is not empty and is not a simxh results directory", file=root,
                     expected="an empty or new directory, or --force")


def _open_locked(store: Store, identity: str, name: str, *, resume: bool, force: bool,
                 dry: bool = False, explain: Callable[[dict[str, Any]], str] | None = None
                 ) -> dict[str, Any] | None:
    """The checks and (unless ``dry``: only the refusals) the clearing of :func:`open_store`."""
    root = store.root
    manifest: dict[str, Any] | None = None
    if store.manifest_path.exists():
        try:
            manifest = store.read_manifest(complete=False)
        except UserError:
            if not force:
                raise
            manifest = {"experiment": {}}  # damaged: --force deletes it like any other store
        if dry:
            manifest = dict(manifest)
        other = manifest.get("experiment", {})
        if other.get("identity") != identity:
            why = explain(manifest) if explain is not None and not force else ""
            if why:
                raise UserError(
                    f"holds results of '{name}' run with other settings ({why})", file=root,
                    expected="the same settings to --resume, a new --out directory, or --force "
                    "to delete those results")
            if not force:
                raise UserError(
                    f"holds results of another experiment ('{other.get('name')}', "
                    f"{other.get('identity')}), not of '{name}' ({identity})", file=root,
                    expected="a new --out directory, or --force to delete those results")
            manifest = None
            if not dry:
                clear_owned(root)
        elif not (resume or force):
            done = len(store.done_ids())
            if done or store.failed_ids():
                raise UserError(
                    f"already holds {done} finished runs of '{name}'", file=root,
                    expected="--resume to finish or extend it, --retry-failed to rerun its "
                    "failures, or --force to start over")
        elif force and not resume:
            manifest = None
            if not dry:
                clear_owned(root)
    elif not _is_empty(root):
        if not force:
            raise _not_a_store(root)
        if not dry:
            clear_owned(root)
    if dry:
        return manifest
    store.runs_dir.mkdir(parents=True, exist_ok=True)
    store.failures_dir.mkdir(parents=True, exist_ok=True)
    store.clean_temp_files()
    return manifest


# ---- paths in the manifest ------------------------------------------------------------------
def shareable_path(path: str | None, experiment_file: str | None) -> str | None:
    """``path`` as the manifest stores it: relative to the experiment file's folder (as the
    experiment file itself writes it, e.g. ``../configs/pairing.toml``), so that a published
    results folder holds no absolute paths of the machine that ran it. None stays None."""
    if not path:
        return path
    if not experiment_file:
        return experiment_path(path)
    base = Path(experiment_file).resolve().parent
    try:
        return Path(os.path.relpath(Path(path).resolve(), base)).as_posix()
    except ValueError:  # another drive
        return str(path)


def experiment_path(path: str) -> str:
    """The experiment file as the manifest stores it: relative to the working folder when
    inside it (``experiments/quick.toml``), else its name only."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.name


def manifest_path_on_disk(path: str | None, manifest: dict[str, Any],
                          root: str | Path | None = None) -> str | None:
    """A path from the manifest (:func:`shareable_path`) as a usable path: absolute paths
    (older manifests) as they are; relative ones against the experiment file's folder, found
    from the results folder ``root`` (``experiment.dir_from_results``, the experiment folder
    relative to the results folder) when given, else from the experiment file as recorded
    (relative to the folder the run was started from)."""
    if not path or Path(path).is_absolute():
        return path
    exp = manifest.get("experiment") if isinstance(manifest.get("experiment"), dict) else {}
    up = exp.get("dir_from_results") if isinstance(exp, dict) else None
    if root is not None and isinstance(up, str):
        return os.path.normpath(Path(root) / up / path)
    file = exp.get("file") if isinstance(exp, dict) else None
    base = Path(file).parent if file else Path(".")
    return os.path.normpath(base / path)

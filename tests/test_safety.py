"""Safety (issue 7): config files are data, and the paths in them stay near them.

* Nothing in simxh evaluates or unpickles anything (checked on the source, by AST), and a
  config full of code-looking strings only ever yields an error or a string.
* A path written in a config (``region.data_dir``, ``extends``) resolves inside the config's
  own folder, its project (nearest ``pyproject.toml``/``.git``) or simxh's data, unless the
  user passes ``--allow-outside-paths``. Symbolic links are followed before the check.
* The local Dask cluster listens on loopback only.
"""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import pytest

from simxh.cli import main
from simxh.config import ALLOW_OUTSIDE_PATHS_ENV, load_config, resolve_config_path
from simxh.datafiles import FILES, default_data_dir
from simxh.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simxh"


# --------------------------------------------------------------------------------------------
# Nothing is evaluated or unpickled
# --------------------------------------------------------------------------------------------
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "input"}
FORBIDDEN_ATTRS = {("pickle", "load"), ("pickle", "loads"), ("marshal", "load"),
                   ("marshal", "loads"), ("shelve", "open"), ("yaml", "load"),
                   ("dill", "load"), ("dill", "loads"), ("cloudpickle", "load"),
                   ("cloudpickle", "loads"), ("pd", "read_pickle"), ("pandas", "read_pickle"),
                   ("os", "system"), ("os", "popen"), ("jsonpickle", "decode")}
# import_module is allowed only with names built from literals in these files
IMPORT_MODULE_ALLOWED = {"cli.py", "__init__.py"}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def test_no_eval_exec_or_unpickling_in_simxh():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        rel = path.relative_to(ROOT)
        for call in _calls(tree):
            func = call.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                problems.append(f"{rel}:{call.lineno} {func.id}()")
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and (func.value.id, func.attr) in FORBIDDEN_ATTRS:
                problems.append(f"{rel}:{call.lineno} {func.value.id}.{func.attr}()")
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "import_module" and path.name not in IMPORT_MODULE_ALLOWED:
                problems.append(f"{rel}:{call.lineno} import_module()")
            for kw in call.keywords:
                if kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant)
                                                     and kw.value.value is False):
                    problems.append(f"{rel}:{call.lineno} allow_pickle")
                if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant)
                                              and kw.value.value is False):
                    problems.append(f"{rel}:{call.lineno} shell=True")
    assert problems == []


def test_the_scan_would_catch_an_eval(tmp_path):
    """The AST scan above can fail: it sees eval() and pickle.loads() in a sample."""
    tree = ast.parse("import pickle\nx = eval(s)\ny = pickle.loads(b)\n")
    names = {getattr(c.func, "id", None) or f"{c.func.value.id}.{c.func.attr}"
             for c in _calls(tree)}
    assert {"eval", "pickle.loads"} <= names


def test_config_strings_are_never_executed(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "PWNED"
    payloads = [f"__import__('os').system('touch {marker}')", f"$(touch {marker})",
                f"`touch {marker}`", f"; touch {marker}"]
    for i, code in enumerate(payloads):
        for text in (
            f'name = "{code}"\ndescription = "{code}"\n[run]\nend_year = 2030\n',
            f'[integration]\nsharing_rule = "{code}"\n',
            f'[pairing]\npairs = ["{code}"]\n',
            f'[infrastructure]\nproject_ids = ["{code}"]\n',
            f'[region]\ndata_dir = "{code}"\n',
            f'extends = "{code}"\n',
        ):
            cfg = tmp_path / f"c{i}.toml"
            cfg.write_text(text, encoding="utf-8")
            code_ = main(["validate", str(cfg)])
            capsys.readouterr()
            assert code_ in (0, 2)
    assert not marker.exists()


# --------------------------------------------------------------------------------------------
# Paths in configs stay inside the config's folder or project
# --------------------------------------------------------------------------------------------
def copy_data(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in FILES:
        shutil.copy(default_data_dir() / f"{name}.csv", target / f"{name}.csv")
    return target


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """tmp/project (a project: pyproject.toml) with configs/ and data/; tmp/elsewhere/data."""
    monkeypatch.delenv(ALLOW_OUTSIDE_PATHS_ENV, raising=False)
    project = tmp_path / "project"
    (project / "configs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'study'\n")
    copy_data(project / "data")
    copy_data(tmp_path / "elsewhere" / "data")
    return tmp_path


def write_cfg(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("data_dir", ["../data", "../configs/../data", "{project}/data"])
def test_data_dir_inside_the_project_is_allowed(layout, capsys, data_dir):
    project = layout / "project"
    cfg = write_cfg(project / "configs", "c.toml",
                    f'[region]\ndata_dir = "{data_dir.format(project=project)}"\n')
    assert load_config(cfg).region.data_dir == str((project / "data").resolve())
    assert main(["validate", str(cfg)]) == 0


def test_data_dir_in_the_configs_own_folder_without_a_project(tmp_path, monkeypatch):
    monkeypatch.delenv(ALLOW_OUTSIDE_PATHS_ENV, raising=False)
    copy_data(tmp_path / "loose" / "data")
    cfg = write_cfg(tmp_path / "loose", "c.toml", '[region]\ndata_dir = "data"\n')
    assert load_config(cfg).region.data_dir == str((tmp_path / "loose" / "data").resolve())


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink", "home"])
def test_data_dir_outside_is_refused(layout, capsys, how):
    project = layout / "project"
    outside = layout / "elsewhere" / "data"
    value = {"dotdot": "../../elsewhere/data", "absolute": str(outside),
             "symlink": "../linked", "home": "~"}[how]
    if how == "symlink":
        (project / "linked").symlink_to(outside, target_is_directory=True)
    cfg = write_cfg(project / "configs", "c.toml", f'[region]\ndata_dir = "{value}"\n')
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    msg = str(info.value)
    assert msg.startswith(str(cfg)) and "key 'region.data_dir'" in msg
    assert f"(got '{value}')" in msg and "--allow-outside-paths" in msg
    assert str(project) in msg  # where it may point
    assert main(["validate", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "path leads outside" in err


def test_allow_outside_paths_flag(layout, capsys):
    project = layout / "project"
    outside = layout / "elsewhere" / "data"
    cfg = write_cfg(project / "configs", "c.toml", f'[region]\ndata_dir = "{outside}"\n')
    assert main(["validate", "--allow-outside-paths", str(cfg)]) == 0
    assert capsys.readouterr().out.startswith("OK")
    assert ALLOW_OUTSIDE_PATHS_ENV not in os.environ  # restored after the command
    assert main(["info", str(cfg), "--allow-outside-paths"]) == 0
    capsys.readouterr()
    assert main(["validate", str(cfg)]) == 2  # and refused again without it


def test_allow_outside_paths_env_reaches_workers(layout, monkeypatch):
    """The switch is an environment variable, so spawned worker processes inherit it."""
    outside = layout / "elsewhere" / "data"
    cfg = write_cfg(layout / "project" / "configs", "c.toml",
                    f'[region]\ndata_dir = "{outside}"\n')
    monkeypatch.setenv(ALLOW_OUTSIDE_PATHS_ENV, "1")
    assert load_config(cfg).region.data_dir == str(outside.resolve())
    monkeypatch.setenv(ALLOW_OUTSIDE_PATHS_ENV, "0")
    with pytest.raises(ConfigError, match="outside"):
        load_config(cfg)


def test_extends_outside_is_refused(layout, capsys):
    outside = layout / "elsewhere" / "base.toml"
    outside.write_text("[run]\nend_year = 2030\n")
    cfg = write_cfg(layout / "project" / "configs", "c.toml", f'extends = "{outside}"\n')
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert "key 'extends'" in str(info.value) and "outside" in str(info.value)
    assert main(["validate", "--allow-outside-paths", str(cfg)]) == 0
    assert main(["validate", str(cfg)]) == 2
    inside = write_cfg(layout / "project" / "configs", "d.toml", 'extends = "c.toml"\n')
    with pytest.raises(ConfigError, match="outside"):  # the parent's own extends is checked
        load_config(inside)


def test_set_data_dir_is_relative_to_the_current_directory(layout, monkeypatch):
    """A --set path is typed by the user (not read from a file): relative to the current
    directory, and not confined."""
    project = layout / "project"
    monkeypatch.chdir(project)
    cfg = load_config(None, ["region.data_dir=data"])
    assert cfg.region.data_dir == str((project / "data").resolve())
    outside = layout / "elsewhere" / "data"
    cfg = load_config(None, [f"region.data_dir={outside}"])
    assert cfg.region.data_dir == str(outside.resolve())
    again = cfg.with_overrides({"run.end_year": 2030})  # not re-checked against a file
    assert again.region.data_dir == str(outside.resolve())


EXP = ('[experiment]\nname = "t"\nreplications = 1\n\n[[scenarios]]\nname = "baseline"\n\n'
       '[[scenarios]]\nname = "alt"\nset = {{ "region.data_dir" = "{}" }}\n')


def test_experiment_set_path_is_relative_to_the_experiment_file(layout, monkeypatch, capsys):
    """Whatever the current directory, a path in an experiment's `set` table resolves against
    the experiment file and is confined to its folder or project."""
    project = layout / "project"
    exp = write_cfg(project / "configs", "exp.toml", EXP.format("../data"))
    for cwd in (layout / "elsewhere", project, project / "configs"):
        monkeypatch.chdir(cwd)
        assert main(["validate", str(exp)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    bad = write_cfg(project / "configs", "bad.toml", EXP.format("../../elsewhere/data"))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "region.data_dir" in err and "--allow-outside-paths" in err
    assert main(["validate", "--allow-outside-paths", str(bad)]) == 0


def test_package_data_is_always_allowed(tmp_path, monkeypatch):
    monkeypatch.delenv(ALLOW_OUTSIDE_PATHS_ENV, raising=False)
    cfg = write_cfg(tmp_path, "c.toml", f'[region]\ndata_dir = "{default_data_dir()}"\n')
    assert load_config(cfg).region.data_dir == str(default_data_dir())


@pytest.mark.parametrize("value", ["", "   ", "a\0b"])
def test_unusable_path_values(tmp_path, value):
    with pytest.raises(ConfigError, match="not a usable path"):
        resolve_config_path(value, file=tmp_path / "c.toml", key="region.data_dir")


def test_shipped_experiments_and_configs_stay_inside(monkeypatch, capsys):
    monkeypatch.delenv(ALLOW_OUTSIDE_PATHS_ENV, raising=False)
    files = sorted(str(p) for p in (ROOT / "configs").glob("*.toml"))
    files += sorted(str(p) for p in (ROOT / "experiments").glob("*.toml"))
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count("OK") == len(files)


def test_experiment_scenario_config_outside_is_refused(layout, capsys):
    outside = layout / "elsewhere" / "policy.toml"
    outside.write_text("[pairing]\nenabled = true\n")
    exp = write_cfg(layout / "project" / "configs", "exp.toml",
                    '[experiment]\nname = "t"\nreplications = 1\n\n[[scenarios]]\n'
                    f'name = "baseline"\n\n[[scenarios]]\nname = "p"\nconfig = "{outside}"\n')
    assert main(["validate", str(exp)]) == 2
    err = capsys.readouterr().err
    assert "key 'scenarios[1].config'" in err and "--allow-outside-paths" in err
    assert main(["validate", "--allow-outside-paths", str(exp)]) == 0


# --------------------------------------------------------------------------------------------
# A local Dask cluster listens on loopback only
# --------------------------------------------------------------------------------------------
def test_local_dask_cluster_is_bound_to_loopback_in_the_source():
    """Every LocalCluster(...) in simxh passes host='127.0.0.1' and no dashboard address."""
    clusters = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _calls(tree):
            name = call.func.attr if isinstance(call.func, ast.Attribute) \
                else getattr(call.func, "id", "")
            if name == "LocalCluster":
                kw = {k.arg: k.value for k in call.keywords}
                clusters.append(path.name)
                assert isinstance(kw.get("host"), ast.Constant) \
                    and kw["host"].value in ("127.0.0.1", "localhost"), path
                assert isinstance(kw.get("dashboard_address"), ast.Constant) \
                    and kw["dashboard_address"].value is None, path
    assert clusters, "no LocalCluster found: update this test"


def _listening_sockets(pids: list[int]) -> list[tuple[str, int]]:
    """(address hex, port) of every TCP socket in LISTEN state owned by ``pids`` (Linux)."""
    inodes = set()
    for pid in pids:
        fd_dir = Path(f"/proc/{pid}/fd")
        for fd in fd_dir.iterdir() if fd_dir.is_dir() else ():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and parts[9] in inodes:  # 0A = LISTEN
                address, port = parts[1].split(":")
                found.append((address, int(port, 16)))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_local_dask_cluster_listens_on_loopback_only():
    """A real --dask-local cluster: the scheduler, its HTTP server, the nannies and the
    workers all listen on 127.0.0.1 (or ::1), nothing on other interfaces."""
    pytest.importorskip("distributed")
    import psutil

    from simxh.executors import DaskExecutor

    loopback = {"0100007F", "00000000000000000000000001000000"}
    with DaskExecutor(local=True, workers=1) as ex:
        assert ex.client.scheduler_info()["address"].startswith("tcp://127.0.0.1:")
        me = psutil.Process()
        pids = [me.pid] + [child.pid for child in me.children(recursive=True)]
        sockets = _listening_sockets(pids)
    assert len(sockets) >= 3  # scheduler, nanny, worker at least
    assert all(address in loopback for address, _port in sockets), sockets


def test_experiment_uncertainty_path_outside_is_refused(layout, capsys):
    outside = layout / "elsewhere" / "data"
    exp = write_cfg(layout / "project" / "configs", "exp.toml",
                    '[experiment]\nname = "t"\nreplications = 1\n\n[[scenarios]]\n'
                    'name = "baseline"\n\n[design]\nkind = "factorial"\n\n[[uncertainties]]\n'
                    f'key = "region.data_dir"\nvalues = ["{layout / "project" / "data"}", '
                    f'"{outside}"]\n')
    assert main(["validate", str(exp)]) == 2
    err = capsys.readouterr().err
    assert "region.data_dir" in err and "--allow-outside-paths" in err

"""CONTRIBUTING.md cannot go stale: every file path it names exists, every dotted Python name
in backticks (``simxh.model.XinhuiModel.step``, ``Chenpi.update``) resolves to an attribute, and
every dotted config key (``firms.tfp_frontier_share``) is a parameter."""

from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path

import pytest

from simxh.config import SECTIONS, parameters

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "CONTRIBUTING.md"
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
DOTTED = re.compile(rf"{IDENT}(?:\.{IDENT})+")
PATH = re.compile(r"(?:[\w.<>*-]+/)+[\w.<>*-]*|[\w-]+\.(?:py|md|toml|csv|yml|yaml|cfg|txt)")
FILE_SUFFIXES = (".py", ".md", ".toml", ".csv", ".yml", ".yaml", ".cfg", ".txt", ".json")
INSTANCES = ("self", "m", "model")
"""Names of instances in code examples (``self.p.my_rate``, ``m.streams``): not checked."""
BARE_PATH = re.compile(r"(?<![\w/.`])((?:simxh|tests|docs|configs|experiments|benchmarks)/"
                       r"[\w./<>*-]*[\w>*/])")


def code_spans(text: str) -> list[str]:
    """The inline code spans (fenced blocks are commands, not names)."""
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return re.findall(r"`([^`\n]+)`", text)


def classify(span: str) -> tuple[str, str] | None:
    """('path', p), ('python', dotted), ('key', dotted) or None (a command, a value, a snippet)."""
    s = span.strip()
    if " " in s or "=" in s or "(" in s:
        return None
    if PATH.fullmatch(s) and ("/" in s or s.endswith(FILE_SUFFIXES)):
        # a path inside a results folder (``<results>/summary/targets.csv``) is not the repo's
        return None if s.startswith("<") else ("path", s)
    if DOTTED.fullmatch(s):
        if s.split(".")[0] in INSTANCES:
            return None
        if s.split(".")[0] in SECTIONS:
            return "key", s
        return "python", s
    return None


def path_exists(p: str) -> bool:
    pattern = re.sub(r"<[^>]+>", "*", p.rstrip("/"))
    if "*" in pattern:
        return any(ROOT.glob(pattern))
    return (ROOT / pattern).exists()


def _defined(body: list[ast.stmt]) -> dict[str, list[ast.stmt]]:
    """Names a module or class body defines, each with its class body (empty for others)."""
    out: dict[str, list[ast.stmt]] = {}
    for node in body:
        if isinstance(node, ast.ClassDef):
            out[node.name] = node.body
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out[node.name] = []
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        out[name.id] = []
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = []
    return out


@functools.cache
def _parsed(path: Path) -> list[ast.stmt]:
    return ast.parse(path.read_text(encoding="utf-8")).body


def _module_source(parts: list[str]) -> tuple[Path, int] | None:
    """The source file of the longest module prefix of ``parts`` and that prefix's length."""
    for i in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:i])
        path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if path.is_file():
            return path, i
    return None


def _walk(body: list[ast.stmt], names: list[str]) -> bool:
    for name in names:
        defined = _defined(body)
        if name not in defined:
            return False
        body = defined[name]
    return True


def module_classes(dotted_names: set[str]) -> dict[str, list[list[ast.stmt]]]:
    """The class bodies defined in the simxh modules that the names point into, by class name
    (for ``Class.method`` written without its module)."""
    classes: dict[str, list[list[ast.stmt]]] = {}
    for dotted in dotted_names:
        found = _module_source(dotted.split(".")) if dotted.startswith("simxh.") else None
        if found:
            for node in _parsed(found[0]):
                if isinstance(node, ast.ClassDef):
                    classes.setdefault(node.name, []).append(node.body)
    return classes


def resolve(dotted: str, classes: dict[str, list[list[ast.stmt]]]) -> bool:
    """``simxh.module.Name.attr`` from the module's source (no import: importing the analysis
    and dashboard modules costs seconds); ``Class.attr`` through the classes of the modules the
    page names; another package's name by import then getattr."""
    parts = dotted.split(".")
    if parts[0] == "simxh":
        found = _module_source(parts)
        return found is not None and _walk(_parsed(found[0]),
                                           parts[found[1]:])
    if parts[0] in classes:
        return any(_walk(body, parts[1:]) for body in classes[parts[0]])
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def named(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"path": set(), "python": set(), "key": set()}
    for span in code_spans(text):
        found = classify(span)
        if found:
            out[found[0]].add(found[1])
    out["path"] |= set(BARE_PATH.findall(re.sub(r"`[^`\n]+`", "", text)))
    return out


@pytest.fixture(scope="module")
def names() -> dict[str, set[str]]:
    return named(DOC.read_text(encoding="utf-8"))


def test_the_page_names_enough(names):
    assert len(names["path"]) >= 25 and len(names["python"]) >= 25, names


def test_every_named_file_exists(names):
    missing = sorted(p for p in names["path"] if not path_exists(p))
    assert not missing, f"CONTRIBUTING.md names files that do not exist: {missing}"


def test_every_named_function_and_class_exists(names):
    classes = module_classes(names["python"])
    missing = sorted(d for d in names["python"] if not resolve(d, classes))
    assert not missing, f"CONTRIBUTING.md names Python attributes that do not exist: {missing}"


def test_every_named_config_key_exists(names):
    keys = {p["key"] for p in parameters()}
    missing = sorted(k for k in names["key"] if k not in keys)
    assert not missing, f"CONTRIBUTING.md names config keys that do not exist: {missing}"


@pytest.mark.parametrize("stale", [
    "`simxh/processes/gone.py`", "`simxh.model.XinhuiModel.stepp`", "`simxh.nothing.here`",
    "`Chenpi.no_such_method`", "`firms.tfp_drift`", "see simxh/data/gone.csv there",
    "`configs/<lever>.yaml`",
])
def test_the_check_catches_a_stale_name(stale):
    text = "Uses `simxh.processes.chenpi.Chenpi` and `simxh/model.py`. " + stale
    found = named(text)
    classes = module_classes(found["python"])
    keys = {p["key"] for p in parameters()}
    bad = ([p for p in found["path"] if not path_exists(p)]
           + [d for d in found["python"] if not resolve(d, classes)]
           + [k for k in found["key"] if k not in keys])
    assert bad, stale


def test_the_check_accepts_real_names():
    text = ("`simxh.processes.chenpi.Chenpi`, `Chenpi.price_index`, `simxh.rng.Streams.get`, "
            "`simxh/model.py`, `configs/<lever>.toml`, `firms.tfp_frontier_share`, "
            "`pandas.testing.assert_frame_equal`, `self.p.anything` and simxh/data/towns.csv")
    found = named(text)
    classes = module_classes(found["python"])
    assert len(found["python"]) == 4 and len(found["path"]) == 3 and found["key"]
    assert all(resolve(d, classes) for d in found["python"])
    assert all(path_exists(p) for p in found["path"])

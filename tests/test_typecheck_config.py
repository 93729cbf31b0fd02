"""The type checker's configuration ([tool.mypy] in pyproject.toml; `make typecheck`).

Does not run mypy (`make test` does): checks that the exclude list, the modules whose errors
are ignored, only names modules that exist, so that it can only shrink honestly."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the exclude list's length: lower it when a module comes off the list, never raise it
MAX_EXCLUDED = 1


def _mypy() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def excluded_modules(mypy: dict) -> list[str]:
    """The simxh modules of the overrides that ignore errors (the exclude list)."""
    out: list[str] = []
    for block in mypy.get("overrides", []):
        if block.get("ignore_errors"):
            mods = block["module"]
            out.extend([mods] if isinstance(mods, str) else mods)
    return out


def module_file(module: str) -> Path | None:
    """The source file of a dotted module name (module.py or package/__init__.py), if any."""
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def test_mypy_checks_the_package():
    mypy = _mypy()
    assert mypy["files"] == ["simxh"]
    assert mypy["python_version"] == "3.12"
    assert mypy.get("check_untyped_defs") is True
    assert not mypy.get("ignore_errors"), "errors may be ignored only per module (the list)"
    assert not mypy.get("exclude"), "leave files out through the explicit list, not `exclude`"


def test_exclude_list_names_existing_modules_only():
    mods = excluded_modules(_mypy())
    for mod in mods:
        assert mod.startswith("simxh."), f"{mod}: the list is for simxh's own modules"
        assert "*" not in mod, f"{mod}: name each module, no wildcards"
        assert module_file(mod) is not None, f"{mod} is on the mypy exclude list but has no file"
    assert len(mods) == len(set(mods)), "a module is listed twice"
    assert mods == sorted(mods), "keep the list sorted"
    assert len(mods) <= MAX_EXCLUDED, (
        f"the mypy exclude list grew to {len(mods)} (at most {MAX_EXCLUDED}): fix the new "
        "module's type errors instead")


def test_make_test_runs_the_type_checker():
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    rules = {line.split(":", 1)[0]: line.split(":", 1)[1].split()
             for line in make.splitlines() if line and not line[0].isspace()
             and ":" in line and not line.startswith(("#", ".", "$")) and "=" not in line}
    assert "typecheck" in rules["test"]
    recipe = make.split("\ntypecheck:", 1)[1].split("\n\n", 1)[0]
    assert "mypy" in recipe

"""The ``simxh`` command line: one subcommand per module in :mod:`simxh.commands`.

A :class:`~simxh.errors.UserError` from any command is printed as one line and exits 2,
without a traceback; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from importlib import import_module

from simxh import __version__
from simxh.errors import EXIT_USER_ERROR, UserError

_DISK_ERRORS = {errno.EACCES: "permission denied", errno.EPERM: "operation not permitted",
                errno.ENOSPC: "no space left on the device", errno.EROFS: "read-only file system",
                errno.ENOTDIR: "a part of the path is a file, not a folder",
                errno.EISDIR: "is a folder", errno.EDQUOT: "disk quota exceeded",
                errno.EFBIG: "file too large", errno.ENAMETOOLONG: "file name too long",
                errno.ELOOP: "too many symbolic links"}
"""File-system errors that are the user's environment, not a bug: one line, exit 2."""

COMMANDS = ("info", "validate", "run", "status", "compare", "report", "export", "dashboard",
            "calibrate", "audit", "discover", "search")


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit with status 2 and one clear line (as argparse does)."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="simxh",
        description="Agent-based simulation of regional development policy in Xinhui District "
        "(新会区), Jiangmen. Run policy comparisons, sweeps and briefing charts.",
        epilog="Run 'simxh COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"simxh {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = import_module(f"simxh.commands.{name}")
        except ModuleNotFoundError as exc:  # a command whose module is not installed yet
            if exc.name and exc.name.startswith("simxh.commands"):
                continue
            raise
        module.register(sub)
    for command in sub.choices.values():
        command.add_argument(
            "--allow-outside-paths", action="store_true",
            help="let config and experiment files name paths (region.data_dir, extends, "
            "scenario configs) outside their own folder and project (refused by default)")
    return parser


@contextlib.contextmanager
def _outside_paths(allow: bool) -> Iterator[None]:
    """Allow config paths outside the project for this command (and the workers it starts)."""
    from simxh.config import ALLOW_OUTSIDE_PATHS_ENV

    if not allow:
        yield
        return
    old = os.environ.get(ALLOW_OUTSIDE_PATHS_ENV)
    os.environ[ALLOW_OUTSIDE_PATHS_ENV] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(ALLOW_OUTSIDE_PATHS_ENV, None)
        else:
            os.environ[ALLOW_OUTSIDE_PATHS_ENV] = old


def _stdout_to_devnull() -> None:
    """The standard recipe for SIGPIPE in Python (docs: "Note on SIGPIPE")."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _check_set_options(argv: list[str]) -> None:
    """``--set KEY=VALUE`` is one argument: ``--set a.b 2`` (a space for the ``=``) is refused
    naming that form, before argparse would say only "unrecognized arguments: 2"."""
    for i, token in enumerate(argv):
        if token == "--":
            return
        if token == "--set" and i + 1 < len(argv):
            value = argv[i + 1]
        elif token.startswith("--set="):
            value = token[len("--set="):]
        else:
            continue
        if "=" not in value:
            raise UserError("no '=' in the override", key="--set", value=value,
                            expected=f"the form --set KEY=VALUE in one argument, e.g. --set "
                            f"{value or 'run.end_year'}=VALUE")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in argv if a in COMMANDS), "")
    try:
        _check_set_options(argv)
    except UserError as exc:
        print(f"simxh {command}: error: {exc}".replace("simxh : ", "simxh: "), file=sys.stderr)
        return EXIT_USER_ERROR
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        with _outside_paths(getattr(args, "allow_outside_paths", False)):
            code = int(args.func(args) or 0)
            sys.stdout.flush()  # a closed pipe raises here, where it is handled, not at exit
            return code
    except UserError as exc:
        print(f"simxh {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:
        # the reader of our output went away (`simxh compare DIR | head`): not an error. Point
        # stdout at devnull so that the interpreter's final flush does not raise again.
        _stdout_to_devnull()
        return 0
    except OSError as exc:
        if exc.errno not in _DISK_ERRORS:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        hint = " (finished runs are kept: rerun with --resume once fixed)" \
            if args.command == "run" else ""
        print(f"simxh {args.command}: error: {where}{_DISK_ERRORS[exc.errno]}; expected a "
              f"readable, writable path with free space{hint}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt as exc:
        from simxh.stopping import Stopped, exit_code

        how = f" by {exc}" if isinstance(exc, Stopped) else ""
        print(f"simxh {args.command}: interrupted{how}", file=sys.stderr)
        return exit_code(exc)

"""The ``simxh`` command line: one subcommand per module in :mod:`simxh.commands`.

A :class:`~simxh.errors.UserError` from any command is printed as one line and exits 2,
without a traceback; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from simxh import __version__
from simxh.errors import EXIT_USER_ERROR, UserError

COMMANDS = ("info", "validate", "run", "status", "compare", "report")


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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"simxh {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"simxh {args.command}: interrupted", file=sys.stderr)
        return 130

"""``simxh dashboard [CONFIG]``: the model stepping live in the browser (Mesa's SolaraViz)."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys

from simxh.errors import UserError, similar_file

HOST = "127.0.0.1"  # never another interface: the dashboard has no authentication
DEFAULT_PORT = 8765
SEED_RANGE = (0, 2**63 - 1)  # as `simxh run --seed`
CULL_TIMEOUT = "5m"
"""A session whose page went away without closing (browser killed, network lost, laptop asleep)
keeps its model this long for a reconnect, then is closed and its memory released (Solara's
default is 24 h). SOLARA_KERNEL_CULL_TIMEOUT in the environment overrides it."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dashboard",
        help="interactive dashboard: switch levers, step the model, watch GDP, revenue, Theil",
        description="Serve Mesa's SolaraViz page for CONFIG on http://127.0.0.1:PORT (this "
        "machine only): the levers as switches and sliders (a change applies on Reset), "
        "district GDP, fiscal revenue and the Theil index as the model steps, against the band "
        "of the baseline (CONFIG with every lever off, 5 seeds), and the town network map "
        "coloured by GDP growth. Needs solara (pip install 'simxh[dashboard]'). Ctrl-C stops it.",
    )
    p.add_argument("config", nargs="?", metavar="CONFIG", help="config file (default: baseline)")
    p.add_argument("--port", default=str(DEFAULT_PORT), metavar="P",
                   help=f"port on 127.0.0.1 (default {DEFAULT_PORT})")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="label language")
    p.add_argument("--seed", type=int, default=1, metavar="S",
                   help=f"the model's seed, {SEED_RANGE[0]} to {SEED_RANGE[1]} (default 1)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value (dotted key)")
    p.set_defaults(func=handle)


def check_seed(seed: int) -> int:
    lo, hi = SEED_RANGE
    if not lo <= seed <= hi:
        raise UserError("out of range", key="--seed", value=seed,
                        expected=f"an integer in [{lo}, {hi}]")
    return seed


def check_port(text: str) -> int:
    """A free TCP port on 127.0.0.1, else a UserError. Connections of a server that just
    stopped (TIME_WAIT) do not count: the probe binds with SO_REUSEADDR, as the server itself
    does, so a restart on the same port works at once. A port another process listens on is
    still refused."""
    try:
        port = int(text)
    except ValueError:
        raise UserError("not a port number", key="--port", value=text,
                        expected="an integer from 1024 to 65535") from None
    if not 1024 <= port <= 65535:
        raise UserError("port out of range", key="--port", value=port,
                        expected="an integer from 1024 to 65535")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            raise UserError(f"port {port} is in use on {HOST}", key="--port", value=port,
                            expected="a free port (choose another with --port)") from None
    return port


def server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", "simxh.dashboard_app", "--host", HOST,
            "--port", str(port), "--production", "--no-open", "--no-check-version"]


def server_env(args: argparse.Namespace) -> dict[str, str]:
    """The server's environment: simxh's settings, and no calls out (no telemetry; the
    frontend assets come from the solara-assets package, not a CDN)."""
    env = dict(os.environ)
    env["SIMXH_DASHBOARD"] = json.dumps({
        "config": os.path.abspath(args.config) if args.config else None, "lang": args.lang,
        "overrides": list(args.overrides), "seed": args.seed})
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
    return env


def handle(args: argparse.Namespace) -> int:
    from simxh.config import load_config

    if args.config is not None and not os.path.isfile(args.config):
        raise UserError(f"config file not found{similar_file(args.config)}", file=args.config,
                        expected="a config file (configs/*.toml)")
    load_config(args.config, args.overrides)  # a bad config stops here, with one line
    check_seed(args.seed)
    port = check_port(args.port)
    try:
        import mesa.visualization  # noqa: F401
        import solara  # noqa: F401
    except ImportError:
        raise UserError("the dashboard needs solara", expected="pip install "
                        "'simxh[dashboard]'") from None
    env = server_env(args)
    print(f"simxh dashboard: http://{HOST}:{port}  (Ctrl-C stops it)", flush=True)
    sys.stderr.flush()
    # the server replaces this process: Ctrl-C and signals reach it directly, nothing is orphaned
    os.execve(sys.executable, server_command(port), env)
    return 0  # not reached

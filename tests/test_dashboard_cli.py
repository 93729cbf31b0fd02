"""``simxh dashboard``: arguments checked before a server starts; the page's pieces."""

from __future__ import annotations

import socket

import pytest

from simxh.cli import main
from simxh.commands.dashboard import HOST, check_port, server_command


@pytest.fixture(autouse=True)
def _no_server(monkeypatch):
    """An argument that gets through would start the server in place of pytest: fail instead."""
    def execve(*args):
        raise AssertionError("simxh dashboard would start its server")
    monkeypatch.setattr("os.execve", execve)


@pytest.mark.parametrize(("argv", "words"), [
    (["--port", "http"], ["--port", "not a port number"]),
    (["--port", "80"], ["--port", "1024 to 65535"]),
    (["--port", "70000"], ["--port", "out of range"]),
    (["missing.toml"], ["missing.toml", "config file not found"]),
    (["--set", "integration.enabled=maybe"], ["integration.enabled"]),
    (["--seed", "-5"], ["--seed", "out of range", "-5"]),
    (["--seed", str(2**63)], ["--seed", "out of range"]),
])
def test_bad_arguments_are_one_line_and_exit_2(argv, words, capsys):
    assert main(["dashboard", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("simxh dashboard: error:")
    for word in words:
        assert word in err


def test_a_port_in_use_is_refused(capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} is in use" in err and err.count("\n") == 1


def test_a_port_a_stopped_server_used_is_free_at_once():
    """A server that closed its connections first leaves them in TIME_WAIT for a minute; the
    probe (like the server) binds with SO_REUSEADDR, so a restart on that port is accepted."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((HOST, 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection((HOST, port))
        conn, _ = server.accept()
        conn.close()  # the server's side closes first: it is the one left in TIME_WAIT
        client.recv(1)
        client.close()
    assert check_port(str(port)) == port


def test_the_server_listens_on_localhost_only():
    cmd = server_command(8999)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert "--no-check-version" in cmd and "--production" in cmd


def test_page_pieces_follow_the_model():
    pytest.importorskip("solara")
    pytest.importorskip("mesa.visualization")
    from mesa.visualization.solara_viz import _check_model_params

    import simxh
    from simxh.config import load_config
    from simxh.dashboard import district_figure, model_params, status_text, t, town_growth

    config = load_config("configs/integration.toml")
    params = model_params(config, "zh")
    _check_model_params(simxh.XinhuiModel.__init__, params)  # Mesa accepts every name
    assert params["integration"]["value"] is True and params["pairing"]["value"] is False
    assert params["integration"]["label"] == t("integration", "zh")
    model = simxh.XinhuiModel(config=config, seed=1, integration=True)
    import pandas as pd
    years = list(range(2023, 2036))
    band = pd.DataFrame({(m, s): [1.0] * len(years) for m in
                         ("gdp_yi", "fiscal_revenue_yi", "theil_gdp_per_capita")
                         for s in ("min", "median", "max")}, index=years)
    for _ in range(2):
        model.step()
    assert status_text(model, band, "en").startswith("2025: GDP")
    fig = district_figure(model, band, "en")
    line = next(ln for ln in fig.axes[0].lines if ln.get_gid() == "model_gdp_yi")
    assert list(line.get_xdata()) == [2023, 2024, 2025]
    assert line.get_ydata()[-1] == pytest.approx(model.gdp_yi)
    gdp, growth = town_growth(model)
    assert gdp.sum() == pytest.approx(model.gdp_yi)
    assert growth.shape == (11,) and (growth != 0).all()


def test_a_sessions_kernel_start_callbacks_go_when_it_closes(monkeypatch):
    """solara 1.58's use_task (Mesa's Play loop) registers a process-wide kernel-start callback
    per session and never removes it; it pinned every closed session's model. A callback
    registered inside a session now goes when the session closes; one registered outside any
    session stays."""
    pytest.importorskip("solara")
    import solara.lifecycle
    from solara.server import kernel, kernel_context
    from solara.toestand import Singleton

    from simxh.dashboard import _scope_kernel_start_callbacks

    monkeypatch.setattr(solara.lifecycle, "on_kernel_start", solara.lifecycle.on_kernel_start)
    monkeypatch.setattr(solara.lifecycle, "_on_kernel_start_callbacks",
                        list(solara.lifecycle._on_kernel_start_callbacks))
    # closing a kernel closes every widget of the process: there are none of this test's
    monkeypatch.setattr("ipywidgets.Widget.close_all", lambda: None)
    _scope_kernel_start_callbacks()
    callbacks = solara.lifecycle._on_kernel_start_callbacks
    before = len(callbacks)
    Singleton(lambda: 0)  # module-level state
    context = kernel_context.VirtualKernelContext(id="simxh-test", session_id="simxh-test",
                                                  kernel=kernel.Kernel())
    with context:
        Singleton(lambda: 1)  # what use_task does while a session renders
    assert len(callbacks) == before + 2
    context.close()
    assert len(callbacks) == before + 1

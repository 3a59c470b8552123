"""`lineage explore` runs the installed explorer with the server flags it was given."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from cli.explore_cmd import app_path, streamlit_command
from tests.explorer.live import free_port


def test_command_runs_the_installed_app_headless_without_usage_stats_or_deploy_button() -> None:
    cmd = streamlit_command("0.0.0.0", 8600, headless=True)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(app_path())
    assert app_path().is_file() and app_path().parent.name == "explorer"
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags == {"--server.address": "0.0.0.0", "--server.port": "8600", "--server.headless": "true",
                     "--browser.gatherUsageStats": "false", "--server.showEmailPrompt": "false",
                     "--logger.hideWelcomeMessage": "true", "--client.toolbarMode": "minimal",
                     "--server.enableStaticServing": "true",
                     "--secrets.files": str(Path(".streamlit/secrets.toml").resolve())}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_the_streamlit_child_dies_with_lineage_explore(tmp_path: Path, sig: signal.Signals) -> None:
    """A stopped or killed `lineage explore` leaves no `streamlit run` behind (it kept the port)."""
    port = free_port()
    env = {**os.environ, "LINEAGE_BACKEND": "embedded", "LINEAGE_DB_PATH": str(tmp_path / "x.lbug"),
           "LINEAGE_AUDIT_PATH": str(tmp_path / "audit.jsonl")}
    command = [str(Path(sys.executable).with_name("lineage")), "explore", "--headless", "--port", str(port),
               "--role", "analyst", "--secrets", str(tmp_path / "no-secrets.toml")]
    with (tmp_path / "explore.log").open("w") as log:
        parent = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        child = _streamlit_child(parent, port)
        parent.send_signal(sig)
        parent.wait(60)
        _, alive = psutil.wait_procs([child], timeout=60)
        assert not alive, f"streamlit (pid {child.pid}) outlived lineage explore after {sig.name}"
    finally:
        if parent.poll() is None:  # the test failed before the signal: stop what it started
            parent.kill()
            parent.wait()


def _streamlit_child(parent: subprocess.Popen, port: int) -> psutil.Process:
    """The `streamlit run` that `lineage explore` started, once it answers on `port`."""
    url = f"http://127.0.0.1:{port}/_stcore/health"
    for _ in range(300):
        assert parent.poll() is None, "lineage explore exited early"
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        pytest.fail("the explorer did not start")
    [child] = psutil.Process(parent.pid).children()
    assert "streamlit" in " ".join(child.cmdline())
    return child

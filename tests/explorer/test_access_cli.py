"""`lineage explore` without sign-in: 127.0.0.1 only, as one local user; never open to a network."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from explorer.signin import ROLE_ENV
from tests.explorer.live import ROOT, free_port

AUTH = """
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "test-only-cookie-secret"
client_id = "lineage-test"
client_secret = "test-only-client-secret"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""


def explore(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["explore", "--headless", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.org"])
def test_local_mode_refuses_any_address_but_loopback(tmp_path: Path, host: str) -> None:
    code, out = explore("--host", host, "--secrets", str(tmp_path / "none.toml"))
    assert code == 2
    assert f"will not listen on {host}" in out and "no sign-in is configured" in out


def test_incomplete_sign_in_is_refused_naming_what_is_missing(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(AUTH.replace('client_secret = "test-only-client-secret"\n', ""))
    code, out = explore("--host", "0.0.0.0", "--secrets", str(secrets))
    assert code == 2 and "missing: [auth] client_secret" in out


def test_a_broken_secrets_file_is_an_error_not_local_mode(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[auth\nclient_id = 1")
    code, out = explore("--secrets", str(secrets))
    assert code == 2 and "not valid TOML" in out


def test_role_is_for_local_mode_only(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(AUTH)
    code, out = explore("--role", "admin", "--secrets", str(secrets))
    assert code == 2 and "--role is for local mode only" in out


def test_an_unknown_role_is_refused(tmp_path: Path) -> None:
    code, out = explore("--role", "superuser", "--secrets", str(tmp_path / "none.toml"))
    assert code == 2 and "superuser" in out


def test_local_mode_serves_loopback_as_the_given_role(scenario_db: Path, tmp_path: Path) -> None:
    """The real command: it starts Streamlit on 127.0.0.1 and says who the local user is."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != ROLE_ENV}
    env |= {"LINEAGE_BACKEND": "embedded", "LINEAGE_DB_PATH": str(scenario_db),
            "LINEAGE_AUDIT_PATH": str(tmp_path / "audit.jsonl")}
    out = tmp_path / "explore.log"
    with out.open("w") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("lineage")), "explore", "--headless", "--port", str(port),
             "--role", "analyst", "--secrets", str(tmp_path / "none.toml")],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, out.read_text()
                time.sleep(0.3)
        else:
            pytest.fail(f"the explorer did not start: {out.read_text()}")
        assert "local mode (no sign-in): one local user" in out.read_text()
        assert "as analyst; serving http://127.0.0.1:" in out.read_text()
    finally:
        proc.terminate()
        proc.wait(15)

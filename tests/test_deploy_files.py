"""docker-compose.yml cannot run here (no Docker engine), so its structure is checked instead."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_neo4j_526_community_and_the_explorer():
    services = _compose()["services"]
    assert set(services) == {"neo4j", "explorer"}
    assert services["neo4j"]["image"] == "neo4j:5.26-community"
    assert "healthcheck" in services["neo4j"]
    assert services["explorer"]["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert set(_compose()["volumes"]) >= {"neo4j-data"}


def test_compose_ports_bind_to_loopback_by_default():
    for name, service in _compose()["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_no_password_in_repository_files():
    text = (ROOT / "docker-compose.yml").read_text()
    assert "NEO4J_PASSWORD:?" in text
    assert not re.search(r"NEO4J_AUTH:\s*\"?neo4j/[^$]", text)
    assert not (ROOT / ".env").exists()


def test_explorer_serves_the_network_only_with_sign_in_from_an_uncommitted_secret():
    compose = _compose()
    explorer = compose["services"]["explorer"]
    command = explorer["command"]
    assert command[:2] == ["lineage", "explore"] and "--role" not in command
    secret = command[command.index("--secrets") + 1]
    assert secret == "/run/secrets/explorer_auth" and explorer["secrets"] == ["explorer_auth"]
    source = compose["secrets"]["explorer_auth"]["file"]
    assert source == "./.streamlit/secrets.toml"
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text().splitlines()
    assert not (ROOT / ".streamlit" / "secrets.toml").exists() or _ignored(".streamlit/secrets.toml")


def test_secrets_example_has_no_usable_secret():
    from explorer.signin import auth_problems, read_secrets

    example = read_secrets(ROOT / ".streamlit" / "secrets.example.toml")
    assert auth_problems(example) == ["[auth] cookie_secret", "[auth] client_secret"]


def _ignored(path: str) -> bool:
    import subprocess

    return subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0

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

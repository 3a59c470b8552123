"""Neo4j hardening on the graph side: TLS URI schemes accepted, credentials never in a URI, the
local server bound to loopback with auth on, and pseudonym keys that stay secret and stable."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from graph.access import Pseudonymizer
from graph.audit import AuditLog, audit_path
from graph.config import Settings
from graph.errors import PermissionDeniedError
from graph.neo4j.launcher import LocalNeo4j


@pytest.mark.parametrize("uri", [
    "bolt://127.0.0.1:7687", "bolt+s://db.agency.example:7687", "bolt+ssc://10.0.0.5:7687",
    "neo4j://cluster.example", "neo4j+s://abcd.databases.neo4j.io", "neo4j+ssc://db.example:7687",
])
def test_tls_and_plain_uris_are_accepted(uri: str) -> None:
    assert Settings(neo4j_uri=uri).neo4j_uri == uri


@pytest.mark.parametrize("uri, why", [
    ("http://127.0.0.1:7474", "must start with one of"),
    ("127.0.0.1:7687", "must start with one of"),
    ("bolt://neo4j:secret@127.0.0.1:7687", "must not contain a user or password"),
    ("neo4j+s://admin@db.example", "must not contain a user or password"),
])
def test_bad_uris_are_refused_with_the_reason(uri: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        Settings(neo4j_uri=uri)


def test_neo4j_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://db.example:7687")
    monkeypatch.setenv("NEO4J_PASSWORD", "from-env")
    monkeypatch.setenv("LINEAGE_AUDIT_PATH", "/var/log/lineage/audit.jsonl")
    settings = Settings()
    assert settings.neo4j_uri == "neo4j+s://db.example:7687"
    assert settings.neo4j_password is not None and settings.neo4j_password.get_secret_value() == "from-env"
    assert "from-env" not in repr(settings)
    assert audit_path(settings) == Path("/var/log/lineage/audit.jsonl")


def test_audit_log_sits_beside_the_database_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINEAGE_AUDIT_PATH", raising=False)
    embedded = Settings(backend="embedded", db_path=Path("/srv/x/lineage.lbug"))
    assert audit_path(embedded) == Path("/srv/x/lineage.lbug.audit.jsonl")
    neo = Settings(backend="neo4j", neo4j_database="cases")
    assert audit_path(neo) == Path("data/neo4j-cases.audit.jsonl")


def test_local_server_listens_on_loopback_only_with_auth(tmp_path: Path) -> None:
    server = LocalNeo4j(tmp_path / "home", bolt_port=17687, http_port=17474)
    server._write_conf()
    conf = dict(line.split("=", 1) for line in (tmp_path / "home/conf/neo4j.conf").read_text().splitlines()
                if "=" in line and not line.startswith("#"))
    addresses = {k: v for k, v in conf.items() if k.endswith(("listen_address", "advertised_address"))}
    assert addresses and all(v.startswith("127.0.0.1") for v in addresses.values()), addresses
    assert conf["dbms.security.auth_enabled"] == "true"
    assert conf["server.https.enabled"] == "false"


def test_pseudonym_key_file_is_owner_only_and_stable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINEAGE_PSEUDONYM_KEY", raising=False)
    audit = AuditLog(tmp_path / "db.audit.jsonl")
    first = Pseudonymizer.for_log(audit).token("person", "P-KID1")
    key_file = tmp_path / "db.audit.jsonl.pseudonym.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Pseudonymizer.for_log(AuditLog(audit.path)).token("person", "P-KID1") == first
    assert "KID1" not in first and first.startswith("psn_")


def test_pseudonym_key_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = os.urandom(64)
    monkeypatch.setenv("LINEAGE_PSEUDONYM_KEY", base64.b64encode(key).decode())
    audit = AuditLog(tmp_path / "db.audit.jsonl")
    token = Pseudonymizer.for_log(audit).token("person", "P-KID1")
    assert token == Pseudonymizer(key).token("person", "P-KID1")
    assert not (tmp_path / "db.audit.jsonl.pseudonym.key").exists()
    monkeypatch.setenv("LINEAGE_PSEUDONYM_KEY", "not base64!")
    with pytest.raises(ValueError, match="base64"):
        Pseudonymizer.for_log(audit)


def test_pseudonyms_round_trip_and_refuse_forgeries() -> None:
    one, other = Pseudonymizer(os.urandom(64)), Pseudonymizer(os.urandom(64))
    token = one.token("person", "P-KID1")
    assert one.token("person", "P-KID1") == token != one.token("person", "P-KID2")
    assert one.reveal(token, ["person"]) == ("person", "P-KID1")
    assert other.token("person", "P-KID1") != token
    link = one.token("link", "P-KID1")
    middle = len(token) // 2
    flipped = token[:middle] + ("a" if token[middle] != "a" else "b") + token[middle + 1 :]
    last = token[:-1] + ("a" if token[-1] != "a" else "b")  # may differ only in unused bits
    for bad, kinds in [(token, ["link"]), (link.replace("lnk_", "psn_"), ["person"]), (flipped, ["person"]),
                       (last, ["person"]),
                       ("psn_", ["person"]), ("P-KID1", ["person"]), ("psn_!!!", ["person"])]:
        with pytest.raises(PermissionDeniedError):
            one.reveal(bad, kinds)
    with pytest.raises(PermissionDeniedError):
        other.reveal(token, ["person"])

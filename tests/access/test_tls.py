"""Bolt over TLS end to end: a real Neo4j 5.26 from the project's launcher with a self-signed
certificate and `server.bolt.tls_level=REQUIRED`, reached through `graph.open_store` with
`bolt+ssc://`; plain `bolt://` is refused, and `bolt+s://` (verified) refuses the unsigned one."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

import graph
from graph.config import Settings
from graph.errors import StoreUnavailableError
from graph.neo4j.launcher import LocalNeo4j, free_ports

pytestmark = pytest.mark.neo4j_only


def self_signed(folder: Path) -> Path:
    """`private.key` and `public.crt` for 127.0.0.1, as `openssl req -x509` would make them."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    for sub in ("trusted", "revoked"):  # the policy's default folders; empty: no client certificates
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "private.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (folder / "private.key").chmod(0o600)
    (folder / "public.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return folder


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalNeo4j, str]]:
    home = tmp_path_factory.mktemp("tls")
    bolt, http = free_ports(2)
    password = secrets.token_hex(16)
    server = LocalNeo4j(home / "neo4j", bolt, http, password=password, heap="512m", pagecache="64m",
                        tls_dir=self_signed(home / "certificates" / "bolt"))
    server.start(die_with_caller=True)
    try:
        yield server, password
    finally:
        server.stop()


def settings(uri: str, password: str) -> Settings:
    return Settings(_env_file=None, backend="neo4j", neo4j_uri=uri, neo4j_password=password)


def test_the_store_talks_to_neo4j_over_tls(tls_server: tuple[LocalNeo4j, str]) -> None:
    server, password = tls_server
    assert server.uri.startswith("bolt+ssc://127.0.0.1:")
    conf = (server.home / "conf" / "neo4j.conf").read_text()
    assert "server.bolt.tls_level=REQUIRED" in conf and "dbms.ssl.policy.bolt.enabled=true" in conf
    store = graph.open_store(settings(server.uri, password))
    try:
        assert store.counts().persons == 0
    finally:
        store.close()


@pytest.mark.parametrize("scheme", ["bolt", "bolt+s"], ids=["plaintext", "verified-ca"])
def test_plaintext_and_an_unverifiable_certificate_are_refused(
    tls_server: tuple[LocalNeo4j, str], scheme: str
) -> None:
    server, password = tls_server
    with pytest.raises(StoreUnavailableError):
        graph.open_store(settings(f"{scheme}://127.0.0.1:{server.bolt_port}", password))

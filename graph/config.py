"""Which engine to use, from the environment or a settings file, in one place.

Settings come from environment variables (`LINEAGE_BACKEND`, `LINEAGE_DB_PATH`, `NEO4J_URI`,
`NEO4J_USER`, `NEO4J_PASSWORD`, `NEO4J_DATABASE`, `LINEAGE_AUDIT_PATH`, `LINEAGE_PSEUDONYM_KEY`)
or a `lineage.env` file in the working directory. Passwords and keys are never given a default,
and a Neo4j URI may not carry credentials: they come from the environment or secrets only.
Encrypted Neo4j connections are chosen by the URI scheme (`bolt+s`, `neo4j+s`, or `+ssc` for a
self-signed certificate), as the official driver defines them; see docs/security.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BACKENDS = ("embedded", "neo4j")
#: URI schemes of the official driver: plain, TLS with CA-verified (`+s`) or self-signed (`+ssc`)
#: certificates; `neo4j*` routes across a cluster, `bolt*` talks to one server.
NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file="lineage.env", extra="ignore")

    backend: str = Field(
        default="embedded", validation_alias=AliasChoices("LINEAGE_BACKEND", "backend")
    )
    db_path: Path = Field(
        default=Path("data/lineage.lbug"), validation_alias=AliasChoices("LINEAGE_DB_PATH", "db_path")
    )
    neo4j_uri: str = Field(
        default="bolt://127.0.0.1:7687", validation_alias=AliasChoices("NEO4J_URI", "neo4j_uri")
    )
    neo4j_user: str = Field(default="neo4j", validation_alias=AliasChoices("NEO4J_USER", "neo4j_user"))
    neo4j_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("NEO4J_PASSWORD", "neo4j_password")
    )
    neo4j_database: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "neo4j_database")
    )
    buffer_pool_mb: int | None = Field(
        default=None,
        gt=0,
        validation_alias=AliasChoices("LINEAGE_BUFFER_POOL_MB", "buffer_pool_mb"),
        description="embedded engine's page cache in MiB; default LadybugDB's own (80% of memory), "
        "too much for a machine shared with other processes",
    )
    audit_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("LINEAGE_AUDIT_PATH", "audit_path"),
        description="audit log file; default beside the database (see graph.audit.audit_path)",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("LINEAGE_PSEUDONYM_KEY", "pseudonym_key"),
        description="base64 of 64 random bytes; default: a key file created beside the audit log",
    )

    @field_validator("neo4j_uri")
    @classmethod
    def _check_uri(cls, uri: str) -> str:
        """Refuse a scheme the driver does not know and credentials written into the URI, which
        would end up in settings files and process listings."""
        parts = urlsplit(uri)
        if parts.scheme not in NEO4J_SCHEMES:
            schemes = ", ".join(s + "://" for s in NEO4J_SCHEMES)
            raise ValueError(f"NEO4J_URI must start with one of {schemes}")
        if parts.username or parts.password:
            raise ValueError(
                "NEO4J_URI must not contain a user or password; set NEO4J_USER and NEO4J_PASSWORD"
            )
        return uri


Mode = Literal["read_write", "read_only"]

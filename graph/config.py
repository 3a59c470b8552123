"""Which engine to use, from the environment or a settings file, in one place.

Settings come from environment variables (`LINEAGE_BACKEND`, `LINEAGE_DB_PATH`, `NEO4J_URI`,
`NEO4J_USER`, `NEO4J_PASSWORD`, `NEO4J_DATABASE`) or a `lineage.env` file in the working
directory. Passwords are never given a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

BACKENDS = ("embedded", "neo4j")


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


Mode = Literal["read_write", "read_only"]

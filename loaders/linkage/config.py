"""Linkage settings, from the environment or `lineage.env`, in one place.

`LINEAGE_LINKAGE_BACKEND` picks the SQL engine Splink runs on: `duckdb` (default, in process) or
`spark` (the optional `spark` extra: `pip install -e '.[spark]'`, Java 17), for users who outgrow
one machine. The model (comparisons, blocking, training) is the same on both; see docs/linkage.md.

Example:
    LINEAGE_LINKAGE_BACKEND=spark LINEAGE_LINKAGE_SPARK_MASTER=local[2] lineage resolve
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LinkageSettings(BaseSettings):
    """Backend and resource settings; the defaults suit the 2-core, 24 GiB machine measured in
    docs/benchmarks.md ("Linkage speed").

    Args:
        backend: `duckdb` or `spark`.
        duckdb_threads: DuckDB worker threads (default: DuckDB's own, one per core).
        duckdb_memory_limit: e.g. `8GB`; past it DuckDB spills to a temporary directory.
        em_max_pairs: EM trains on about this many blocked pairs, sampled (Splink's `max_pairs`)
            when a training rule would give more. EM's estimates settle long before this.
        spark_master: Spark's master URL; `local[N]` runs in one JVM with N cores.
        spark_driver_memory: the JVM heap of the driver (in `local` mode, all of Spark).
        spark_shuffle_partitions: partitions after a shuffle; Spark's 200 suit a cluster, and on
            a few local cores each of them costs a task's overhead.
    """

    model_config = SettingsConfigDict(
        env_prefix="LINEAGE_LINKAGE_", env_file="lineage.env", extra="ignore", frozen=True
    )

    backend: Literal["duckdb", "spark"] = "duckdb"
    duckdb_threads: int | None = Field(default=None, ge=1)
    duckdb_memory_limit: str | None = None
    em_max_pairs: float = Field(default=5e6, gt=0)
    spark_master: str = "local[2]"
    spark_driver_memory: str = "4g"
    spark_shuffle_partitions: int = Field(default=8, ge=1)

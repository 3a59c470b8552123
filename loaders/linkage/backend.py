"""The SQL engine Splink runs on, chosen in one place: DuckDB in process, or Spark.

`splink_api()` is the only place a Splink `DatabaseAPI` is created. Which one comes from
`LinkageSettings.backend` (`LINEAGE_LINKAGE_BACKEND`). Spark is imported only when chosen, so
a machine without the optional `spark` extra runs DuckDB and gets a clear message if it asks
for Spark.

The comparisons (`loaders.linkage.model`) are written once, with the few functions whose names
differ between engines taken from `SqlFunctions`, so both engines run the same model.

Example:
    api = splink_api()                    # DuckDBAPI or SparkAPI
    sql = sql_functions(api.sql_dialect.sql_dialect_str)
    sql.overlap("given_sounds")           # 'list_has_any(given_sounds_l, given_sounds_r)'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb
from splink import DuckDBAPI

from loaders.linkage.config import LinkageSettings
from loaders.linkage.errors import LinkageError


@dataclass(frozen=True)
class SqlFunctions:
    """One engine's spelling of the functions the comparisons use; each template takes the left
    and right column (`{0}`, `{1}`), and the methods take a column name without `_l`/`_r`."""

    dialect: str
    jaro_winkler_sql: str
    damerau_levenshtein_sql: str
    overlap_sql: str
    common_sql: str
    empty_sql: str

    def jaro_winkler(self, col: str) -> str:
        return self.jaro_winkler_sql.format(f"{col}_l", f"{col}_r")

    def damerau_levenshtein(self, col: str) -> str:
        return self.damerau_levenshtein_sql.format(f"{col}_l", f"{col}_r")

    def overlap(self, col: str) -> str:
        """Whether the two arrays share an element."""
        return self.overlap_sql.format(f"{col}_l", f"{col}_r")

    def common(self, col: str) -> str:
        """How many elements the two arrays share."""
        return self.common_sql.format(f"{col}_l", f"{col}_r")

    def either_empty(self, col: str) -> str:
        return f"{self.empty_sql.format(f'{col}_l')} OR {self.empty_sql.format(f'{col}_r')}"


SQL_FUNCTIONS = {
    "duckdb": SqlFunctions(
        "duckdb",
        "jaro_winkler_similarity({0}, {1})",
        "damerau_levenshtein({0}, {1})",
        "list_has_any({0}, {1})",
        "len(list_intersect({0}, {1}))",
        "len({0}) = 0",
    ),
    # jaro_winkler and damerau_levenshtein are the Scala UDFs of Splink's jar (see spark_session)
    "spark": SqlFunctions(
        "spark",
        "jaro_winkler({0}, {1})",
        "damerau_levenshtein({0}, {1})",
        "arrays_overlap({0}, {1})",
        "size(array_intersect({0}, {1}))",
        "size({0}) = 0",
    ),
}


def sql_functions(dialect: str) -> SqlFunctions:
    try:
        return SQL_FUNCTIONS[dialect]
    except KeyError:
        raise LinkageError(f"no linkage SQL for Splink dialect {dialect!r}; use duckdb or spark") from None


def splink_api(settings: LinkageSettings | None = None) -> Any:
    """A fresh Splink `DatabaseAPI` for the configured backend (a new DuckDB connection, or the
    process's one Spark session)."""
    settings = settings or LinkageSettings()
    if settings.backend == "spark":
        from splink.backends.spark import SparkAPI

        # persist: Spark keeps intermediate tables in memory and spills to local disk, with no
        # checkpoint directory to configure (the default, parquet, needs one)
        return SparkAPI(spark_session=spark_session(settings), break_lineage_method="persist")
    config: dict[str, Any] = {}
    if settings.duckdb_threads:
        config["threads"] = settings.duckdb_threads
    if settings.duckdb_memory_limit:
        config["memory_limit"] = settings.duckdb_memory_limit
    return DuckDBAPI(duckdb.connect(config=config))


@cache
def spark_session(settings: LinkageSettings) -> Any:
    """The process's Spark session with Splink's similarity UDF jar (Jaro-Winkler, Damerau-
    Levenshtein); Spark allows one active session per process, so it is created once."""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:
        raise LinkageError(
            "LINEAGE_LINKAGE_BACKEND=spark needs the optional spark extra: pip install -e '.[spark]' "
            f"(and Java 17): {exc}"
        ) from exc
    session = (
        SparkSession.builder.master(settings.spark_master)
        .appName("lineage-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", settings.spark_driver_memory)
        .config("spark.sql.shuffle.partitions", settings.spark_shuffle_partitions)
        .config("spark.driver.bindAddress", "127.0.0.1")  # local mode: listen on loopback only
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session

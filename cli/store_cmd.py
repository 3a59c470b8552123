"""`lineage init` and `lineage stats`: the configured store itself."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from cli.errors import exit_on_error
from graph import open_store
from graph.config import Settings


@exit_on_error
def init(
    rebuild_census: bool = typer.Option(
        False, "--rebuild-census",
        help="also recompute the census kept at write time from the records (after a write that "
        "failed half-way, or two processes writing the same persons at once)",
    ),
) -> None:
    """Create the schema (constraints and indexes on Neo4j) of the configured store."""
    settings = Settings()
    with open_store(settings) as store:
        store.init_schema()
        if rebuild_census:
            store.rebuild_census()
    where = settings.db_path if settings.backend == "embedded" else settings.neo4j_uri
    typer.echo(f"schema ready on {settings.backend} ({where})")
    if rebuild_census:
        typer.echo("census recomputed from the records")


@exit_on_error
def stats() -> None:
    """Print the dashboard counts of the configured store."""
    with open_store(read_only=True) as store:
        counts = store.counts()
    table = Table("what", "count")
    for name, value in counts.model_dump().items():
        if isinstance(value, dict):
            for kind, n in value.items():
                table.add_row(f"{name}.{kind}", str(n))
        else:
            table.add_row(name, str(value))
    Console().print(table)

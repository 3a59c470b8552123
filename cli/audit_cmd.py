"""`lineage audit verify | export | who-viewed`: the audit log from the command line.

These commands read the log only (they append nothing), so `verify` checks exactly what is on
disk; whoever can run them can read the log file, which is an admin's privilege by file mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.errors import exit_on_error
from graph.audit import AuditLog, audit_path
from graph.config import Settings

audit_app = typer.Typer(help="Check, export and query the audit log.", no_args_is_help=True)

PathOption = Annotated[
    Path | None, typer.Option("--path", help="audit log file (default: settings `audit_path`)")
]


def _log(path: Path | None) -> AuditLog:
    return AuditLog(path or audit_path(Settings()))


@audit_app.command()
@exit_on_error
def verify(
    path: PathOption = None,
    expect_head: Annotated[
        str | None,
        typer.Option("--expect-head", help="a head hash noted earlier that must still be in the log"),
    ] = None,
) -> None:
    """Check the hash chain; exit 1 naming the first broken entry."""
    log = _log(path)
    if not log.path.exists():
        typer.secho(f"error: no audit log at {log.path}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    result = log.verify(expect_head)
    if not result.ok:
        typer.secho(f"{log.path}: {result.message()}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.echo(f"{log.path}: {result.message()}")


@audit_app.command()
@exit_on_error
def export(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write")],
    path: PathOption = None,
) -> None:
    """Write every entry to a CSV file (parameters as JSON)."""
    n = _log(path).export_csv(out)
    typer.echo(f"{n} entries written to {out}")


@audit_app.command("who-viewed")
@exit_on_error
def who_viewed(
    person_id: Annotated[str, typer.Argument(help="the person's id")], path: PathOption = None
) -> None:
    """Who looked at a person's record, when, and how (views, searches and lists that showed it)."""
    entries = _log(path).entries(person_id=person_id)
    table = Table("when (UTC)", "who", "role", "action", "page or operation", "about them directly")
    for e in entries:
        table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.who, e.role, e.action,
                      e.how(),
                      "yes" if e.target == person_id else "in the results")
    Console().print(table)
    typer.echo(f"{len(entries)} entries concern {person_id}")

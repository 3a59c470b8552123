"""`lineage`: the console entry point."""

from __future__ import annotations

import typer

from cli import store_cmd

app = typer.Typer(
    help="Family Lineage Explorer: agency records into one family graph, and an explorer over it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(store_cmd.init)
app.command()(store_cmd.stats)

"""`lineage`: the console entry point."""

from __future__ import annotations

import typer

from cli import demo_cmd, explore_cmd, load_cmd, resolve_cmd, store_cmd
from cli.audit_cmd import audit_app
from cli.neo4j_cmd import neo4j_app
from cli.review_cmd import review_app

app = typer.Typer(
    help="Family Lineage Explorer: agency records into one family graph, and an explorer over it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(store_cmd.init)
app.command()(store_cmd.stats)
app.add_typer(neo4j_app, name="neo4j")
app.add_typer(audit_app, name="audit")
app.command()(load_cmd.synth)
app.command()(load_cmd.load)
app.command()(resolve_cmd.resolve)
app.add_typer(review_app, name="review")
app.command()(explore_cmd.explore)
app.command()(demo_cmd.demo)

"""`lineage resolve`: link every loaded mention into persons and rewrite the graph's persons.

Thin: `loaders.linkage.apply.resolve_store` does the work; this prints what it did and the
data-quality report, and says where the models and the report are kept.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from cli.errors import exit_on_error
from graph import open_store
from graph.config import Settings
from loaders.errors import LoaderError
from loaders.linkage.apply import ResolveReport, linkage_dir_for, resolve_store
from loaders.linkage.cluster import Thresholds
from loaders.linkage.errors import LinkageError
from loaders.pipeline import ledger_path_for

P = ParamSpec("P")
T = TypeVar("T")

DEFAULTS = Thresholds()


def exit_on_linkage_error(command: Callable[P, T]) -> Callable[P, T]:
    """A LinkageError (nothing loaded, unknown source, untrainable data) or a bad mapping file
    ends the command with one line and exit code 2."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except (LinkageError, LoaderError) as exc:
            typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from exc

    return run


def run_resolution(thresholds: Thresholds, mappings: list[Path], *, reuse_models: bool) -> ResolveReport:
    """Resolve on the configured store, with the ledger and models kept beside it."""
    logging.getLogger("splink").setLevel(logging.ERROR)  # its training chatter is not for users
    settings = Settings()
    with open_store(settings) as store:
        return resolve_store(
            store,
            ledger_path=ledger_path_for(settings),
            model_dir=linkage_dir_for(settings),
            thresholds=thresholds,
            mappings=mappings,
            reuse_models=reuse_models,
        )


@exit_on_error
@exit_on_linkage_error
def resolve(
    merge: Annotated[
        float, typer.Option("--merge", min=0.0, max=1.0, help="merge at or above this match probability")
    ] = DEFAULTS.merge,
    review: Annotated[
        float, typer.Option("--review", min=0.0, max=1.0, help="possible match for review from here up")
    ] = DEFAULTS.review,
    max_cluster: Annotated[
        int, typer.Option("--max-cluster", min=2, help="largest person a probabilistic merge may make")
    ] = DEFAULTS.max_cluster,
    mapping: Annotated[
        list[Path] | None,
        typer.Option(
            "--mapping", exists=True, dir_okay=False, help="mapping file of a source loaded with it"
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="only the one-line summary")] = False,
) -> None:
    """Link every loaded mention into persons (Splink, trained on the data) and rewrite the graph:
    merges above --merge, possible matches for review above --review, reviewers' decisions kept."""
    if review > merge:
        raise typer.BadParameter("--review must not be above --merge")
    thresholds = Thresholds(merge=merge, review=review, max_cluster=max_cluster)
    report = run_resolution(thresholds, mapping or [], reuse_models=False)
    print_report(report, Console(), quiet=quiet)


def print_report(report: ResolveReport, console: Console, *, quiet: bool = False) -> None:
    console.print(
        f"lineage resolve: {report.mentions} mentions → {report.persons} persons "
        f"(were {report.persons_before}); {report.merged} merged, {report.rewritten} rewritten, "
        f"{report.possible_matches} possible matches, {report.decisions} reviewers' decisions kept "
        f"({report.seconds:.1f} s)"
    )
    if quiet:
        return
    cluster = report.cluster
    console.print(
        f"largest person: {cluster.largest_cluster} mentions; merges refused: "
        f"{dict(cluster.refused) or 'none'}; identifier groups holding two people of one record: "
        f"{cluster.conflicting_identifiers}"
    )
    table = Table(title="data quality (every mention listed in the report file)")
    for col in ("issue", "mentions / persons", "left as own person"):
        table.add_column(col, justify="left" if col == "issue" else "right")
    own = report.quality.own_persons()
    for issue, n in sorted(report.quality.counts().items()):
        table.add_row(issue, str(n), str(own.get(issue, 0)))
    console.print(table)
    console.print(f"report: {report.quality_file}")
    console.print(f"models: {report.model_dir}")

"""`lineage synth` and `lineage load`: thin commands over `loaders.synth` and `loaders.pipeline`.

The lead registers them on the main app, e.g. `app.command("synth")(synth)` and
`app.command("load")(load)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph import open_store
from graph.config import Settings
from loaders.errors import LoaderError
from loaders.pipeline import DEFAULT_CHUNK_ROWS, LoadReport, ledger_path_for, load_paths
from loaders.synth import MessRates, SynthConfig, generate
from loaders.synth.facilities import DEFAULT_LIST
from loaders.synth.manifest import MANIFEST_FILE


def synth(
    out: Annotated[Path, typer.Option("--out", help="directory for the agency files")] = Path(
        "data/scenario"
    ),
    families: Annotated[int, typer.Option("--families", min=1, help="families apprehended together")] = 500,
    seed: Annotated[int, typer.Option("--seed", help="same seed, same files")] = 0,
    mess: Annotated[
        float, typer.Option("--mess", min=0.0, help="multiply every mess rate (0 = clean)")
    ] = 1.0,
    facility_list: Annotated[
        Path | None, typer.Option("--facility-list", help="ICE facility list xlsx (real names when present)")
    ] = DEFAULT_LIST,
) -> None:
    """Write a synthetic multi-agency scenario: each agency's export plus ground_truth.json."""
    cfg = SynthConfig(families=families, seed=seed, rates=MessRates().scaled(mess))
    summary = generate(out, cfg, facility_list)
    console = Console()
    table = Table(title=f"scenario in {out} ({summary.persons} persons, {summary.seconds:.1f} s)")
    table.add_column("file")
    table.add_column("records", justify="right")
    for name, n in summary.files.items():
        table.add_row(name, str(n))
    console.print(table)
    if not summary.real_facilities:
        console.print("ICE facility list not found: facilities are generated.")


def load(
    paths: Annotated[
        list[Path], typer.Argument(help="agency files (CSV, XLSX, JSON)", exists=True, dir_okay=True)
    ],
    source: Annotated[
        str | None, typer.Option("--source", help="loader name or a mapping .toml; detected when absent")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar or summary table")] = False,
    chunk_rows: Annotated[int, typer.Option("--chunk-rows", min=1, hidden=True)] = DEFAULT_CHUNK_ROWS,
) -> None:
    """Load agency files into the graph; rows that fail are quarantined, with their reasons."""
    files = [f for p in paths for f in (sorted(x for x in p.iterdir() if x.is_file()) if p.is_dir() else [p])]
    files = [f for f in files if f.name not in ("ground_truth.json", MANIFEST_FILE)]
    settings = Settings()
    try:
        with open_store(settings) as store:
            report = load_paths(
                files,
                store,
                ledger_path=ledger_path_for(settings),
                source=source,
                chunk_rows=chunk_rows,
                quiet=quiet,
            )
    except LoaderError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if not quiet:
        print_report(report, Console())
    if report.refused:
        for f in report.refused:
            typer.echo(f"refused: {f.message}", err=True)
        raise typer.Exit(1)


def print_report(report: LoadReport, console: Console) -> None:
    """Per-file summary where rows in = loaded + quarantined."""
    table = Table(title=f"lineage load: {report.seconds:.1f} s, {report.chunks} chunk(s)")
    for col in ("file", "source", "status", "rows in", "loaded", "quarantined", "top reasons"):
        table.add_column(col, justify="right" if col in {"rows in", "loaded", "quarantined"} else "left")
    for f in report.files:
        reasons = "; ".join(f"{r} ×{n}" for r, n in f.reasons[:2]) or f.message
        table.add_row(
            f.path.name, f.source, f.status, str(f.rows_in), str(f.loaded), str(f.quarantined), reasons
        )
    console.print(table)
    quarantined = [f.quarantine_file for f in report.files if f.quarantine_file]
    if quarantined:
        console.print(f"quarantine: {quarantined[0].parent}")


#: Standalone app (`python -m cli.load_cmd load …`) until these are registered on `cli.main.app`.
app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
app.command()(synth)
app.command()(load)

if __name__ == "__main__":
    app()

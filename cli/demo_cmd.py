"""`lineage demo`: the README's main job — a synthetic scenario, loaded, opened in the explorer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli import explore_cmd, load_cmd, resolve_cmd
from graph.access import Role
from graph.config import Settings
from loaders.linkage.apply import linkage_dir_for
from loaders.linkage.errors import LinkageError
from loaders.pipeline import DEFAULT_CHUNK_ROWS
from loaders.synth.facilities import DEFAULT_LIST


def demo(
    families: Annotated[int, typer.Option(min=1, help="families in the synthetic scenario")] = 500,
    seed: Annotated[int, typer.Option(help="same seed, same scenario")] = 2018,
    out: Annotated[Path, typer.Option(help="where the agency files are written")] = Path("data/demo"),
    port: Annotated[int, typer.Option(help="explorer port on 127.0.0.1")] = 8501,
    explore: Annotated[bool, typer.Option(help="open the explorer when loaded")] = True,
    headless: Annotated[bool, typer.Option(help="do not open a browser window")] = False,
    role: Annotated[Role, typer.Option(help="the local user's role in the explorer (local mode, the data "
                                       "is synthetic)")] = Role.CASEWORKER,
) -> None:
    """Generate the synthetic scenario (once), load it, resolve persons, open the explorer.

    Loading is idempotent: running the demo again skips files already loaded and goes straight
    to the explorer. The explorer runs in local mode on 127.0.0.1 (no sign-in; the scenario is
    synthetic), as one local user with --role, unless the secrets file configures sign-in.
    """
    if not (out / "ground_truth.json").is_file():
        load_cmd.synth(out=out, families=families, seed=seed, mess=1.0, facility_list=DEFAULT_LIST)
    load_cmd.load(paths=[out], source=None, quiet=False, chunk_rows=DEFAULT_CHUNK_ROWS)
    # Link the agencies' mentions into persons, as a user would after each load; a second demo
    # run scores with the models the first one trained (nothing changed, nothing is rewritten).
    trained = (linkage_dir_for(Settings()) / "linkage_pass1.json").is_file()
    try:
        report = resolve_cmd.run_resolution(resolve_cmd.DEFAULTS, [], reuse_models=trained)
        resolve_cmd.print_report(report, Console(), quiet=True)
    except LinkageError as exc:  # e.g. too few families to train on: the graph is still usable
        typer.secho(f"persons not resolved ({exc}); records join on shared identifiers only",
                    fg=typer.colors.YELLOW, err=True)
    if explore:
        typer.echo(f"opening the explorer on http://127.0.0.1:{port} (Ctrl+C to stop)")
        explore_cmd.explore(host="127.0.0.1", port=port, headless=headless,
                            role=None if explore_cmd.signin_configured() else role)

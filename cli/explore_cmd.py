"""`lineage explore`: start the Streamlit explorer on the configured store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

import explorer


def app_path() -> Path:
    """The explorer's entry script, found from the installed package (works from any directory)."""
    return Path(explorer.__file__).resolve().parent / "app.py"


def streamlit_command(host: str, port: int, headless: bool) -> list[str]:
    """The `streamlit run` command line; usage statistics are always off (closed networks)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app_path()),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true" if headless else "false",
        "--browser.gatherUsageStats", "false",
    ]


def explore(
    host: Annotated[str, typer.Option(help="address to listen on; 0.0.0.0 to serve a network")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8501,
    headless: Annotated[bool, typer.Option(help="do not open a browser")] = False,
) -> None:
    """Open the explorer in a browser: find a child, see its family, where each one is and why.

    It reads the store named by LINEAGE_BACKEND / LINEAGE_DB_PATH (or lineage.env), read-only,
    so a `lineage load` may run beside it; the pages show new data once the load finishes.
    """
    raise typer.Exit(subprocess.call(streamlit_command(host, port, headless)))

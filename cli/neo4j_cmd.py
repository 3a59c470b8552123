"""`lineage neo4j start|stop|status`: the local Neo4j server, thin over `graph.neo4j.launcher`.

Options fall back to environment variables so a team can pin them in `lineage.env`-style shells:
`LINEAGE_NEO4J_HOME`, `LINEAGE_NEO4J_BOLT_PORT`, `LINEAGE_NEO4J_HTTP_PORT`, `LINEAGE_NEO4J_HEAP`,
`LINEAGE_NEO4J_PAGECACHE` (and `LINEAGE_NEO4J_JARS` for the jar cache, `NEO4J_PASSWORD` for the
password on first start).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graph.errors import Neo4jLauncherError
from graph.neo4j.launcher import LocalNeo4j

neo4j_app = typer.Typer(help="Run a local Neo4j 5.26 server from Maven Central jars (no Docker).",
                        no_args_is_help=True)

Home = Annotated[Path, typer.Option(envvar="LINEAGE_NEO4J_HOME", help="server home directory")]
BoltPort = Annotated[int, typer.Option(envvar="LINEAGE_NEO4J_BOLT_PORT", help="Bolt port on 127.0.0.1")]
HttpPort = Annotated[int, typer.Option(envvar="LINEAGE_NEO4J_HTTP_PORT", help="HTTP port on 127.0.0.1")]
Heap = Annotated[str, typer.Option(envvar="LINEAGE_NEO4J_HEAP", help="JVM heap, e.g. 512m or 1g")]
PageCache = Annotated[str, typer.Option(envvar="LINEAGE_NEO4J_PAGECACHE", help="page cache size")]


def _fail(exc: Neo4jLauncherError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=1)


@neo4j_app.command()
def start(
    home: Home = Path("data/neo4j"),
    bolt_port: BoltPort = 7687,
    http_port: HttpPort = 7474,
    heap: Heap = "1g",
    pagecache: PageCache = "512m",
    timeout: Annotated[float, typer.Option(help="seconds to wait for Bolt")] = 180.0,
) -> None:
    """Start the server (fetching the jars once) and print the settings to export."""
    server = LocalNeo4j(home, bolt_port, http_port, heap=heap, pagecache=pagecache)
    try:
        uri, user, password = server.start(timeout=timeout)
    except Neo4jLauncherError as exc:
        raise _fail(exc) from exc
    typer.echo(f"# Neo4j running (pid {server.status().pid}); log: {server.log_path}")
    typer.echo("export LINEAGE_BACKEND=neo4j")
    typer.echo(f"export NEO4J_URI={uri}")
    typer.echo(f"export NEO4J_USER={user}")
    typer.echo(f"export NEO4J_PASSWORD={password}")


@neo4j_app.command()
def stop(home: Home = Path("data/neo4j")) -> None:
    """Stop the server started from this home (SIGTERM, then SIGKILL if it hangs)."""
    try:
        stopped = LocalNeo4j(home).stop()
    except Neo4jLauncherError as exc:
        raise _fail(exc) from exc
    typer.echo("Neo4j stopped" if stopped else "Neo4j was not running")


@neo4j_app.command()
def status(home: Home = Path("data/neo4j")) -> None:
    """Say whether the server of this home runs, with its pid, URI and log; exit 3 if stopped."""
    state = LocalNeo4j(home).status()
    if state.running:
        typer.echo(f"running  pid={state.pid}  uri={state.uri}  log={state.log}")
    else:
        typer.echo(f"stopped  home={state.home}  log={state.log}")
        raise typer.Exit(code=3)

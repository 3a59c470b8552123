"""`lineage explore`: start the Streamlit explorer on the configured store, signed in or local.

With an `[auth]` section in the secrets file, users sign in with OpenID Connect and their role
comes from the provider or the admins' mapping. Without one the explorer runs in local mode: one
local user, whose role is given here, on 127.0.0.1 only; any other address is refused, because
then anyone on the network would read children's records without signing in.
"""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

import explorer
from explorer.signin import LOOPBACK, ROLE_ENV, USER_ENV, auth_problems, read_secrets
from graph.access import Role
from graph.lifetime import die_with_parent

DEFAULT_SECRETS = Path(".streamlit/secrets.toml")


def app_path() -> Path:
    """The explorer's entry script, found from the installed package (works from any directory)."""
    return Path(explorer.__file__).resolve().parent / "app.py"


def streamlit_command(host: str, port: int, headless: bool, secrets: Path = DEFAULT_SECRETS) -> list[str]:
    """The `streamlit run` command line: usage statistics and Streamlit's first-run e-mail prompt
    off (closed networks; the prompt stopped `make demo` on a fresh machine), a minimal toolbar
    (no "Deploy" button), exactly the one secrets file this command checked for `[auth]`, and
    static serving on: the family graph loads vis-network from `explorer/static` (same origin,
    cached by the browser) instead of receiving it inline with every drawing. Streamlit's welcome
    message is off too: on a machine with an AI coding agent installed, a non-headless run (`make
    demo`) otherwise shows caseworkers a toast whose "Install" button writes agent files beside
    the app; this command prints the address itself."""
    return [
        sys.executable, "-m", "streamlit", "run", str(app_path()),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true" if headless else "false",
        "--browser.gatherUsageStats", "false",
        "--server.showEmailPrompt", "false",
        "--logger.hideWelcomeMessage", "true",
        "--client.toolbarMode", "minimal",
        "--server.enableStaticServing", "true",
        "--secrets.files", str(secrets.resolve()),
    ]


def signin_configured(secrets: Path = DEFAULT_SECRETS) -> bool:
    """Whether the secrets file has an `[auth]` section (a broken file is reported by `explore`)."""
    try:
        return auth_problems(read_secrets(secrets)) is not None
    except ValueError:
        return False


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def explore(
    host: Annotated[str, typer.Option(help="address to listen on; other than 127.0.0.1 only with "
                                      "\\[auth] sign-in")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8501,
    headless: Annotated[bool, typer.Option(help="do not open a browser")] = False,
    role: Annotated[Role | None, typer.Option(help="local mode (no \\[auth]): the one local user's role "
                                              "[default: caseworker]")] = None,
    secrets: Annotated[Path, typer.Option(help="Streamlit secrets file; its \\[auth] section turns on "
                                          "OpenID Connect sign-in")] = DEFAULT_SECRETS,
) -> None:
    """Open the explorer in a browser: find a child, see its family, where each one is and why.

    It reads the store named by LINEAGE_BACKEND / LINEAGE_DB_PATH (or lineage.env), read-only,
    so a `lineage load` may run beside it; the pages show new data once the load finishes.
    Without sign-in configured it serves 127.0.0.1 only, as one local user with --role.
    """
    try:
        problems = auth_problems(read_secrets(secrets))
    except ValueError as exc:
        _fail(str(exc))
    env = {k: v for k, v in os.environ.items() if k not in (ROLE_ENV, USER_ENV)}
    if problems is None:
        if host not in LOOPBACK:
            _fail(f"no sign-in is configured ([auth] in {secrets}), so the explorer will not listen on "
                  f"{host}: anyone on that network would read the records. Configure OpenID Connect "
                  "sign-in (see docs/security.md), or serve 127.0.0.1.")
        env[ROLE_ENV] = (role or Role.CASEWORKER).value
        env[USER_ENV] = f"local:{getpass.getuser()}"
        typer.echo(f"local mode (no sign-in): one local user, {env[USER_ENV]}, as {env[ROLE_ENV]}; "
                   f"serving http://{host}:{port} only")
    elif problems:
        _fail(f"sign-in in {secrets} is incomplete; missing: {', '.join(problems)}")
    elif role is not None:
        _fail("--role is for local mode only; with sign-in each user's role comes from the identity "
              "provider's claim or the admins' role mapping")
    raise typer.Exit(_serve(streamlit_command(host, port, headless, secrets), env))


def _serve(command: list[str], env: dict[str, str]) -> int:
    """Run `streamlit run` until it exits; it never outlives this process.

    SIGTERM or SIGHUP here is passed on and waited for (Ctrl-C reaches both through the terminal);
    if this process is killed outright, the kernel stops the child (`die_with_parent`).
    """
    child = subprocess.Popen(command, env=env, preexec_fn=die_with_parent())

    def pass_on(signum: int, _frame: object) -> None:
        child.send_signal(signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, pass_on)
    try:
        return child.wait()
    except KeyboardInterrupt:
        return child.wait()

"""A live explorer for browser tests and the benchmark: `streamlit run` plus Debian's chromium.

Both are started here and stopped by the same context managers, by their own process ids.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cli.explore_cmd import streamlit_command
from explorer.signin import ROLE_ENV, USER_ENV

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(
    db_path: Path, backend: str = "embedded", timeout: float = 60, role: str | None = "caseworker",
    secrets: Path | None = None, port: int | None = None, user: str = "local:browser-test",
    headless: bool = True, extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Serve the explorer on a free localhost port against `db_path`; yields the base URL.

    As `lineage explore` would: in local mode as a local user with `role`, or with sign-in when
    `secrets` holds an `[auth]` section (then `role` must be None), the local user being `user`.
    The audit log is beside the database unless LINEAGE_AUDIT_PATH says otherwise. `headless`
    False runs it as `make demo` does (`extra_env` can then point BROWSER at a no-op).
    """
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if k not in (ROLE_ENV, USER_ENV)}
    env |= {"LINEAGE_BACKEND": backend, "LINEAGE_DB_PATH": str(db_path)}
    if role:
        env |= {ROLE_ENV: role, USER_ENV: user}
    env |= extra_env or {}
    log = (ROOT / "test-artifacts")
    log.mkdir(exist_ok=True)
    with open(log / f"streamlit-{port}.log", "w") as out:
        no_secrets = db_path.with_name("no-secrets.toml")  # local mode, whatever ~/.streamlit holds
        command = [*streamlit_command("127.0.0.1", port, headless=headless, secrets=secrets or no_secrets),
                   "--server.fileWatcherType", "none"]
        proc = subprocess.Popen(command, env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"streamlit did not start; see {out.name}") from None
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@contextmanager
def chromium_page(width: int = 1500, height: int = 1000) -> Iterator[object]:
    """A Playwright page in Debian's chromium (a downloaded browser cannot work offline)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def graph_frame(page: object, timeout_ms: int = 30_000) -> object:
    """The family-graph iframe's frame once vis-network has built its `nodes` data set."""
    handle = page.wait_for_selector('iframe[title="Family graph"]', timeout=timeout_ms)
    frame = handle.content_frame()
    frame.wait_for_function("typeof nodes !== 'undefined' && nodes.length > 0", timeout=timeout_ms)
    return frame


def graph_node_ids(frame: object) -> set[str]:
    return set(frame.evaluate("nodes.getIds()"))

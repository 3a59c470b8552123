"""Sign-in in a real browser: Streamlit's st.login against a local OpenID Connect provider.

`oidc-provider-mock` serves discovery, the authorization form and tokens on 127.0.0.1; chromium
clicks "Log in", picks a predefined user on the provider's page and lands back in the explorer,
whose role comes from the user's `role` claim. Each role in turn, then a user with no role.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from explorer.nav import PAGES, ROLE_PAGES
from graph.access import Role
from graph.audit import AuditLog
from graph.ladybug.store import LadybugStore
from tests.contract.scenario import scenario
from tests.explorer.conftest import mark_synthetic
from tests.explorer.live import ROOT, chromium_page, free_port, running_app

pytestmark = pytest.mark.browser
SHOTS = ROOT / "test-artifacts"
USERS = [{"sub": f"{r.value}-1", "email": f"{r.value}@agency.example", "name": f"Test {r.value}",
          "role": r.value} for r in Role]
STRANGER = {"sub": "stranger-1", "email": "stranger@example.org"}
MENUS = {r: [PAGES[n].title for n in ROLE_PAGES[r]] for r in (Role.CASEWORKER, Role.ANALYST, Role.ADMIN)}


@contextmanager
def oidc_provider(users: list[dict[str, str]]) -> Iterator[str]:
    """`oidc-provider-mock` on a free localhost port with predefined users; yields its issuer URL."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("oidc-provider-mock")), "--port", str(port)]
    for user in users:
        command += ["--user-claims", json.dumps(user)]
    SHOTS.mkdir(exist_ok=True)
    with open(SHOTS / f"oidc-provider-{port}.log", "w") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                assert proc.poll() is None, "oidc-provider-mock exited"
                time.sleep(0.3)
        else:
            pytest.fail("oidc-provider-mock did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(15)


def write_secrets(path: Path, app_port: int, issuer: str) -> Path:
    """An [auth] section for this run only: the cookie secret is fresh random bytes."""
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "lineage-browser-test"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        "[lineage]\n"
        f'role_mapping = "{path.with_name("roles.json")}"\n'
    )
    return path


def sign_in(page: object, base: str, sub: str) -> None:
    page.goto(f"{base}/")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name=sub).click()  # the provider's one-click predefined user
    page.wait_for_url(f"{base}/**")


def sign_out(page: object) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="End session").click()  # the provider's RP-initiated logout
    page.get_by_role("button", name="Log in").wait_for(timeout=30_000)


def test_each_role_signs_in_through_openid_connect(
    scenario_db: Path, tmp_path: Path, audit_file: Path
) -> None:
    db = tmp_path / "synthetic.lbug"
    shutil.copy(scenario_db, db)
    with LadybugStore(db) as store:
        mark_synthetic(store)  # so the trainer has a graph to train on
    app_port = free_port()
    names = {t for p in scenario().persons for t in p.full_name.split() if len(t) >= 4}
    with oidc_provider([*USERS, STRANGER]) as issuer:
        config = write_secrets(tmp_path / "secrets.toml", app_port, issuer)
        with running_app(db, role=None, secrets=config, port=app_port), chromium_page() as page:
            base = f"http://localhost:{app_port}"
            sidebar = page.locator('[data-testid="stSidebar"]')
            for user in USERS:
                role = Role(user["role"])
                sign_in(page, base, user["sub"])
                sidebar.get_by_text(f"Signed in: {user['name']} ({role.value})").wait_for(timeout=30_000)
                if role in MENUS:
                    menu = page.locator('[data-testid="stSidebarNav"]').inner_text().splitlines()
                    assert [m for m in menu if m.strip()] == MENUS[role]
                else:  # one page only: the trainer's walkthrough, masked
                    page.get_by_text("Trainer: a family's handoff chain").wait_for(timeout=30_000)
                if role is Role.ANALYST:
                    page.goto(f"{base}/analyst")
                    page.get_by_text("Children meeting any chosen definition").wait_for(timeout=30_000)
                    body = page.inner_text("body")
                    assert not {n for n in names if n in body}
                    page.screenshot(path=str(SHOTS / "signed-in-analyst.png"), full_page=True)
                if role is Role.CASEWORKER:
                    page.get_by_role("textbox", name="Name or identifier").fill("ximena hernandes")
                    page.get_by_text("match(es)").wait_for(timeout=30_000)
                sign_out(page)
            sign_in(page, base, STRANGER["sub"])
            page.get_by_text("has no role in the explorer").wait_for(timeout=30_000)
            assert "Find a person" not in page.inner_text("body")
    searches = AuditLog(audit_file).entries(action="search")
    assert [(e.who, e.role, e.parameters["text"]) for e in searches] == [
        ("caseworker-1", "caseworker", "ximena hernandes")]

"""The explorer in a real browser: search, family graph painted by vis-network, timeline, deep link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from graph.store import GraphStore
from tests.contract.scenario import KID1, MOM
from tests.explorer.live import ROOT, chromium_page, graph_frame, graph_node_ids, running_app

pytestmark = pytest.mark.browser
SHOTS = ROOT / "test-artifacts"


def test_caseworker_journey_in_chromium(scenario_db: Path, expected: GraphStore) -> None:
    SHOTS.mkdir(exist_ok=True)
    outside: list[str] = []
    with running_app(scenario_db) as url, chromium_page() as page:
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((url, "data:", "about:"))
                else None)
        page.goto(f"{url}/")
        page.get_by_role("textbox", name="Name or identifier").fill("ximena hernandes")
        page.get_by_text("match(es)").wait_for(timeout=30_000)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.wait_for()
        main = page.locator('[data-testid="stMain"]')
        graph_link = main.get_by_role("link", name="Family graph")
        unselected = page.get_by_text("Select a row to open")
        unselected.wait_for(timeout=30_000)  # the run that drew the table has finished
        for _ in range(3):  # the grid is a canvas: a click before it has painted its rows is lost
            if unselected.count():
                box = grid.bounding_box()
                page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the first row's selection cell
            try:
                graph_link.wait_for(timeout=20_000)
                break
            except PlaywrightTimeout:
                continue
        graph_link.click()
        page.wait_for_url(re.compile(r"/family-graph\?.*person=" + KID1))
        frame = graph_frame(page)
        assert graph_node_ids(frame) == {p.person_id for p in expected.relatives(KID1, hops=2).persons}
        frame.wait_for_function("window.lineageStable === true", timeout=30_000)
        page.screenshot(path=str(SHOTS / "family-graph.png"), full_page=True)

        page.get_by_role("link", name="Custody timeline").first.click()
        page.get_by_text("no reason recorded").first.wait_for(timeout=30_000)
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
        assert f"person={KID1}" in page.url
        page.screenshot(path=str(SHOTS / "custody-timeline.png"), full_page=True)

        page.goto("about:blank")  # a fresh session, as a shared link opens
        page.goto(f"{url}/family-graph?person={MOM}&hops=1")
        frame = graph_frame(page)
        menu = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Find a person" in menu and "Page not found" not in page.inner_text("body")
        assert graph_node_ids(frame) == {p.person_id for p in expected.relatives(MOM, hops=1).persons}
        page.screenshot(path=str(SHOTS / "deep-link.png"), full_page=True)
    assert outside == [], f"the page asked for outside resources: {outside}"


def test_no_streamlit_developer_toast_when_run_like_make_demo(scenario_db: Path, tmp_path: Path) -> None:
    """`make demo` runs the explorer non-headless; on a machine where an AI coding agent is
    installed (a `~/.claude` folder, as here) Streamlit 1.67 then offers an "Install skills"
    toast that writes files beside the app. A caseworker must never see it."""
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    env = {"HOME": str(home), "BROWSER": "true"}  # `true`: the browser Streamlit opens is a no-op
    with running_app(scenario_db, headless=False, extra_env=env) as url, chromium_page() as page:
        page.goto(f"{url}/")
        page.get_by_role("textbox", name="Name or identifier").wait_for(timeout=30_000)
        page.get_by_text("Local mode").first.wait_for(timeout=30_000)
        page.wait_for_timeout(2_000)  # the toast comes with the session's first message
        assert page.locator('[data-testid="stSkillsNudge"]').count() == 0

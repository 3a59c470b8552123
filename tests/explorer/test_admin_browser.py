"""The Admin page in a real browser: after a caseworker looked at a child (and downloaded a file
built on click), an admin answers "who viewed this child, and when", downloads the audit log as
CSV and sees its verification pass. Both sessions are `lineage explore` servers in local mode."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from graph.audit import AuditLog
from graph.store import GraphStore
from tests.contract.scenario import KID1
from tests.explorer.live import chromium_page, running_app

pytestmark = pytest.mark.browser
WAIT = 60_000


def download(page: object, button: str, to: Path) -> Path:
    """Click a download button and keep the file the browser saved (it is gone with the browser)."""
    with page.expect_download(timeout=WAIT) as saved:
        page.get_by_role("button", name=button).click()
    saved.value.save_as(to)
    return to


def test_an_admin_answers_who_viewed_a_child_and_exports_the_verified_log(
    scenario_db: Path, expected: GraphStore, audit_file: Path
) -> None:
    with running_app(scenario_db, role="caseworker", user="local:ana") as url, chromium_page() as page:
        page.goto(f"{url}/timeline?person={KID1}")
        page.get_by_text("Every stay in time order").wait_for(timeout=WAIT)
        page.goto(f"{url}/analyst")
        page.get_by_text("Children meeting any chosen definition").wait_for(timeout=WAIT)
        # A file built on click, on Streamlit's download thread.
        orphans_csv = download(page, "Download CSV (every child)", audit_file.with_name("orphans.csv"))
    log = AuditLog(audit_file)
    [view] = [e for e in log.entries() if e.parameters.get("page") == "Custody timeline"]
    assert (view.who, view.action, view.target) == ("local:ana", "view", KID1) and KID1 in view.shown
    [export] = log.entries(action="export")
    children = {o.child.person_id for o in expected.orphaned_children()}
    with orphans_csv.open(encoding="utf-8") as fh:
        assert {r["person_id"] for r in csv.DictReader(fh)} == children
    assert (export.who, export.parameters["what"], set(export.shown)) == (
        "local:ana", "orphaned children", children), "one entry for the file and the reads behind it"
    seen = log.entries(person_id=KID1)

    with running_app(scenario_db, role="admin", user="local:boss") as url, chromium_page() as page:
        page.goto(f"{url}/admin?who_viewed={KID1}")
        page.get_by_text("The audit log is intact").wait_for(timeout=WAIT)
        last = max(e.at for e in seen if e.who == "local:ana")
        answer = page.get_by_text(re.compile(r"local:ana \(caseworker\): \d+ time\(s\), last "))
        answer.wait_for(timeout=WAIT)
        assert answer.inner_text().endswith(f"{len([e for e in seen if e.who == 'local:ana'])} time(s), last "
                                            f"{last:%Y-%m-%d %H:%M:%S} UTC")
        page.get_by_text("Prepare the audit log export (CSV)").click()
        audit_csv = download(page, "Export the whole audit log (CSV)", audit_file.with_name("audit.csv"))
        page.screenshot(path=str(audit_file.parent / "admin.png"), full_page=True)
    with audit_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert any((r["who"], r["action"], r["target"]) == ("local:ana", "view", KID1) for r in rows)
    assert [r["seq"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    check = log.verify()
    assert check.ok and check.entries > len(rows), "the admin's reading and export are logged too"
    assert [e.parameters["what"] for e in log.entries(action="export")] == ["orphaned children", "audit log"]

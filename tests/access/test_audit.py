"""The audit log: one entry per search, view, list, export, decision and denial; tampering of
every kind named by `lineage audit verify` (the real CLI); several processes appending at once."""

from __future__ import annotations

import csv
import json
import multiprocessing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from graph.access import Role
from graph.audit import AuditError, AuditLog
from graph.errors import PermissionDeniedError
from graph.model import LinkStatus
from graph.store import GraphStore
from tests.access.conftest import Secure
from tests.access.operations import OPERATIONS
from tests.contract import scenario as sc

runner = CliRunner()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ANALYST, Role.ADMIN])
def test_exactly_one_entry_per_logged_action(
    real_graph: GraphStore, secure: Secure, audit: AuditLog, pseud, role: Role
) -> None:
    ref = (lambda kind, key: pseud.token(kind, key)) if role == Role.ANALYST else (lambda kind, key: key)
    graph = secure(real_graph, role)
    for op in OPERATIONS:
        before = len(audit.entries())
        op.call(graph, ref)
        after = audit.entries()
        assert len(after) - before == (1 if op.action else 0), op.name
        if op.action:
            entry = after[-1]
            assert (entry.who, entry.role, entry.action) == (f"test:{role}", role, op.action)
            assert entry.parameters["operation"] == op.name
    assert audit.verify().ok


def test_entries_name_the_real_person_and_query_text(real_graph: GraphStore, secure: Secure,
                                                      audit: AuditLog, pseud) -> None:
    secure(real_graph, Role.CASEWORKER).search_persons("Hernández López")
    secure(real_graph, Role.ANALYST).custody_chain(pseud.token("person", sc.KID2))
    search, view = audit.entries()
    assert search.parameters["text"] == "Hernández López" and search.result_count == len(search.shown) > 0
    assert sc.KID2 in search.shown
    assert (view.action, view.target, view.role) == ("view", sc.KID2, "analyst"), "the log keeps real ids"
    assert view.result_count == 2


def test_exports_decisions_and_denials_are_one_entry_each(real_graph: GraphStore, secure: Secure,
                                                          audit: AuditLog) -> None:
    secure(real_graph, Role.ANALYST).record_export("census.csv", {"on": "2018-06-20"}, 12)
    link = f"PARENT_OF:{sc.DAD}:{sc.KID2}"
    secure(real_graph, Role.CASEWORKER).record_review(link, LinkStatus.CONFIRMED, "document seen")
    with pytest.raises(PermissionDeniedError):
        secure(real_graph, Role.ANALYST).search_persons("Ximena")
    with pytest.raises(PermissionDeniedError):
        secure(real_graph, Role.TRAINER).get_person(sc.KID1)
    export, review, denied_search, denied_trainer = audit.entries()
    assert (export.action, export.result_count, export.parameters) == (
        "export", 12, {"what": "census.csv", "on": "2018-06-20"})
    assert (review.action, review.target, review.parameters["decision"]) == ("review", link, "confirmed")
    assert denied_search.action == "denied" and denied_search.parameters["given"] == "Ximena"
    assert (denied_trainer.action, denied_trainer.target) == ("denied", sc.KID1)


def test_who_viewed_a_child(real_graph: GraphStore, secure: Secure, audit: AuditLog) -> None:
    secure(real_graph, Role.CASEWORKER).get_person(sc.KID1)
    secure(real_graph, Role.CASEWORKER).relatives(sc.MOM)  # shows KID1 among the relatives
    secure(real_graph, Role.CASEWORKER).get_person(sc.ORPHAN)
    result = runner.invoke(app, ["audit", "who-viewed", sc.KID1, "--path", str(audit.path)])
    assert result.exit_code == 0, result.output
    assert "2 entries concern P-KID1" in result.output
    assert [e.target for e in audit.entries(person_id=sc.KID1)] == [sc.KID1, sc.MOM]


def test_export_csv(real_graph: GraphStore, secure: Secure, audit: AuditLog, tmp_path: Path) -> None:
    secure(real_graph, Role.CASEWORKER).search_persons("=HYPERLINK(\"http://x\")")
    secure(real_graph, Role.CASEWORKER).get_person(sc.KID1)
    out = tmp_path / "audit.csv"
    result = runner.invoke(app, ["audit", "export", "--out", str(out), "--path", str(audit.path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["action"] for r in rows] == ["search", "view"]
    assert json.loads(rows[0]["parameters"])["text"] == "=HYPERLINK(\"http://x\")"
    assert rows[1]["target"] == sc.KID1 and rows[1]["who"] == "test:caseworker"


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def _edit(lines: list[str]) -> list[str]:
    entry = json.loads(lines[2])
    entry["who"] = "someone:else"
    return [*lines[:2], json.dumps(entry) + "\n", *lines[3:]]


TAMPERING = {
    "edited": (_edit, 3, "changed"),
    "deleted": (lambda ls: ls[:2] + ls[3:], 3, "sequence number"),
    "reordered": (lambda ls: [ls[0], ls[2], ls[1], *ls[3:]], 2, "sequence number"),
    "truncated_line": (lambda ls: [*ls[:4], ls[4][:40]], 5, "cut short"),
    "last_entries_cut": (lambda ls: ls[:3], 4, "cut off"),
    "appended_forgery": (lambda ls: [*ls, ls[-1]], 6, "sequence number"),
}


@pytest.mark.parametrize("kind", TAMPERING)
def test_verify_names_the_first_broken_entry(embedded_graph: GraphStore, secure: Secure, audit: AuditLog,
                                             kind: str) -> None:
    graph = secure(embedded_graph, Role.CASEWORKER)
    for pid in (sc.MOM, sc.DAD, sc.KID1, sc.KID2, sc.ORPHAN):
        graph.get_person(pid)
    ok = runner.invoke(app, ["audit", "verify", "--path", str(audit.path)])
    assert ok.exit_code == 0 and "intact: 5 entries" in ok.output
    change, entry, why = TAMPERING[kind]
    audit.path.write_text("".join(change(_lines(audit.path))))
    broken = runner.invoke(app, ["audit", "verify", "--path", str(audit.path)])
    assert broken.exit_code == 1
    assert f"broken at entry {entry}: " in broken.output and why in broken.output


def test_a_rebuilt_chain_is_caught_by_a_noted_head(real_graph: GraphStore, secure: Secure,
                                                   audit: AuditLog) -> None:
    graph = secure(real_graph, Role.CASEWORKER)
    graph.get_person(sc.KID1)
    noted = audit.verify().head
    graph.get_person(sc.KID2)
    still = runner.invoke(app, ["audit", "verify", "--path", str(audit.path), "--expect-head", noted])
    assert still.exit_code == 0, still.output
    # Someone with write access drops everything and writes a fresh, self-consistent log.
    audit.path.unlink()
    audit.head_path.unlink()
    secure(real_graph, Role.CASEWORKER).get_person(sc.ORPHAN)
    assert audit.verify().ok, "a rebuilt chain is consistent in itself"
    broken = runner.invoke(app, ["audit", "verify", "--path", str(audit.path), "--expect-head", noted])
    assert broken.exit_code == 1 and "expected head" in broken.output


def test_a_damaged_log_refuses_new_views(real_graph: GraphStore, secure: Secure, audit: AuditLog) -> None:
    graph = secure(real_graph, Role.CASEWORKER)
    graph.get_person(sc.KID1)
    audit.path.write_text(audit.path.read_text()[:-10])
    with pytest.raises(AuditError, match="cut short"):
        graph.get_person(sc.KID2)


def _append_many(path: str, who: str, n: int) -> None:
    log = AuditLog(path)
    for i in range(n):
        log.append(who, "caseworker", "view", f"p{i}", {"operation": "get_person"}, 1)


def test_several_processes_append_without_breaking_the_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.audit.jsonl")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(path, f"proc{i}", 40)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        assert p.exitcode == 0
    log = AuditLog(path)
    result = log.verify()
    assert result.ok and result.entries == 160, result.message()
    assert sorted({e.who for e in log.entries()}) == ["proc0", "proc1", "proc2", "proc3"]


def test_verify_without_a_log_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "verify", "--path", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 1 and "no audit log" in result.output


def test_aggregate_ops_are_not_person_views() -> None:
    quiet = {op.name for op in OPERATIONS if op.action is None}
    assert quiet == {"census", "orphan_counts", "load_batches", "counts"}
    assert all(not op.returns_persons for op in OPERATIONS if op.name in quiet)



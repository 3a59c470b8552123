"""Fixtures of the access tests: the contract scenario plus what only access control cares about
(a load ledger, a quarantined row and a review decision that carry names), on both engines."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from graph.access import Principal, Pseudonymizer, Role, SecuredGraph
from graph.audit import AuditLog
from graph.model import FamilyKind, GraphBatch, LinkStatus, LoadBatch, QuarantineEntry
from graph.store import GraphStore
from tests.contract import scenario as sc

MOM_KID1 = f"{FamilyKind.PARENT_OF}:{sc.MOM}:{sc.KID1}"
LOADED = datetime(2018, 9, 1, 12, 0)
QUARANTINED_NAME = "Esperanza Quintanilla"
REVIEWER = "Ana Caseworker"
REVIEW_REASON = "birth certificate of Ximena Hernández López seen"


def ledger(synthetic: bool) -> GraphBatch:
    """A LoadBatch for every batch the scenario's source records name, and one quarantined row."""
    records = sc.scenario().source_records
    per_batch: dict[str, list[str]] = {}
    for r in records:
        per_batch.setdefault(r.batch_id, []).append(r.file)
    batches = [
        LoadBatch(batch_id=b, system=b.removeprefix("batch-"), file=files[0], file_hash="h-" + b,
                  started_at=LOADED, finished_at=LOADED, rows_in=len(files), loaded=len(files),
                  synthetic=synthetic)
        for b, files in per_batch.items()
    ]
    raw = json.dumps({"nombre": QUARANTINED_NAME, "a_number": "A-999-888-777"}, ensure_ascii=False)
    entry = QuarantineEntry(
        entry_id="q1", batch_id="batch-orr_portal", system="orr_portal", file="children.json",
        row_number=9, field="a_number", value="A-999-888-777", rule="a_number",
        reason=f"a_number 'A-999-888-777' of {QUARANTINED_NAME} is not 9 digits", raw=raw,
    )
    return GraphBatch(load_batches=batches, quarantine=[entry])


def build(store: GraphStore, synthetic: bool) -> GraphStore:
    """The scenario, its ledger and one review decision by a named caseworker."""
    store.upsert(ledger(synthetic))
    store.record_review(MOM_KID1, LinkStatus.CONFIRMED, REVIEWER, REVIEW_REASON)
    return store


@pytest.fixture
def real_graph(scenario_store: GraphStore) -> GraphStore:
    return build(scenario_store, synthetic=False)


@pytest.fixture
def embedded_graph(ladybug_store: GraphStore) -> GraphStore:
    """The same graph on the embedded engine only, for tests of the log rather than the engines."""
    ladybug_store.clear()
    ladybug_store.upsert(sc.scenario())
    return build(ladybug_store, synthetic=False)


@pytest.fixture
def synthetic_graph(scenario_store: GraphStore) -> GraphStore:
    return build(scenario_store, synthetic=True)


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "lineage.lbug.audit.jsonl")


@pytest.fixture
def pseud(audit: AuditLog) -> Pseudonymizer:
    """The deployment key SecuredGraph uses by default (the key file beside the audit log)."""
    return Pseudonymizer.for_log(audit)


Secure = Callable[[GraphStore, Role], SecuredGraph]


@pytest.fixture
def secure(audit: AuditLog) -> Secure:
    def make(store: GraphStore, role: Role) -> SecuredGraph:
        return SecuredGraph(store, Principal(f"test:{role}", role, f"Tester ({role})"), audit)

    return make


def sensitive_strings() -> list[str]:
    """Every name, identifier, date of birth, search key, real key and raw value of the graph
    that an analyst must never receive, in plain and JSON-escaped form."""
    batch = sc.scenario()
    found: set[str] = {QUARANTINED_NAME, "A-999-888-777", "A999888777", REVIEWER, REVIEW_REASON, MOM_KID1}
    for p in batch.persons:
        found |= {p.person_id, p.given_names, p.surnames, p.full_name, *p.name_variants, *p.identifiers,
                  *p.search_keys, *p.sources}
        found |= {x for x in (p.a_number, p.dob and p.dob.isoformat()) if x}
        found |= set(p.given_names.split()) | set(p.surnames.split())
    for r in batch.source_records:
        found |= {r.record_key, r.raw, r.row_hash}
    found |= {x.link_id for x in batch.family_links} | {s.stay_id for s in batch.stays}
    found |= {s.separation_id for s in batch.separations} | {m.match_id for m in batch.possible_matches}
    found |= {s.reason_text for s in batch.separations if s.reason_text}
    plain = {s for s in found if s}
    return sorted(plain | {json.dumps(s, ensure_ascii=False)[1:-1] for s in plain}
                  | {json.dumps(s)[1:-1] for s in plain})


def names() -> list[str]:
    """Every name in the graph (what a trainer must not see)."""
    batch = sc.scenario()
    found = {QUARANTINED_NAME}
    for p in batch.persons:
        found |= {p.given_names, p.surnames, p.full_name, *p.name_variants}
        found |= {k for k in p.search_keys if k.startswith(("n:", "p:"))}
    return sorted(s for s in found if s)

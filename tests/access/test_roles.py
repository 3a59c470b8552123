"""The role matrix on both engines: each role × each SecuredGraph operation, judged on what is
*returned* (the serialised result), never on what a page shows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from graph.access import Principal, Pseudonymizer, Role, SecuredGraph
from graph.errors import PermissionDeniedError
from graph.model import LinkStatus, Person
from graph.store import GraphStore
from tests.access.conftest import MOM_KID1, QUARANTINED_NAME, REVIEWER, Secure, names, sensitive_strings
from tests.access.operations import OPERATIONS, Op
from tests.contract import scenario as sc

OP_IDS = [op.name for op in OPERATIONS]


def dump(result: Any) -> str:
    """The result as the explorer could ever serialise it."""
    if isinstance(result, BaseModel):
        return result.model_dump_json()
    if isinstance(result, list | tuple):
        return "[" + ",".join(dump(x) for x in result) + "]"
    return json.dumps(result, default=str)


def plain(role: Role, pseud: Pseudonymizer):
    return (lambda kind, key: pseud.token(kind, key)) if role == Role.ANALYST else (lambda kind, key: key)


@pytest.mark.parametrize("op", OPERATIONS, ids=OP_IDS)
def test_analyst_receives_no_name_or_identifier(
    real_graph: GraphStore, secure: Secure, pseud: Pseudonymizer, op: Op
) -> None:
    result = op.call(secure(real_graph, Role.ANALYST), plain(Role.ANALYST, pseud))
    text = dump(result)
    leaked = [s for s in sensitive_strings() if s in text]
    assert not leaked, f"{op.name} gave an analyst {leaked}"
    full = op.call(secure(real_graph, Role.CASEWORKER), plain(Role.CASEWORKER, pseud))
    if op.same_rows:
        assert _size(result) == _size(full), "the analyst gets the same rows, only pseudonymised"
    else:
        assert _size(result) == 1, "an analyst's search looks one pseudonym up"


@pytest.mark.parametrize("op", OPERATIONS, ids=OP_IDS)
def test_caseworker_and_admin_receive_records_as_stored(
    real_graph: GraphStore, secure: Secure, pseud: Pseudonymizer, op: Op
) -> None:
    for role in (Role.CASEWORKER, Role.ADMIN):
        result = op.call(secure(real_graph, role), plain(role, pseud))
        assert dump(result) == dump(op.call(_Bare(real_graph), plain(role, pseud)))


@pytest.mark.parametrize("op", OPERATIONS, ids=OP_IDS)
def test_trainer_refused_on_a_real_graph(real_graph: GraphStore, secure: Secure, pseud: Pseudonymizer,
                                         op: Op) -> None:
    graph = secure(real_graph, Role.TRAINER)
    assert not graph.is_synthetic()
    with pytest.raises(PermissionDeniedError, match="synthetic"):
        op.call(graph, plain(Role.TRAINER, pseud))


@pytest.mark.parametrize("op", OPERATIONS, ids=OP_IDS)
def test_trainer_sees_synthetic_graph_with_names_masked(
    synthetic_graph: GraphStore, secure: Secure, pseud: Pseudonymizer, op: Op
) -> None:
    graph = secure(synthetic_graph, Role.TRAINER)
    assert graph.is_synthetic()
    result = op.call(graph, plain(Role.TRAINER, pseud))
    text = dump(result)
    leaked = [s for s in names() + [REVIEWER, QUARANTINED_NAME] if s in text]
    assert not leaked, f"{op.name} showed a trainer {leaked}"
    full = op.call(secure(synthetic_graph, Role.CASEWORKER), plain(Role.CASEWORKER, pseud))
    assert _size(result) == _size(full)


def test_trainer_masks_names_stably_and_keeps_ids(synthetic_graph: GraphStore, secure: Secure) -> None:
    first = secure(synthetic_graph, Role.TRAINER).get_person(sc.KID1)
    again = secure(synthetic_graph, Role.TRAINER).relatives(sc.MOM)
    assert first is not None and first.person_id == sc.KID1
    assert first.given_names == "Child" and first.surnames.startswith("#")
    assert [p.full_name for p in again.persons if p.person_id == sc.KID1] == [first.full_name]
    mom = next(p for p in again.persons if p.person_id == sc.MOM)
    assert mom.given_names == "Adult" and mom.full_name != first.full_name


def test_one_real_file_makes_the_graph_not_synthetic(synthetic_graph: GraphStore, secure: Secure) -> None:
    from tests.access.conftest import ledger

    real = ledger(synthetic=False).load_batches[0].model_copy(update={"batch_id": "real-1"})
    synthetic_graph.upsert(type(ledger(True))(load_batches=[real]))
    assert not secure(synthetic_graph, Role.TRAINER).is_synthetic()


def test_source_records_outside_synthetic_loads_make_it_not_synthetic(
    synthetic_graph: GraphStore, secure: Secure
) -> None:
    from graph.model import GraphBatch, SourceRecord

    extra = SourceRecord(record_key="x:y:1", system="x", file="y", record_id="1", batch_id="none",
                         row_number=1, row_hash="h", loaded_at=sc.LOADED, raw="{}")
    synthetic_graph.upsert(GraphBatch(source_records=[extra]))
    assert not secure(synthetic_graph, Role.TRAINER).is_synthetic()


def test_analyst_cannot_search_by_name_or_pass_real_ids(real_graph: GraphStore, secure: Secure) -> None:
    analyst = secure(real_graph, Role.ANALYST)
    for attempt in (
        lambda: analyst.search_persons("López"),
        lambda: analyst.search_persons("A000000003"),
        lambda: analyst.get_person(sc.KID1),
        lambda: analyst.relatives(sc.MOM),
        lambda: analyst.provenance(sc.MOM),
        lambda: analyst.review_history(MOM_KID1),
    ):
        with pytest.raises(PermissionDeniedError, match="pseudonym"):
            attempt()


def test_analyst_follows_a_child_by_pseudonym(real_graph: GraphStore, secure: Secure) -> None:
    analyst = secure(real_graph, Role.ANALYST)
    row = next(r for r in analyst.orphaned_children() if r.child.is_child)
    steps = analyst.custody_chain(row.child.person_id)
    assert steps and {s.stay.person_id for s in steps} == {row.child.person_id}
    hood = analyst.relatives(row.child.person_id)
    assert hood.center_id == row.child.person_id and row.child.person_id in hood.hops
    person = analyst.get_person(row.child.person_id)
    assert person is not None and person.person_id == row.child.person_id and person.given_names == ""


def test_review_decisions_by_role(real_graph: GraphStore, secure: Secure) -> None:
    dad_kid2 = f"PARENT_OF:{sc.DAD}:{sc.KID2}"
    for role in (Role.ANALYST, Role.TRAINER):
        with pytest.raises(PermissionDeniedError):
            secure(real_graph, role).record_review(dad_kid2, LinkStatus.CONFIRMED, "seen")
    review = secure(real_graph, Role.CASEWORKER).record_review(dad_kid2, LinkStatus.CONFIRMED, "seen")
    assert review.reviewer == f"test:{Role.CASEWORKER}", "the reviewer is the principal, not an argument"
    with pytest.raises(PermissionDeniedError, match="admin"):
        secure(real_graph, Role.CASEWORKER).record_review(dad_kid2, LinkStatus.REJECTED, "changed my mind")
    override = secure(real_graph, Role.ADMIN).record_review(dad_kid2, LinkStatus.REJECTED, "DNA says no")
    assert override.previous_status == LinkStatus.CONFIRMED
    history = real_graph.review_history(dad_kid2)  # both in one second: their order is by id
    assert sorted((r.reviewer, r.decision) for r in history) == [
        (f"test:{Role.ADMIN}", LinkStatus.REJECTED), (f"test:{Role.CASEWORKER}", LinkStatus.CONFIRMED)]


def test_audit_entries_for_admins_only(real_graph: GraphStore, secure: Secure) -> None:
    secure(real_graph, Role.CASEWORKER).get_person(sc.KID1)
    for role in (Role.CASEWORKER, Role.ANALYST, Role.TRAINER):
        with pytest.raises(PermissionDeniedError, match="admin"):
            secure(real_graph, role).audit_entries()
    seen = secure(real_graph, Role.ADMIN).audit_entries(person_id=sc.KID1)
    assert [(e.who, e.action, e.target) for e in seen] == [(f"test:{Role.CASEWORKER}", "view", sc.KID1)]


def test_no_graph_without_principal_and_audit(real_graph: GraphStore, audit) -> None:
    with pytest.raises(PermissionDeniedError):
        SecuredGraph(real_graph, None, audit)  # type: ignore[arg-type]
    with pytest.raises(PermissionDeniedError):
        SecuredGraph(real_graph, Principal("x", Role.ADMIN), None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Principal(" ", Role.CASEWORKER)
    with pytest.raises(ValueError):
        Principal("x", "superuser")  # type: ignore[arg-type]


class _Bare:
    """The store itself behind the SecuredGraph call shape, for comparing unfiltered results."""

    role = Role.CASEWORKER

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    def __getattr__(self, name: str):
        return getattr(self._store, name)


def _size(result: Any) -> Any:
    """Row counts of a result, to show redaction drops no rows."""
    if isinstance(result, list):
        return len(result)
    if isinstance(result, dict):  # custody_chains: chains by the id as given (a pseudonym or not)
        return sorted(len(v) for v in result.values())
    if isinstance(result, tuple):
        return tuple(len(x) for x in result)
    if result is None or isinstance(result, Person):
        return type(result).__name__
    values = {k: getattr(result, k) for k in type(result).model_fields}
    return {k: len(v) for k, v in values.items() if isinstance(v, list) and v and isinstance(v[0], BaseModel)}


def test_redaction_fails_closed_for_unknown_results() -> None:
    """A result type or text field without an analyst rule is refused, not passed through."""
    import os

    from graph.access import _Redactor

    class Leaky(BaseModel):
        note: str
        child: Person

    class RicherPerson(Person):
        nickname: str = ""

    child = Person(person_id="P-1", given_names="Ximena", is_child=True)
    redact = _Redactor(Role.ANALYST, Pseudonymizer(os.urandom(64)))
    for result in (Leaky(note="Ximena", child=child), RicherPerson(person_id="P-1", nickname="Xime"),
                   {"P-1": "Ximena"}, "Ximena"):
        with pytest.raises(PermissionDeniedError, match="no analyst rule"):
            redact.apply(result)
    blank = redact.apply([child])[0]
    assert blank.given_names == "" and blank.person_id.startswith("psn_") and blank.is_child

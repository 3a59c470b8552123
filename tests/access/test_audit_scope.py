"""One look, one entry: a page view's (or an export's) reads append ONE audit entry, on both engines.

Inside `SecuredGraph.view` the role's limits still apply to each read (an analyst gets pseudonyms,
a real id is refused and logged at once as `denied`), but the reads are logged together when the
scope closes, naming every person they returned; reads outside a scope each keep their own entry.
"""

from __future__ import annotations

from datetime import date

import pytest

from graph.access import Principal, Role, SecuredGraph
from graph.audit import AuditError, AuditLog
from graph.errors import PermissionDeniedError
from graph.model import GraphBatch, LoadBatch
from graph.store import GraphStore
from tests.access.conftest import LOADED, Secure
from tests.contract import scenario as sc

ON = date(2018, 6, 20)


def family_page(graph: SecuredGraph, kid: str) -> set[str]:
    """What the family-graph and timeline pages read for one child; the person ids returned."""
    graph.get_person(kid)
    hood = graph.relatives(kid, hops=2)
    ids = [p.person_id for p in hood.persons]
    graph.custody_chains(ids)
    graph.family_whereabouts(kid, ON, hops=2)
    graph.separations(ids)
    return set(ids)


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ANALYST, Role.ADMIN])
def test_a_family_view_is_one_entry_naming_everyone_shown(
    real_graph: GraphStore, secure: Secure, audit: AuditLog, pseud, role: Role
) -> None:
    graph = secure(real_graph, role)
    kid = pseud.token("person", sc.KID1) if role is Role.ANALYST else sc.KID1
    with graph.view("Family graph", person=kid, hops=2) as scope:
        shown = family_page(graph, kid)
        assert audit.entries() == [], "nothing is logged before the view ends"
        scope.parameters["params"]["item"] = "x"  # the page may add parameters until it closes
    [entry] = audit.entries()
    family = {p.person_id for p in real_graph.relatives(sc.KID1, hops=2).persons}
    assert (entry.who, entry.role, entry.action, entry.target) == (f"test:{role}", role, "view", sc.KID1)
    assert entry.parameters["page"] == "Family graph"
    assert entry.parameters["params"] == {"person": kid, "hops": 2, "item": "x"}
    assert entry.parameters["operations"] == ["get_person", "relatives", "custody_chains",
                                              "family_whereabouts", "separations"]
    assert set(entry.shown) == family and entry.result_count == len(family), "real ids, also for analysts"
    assert entry.parameters["reads"][1] == {"operation": "relatives", "hops": 2, "kinds": None,
                                            "min_evidence": "claimed", "limit": 300}
    assert shown == (family if role is not Role.ANALYST else {pseud.token("person", p) for p in family})
    for pid in family:  # who-viewed finds every child on the page in that one entry
        assert [e.seq for e in audit.entries(person_id=pid)] == [entry.seq]
    assert audit.verify().ok


def test_a_search_page_is_one_search_entry_with_the_query_text(
    real_graph: GraphStore, secure: Secure, audit: AuditLog
) -> None:
    graph = secure(real_graph, Role.CASEWORKER)
    with graph.view("Find a person", q="Hernández López"):
        hits = graph.search_persons("Hernández López")
        graph.custody_chains([h.person.person_id for h in hits])  # the result table's custody column
    [entry] = audit.entries()
    assert (entry.action, entry.parameters["text"]) == ("search", "Hernández López")
    assert entry.parameters["operations"] == ["search_persons", "custody_chains"]
    assert set(entry.shown) == {h.person.person_id for h in hits} and entry.result_count == len(hits) > 0


def test_an_export_is_one_entry_with_the_persons_in_the_file(
    real_graph: GraphStore, secure: Secure, audit: AuditLog
) -> None:
    graph = secure(real_graph, Role.ANALYST)
    with graph.exporting("orphaned children", {"reasons": "no_parent_link"}, rows=3):
        rows = graph.orphaned_children()
    [entry] = audit.entries()
    assert (entry.action, entry.result_count, entry.parameters["what"]) == ("export", 3, "orphaned children")
    assert set(entry.shown) == {o.child.person_id for o in real_graph.orphaned_children()}
    assert all(o.child.person_id.startswith("psn_") for o in rows), "still pseudonymised per read"


def test_denials_in_a_view_are_their_own_entries_and_reads_still_filtered(
    real_graph: GraphStore, secure: Secure, audit: AuditLog, pseud
) -> None:
    graph = secure(real_graph, Role.ANALYST)
    with graph.view("Custody timeline"):
        graph.custody_chain(pseud.token("person", sc.KID2))
        with pytest.raises(PermissionDeniedError):
            graph.get_person(sc.KID1)  # a real id from an analyst
        assert [e.action for e in audit.entries()] == ["denied"], "a denial is logged at once"
    denied, view = audit.entries()
    assert (denied.parameters["given"], view.action, view.target) == (sc.KID1, "view", sc.KID2)
    assert view.parameters["operations"] == ["custody_chain"]


def test_a_view_that_reads_nothing_writes_nothing_and_reads_outside_log_each(
    real_graph: GraphStore, secure: Secure, audit: AuditLog
) -> None:
    graph = secure(real_graph, Role.CASEWORKER)
    with graph.view("Family graph"):
        graph.census(ON)  # an aggregate: never logged
    assert audit.entries() == []
    graph.get_person(sc.KID1)
    graph.get_person(sc.KID2)
    assert [e.target for e in audit.entries()] == [sc.KID1, sc.KID2]


def test_a_view_on_a_damaged_log_is_refused_before_the_first_read(
    real_graph: GraphStore, secure: Secure, audit: AuditLog
) -> None:
    graph = secure(real_graph, Role.CASEWORKER)
    graph.get_person(sc.KID1)
    audit.path.write_text(audit.path.read_text()[:-10])
    with pytest.raises(AuditError, match="cut short"), graph.view("Family graph"):
        graph.get_person(sc.KID2)
        pytest.fail("the read ran although its entry could not be written")


def test_a_trainer_is_still_refused_on_real_records_inside_a_view(
    real_graph: GraphStore, secure: Secure, audit: AuditLog
) -> None:
    graph = secure(real_graph, Role.TRAINER)
    with pytest.raises(PermissionDeniedError, match="synthetic"), graph.view("Trainer"):
        graph.relatives(sc.KID1, hops=1)
    assert [e.action for e in audit.entries()] == ["denied"]


def test_is_synthetic_is_worked_out_once_per_data_version(
    synthetic_graph: GraphStore, audit: AuditLog
) -> None:
    """Handles given the same data version share one answer; a new version asks the graph again."""
    trainer = Principal("test:trainer", Role.TRAINER)
    first = SecuredGraph(synthetic_graph, trainer, audit, data_version=f"{id(synthetic_graph)}:v1")
    assert first.is_synthetic()
    synthetic_graph.upsert(GraphBatch(load_batches=[LoadBatch(
        batch_id="real-1", system="cbp_e3", file="real.csv", file_hash="r" * 64, started_at=LOADED,
        finished_at=LOADED, loaded=1, synthetic=False)]))
    same = SecuredGraph(synthetic_graph, trainer, audit, data_version=f"{id(synthetic_graph)}:v1")
    assert same.is_synthetic(), "answered from the version's cache, not from the graph"
    fresh = SecuredGraph(synthetic_graph, trainer, audit, data_version=f"{id(synthetic_graph)}:v2")
    assert not fresh.is_synthetic()
    with pytest.raises(PermissionDeniedError, match="synthetic"):
        fresh.get_person(sc.KID1)

"""Contract: each orphan definition finds exactly the scenario's children."""

from __future__ import annotations

import pytest

from graph.model import OrphanReason as R
from tests.contract.scenario import KID1, KID2, KID3, ORPHAN

EXPECTED = {
    ORPHAN: [R.NO_PARENT_LINK],
    KID3: [R.ONLY_CLAIMED_LINKS, R.PARENT_LOCATION_UNKNOWN],
    KID1: [R.PARENT_REMOVED],
    KID2: [R.PARENT_REMOVED],
}


def test_orphan_scan_all_definitions(scenario_store):
    rows = scenario_store.orphaned_children()
    assert {r.child.person_id: r.reasons for r in rows} == EXPECTED
    assert all(r.child.is_child for r in rows)


@pytest.mark.parametrize("reason", list(R))
def test_orphan_scan_one_definition_at_a_time(scenario_store, reason):
    rows = scenario_store.orphaned_children([reason])
    expected = sorted(cid for cid, reasons in EXPECTED.items() if reason in reasons)
    assert [r.child.person_id for r in rows] == expected
    assert all(r.reasons == [reason] for r in rows)


def test_orphan_scan_limit_keeps_the_first_children_by_id(scenario_store):
    first_two = sorted(EXPECTED)[:2]
    rows = scenario_store.orphaned_children(limit=2)
    assert {r.child.person_id: r.reasons for r in rows} == {c: EXPECTED[c] for c in first_two}
    assert [r.child.person_id for r in rows] == first_two
    assert scenario_store.orphaned_children([R.PARENT_REMOVED], limit=1)[0].child.person_id == KID1
    assert scenario_store.orphaned_children(limit=0) == []
    with pytest.raises(ValueError):
        scenario_store.orphaned_children(limit=-1)

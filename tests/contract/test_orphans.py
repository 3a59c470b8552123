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

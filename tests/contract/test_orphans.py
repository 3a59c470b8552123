"""Contract: each orphan definition finds exactly the scenario's children."""

from __future__ import annotations

from datetime import datetime

import pytest

from graph.model import (
    Agency,
    Evidence,
    FamilyKind,
    FamilyLink,
    GraphBatch,
    LinkStatus,
    ReleaseReason,
    Stay,
)
from graph.model import OrphanReason as R
from tests.contract.scenario import AUNT, CLAIMER, DAD, KID1, KID2, KID3, MOM, ORPHAN, STRANGER, scenario

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


def test_orphan_counts_equal_the_scan(scenario_store):
    counts = scenario_store.orphan_counts()
    assert counts.total == len(EXPECTED)
    assert counts.by_reason == {r: sum(r in rs for rs in EXPECTED.values()) for r in R}
    chosen = [R.NO_PARENT_LINK, R.PARENT_REMOVED]
    assert scenario_store.orphan_counts(chosen).total == len(scenario_store.orphaned_children(chosen)) == 3
    assert scenario_store.orphan_counts([R.PARENT_RELEASED]).total == 0


def test_orphan_scan_limit_keeps_the_first_children_by_id(scenario_store):
    first_two = sorted(EXPECTED)[:2]
    rows = scenario_store.orphaned_children(limit=2)
    assert {r.child.person_id: r.reasons for r in rows} == {c: EXPECTED[c] for c in first_two}
    assert [r.child.person_id for r in rows] == first_two
    assert scenario_store.orphaned_children([R.PARENT_REMOVED], limit=1)[0].child.person_id == KID1
    assert scenario_store.orphaned_children(limit=0) == []
    with pytest.raises(ValueError):
        scenario_store.orphaned_children(limit=-1)


# ------------------------------------------------------------------ incremental maintenance
# The definitions are evaluated at write time (`Person.orphan_reasons`); every write that can
# change them must leave the scan exactly as a fresh evaluation would.
def _scan(store) -> dict[str, list[R]]:
    return {r.child.person_id: r.reasons for r in store.orphaned_children()}


def _claimer_stay(stay_id: str, start: datetime, end: datetime | None, why: ReleaseReason | None) -> Stay:
    return Stay(stay_id=stay_id, person_id=CLAIMER, facility_id="PIDCTX", agency=Agency.ICE,
                start=start, end=end, release_reason=why, sources=["ice_eid:stays.csv:9"])


def test_person_records_carry_their_orphan_reasons(scenario_store):
    assert scenario_store.get_person(KID3).orphan_reasons == [R.ONLY_CLAIMED_LINKS, R.PARENT_LOCATION_UNKNOWN]
    assert scenario_store.get_person(MOM).orphan_reasons == []


def test_later_batch_with_a_parents_stays_changes_the_childs_reasons(scenario_store):
    # The claimed mother of KID3 turns up in ICE custody and is released while KID3 is in ORR.
    scenario_store.upsert(GraphBatch(stays=[
        _claimer_stay("S-CLAIM-1", datetime(2018, 6, 2), datetime(2018, 6, 20), ReleaseReason.RELEASED)
    ]))
    assert _scan(scenario_store)[KID3] == [R.ONLY_CLAIMED_LINKS, R.PARENT_RELEASED]
    # Then a stay after it that ends in a transfer: her location is unknown again.
    scenario_store.upsert(GraphBatch(stays=[
        _claimer_stay("S-CLAIM-2", datetime(2018, 6, 21), datetime(2018, 6, 25), ReleaseReason.TRANSFERRED)
    ]))
    assert _scan(scenario_store)[KID3] == [
        R.ONLY_CLAIMED_LINKS, R.PARENT_RELEASED, R.PARENT_LOCATION_UNKNOWN
    ]
    # A later book-out of an open stay (the stay's end and reason arrive in a later file).
    scenario_store.upsert(GraphBatch(stays=[
        Stay(stay_id="S-MOM-3", person_id=MOM, facility_id="EPSPCTX", agency=Agency.ICE,
             start=datetime(2018, 6, 25, 15), end=datetime(2018, 7, 1), release_reason=ReleaseReason.RELEASED)
    ]))
    scan = _scan(scenario_store)
    # Both children were in ORR on 2018-07-01 (KID1 until 07-20, KID2 still), and the mother's
    # last stay no longer ends in a transfer.
    assert scan[KID1] == scan[KID2] == [R.PARENT_REMOVED, R.PARENT_RELEASED]
    assert {k: v for k, v in scan.items() if k not in (KID1, KID2, KID3)} == {ORPHAN: [R.NO_PARENT_LINK]}


def test_new_parent_link_clears_no_parent_link(scenario_store):
    scenario_store.upsert(GraphBatch(family_links=[
        FamilyLink(kind=FamilyKind.GUARDIAN_OF, from_id=AUNT, to_id=ORPHAN, evidence=Evidence.DOCUMENT)
    ]))
    # The aunt has no custody record: her location is unknown.
    assert _scan(scenario_store)[ORPHAN] == [R.PARENT_LOCATION_UNKNOWN]


def test_removing_a_childs_parents_refreshes_its_reasons(scenario_store):
    scenario_store.remove_persons([MOM, DAD])
    # Not written again: KID2 has no parent left (KID1's other claim was rejected).
    assert _scan(scenario_store)[KID2] == [R.NO_PARENT_LINK]
    assert _scan(scenario_store)[KID1] == [R.NO_PARENT_LINK]
    assert scenario_store.orphan_counts().by_reason[R.PARENT_REMOVED] == 0


def test_review_decisions_change_the_reasons(scenario_store):
    link = f"{FamilyKind.PARENT_OF}:{CLAIMER}:{KID3}"
    scenario_store.record_review(link, LinkStatus.REJECTED, "analyst", "not her mother")
    assert _scan(scenario_store)[KID3] == [R.NO_PARENT_LINK]
    scenario_store.record_review(link, LinkStatus.CONFIRMED, "analyst", "birth certificate found")
    assert _scan(scenario_store)[KID3] == [R.PARENT_LOCATION_UNKNOWN]  # reviewed, no longer claimed
    # Confirming the rejected stranger's claim gives KID1 a parent whose location is unknown.
    scenario_store.record_review(f"{FamilyKind.PARENT_OF}:{STRANGER}:{KID1}", LinkStatus.CONFIRMED,
                                 "analyst", "DNA match")
    assert _scan(scenario_store)[KID1] == [R.PARENT_REMOVED, R.PARENT_LOCATION_UNKNOWN]


def test_reload_keeps_reasons_and_reviews(scenario_store):
    link = f"{FamilyKind.PARENT_OF}:{CLAIMER}:{KID3}"
    scenario_store.record_review(link, LinkStatus.REJECTED, "analyst", "not her mother")
    scenario_store.upsert(scenario())  # the same sources again: the link stays rejected
    assert _scan(scenario_store) == {**EXPECTED, KID3: [R.NO_PARENT_LINK]}


def test_loader_input_cannot_set_orphan_reasons(scenario_store):
    forged = scenario_store.get_person(MOM).model_copy(update={"orphan_reasons": [R.NO_PARENT_LINK]})
    kid = scenario_store.get_person(ORPHAN).model_copy(update={"orphan_reasons": []})
    scenario_store.upsert(GraphBatch(persons=[forged, kid]))
    assert scenario_store.get_person(MOM).orphan_reasons == []
    assert _scan(scenario_store) == EXPECTED

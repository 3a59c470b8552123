"""Contradicting parent claims are kept and flagged, never overwritten; both engines agree."""

from __future__ import annotations

from graph.model import ConflictReason, Evidence, FamilyKind, FamilyLink, GraphBatch, LinkStatus
from tests.contract.scenario import CLAIMER, DAD, DUP, KID2, MOM, STRANGER, TRACKER


def second_mother() -> FamilyLink:
    return FamilyLink(kind=FamilyKind.PARENT_OF, from_id=DUP, to_id=KID2, evidence=Evidence.CLAIMED,
                      sources=[TRACKER])


def test_scenario_has_no_conflict_because_the_rejected_claim_does_not_count(scenario_store):
    # KID1 has a mother, a father and a rejected third "father": rejected claims never count.
    assert scenario_store.conflicting_parent_claims() == []


def test_a_second_mother_is_flagged_with_every_claim_kept(scenario_store):
    scenario_store.upsert(GraphBatch(family_links=[second_mother()]))

    [row] = scenario_store.conflicting_parent_claims()

    assert row.child.person_id == KID2
    assert row.reasons == [ConflictReason.MORE_THAN_TWO_PARENTS, ConflictReason.TWO_MOTHERS]
    assert [p.person_id for p in row.parents] == sorted([DAD, DUP, MOM])
    assert sorted(x.from_id for x in row.links) == sorted([DAD, DUP, MOM])
    assert {x.evidence for x in row.links} == {Evidence.RECORDED, Evidence.CLAIMED}


def test_two_fathers_and_limit(scenario_store):
    scenario_store.upsert(GraphBatch(family_links=[
        second_mother(),
        FamilyLink(kind=FamilyKind.PARENT_OF, from_id=STRANGER, to_id="P-KID3", evidence=Evidence.CLAIMED,
                   sources=[TRACKER]),
        FamilyLink(kind=FamilyKind.PARENT_OF, from_id=DAD, to_id="P-KID3", evidence=Evidence.CLAIMED,
                   sources=[TRACKER]),
    ]))

    rows = scenario_store.conflicting_parent_claims()
    assert [(r.child.person_id, r.reasons) for r in rows] == [
        (KID2, [ConflictReason.MORE_THAN_TWO_PARENTS, ConflictReason.TWO_MOTHERS]),
        ("P-KID3", [ConflictReason.MORE_THAN_TWO_PARENTS, ConflictReason.TWO_FATHERS]),
    ]
    assert CLAIMER in [p.person_id for p in rows[1].parents]
    assert [r.child.person_id for r in scenario_store.conflicting_parent_claims(limit=1)] == [KID2]
    assert len(scenario_store.conflicting_parent_claims(limit=None)) == 2


def test_rejecting_the_false_claim_resolves_the_conflict(scenario_store):
    link = second_mother()
    scenario_store.upsert(GraphBatch(family_links=[link]))

    scenario_store.record_review(link.link_id, LinkStatus.REJECTED, "caseworker 7", "DNA excludes her")

    assert scenario_store.conflicting_parent_claims() == []
    assert scenario_store.review_history(link.link_id)[0].decision == LinkStatus.REJECTED

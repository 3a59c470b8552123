"""The operations person resolution writes and reads through; both engines agree."""

from __future__ import annotations

from datetime import datetime

from graph.model import FamilyKind, LinkStatus, Review
from tests.contract.scenario import DAD, DUP, KID1, KID2, MOM, rec


def test_source_records_of_one_batch_come_by_row_number(scenario_store):
    records = scenario_store.source_records("batch-cbp_e3")

    assert [r.record_key for r in records] == [rec("cbp_e3", "apprehensions.csv", n) for n in range(1, 5)]
    assert scenario_store.source_records("no-such-batch") == []


def test_appended_reviews_join_the_history_once_and_touch_no_target(scenario_store):
    merge = Review(
        review_id="merge-1",
        target_key=f"{DUP}~{MOM}",
        decision=LinkStatus.CONFIRMED,
        reviewer="lineage resolve",
        reason="probability 0.999",
        decided_at=datetime(2018, 9, 2, 8, 0),
    )
    scenario_store.append_reviews([merge])
    scenario_store.append_reviews([merge])  # a re-run writes the same entry again
    scenario_store.record_review(f"{DUP}~{MOM}", LinkStatus.REJECTED, "cw1", "different person")

    history = scenario_store.reviews()
    assert [r.review_id for r in history][0] == "merge-1"
    assert [(r.reviewer, r.decision) for r in history] == [
        ("lineage resolve", LinkStatus.CONFIRMED),
        ("cw1", LinkStatus.REJECTED),
    ]
    assert scenario_store.review_history(f"{DUP}~{MOM}") == history


def test_removing_persons_takes_their_relationships_and_keeps_the_records(scenario_store):
    before = scenario_store.counts()
    records = scenario_store.provenance(MOM).records

    scenario_store.remove_persons([MOM, DUP, "no-such-person"])

    after = scenario_store.counts()
    assert scenario_store.get_person(MOM) is None and scenario_store.get_person(DUP) is None
    assert after.persons == before.persons - 2
    assert after.pending_matches == 0  # the MOM~DUP match went with them
    assert after.source_records == before.source_records
    assert records and all(scenario_store.source_records(r.batch_id) for r in records)
    assert after.stays < before.stays
    hood = scenario_store.relatives(KID1, hops=1)
    assert MOM not in hood.hops and DAD in hood.hops
    assert scenario_store.relatives(KID2, hops=1).hops.keys() >= {DAD}


def test_family_links_lists_every_link_of_the_kinds_asked_reviewed_ones_too(scenario_store):
    every = scenario_store.family_links()
    parents = scenario_store.family_links([FamilyKind.PARENT_OF])

    assert parents == [x for x in every if x.kind == FamilyKind.PARENT_OF]
    assert {(x.from_id, x.to_id) for x in parents} >= {(MOM, KID1), (DAD, KID1), (MOM, KID2)}
    assert LinkStatus.REJECTED in {x.status for x in parents}  # the stranger's claim is kept
    assert [x.link_id for x in every] == sorted(x.link_id for x in every)
    assert scenario_store.family_links(["GUARDIAN_OF"]) == []

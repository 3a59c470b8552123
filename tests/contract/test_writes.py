"""Contract: idempotent upsert with merge rules, provenance, reviews and counts."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from graph.errors import NotFoundError
from graph.model import Evidence, FamilyLink, GraphBatch, LinkStatus, LoadBatch, Person, QuarantineEntry
from tests.contract.scenario import CLAIMER, DUP, KID1, KID3, MOM, scenario

EXPECTED_COUNTS = {
    "persons": 10, "children": 4, "facilities": 6, "family_units": 1, "separations": 2,
    "separations_without_reason": 1, "stays": 13, "source_records": 15,
    "family_links": {"PARENT_OF": 6, "SIBLING_OF": 1, "GUARDIAN_OF": 0, "RELATIVE_OF": 1},
    "pending_matches": 1,
}


def test_counts(scenario_store):
    assert scenario_store.counts().model_dump() == EXPECTED_COUNTS


def test_upsert_twice_changes_nothing(scenario_store):
    before = scenario_store.relatives(KID1, hops=2)
    scenario_store.upsert(scenario())
    assert scenario_store.counts().model_dump() == EXPECTED_COUNTS
    assert scenario_store.relatives(KID1, hops=2) == before


def test_upsert_merges_lists_and_never_erases_with_null(scenario_store):
    scenario_store.upsert(GraphBatch(persons=[Person(
        person_id=MOM, given_names="Maria Jose", surnames="Lopez", dob=None,
        name_variants=["Maria Jose Lopez"], identifiers=["tracker:row-7"], sources=["x:y:1"],
    )]))
    mom = scenario_store.get_person(MOM)
    assert mom.given_names == "Maria Jose"
    assert mom.dob == date(1990, 3, 4)
    assert mom.a_number == "A000000001"
    assert "x:y:1" in mom.sources and "cbp_e3:apprehensions.csv:1" in mom.sources
    assert "tracker:row-7" in mom.identifiers
    assert scenario_store.search_persons("row-7")[0].person.person_id == MOM


def test_empty_store_answers_empty(store):
    assert store.counts().persons == 0
    assert store.orphaned_children() == []
    assert store.separated_not_reunified(date(2018, 6, 1)) == []
    assert store.search_persons("maria") == []


def test_provenance_of_a_link_and_of_a_person(scenario_store):
    link = scenario_store.provenance(f"PARENT_OF:{MOM}:{KID1}")
    assert [r.record_key for r in link.records] == [
        "cbp_e3:apprehensions.csv:1", "cbp_e3:apprehensions.csv:3",
    ]
    assert link.records[0].system == "cbp_e3" and link.records[0].row_number == 1
    person = scenario_store.provenance(KID1)
    assert [r.record_key for r in person.records] == [
        "cbp_e3:apprehensions.csv:3", "orr_portal:children.json:1",
    ]
    stay = scenario_store.provenance("S-MOM-2")
    assert [r.file for r in stay.records] == ["stays.csv"]
    assert scenario_store.provenance("NO-SUCH-KEY").records == []


def test_review_confirms_a_claimed_link_with_history(scenario_store):
    key = f"PARENT_OF:{CLAIMER}:{KID3}"
    links, matches = scenario_store.pending_reviews()
    assert key in {x.link_id for x in links}
    assert [m.match_id for m in matches] == [f"{DUP}~{MOM}"]
    review = scenario_store.record_review(key, LinkStatus.CONFIRMED, "cw1", "birth certificate")
    assert review.previous_evidence == Evidence.CLAIMED
    hood = scenario_store.relatives(KID3, hops=1, min_evidence=Evidence.REVIEWED)
    assert [x.status for x in hood.links] == [LinkStatus.CONFIRMED]
    assert [r.reason for r in scenario_store.review_history(key)] == ["birth certificate"]
    links, _ = scenario_store.pending_reviews()
    assert key not in {x.link_id for x in links}
    assert [r.child.person_id for r in scenario_store.orphaned_children(["only_claimed_links"])] == []


def test_rejecting_a_match_keeps_it_stored(scenario_store):
    key = f"{DUP}~{MOM}"
    scenario_store.record_review(key, LinkStatus.REJECTED, "cw2", "different mother")
    assert scenario_store.pending_reviews()[1] == []
    assert scenario_store.counts().pending_matches == 0
    assert [r.decision for r in scenario_store.review_history(key)] == [LinkStatus.REJECTED]
    assert [r.record_key for r in scenario_store.provenance(key).records] == [
        "cbp_e3:apprehensions.csv:1", "ice_tracker:tracker.xlsx:1",
    ]


def test_review_of_unknown_key_or_without_reason_is_refused(scenario_store):
    with pytest.raises(NotFoundError):
        scenario_store.record_review("PARENT_OF:a:b", LinkStatus.CONFIRMED, "cw1", "x")
    with pytest.raises(ValueError):
        scenario_store.record_review(f"{DUP}~{MOM}", LinkStatus.CONFIRMED, "cw1", " ")


def test_init_schema_again_and_clear(scenario_store):
    scenario_store.init_schema()
    assert scenario_store.counts().persons == 10
    scenario_store.clear()
    assert scenario_store.counts().model_dump()["stays"] == 0
    assert scenario_store.get_person(MOM) is None


def test_load_ledger_and_quarantine_round_trip(store):
    started = datetime(2018, 9, 1, 12, 0)
    batch = LoadBatch(batch_id="b1", system="cbp_e3", file="e3.csv", file_hash="ab", started_at=started,
                      finished_at=started, rows_in=3, loaded=1, quarantined=2)
    entries = [
        QuarantineEntry(entry_id=f"b1:{n}:{field}", batch_id="b1", system=system, file="e3.csv",
                        row_number=n, field=field, value=value, rule=rule, reason="bad", raw="{}")
        for n, field, value, rule, system in [
            (3, "dob", "31/31/2010", "date_format", "cbp_e3"),
            (2, "a_number", "A12", "a_number", "cbp_e3"),
            (1, "name", "<script>x</script>", "missing", "orr_portal"),
        ]
    ]
    store.upsert(GraphBatch(load_batches=[batch], quarantine=entries))
    store.upsert(GraphBatch(load_batches=[batch], quarantine=entries))
    assert store.load_batches() == [batch]
    assert [(q.row_number, q.field) for q in store.quarantine("cbp_e3")] == [(2, "a_number"), (3, "dob")]
    assert [q.value for q in store.quarantine()] == ["<script>x</script>", "A12", "31/31/2010"]
    assert len(store.quarantine(limit=2)) == 2


def test_reloading_sources_never_undoes_a_review_or_weakens_evidence(scenario_store):
    key = f"PARENT_OF:{CLAIMER}:{KID3}"
    scenario_store.record_review(key, LinkStatus.CONFIRMED, "cw1", "birth certificate")
    scenario_store.record_review(f"{DUP}~{MOM}", LinkStatus.REJECTED, "cw1", "different person")
    scenario_store.upsert(scenario())
    link = scenario_store.relatives(KID3, hops=1).links[0]
    assert (link.status, link.evidence) == (LinkStatus.CONFIRMED, Evidence.REVIEWED)
    assert scenario_store.pending_reviews()[1] == []
    stronger = FamilyLink(kind="PARENT_OF", from_id=MOM, to_id=KID1, evidence=Evidence.DNA, sources=["lab:1"])
    weaker = FamilyLink(kind="PARENT_OF", from_id=MOM, to_id=KID1, evidence=Evidence.CLAIMED, sources=["x:2"])
    scenario_store.upsert(GraphBatch(family_links=[stronger]))
    scenario_store.upsert(GraphBatch(family_links=[weaker]))
    link = next(x for x in scenario_store.relatives(KID1, hops=1).links if x.from_id == MOM)
    assert link.evidence == Evidence.DNA
    assert {"lab:1", "x:2", "cbp_e3:apprehensions.csv:1"} <= set(link.sources)


def test_empty_text_never_erases_a_known_value(scenario_store):
    scenario_store.upsert(GraphBatch(persons=[Person(person_id=MOM, given_names="", surnames="")]))
    assert scenario_store.get_person(MOM).full_name == "María José López García"

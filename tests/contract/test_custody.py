"""Contract: custody chains, where a family was on a day, and the separation census."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from graph.model import Agency, GraphBatch, ReleaseReason, Stay
from tests.contract.scenario import DAD, KID1, KID2, MOM, ORPHAN, scenario


def test_custody_chain_is_the_handoff_chain_in_time_order(scenario_store):
    chain = scenario_store.custody_chain(DAD)
    assert [(s.stay.agency, s.facility.name, s.stay.release_reason) for s in chain] == [
        (Agency.CBP, "Ursula Central Processing Center", ReleaseReason.TRANSFERRED),
        (Agency.USMS, "Otero County Jail", ReleaseReason.TRANSFERRED),
        (Agency.ICE, "Port Isabel Detention Center", ReleaseReason.REMOVED),
    ]
    assert chain[0].stay.sources == ["cbp_e3:apprehensions.csv:2"]


def test_custody_chain_as_known_on_a_day_hides_later_records(scenario_store):
    assert [s.stay.stay_id for s in scenario_store.custody_chain(KID1)] == [
        "S-KID1-1", "S-KID1-2", "S-KID1-3",
    ]
    assert [s.stay.stay_id for s in scenario_store.custody_chain(KID1, known_on=date(2018, 6, 1))] == [
        "S-KID1-1", "S-KID1-2",
    ]
    assert scenario_store.custody_chain("P-NOBODY") == []


def test_custody_chains_of_a_family_in_one_call_equal_each_chain(scenario_store):
    ids = [MOM, DAD, KID1, KID2, "P-NOBODY", KID1]
    chains = scenario_store.custody_chains(ids)
    assert list(chains) == [MOM, DAD, KID1, KID2, "P-NOBODY"]
    for pid in chains:
        assert chains[pid] == scenario_store.custody_chain(pid)
    known = scenario_store.custody_chains([KID1], known_on=date(2018, 6, 1))
    assert [s.stay.stay_id for s in known[KID1]] == ["S-KID1-1", "S-KID1-2"]
    assert scenario_store.custody_chains([]) == {}


def test_family_whereabouts_on_a_day(scenario_store):
    where = scenario_store.family_whereabouts(KID1, on=date(2018, 6, 20), hops=1)
    assert [(w.person.person_id, w.facility.facility_id if w.facility else None) for w in where] == [
        (KID1, "ORR-CASA2"), (DAD, None), (KID2, "ORR-CASA1"), (MOM, "PIDCTX"),
    ]


def test_whereabouts_at_the_end_of_a_transfer_day(scenario_store):
    where = {w.person.person_id: w for w in scenario_store.family_whereabouts(MOM, date(2018, 6, 25), 1)}
    assert where[MOM].facility.facility_id == "EPSPCTX"


def _census(store, on, known_on=None):
    return [(r.person.person_id, r.separation.separation_id) for r in
            store.separated_not_reunified(on, known_on=known_on)]


def test_census_separated_and_not_reunified(scenario_store):
    assert _census(scenario_store, date(2018, 5, 10)) == []
    assert _census(scenario_store, date(2018, 6, 20)) == [(KID1, "SEP-1"), (KID2, "SEP-2")]
    assert _census(scenario_store, date(2018, 7, 25)) == [(KID2, "SEP-2")]


def test_census_as_known_on_an_earlier_day(scenario_store):
    assert _census(scenario_store, date(2018, 6, 20), known_on=date(2018, 6, 10)) == [(KID1, "SEP-1")]
    assert _census(scenario_store, date(2018, 7, 25), known_on=date(2018, 8, 1)) == [
        (KID1, "SEP-1"), (KID2, "SEP-2"),
    ]


def test_census_rows_say_where_the_child_was_and_why_separated(scenario_store):
    rows = {r.person.person_id: r for r in scenario_store.separated_not_reunified(date(2018, 6, 20))}
    assert rows[KID1].facility.name == "Casa Dos Shelter"
    assert rows[KID1].separation.reason_code is None
    assert rows[KID2].stay.agency == Agency.ORR
    assert rows[KID2].separation.reason_code == "CRIM"


def test_census_counts_by_facility_and_agency(scenario_store):
    census = scenario_store.census(date(2018, 6, 20))
    assert census.total == 2
    assert [(c.facility_id, c.children) for c in census.by_facility] == [("ORR-CASA1", 1), ("ORR-CASA2", 1)]
    assert census.by_agency == {"ORR": 2}
    late = scenario_store.census(date(2018, 7, 25), known_on=date(2018, 8, 1))
    assert late.total == 2
    assert [(c.facility_id, c.children) for c in late.by_facility] == [("ORR-CASA1", 1), (None, 1)]
    assert late.by_agency == {"ORR": 1, "unknown": 1}
    assert scenario_store.census(date(2018, 5, 10)).total == 0


def test_census_rows_limit_keeps_the_first_rows_with_their_stays(scenario_store):
    full = scenario_store.separated_not_reunified(date(2018, 6, 20))
    assert scenario_store.separated_not_reunified(date(2018, 6, 20), limit=1) == full[:1]
    assert scenario_store.separated_not_reunified(date(2018, 6, 20), limit=5) == full
    known = scenario_store.separated_not_reunified(date(2018, 7, 25), known_on=date(2018, 8, 1), limit=1)
    assert [(r.person.person_id, r.separation.separation_id) for r in known] == [(KID1, "SEP-1")]
    assert scenario_store.separated_not_reunified(date(2018, 6, 20), limit=0) == []
    with pytest.raises(ValueError):
        scenario_store.separated_not_reunified(date(2018, 6, 20), limit=-1)


# The census counts read what the store keeps of each separated child's stays (Neo4j copies them
# onto the SEPARATED edges at write time): every later write must show in them.
def _places(store, on, known_on=None):
    census = store.census(on, known_on=known_on)
    return census.total, [(c.facility_id, c.children) for c in census.by_facility]


def test_census_counts_follow_a_stay_written_after_the_separation(scenario_store):
    late, known = date(2018, 7, 25), date(2018, 8, 1)
    assert _places(scenario_store, late, known) == (2, [("ORR-CASA1", 1), (None, 1)])
    scenario_store.upsert(GraphBatch(stays=[Stay(
        stay_id="S-KID1-4", person_id=KID1, facility_id="ORR-CASA1", agency=Agency.ORR,
        start=datetime(2018, 7, 20, 15), recorded_at=datetime(2018, 7, 31, 9),
    )]))
    assert _places(scenario_store, late, known) == (2, [("ORR-CASA1", 2)])
    # As known before the new stay was recorded, the child's whereabouts were still unknown.
    assert _places(scenario_store, late, date(2018, 7, 30)) == (2, [("ORR-CASA1", 1), (None, 1)])


def test_census_counts_follow_a_reloaded_stay(scenario_store):
    (stay,) = [s for s in scenario().stays if s.stay_id == "S-KID1-3"]
    scenario_store.upsert(GraphBatch(stays=[stay.model_copy(update={"end": datetime(2018, 7, 30, 11)})]))
    assert _places(scenario_store, date(2018, 7, 25), date(2018, 8, 1)) == (
        2, [("ORR-CASA1", 1), ("ORR-CASA2", 1)],
    )


def test_census_counts_a_separation_written_after_the_childs_stays(scenario_store):
    assert _places(scenario_store, date(2018, 6, 20)) == (2, [("ORR-CASA1", 1), ("ORR-CASA2", 1)])
    scenario_store.upsert_rows({
        "separations": [{"separation_id": "SEP-9", "date": date(2018, 6, 1), "agency": "CBP",
                         "recorded_at": datetime(2018, 6, 1, 12)}],
        "separated": [{"separated_id": f"SEP-9:{ORPHAN}", "separation_id": "SEP-9",
                       "person_id": ORPHAN, "side": "child"}],
    })
    assert _places(scenario_store, date(2018, 6, 20)) == (3, [("ORR-CASA2", 2), ("ORR-CASA1", 1)])


def test_census_counts_after_a_child_is_removed_and_written_again(scenario_store):
    before = scenario_store.census(date(2018, 6, 20))
    scenario_store.remove_persons([KID1])
    assert _places(scenario_store, date(2018, 6, 20)) == (1, [("ORR-CASA1", 1)])
    batch = scenario()
    scenario_store.upsert(GraphBatch(
        persons=[p for p in batch.persons if p.person_id == KID1],
        stays=[s for s in batch.stays if s.person_id == KID1],
        separated=[x for x in batch.separated if x.person_id == KID1],
    ))
    assert scenario_store.census(date(2018, 6, 20)) == before


def test_census_counts_agree_with_the_census_rows(scenario_store):
    for on, known_on in [(date(2018, 6, 20), None), (date(2018, 7, 25), date(2018, 8, 1)),
                         (date(2018, 6, 20), date(2018, 6, 10))]:
        rows = scenario_store.separated_not_reunified(on, known_on=known_on)
        held: dict[str | None, set[str]] = {}
        for r in rows:
            held.setdefault(r.facility.facility_id if r.facility else None, set()).add(r.person.person_id)
        census = scenario_store.census(on, known_on=known_on)
        assert census.total == len({r.person.person_id for r in rows})
        assert {c.facility_id: c.children for c in census.by_facility} == {f: len(k) for f, k in held.items()}


def test_census_counts_a_child_with_overlapping_stays_once_in_the_total(scenario_store):
    # Agencies' records overlap (a shelter books a child in before CBP books it out): the child
    # is one child in the total and one in each place that held it.
    on = date(2018, 6, 20)
    before_total, before = _places(scenario_store, on)
    scenario_store.upsert(GraphBatch(stays=[Stay(
        stay_id="S-KID1-X", person_id=KID1, facility_id="ORR-CASA1", agency=Agency.ORR,
        start=datetime(2018, 6, 19, 8), end=datetime(2018, 6, 21, 8), recorded_at=datetime(2018, 6, 19, 9),
    )]))
    total, places = _places(scenario_store, on)
    assert total == before_total == 2
    assert dict(places) == {**dict(before), "ORR-CASA1": dict(before)["ORR-CASA1"] + 1}
    assert scenario_store.census(on).by_agency == {"ORR": 3}

"""Contract: custody chains, where a family was on a day, and the separation census."""

from __future__ import annotations

from datetime import date

import pytest

from graph.model import Agency, ReleaseReason
from tests.contract.scenario import DAD, KID1, KID2, MOM


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

"""Contract: the census kept at write time (`graph.census_changes`) answers exactly as the census
computed from the records, on every day, after every kind of write that can change it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from graph.model import Agency, GraphBatch, Separation, Stay
from tests.contract.scenario import DAD, KID1, KID2, ORPHAN, scenario

#: Every day from before the first apprehension to after the last release.
DAYS = [date(2018, 4, 20) + timedelta(days=n) for n in range(150)]
#: A "known on" day after every record: the census then comes from the records themselves.
ALL_KNOWN = date(9999, 12, 30)


def _answer(census):
    return census.total, census.by_facility, census.by_agency


def _rows(rows):
    return [(r.person.person_id, r.separation.separation_id, r.stay and r.stay.stay_id) for r in rows]


def _assert_kept_equals_records(store):
    """The counts, and the rows with their first page (which the Neo4j engine pages from the
    kept parts when asked as known now)."""
    assert store._census_kept(), "the census is kept at write time"
    for day in DAYS:
        kept, from_records = store.census(day), store.census(day, known_on=ALL_KNOWN)
        assert _answer(kept) == _answer(from_records), day
        rows = _rows(store.separated_not_reunified(day, known_on=ALL_KNOWN))
        assert _rows(store.separated_not_reunified(day)) == rows, day
        assert _rows(store.separated_not_reunified(day, limit=1)) == rows[:1], day


def test_kept_census_equals_the_records_on_every_day(scenario_store):
    _assert_kept_equals_records(scenario_store)
    assert scenario_store.census(date(2018, 6, 20)).total == 2


def test_kept_census_follows_every_write_that_changes_it(scenario_store):
    store = scenario_store
    base = scenario()
    # A stay recorded later, and a reloaded stay whose book-out moved.
    store.upsert(GraphBatch(stays=[Stay(
        stay_id="S-KID1-4", person_id=KID1, facility_id="ORR-CASA1", agency=Agency.ORR,
        start=datetime(2018, 7, 20, 15), end=datetime(2018, 8, 2), recorded_at=datetime(2018, 7, 31, 9),
    )]))
    (stay,) = [s for s in base.stays if s.stay_id == "S-KID1-3"]
    store.upsert(GraphBatch(stays=[stay.model_copy(update={"end": datetime(2018, 7, 30, 11)})]))
    _assert_kept_equals_records(store)
    # A reunification recorded on the separation alone, without its SEPARATED edges.
    (sep2,) = [s for s in base.separations if s.separation_id == "SEP-2"]
    store.upsert(GraphBatch(separations=[sep2.model_copy(update={
        "reunified_on": date(2018, 8, 5), "reunified_recorded_at": datetime(2018, 8, 6),
    })]))
    assert store.census(date(2018, 8, 10)).total == 0
    _assert_kept_equals_records(store)
    # A new separation of a child with stays already written.
    store.upsert_rows({
        "separations": [{"separation_id": "SEP-9", "date": date(2018, 6, 1), "agency": "CBP",
                         "recorded_at": datetime(2018, 6, 1, 12)}],
        "separated": [{"separated_id": f"SEP-9:{ORPHAN}", "separation_id": "SEP-9",
                       "person_id": ORPHAN, "side": "child"}],
    })
    _assert_kept_equals_records(store)
    # A child found to be an adult, and a child removed by person resolution.
    (kid2,) = [p for p in base.persons if p.person_id == KID2]
    store.upsert_rows({"persons": [{**kid2.model_dump(mode="python"), "is_child": False}]})
    store.remove_persons([KID1, DAD])
    _assert_kept_equals_records(store)
    assert store.census(date(2018, 6, 20)).total == 1  # only the newly separated child is left


def test_a_graph_written_before_the_kept_census_gets_one_from_init(scenario_store):
    before = [_answer(scenario_store.census(day)) for day in DAYS]
    scenario_store._clear_census()
    assert not scenario_store._census_kept()
    # Without it the census still answers, from the records.
    assert [_answer(scenario_store.census(day)) for day in DAYS] == before
    scenario_store.init_schema()
    _assert_kept_equals_records(scenario_store)
    scenario_store.rebuild_census()
    assert [_answer(scenario_store.census(day)) for day in DAYS] == before


def test_an_empty_graph_keeps_an_empty_census(store):
    assert store._census_kept() and store._fetch_census_sums(date(2018, 6, 20)) == []
    store.upsert(GraphBatch(separations=[Separation(
        separation_id="SEP-X", date=date(2018, 6, 1), recorded_at=datetime(2018, 6, 1, 12),
    )]))
    assert store.census(date(2018, 6, 20)).total == 0

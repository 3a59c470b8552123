"""Contract: `upsert_rows` (a batch as engine rows) gives exactly the graph `upsert` gives."""

from __future__ import annotations

from datetime import date, timedelta

from graph.model import GraphBatch, Person
from graph.store import UPSERT_ORDER, GraphStore, Touched, _defaults, _row
from tests.contract.scenario import (
    AUNT,
    CLAIMER,
    DAD,
    DUP,
    KID1,
    KID2,
    KID3,
    MOM,
    ORPHAN,
    STRANGER,
    scenario,
)

ALL_PERSONS = (MOM, DAD, KID1, KID2, ORPHAN, KID3, CLAIMER, DUP, AUNT, STRANGER)


def _rows(batch: GraphBatch, drop_defaults: bool) -> dict[str, list[dict]]:
    """The batch as rows; with `drop_defaults`, fields equal to their default are left out."""
    parts: dict[str, list[dict]] = {}
    for field, kind in UPSERT_ORDER:
        base, _ = _defaults(kind)
        rows = [_row(item) for item in getattr(batch, field)]
        if drop_defaults:
            rows = [{k: v for k, v in r.items() if k not in base or base[k] != v} for r in rows]
        parts[field] = rows
    return parts


#: Census days across the scenario's separations, stays and reunifications.
CENSUS_DAYS = [date(2018, 5, 1) + timedelta(days=n) for n in range(0, 100, 3)]


def _snapshot(store: GraphStore) -> dict:
    """Everything the public operations say about the scenario's persons."""
    out: dict = {"counts": store.counts(), "orphans": store.orphaned_children()}
    for pid in ALL_PERSONS:
        out[pid] = (
            store.get_person(pid),
            store.relatives(pid, hops=3),
            store.custody_chain(pid),
            store.provenance(pid),
        )
    out["census"] = store.census(date(2018, 6, 20))
    out["pending"] = store.pending_reviews()
    out["batches"] = store.load_batches()
    return out


def test_upsert_rows_gives_the_graph_upsert_gives(store):
    store.upsert(scenario())
    expected = _snapshot(store)
    store.clear()
    written = store.upsert_rows(_rows(scenario(), drop_defaults=True))
    assert _snapshot(store) == expected
    assert written == {f: len(v) for f, v in _rows(scenario(), False).items() if v}


def test_upsert_rows_twice_and_over_upsert_changes_nothing(scenario_store):
    expected = _snapshot(scenario_store)
    scenario_store.upsert_rows(_rows(scenario(), drop_defaults=False))
    scenario_store.upsert_rows(_rows(scenario(), drop_defaults=True))
    assert _snapshot(scenario_store) == expected


def test_upsert_rows_merges_by_the_same_rules(scenario_store):
    extra = Person(person_id=MOM, given_names="Maria Jose", surnames="Lopez", identifiers=["tracker:row-7"])
    scenario_store.upsert_rows({"persons": [_row(extra)]})
    mom = scenario_store.get_person(MOM)
    assert mom.dob == date(1990, 3, 4) and mom.a_number == "A000000001"
    assert "tracker:row-7" in mom.identifiers and "cbp_e3:apprehensions.csv:1" in mom.sources
    assert scenario_store.search_persons("row-7")[0].person.person_id == MOM


def test_deferred_refresh_gives_the_same_graph(store):
    """The bulk path: kinds written in separate calls without refreshing what the store
    maintains, then `refresh_touched` once over every call's touched persons, as `lineage load`
    does: the same orphans, custody copies (census as known on a day) and kept census."""
    store.upsert(scenario())
    expected = _snapshot(store)
    known = [store.census(day, known_on=date(2018, 7, 1)) for day in CENSUS_DAYS]
    kept = [store.census(day) for day in CENSUS_DAYS]
    store.clear()
    touched = Touched()
    for field, rows in _rows(scenario(), drop_defaults=True).items():
        store.upsert_rows({field: rows}, refresh=False)
        touched |= Touched.by({field: rows})
    assert store.orphaned_children() == []  # deferred: nothing refreshed yet
    # Meanwhile the census is not kept, so it comes from the records, right already.
    assert not store._census_kept()
    assert [store.census(day) for day in CENSUS_DAYS] == kept
    store.refresh_touched(touched)
    assert store._census_kept()
    assert _snapshot(store) == expected
    assert [store.census(day, known_on=date(2018, 7, 1)) for day in CENSUS_DAYS] == known
    assert [store.census(day) for day in CENSUS_DAYS] == kept


def test_a_load_killed_before_its_refresh_is_repaired_by_the_next_one(store):
    """The persons a killed load wrote are in no later load's `Touched`: the census it left
    unmarked is rebuilt whole, with the custody copies, by the next load's refresh."""
    store.upsert(scenario())
    expected = _snapshot(store)
    known = [store.census(day, known_on=date(2018, 7, 1)) for day in CENSUS_DAYS]
    store.clear()
    rows = _rows(scenario(), drop_defaults=True)
    for field, kind_rows in rows.items():
        store.upsert_rows({field: kind_rows}, refresh=False)
    store._census_deferred = None  # the process dies here: its state goes with it
    # The next load touches none of those persons.
    later = {"load_batches": rows["load_batches"]}
    store.upsert_rows(later, refresh=False)
    store.refresh_touched(Touched.by(later))
    assert store._census_kept()
    assert [store.census(day, known_on=date(2018, 7, 1)) for day in CENSUS_DAYS] == known
    def answer(census):
        return census.total, census.by_facility, census.by_agency

    from_records = [answer(store.census(day, known_on=date(9999, 12, 30))) for day in CENSUS_DAYS]
    assert [answer(store.census(day)) for day in CENSUS_DAYS] == from_records
    assert store.census(date(2018, 6, 20)) == expected["census"]

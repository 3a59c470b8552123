"""LadybugDB-specific behaviour: file locking, read-only opens, bulk merge paths, schema mapping.

The shared answers are checked by `tests/contract/`; these tests cover what only the embedded
engine has (one writer per file, COPY-based upserts) on real database files in tmp_path.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from graph.census_changes import changes_of, encode, sum_rows
from graph.errors import GraphStoreError, StoreUnavailableError
from graph.ladybug.schema import CENSUS_TABLES, TABLES, column_type
from graph.ladybug.store import _STATEMENTS_PER_CONNECTION, LadybugStore
from graph.model import DobPrecision, Evidence, FamilyKind, FamilyLink, GraphBatch, Person
from tests.contract.scenario import scenario

ROOT = Path(__file__).resolve().parents[2]


def _person(pid: str, **fields: object) -> Person:
    return Person(person_id=pid, **fields)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "lineage.lbug"


@pytest.fixture
def store(db_path: Path) -> LadybugStore:
    with LadybugStore(db_path) as opened:
        yield opened


def test_column_types_follow_the_annotations() -> None:
    assert column_type(str) == "STRING"
    assert column_type(int | None) == "INT64"
    assert column_type(bool) == "BOOLEAN"
    assert column_type(list[str]) == "STRING[]"
    assert column_type(datetime | None) == "TIMESTAMP"
    assert column_type(date) == "DATE"
    assert column_type(DobPrecision | None) == "STRING"
    with pytest.raises(TypeError):
        column_type(dict[str, int])
    person = {c.name: c.type for c in TABLES["Person"].columns}
    assert person["dob"] == "DATE" and person["name_variants"] == "STRING[]"
    # FamilyLink: one table per kind; endpoints and kind are structure, not columns.
    for kind in FamilyKind:
        assert {"from_id", "to_id", "kind"}.isdisjoint(TABLES[str(kind)].column_names)


def test_a_second_writer_is_told_who_holds_the_file(db_path: Path) -> None:
    LadybugStore(db_path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from graph.ladybug.store import LadybugStore; "
         f"s = LadybugStore({str(db_path)!r}); print('ready', flush=True); sys.stdin.read()"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreUnavailableError) as caught:
            LadybugStore(db_path)
        message = str(caught.value)
        assert "\n" not in message
        assert str(db_path) in message and f"PID {holder.pid}" in message
        assert "read-only" in message and "lineage" in message
        with LadybugStore(db_path, read_only=True) as viewer:  # viewing beside the writer works
            assert viewer.counts().persons == 0
    finally:
        holder.communicate("", timeout=30)


def test_read_only_reads_and_refuses_writes(db_path: Path) -> None:
    with LadybugStore(db_path) as writer:
        writer.upsert(GraphBatch(persons=[_person("P1", given_names="Ana", surnames="Ruiz")]))
    with LadybugStore(db_path, read_only=True) as viewer:
        assert viewer.get_person("P1") is not None
        assert [h.person.person_id for h in viewer.search_persons("ruiz")] == ["P1"]
        with pytest.raises(GraphStoreError):
            viewer.upsert(GraphBatch(persons=[_person("P2")]))


def test_a_file_from_before_the_kept_census_answers_the_census_read_only(db_path: Path) -> None:
    with LadybugStore(db_path) as writer:
        writer.upsert(scenario())
        kept = writer.census(date(2018, 6, 20))
        for table in CENSUS_TABLES:  # as a file written by an earlier version has them: not at all
            writer._run(f"DROP TABLE {table}")
    with LadybugStore(db_path, read_only=True) as viewer:
        assert viewer.census(date(2018, 6, 20)) == kept  # from the records
    with LadybugStore(db_path) as writer:  # the first read-write open builds it
        assert writer._census_kept()
        assert writer.census(date(2018, 6, 20)) == kept


def test_many_reads_do_not_fill_a_small_buffer_pool(db_path: Path) -> None:
    """LadybugDB keeps what each statement allocated until its connection closes (an Arrow scan
    ~0.5 MB): with one connection for the store's life, a 64 MiB pool was full after 28 census
    rows, in a writer and a viewer alike. The store opens a fresh connection now and then."""
    small = 64 * 2**20
    with LadybugStore(db_path, buffer_pool_size=small) as writer:
        writer.upsert(scenario())
        expected = writer.separated_not_reunified(date(2018, 6, 20))
    with LadybugStore(db_path, read_only=True, buffer_pool_size=small) as viewer:
        for _ in range(300):
            assert viewer.separated_not_reunified(date(2018, 6, 20)) == expected
            viewer.census(date(2018, 6, 20), known_on=date(2018, 7, 1))
    with LadybugStore(db_path, buffer_pool_size=small) as writer:
        for _ in range(300):
            assert writer.separated_not_reunified(date(2018, 6, 20)) == expected
        writer.upsert(scenario())  # and its writes still commit on the connection of the day
        assert writer.separated_not_reunified(date(2018, 6, 20)) == expected


def test_a_transaction_begun_at_the_renewal_count_commits_on_its_connection(db_path: Path) -> None:
    """BEGIN as the statement that reaches the renewal count must not renew the connection
    under its own transaction."""
    with LadybugStore(db_path) as store:
        store.upsert(scenario())
        kept = store.census(date(2018, 6, 20))
        inputs = store._fetch_census_inputs(store._fetch_separated_persons(None))
        changes = {p.person_id: changes_of(p) for p in inputs}
        store._clear_census()
        store._statements = _STATEMENTS_PER_CONNECTION - 1
        # Parts and sums in one transaction: BEGIN is the statement that reaches the count.
        parts = {pid: encode(c) for pid, c in changes.items()}
        total: Counter = Counter()
        for c in changes.values():
            total.update(c)  # `+` would drop the negative changes
        store._write_census(parts, sum_rows(total))
        store._mark_census_kept()
        assert store.census(date(2018, 6, 20)) == kept


def test_threads_sharing_a_viewer_read_through_its_renewals(db_path: Path) -> None:
    """The explorer's sessions share one read-only store: a renewal in one thread must not
    close the connection another is reading from."""
    with LadybugStore(db_path) as writer:
        writer.upsert(scenario())
        expected = writer.separated_not_reunified(date(2018, 6, 20))
    errors: list[str] = []
    with LadybugStore(db_path, read_only=True, buffer_pool_size=64 * 2**20) as viewer:

        def read() -> None:
            for _ in range(100):
                try:
                    assert viewer.separated_not_reunified(date(2018, 6, 20)) == expected
                    viewer.census(date(2018, 6, 20), known_on=date(2018, 7, 1))
                except Exception as exc:  # collected: a thread's failure must fail the test
                    errors.append(repr(exc))

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []


def test_read_only_open_of_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="no database file"):
        LadybugStore(tmp_path / "absent.lbug", read_only=True)


def _family_batch(n: int) -> GraphBatch:
    persons = [_person(f"P{i}", given_names=f"Name{i % 97}", surnames="Lopez") for i in range(n)]
    links = [
        FamilyLink(kind=FamilyKind.PARENT_OF, from_id=f"P{i}", to_id=f"P{i + 1}",
                   evidence=Evidence.RECORDED, sources=[f"s{i}"])
        for i in range(0, n - 1, 2)
    ]
    return GraphBatch(persons=persons, family_links=links)


def test_the_same_batch_twice_changes_nothing(store: LadybugStore) -> None:
    batch = _family_batch(40)
    store.upsert(batch)
    first = store.counts()
    hits = store.search_persons("lopez", limit=100)
    store.upsert(batch)
    assert store.counts() == first
    assert store.search_persons("lopez", limit=100) == hits
    assert store.get_person("P3") == batch.persons[3]


def test_merge_rules_null_keeps_value_replaces_lists_unite(store: LadybugStore) -> None:
    store.upsert(GraphBatch(persons=[_person(
        "P1", given_names="Ana", surnames="Ruiz", dob=date(1990, 1, 2), sources=["a"],
        identifiers=["usms:12345-678"],
    )]))
    # Within one batch, repeats of a key merge in order too.
    store.upsert(GraphBatch(persons=[
        _person("P1", given_names="Ana Maria", surnames="Ruiz", sources=["b"]),
        _person("P1", given_names="Ana Maria", surnames="Ruiz", country="GT", sources=["a", "c"]),
    ]))
    p = store.get_person("P1")
    assert p is not None
    assert (p.given_names, p.dob, p.country) == ("Ana Maria", date(1990, 1, 2), "GT")
    assert p.sources == ["a", "b", "c"] and p.identifiers == ["usms:12345-678"]
    assert {"n:ana", "n:maria", "id:12345678"} <= set(p.search_keys)
    # The new name token is searchable through the key index.
    assert [h.person.person_id for h in store.search_persons("maria ruiz")] == ["P1"]

    link = dict(kind=FamilyKind.PARENT_OF, from_id="P1", to_id="P2")
    store.upsert(GraphBatch(persons=[_person("P2")], family_links=[
        FamilyLink(**link, evidence=Evidence.CLAIMED, sources=["x"],
                   recorded_at=datetime(2018, 5, 1, 9, 30))]))
    store.upsert(GraphBatch(family_links=[
        FamilyLink(**link, evidence=Evidence.DOCUMENT, confidence=0.8, sources=["y"])]))
    (stored,) = store.relatives("P1", hops=1).links
    assert (stored.evidence, stored.evidence_rank, stored.confidence) == (Evidence.DOCUMENT, 3, 0.8)
    assert stored.sources == ["x", "y"] and stored.recorded_at == datetime(2018, 5, 1, 9, 30)
    assert store.counts().family_links[FamilyKind.PARENT_OF] == 1


def test_a_link_to_a_missing_person_is_an_error(store: LadybugStore) -> None:
    store.upsert(GraphBatch(persons=[_person("P1")]))
    with pytest.raises(GraphStoreError, match="upsert"):
        store.upsert(GraphBatch(family_links=[FamilyLink(
            kind=FamilyKind.PARENT_OF, from_id="P1", to_id="NOPE", evidence=Evidence.CLAIMED)]))


def test_a_50k_person_bulk_upsert_completes(store: LadybugStore) -> None:
    batch = _family_batch(50_000)
    started = time.perf_counter()
    written = store.upsert(batch)
    print(f"50k persons + 25k links: {time.perf_counter() - started:.1f} s")
    assert written == {"persons": 50_000, "family_links": 25_000}
    counts = store.counts()
    assert counts.persons == 50_000 and counts.family_links[FamilyKind.PARENT_OF] == 25_000
    assert store.relatives("P10", hops=1).hops == {"P10": 0, "P11": 1}


def test_stays_by_lookup_and_by_one_join_give_the_same_chains(store: LadybugStore, monkeypatch) -> None:
    """`_fetch_stays` looks stays up person by person below `_STAYS_SCAN_FROM` ids and joins them
    from one Arrow table above it (a scan of every stay); both must give the same chains."""
    import graph.ladybug.store as engine
    from tests.contract.scenario import DAD, KID1, KID2, MOM, scenario

    store.upsert(scenario())
    ids = [MOM, DAD, KID1, KID2, "P-NOBODY"]
    by_lookup = store.custody_chains(ids)
    monkeypatch.setattr(engine, "_STAYS_SCAN_FROM", 0)
    assert store.custody_chains(ids) == by_lookup
    assert sum(map(len, by_lookup.values())) > 4 and by_lookup["P-NOBODY"] == []

"""Query latency of `GraphStore` operations on both engines, against the bare engine.

Builds a synthetic graph of N persons (families of two parents and two children: N PARENT_OF,
N/4 SIBLING_OF, three custody stays per person, a separation for a third of the families) in
each engine through `GraphStore.upsert`, then times each operation and, beside it, the least
bare-engine query that returns the same rows, so the cost of our own layer shows as a ratio.

    .venv/bin/python bench/graph_queries.py --persons 100000
    .venv/bin/python bench/graph_queries.py --persons 1000000 --engines embedded neo4j

Neo4j: uses NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD when set, else starts the local server
(`graph.neo4j.launcher`) in a temporary home and stops it afterwards. Prints a table; timings
are wall-clock on a shared machine, so read them as orders of magnitude.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from graph.model import (
    Agency,
    Evidence,
    Facility,
    FacilityType,
    FamilyKind,
    FamilyLink,
    GraphBatch,
    OrphanReason,
    Person,
    ReleaseReason,
    Separated,
    Separation,
    Stay,
)
from graph.store import GraphStore, end_of_day

CENSUS_DAY = date(2018, 6, 20)
AGENCY_OF = [(Agency.CBP, FacilityType.BP_STATION), (Agency.ICE, FacilityType.ICE_DETENTION),
             (Agency.ORR, FacilityType.ORR_SHELTER)]

# The least bare query returning the same rows as each operation: the same Cypher on both
# engines except the variable-length walk, whose shortest-path syntax differs.
_BARE_SHARED: dict[str, str] = {
        "custody_chain": "MATCH (p:Person {person_id: $id})-[s:STAYED_AT]->(f:Facility) "
                         "RETURN s, f ORDER BY s.start",
        "census": "MATCH (s:Separation)-[:SEPARATED]->(p:Person) WHERE p.is_child AND s.date <= $day "
                  "AND (s.reunified_on IS NULL OR s.reunified_on > $day) WITH DISTINCT p "
                  "OPTIONAL MATCH (p)-[st:STAYED_AT]->(f:Facility) WHERE st.start < $at "
                  "AND (st.`end` IS NULL OR st.`end` >= $at) RETURN f.facility_id, count(DISTINCT p)",
        "census_rows": "MATCH (s:Separation)-[:SEPARATED]->(p:Person) WHERE p.is_child AND s.date <= $day "
                       "AND (s.reunified_on IS NULL OR s.reunified_on > $day) "
                       "WITH p, s ORDER BY p.person_id LIMIT 100 "
                       "OPTIONAL MATCH (p)-[st:STAYED_AT]->(f:Facility) WHERE st.start < $at "
                       "AND (st.`end` IS NULL OR st.`end` >= $at) RETURN p, s, st, f",
        "orphans_no_parent": "MATCH (c:Person) WHERE c.is_child AND NOT EXISTS "
                             "{ MATCH (:Person)-[:PARENT_OF|GUARDIAN_OF]->(c) } RETURN c",
}
# Relatives: the persons reached (every property) and their links, as `relatives` returns;
# `relatives_ids` is the walk alone, ids only, the floor under any neighbourhood query. The walk
# is the same on both engines but for the shortest-path syntax.
_FAMILY = "PARENT_OF|SIBLING_OF|GUARDIAN_OF|RELATIVE_OF"
_WALK = {
    "embedded": f"MATCH (a:Person {{person_id: $id}})-[:{_FAMILY}* SHORTEST 1..3]-(b:Person) ",
    "neo4j": f"MATCH (a:Person {{person_id: $id}})-[:{_FAMILY}*1..3]-(b:Person) WHERE b <> a ",
}
BARE: dict[str, dict[str, str]] = {
    "embedded": {
        "relatives": _WALK["embedded"] + f"WITH DISTINCT a, b OPTIONAL MATCH (b)-[e:{_FAMILY}]-(c:Person) "
                     "RETURN a, b, e, c.person_id",
        "relatives_ids": _WALK["embedded"] + "RETURN DISTINCT b.person_id",
        **_BARE_SHARED,
    },
    "neo4j": {
        "relatives": _WALK["neo4j"] + "WITH a, collect(DISTINCT b) AS bs WITH [a] + bs AS members "
                     f"UNWIND members AS x OPTIONAL MATCH (x)-[r:{_FAMILY}]->(y:Person) WHERE y IN members "
                     "RETURN properties(x), collect(properties(r))",
        "relatives_ids": _WALK["neo4j"] + "RETURN DISTINCT b.person_id",
        **_BARE_SHARED,
    },
}


def build_graph(persons: int, seed: int = 7) -> list[GraphBatch]:
    """The synthetic graph as batches of about 100k persons each, with everything they point at."""
    return list(iter_graph(persons, seed))


def iter_graph(persons: int, seed: int = 7) -> Iterator[GraphBatch]:
    """`build_graph` one batch at a time, for callers that write each batch and drop it (1M persons
    held at once take ~8 GB of Python objects)."""
    rng = random.Random(seed)
    facilities = [
        Facility(facility_id=f"F{i:04d}", name=f"Facility {i}", type=AGENCY_OF[i % 3][1],
                 agency=AGENCY_OF[i % 3][0], state="TX")
        for i in range(300)
    ]
    batch = GraphBatch(facilities=facilities)
    base = datetime(2018, 4, 1)
    for fam in range(persons // 4):
        ids = [f"P{fam * 4 + i:08d}" for i in range(4)]
        for i, pid in enumerate(ids):
            child = i >= 2
            batch.persons.append(Person(
                person_id=pid, given_names=rng.choice(GIVEN), surnames=" ".join(rng.sample(SURNAMES, 2)),
                dob=date(2008 + rng.randrange(9), 1 + rng.randrange(12), 1) if child else
                date(1975 + rng.randrange(20), 1 + rng.randrange(12), 1),
                is_child=child, a_number=str(fam * 4 + i + 1), sex="MF"[i % 2], country="GT",
            ))
            start = base + timedelta(days=rng.randrange(90), hours=rng.randrange(24))
            for hop in range(3):
                end = start + timedelta(days=1 + rng.randrange(30))
                last = hop == 2
                batch.stays.append(Stay(
                    stay_id=f"S{pid}-{hop}", person_id=pid,
                    facility_id=f"F{(hop + 3 * rng.randrange(100)):04d}" if not child or hop == 0
                    else f"F{(2 + 3 * rng.randrange(100)):04d}",
                    agency=AGENCY_OF[hop][0] if not child or hop == 0 else Agency.ORR,
                    start=start, end=None if last and rng.random() < 0.3 else end,
                    release_reason=(ReleaseReason.REMOVED if last and rng.random() < 0.2
                                    else ReleaseReason.TRANSFERRED),
                ))
                start = end + timedelta(hours=2)
        for parent in ids[:2]:
            for kid in ids[2:]:
                batch.family_links.append(FamilyLink(kind=FamilyKind.PARENT_OF, from_id=parent, to_id=kid,
                                                     evidence=Evidence.RECORDED))
        batch.family_links.append(FamilyLink(kind=FamilyKind.SIBLING_OF, from_id=ids[2], to_id=ids[3],
                                             evidence=Evidence.RECORDED))
        if fam % 3 == 0:
            sid = f"SEP{fam:08d}"
            day = date(2018, 4, 1) + timedelta(days=rng.randrange(80))
            reunified = day + timedelta(days=rng.randrange(120)) if rng.random() < 0.6 else None
            batch.separations.append(Separation(
                separation_id=sid, date=day, reason_code=rng.choice([None, "CRIM", "HEALTH"]),
                recorded_at=datetime.combine(day, datetime.min.time()), reunified_on=reunified,
            ))
            batch.separated += [Separated(separation_id=sid, person_id=k, side="child") for k in ids[2:]]
        if len(batch.persons) >= 100_000:
            yield batch
            batch = GraphBatch()
    if batch.size():
        yield batch


GIVEN = ["María", "José", "Ximena", "Luis", "Ana", "Mateo", "Rosa", "Carlos", "Lucía", "Jorge"]
SURNAMES = ["López", "García", "Hernández", "Pérez", "Ramírez", "Gómez", "Cruz", "Morales", "Díaz"]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def timed(fn: Callable[[], Any], repeat: int, warm: int = 1) -> tuple[float, float]:
    for _ in range(warm):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def bare_runner(store: GraphStore) -> Callable[[str, dict[str, Any]], Any]:
    """Run a query on the engine underneath the store, bypassing our layer (benchmark only)."""
    if store.backend == "embedded":
        def run_embedded(query: str, params: dict[str, Any]) -> Any:
            # The store's connection at call time: it opens a fresh one now and then.
            result = store._conn.execute(query, params)  # noqa: SLF001 - the bare engine is what is measured
            rows = []
            while result.has_next():
                rows.append(result.get_next())
            return rows

        return run_embedded
    driver, database = store._driver, store._database  # noqa: SLF001

    def run_neo4j(query: str, params: dict[str, Any]) -> Any:
        records, _, _ = driver.execute_query(query, params, database_=database, routing_="r")
        return records

    return run_neo4j


def measure(store: GraphStore, persons: int, repeat: int) -> dict[str, tuple[float, float, float, float]]:
    rng = random.Random(11)
    kids = [f"P{fam * 4 + 2:08d}" for fam in rng.sample(range(persons // 4), 50)]
    bare = bare_runner(store)
    queries = BARE[store.backend]
    at = end_of_day(CENSUS_DAY)
    pick = iter(kids * (repeat + 2))
    # The census on weekly days around CENSUS_DAY in turn (ours and the bare query alike), not one
    # day's answer over and over.
    weeks = [CENSUS_DAY + timedelta(weeks=n) for n in range(-8, 8)]
    day_of_ours, day_of_bare = iter(weeks * (repeat + 2)), iter(weeks * (repeat + 2))

    def bare_census() -> Any:
        day = next(day_of_bare)
        return bare(queries["census"], {"day": day, "at": end_of_day(day)})

    cases: dict[str, tuple[Callable[[], Any] | None, Callable[[], Any] | None, int]] = {
        "relatives ≤3 hops": (
            lambda: store.relatives(next(pick), hops=3),
            lambda: bare(queries["relatives"], {"id": next(pick)}), repeat),
        "relatives, bare walk ids only": (
            None, lambda: bare(queries["relatives_ids"], {"id": next(pick)}), repeat),
        "custody chain": (
            lambda: store.custody_chain(next(pick)),
            lambda: bare(queries["custody_chain"], {"id": next(pick)}), repeat),
        "census on a day (counts)": (lambda: store.census(next(day_of_ours)), bare_census, 16),
        # As known on a day: from the records, not from the census kept at write time.
        "census as known on a day": (
            lambda: store.census(CENSUS_DAY, known_on=date(2018, 12, 31)),
            lambda: bare(queries["census"], {"day": CENSUS_DAY, "at": at}), 5),
        "census rows, first 100": (
            lambda: store.separated_not_reunified(CENSUS_DAY, limit=100),
            lambda: bare(queries["census_rows"], {"day": CENSUS_DAY, "at": at}), 5),
        "orphans: no parent link": (
            lambda: store.orphaned_children([OrphanReason.NO_PARENT_LINK]),
            lambda: bare(queries["orphans_no_parent"], {}), 5),
        # No single bare query returns the same rows: no bare figure.
        "orphan scan, all, first 100": (lambda: store.orphaned_children(limit=100), None, 5),
        "orphan counts, all definitions": (lambda: store.orphan_counts(), None, 5),
        "orphan scan, all, every row": (lambda: store.orphaned_children(), None, 2),
    }
    # The per-child rows are warmed on every child first, ours and the bare query alike: until
    # round 7 only once, so ours met half the children cold in the engine's cache and the bare
    # query, run after it, met them warm (embedded relatives p95 at 1M: 11.5 ms cold, 5.8 warm).
    per_child = {"relatives ≤3 hops", "relatives, bare walk ids only", "custody chain"}
    results = {}
    for name, (ours, theirs, n) in cases.items():
        warm = len(kids) if name in per_child else 1
        results[name] = (*(timed(ours, n, warm) if ours else (0.0, 0.0)),
                         *(timed(theirs, n, warm) if theirs else (0.0, 0.0)))
    return results


def open_engine(name: str, workdir: Path) -> tuple[GraphStore, Callable[[], None]]:
    if name == "embedded":
        from graph.ladybug.store import LadybugStore

        # 8 GiB: the 1M graph is ~1 GB on disk (71 MB at 100k), and the process stays under
        # ~11 GB on a machine shared with other work.
        store = LadybugStore(workdir / "bench.lbug", buffer_pool_size=8 * 2**30)
        return store, store.close
    from graph.neo4j.launcher import LocalNeo4j, free_ports
    from graph.neo4j.store import Neo4jStore

    if os.environ.get("NEO4J_URI") and os.environ.get("NEO4J_PASSWORD"):
        store = Neo4jStore.connect(os.environ["NEO4J_URI"], os.environ.get("NEO4J_USER", "neo4j"),
                                   os.environ["NEO4J_PASSWORD"])
        return store, store.close
    bolt, http = free_ports(2)
    # Bench only: the machine has 24 GiB; the default test server is far smaller.
    server = LocalNeo4j(workdir / "neo4j", bolt, http, heap="4g", pagecache="6g")
    uri, user, password = server.start()
    store = Neo4jStore.connect(uri, user, password)

    def stop() -> None:
        store.close()
        server.stop()

    return store, stop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--engines", nargs="+", default=["embedded", "neo4j"], choices=["embedded", "neo4j"])
    args = parser.parse_args()
    table: dict[str, dict[str, tuple[float, float, float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="lineage-bench-") as tmp:
        for engine in args.engines:
            # Built per engine and dropped before measuring: 5.5M typed records at 1M persons
            # take ~4 GiB, which the engines' caches need while querying.
            started = time.perf_counter()
            batches = build_graph(args.persons)
            rows = sum(batch.size() for batch in batches)
            took = time.perf_counter() - started
            print(f"built {args.persons:,} persons ({rows:,} rows) in {took:.1f} s", flush=True)
            store, close = open_engine(engine, Path(tmp))
            try:
                store.clear()
                # Neo4j's constraints and indexes: without them every MERGE scans its label and the
                # load goes quadratic (LadybugDB creates its schema on open).
                store.init_schema()
                started = time.perf_counter()
                for batch in batches:
                    store.upsert(batch)
                    if engine == "embedded":
                        # LadybugDB 0.22 keeps the page-cache pages of every COPY until the
                        # database closes: at 1M persons they filled a 12 GiB cache. A reopen
                        # (~0.1 s) per 100k-person batch releases them.
                        close()
                        store, close = open_engine(engine, Path(tmp))
                took = time.perf_counter() - started
                print(f"{engine}: loaded {rows:,} rows through GraphStore.upsert in {took:.1f} s "
                      f"({rows / took:,.0f} rows/s)", flush=True)
                del batches
                gc.collect()
                table[engine] = measure(store, args.persons, args.repeat)
                print_table(args.persons, {engine: table[engine]})
            finally:
                close()
    print_table(args.persons, table)


def print_table(persons: int, table: dict[str, dict[str, tuple[float, float, float, float]]]) -> None:
    print(f"\n{persons:,} persons; p50 / p95 in ms; ratio = our p95 / bare p95")
    print(f"{'operation':32} {'engine':9} {'ours p50':>9} {'ours p95':>9} {'bare p50':>9} {'bare p95':>9} "
          f"{'ratio':>6}")
    for engine, rows in table.items():
        for name, (p50, p95, b50, b95) in rows.items():
            ratio = f"{p95 / b95:.2f}" if b95 and p95 else "—"
            mine = f"{p50 * 1e3:9.1f} {p95 * 1e3:9.1f}" if p95 else f"{'—':>9} {'—':>9}"
            bare = (f"{b50 * 1e3:9.1f} {b95 * 1e3:9.1f}" if b95 else f"{'—':>9} {'—':>9}")
            print(f"{name:32} {engine:9} {mine} {bare} {ratio:>6}", flush=True)


if __name__ == "__main__":
    main()

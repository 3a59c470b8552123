"""Explorer speed in a real browser: request → painted family graph, and page switches.

Starts `streamlit run` headless on a free port against the given database (read-only) and drives
Debian's chromium through Playwright. For each person it measures:

- graph_cold: `goto /family-graph?person=…&hops=…` until vis-network holds its nodes (the graph is
  drawn once its short stabilisation is done) — first visit, nothing cached;
- graph_stable: the same request until physics has been switched off (the graph stands still);
- graph_warm: the same request again (Streamlit's data caches warm);
- switch_timeline / switch_graph: a click in the page menu until the other page's chart or graph
  is drawn.

Goals (issue 5): graph ≤ 2 s for ≤ 300 nodes, page switch ≤ 1 s, at 1M persons.

    python bench/explorer.py --db data/lineage.lbug --hops 2 --runs 3
    python bench/explorer.py --db data/lineage.lbug --person P-123 --person P-456 --json out.json
    python bench/explorer.py --db /tmp/wide.lbug --wide-family 300   # one 300-person family
    python bench/explorer.py --db /tmp/big.lbug --wide-family 300 --background-persons 1000000

`--background-persons N` first fills the fresh database with the N-person graph of
`bench/graph_queries.py` (families of four, three stays each, separations), so the 300-node family
is drawn from a graph of a million persons, as the goal asks.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.ladybug.store import LadybugStore  # noqa: E402
from tests.explorer.live import chromium_page, graph_frame, running_app  # noqa: E402


def fill_background(db: Path, persons: int) -> None:
    """Write the graph-queries bench's N-person graph into `db`, one batch at a time."""
    from bench.graph_queries import build_graph

    with LadybugStore(db) as store:
        for batch in build_graph(persons):
            store.upsert(batch)


def wide_family(db: Path, size: int) -> str:
    """Write one family of `size` persons into a fresh database; returns the centre child's id.

    A tree four links deep (parents, grandparents, aunts, cousins …) with two custody stays each,
    so a 4-hop graph holds every member: the "≤ 300 nodes" case without waiting for a big load.
    """
    from graph.model import (
        Agency,
        Evidence,
        Facility,
        FamilyKind,
        FamilyLink,
        GraphBatch,
        Person,
        Stay,
    )

    agencies = [Agency.CBP, Agency.ICE, Agency.ORR, Agency.USMS]
    facilities = [Facility(facility_id=f"F{a.value}", name=f"{a.value} facility", agency=a) for a in agencies]
    persons = [Person(person_id="W0000", given_names="Centre", surnames="Child", is_child=True)]
    links, frontier, depth = [], ["W0000"], 0
    branching = max(2, round((size - 1) ** 0.25) + 1)
    while len(persons) < size and frontier:
        depth += 1
        nxt = []
        for parent in frontier:
            for _ in range(branching):
                if len(persons) >= size:
                    break
                pid = f"W{len(persons):04d}"
                persons.append(Person(person_id=pid, given_names=f"Relative{len(persons)}",
                                      surnames=f"Gen{depth}", is_child=depth % 2 == 0))
                ev = [Evidence.CLAIMED, Evidence.RECORDED, Evidence.DNA][len(persons) % 3]
                links.append(FamilyLink(kind=FamilyKind.RELATIVE_OF, from_id=parent, to_id=pid, evidence=ev))
                nxt.append(pid)
        frontier = nxt
    start = datetime(2018, 5, 10, 8)
    stays = []
    for i, p in enumerate(persons):
        a, b = agencies[i % 4], agencies[(i + 1) % 4]
        stays.append(Stay(stay_id=f"S{i}a", person_id=p.person_id, facility_id=f"F{a.value}", agency=a,
                          start=start, end=start + timedelta(days=3)))
        stays.append(Stay(stay_id=f"S{i}b", person_id=p.person_id, facility_id=f"F{b.value}", agency=b,
                          start=start + timedelta(days=3, hours=2)))
    with LadybugStore(db) as store:
        store.upsert(GraphBatch(persons=persons, facilities=facilities, family_links=links, stays=stays))
    return "W0000"


def pick_people(db: Path, wanted: int, on: date) -> list[str]:
    """Children separated and not reunified on `on`: the caseworkers' usual starting points."""
    with LadybugStore(db, read_only=True) as store:
        rows = store.separated_not_reunified(on, limit=wanted * 2)
    return list(dict.fromkeys(r.person.person_id for r in rows))[:wanted]


def _timed(action, until) -> float:  # noqa: ANN001 - Playwright callables
    started = time.perf_counter()
    action()
    until()
    return time.perf_counter() - started


def measure(url: str, person: str, hops: int, page) -> dict[str, float | int | str]:  # noqa: ANN001
    link = f"{url}/family-graph?person={person}&hops={hops}"
    result: dict[str, float | int | str] = {"person": person}
    page.goto("about:blank")
    frame_box: dict[str, object] = {}

    def drawn() -> None:
        frame_box["frame"] = graph_frame(page, timeout_ms=120_000)

    result["graph_cold"] = _timed(lambda: page.goto(link), drawn)
    frame = frame_box["frame"]
    frame.wait_for_function("window.lineageStable === true", timeout=120_000)
    result["nodes"] = frame.evaluate("nodes.length")
    page.goto("about:blank")
    started = time.perf_counter()
    page.goto(link)
    frame = graph_frame(page, timeout_ms=120_000)
    result["graph_warm"] = time.perf_counter() - started
    frame.wait_for_function("window.lineageStable === true", timeout=120_000)
    result["graph_stable"] = time.perf_counter() - started

    sidebar = page.locator('[data-testid="stSidebarNav"]')
    result["switch_timeline"] = _timed(
        lambda: sidebar.get_by_role("link", name="Custody timeline").click(),
        lambda: page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=120_000),
    )
    result["switch_graph"] = _timed(
        lambda: sidebar.get_by_role("link", name="Family graph").click(),
        lambda: graph_frame(page, timeout_ms=120_000),
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, required=True, help="LadybugDB file to read (read-only)")
    parser.add_argument("--person", action="append", default=[], help="person id (repeatable)")
    parser.add_argument("--people", type=int, default=3, help="persons to pick when --person is not given")
    parser.add_argument("--on", type=date.fromisoformat, default=date(2018, 6, 20),
                        help="census day the picked children come from")
    parser.add_argument("--hops", type=int, default=2)
    parser.add_argument("--wide-family", type=int, metavar="N",
                        help="instead of --db contents: build one family of N persons in --db (must not "
                        "exist) and measure its 4-hop graph")
    parser.add_argument("--background-persons", type=int, default=0, metavar="N",
                        help="with --wide-family: first fill the database with an N-person graph")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()

    if args.wide_family:
        if args.db.exists():
            sys.exit(f"{args.db} exists; --wide-family writes a fresh database")
        if args.background_persons:
            started = time.perf_counter()
            fill_background(args.db, args.background_persons)
            print(f"background graph of {args.background_persons:,} persons written in "
                  f"{time.perf_counter() - started:.0f} s")
        args.person, args.hops = [wide_family(args.db, args.wide_family)], 4
    people = args.person or pick_people(args.db, args.people, args.on)
    if not people:
        sys.exit("no person to measure: pass --person or a --on day with separated children")
    results = []
    with running_app(args.db) as url, chromium_page() as page:
        page.goto(url)  # the server's first script run (imports, store open) is not a page view
        page.locator("h1").first.wait_for(timeout=120_000)
        for person in people:
            results.append(measure(url, person, args.hops, page))
            print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results[-1].items()}))
    keys = ["graph_cold", "graph_warm", "graph_stable", "switch_timeline", "switch_graph"]
    print(f"{'metric':<16}{'median s':>10}{'max s':>10}   (n={len(results)}, hops={args.hops}, "
          f"nodes={[r['nodes'] for r in results]})")
    for key in keys:
        values = [float(r[key]) for r in results]
        print(f"{key:<16}{statistics.median(values):>10.3f}{max(values):>10.3f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

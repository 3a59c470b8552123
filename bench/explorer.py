"""Explorer speed in a real browser: request → painted family graph, and page switches.

Starts `streamlit run` headless on a free port against the given database (read-only) and drives
Debian's chromium through Playwright. For each person it measures:

- graph_cold: `goto /family-graph?person=…&hops=…` until vis-network holds its nodes (the graph is
  drawn once its short stabilisation is done) — first visit, nothing cached: a fresh browser
  (Streamlit's and vis-network's scripts still to fetch) and the first request for this family
  since the server started (persons 1, 3, …);
- graph_first: the first request for this family, from a browser that has opened the app before
  (its scripts cached): a caseworker opening another family (persons 2, 4, …);
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
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.ladybug.store import LadybugStore  # noqa: E402
from tests.explorer.live import chromium_page, running_app  # noqa: E402


def fill_background(db: Path, persons: int) -> None:
    """Write the graph-queries bench's N-person graph into `db`, one batch at a time, with an 8 GiB
    page cache: LadybugDB's default (80% of the machine) leaves nothing to the others on a shared
    machine, and 3 GiB ran out ("buffer pool is full") while upserting the 1M graph.

    The store is opened afresh for each batch: LadybugDB 0.22 keeps the pages of every COPY until
    the database closes, and at 1M persons even 8 GiB filled (as `bench/graph_queries.py` found).
    """
    from bench.graph_queries import iter_graph

    for batch in iter_graph(persons):
        with LadybugStore(db, buffer_pool_size=8 << 30) as store:
            store.upsert(batch)


def wide_family(db: Path, size: int, prefix: str = "W") -> str:
    """Write one family of `size` persons (ids `prefix`0000…) into `db`; returns the centre child's id.

    A tree four links deep (parents, grandparents, aunts, cousins …) with two custody stays each,
    so a 4-hop graph holds every member: the "≤ 300 nodes" case without waiting for a big load.
    Several families (prefixes W, WB, WC …) give several cold first visits on one database.
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
    centre = f"{prefix}0000"
    persons = [Person(person_id=centre, given_names="Centre", surnames="Child", is_child=True)]
    links, frontier, depth = [], [centre], 0
    branching = max(2, round((size - 1) ** 0.25) + 1)
    while len(persons) < size and frontier:
        depth += 1
        nxt = []
        for parent in frontier:
            for _ in range(branching):
                if len(persons) >= size:
                    break
                pid = f"{prefix}{len(persons):04d}"
                persons.append(Person(person_id=pid, given_names=f"Relative{len(persons)}",
                                      surnames=f"Gen{depth}", is_child=depth % 2 == 0))
                ev = [Evidence.CLAIMED, Evidence.RECORDED, Evidence.DNA][len(persons) % 3]
                links.append(FamilyLink(kind=FamilyKind.RELATIVE_OF, from_id=parent, to_id=pid, evidence=ev))
                nxt.append(pid)
        frontier = nxt
    start = datetime(2018, 5, 10, 8)
    stays = []
    for i, p in enumerate(persons):
        a, b, pid = agencies[i % 4], agencies[(i + 1) % 4], p.person_id
        stays.append(Stay(stay_id=f"S{pid}a", person_id=pid, facility_id=f"F{a.value}", agency=a,
                          start=start, end=start + timedelta(days=3)))
        stays.append(Stay(stay_id=f"S{pid}b", person_id=pid, facility_id=f"F{b.value}", agency=b,
                          start=start + timedelta(days=3, hours=2)))
    with LadybugStore(db) as store:
        if store.get_person(centre) is None:  # written once; a reused database keeps it
            store.upsert(GraphBatch(persons=persons, facilities=facilities, family_links=links, stays=stays))
    return centre


def pick_people(db: Path, wanted: int, on: date) -> list[str]:
    """Children separated and not reunified on `on`: the caseworkers' usual starting points."""
    with LadybugStore(db, read_only=True) as store:
        rows = store.separated_not_reunified(on, limit=wanted * 2)
    return list(dict.fromkeys(r.person.person_id for r in rows))[:wanted]


PAINTED_JS = "window.lineageDrawn !== undefined"
PHASES_JS = """() => {
    const nav = performance.getEntriesByType('navigation')[0] || {};
    return {origin: performance.timeOrigin, parsed: nav.domInteractive || null,
            drawn: window.lineageDrawn ?? null, stable: window.lineageStableAt ?? null};
}"""
CHART_JS = "() => !!document.querySelector('[data-testid=\"stVegaLiteChart\"] canvas, " \
           "[data-testid=\"stVegaLiteChart\"] svg.marks')"


def painted_graph(page, timeout_ms: int):  # noqa: ANN001, ANN201 - Playwright objects
    """The family-graph frame once vis-network has drawn the network on its canvas."""
    handle = page.wait_for_selector('iframe[title="Family graph"]', timeout=timeout_ms)
    frame = handle.content_frame()
    frame.wait_for_function(PAINTED_JS, timeout=timeout_ms)
    return frame


def graph_visit(page, link: str, started: float, timeout_ms: int) -> dict[str, float]:  # noqa: ANN001
    """Open `link` and time it; with where the time went (ms after `started`, an epoch time in ms).

    boot: Streamlit's page loaded (DOMContentLoaded); iframe: the graph's HTML arrived in the
    page (the frame's time origin); parsed: the frame's scripts ran (vis-network parsed, the
    network built); painted: vis-network's first drawing; stable: physics off.
    """
    page.goto(link)
    frame = painted_graph(page, timeout_ms)
    painted = time.time() * 1000
    frame.wait_for_function("window.lineageStable === true", timeout=timeout_ms)
    stable = time.time() * 1000
    top = page.evaluate("() => [performance.timeOrigin, "
                        "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd]")
    inner = frame.evaluate(PHASES_JS)
    html = page.eval_on_selector('iframe[title="Family graph"]', "e => (e.srcdoc || '').length")
    return {
        "painted": (painted - started) / 1000,
        "stable": (stable - started) / 1000,
        "boot_ms": top[0] + top[1] - started,
        "iframe_ms": inner["origin"] - started,
        "parsed_ms": inner["origin"] + (inner["parsed"] or 0) - started,
        "drawn_ms": inner["origin"] + inner["drawn"] - started,
        "html_kb": html / 1024,
        "nodes": frame.evaluate("nodes.length"),
    }


def _timed(action, until) -> float:  # noqa: ANN001 - Playwright callables
    started = time.perf_counter()
    action()
    until()
    return time.perf_counter() - started


def measure(url: str, person: str, hops: int, page, repeat: int,  # noqa: ANN001
            timeout_ms: int, first: str = "graph_cold_") -> dict[str, list[float | None]]:
    """One person: a first visit (metrics `first`…: the first request for this graph), then
    `repeat` times a warm visit, a switch to the timeline and one back, each until painted.
    Seconds per metric; a page not painted within `timeout_ms` is recorded as None and ends this
    person's round (its script is still running on the server and would slow every later figure)."""
    from playwright.sync_api import TimeoutError as PageTimeout

    link = f"{url}/family-graph?person={person}&hops={hops}"
    out: dict[str, list[float | None]] = {}

    def add(prefix: str, visit: dict[str, float | None]) -> None:
        for key, value in visit.items():
            out.setdefault(prefix + key, []).append(value)

    sidebar = page.locator('[data-testid="stSidebarNav"]')

    def warm() -> dict[str, float]:
        page.goto("about:blank")
        return graph_visit(page, link, time.time() * 1000, timeout_ms)

    def to_timeline() -> dict[str, float]:
        return {"switch_timeline": _timed(
            lambda: sidebar.get_by_role("link", name="Custody timeline").click(),
            lambda: page.wait_for_function(CHART_JS, timeout=timeout_ms))}

    def to_graph() -> dict[str, float]:
        return {"switch_graph": _timed(lambda: sidebar.get_by_role("link", name="Family graph").click(),
                                       lambda: painted_graph(page, timeout_ms))}

    # (prefix of the metrics, the metric a timeout is recorded under, the step)
    steps = [(first, f"{first}painted", lambda: graph_visit(page, link, time.time() * 1000, timeout_ms))]
    steps += [("graph_warm_", "graph_warm_painted", warm), ("", "switch_timeline", to_timeline),
              ("", "switch_graph", to_graph)] * repeat
    for prefix, metric, step in steps:
        try:
            add(prefix, step())
        except PageTimeout:
            add("", {metric: None})
            print(f"{person}: {metric} not painted in {timeout_ms / 1000:.0f} s; this person's round ends")
            break
    return out


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
    parser.add_argument("--repeat", type=int, default=3, help="warm visits and page switches per person")
    parser.add_argument("--wide-family", type=int, metavar="N",
                        help="instead of --db contents: build families of N persons in --db (must not "
                        "exist unless --reuse) and measure their 4-hop graphs")
    parser.add_argument("--families", type=int, default=3, help="with --wide-family: how many families")
    parser.add_argument("--background-persons", type=int, default=0, metavar="N",
                        help="with --wide-family: first fill the database with an N-person graph")
    parser.add_argument("--reuse", action="store_true",
                        help="with --wide-family: measure an existing database built before (missing "
                        "families are added; the background is not rewritten)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for a page to paint")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()

    if args.wide_family:
        if args.db.exists() and not args.reuse:
            sys.exit(f"{args.db} exists; --wide-family writes a fresh database (or pass --reuse)")
        if args.background_persons and not args.db.exists():
            started = time.perf_counter()
            fill_background(args.db, args.background_persons)
            print(f"background graph of {args.background_persons:,} persons written in "
                  f"{time.perf_counter() - started:.0f} s")
        prefixes = ["W", *(f"W{chr(ord('B') + i)}" for i in range(args.families - 1))]
        args.person = [wide_family(args.db, args.wide_family, prefix) for prefix in prefixes]
        args.hops = 4
    people = args.person or pick_people(args.db, args.people, args.on)
    if not people:
        sys.exit("no person to measure: pass --person or a --on day with separated children")
    results: dict[str, list[float | None]] = {}
    with running_app(args.db) as url:
        with chromium_page() as page:  # the server's first script runs (imports, store open)
            page.goto(url)
            page.locator("h1").first.wait_for(timeout=120_000)
            page.goto(f"{url}/family-graph?person={people[0]}&hops=1")
            painted_graph(page, 120_000)
        for n, person in enumerate(people):
            with chromium_page() as page:  # a fresh browser: nothing in its cache
                first = "graph_cold_"
                if n % 2:  # the app opened before in this browser: its scripts are cached
                    page.goto(url)
                    page.locator("h1").first.wait_for(timeout=120_000)
                    page.goto("about:blank")
                    first = "graph_first_"
                timeout_ms = int(args.timeout * 1000)
                rounds = measure(url, person, args.hops, page, args.repeat, timeout_ms, first)
                for key, values in rounds.items():
                    results.setdefault(key, []).extend(values)
            print(person, {k: v[-1] if v[-1] is None else round(v[-1], 3) for k, v in results.items()},
                  flush=True)
    load = os.getloadavg()
    print(f"\npersons={len(people)} hops={args.hops} repeat={args.repeat} "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'metric':<26}{'n':>4}{'p50':>10}{'max':>10}{'timeouts':>10}")
    for key, values in results.items():
        done = [v for v in values if v is not None]
        p50, top = (f"{statistics.median(done):10.3f}", f"{max(done):10.3f}") if done else ("-" * 10,) * 2
        print(f"{key:<26}{len(done):>4}{p50}{top}{len(values) - len(done):>10}")
    if args.json:
        args.json.write_text(json.dumps({"people": people, "hops": args.hops, "load": load,
                                         "results": results}, indent=2))


if __name__ == "__main__":
    main()

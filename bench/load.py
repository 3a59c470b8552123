"""Benchmark: synthetic source records into the embedded engine, and Neo4j loader vs bulk import.

Usage:
    .venv/bin/python bench/load.py                          # 100k, 300k, 1M records (embedded)
    .venv/bin/python bench/load.py --records 100000         # one size
    .venv/bin/python bench/load.py --records 100000 --neo4j # + Neo4j: loader vs neo4j-admin import

Every size runs in two child processes, one generating the scenario and one loading it, so the
peak memory printed (resident set size, measured by the OS) is the load's own; the load's
reading workers (`loaders.reading`) are measured apart (their CPU seconds and peak RSS). Time
counts the whole `load_paths` call: reading, identity, assembly and the store's writes.

The Neo4j comparison loads the same files twice into a fresh local server (free ports, a
temporary home, stopped afterwards): once through our loader (`Neo4jStore`), once as CSV files
written from the very `GraphBatch` chunks the loader produces, bulk-loaded with
`neo4j-admin database import full` and then given the store's constraints and indexes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.model import NODE_KINDS, REL_KINDS, FamilyLink, Node, Person, Rel  # noqa: E402
from graph.store import GraphStore, Row, merge_row  # noqa: E402

RECORDS_PER_FAMILY = 8.42  # measured: 12,000 families give 101,055 source records
SIZES = (100_000, 300_000, 1_000_000)
_CSV_TYPES = {
    "str": "string",
    "int": "long",
    "float": "double",
    "bool": "boolean",
    "date": "date",
    "datetime": "localdatetime",
    "list": "string[]",
}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(*args: str) -> dict[str, Any]:
    """Run this script as a child with `args`; its last stdout line is a JSON result."""
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _files(scenario: Path) -> list[Path]:
    return sorted(p for p in scenario.iterdir() if p.name not in ("ground_truth.json", "synth_manifest.json"))


# ------------------------------------------------------------------------------ child stages
def stage_synth(families: int, seed: int, out: Path) -> dict[str, Any]:
    from loaders.synth import SynthConfig, generate

    t0 = time.perf_counter()
    summary = generate(out, SynthConfig(families=families, seed=seed))
    return {"records": sum(summary.files.values()), "seconds": time.perf_counter() - t0}


class Descendants:
    """Peak RSS and CPU seconds of this process's descendants (the load's reading workers,
    forked by a forkserver child): sampled while the load runs, since the workers are gone and
    reaped by the forkserver, not by us, when it ends."""

    def __init__(self) -> None:
        self.peak_mb: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Descendants:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for child in psutil.Process().children(recursive=True):
                try:
                    status = Path(f"/proc/{child.pid}/status").read_text()
                except OSError:
                    continue
                hwm = next((ln for ln in status.splitlines() if ln.startswith("VmHWM:")), None)
                if hwm:
                    self.peak_mb[child.pid] = max(self.peak_mb.get(child.pid, 0), int(hwm.split()[1]) / 1024)

    @staticmethod
    def cpu_seconds() -> float:
        """CPU of the live descendants and of every process they reaped."""
        total = 0.0
        for child in psutil.Process().children(recursive=True):
            t = child.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        return total


def stage_load(scenario: Path, work: Path, workers: int | None) -> dict[str, Any]:
    from graph.ladybug.store import LadybugStore
    from loaders.pipeline import load_paths

    with LadybugStore(work / "bench.lbug") as store, Descendants() as readers:
        t0, cpu0 = time.perf_counter(), time.process_time()
        ledger = work / "bench.ledger.sqlite"
        report = load_paths(_files(scenario), store, ledger_path=ledger, quiet=True, workers=workers)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        counts = store.counts()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "worker_cpu_seconds": readers.cpu_seconds(),
        "worker_peak_mb": max(readers.peak_mb.values(), default=0.0),
        "load_average": os.getloadavg()[0],
        "loaded": sum(f.loaded for f in report.files),
        "quarantined": sum(f.quarantined for f in report.files),
        "chunks": report.chunks,
        "persons": counts.persons,
        "stays": counts.stays,
        "links": sum(counts.family_links.values()),
        "peak_mb": peak_mb(),
    }


# ------------------------------------------------------------------------------------- Neo4j
class CsvExport(GraphStore):
    """A write-only `GraphStore` keeping upserted rows by key (merged by the store's own rules),
    then writing them as `neo4j-admin database import` CSV files: the bulk-import side of the
    comparison gets exactly the rows our loader sends, and the same search-key nodes."""

    backend = "csv"

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, Row]] = {}

    def close(self) -> None:
        """Nothing to release."""

    def _write_rows(self, kind: type[Node] | type[Rel], rows: list[Row]) -> None:
        for row in rows:
            name = (
                row["kind"]
                if kind is FamilyLink
                else (kind.label if issubclass(kind, Node) else kind.rel_type)
            )
            table = self.rows.setdefault((kind.__name__, name), {})
            key = row[kind.key]
            table[key] = merge_row(table[key], row) if key in table else row

    def _fetch_separated_persons(self, separation_ids: list[str] | None) -> list[str]:
        return []

    def _refresh_census(self, person_ids: list[str]) -> None:
        """Nothing here: the imported database builds its census kept at write time in
        `init_schema`, which the import side's schema time includes."""

    def write(self, directory: Path) -> tuple[list[Path], list[Path]]:
        """(node files, relationship files), header and data in one file each."""
        from graph.neo4j.queries import field_types
        from graph.neo4j.schema import HAS_KEY, SEARCH_KEY, SEARCH_LABEL

        kinds = {k.__name__: k for k in (*NODE_KINDS, *REL_KINDS)}
        directory.mkdir(parents=True, exist_ok=True)
        nodes, rels = [], []
        for (kind_name, name), table in sorted(self.rows.items()):
            kind = kinds[kind_name]
            fields = field_types(kind)
            path = directory / f"{name}.csv"
            if issubclass(kind, Node):
                header = [f"{kind.key}:ID({kind.label})"] + [
                    f"{f}:{_CSV_TYPES[t]}" for f, t in fields if f != kind.key
                ]
                header.append(":LABEL")
                props = [(f, t) for f, t in fields if f != kind.key]
                lines = ([k, *(_cell(r.get(f), t) for f, t in props), kind.label] for k, r in table.items())
                _write_csv(path, header, lines)
                nodes.append(path)
            else:
                ends = [f":START_ID({kind.from_label})", f":END_ID({kind.to_label})", ":TYPE"]
                props = [(f, t) for f, t in fields if f != "kind"]  # the type says the kind
                header = ends + [f"{f}:{_CSV_TYPES[t]}" for f, t in props]
                _write_csv(
                    path,
                    header,
                    (
                        [r[kind.from_field], r[kind.to_field], name, *(_cell(r.get(f), t) for f, t in props)]
                        for r in table.values()
                    ),
                )
                rels.append(path)
        persons = self.rows.get(("Person", Person.label), {})
        keys = sorted({k for p in persons.values() for k in p["search_keys"] or []})
        _write_csv(
            directory / "SearchKey.csv",
            [f"{SEARCH_KEY}:ID({SEARCH_LABEL})", ":LABEL"],
            ([k, SEARCH_LABEL] for k in keys),
        )
        nodes.append(directory / "SearchKey.csv")
        pairs = ([pid, k, HAS_KEY] for pid, p in persons.items() for k in p["search_keys"] or [])
        _write_csv(
            directory / "HAS_KEY.csv", [":START_ID(Person)", f":END_ID({SEARCH_LABEL})", ":TYPE"], pairs
        )
        rels.append(directory / "HAS_KEY.csv")
        return nodes, rels


CsvExport.__abstractmethods__ = frozenset()  # the bench only writes; reads are never called


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "list":
        return ";".join(str(v) for v in value)
    if kind == "bool":
        return "true" if value else "false"
    if kind in ("date", "datetime"):
        return value.isoformat()
    return str(value)


def _write_csv(path: Path, header: list[str], rows: Iterator[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def stage_neo4j(scenario: Path, work: Path) -> dict[str, Any]:
    """Loader into a fresh server vs CSV bulk import of the same rows; every server stopped."""
    from graph.neo4j.launcher import LocalNeo4j, free_ports
    from graph.neo4j.store import Neo4jStore
    from loaders.pipeline import load_paths

    files = _files(scenario)
    export = CsvExport()
    load_paths(files, export, ledger_path=work / "csv.ledger.sqlite", quiet=True)
    t0 = time.perf_counter()
    nodes, rels = export.write(work / "csv")
    csv_seconds = time.perf_counter() - t0
    del export

    result: dict[str, Any] = {"csv_seconds": csv_seconds}
    for side in ("loader", "import"):
        server = LocalNeo4j(work / f"neo4j-{side}", *free_ports(2), heap="2g", pagecache="1g")
        try:
            if side == "import":
                t0 = time.perf_counter()
                server.import_full(nodes=nodes, relationships=rels)
                result["import_seconds"] = time.perf_counter() - t0
            uri, user, password = server.start()
            with Neo4jStore.connect(uri, user, password) as store:
                t0 = time.perf_counter()
                store.init_schema()  # the loader side: instant on an empty database
                if side == "import":
                    result["schema_seconds"] = time.perf_counter() - t0
                else:
                    t0 = time.perf_counter()
                    report = load_paths(files, store, ledger_path=work / "neo4j.ledger.sqlite", quiet=True)
                    result["loader_seconds"] = time.perf_counter() - t0
                    result["records"] = sum(f.rows_in for f in report.files)
                counts = store.counts()
                result[f"{side}_counts"] = [counts.persons, counts.stays, counts.source_records]
        finally:
            server.stop()
    return result


# ----------------------------------------------------------------------------------- parent
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, nargs="*", default=list(SIZES), help="sizes to load")
    parser.add_argument(
        "--neo4j", action="store_true", help="also compare loader vs bulk import (first size)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers", type=int, default=None, help="reading processes (0: none; default: the loader decides)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here (default: a temp dir)")
    parser.add_argument("--stage", choices=["synth", "load", "neo4j"], help=argparse.SUPPRESS)
    parser.add_argument("--families", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        scenario, work = args.dir / "scenario", args.dir
        if args.stage == "synth":
            result = stage_synth(args.families, args.seed, scenario)
        elif args.stage == "load":
            result = stage_load(scenario, work, args.workers)
        else:
            result = stage_neo4j(scenario, work)
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workdir or Path(tmp)
        for n, records in enumerate(args.records):
            work = root / f"r{records}"
            families = round(records / RECORDS_PER_FAMILY)
            synth = _child(
                "--stage", "synth", "--families", str(families), "--seed", str(args.seed), "--dir", str(work)
            )
            took = synth["seconds"]
            print(f"synth: {families:,} families -> {synth['records']:,} source records in {took:.1f} s")
            workers = [] if args.workers is None else ["--workers", str(args.workers)]
            r = _child("--stage", "load", "--dir", str(work), *workers)
            total = r["loaded"] + r["quarantined"]
            print(
                f"load:  {total:,} records ({r['loaded']:,} loaded + {r['quarantined']:,} quarantined) "
                f"in {r['seconds']:.1f} s = {total / r['seconds']:,.0f} records/s "
                f"(CPU {r['cpu_seconds']:.1f} s, all threads, + {r['worker_cpu_seconds']:.1f} s in "
                f"reading workers; load average {r['load_average']:.1f}), "
                f"peak RSS {r['peak_mb']:,.0f} MB ({r['peak_mb'] * 1024 / total:.1f} KB/record; "
                f"workers' peak {r['worker_peak_mb']:,.0f} MB each at most), {r['chunks']} chunk(s)"
            )
            print(f"graph: {r['persons']:,} persons, {r['stays']:,} stays, {r['links']:,} family links")
            if args.neo4j and n == 0:
                x = _child("--stage", "neo4j", "--dir", str(work))
                loader, imp, schema = x["loader_seconds"], x["import_seconds"], x["schema_seconds"]
                print(
                    f"neo4j: loader {loader:.1f} s ({x['records'] / loader:,.0f} records/s); "
                    f"neo4j-admin import {imp:.1f} s + constraints/indexes {schema:.1f} s "
                    f"(CSV written in {x['csv_seconds']:.1f} s, not counted)"
                )
                print(
                    f"neo4j: ratio loader / import = {loader / imp:.1f}x, "
                    f"loader / (import + schema) = {loader / (imp + schema):.1f}x (goal <= 3x)"
                )
                print(
                    f"neo4j: persons, stays, source records: loader {x['loader_counts']}, "
                    f"import {x['import_counts']}"
                )
            sys.stdout.flush()


if __name__ == "__main__":
    main()

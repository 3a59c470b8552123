"""Benchmark: ~1,000,000 synthetic source records into the embedded engine.

Usage:
    .venv/bin/python bench/load.py                 # ~1M records (122k families)
    .venv/bin/python bench/load.py --families 5000 # a quick run

Prints the scenario generation time, the load time (read + identity + assemble + write) and the
peak memory (resident set size) of this process, measured, not estimated.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.ladybug.store import LadybugStore  # noqa: E402
from loaders.pipeline import load_paths  # noqa: E402
from loaders.synth import SynthConfig, generate  # noqa: E402

RECORDS_PER_FAMILY = 8.2  # measured: 100k families give 820,977 source records


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--families", type=int, default=int(1_000_000 / RECORDS_PER_FAMILY))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        scenario = work / "scenario"
        t0 = time.perf_counter()
        summary = generate(scenario, SynthConfig(families=args.families, seed=args.seed))
        t_synth = time.perf_counter() - t0
        records = sum(summary.files.values())
        print(f"synth: {args.families:,} families -> {records:,} source records in {t_synth:.1f} s")
        files = sorted(p for p in scenario.iterdir() if p.name != "ground_truth.json")
        db = work / "bench.lbug"
        t1 = time.perf_counter()
        with LadybugStore(db) as store:
            report = load_paths(files, store, ledger_path=work / "bench.ledger.sqlite", quiet=True)
            counts = store.counts()
        t_load = time.perf_counter() - t1
        loaded = sum(f.loaded for f in report.files)
        quarantined = sum(f.quarantined for f in report.files)
        print(
            f"load:  {loaded:,} loaded + {quarantined:,} quarantined in {t_load:.1f} s "
            f"({(loaded + quarantined) / t_load:,.0f} records/s), {report.chunks} chunk(s)"
        )
        print(
            f"graph: {counts.persons:,} persons, {counts.stays:,} stays, "
            f"{sum(counts.family_links.values()):,} family links, {counts.separations:,} separations"
        )
        print(f"peak memory (RSS): {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()

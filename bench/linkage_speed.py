"""Benchmark: how long person resolution takes at scale, stage by stage, and its peak memory.

Usage:
    .venv/bin/python bench/linkage_speed.py --mentions 100000
    flock /tmp/lineage-bigrun.lock .venv/bin/python bench/linkage_speed.py --mentions 1000000 \
        --workdir /tmp/linkage-speed       # > 200k: take the big-run lock (see the helpers' brief)

Generates a scenario of about `--mentions` person mentions with `lineage synth` in a child
process (so its memory does not count here; kept and reused under `--workdir`), then times, in
this process: reading the files through the loader registry and building the mentions frame,
and every stage of `resolve_mentions` (each pass's training, prediction and clustering, as logged
by `loaders.linkage.stages`). Prints one line per stage: wall time, CPU time of this process
(DuckDB's threads included; on a shared machine the better measure) and peak RSS after it.
Accuracy is measured by `bench/linkage.py`; this one only checks the run ends and reports
the cluster summary, so a speed-up that wrecks the result shows at a glance.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loaders.linkage.config import LinkageSettings  # noqa: E402
from loaders.linkage.mentions import mentions_frame, read_records  # noqa: E402
from loaders.linkage.resolve import resolve_mentions  # noqa: E402
from loaders.linkage.stages import peak_rss_mb  # noqa: E402
from loaders.synth.exports import TRUTH_FILE  # noqa: E402
from loaders.synth.manifest import MANIFEST_FILE  # noqa: E402

#: Mentions per family of the default scenario at scale (964,066 for 105,821 families, seed 1;
#: 9.5 at 2,000 families, where the officer's tracker is not yet capped at 5,000 rows).
MENTIONS_PER_FAMILY = 9.1
DATA_SUFFIXES = (".csv", ".json", ".xlsx")


class StageLog(logging.Handler):
    """Collects the `stage` records `loaders.linkage.stages` logs, in order."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.stages: list[tuple[str, float, float, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "stage"):
            self.stages.append((record.stage, record.seconds, record.cpu_seconds, record.peak_mb))


def scenario(workdir: Path, mentions: int, seed: int) -> Path:
    """The scenario directory for about `mentions` mentions, generated once by `lineage synth`."""
    families = math.ceil(mentions / MENTIONS_PER_FAMILY)
    out = workdir / f"families{families}-seed{seed}"
    if not (out / TRUTH_FILE).exists():
        started = time.perf_counter()
        lineage = Path(sys.executable).with_name("lineage")
        subprocess.run(
            [str(lineage), "synth", "--out", str(out), "--families", str(families), "--seed", str(seed)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"generated {families} families in {time.perf_counter() - started:.0f} s ({out})")
    return out


def line(name: str, seconds: float, cpu_seconds: float, peak: float | None) -> None:
    memory = f"{peak:7.0f} MB" if peak is not None else ""
    print(f"{name:<24} {seconds:7.1f} s {cpu_seconds:7.1f} s {memory:>10}")


def run(directory: Path) -> None:
    skip = (TRUTH_FILE, MANIFEST_FILE)
    files = sorted(p for p in directory.iterdir() if p.suffix in DATA_SUFFIXES and p.name not in skip)
    log = StageLog()
    logging.getLogger("loaders.linkage").addHandler(log)
    logging.getLogger("loaders.linkage").setLevel(logging.INFO)
    settings = LinkageSettings()
    print(f"backend {settings.backend}, {os.cpu_count()} cores, load average {os.getloadavg()}")
    started, cpu = time.perf_counter(), time.process_time()
    frame = mentions_frame(read_records(files))
    frame_s, frame_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{'stage':<24} {'wall':>9} {'CPU':>9} {'peak RSS':>10}")
    line(f"mentions frame ({len(frame)})", frame_s, frame_cpu, peak_rss_mb())
    result = resolve_mentions(frame)
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
    for name, seconds, cpu_seconds, peak in log.stages:
        line(name, seconds, cpu_seconds, peak)
    line(
        "other (between stages)",
        total - frame_s - sum(s[1] for s in log.stages),
        total_cpu - frame_cpu - sum(s[2] for s in log.stages),
        None,
    )
    line("total", total, total_cpu, peak_rss_mb())
    print(f"load average after: {os.getloadavg()}")
    report = result.decisions.report
    print(
        f"{report.persons} persons, {report.probabilistic_merges} probabilistic merges, "
        f"{report.possible_matches} possible matches, {len(result.pairs)} scored pairs, "
        f"largest cluster {report.largest_cluster}, refused {dict(report.refused)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentions", type=int, default=100_000, help="about this many mentions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None, help="keep scenarios here (default: temp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="linkage-speed-") as tmp:
        run(scenario(args.workdir or Path(tmp), args.mentions, args.seed))


if __name__ == "__main__":
    main()

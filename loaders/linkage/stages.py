"""Wall time and peak memory of each heavy linkage step, logged so a run shows where time goes.

Training, prediction and clustering each run inside `stage(name)`, which logs one INFO line on
the `loaders.linkage` logger with `stage`, `seconds`, `cpu_seconds` (this process, all threads:
on a shared machine it shows the work when wall time shows the neighbours) and `peak_mb` as
record attributes. The speed benchmark (`bench/linkage_speed.py`) collects them; a caller that
does not care sees nothing.

Example:
    with stage("pass 1: predict"):
        pairs = score(model)
"""

from __future__ import annotations

import logging
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("loaders.linkage")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB). DuckDB runs in this
    process, so its memory counts; a Spark JVM does not (it is a child process)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block and log it as one linkage stage (also when it raises, so a failure shows
    how far it got)."""
    started, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        seconds, cpu_seconds, peak = time.perf_counter() - started, time.process_time() - cpu, peak_rss_mb()
        log.info(
            "linkage stage %s: %.1f s (CPU %.1f s), peak RSS %.0f MB",
            name,
            seconds,
            cpu_seconds,
            peak,
            extra={"stage": name, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mb": peak},
        )

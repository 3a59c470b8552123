"""Reading a load's files, in this process or in two worker processes.

Reading and validating rows is ~40% of a load's CPU time, and files are independent, so a large
load parses them in worker processes while this process takes in each file read. A
file's result is small to send compared with its parsing (at 100k records: 12 CPU-s to parse,
1.3 s to receive). Results come back in the order the files were given, so a load writes and
plans its chunks exactly as a one-process read does; at most `workers` + 1 files are read
ahead.

Workers come from a `forkserver`: forking the loading process itself would copy the engine's
threads and locks (LadybugDB's, the driver's) into the child. As with any `multiprocessing`
start method but `fork`, each worker imports the caller's `__main__` module: a script calling
`load_paths` keeps its work under `if __name__ == "__main__":` (`lineage`, bench/ and pytest do).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path

from graph.store import Row
from loaders.base import Loader
from loaders.errors import LoaderError
from loaders.gcpause import gc_paused
from loaders.records import Provenance, Quarantined, RecordFacts

#: Below this many bytes in all, starting the workers (~1 s, once per process) costs more than
#: reading the files in one process.
PARALLEL_FROM_BYTES = 2_000_000
WORKERS = 2


@dataclass(frozen=True)
class ReadJob:
    """One file to read, with what its provenance needs (decided by the caller's ledger)."""

    loader: Loader
    path: Path
    batch_id: str
    loaded_at: datetime


@dataclass
class FileRead:
    """A file read: its source-record rows, the facts of every loaded row, the quarantined rows."""

    rows: list[Row]
    facts: list[RecordFacts]
    bad: list[Quarantined]


def source_row(p: Provenance) -> Row:
    """The `SourceRecord` row of a record's provenance (`GraphStore.upsert_rows`)."""
    return {
        "record_key": p.record_key,
        "system": p.system,
        "file": p.file,
        "record_id": p.record_id,
        "batch_id": p.batch_id,
        "row_number": p.row_number,
        "row_hash": p.row_hash,
        "loaded_at": p.loaded_at,
        "raw": p.raw,
    }


def read_file(job: ReadJob) -> FileRead:
    """Every row of one file, loaded or quarantined.

    Raises:
        LoaderError, OSError: the file is refused (nothing of it is kept).
    """
    read = FileRead([], [], [])
    with gc_paused():
        for item in job.loader.load(job.path, job.batch_id, job.loaded_at):
            if isinstance(item, Quarantined):
                read.bad.append(item)
            else:
                read.rows.append(source_row(item.provenance))
                read.facts.append(RecordFacts.of(item))
    return read


def workers_for(jobs: Sequence[ReadJob]) -> int:
    """Two workers for a load worth it (several files, enough bytes, two cores), else none."""
    if len(jobs) < 2 or (os.cpu_count() or 1) < 2:
        return 0
    size = sum(job.path.stat().st_size for job in jobs if job.path.is_file())
    return WORKERS if size >= PARALLEL_FROM_BYTES else 0


def read_files(jobs: Sequence[ReadJob], workers: int) -> Iterator[FileRead | LoaderError | OSError]:
    """Each job's `FileRead`, or the error that refused its file, in job order.

    `workers` 0 reads in this process, one file at a time, as it is asked for.
    """
    if workers <= 0:
        for job in jobs:
            try:
                yield read_file(job)
            except (LoaderError, OSError) as exc:
                yield exc
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["loaders.reading"])  # workers start with the loaders imported
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        todo = iter(jobs)
        pending = deque(pool.submit(read_file, job) for job in islice(todo, workers + 1))
        while pending:
            future = pending.popleft()
            pending.extend(pool.submit(read_file, job) for job in islice(todo, 1))
            try:
                yield future.result()
            except (LoaderError, OSError) as exc:
                yield exc

"""Files → canonical records → `GraphBatch` chunks written through `store.upsert`, streaming.

Example:
    with open_store() as store:
        report = load_paths([Path("cbp.csv")], store, ledger_path=ledger_path_for(Settings()))

Two streams of chunks, both once every file is read:
1. the files': their `LoadBatch`es, quarantine entries and source records, all files' in one
   stream, so each kind is one `COPY`: LadybugDB's `COPY` into a node table that already holds
   rows costs more the more it holds (six 50k-row `COPY`s of source records took 5.8–8.0 s, one
   of 300k rows 2.0 s; at 1M records the per-file ones were 37 s of engine time). These need no
   identity; the raw rows they carry are held until the last file is read, then freed.
2. persons (identity needs all mentions), facilities, family units, separations, then the
   relationships, each kind built only when the previous one is written.

The store is written from this thread. A background writer was measured and dropped: LadybugDB's
`COPY` already keeps both cores busy, so overlapping it with parsing gained nothing (16.3 s vs
16.5 s for 101k records) and slowed both sides when the machine was shared. Parsing itself moves
to worker processes for large loads (`loaders.reading`): that takes it off this process's path.

Idempotent and resumable (see `loaders.ledger`): a file already loaded is skipped; a killed
load, run again, re-plans the same chunks (they depend only on the set of files read and their
content) and writes those it had not written, ending with the same graph. A file a loader
refuses (`LoaderError`) is reported and nothing of it is written: chunks are cut only after
every file's last row is read. The other files load.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from graph.config import Settings
from graph.model import GraphBatch, LoadBatch
from graph.store import GraphStore, Row, Touched
from loaders.assemble import Assembly
from loaders.errors import LoaderError
from loaders.gcpause import gc_paused
from loaders.identity import mention_keys, resolve_keys
from loaders.ledger import Ledger
from loaders.progress import Progress
from loaders.quarantine import quarantine_entries, summarise, write_quarantine
from loaders.reading import FileRead, ReadJob, read_files, workers_for
from loaders.records import Quarantined, RecordFacts
from loaders.registry import detect, get_loader
from loaders.synth.manifest import synthetic_hashes

PLAN_VERSION = "5"
DEFAULT_CHUNK_ROWS = 1_000_000
MEMORY_KINDS = ("facility", "separation", "reunion")
T = TypeVar("T")


@dataclass
class FileReport:
    path: Path
    source: str = ""
    status: str = "loaded"  # loaded | skipped | refused
    rows_in: int = 0
    loaded: int = 0
    quarantined: int = 0
    message: str = ""
    reasons: list[tuple[str, int]] = field(default_factory=list)
    quarantine_file: Path | None = None


@dataclass
class LoadReport:
    files: list[FileReport]
    written: dict[str, int]
    chunks: int
    seconds: float

    @property
    def refused(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "refused"]


def ledger_path_for(settings: Settings) -> Path:
    """The ledger beside the store: next to the embedded file, or under data/ for Neo4j."""
    if settings.backend == "embedded":
        return settings.db_path.with_name(settings.db_path.name + ".ledger.sqlite")
    return Path("data") / f"neo4j-{settings.neo4j_database}.ledger.sqlite"


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cut(parts: Iterable[tuple[str, Sequence[T]]], rows: int) -> Iterator[dict[str, list[T]]]:
    """(`GraphBatch` field, items) in upsert order → {field: items}, whole kinds per chunk.

    A chunk takes kinds while they fit in `rows` items; a kind that does not fit starts the
    next chunk, and a kind larger than `rows` is a chunk of its own, never split: a second
    `COPY` into a LadybugDB rel table costs as much as copying its rows again, and the kind's
    rows are in memory whole anyway (the store cuts its own statements, `batch_rows`). The cut
    depends only on the items and `rows`, so a re-run cuts the same chunks.
    """
    current: dict[str, list[T]] = {}
    size = 0
    for name, items in parts:
        if not items:
            continue
        if size and size + len(items) > rows:
            yield current
            current, size = {}, 0
        current.setdefault(name, []).extend(items)
        size += len(items)
    if size:
        yield current


def plan_id(kind: str, batch_ids: Iterable[str], chunk_rows: int) -> str:
    """The ledger's name for one stream of chunks: what it holds and how it was cut."""
    parts = [kind, *sorted(batch_ids), str(chunk_rows), PLAN_VERSION]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()


def _write(
    store: GraphStore,
    ledger: Ledger,
    plan: str,
    chunks: Iterable[dict[str, list[Row]]],
    written: dict[str, int],
    progress: Progress,
) -> int:
    """Write the chunks of one plan the ledger does not have yet, each marked done once the store
    has it; adds rows written per field to `written` and returns how many chunks the plan has.

    The orphan reasons and the kept census of the persons the plan touches are refreshed once,
    after its last chunk, not per chunk: a person's row, its stays and its separations come in
    different chunks, and each refresh reads all of them again. Until then the census is read
    from the records. A load killed before that refresh re-plans the same chunks, skips the
    written ones, and refreshes the persons of all of them; the census it left unkept is rebuilt
    whole by the next refresh (`GraphStore.refresh_touched`).
    """
    done = ledger.chunks_done(plan)
    task = progress.task("write graph")
    touched = Touched()
    n = 0
    for n, part in enumerate(chunks, 1):
        touched |= Touched.by(part)
        if n - 1 not in done:
            for name, count in store.upsert_rows(part, refresh=False).items():
                written[name] = written.get(name, 0) + count
            ledger.chunk_done(plan, n - 1)
        progress.advance(task)
    store.refresh_touched(touched)  # also when nothing was touched: it ends the deferral
    return n


def load_paths(
    paths: Sequence[Path],
    store: GraphStore,
    *,
    ledger_path: Path,
    source: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    quiet: bool = False,
    workers: int | None = None,
) -> LoadReport:
    """Load files into the store; see the module docstring for the guarantees.

    Args:
        workers: processes reading the files (`loaders.reading`); 0 reads them in this
            process; None decides by the files' number and size.

    Raises:
        UnknownSourceError: `source` names no loader (no file is read).
    """
    started = time.perf_counter()
    named = get_loader(source) if source else None
    reports: list[FileReport] = []
    facts: list[RecordFacts] = []
    source_rows: list[Row] = []
    quarantine: dict[str, list[Quarantined]] = {}
    todo: list[tuple[str, FileReport, str]] = []
    batches: list[LoadBatch] = []
    plans: list[str] = []
    written: dict[str, int] = {}
    chunks = 0
    with Ledger(ledger_path) as ledger, Progress(quiet) as progress, gc_paused():
        if ledger.files() and store.counts().source_records == 0:
            ledger.reset()  # the store was cleared since: the ledger's memory no longer holds
        jobs: list[tuple[ReadJob, FileReport, str]] = []
        for path in paths:
            report = FileReport(Path(path))
            reports.append(report)
            try:
                loader = get_loader(source) if named else detect(report.path)
                report.source = loader.name
                digest = file_hash(report.path)
            except (LoaderError, OSError) as exc:
                report.status, report.message = "refused", str(exc)
                continue
            entry = ledger.file(digest)
            if entry and entry.status == "done":
                report.status, report.message = "skipped", "already loaded (same content)"
                report.rows_in, report.loaded, report.quarantined = (
                    entry.rows_in,
                    entry.loaded,
                    entry.quarantined,
                )
                continue
            batch_id = f"{loader.name}-{digest[:12]}"
            loaded_at = ledger.start(
                digest, report.path.name, loader.name, batch_id, datetime.now().replace(microsecond=0)
            )
            jobs.append((ReadJob(loader, report.path, batch_id, loaded_at), report, digest))
        if workers is None:
            workers = workers_for([job for job, _, _ in jobs])
        task = progress.task("read files", total=len(jobs))
        reads = read_files([job for job, _, _ in jobs], workers)
        for (job, report, digest), read in zip(jobs, reads, strict=True):
            progress.advance(task)
            if not isinstance(read, FileRead):
                report.status, report.message = "refused", str(read)
                continue
            loader, batch_id, loaded_at = job.loader, job.batch_id, job.loaded_at
            got, got_facts, bad = read.rows, read.facts, read.bad
            del read
            facts += got_facts
            quarantine[batch_id] = bad
            report.rows_in, report.loaded, report.quarantined = len(got) + len(bad), len(got), len(bad)
            report.reasons = summarise(bad)
            todo.append((digest, report, batch_id))
            batch = LoadBatch(
                batch_id=batch_id,
                system=loader.name,
                file=report.path.name,
                file_hash=digest,
                started_at=loaded_at,
                rows_in=report.rows_in,
                loaded=report.loaded,
                quarantined=report.quarantined,
                synthetic=digest in synthetic_hashes(report.path.parent),
            )  # unfinished: finished_at is set after the last chunk of the load
            batches.append(batch)
            source_rows += got
            del got, got_facts
        if todo:
            plans.append(plan_id("files", [b for _, _, b in todo], chunk_rows))
            file_parts = [
                ("load_batches", [b.model_dump() for b in batches]),
                ("quarantine", [e for _, _, b in todo for e in quarantine_entries(quarantine[b])]),
                ("source_records", source_rows),
            ]
            del source_rows
            chunks += _write(store, ledger, plans[-1], cut(file_parts, chunk_rows), written, progress)
            del file_parts
            keys_of = mention_keys(facts)
            known = ledger.recall("identity", {k for keys in keys_of.values() for k in keys})
            who = resolve_keys(keys_of, known)
            del keys_of, known
            assembly = Assembly(facts, who, {kind: ledger.recall(kind) for kind in MEMORY_KINDS})
            plans.append(plan_id("load", [b for _, _, b in todo], chunk_rows))
            chunks += _write(
                store, ledger, plans[-1], cut(assembly.parts(), chunk_rows), written, progress
            )
            finished = datetime.now().replace(microsecond=0)
            store.upsert(
                GraphBatch(load_batches=[b.model_copy(update={"finished_at": finished}) for b in batches])
            )
            q_dir = ledger_path.parent / "quarantine"
            for _, report, batch_id in todo:
                report.quarantine_file = write_quarantine(q_dir, batch_id, quarantine[batch_id])
            ledger.finish(
                plans,
                [(digest, r.rows_in, r.loaded, r.quarantined) for digest, r, _ in todo],
                {**assembly.remember, "identity": who.remember},
            )
    return LoadReport(reports, written, chunks, time.perf_counter() - started)

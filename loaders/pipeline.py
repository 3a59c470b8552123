"""Files → canonical records → one merged `GraphBatch` → chunks written through `store.upsert`.

Example:
    with open_store() as store:
        report = load_paths([Path("cbp.csv")], store, ledger_path=ledger_path_for(Settings()))

Idempotent and resumable (see `loaders.ledger`): a file already loaded is skipped; a killed
load, run again, writes the chunks it had not written and ends with the same graph. A file a
loader refuses (`LoaderError`) is reported and nothing of it is written; the other files load.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from graph.config import Settings
from graph.model import GraphBatch, LoadBatch
from graph.store import UPSERT_ORDER, GraphStore
from loaders.assemble import assemble
from loaders.errors import LoaderError
from loaders.gcpause import gc_paused
from loaders.identity import identity_keys, resolve
from loaders.ledger import Ledger
from loaders.progress import Progress
from loaders.quarantine import quarantine_entries, summarise, write_quarantine
from loaders.records import CanonicalRecord, Quarantined
from loaders.registry import detect, get_loader

PLAN_VERSION = "1"
DEFAULT_CHUNK_ROWS = 1_000_000
MEMORY_KINDS = ("facility", "separation", "reunion")


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


def chunked(batch: GraphBatch, rows: int) -> Iterator[GraphBatch]:
    """Split a batch into batches of at most `rows` items, nodes before relationships."""
    current: dict[str, list] = {}
    size = 0
    for name, _ in UPSERT_ORDER:
        items = getattr(batch, name)
        start = 0
        while start < len(items):
            take = min(rows - size, len(items) - start)
            current.setdefault(name, []).extend(items[start : start + take])
            size += take
            start += take
            if size >= rows:
                yield GraphBatch.model_construct(**_full(current))
                current, size = {}, 0
    if size:
        yield GraphBatch.model_construct(**_full(current))


def _full(parts: dict[str, list]) -> dict[str, list]:
    return {name: parts.get(name, []) for name, _ in UPSERT_ORDER}


def load_paths(
    paths: Sequence[Path],
    store: GraphStore,
    *,
    ledger_path: Path,
    source: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    quiet: bool = False,
) -> LoadReport:
    """Load files into the store; see the module docstring for the guarantees.

    Raises:
        UnknownSourceError: `source` names no loader (no file is read).
    """
    started = time.perf_counter()
    named = get_loader(source) if source else None
    reports: list[FileReport] = []
    records: list[CanonicalRecord] = []
    quarantine: dict[str, list[Quarantined]] = {}
    todo: list[tuple[str, FileReport, str]] = []
    batches: list[LoadBatch] = []
    with Ledger(ledger_path) as ledger, Progress(quiet) as progress, gc_paused():
        if ledger.files() and store.counts().source_records == 0:
            ledger.reset()  # the store was cleared since: the ledger's memory no longer holds
        for path in paths:
            report = FileReport(Path(path))
            reports.append(report)
            try:
                loader = get_loader(source) if named else detect(report.path)
                report.source = loader.name
                digest = file_hash(report.path)
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
                task = progress.task(f"read {report.path.name}")
                got: list[CanonicalRecord] = []
                bad: list[Quarantined] = []
                for item in loader.load(report.path, batch_id, loaded_at):
                    (bad if isinstance(item, Quarantined) else got).append(item)
                    progress.advance(task)
            except (LoaderError, OSError) as exc:
                report.status, report.message = "refused", str(exc)
                continue
            records += got
            quarantine[batch_id] = bad
            report.rows_in, report.loaded, report.quarantined = len(got) + len(bad), len(got), len(bad)
            report.reasons = summarise(bad)
            todo.append((digest, report, batch_id))
            batches.append(
                LoadBatch(
                    batch_id=batch_id,
                    system=loader.name,
                    file=report.path.name,
                    file_hash=digest,
                    started_at=loaded_at,
                    rows_in=report.rows_in,
                    loaded=report.loaded,
                    quarantined=report.quarantined,
                )
            )
        written: dict[str, int] = {}
        chunks = 0
        if todo:
            keys = {k for r in records for m in r.mentions for k in identity_keys(r.provenance.record_key, m)}
            who = resolve(records, ledger.recall("identity", keys))
            memory = {kind: ledger.recall(kind) for kind in MEMORY_KINDS}
            assembly = assemble(records, who, memory)
            assembly.batch.load_batches = batches  # unfinished: finished_at is set after the last chunk
            assembly.batch.quarantine = quarantine_entries([q for qs in quarantine.values() for q in qs])
            plan = hashlib.sha1("|".join(sorted(b for _, _, b in todo) + [PLAN_VERSION]).encode()).hexdigest()
            done = ledger.chunks_done(plan)
            parts = list(chunked(assembly.batch, chunk_rows))
            task = progress.task("write graph", total=len(parts))
            for i, part in enumerate(parts):
                if i not in done:
                    for name, n in store.upsert(part).items():
                        written[name] = written.get(name, 0) + n
                    ledger.chunk_done(plan, i)
                progress.advance(task)
            chunks = len(parts)
            finished = datetime.now().replace(microsecond=0)
            store.upsert(
                GraphBatch(load_batches=[b.model_copy(update={"finished_at": finished}) for b in batches])
            )
            q_dir = ledger_path.parent / "quarantine"
            for _, report, batch_id in todo:
                report.quarantine_file = write_quarantine(q_dir, batch_id, quarantine[batch_id])
            ledger.finish(
                plan,
                [(digest, r.rows_in, r.loaded, r.quarantined) for digest, r, _ in todo],
                {**assembly.remember, "identity": who.remember},
            )
    return LoadReport(reports, written, chunks, time.perf_counter() - started)

"""The batch ledger: which files were loaded, which chunks of a load are written, and what
earlier loads must be remembered by later ones (identifier → person, facility authority, …).

A small SQLite file beside the store. Idempotence comes from it: a file whose hash is `done` is
skipped; a load killed half-way re-plans the same chunks (same files, same memory, same
`loaded_at`, kept from the first attempt) and skips those already written; memory and `done`
are committed together, last, so a killed load leaves the memory as it was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    file_hash TEXT PRIMARY KEY, name TEXT, source TEXT, batch_id TEXT, loaded_at TEXT,
    status TEXT, rows_in INTEGER, loaded INTEGER, quarantined INTEGER, finished_at TEXT);
CREATE TABLE IF NOT EXISTS chunks (plan TEXT, chunk INTEGER, PRIMARY KEY (plan, chunk));
CREATE TABLE IF NOT EXISTS memory (kind TEXT, key TEXT, value TEXT, PRIMARY KEY (kind, key));
"""


@dataclass(frozen=True)
class FileEntry:
    file_hash: str
    name: str
    source: str
    batch_id: str
    loaded_at: datetime
    status: str
    rows_in: int
    loaded: int
    quarantined: int


class Ledger:
    """Open (creating) the ledger at `path`; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
        # WAL with NORMAL sync: a commit survives the process being killed (what resumability
        # needs) without an fsync per written chunk.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # ---------------------------------------------------------------------- files
    def file(self, file_hash: str) -> FileEntry | None:
        row = self.db.execute(
            "SELECT file_hash, name, source, batch_id, loaded_at, status, rows_in, loaded, quarantined "
            "FROM files WHERE file_hash = ?",
            (file_hash,),
        ).fetchone()
        if row is None:
            return None
        return FileEntry(*row[:4], datetime.fromisoformat(row[4]), row[5], *(int(x or 0) for x in row[6:]))

    def start(self, file_hash: str, name: str, source: str, batch_id: str, loaded_at: datetime) -> datetime:
        """Record that a file's load began; returns the `loaded_at` of its first attempt."""
        with self.db:
            self.db.execute(
                "INSERT OR IGNORE INTO files (file_hash, name, source, batch_id, loaded_at, status) "
                "VALUES (?, ?, ?, ?, ?, 'started')",
                (file_hash, name, source, batch_id, loaded_at.isoformat()),
            )
        entry = self.file(file_hash)
        assert entry is not None
        return entry.loaded_at

    def files(self) -> list[FileEntry]:
        hashes = [r[0] for r in self.db.execute("SELECT file_hash FROM files ORDER BY name")]
        return [e for h in hashes if (e := self.file(h))]

    # --------------------------------------------------------------------- chunks
    def chunks_done(self, plan: str) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT chunk FROM chunks WHERE plan = ?", (plan,))}

    def chunk_done(self, plan: str, chunk: int) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO chunks VALUES (?, ?)", (plan, chunk))

    # --------------------------------------------------------------------- memory
    def recall(self, kind: str, keys: Iterable[str] | None = None) -> dict[str, Any]:
        """Remembered values of one kind (all, or only `keys`)."""
        if keys is None:
            rows = self.db.execute("SELECT key, value FROM memory WHERE kind = ?", (kind,)).fetchall()
        else:
            wanted = list(dict.fromkeys(keys))
            rows = []
            for i in range(0, len(wanted), 900):
                part = wanted[i : i + 900]
                marks = ",".join("?" * len(part))
                rows += self.db.execute(
                    f"SELECT key, value FROM memory WHERE kind = ? AND key IN ({marks})",  # noqa: S608
                    (kind, *part),
                ).fetchall()
        return {k: json.loads(v) for k, v in rows}

    def finish(
        self, plans: list[str], files: list[tuple[str, int, int, int]], memory: dict[str, dict[str, Any]]
    ) -> None:
        """Mark files done with their counts, commit what to remember and forget the plans' chunks,
        in one transaction."""
        now = datetime.now().isoformat(timespec="seconds")
        with self.db:
            for kind, items in memory.items():
                self.db.executemany(
                    "INSERT OR REPLACE INTO memory VALUES (?, ?, ?)",
                    ((kind, k, json.dumps(v)) for k, v in items.items()),
                )
            self.db.executemany(
                "UPDATE files SET status = 'done', rows_in = ?, loaded = ?, quarantined = ?, finished_at = ? "
                "WHERE file_hash = ?",
                ((n, ok, q, now, h) for h, n, ok, q in files),
            )
            self.db.executemany("DELETE FROM chunks WHERE plan = ?", ((plan,) for plan in plans))

    def reset(self) -> None:
        """Forget everything (the store was cleared)."""
        with self.db:
            for table in ("files", "chunks", "memory"):
                self.db.execute(f"DELETE FROM {table}")  # noqa: S608

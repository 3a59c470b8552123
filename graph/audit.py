"""The audit log: who looked at which child's record, searched for what, exported or decided what.

An append-only JSON-lines file beside the database (`audit_path`). Each line is one entry whose
`hash` is the SHA-256 of a canonical JSON of its other fields, `prev` included, so every entry
seals the one before it: editing, deleting or reordering a line breaks the chain at that line,
and `verify()` names the first broken entry. A hash chain alone cannot show that the newest lines
were cut off, so a small head record (the last seq and hash, kept in the lock file `<log>.lock`)
is rewritten after every append and checked against the log; and because anyone who can write
both files could rebuild the whole chain, `verify()` prints the head hash for admins to note elsewhere, and
`verify(expect_head=…)` (`lineage audit verify --expect-head`) checks a noted one is still there.

Several processes may append at once (explorer sessions, CLI): an exclusive `flock` on the lock
file covers reading the last entry, writing the next and updating the head.

Example:
    log = AuditLog(audit_path(Settings()))
    log.append("local:ana", "caseworker", "view", "p123", {"operation": "get_person"}, 1)
    assert log.verify().ok
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field

from graph.config import Settings
from graph.errors import GraphStoreError

GENESIS = "0" * 64
#: Entries keep at most this many person ids in `shown`; `shown_more` counts the rest.
MAX_SHOWN = 1000
CSV_COLUMNS = ("seq", "at", "who", "role", "action", "target", "parameters", "result_count", "shown",
               "shown_more", "prev", "hash")


class AuditError(GraphStoreError):
    """The audit log cannot be read or written; the operation it would have recorded is refused."""


class AuditEntry(BaseModel):
    """One recorded action. `target` is the person (or link, match) the action was about, if any;
    `shown` the persons whose records the result carried (capped at MAX_SHOWN)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = Field(description="1-based position in the log")
    at: datetime = Field(description="when, UTC")
    who: str = Field(description="principal subject: OIDC sub or e-mail, or local:<os user>")
    role: str = Field(description="the role the action ran under")
    action: str = Field(description="search, view, list, export, review, audit or denied")
    target: str = Field(default="", description="person id, link or match key the action was about")
    parameters: dict[str, Any] = Field(default_factory=dict, description="the operation and its arguments")
    result_count: int = Field(default=0, description="records returned, exported or written")
    shown: list[str] = Field(default_factory=list, description="person ids in the result")
    shown_more: int = Field(default=0, description="person ids in the result beyond `shown`")
    prev: str = Field(description="hash of the previous entry (64 zeros for the first)")
    hash: str = Field(description="SHA-256 of the canonical JSON of every other field")

    def sealed(self) -> str:
        """The hash this entry must carry: over its canonical JSON without `hash`."""
        return _digest(self.model_dump(mode="json", exclude={"hash"}))

    def how(self) -> str:
        """What the entry was, in a word for a table: the page viewed, the operation run or the
        thing exported."""
        p = self.parameters
        return str(p.get("page") or p.get("operation") or p.get("what") or "")


@dataclass(frozen=True)
class VerifyResult:
    """`ok`, or the first broken entry (`broken_at`, 1-based line) and why."""

    ok: bool
    entries: int
    head: str
    broken_at: int | None = None
    reason: str = ""

    def message(self) -> str:
        if self.ok:
            return f"audit log intact: {self.entries} entries, head {self.head}"
        return f"audit log broken at entry {self.broken_at}: {self.reason}"


def audit_path(settings: Settings) -> Path:
    """The log's file: `settings.audit_path`, else beside the embedded database file, else (Neo4j)
    under data/ next to the load ledger."""
    if settings.audit_path is not None:
        return settings.audit_path
    if settings.backend == "embedded":
        return settings.db_path.with_name(settings.db_path.name + ".audit.jsonl")
    return Path("data") / f"neo4j-{settings.neo4j_database}.audit.jsonl"


class AuditLog:
    """Append-only, hash-chained log at `path` (created with its folder on first append)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # The lock file doubles as the head record, rewritten in place under its own lock; its
        # `.lock` name also keeps it out of the explorer's "has the data changed" file check.
        self.head_path = self.path.with_name(self.path.name + ".lock")

    # ------------------------------------------------------------------------- writing
    def append(
        self,
        who: str,
        role: str,
        action: str,
        target: str,
        parameters: Mapping[str, Any],
        result_count: int,
        shown: Sequence[str] = (),
    ) -> AuditEntry:
        """Seal and append one entry; returns it.

        Raises:
            AuditError: the file cannot be written (the caller must then not show the result).
        """
        ids = list(dict.fromkeys(shown))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._locked() as (fh, head):
                last = _last_entry(fh)
                fields = {
                    "seq": (last.seq if last else 0) + 1,
                    "at": datetime.now(UTC),
                    "who": who,
                    "role": str(role),
                    "action": action,
                    "target": target,
                    "parameters": json.loads(json.dumps(dict(parameters), default=str, ensure_ascii=False)),
                    "result_count": result_count,
                    "shown": ids[:MAX_SHOWN],
                    "shown_more": max(len(ids) - MAX_SHOWN, 0),
                    "prev": last.hash if last else GENESIS,
                }
                entry = AuditEntry.model_validate({**fields, "hash": ""})
                entry = entry.model_copy(update={"hash": entry.sealed()})
                fh.write(_line(entry))  # O_APPEND: at the end, whatever the position
                fh.flush()
                os.fsync(fh.fileno())
                head.seek(0)
                head.truncate()
                head.write(json.dumps({"seq": entry.seq, "hash": entry.hash}).encode())
                head.flush()
                os.fsync(head.fileno())
        except OSError as exc:
            raise AuditError(f"audit log {self.path}: cannot append: {exc}") from exc
        return entry

    def check_writable(self) -> None:
        """Raise now if an entry could not be appended (the file cannot be opened, or its last line
        is damaged): a page view logged when it ends checks this before its first read.

        Raises:
            AuditError: as `append` would.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._locked() as (fh, _):
                _last_entry(fh)
        except OSError as exc:
            raise AuditError(f"audit log {self.path}: cannot append: {exc}") from exc

    @contextmanager
    def _locked(self) -> Iterator[tuple[IO[bytes], IO[bytes]]]:
        """(log, head) with the exclusive lock held; both created owner-only (the log holds
        real ids and the query text people typed)."""
        head_fd = os.open(self.head_path, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(head_fd, "r+b") as head:
            fcntl.flock(head.fileno(), fcntl.LOCK_EX)
            try:
                log_fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(log_fd, "r+b") as log:
                    yield log, head
            finally:
                fcntl.flock(head.fileno(), fcntl.LOCK_UN)

    # ------------------------------------------------------------------------- reading
    def entries(
        self, person_id: str | None = None, action: str | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        """Entries oldest first; with `person_id`, those about that person (target, a parameter
        naming them, or a result that showed their record); `limit` keeps the newest ones.

        Raises:
            AuditError: a line is not a valid entry (run `verify` to see which).
        """
        found = []
        for n, entry in self._read():
            if isinstance(entry, str):
                raise AuditError(f"audit log {self.path}: entry {n} unreadable ({entry}); "
                                 "run `lineage audit verify`")
            if action is not None and entry.action != action:
                continue
            if person_id is not None and not _concerns(entry, person_id):
                continue
            found.append(entry)
        return found[-limit:] if limit else found

    def verify(self, expect_head: str | None = None) -> VerifyResult:
        """Check every entry's seal and link, the head record, and optionally a head noted earlier."""
        prev, count, seen_expected = GENESIS, 0, expect_head is None
        for n, entry in self._read():
            if isinstance(entry, str):
                return VerifyResult(False, count, prev, n, entry)
            if entry.seq != n:
                return VerifyResult(False, count, prev, n, f"sequence number {entry.seq} where {n} belongs "
                                    "(an entry was deleted, inserted or moved)")
            if entry.prev != prev:
                return VerifyResult(False, count, prev, n, "does not follow the entry before it "
                                    "(an entry before it was deleted, edited or moved)")
            if entry.sealed() != entry.hash:
                return VerifyResult(False, count, prev, n, "its content was changed after it was written")
            prev, count = entry.hash, n
            seen_expected = seen_expected or entry.hash == expect_head
        head = self._read_head()
        if head is None and count:
            return VerifyResult(False, count, prev, count + 1,
                                f"head record {self.head_path.name} is missing")
        if head is not None and (head.get("seq"), head.get("hash")) != (count, prev):
            seq = head.get("seq")
            where = min(seq if isinstance(seq, int) else 0, count) + 1
            return VerifyResult(False, count, prev, where, f"the head record says entry {head.get('seq')} "
                                f"as the last but the log ends at entry {count} (entries cut off or added)")
        if not seen_expected:
            return VerifyResult(False, count, prev, count + 1,
                                f"no entry has the expected head hash {expect_head}")
        return VerifyResult(True, count, prev)

    def export_csv(self, out: Path | str | IO[str]) -> int:
        """Write every entry as CSV (parameters and shown as JSON); returns the entries written."""
        rows = self.entries()
        if isinstance(out, str | Path):
            with Path(out).open("w", newline="", encoding="utf-8") as fh:
                return _write_csv(fh, rows)
        return _write_csv(out, rows)

    def _read(self) -> Iterator[tuple[int, AuditEntry | str]]:
        """(1-based line, entry) per line, or (line, why it is unreadable)."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for n, raw in enumerate(fh, 1):
                if not raw.endswith(b"\n"):
                    yield n, "the line is cut short (the file was truncated inside an entry)"
                    return
                try:
                    yield n, AuditEntry.model_validate_json(raw)
                except ValueError as exc:
                    yield n, f"not a valid entry: {str(exc).splitlines()[0]}"
                    return

    def _read_head(self) -> dict[str, Any] | None:
        try:
            text = self.head_path.read_text()
        except FileNotFoundError:
            return None
        try:
            return json.loads(text) if text.strip() else None
        except ValueError:
            return {"seq": "unreadable", "hash": ""}


def _digest(fields: Mapping[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _line(entry: AuditEntry) -> bytes:
    # ASCII escapes: a right-to-left mark or control character in a search cannot disguise the
    # line when an admin reads the file in a terminal.
    return (json.dumps(entry.model_dump(mode="json"), ensure_ascii=True) + "\n").encode()


def _last_entry(fh: IO[bytes]) -> AuditEntry | None:
    """The file's last complete entry, read backwards from the end (the log may be large).

    Raises:
        AuditError: the last line is not an entry: appending after it would hide the damage.
    """
    end = fh.seek(0, os.SEEK_END)
    if end == 0:
        return None
    block, data = 4096, b""
    while True:
        start = max(end - len(data) - block, 0)
        fh.seek(start)
        data = fh.read(end - start)
        body = data[:-1] if data.endswith(b"\n") else data
        cut = body.rfind(b"\n")
        if cut >= 0 or start == 0:
            break
    if not data.endswith(b"\n"):
        raise AuditError("the audit log's last line is cut short; run `lineage audit verify`")
    try:
        return AuditEntry.model_validate_json(body[cut + 1 :])
    except ValueError as exc:
        raise AuditError("the audit log's last line is not an entry; run `lineage audit verify`") from exc


def _concerns(entry: AuditEntry, person_id: str) -> bool:
    return (
        entry.target == person_id
        or person_id in entry.shown
        or any(v == person_id or (isinstance(v, list) and person_id in v) for v in entry.parameters.values())
    )


def _write_csv(fh: IO[str], rows: list[AuditEntry]) -> int:
    writer = csv.writer(fh)
    writer.writerow(CSV_COLUMNS)
    for e in rows:
        d = e.model_dump(mode="json")
        d["parameters"] = json.dumps(d["parameters"], ensure_ascii=False, sort_keys=True)
        d["shown"] = json.dumps(d["shown"])
        writer.writerow([_cell(d[c]) for c in CSV_COLUMNS])
    return len(rows)


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is read as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


__all__ = ["AuditEntry", "AuditError", "AuditLog", "VerifyResult", "audit_path"]

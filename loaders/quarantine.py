"""Quarantine files: one CSV per load batch, one line per failing field, beside the ledger.

Per-batch files are rewritten whole, so re-running a killed load never duplicates lines.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from graph.model import QuarantineEntry, stable_id
from graph.store import Row
from loaders.records import Quarantined

COLUMNS = ["file", "row", "record_id", "field", "value", "rule", "batch_id"]


def write_quarantine(directory: Path, batch_id: str, rows: list[Quarantined]) -> Path | None:
    """Write (or remove) the batch's quarantine CSV; returns its path when there is one."""
    path = directory / f"{batch_id}.csv"
    if not rows:
        path.unlink(missing_ok=True)
        return None
    directory.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for q in rows:
            for p in q.problems:
                w.writerow([q.file, q.row_number, q.record_id, p.field, p.value, p.rule, q.batch_id])
    return path


def summarise(rows: list[Quarantined], top: int = 5) -> list[tuple[str, int]]:
    """The most frequent (field: rule) reasons, for the load summary."""
    counts = Counter(f"{p.field}: {p.rule.split(':')[0]}" for q in rows for p in q.problems)
    return counts.most_common(top)


def quarantine_entries(rows: list[Quarantined]) -> list[Row]:
    """The quarantine as graph node rows, one per failing field, so the explorer can list them.

    Few rows, so each is validated as a `QuarantineEntry` before it becomes a row."""
    return [
        QuarantineEntry(
            entry_id="q" + stable_id(q.batch_id, str(q.row_number), p.field),
            batch_id=q.batch_id,
            system=q.system,
            file=q.file,
            row_number=q.row_number,
            field=p.field,
            value=p.value or None,
            rule=p.rule.split(":")[0],
            reason=f"{p.field}: {p.rule}",
            raw=q.raw,
        ).model_dump()
        for q in rows
        for p in q.problems
    ]

"""The loader contract: a file in, canonical records and quarantined rows out.

A loader subclass names its source, reads its file into `RawRow`s (refusing a bad file with a
`LoaderError`), and turns one row into one `CanonicalRecord`. This base class adds what every
loader shares: provenance, row hashes, and turning any row problem — including a pydantic
`ValidationError`, field by field — into a `Quarantined` entry so one bad row never stops a file.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import ValidationError

from loaders.normalise import clean
from loaders.records import CanonicalRecord, Problem, Provenance, Quarantined
from loaders.tabular import RawRow

T = TypeVar("T")


class RowRejected(Exception):
    """A row's problems; caught by `Loader.load` and quarantined, never seen by callers."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.rule}" for p in problems))
        self.problems = problems


class Cells:
    """Reads one row's cells, collecting every problem instead of stopping at the first.

    Example:
        cells = Cells(raw.cells)
        start = cells.get("BOOK_IN", parse_datetime, required=True)
        cells.done()  # raises RowRejected listing every failing column
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.problems: list[Problem] = []

    def text(self, column: str, required: bool = False) -> str | None:
        value = clean(self.data.get(column))
        if value is None and required:
            self.fail(column, self.data.get(column), "required value missing")
        return value

    def get(self, column: str, parse: Callable[[Any], T], required: bool = False) -> T | None:
        raw = self.data.get(column)
        if clean(raw) is None:
            if required:
                self.fail(column, raw, "required value missing")
            return None
        try:
            return parse(raw)
        except (ValueError, TypeError, OverflowError) as exc:
            self.fail(column, raw, str(exc) or type(exc).__name__)
            return None

    def fail(self, column: str, value: Any, rule: str) -> None:
        self.problems.append(Problem(field=column, value=_short(value), rule=rule))

    def done(self) -> None:
        if self.problems:
            raise RowRejected(self.problems)


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 200 else text[:197] + "..."


def problems_from(exc: ValidationError) -> list[Problem]:
    """Every failing field of a pydantic error, with its value and message."""
    return [
        Problem(
            field=".".join(str(p) for p in err["loc"]) or "<record>",
            value=_short(err.get("input")),
            rule=err["msg"],
        )
        for err in exc.errors()
    ]


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


#: One encoder for every row: `json.dumps` with options builds a new encoder per call.
_RAW_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=_json_default)


def raw_json(cells: Mapping[str, Any]) -> str:
    """The raw row as compact, key-sorted JSON: what the source record stores and hashes."""
    return _RAW_ENCODER.encode(cells)


class Loader(ABC):
    """One source format. Subclasses set `name`/`system` and implement `rows` and `parse`."""

    name: ClassVar[str]
    system: ClassVar[str]
    description: ClassVar[str] = ""

    @abstractmethod
    def rows(self, path: Path) -> Iterator[RawRow]:
        """The file's data rows; raise a `LoaderError` (before yielding) for a bad file."""

    @abstractmethod
    def parse(self, row: RawRow, provenance: Provenance) -> CanonicalRecord:
        """One row as facts; raise `RowRejected` or `ValidationError` for a bad row."""

    def prepare(self, rows: list[RawRow]) -> None:
        """Per-file state that `parse` needs from all of a file's rows (none by default).

        A loader that has such state sets it here, from its `rows`, so that person resolution,
        which re-reads the rows stored in the graph instead of the file, parses them alike.
        """
        return None

    def sniff(self, path: Path) -> bool:
        """Whether this loader recognises the file (for loads without --source)."""
        return False

    def record_id(self, row: RawRow) -> str:
        """The row's own id in its source; the row number unless the source has ids."""
        return str(row.number)

    def load(self, path: Path, batch_id: str, loaded_at: datetime) -> Iterator[CanonicalRecord | Quarantined]:
        """Every row of the file, read or quarantined; `rows` raises first for a bad file."""
        rows = self.rows(path)
        for row in rows:
            raw = raw_json(row.cells)
            try:
                record_id = clean(self.record_id(row)) or str(row.number)
            except (ValueError, TypeError):
                record_id = str(row.number)
            provenance = Provenance(
                system=self.system,
                file=path.name,
                record_id=record_id,
                row_number=row.number,
                batch_id=batch_id,
                loaded_at=loaded_at,
                row_hash=hashlib.sha1(raw.encode()).hexdigest(),
                raw=raw,
            )
            try:
                if row.extra:
                    raise RowRejected(
                        [
                            Problem(
                                field="<row>",
                                value=_short(row.extra),
                                rule=f"{len(row.extra)} cell(s) beyond the header",
                            )
                        ]
                    )
                yield self.parse(row, provenance)
            except RowRejected as exc:
                yield _quarantined(provenance, exc.problems)
            except ValidationError as exc:
                yield _quarantined(provenance, problems_from(exc))


def _quarantined(p: Provenance, problems: list[Problem]) -> Quarantined:
    return Quarantined(
        system=p.system,
        file=p.file,
        row_number=p.row_number,
        record_id=p.record_id,
        batch_id=p.batch_id,
        problems=problems,
        raw=p.raw,
    )

"""An ICE officer's own Excel tracker: every sheet kept its own way, free text everywhere.

Columns are found by alias (each officer named them differently) on whichever of the first ten
rows looks like a header. A row states a parent and a child (names, A-numbers as typed) and so
gives a `claimed` PARENT_OF link; locations and notes stay in the raw row, since a tracker's
locations drift from the systems and are not custody records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph.model import Evidence, FamilyKind
from loaders.base import Cells, Loader
from loaders.errors import FileFormatError, MissingColumnError
from loaders.normalise import clean, parse_a_number, parse_date, split_full_name
from loaders.records import CanonicalRecord, ClaimFact, Mention, Provenance
from loaders.tabular import RawRow, read_xlsx_sheet, sheet_names

ALIASES: dict[str, set[str]] = {
    "parent_name": {"parent name", "parent", "parents name", "adult", "adult name", "mom dad"},
    "parent_a": {"parent a", "parent a number", "a number", "a", "parent anumber", "adult a"},
    "child_name": {"child name", "child", "kid", "minor", "minor name", "kid name"},
    "child_a": {"child a", "kid a number", "child a number", "minor a", "kid a"},
    "child_dob": {"child dob", "dob", "kid dob", "minor dob"},
    "child_age": {"age", "kid age", "child age"},
    "notes": {"notes", "comments", "comment", "remarks"},
}
REQUIRED = ("parent_name", "child_name")


def _norm(header: Any) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(header or "").casefold().replace("#", " number")).split())


def _field(header: Any) -> str | None:
    text = _norm(header)
    for field, names in ALIASES.items():
        if text in names or text.replace(" number", "") in names:
            return field
    return None


class IceTrackerLoader(Loader):
    name = "ice_tracker"
    system = "ice_tracker"
    description = "ICE officer's Excel tracker: parent/child names and A-numbers, free text"

    def sniff(self, path: Path) -> bool:
        if path.suffix.lower() != ".xlsx":
            return False
        rows = read_xlsx_sheet(path, sheet_names(path)[0], max_rows=10)
        return any(len({_field(h) for h in r} - {None}) >= 3 for r in rows)

    def rows(self, path: Path) -> Iterator[RawRow]:
        out: list[RawRow] = []
        found = False
        for sheet in sheet_names(path):
            rows = read_xlsx_sheet(path, sheet)
            header_at = next(
                (i for i, r in enumerate(rows[:10]) if len({_field(h) for h in r} - {None}) >= 3), None
            )
            if header_at is None:
                continue
            fields = [_field(h) for h in rows[header_at]]
            missing = [f for f in REQUIRED if f not in fields]
            if missing:
                raise MissingColumnError(f"{path.name} sheet {sheet!r}", missing)
            found = True
            for excel_row, values in enumerate(rows[header_at + 1 :], header_at + 2):
                if all(clean(v) is None for v in values):
                    continue
                cells = {"_sheet": sheet, "_row": excel_row}
                cells.update({f: v for f, v in zip(fields, values, strict=False) if f})
                out.append(RawRow(len(out) + 1, cells))
        if not found:
            raise FileFormatError(
                f"{path.name}: no sheet has a tracker header (parent, child, A-number columns)"
            )
        return iter(out)

    def record_id(self, row: RawRow) -> str:
        return f"{row.cells['_sheet']}!R{row.cells['_row']}"

    def parse(self, row: RawRow, provenance: Provenance) -> CanonicalRecord:
        c = Cells(row.cells)
        parent_name = c.text("parent_name")
        child_name = c.text("child_name")
        parent_a, child_a = c.get("parent_a", parse_a_number), c.get("child_a", parse_a_number)
        if not (parent_name or parent_a):
            c.fail("parent_name", "", "neither a parent name nor an A-number")
        if not (child_name or child_a):
            c.fail("child_name", "", "neither a child name nor an A-number")
        dob = c.get("child_dob", parse_date)
        c.done()
        pg, ps = split_full_name(parent_name or "")
        cg, cs = split_full_name(child_name or "")
        return CanonicalRecord(
            provenance=provenance,
            mentions=[
                Mention(ref="parent", given_names=pg, surnames=ps, a_number=parent_a, is_child=False),
                Mention(
                    ref="child",
                    given_names=cg,
                    surnames=cs,
                    a_number=child_a,
                    is_child=True,
                    dob=dob[0] if dob else None,
                    dob_precision=dob[1] if dob else None,
                ),
            ],
            claims=[
                ClaimFact(
                    kind=FamilyKind.PARENT_OF, from_ref="parent", to_ref="child", evidence=Evidence.CLAIMED
                )
            ],
        )

"""ICE detention records in the Deportation Data Project's shape (one row per placement).

Reads both the plain detention file and UWCHR's joined file, whose detention columns carry a
`.detention` suffix and whose rows repeat a placement once per joined detainer/arrest/encounter
row. Repeated placements converge on one stay (the stay key is person + book-in + facility), and
a placement whose book-in has no time starts when the previous one ended in "Transferred" on the
same day, so a transfer chain sorts in the order it happened.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from graph.model import Agency, FacilityType
from loaders.base import Cells, Loader
from loaders.normalise import clean, normalise_sex, parse_a_number, parse_date, parse_datetime, release_reason
from loaders.records import CanonicalRecord, FacilityFact, Mention, Provenance, StayFact
from loaders.tabular import RawRow, csv_header, read_csv

PERSON_KEY = "unique_identifier"
DETENTION = ("book_in_date_time", "detention_facility_code")
_SUFFIX = ".detention"


def _has_time(text: str) -> bool:
    return ":" in text


class IceDdpLoader(Loader):
    name = "ice_ddp"
    system = "ice_ddp"
    description = "ICE detention placements, Deportation Data Project shape (plain or UWCHR-joined)"

    def __init__(self) -> None:
        self.suffix = ""
        self.starts: dict[tuple[str, str, str], datetime] = {}

    def col(self, name: str) -> str:
        return name + self.suffix

    def sniff(self, path: Path) -> bool:
        header = set(csv_header(path))
        return PERSON_KEY in header and bool({"book_in_date_time", "book_in_date_time.detention"} & header)

    def rows(self, path: Path) -> Iterator[RawRow]:
        header = set(csv_header(path))
        self.suffix = _SUFFIX if "book_in_date_time.detention" in header else ""
        rows = list(read_csv(path, [PERSON_KEY, *(self.col(c) for c in DETENTION)]))
        self.prepare(rows)
        return iter(rows)

    def prepare(self, rows: list[RawRow]) -> None:
        if rows:
            self.suffix = _SUFFIX if "book_in_date_time.detention" in rows[0].cells else ""
        self.starts = self._chained_starts(rows)

    def _key(self, cells: dict[str, object]) -> tuple[str, str, str]:
        return (
            clean(cells.get(PERSON_KEY)) or "",
            clean(cells.get(self.col("book_in_date_time"))) or "",
            (clean(cells.get(self.col("detention_facility_code"))) or "").upper(),
        )

    def _chained_starts(self, rows: list[RawRow]) -> dict[tuple[str, str, str], datetime]:
        """Start times for date-only book-ins that follow a same-day transfer out."""
        placements: dict[str, dict[tuple[str, str, str], tuple[datetime, datetime | None, str]]] = (
            defaultdict(dict)
        )
        for row in rows:
            key = self._key(row.cells)
            try:
                start = parse_datetime(key[1])
                out = clean(row.cells.get(self.col("detention_book_out_date_time")))
                end = parse_datetime(out) if out else None
            except ValueError:
                continue
            reason = clean(row.cells.get(self.col("detention_release_reason"))) or ""
            placements[key[0]][key] = (start, end, reason)
        starts: dict[tuple[str, str, str], datetime] = {}
        for person in placements.values():
            ordered = sorted(person.items(), key=lambda kv: (kv[1][0], kv[1][1] or datetime.max))
            for (_, (_, prev_end, prev_reason)), (key, (start, _, _)) in zip(
                ordered, ordered[1:], strict=False
            ):
                if (
                    not _has_time(key[1])
                    and prev_end is not None
                    and prev_end.date() == start.date()
                    and release_reason(prev_reason) is not None
                    and "transfer" in prev_reason.lower()
                ):
                    starts[key] = prev_end
        return starts

    def parse(self, row: RawRow, provenance: Provenance) -> CanonicalRecord:
        c = Cells(row.cells)
        person = c.text(PERSON_KEY, required=True)
        start = c.get(self.col("book_in_date_time"), parse_datetime, required=True)
        code = c.text(self.col("detention_facility_code"), required=True)
        end = c.get(self.col("detention_book_out_date_time"), parse_datetime)
        dob = c.get(self.col("birth_date"), parse_date) or c.get(self.col("birth_year"), parse_date)
        a_number = c.get(self.col("alien_file_number"), parse_a_number)
        c.done()
        assert start is not None and code is not None
        key = self._key(row.cells)
        ids = [f"ice_ddp:{person}"]
        if eid := c.text(self.col("eid_subject_id")):
            ids.append(f"ice_eid:{eid}")
        mention = Mention(
            dob=dob[0] if dob else None,
            dob_precision=dob[1] if dob else None,
            sex=normalise_sex(c.text(self.col("gender"))),
            country=(c.text(self.col("citizenship_country")) or "").title() or None,
            a_number=a_number,
            identifiers=ids,
        )
        name = c.text(self.col("detention_facility")) or code
        return CanonicalRecord(
            provenance=provenance,
            mentions=[mention],
            facilities=[
                FacilityFact(
                    facility_id=code.upper(), name=name, type=FacilityType.ICE_DETENTION, agency=Agency.ICE
                )
            ],
            stays=[
                StayFact(
                    facility_id=code.upper(),
                    agency=Agency.ICE,
                    start=self.starts.get(key, start),
                    end=end,
                    release_reason=release_reason(c.text(self.col("detention_release_reason")))
                    if end
                    else None,
                    stay_key="|".join(key),
                )
            ],
        )

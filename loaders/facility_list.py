"""ICE's facility list (xlsx, sheet "Facility List - Main", header on row 9): DETLOC codes → names.

This is the reference that turns a bare facility code in a detention record into a named, typed
place; its facts carry `authority=1` so they outrank names spelt differently in agency records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from graph.model import Agency, FacilityType
from loaders.base import Cells, Loader
from loaders.records import CanonicalRecord, FacilityFact, Provenance
from loaders.tabular import RawRow, read_xlsx_sheet, sheet_names, table_rows

SHEET = "Facility List - Main"
HEADER_ROW = 9
REQUIRED = ("DETLOC", "Name", "City", "State", "Type Detailed")

_TYPES: dict[str, tuple[FacilityType, Agency]] = {
    "ORR": (FacilityType.ORR_SHELTER, Agency.ORR),
    "USMS IGA": (FacilityType.USMS_JAIL, Agency.USMS),
    "USMS CDF": (FacilityType.USMS_JAIL, Agency.USMS),
    "BOP": (FacilityType.USMS_JAIL, Agency.USMS),
    "HOSPITAL": (FacilityType.OTHER, Agency.ICE),
}


def facility_kind(type_detailed: str | None) -> tuple[FacilityType, Agency]:
    """ICE's 'Type Detailed' as our facility type and holding agency (ICE detention otherwise)."""
    return _TYPES.get((type_detailed or "").strip().upper(), (FacilityType.ICE_DETENTION, Agency.ICE))


class FacilityListLoader(Loader):
    name = "ice_facility_list"
    system = "ice_facility_list"
    description = "ICE facility list xlsx (Nov 2017 shape): DETLOC, name, city, state, type"

    def sniff(self, path: Path) -> bool:
        return path.suffix.lower() == ".xlsx" and SHEET in sheet_names(path)

    def rows(self, path: Path) -> Iterator[RawRow]:
        return table_rows(path, read_xlsx_sheet(path, SHEET), HEADER_ROW, REQUIRED)

    def record_id(self, row: RawRow) -> str:
        return str(row.cells.get("DETLOC") or row.number)

    def parse(self, row: RawRow, provenance: Provenance) -> CanonicalRecord:
        cells = Cells(row.cells)
        code = cells.text("DETLOC", required=True)
        name = cells.text("Name", required=True)
        cells.done()
        kind, agency = facility_kind(cells.text("Type Detailed"))
        fact = FacilityFact(
            facility_id=str(code).upper(),
            name=str(name),
            type=kind,
            agency=agency,
            city=cells.text("City"),
            state=cells.text("State"),
            authority=1,
        )
        return CanonicalRecord(provenance=provenance, facilities=[fact])


def read_facilities(path: Path) -> list[FacilityFact]:
    """The list's facilities (rows that fail are skipped): the synthetic scenario's real places."""
    from datetime import datetime

    records = FacilityListLoader().load(path, "reference", datetime(2000, 1, 1))
    return [f for r in records if isinstance(r, CanonicalRecord) for f in r.facilities]

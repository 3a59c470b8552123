"""CBP e3 apprehension export (CSV): one row per person per apprehension event.

The row states a family unit (membership → `recorded` links), the station stay, and a
"separated" flag whose reason code is often missing — a missing code stays None, as a finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from graph.model import Agency, FacilityType
from loaders.base import Cells, Loader
from loaders.normalise import (
    dob_from_age,
    is_minor,
    normalise_sex,
    parse_a_number,
    parse_date,
    parse_datetime,
    release_reason,
)
from loaders.records import (
    CanonicalRecord,
    FacilityFact,
    MembershipFact,
    Mention,
    Provenance,
    SeparationFact,
    StayFact,
)
from loaders.tabular import RawRow, csv_header, read_csv

REQUIRED = ("EVENT_NO", "SUBJECT_ID", "FIRST_NAME", "LAST_NAME", "APPREHENSION_DATE", "STATION_CODE")
_ROLES = {"HEAD": "parent", "ADULT": "parent", "PARENT": "parent", "SPOUSE": "adult", "CHILD": "child"}


class CbpE3Loader(Loader):
    name = "cbp_e3"
    system = "cbp_e3"
    description = "CBP e3 apprehensions CSV: subject, family unit, station, separated flag"

    def sniff(self, path: Path) -> bool:
        return {"EVENT_NO", "SUBJECT_ID", "FAMILY_UNIT_NO"} <= set(csv_header(path))

    def rows(self, path: Path) -> Iterator[RawRow]:
        return read_csv(path, REQUIRED)

    def record_id(self, row: RawRow) -> str:
        return str(row.cells.get("EVENT_NO") or row.number)

    def parse(self, row: RawRow, provenance: Provenance) -> CanonicalRecord:
        c = Cells(row.cells)
        subject = c.text("SUBJECT_ID", required=True)
        start = c.get("APPREHENSION_DATE", parse_datetime, required=True)
        station = c.text("STATION_CODE", required=True)
        end = c.get("BOOK_OUT_DATE", parse_datetime)
        dob = c.get("DOB", parse_date)
        sep_day = c.get("SEPARATION_DATE", parse_date)
        given, surnames = c.text("FIRST_NAME"), c.text("LAST_NAME")
        if not (given or surnames):
            c.fail("LAST_NAME", "", "a person needs a name")
        if dob is None and start is not None:
            dob = c.get("AGE", lambda v: dob_from_age(v, start.date()))
        a_number = c.get("A_NUMBER", parse_a_number)
        c.done()
        assert start is not None and station is not None
        role = _ROLES.get((c.text("FAMILY_ROLE") or "").upper())
        child = is_minor(dob[0] if dob else None, start.date())
        if child is None:
            child = role == "child" or (c.text("UAC_FLAG") or "").upper() == "Y"
        mention = Mention(
            given_names=given or "",
            surnames=surnames or "",
            dob=dob[0] if dob else None,
            dob_precision=dob[1] if dob else None,
            sex=normalise_sex(c.text("GENDER")),
            country=(c.text("CITIZENSHIP") or "").title() or None,
            a_number=a_number,
            identifiers=[f"cbp_e3:{subject}"],
            is_child=child,
        )
        name = c.text("STATION_NAME") or station
        kind = FacilityType.PROCESSING_CENTER if "PROCESSING" in name.upper() else FacilityType.BP_STATION
        record = CanonicalRecord(
            provenance=provenance,
            mentions=[mention],
            facilities=[FacilityFact(facility_id=station.upper(), name=name, type=kind, agency=Agency.CBP)],
            stays=[
                StayFact(
                    facility_id=station.upper(),
                    agency=Agency.CBP,
                    start=start,
                    end=end,
                    release_reason=release_reason(c.text("DISPOSITION")) if end else None,
                    stay_key=provenance.record_id,
                )
            ],
        )
        unit = c.text("FAMILY_UNIT_NO")
        if unit:
            record.memberships.append(
                MembershipFact(
                    family_unit_id=f"cbp_e3:{unit}",
                    system=self.system,
                    role=role or ("child" if child else "adult"),
                    recorded_at=start,
                )
            )
        if (c.text("SEPARATED_FLAG") or "").upper() in {"Y", "YES", "1", "TRUE"}:
            day = sep_day[0] if sep_day else start.date()
            record.separations.append(
                SeparationFact(
                    event_key=f"cbp_e3:{unit or 'event-' + provenance.record_id}:{day.isoformat()}",
                    date=day,
                    side="child" if child else "adult",
                    reason_code=c.text("SEPARATION_REASON"),
                    agency=Agency.CBP,
                    recorded_at=end or datetime.combine(day, datetime.min.time()),
                )
            )
        return record

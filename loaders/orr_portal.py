"""ORR UC Portal export (JSON): one record per child, with shelter placements and the parents
the child named.

Parents a child named become their own mentions (joined to a person only by an A-number, when
the child's file has one) with `claimed` PARENT_OF links; a discharge "Reunified" closes the
child's separations on that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from graph.model import Agency, Evidence, FacilityType, FamilyKind, ReleaseReason
from loaders.base import Cells, Loader
from loaders.normalise import (
    dob_from_age,
    normalise_sex,
    parse_a_number,
    parse_date,
    parse_datetime,
    release_reason,
    split_full_name,
)
from loaders.records import (
    CanonicalRecord,
    ClaimFact,
    FacilityFact,
    Mention,
    Provenance,
    ReunificationFact,
    StayFact,
)
from loaders.tabular import RawRow, read_json_records

RECORDS_KEY = "children"
_FEMALE = {"mother", "madre", "mom", "mama", "mamá"}
_MALE = {"father", "padre", "dad", "papa", "papá"}


class OrrPortalLoader(Loader):
    name = "orr_portal"
    system = "orr_portal"
    description = "ORR UC Portal JSON: children, shelter placements, reported parents, discharge"

    def sniff(self, path: Path) -> bool:
        if path.suffix.lower() != ".json":
            return False
        with path.open("rb") as fh:
            head = fh.read(4096)
        return b"uc_case_id" in head

    def rows(self, path: Path) -> Iterator[RawRow]:
        records = read_json_records(path, RECORDS_KEY)
        return (RawRow(i, r if isinstance(r, dict) else {"<record>": r}) for i, r in enumerate(records, 1))

    def record_id(self, row: RawRow) -> str:
        return str(row.cells.get("uc_case_id") or row.number)

    def parse(self, row: RawRow, provenance: Provenance) -> CanonicalRecord:
        c = Cells(row.cells)
        case = c.text("uc_case_id", required=True)
        referral = row.cells.get("referral") if isinstance(row.cells.get("referral"), dict) else {}
        referred = Cells(referral).get("date", parse_datetime)
        dob = c.get("dob", parse_date)
        if dob is None and referred is not None:
            dob = c.get("age_at_referral", lambda v: dob_from_age(v, referred.date()))
        given, surnames = c.text("first_name"), c.text("last_name")
        if not (given or surnames):
            c.fail("last_name", "", "a child needs a name")
        stays, facilities = self._placements(c, row.cells.get("placements"), provenance.record_id)
        a_number = c.get("a_number", parse_a_number)
        parents = self._parents(c, row.cells.get("parents_reported"), referred)
        c.done()
        child = Mention(
            ref="child",
            given_names=given or "",
            surnames=surnames or "",
            dob=dob[0] if dob else None,
            dob_precision=dob[1] if dob else None,
            sex=normalise_sex(c.text("gender")),
            country=c.text("country_of_birth"),
            a_number=a_number,
            identifiers=[f"orr:{case}"],
            is_child=True,
        )
        record = CanonicalRecord(
            provenance=provenance,
            mentions=[child, *parents[0]],
            claims=parents[1],
            stays=stays,
            facilities=facilities,
        )
        self._discharge(record, row.cells.get("discharge"))
        return record

    def _placements(self, c: Cells, placements: Any, case: str) -> tuple[list[StayFact], list[FacilityFact]]:
        if placements is None:
            return [], []
        if not isinstance(placements, list):
            c.fail("placements", placements, "not a list")
            return [], []
        stays, facilities = [], []
        for i, item in enumerate(placements):
            p = Cells(item if isinstance(item, dict) else {})
            code = p.text("facility_code", required=True)
            start = p.get("admitted", parse_datetime, required=True)
            end = p.get("discharged", parse_datetime)
            for problem in p.problems:
                c.fail(f"placements[{i}].{problem.field}", problem.value, problem.rule)
            if code is None or start is None:
                continue
            facilities.append(
                FacilityFact(
                    facility_id=code.upper(),
                    name=p.text("facility_name") or code,
                    type=FacilityType.ORR_SHELTER,
                    state=p.text("state"),
                    agency=Agency.ORR,
                )
            )
            stays.append(
                StayFact(
                    ref="child",
                    facility_id=code.upper(),
                    agency=Agency.ORR,
                    start=start,
                    end=end,
                    release_reason=release_reason(p.text("reason")) if end else None,
                    stay_key=f"{case}#{i}",
                )
            )
        return stays, facilities

    def _parents(
        self, c: Cells, parents: Any, referred: datetime | None
    ) -> tuple[list[Mention], list[ClaimFact]]:
        """Each parent the child named: a mention of its own, and a claimed PARENT_OF link."""
        if parents is None:
            return [], []
        if not isinstance(parents, list):
            c.fail("parents_reported", parents, "not a list")
            return [], []
        mentions, claims = [], []
        for i, item in enumerate(parents, 1):
            p = Cells(item if isinstance(item, dict) else {})
            name, a_number = p.text("name"), p.get("a_number", parse_a_number)
            for problem in p.problems:
                c.fail(f"parents_reported[{i - 1}].{problem.field}", problem.value, problem.rule)
            if not (name or a_number):
                continue
            given, surnames = split_full_name(name or "")
            relation = (p.text("relationship") or "").casefold()
            sex = "F" if relation in _FEMALE else ("M" if relation in _MALE else None)
            mentions.append(
                Mention(
                    ref=f"parent{i}",
                    given_names=given,
                    surnames=surnames,
                    sex=sex,
                    a_number=a_number,
                    is_child=False,
                )
            )
            claims.append(
                ClaimFact(
                    kind=FamilyKind.PARENT_OF,
                    from_ref=f"parent{i}",
                    to_ref="child",
                    evidence=Evidence.CLAIMED,
                    recorded_at=referred,
                )
            )
        return mentions, claims

    def _discharge(self, record: CanonicalRecord, discharge: Any) -> None:
        if not isinstance(discharge, dict):
            return
        d = Cells(discharge)
        day = d.get("date", parse_date)
        reason = release_reason(d.text("type"))
        if day is None or reason is None:
            return
        if record.stays:  # the last placement ends with the discharge, in ORR's words
            last = max(record.stays, key=lambda s: s.start)
            if last.end is not None:
                record.stays[record.stays.index(last)] = last.model_copy(update={"release_reason": reason})
        if reason == ReleaseReason.REUNIFIED:
            at = datetime.combine(day[0], datetime.min.time())
            record.reunifications.append(ReunificationFact(ref="child", on=day[0], recorded_at=at))

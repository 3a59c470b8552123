"""The generic mapping loader: a TOML file maps an export's columns to canonical fields.

An analyst onboards a new agency's CSV, XLSX or JSON export by writing a mapping (see
`docs/mapping.md`), not code. Built-in sources that need nothing more (US Marshals prisoners,
the station whiteboard) are mappings in `loaders/mappings/`, registered exactly like a user's.
Every key of the TOML is a field of the models below; an unknown key is refused by name.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graph.model import Agency, Evidence, FacilityType, FamilyKind, ReleaseReason
from loaders.base import Cells, Loader
from loaders.errors import MappingError
from loaders.normalise import (
    dob_from_age,
    is_minor,
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
    MembershipFact,
    Mention,
    Provenance,
    StayFact,
)
from loaders.tabular import RawRow, csv_header, read_csv, read_json_records, read_xlsx_sheet, table_rows


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(_Section):
    name: str = Field(description="registry name, used with `lineage load --source NAME`")
    system: str = Field(description="source system stored on every source record")
    format: Literal["csv", "xlsx", "json"] = Field(description="file format")
    description: str = Field(default="", description="one line shown in `lineage load --help`")
    record_id: str | None = Field(default=None, description="column holding the row's own id")
    required: list[str] = Field(default_factory=list, description="columns the file must have")
    match_columns: list[str] = Field(
        default_factory=list, description="columns that identify the file when no --source is given"
    )
    day_first: bool = Field(default=False, description="read 03/04/2018 as 3 April")
    encoding: str = Field(default="utf-8", description="CSV text encoding")
    delimiter: str = Field(default=",", description="CSV delimiter")
    sheet: str | None = Field(default=None, description="XLSX sheet (first sheet if absent)")
    header_row: int = Field(default=1, ge=1, description="XLSX 1-based header row")
    records_key: str | None = Field(default=None, description="JSON key of the record list")


class PersonSpec(_Section):
    given_names: str | None = Field(default=None, description="given-names column")
    surnames: list[str] = Field(default_factory=list, description="surname columns, joined by a space")
    full_name: str | None = Field(default=None, description="'SURNAMES, Given' or 'Given Surnames' column")
    dob: str | None = Field(default=None, description="date-of-birth column")
    age: str | None = Field(default=None, description="age column, used when dob is empty")
    age_on: str | None = Field(default=None, description="date column the age was stated on")
    sex: str | None = Field(default=None, description="sex column (M/F, Male/Female, Spanish)")
    country: str | None = Field(default=None, description="country column")
    a_number: str | None = Field(default=None, description="A-number column, any format")
    identifiers: dict[str, str] = Field(
        default_factory=dict, description="system → column of that system's own person id"
    )


class FacilitySpec(_Section):
    id: str = Field(description="facility code column")
    name: str | None = Field(default=None, description="facility name column (the code if absent)")
    type: FacilityType = Field(default=FacilityType.OTHER, description="facility type")
    agency: Agency = Field(default=Agency.OTHER, description="agency holding people there")
    state: str | None = Field(default=None, description="US state column")


class StaySpec(_Section):
    start: str = Field(description="custody start column")
    end: str | None = Field(default=None, description="custody end column")
    release_reason: str | None = Field(default=None, description="release reason column")
    release_values: dict[str, ReleaseReason] = Field(
        default_factory=dict, description="source wording → release reason, before the built-in rules"
    )
    agency: Agency = Field(default=Agency.OTHER, description="agency holding custody")


class GroupSpec(_Section):
    columns: list[str] = Field(description="rows with equal values here are one recorded group")
    role: str | None = Field(default=None, description="column naming each member's role")
    roles: dict[str, Literal["parent", "child", "adult", "member"]] = Field(
        default_factory=dict, description="source wording → role"
    )
    evidence: Evidence = Field(default=Evidence.CLAIMED, description="evidence of links between members")


class ClaimSpec(_Section):
    kind: FamilyKind = Field(description="relationship the row states")
    relative_is: Literal["from", "to"] = Field(
        default="from", description="'from': the named relative is the parent/guardian of the subject"
    )
    full_name: str | None = Field(default=None, description="the relative's name column")
    a_number: str | None = Field(default=None, description="the relative's A-number column")
    evidence: Evidence = Field(default=Evidence.CLAIMED, description="evidence of the link")


class Mapping(_Section):
    source: SourceSpec
    person: PersonSpec = Field(default_factory=PersonSpec)
    facility: FacilitySpec | None = None
    stay: StaySpec | None = None
    group: GroupSpec | None = None
    claims: list[ClaimSpec] = Field(default_factory=list)


def read_mapping(path: Path) -> Mapping:
    """Parse and check a mapping file.

    Raises:
        MappingError: not TOML, or a key/value the mapping models refuse (each one named).
    """
    try:
        return Mapping.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path.name}: not TOML: {exc}") from exc
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise MappingError(f"{path.name}: {where}") from exc


class MappingLoader(Loader):
    """A loader built from a `Mapping`; one instance per mapping file."""

    def __init__(self, mapping: Mapping) -> None:
        self.m = mapping
        self.name = mapping.source.name
        self.system = mapping.source.system
        self.description = mapping.source.description or f"mapping {mapping.source.name}"

    @classmethod
    def from_file(cls, path: Path) -> MappingLoader:
        return cls(read_mapping(path))

    def sniff(self, path: Path) -> bool:
        src = self.m.source
        if not src.match_columns or path.suffix.lower().lstrip(".") != src.format or src.format != "csv":
            return False
        return set(src.match_columns) <= set(csv_header(path, src.delimiter))

    def rows(self, path: Path) -> Iterator[RawRow]:
        src = self.m.source
        if src.format == "csv":
            return read_csv(path, src.required, src.encoding, src.delimiter)
        if src.format == "xlsx":
            return table_rows(path, read_xlsx_sheet(path, src.sheet), src.header_row, src.required)
        records = read_json_records(path, src.records_key)
        return (RawRow(i, r if isinstance(r, dict) else {"<record>": r}) for i, r in enumerate(records, 1))

    def record_id(self, row: RawRow) -> str:
        column = self.m.source.record_id
        return str(row.cells.get(column) or row.number) if column else str(row.number)

    def _datetime(self, value: object) -> datetime:
        return parse_datetime(value, day_first=self.m.source.day_first)

    def parse(self, row: RawRow, provenance: Provenance) -> CanonicalRecord:
        m, c = self.m, Cells(row.cells)
        subject = self._mention(c, "subject")
        start = c.get(m.stay.start, self._datetime, required=True) if m.stay else None
        end = c.get(m.stay.end, self._datetime) if m.stay and m.stay.end else None
        code = c.text(m.facility.id, required=bool(m.stay)) if m.facility else None
        relatives = [self._relative(c, spec, i) for i, spec in enumerate(m.claims)]
        group_key = [c.text(col, required=True) for col in m.group.columns] if m.group else []
        c.done()
        record = CanonicalRecord(provenance=provenance, mentions=[subject])
        if m.facility and code:
            record.facilities.append(
                FacilityFact(
                    facility_id=code.upper(),
                    name=c.text(m.facility.name or "") or code,
                    type=m.facility.type,
                    agency=m.facility.agency,
                    state=c.text(m.facility.state or ""),
                )
            )
            if m.stay and start:
                record.stays.append(
                    StayFact(
                        facility_id=code.upper(),
                        agency=m.stay.agency,
                        start=start,
                        end=end,
                        release_reason=self._reason(c) if end else None,
                        stay_key=provenance.record_id,
                    )
                )
        if m.group:
            self._membership(record, c, group_key, subject)
        for spec, relative in zip(m.claims, relatives, strict=True):
            if relative is None:
                continue
            record.mentions.append(relative)
            ends = (relative.ref, "subject") if spec.relative_is == "from" else ("subject", relative.ref)
            record.claims.append(
                ClaimFact(
                    kind=spec.kind,
                    from_ref=ends[0],
                    to_ref=ends[1],
                    evidence=spec.evidence,
                    recorded_at=start,
                )
            )
        return record

    def _mention(self, c: Cells, ref: str) -> Mention:
        p = self.m.person
        given = c.text(p.given_names) if p.given_names else None
        surnames = " ".join(s for s in (c.text(col) for col in p.surnames) if s)
        if p.full_name and (full := c.text(p.full_name)):
            given, surnames = split_full_name(full)
        on = c.get(p.age_on, lambda v: self._datetime(v).date()) if p.age_on else None
        dob = c.get(p.dob, lambda v: parse_date(v, day_first=self.m.source.day_first)) if p.dob else None
        if dob is None and p.age and on is not None:
            dob = c.get(p.age, lambda v: dob_from_age(v, on))
        ids = [f"{system}:{value}" for system, col in sorted(p.identifiers.items()) if (value := c.text(col))]
        return Mention(
            ref=ref,
            given_names=given or "",
            surnames=surnames,
            dob=dob[0] if dob else None,
            dob_precision=dob[1] if dob else None,
            sex=normalise_sex(c.text(p.sex)) if p.sex else None,
            country=c.text(p.country) if p.country else None,
            a_number=c.get(p.a_number, parse_a_number) if p.a_number else None,
            identifiers=ids,
            is_child=is_minor(dob[0] if dob else None, on),
        )

    def _relative(self, c: Cells, spec: ClaimSpec, i: int) -> Mention | None:
        name = c.text(spec.full_name) if spec.full_name else None
        a_number = c.get(spec.a_number, parse_a_number) if spec.a_number else None
        if not (name or a_number):
            return None
        given, surnames = split_full_name(name or "")
        return Mention(ref=f"relative{i}", given_names=given, surnames=surnames, a_number=a_number)

    def _reason(self, c: Cells) -> ReleaseReason | None:
        spec = self.m.stay
        if spec is None or spec.release_reason is None:
            return None
        text = c.text(spec.release_reason)
        return spec.release_values.get(text or "") or release_reason(text)

    def _membership(self, record: CanonicalRecord, c: Cells, key: list[str | None], subject: Mention) -> None:
        spec = self.m.group
        assert spec is not None
        role = spec.roles.get((c.text(spec.role) or "").casefold()) if spec.role else None
        role = role or ("child" if subject.is_child else "adult" if subject.is_child is False else "member")
        record.memberships.append(
            MembershipFact(
                family_unit_id=":".join([self.system, *(k or "" for k in key)]),
                system=self.system,
                role=role,
                evidence=spec.evidence,
            )
        )

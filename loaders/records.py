"""Canonical records: what every loader yields, whatever the agency's shape.

A `CanonicalRecord` is one source row read into typed facts, with the row's provenance. Facts name
the people they concern by a *local* reference (`ref`, e.g. "subject", "parent"); which person a
reference is turns out later, in `loaders.identity`, so a loader never decides identity.
A row that cannot be read becomes `Quarantined` instead, naming every failing field.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from graph.keys import normalise_a_number
from graph.model import (
    Agency,
    DobPrecision,
    Evidence,
    FacilityType,
    FamilyKind,
    ReleaseReason,
)


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Provenance(_Fact):
    """Where a row came from; becomes the `SourceRecord` node every fact points back to."""

    system: str
    file: str
    record_id: str
    row_number: int
    batch_id: str
    loaded_at: datetime
    row_hash: str
    raw: str

    @property
    def record_key(self) -> str:
        return f"{self.system}:{self.file}:{self.record_id}"


class Mention(_Fact):
    """One person as a row describes them; identifiers decide later which person it is."""

    ref: str = "subject"
    given_names: str = ""
    surnames: str = ""
    dob: date | None = None
    dob_precision: DobPrecision | None = None
    sex: str | None = None
    country: str | None = None
    a_number: str | None = None
    identifiers: list[str] = Field(default_factory=list, description="'system:id'")
    is_child: bool | None = None

    @field_validator("a_number", mode="before")
    @classmethod
    def _a_number(cls, value: object) -> str | None:
        """Keep only A-numbers that normalise; the raw spelling stays in the source record."""
        if value in (None, ""):
            return None
        if type(value) is str and len(value) == 10 and value[0] == "A" and value[1:].isdecimal():
            if int(value[1:]):
                return value  # already normal: parse_a_number's output
        normal = normalise_a_number(str(value))
        if normal is None:
            raise ValueError(f"not an A-number: {value!r}")
        return normal

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.surnames}".strip()


class FacilityFact(_Fact):
    facility_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    type: FacilityType = FacilityType.OTHER
    city: str | None = None
    state: str | None = None
    agency: Agency = Agency.OTHER
    authority: int = Field(default=0, description="reference lists outrank names seen in records")


class StayFact(_Fact):
    ref: str = "subject"
    facility_id: str = Field(min_length=1)
    agency: Agency
    start: datetime
    end: datetime | None = None
    release_reason: ReleaseReason | None = None
    stay_key: str = Field(description="unique within the record; the stay id derives from it")


class MembershipFact(_Fact):
    """Membership of a recorded group (family unit, whiteboard group); co-members become links."""

    ref: str = "subject"
    family_unit_id: str = Field(min_length=1)
    system: str
    role: str = "member"
    evidence: Evidence = Evidence.RECORDED
    recorded_at: datetime | None = None


class ClaimFact(_Fact):
    """A family link the row states between two of its own mentions."""

    kind: FamilyKind
    from_ref: str
    to_ref: str
    evidence: Evidence = Evidence.CLAIMED
    recorded_at: datetime | None = None


class SeparationFact(_Fact):
    """The row's person was separated; rows sharing `event_key` describe one separation event."""

    ref: str = "subject"
    event_key: str
    date: date
    side: str
    reason_code: str | None = None
    reason_text: str | None = None
    agency: Agency = Agency.CBP
    recorded_at: datetime


class ReunificationFact(_Fact):
    """The row's (child) person was reunified on `on`; closes their separations up to that day."""

    ref: str = "subject"
    on: date
    recorded_at: datetime


class CanonicalRecord(_Fact):
    provenance: Provenance
    mentions: list[Mention] = Field(default_factory=list)
    facilities: list[FacilityFact] = Field(default_factory=list)
    stays: list[StayFact] = Field(default_factory=list)
    memberships: list[MembershipFact] = Field(default_factory=list)
    claims: list[ClaimFact] = Field(default_factory=list)
    separations: list[SeparationFact] = Field(default_factory=list)
    reunifications: list[ReunificationFact] = Field(default_factory=list)


class Problem(_Fact):
    """One failing field of a row: which field, the value seen, and the rule it broke."""

    field: str
    value: str
    rule: str


class Quarantined(_Fact):
    """A row refused, listing every failing field, so an analyst can fix the export."""

    system: str
    file: str
    row_number: int
    record_id: str
    batch_id: str
    problems: list[Problem]
    raw: str = "{}"


def _row_class(name: str, model: type[_Fact]) -> type[tuple]:
    """A named tuple with a fact's fields, in order: what a load keeps per fact. `name` is the
    module attribute it is bound to, so it pickles (parallel parsing sends facts between
    processes)."""
    return namedtuple(name, list(model.model_fields))  # type: ignore[misc]


class MentionRow(_row_class("MentionRow", Mention)):  # type: ignore[misc]
    __slots__ = ()

    full_name = Mention.full_name


FacilityRow = _row_class("FacilityRow", FacilityFact)
StayRow = _row_class("StayRow", StayFact)
MembershipRow = _row_class("MembershipRow", MembershipFact)
ClaimRow = _row_class("ClaimRow", ClaimFact)
SeparationRow = _row_class("SeparationRow", SeparationFact)
ReunificationRow = _row_class("ReunificationRow", ReunificationFact)


def _rows(cls: Any, facts: list[Any]) -> tuple[Any, ...]:
    """Validated facts as named tuples (their `__dict__` holds the fields in order)."""
    return tuple(cls._make(f.__dict__.values()) for f in facts) if facts else ()


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """A canonical record's facts without its raw row: what identity and assembly need.

    A load keeps one of these per row until every file is read (identity needs all mentions),
    while the provenance, whose raw row JSON is most of a record's memory, is kept only as its
    `SourceRecord` row, written once every file is read. The facts are kept as named tuples with the
    validated facts' fields and values: a pydantic object costs ~1 KB, a tuple ~0.15 KB, and a
    million-record load keeps ~4 million facts.
    """

    record_key: str
    system: str
    mentions: tuple[MentionRow, ...]
    facilities: tuple[Any, ...]
    stays: tuple[Any, ...]
    memberships: tuple[Any, ...]
    claims: tuple[Any, ...]
    separations: tuple[Any, ...]
    reunifications: tuple[Any, ...]

    @classmethod
    def of(cls, record: CanonicalRecord) -> RecordFacts:
        return cls(
            record.provenance.record_key,
            record.provenance.system,
            _rows(MentionRow, record.mentions),
            _rows(FacilityRow, record.facilities),
            _rows(StayRow, record.stays),
            _rows(MembershipRow, record.memberships),
            _rows(ClaimRow, record.claims),
            _rows(SeparationRow, record.separations),
            _rows(ReunificationRow, record.reunifications),
        )

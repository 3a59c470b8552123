"""The graph model: every node and relationship kind, as typed records.

These classes are the single source of truth for the schema: both engines create their tables,
constraints and indexes from them (`graph.schema`), and `docs/model.md` is generated from them, so
the documentation cannot drift from the code. Operations of `GraphStore` return these records (or
the small result records at the end of this module), never driver records.

Dates: `dob`, `Separation.date` and census days are calendar dates; custody stays use timestamps
(book-in/out times). Every fact keeps *when it was true* (`start`/`end`, `date`) apart from *when a
source recorded it* (`recorded_at`), so "as known on date K" is a filter, not a research project.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph.keys import normalise_a_number, search_keys_for


class Evidence(StrEnum):
    """How a family link is known, weakest first; the order is the `min_evidence` filter's.

    `inferred` (rank 0) is no statement at all: a link the resolver derived from circumstance
    (`loaders.linkage.kinship`), shown only when a reader asks for it and kept for review. The
    ranks of the stated levels start at 1 (`claimed`), as they did before it existed, so links
    written earlier keep their meaning.
    """

    INFERRED = "inferred"
    CLAIMED = "claimed"
    RECORDED = "recorded"
    DOCUMENT = "document"
    REVIEWED = "reviewed"
    DNA = "dna"

    @property
    def rank(self) -> int:
        return list(Evidence).index(self)


class FamilyKind(StrEnum):
    PARENT_OF = "PARENT_OF"
    SIBLING_OF = "SIBLING_OF"
    GUARDIAN_OF = "GUARDIAN_OF"
    RELATIVE_OF = "RELATIVE_OF"


class LinkStatus(StrEnum):
    """Review state of a link or potential match; rejected ones stay stored but are not traversed."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Agency(StrEnum):
    CBP = "CBP"
    USMS = "USMS"
    ICE = "ICE"
    ORR = "ORR"
    OTHER = "OTHER"


class FacilityType(StrEnum):
    BP_STATION = "bp_station"
    PROCESSING_CENTER = "processing_center"
    ICE_DETENTION = "ice_detention"
    USMS_JAIL = "usms_jail"
    ORR_SHELTER = "orr_shelter"
    OTHER = "other"


class ReleaseReason(StrEnum):
    """Why a custody stay ended, normalised from each agency's own wording."""

    TRANSFERRED = "transferred"
    REMOVED = "removed"
    RELEASED = "released"
    RELEASED_TO_SPONSOR = "released_to_sponsor"
    REUNIFIED = "reunified"
    OTHER = "other"


class DobPrecision(StrEnum):
    EXACT = "exact"
    MONTH = "month"
    YEAR = "year"
    ESTIMATED = "estimated"


class OrphanReason(StrEnum):
    """The analyst's definitions of an orphaned child; each is one filter of the orphan scan."""

    NO_PARENT_LINK = "no_parent_link"
    ONLY_CLAIMED_LINKS = "only_claimed_links"
    PARENT_REMOVED = "parent_removed"
    PARENT_RELEASED = "parent_released"
    PARENT_LOCATION_UNKNOWN = "parent_location_unknown"


class ConflictReason(StrEnum):
    """Why a child's parent claims cannot all be true; kept and flagged, never overwritten."""

    MORE_THAN_TWO_PARENTS = "more_than_two_parents"
    TWO_MOTHERS = "two_mothers"
    TWO_FATHERS = "two_fathers"


def stable_id(*parts: str) -> str:
    """A short, stable key derived from its parts, so re-loading the same facts hits the same key."""
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


# --------------------------------------------------------------------------------------- nodes
class Node(_Record):
    """A node kind; `label` and `key` name its table (LadybugDB) or label and constraint (Neo4j)."""

    label: ClassVar[str]
    key: ClassVar[str]
    #: Fields the store computes and keeps current itself; `GraphStore.upsert` ignores whatever a
    #: loader puts in them, so input can never set them.
    maintained: ClassVar[tuple[str, ...]] = ()

    @property
    def key_value(self) -> str:
        return getattr(self, self.key)


class SourceRecord(Node):
    """One input row exactly as an agency exported it: the provenance every fact points back to."""

    label: ClassVar[str] = "SourceRecord"
    key: ClassVar[str] = "record_key"

    record_key: str = Field(description="system + file + record id; unique across all sources")
    system: str = Field(description="source system or agency export, e.g. cbp_e3, orr_portal")
    file: str = Field(description="file name the row came from")
    record_id: str = Field(description="the row's own id in its source, or its row number")
    batch_id: str = Field(description="load batch that brought the row in")
    row_number: int = Field(description="1-based data row number in the file")
    row_hash: str = Field(description="hash of the raw row; a changed row gets a new hash")
    loaded_at: datetime = Field(description="when the row was loaded")
    raw: str = Field(description="the raw row as JSON")


class Person(Node):
    """One human being as far as the records tell; mentions merge into it by shared identifiers."""

    label: ClassVar[str] = "Person"
    key: ClassVar[str] = "person_id"
    maintained: ClassVar[tuple[str, ...]] = ("orphan_reasons",)

    person_id: str = Field(description="stable id of the person")
    given_names: str = Field(default="", description="given names as recorded")
    surnames: str = Field(default="", description="surnames as recorded (two kept where given)")
    name_variants: list[str] = Field(
        default_factory=list, description="every spelling of the full name seen in sources"
    )
    dob: date | None = Field(default=None, description="date of birth")
    dob_precision: DobPrecision | None = Field(default=None, description="how exact `dob` is")
    sex: str | None = Field(default=None, description="M, F or None")
    country: str | None = Field(default=None, description="country of citizenship")
    a_number: str | None = Field(default=None, description="alien number, 'A' + 9 digits")
    identifiers: list[str] = Field(
        default_factory=list, description="other ids as 'system:id', e.g. 'usms:12345-678'"
    )
    is_child: bool = Field(default=False, description="under 18 at first encounter")
    search_keys: list[str] = Field(
        default_factory=list,
        description="derived: accent-free, case-folded name tokens, phonetic keys and identifiers",
    )
    sources: list[str] = Field(default_factory=list, description="record keys that describe it")
    orphan_reasons: list[OrphanReason] = Field(
        default_factory=list,
        description="maintained by the store, never loaded: the orphan definitions that hold for "
        "this child (`GraphStore.orphaned_children`), recomputed on every write touching its "
        "parent links, its stays or its parents' stays; empty for adults",
    )

    @model_validator(mode="after")
    def _derive_keys(self) -> Person:
        object.__setattr__(self, "a_number", normalise_a_number(self.a_number))
        if self.search_keys:  # read back from a store: derived when it was written
            return self
        keys = search_keys_for(
            [f"{self.given_names} {self.surnames}", *self.name_variants],
            [x for x in [self.a_number, *self.identifiers] if x],
        )
        object.__setattr__(self, "search_keys", keys)
        return self

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.surnames}".strip()


class Facility(Node):
    label: ClassVar[str] = "Facility"
    key: ClassVar[str] = "facility_id"

    facility_id: str = Field(description="ICE DETLOC code where known, else a generated code")
    name: str = Field(description="facility name")
    type: FacilityType = Field(default=FacilityType.OTHER, description="kind of facility")
    city: str | None = Field(default=None, description="city")
    state: str | None = Field(default=None, description="US state code")
    agency: Agency = Field(default=Agency.OTHER, description="agency holding people there")
    sources: list[str] = Field(default_factory=list, description="record keys that describe it")


class FamilyUnit(Node):
    """The family as recorded at apprehension, under its source's id; it survives a split."""

    label: ClassVar[str] = "FamilyUnit"
    key: ClassVar[str] = "family_unit_id"

    family_unit_id: str = Field(description="source system + its family unit number")
    system: str = Field(description="system that recorded the unit")
    recorded_at: datetime | None = Field(default=None, description="when a source recorded it")
    sources: list[str] = Field(default_factory=list, description="record keys")


class Separation(Node):
    """A separation event; a missing reason code is itself a finding and stays None."""

    label: ClassVar[str] = "Separation"
    key: ClassVar[str] = "separation_id"

    separation_id: str = Field(description="stable id of the event")
    date: dt.date = Field(description="day the family was separated")
    reason_code: str | None = Field(default=None, description="reason code as recorded, or None")
    reason_text: str | None = Field(default=None, description="free-text reason as recorded")
    agency: Agency = Field(default=Agency.CBP, description="separating agency")
    recorded_at: datetime = Field(description="when a source first recorded the separation")
    reunified_on: dt.date | None = Field(default=None, description="day the family was reunified")
    reunified_recorded_at: datetime | None = Field(
        default=None, description="when a source recorded the reunification"
    )
    sources: list[str] = Field(default_factory=list, description="record keys")


class Review(Node):
    """One review decision; history is never overwritten, only appended."""

    label: ClassVar[str] = "Review"
    key: ClassVar[str] = "review_id"

    review_id: str = Field(description="stable id of the decision")
    target_key: str = Field(description="link_id or match_id the decision is about")
    decision: LinkStatus = Field(description="confirmed or rejected")
    reviewer: str = Field(description="who decided")
    reason: str = Field(description="why, in the reviewer's words")
    decided_at: datetime = Field(description="when")
    previous_status: LinkStatus | None = Field(default=None, description="status before")
    previous_evidence: Evidence | None = Field(default=None, description="evidence before")


class LoadBatch(Node):
    """The ledger entry of one file load: a re-run of the same file content is recognised by its hash."""

    label: ClassVar[str] = "LoadBatch"
    key: ClassVar[str] = "batch_id"

    batch_id: str = Field(description="stable id: source + file content hash")
    system: str = Field(description="source (loader) name")
    file: str = Field(description="file name")
    file_hash: str = Field(description="sha256 of the file content")
    started_at: datetime = Field(description="when the load began")
    finished_at: datetime | None = Field(default=None, description="None while unfinished")
    rows_in: int = Field(default=0, description="data rows read")
    loaded: int = Field(default=0, description="rows now in the graph")
    quarantined: int = Field(default=0, description="rows set aside with a reason")
    synthetic: bool = Field(
        default=False,
        description="the file is `lineage synth` output (its hash is in the scenario's manifest); "
        "trainers may only open a graph whose every batch is synthetic",
    )


class QuarantineEntry(Node):
    """An input row kept out of the graph, with why: nothing read is ever silently lost."""

    label: ClassVar[str] = "QuarantineEntry"
    key: ClassVar[str] = "entry_id"

    entry_id: str = Field(description="stable id: batch + row + field")
    batch_id: str = Field(description="load batch")
    system: str = Field(description="source (loader) name")
    file: str = Field(description="file name")
    row_number: int = Field(description="1-based data row number in the file")
    field: str = Field(description="the failing field (column)")
    value: str | None = Field(default=None, description="the offending value, as text")
    rule: str = Field(description="the rule broken, e.g. missing, date_format, a_number")
    reason: str = Field(description="message in plain words")
    raw: str = Field(description="the raw row as JSON")


# ------------------------------------------------------------------------------- relationships
class Rel(_Record):
    """A relationship kind; every one carries its provenance (`sources`) and batch."""

    rel_type: ClassVar[str]
    from_label: ClassVar[str]
    to_label: ClassVar[str]
    from_field: ClassVar[str]
    to_field: ClassVar[str]
    key: ClassVar[str]

    sources: list[str] = Field(default_factory=list, description="record keys that state it")
    batch_id: str = Field(default="", description="load batch that last wrote it")

    @property
    def key_value(self) -> str:
        return getattr(self, self.key)

    @property
    def type_name(self) -> str:
        return self.rel_type


class FamilyLink(Rel):
    """PARENT_OF / GUARDIAN_OF (directed, elder → child), SIBLING_OF / RELATIVE_OF (symmetric)."""

    rel_type: ClassVar[str] = "FAMILY"  # the concrete type is `kind`
    from_label: ClassVar[str] = "Person"
    to_label: ClassVar[str] = "Person"
    from_field: ClassVar[str] = "from_id"
    to_field: ClassVar[str] = "to_id"
    key: ClassVar[str] = "link_id"

    link_id: str = Field(default="", description="derived: kind + endpoints")
    kind: FamilyKind = Field(description="relationship type")
    from_id: str = Field(description="parent or guardian (or either relative)")
    to_id: str = Field(description="child (or the other relative)")
    evidence: Evidence = Field(description="how the link is known")
    evidence_rank: int = Field(default=0, description="derived: order of `evidence`")
    confidence: float = Field(default=1.0, description="0..1")
    status: LinkStatus = Field(default=LinkStatus.PENDING, description="review state")
    recorded_at: datetime | None = Field(default=None, description="when a source stated it")

    @model_validator(mode="after")
    def _derive(self) -> FamilyLink:
        a, b = self.from_id, self.to_id
        if self.kind in (FamilyKind.SIBLING_OF, FamilyKind.RELATIVE_OF) and b < a:
            object.__setattr__(self, "from_id", b)
            object.__setattr__(self, "to_id", a)
        if not self.link_id:
            object.__setattr__(self, "link_id", f"{self.kind}:{self.from_id}:{self.to_id}")
        object.__setattr__(self, "evidence_rank", self.evidence.rank)
        return self

    @property
    def type_name(self) -> str:
        return str(self.kind)


class Membership(Rel):
    rel_type: ClassVar[str] = "MEMBER_OF"
    from_label: ClassVar[str] = "Person"
    to_label: ClassVar[str] = "FamilyUnit"
    from_field: ClassVar[str] = "person_id"
    to_field: ClassVar[str] = "family_unit_id"
    key: ClassVar[str] = "membership_id"

    membership_id: str = Field(default="", description="derived: person + unit")
    person_id: str = Field(description="member")
    family_unit_id: str = Field(description="unit")
    role: str = Field(default="member", description="head, parent, child, member")

    @model_validator(mode="after")
    def _derive(self) -> Membership:
        if not self.membership_id:
            object.__setattr__(self, "membership_id", f"{self.person_id}:{self.family_unit_id}")
        return self


class Stay(Rel):
    """One custody stay; a person's handoff chain is their stays in time order."""

    rel_type: ClassVar[str] = "STAYED_AT"
    from_label: ClassVar[str] = "Person"
    to_label: ClassVar[str] = "Facility"
    from_field: ClassVar[str] = "person_id"
    to_field: ClassVar[str] = "facility_id"
    key: ClassVar[str] = "stay_id"

    stay_id: str = Field(description="stable id, from the source record")
    person_id: str = Field(description="person in custody")
    facility_id: str = Field(description="facility")
    agency: Agency = Field(description="agency holding custody")
    start: datetime = Field(description="book-in")
    end: datetime | None = Field(default=None, description="book-out; None while in custody")
    release_reason: ReleaseReason | None = Field(default=None, description="why it ended")
    recorded_at: datetime | None = Field(default=None, description="when a source recorded it")


class Separated(Rel):
    rel_type: ClassVar[str] = "SEPARATED"
    from_label: ClassVar[str] = "Separation"
    to_label: ClassVar[str] = "Person"
    from_field: ClassVar[str] = "separation_id"
    to_field: ClassVar[str] = "person_id"
    key: ClassVar[str] = "separated_id"

    separated_id: str = Field(default="", description="derived: separation + person")
    separation_id: str = Field(description="event")
    person_id: str = Field(description="person separated")
    side: str = Field(description="'child' or 'adult'")

    @model_validator(mode="after")
    def _derive(self) -> Separated:
        if not self.separated_id:
            object.__setattr__(self, "separated_id", f"{self.separation_id}:{self.person_id}")
        return self


class PossibleMatch(Rel):
    """Two persons that may be one human, awaiting review."""

    rel_type: ClassVar[str] = "POSSIBLY_SAME_AS"
    from_label: ClassVar[str] = "Person"
    to_label: ClassVar[str] = "Person"
    from_field: ClassVar[str] = "person_a"
    to_field: ClassVar[str] = "person_b"
    key: ClassVar[str] = "match_id"

    match_id: str = Field(default="", description="derived: the sorted pair")
    person_a: str = Field(description="one person")
    person_b: str = Field(description="the other")
    probability: float = Field(description="match probability 0..1")
    status: LinkStatus = Field(default=LinkStatus.PENDING, description="review state")
    explanation: str = Field(default="", description="per-comparison match weights, as JSON")

    @model_validator(mode="after")
    def _derive(self) -> PossibleMatch:
        a, b = sorted((self.person_a, self.person_b))
        object.__setattr__(self, "person_a", a)
        object.__setattr__(self, "person_b", b)
        if not self.match_id:
            object.__setattr__(self, "match_id", f"{a}~{b}")
        return self


class DescribedBy(Rel):
    rel_type: ClassVar[str] = "DESCRIBED_BY"
    from_label: ClassVar[str] = "Person"
    to_label: ClassVar[str] = "SourceRecord"
    from_field: ClassVar[str] = "person_id"
    to_field: ClassVar[str] = "record_key"
    key: ClassVar[str] = "described_id"

    described_id: str = Field(default="", description="derived: person + record")
    person_id: str = Field(description="person")
    record_key: str = Field(description="source record")

    @model_validator(mode="after")
    def _derive(self) -> DescribedBy:
        if not self.described_id:
            object.__setattr__(self, "described_id", f"{self.person_id}:{self.record_key}")
        return self


NODE_KINDS: tuple[type[Node], ...] = (
    SourceRecord, Person, Facility, FamilyUnit, Separation, Review, LoadBatch, QuarantineEntry,
)
REL_KINDS: tuple[type[Rel], ...] = (FamilyLink, Membership, Stay, Separated, PossibleMatch, DescribedBy)
FAMILY_TYPES: tuple[str, ...] = tuple(k.value for k in FamilyKind)
#: The links that make someone a child's parent for the orphan rules.
PARENTAL_KINDS: tuple[FamilyKind, ...] = (FamilyKind.PARENT_OF, FamilyKind.GUARDIAN_OF)


class GraphBatch(BaseModel):
    """What a loader hands to `GraphStore.upsert`: any mix of nodes and relationships.

    Upsert rules, identical on both engines: a node or relationship is found by its key; a
    non-null value replaces the stored one, while a null or empty string never erases a known
    value; list properties (`sources`, `identifiers`, `name_variants`, `search_keys`) take the
    union. Family links keep the strongest evidence ever stated (`evidence_rank` decides), and a
    reviewed status (confirmed, rejected) is never reset to pending by a reload, so re-loading
    sources cannot undo a review.
    """

    model_config = ConfigDict(extra="forbid")

    load_batches: list[LoadBatch] = Field(default_factory=list)
    quarantine: list[QuarantineEntry] = Field(default_factory=list)
    source_records: list[SourceRecord] = Field(default_factory=list)
    persons: list[Person] = Field(default_factory=list)
    facilities: list[Facility] = Field(default_factory=list)
    family_units: list[FamilyUnit] = Field(default_factory=list)
    separations: list[Separation] = Field(default_factory=list)
    family_links: list[FamilyLink] = Field(default_factory=list)
    memberships: list[Membership] = Field(default_factory=list)
    stays: list[Stay] = Field(default_factory=list)
    separated: list[Separated] = Field(default_factory=list)
    possible_matches: list[PossibleMatch] = Field(default_factory=list)
    described_by: list[DescribedBy] = Field(default_factory=list)

    def size(self) -> int:
        return sum(len(getattr(self, name)) for name in type(self).model_fields)


# ------------------------------------------------------------------------------ result records
class PersonHit(_Record):
    person: Person
    matched_on: str = Field(description="the search key that matched")
    score: float = Field(description="higher is better; exact identifier 1.0")


class Neighbourhood(_Record):
    """Relatives of a person within k hops; `more` counts relatives cut off by `limit`."""

    center_id: str
    persons: list[Person]
    links: list[FamilyLink]
    hops: dict[str, int] = Field(description="person_id → hops from the centre")
    more: int = 0


class FamilyPath(_Record):
    """The shortest family path: persons in order, with the link between each pair."""

    persons: list[Person]
    links: list[FamilyLink]


class Whereabouts(_Record):
    """Where one person was at the end of a day: their covering stay and its facility, or None."""

    person: Person
    stay: Stay | None
    facility: Facility | None


class CustodyStep(_Record):
    stay: Stay
    facility: Facility


class CensusRow(_Record):
    """A child separated and not reunified on the census day, and where it was then."""

    person: Person
    separation: Separation
    stay: Stay | None
    facility: Facility | None


class SeparationEvent(_Record):
    """One separation event with everyone it separated: what a custody timeline marks."""

    separation: Separation
    children: list[Person] = Field(description="persons separated on the child side, by id")
    adults: list[Person] = Field(description="persons separated on any other side, by id")


class CensusCount(_Record):
    """Children of the census held at one facility at the end of the day (None: not known)."""

    facility_id: str | None
    facility_name: str | None
    agency: Agency | None
    children: int


class Census(_Record):
    """How many children were separated and not reunified on a day, as known on a day.

    `total` counts children once; a child with two overlapping custody stays that day counts at
    both facilities in `by_facility`.
    """

    on: dt.date
    known_on: dt.date | None
    total: int
    by_facility: list[CensusCount]
    by_agency: dict[str, int] = Field(description="children per custody agency; 'unknown' if none")


class OrphanRow(_Record):
    child: Person
    reasons: list[OrphanReason]


class OrphanCounts(_Record):
    """How many children meet each orphan definition, and how many meet any of those asked."""

    total: int = Field(description="children meeting any of the definitions asked for, once each")
    by_reason: dict[OrphanReason, int] = Field(description="children per definition (every one listed)")


class ConflictRow(_Record):
    """A child whose parent claims contradict each other, with every claim and claimant."""

    child: Person
    reasons: list[ConflictReason]
    parents: list[Person]
    links: list[FamilyLink]


class Provenance(_Record):
    """The source records behind one node or relationship."""

    key: str
    records: list[SourceRecord]


class Counts(_Record):
    persons: int
    children: int
    facilities: int
    family_units: int
    separations: int
    separations_without_reason: int
    stays: int
    source_records: int
    family_links: dict[str, int]
    pending_matches: int

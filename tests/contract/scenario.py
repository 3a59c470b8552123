"""A hand-built family scenario with its ground truth, for the contract suite.

One family apprehended together on 2018-05-10 at a Border Patrol station: the father is
prosecuted (USMS), then detained by ICE and removed on 2018-06-15 while both children are in ORR
shelters; the mother moves through two ICE facilities and is still detained. One child is
reunified on 2018-07-20 (recorded only on 2018-08-15); the other is not. The separation of the
first child has no reason code; the second's was recorded late (2018-06-30). Beside them: an
unaccompanied child with no family, a child whose only parent link is claimed by a woman with no
custody record, an aunt known only by claim, a stranger whose claimed link was rejected, and a
duplicate record of the mother awaiting review.
"""

from __future__ import annotations

from datetime import date, datetime

from graph.model import (
    Agency,
    DescribedBy,
    Evidence,
    Facility,
    FacilityType,
    FamilyKind,
    FamilyLink,
    FamilyUnit,
    GraphBatch,
    LinkStatus,
    Membership,
    Person,
    PossibleMatch,
    ReleaseReason,
    Separated,
    Separation,
    SourceRecord,
    Stay,
)

LOADED = datetime(2018, 9, 1, 12, 0)
MOM, DAD, KID1, KID2 = "P-MOM", "P-DAD", "P-KID1", "P-KID2"
ORPHAN, KID3, CLAIMER, DUP, AUNT, STRANGER = (
    "P-ORPH", "P-KID3", "P-CLAIMMOM", "P-DUP", "P-AUNT", "P-STRANGER",
)


def rec(system: str, file: str, n: int) -> str:
    return f"{system}:{file}:{n}"


def _source(system: str, file: str, n: int) -> SourceRecord:
    return SourceRecord(
        record_key=rec(system, file, n),
        system=system,
        file=file,
        record_id=str(n),
        batch_id=f"batch-{system}",
        row_number=n,
        row_hash=f"hash-{system}-{n}",
        loaded_at=LOADED,
        raw=f'{{"row": {n}, "note": "synthetic"}}',
    )


def _person(pid: str, given: str, surnames: str, dob: date | None, sex: str, child: bool,
            src: list[str], **extra: object) -> Person:
    return Person(person_id=pid, given_names=given, surnames=surnames, dob=dob,
                  dob_precision="exact" if dob else None, sex=sex, country="GT",
                  is_child=child, sources=src, **extra)


def _stay(sid: str, pid: str, fid: str, agency: Agency, start: datetime, end: datetime | None,
          reason: ReleaseReason | None, src: str, recorded: datetime | None = None) -> Stay:
    return Stay(stay_id=sid, person_id=pid, facility_id=fid, agency=agency, start=start, end=end,
                release_reason=reason, recorded_at=recorded, sources=[src])


def _link(kind: FamilyKind, a: str, b: str, ev: Evidence, src: list[str],
          status: LinkStatus = LinkStatus.PENDING) -> FamilyLink:
    return FamilyLink(kind=kind, from_id=a, to_id=b, evidence=ev, sources=src, status=status,
                      confidence=0.5 if ev == Evidence.CLAIMED else 0.95)


CBP = [rec("cbp_e3", "apprehensions.csv", n) for n in range(1, 5)]
USMS = rec("usms", "prisoners.csv", 1)
ICE = [rec("ice_eid", "stays.csv", n) for n in range(1, 6)]
ORR = [rec("orr_portal", "children.json", n) for n in range(1, 5)]
TRACKER = rec("ice_tracker", "tracker.xlsx", 1)


def scenario() -> GraphBatch:
    sources = (
        [_source("cbp_e3", "apprehensions.csv", n) for n in range(1, 5)]
        + [_source("usms", "prisoners.csv", 1)]
        + [_source("ice_eid", "stays.csv", n) for n in range(1, 6)]
        + [_source("orr_portal", "children.json", n) for n in range(1, 5)]
        + [_source("ice_tracker", "tracker.xlsx", 1)]
    )
    persons = [
        _person(MOM, "María José", "López García", date(1990, 3, 4), "F", False, [CBP[0], ICE[0]],
                a_number="A-000-000-001"),
        _person(DAD, "José", "Hernández", date(1988, 1, 2), "M", False, [CBP[1], USMS],
                a_number="2", identifiers=["usms:12345-678"]),
        _person(KID1, "Ximena", "Hernández López", date(2011, 5, 1), "F", True, [CBP[2], ORR[0]],
                a_number="A000000003", identifiers=["orr:UC-1001"]),
        _person(KID2, "Mateo", "Hernández López", date(2014, 7, 9), "M", True, [CBP[3], ORR[1]],
                a_number="A000000004"),
        _person(ORPHAN, "Luis", "Pérez", date(2010, 2, 2), "M", True, [ORR[2]]),
        _person(KID3, "Ana", "Ramírez", None, "F", True, [ORR[3]]),
        _person(CLAIMER, "Rosa", "Ramírez", None, "F", False, [ORR[3]]),
        _person(DUP, "Maria", "Lopez", date(1990, 4, 3), "F", False, [TRACKER]),
        _person(AUNT, "Carmen", "López", None, "F", False, [TRACKER]),
        _person(STRANGER, "Pedro", "Gómez", None, "M", False, [TRACKER]),
    ]
    facilities = [
        Facility(facility_id="BPURS", name="Ursula Central Processing Center",
                 type=FacilityType.PROCESSING_CENTER, city="McAllen", state="TX", agency=Agency.CBP),
        Facility(facility_id="USMSOT", name="Otero County Jail", type=FacilityType.USMS_JAIL,
                 city="Chaparral", state="NM", agency=Agency.USMS),
        Facility(facility_id="PIDCTX", name="Port Isabel Detention Center",
                 type=FacilityType.ICE_DETENTION, city="Los Fresnos", state="TX", agency=Agency.ICE),
        Facility(facility_id="EPSPCTX", name="El Paso Service Processing Center",
                 type=FacilityType.ICE_DETENTION, city="El Paso", state="TX", agency=Agency.ICE),
        Facility(facility_id="ORR-CASA1", name="Casa Uno Shelter", type=FacilityType.ORR_SHELTER,
                 city="Brownsville", state="TX", agency=Agency.ORR),
        Facility(facility_id="ORR-CASA2", name="Casa Dos Shelter", type=FacilityType.ORR_SHELTER,
                 city="San Antonio", state="TX", agency=Agency.ORR),
    ]
    d = datetime
    T, R, U = ReleaseReason.TRANSFERRED, ReleaseReason.REMOVED, ReleaseReason.REUNIFIED
    stays = [
        _stay("S-MOM-1", MOM, "BPURS", Agency.CBP, d(2018, 5, 10, 8), d(2018, 5, 12, 10), T, CBP[0]),
        _stay("S-MOM-2", MOM, "PIDCTX", Agency.ICE, d(2018, 5, 12, 12), d(2018, 6, 25, 9), T, ICE[0]),
        _stay("S-MOM-3", MOM, "EPSPCTX", Agency.ICE, d(2018, 6, 25, 15), None, None, ICE[1]),
        _stay("S-DAD-1", DAD, "BPURS", Agency.CBP, d(2018, 5, 10, 8), d(2018, 5, 11, 9), T, CBP[1]),
        _stay("S-DAD-2", DAD, "USMSOT", Agency.USMS, d(2018, 5, 11, 10), d(2018, 5, 20, 8), T, USMS),
        _stay("S-DAD-3", DAD, "PIDCTX", Agency.ICE, d(2018, 5, 20, 12), d(2018, 6, 15, 6), R, ICE[2]),
        _stay("S-KID1-1", KID1, "BPURS", Agency.CBP, d(2018, 5, 10, 8), d(2018, 5, 13, 7), T, CBP[2]),
        _stay("S-KID1-2", KID1, "ORR-CASA1", Agency.ORR, d(2018, 5, 13, 9), d(2018, 6, 1, 10), T,
              ORR[0]),
        _stay("S-KID1-3", KID1, "ORR-CASA2", Agency.ORR, d(2018, 6, 1, 16), d(2018, 7, 20, 11), U,
              ORR[0], recorded=d(2018, 6, 2)),
        _stay("S-KID2-1", KID2, "BPURS", Agency.CBP, d(2018, 5, 10, 8), d(2018, 5, 13, 7), T, CBP[3]),
        _stay("S-KID2-2", KID2, "ORR-CASA1", Agency.ORR, d(2018, 5, 13, 9), None, None, ORR[1]),
        _stay("S-ORPH-1", ORPHAN, "ORR-CASA2", Agency.ORR, d(2018, 4, 1, 12), None, None, ORR[2]),
        _stay("S-KID3-1", KID3, "ORR-CASA1", Agency.ORR, d(2018, 6, 1, 12), None, None, ORR[3]),
    ]
    links = [
        _link(FamilyKind.PARENT_OF, MOM, KID1, Evidence.RECORDED, [CBP[0], CBP[2]]),
        _link(FamilyKind.PARENT_OF, MOM, KID2, Evidence.RECORDED, [CBP[0], CBP[3]]),
        _link(FamilyKind.PARENT_OF, DAD, KID1, Evidence.DOCUMENT, [CBP[1], ORR[0]]),
        _link(FamilyKind.PARENT_OF, DAD, KID2, Evidence.RECORDED, [CBP[1], CBP[3]]),
        _link(FamilyKind.SIBLING_OF, KID2, KID1, Evidence.RECORDED, [CBP[2], CBP[3]]),
        _link(FamilyKind.PARENT_OF, CLAIMER, KID3, Evidence.CLAIMED, [ORR[3]]),
        _link(FamilyKind.RELATIVE_OF, MOM, AUNT, Evidence.CLAIMED, [TRACKER]),
        _link(FamilyKind.PARENT_OF, STRANGER, KID1, Evidence.CLAIMED, [TRACKER],
              status=LinkStatus.REJECTED),
    ]
    separations = [
        Separation(separation_id="SEP-1", date=date(2018, 5, 11), reason_code=None,
                   agency=Agency.CBP, recorded_at=d(2018, 5, 11, 12), reunified_on=date(2018, 7, 20),
                   reunified_recorded_at=d(2018, 8, 15), sources=[CBP[2]]),
        Separation(separation_id="SEP-2", date=date(2018, 5, 11), reason_code="CRIM",
                   reason_text="parent referred for prosecution", agency=Agency.CBP,
                   recorded_at=d(2018, 6, 30, 9), sources=[CBP[3]]),
    ]
    separated = [
        Separated(separation_id="SEP-1", person_id=KID1, side="child", sources=[CBP[2]]),
        Separated(separation_id="SEP-1", person_id=DAD, side="adult", sources=[CBP[1]]),
        Separated(separation_id="SEP-2", person_id=KID2, side="child", sources=[CBP[3]]),
        Separated(separation_id="SEP-2", person_id=DAD, side="adult", sources=[CBP[1]]),
    ]
    unit = "cbp_e3:FU-1"
    memberships = [
        Membership(person_id=p, family_unit_id=unit, role=role, sources=[s])
        for p, role, s in [(MOM, "parent", CBP[0]), (DAD, "parent", CBP[1]),
                           (KID1, "child", CBP[2]), (KID2, "child", CBP[3])]
    ]
    described = [DescribedBy(person_id=p.person_id, record_key=s) for p in persons for s in p.sources]
    return GraphBatch(
        source_records=sources,
        persons=persons,
        facilities=facilities,
        family_units=[FamilyUnit(family_unit_id=unit, system="cbp_e3",
                                 recorded_at=d(2018, 5, 10, 9), sources=CBP)],
        separations=separations,
        family_links=links,
        memberships=memberships,
        stays=stays,
        separated=separated,
        possible_matches=[PossibleMatch(person_a=MOM, person_b=DUP, probability=0.82,
                                        explanation='{"surname": 4.1, "dob": -1.2}',
                                        sources=[CBP[0], TRACKER])],
        described_by=described,
    )

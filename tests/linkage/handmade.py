"""Hand-built canonical records for linkage tests: families whose members must stay apart."""

from __future__ import annotations

from datetime import date, datetime

from graph.model import DobPrecision
from loaders.records import CanonicalRecord, MembershipFact, Mention, Provenance

LOADED = datetime(2018, 6, 1)


def record(system: str, record_id: str, mentions: list[Mention], unit: str | None = None) -> CanonicalRecord:
    """One source row holding `mentions`; each joins family unit `unit` when given."""
    provenance = Provenance(
        system=system,
        file=f"{system}.csv",
        record_id=record_id,
        row_number=1,
        batch_id="test",
        loaded_at=LOADED,
        row_hash=record_id,
        raw="{}",
    )
    members = (
        [MembershipFact(ref=m.ref, family_unit_id=unit, system=system) for m in mentions] if unit else []
    )
    return CanonicalRecord(provenance=provenance, mentions=mentions, memberships=members)


def person(
    given: str, surnames: str, dob: str | None, sex: str, ref: str = "subject", **extra: object
) -> Mention:
    born = date.fromisoformat(dob) if dob else None
    return Mention(
        ref=ref,
        given_names=given,
        surnames=surnames,
        dob=born,
        dob_precision=DobPrecision.EXACT if born else None,
        sex=sex,
        country="Guatemala",
        **extra,
    )


def twins_and_siblings() -> list[CanonicalRecord]:
    """Identical twins (same DOB, same parents, different given names) and siblings with similar
    names, each seen by CBP (one family unit) and again by ORR, whose files name the mother."""
    family = "cbp_e3:FMUA-TWINS"
    mother = person("Marleny", "Xol Caal", "1985-02-11", "F")
    kids = [
        person("Ana Lucía", "Batz Xol", "2012-05-01", "F"),
        person("Rosa", "Batz Xol", "2012-05-01", "F"),
        person("José", "Batz Xol", "2010-03-04", "M"),
        person("Josué", "Batz Xol", "2010-09-04", "M"),
    ]
    records = [record("cbp_e3", "TW-0", [mother], family)]
    records += [record("cbp_e3", f"TW-{i}", [kid], family) for i, kid in enumerate(kids, 1)]
    for i, kid in enumerate(kids, 1):
        child = kid.model_copy(update={"ref": "child", "given_names": kid.given_names.upper()})
        named = Mention(ref="parent1", given_names="Marleny", surnames="Xol", sex="F")
        records.append(record("orr_portal", f"UC-TW-{i}", [child, named]))
    return records

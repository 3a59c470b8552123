"""Analyst tables: orphan counts per definition, census groupings, quarantine summaries (pure)."""

from __future__ import annotations

import pandas as pd

from graph.model import (
    Census,
    CensusRow,
    ConflictReason,
    ConflictRow,
    OrphanReason,
    OrphanRow,
    QuarantineEntry,
)

ORPHAN_LABELS = {
    OrphanReason.NO_PARENT_LINK: "No parent link",
    OrphanReason.ONLY_CLAIMED_LINKS: "Only claimed or inferred parent links",
    OrphanReason.PARENT_REMOVED: "Parent removed while child in shelter",
    OrphanReason.PARENT_RELEASED: "Parent released while child in shelter",
    OrphanReason.PARENT_LOCATION_UNKNOWN: "Parent location unknown",
}

CONFLICT_LABELS = {
    ConflictReason.MORE_THAN_TWO_PARENTS: "more than two parents",
    ConflictReason.TWO_MOTHERS: "two mothers",
    ConflictReason.TWO_FATHERS: "two fathers",
}


def orphan_frame(rows: list[OrphanRow], wanted: set[OrphanReason]) -> pd.DataFrame:
    """The children meeting any wanted definition, one row each."""
    kept = [r for r in rows if wanted & set(r.reasons)]
    return pd.DataFrame(
        [{"name": r.child.full_name, "person_id": r.child.person_id, "country": r.child.country or "",
          "a_number": r.child.a_number or "", "reasons": ", ".join(x.value for x in r.reasons)}
         for r in kept],
        columns=["name", "person_id", "country", "a_number", "reasons"],
    )


def census_frame(rows: list[CensusRow]) -> pd.DataFrame:
    """One row per separated, not reunified child, with where it was on the census day."""
    return pd.DataFrame(
        [{"name": r.person.full_name, "person_id": r.person.person_id,
          "separated_on": r.separation.date, "separation_id": r.separation.separation_id,
          "agency": r.stay.agency.value if r.stay else "unknown",
          "facility": r.facility.name if r.facility else "unknown"} for r in rows],
        columns=["name", "person_id", "separated_on", "separation_id", "agency", "facility"],
    )


def census_count_frames(census: Census) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(children per agency, children per facility) of a census, largest first."""
    agencies = pd.DataFrame(sorted(census.by_agency.items(), key=lambda kv: (-kv[1], kv[0])),
                            columns=["agency", "children"])
    facilities = pd.DataFrame(
        [{"agency": c.agency.value if c.agency else "unknown", "facility": c.facility_name or "unknown",
          "facility_id": c.facility_id or "", "children": c.children} for c in census.by_facility],
        columns=["agency", "facility", "facility_id", "children"],
    )
    return agencies, facilities


def count_by(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Distinct children per group, largest first."""
    if frame.empty:
        return pd.DataFrame(columns=[*columns, "children"])
    grouped = frame.groupby(columns)["person_id"].nunique().reset_index(name="children")
    return grouped.sort_values(["children", *columns], ascending=[False, *[True] * len(columns)])


def quarantine_summary(entries: list[QuarantineEntry]) -> pd.DataFrame:
    """Quarantined rows per source and rule."""
    frame = pd.DataFrame([{"source": e.system, "rule": e.rule, "file": e.file} for e in entries],
                         columns=["source", "rule", "file"])
    if frame.empty:
        return pd.DataFrame(columns=["source", "rule", "rows"])
    summary = frame.groupby(["source", "rule"]).size().reset_index(name="rows")
    return summary.sort_values("rows", ascending=False)


def conflict_frame(rows: list[ConflictRow]) -> pd.DataFrame:
    """One row per parent claim of a child whose claims contradict: who claims, how strongly, and
    which records say so, so the reviewer sees every side before deciding."""
    return pd.DataFrame(
        [{"name": r.child.full_name, "person_id": r.child.person_id,
          "conflict": ", ".join(CONFLICT_LABELS[x] for x in r.reasons),
          "parent": next((p.full_name for p in r.parents if p.person_id == link.from_id), ""),
          "parent_id": link.from_id, "evidence": link.evidence.value, "status": link.status.value,
          "records": len(link.sources), "link_id": link.link_id}
         for r in rows for link in r.links],
        columns=["name", "person_id", "conflict", "parent", "parent_id", "evidence", "status", "records",
                 "link_id"],
    )

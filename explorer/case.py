"""Gathering one family's case report from the graph (the pure formatting is in `report.py`)."""

from __future__ import annotations

from datetime import date, datetime

from explorer import queries
from explorer.report import CaseReport, build_case_report


def gather(person_id: str, hops: int) -> CaseReport:
    """The family of `person_id` within `hops`: members, links, stays, separations, sources."""
    hood = queries.relatives(person_id, hops)
    ids = tuple(p.person_id for p in hood.persons)
    chains = queries.custody_chains(ids)
    separations = queries.separations(tuple(p.person_id for p in hood.persons))
    keys = [*ids, *(x.link_id for x in hood.links), *(s.separation_id for s in separations)]
    provenance = [queries.provenance(k) for k in keys]
    return build_case_report(hood, chains, separations, provenance, date.today())


def generated() -> str:
    """The report's "generated at" stamp."""
    return datetime.now().strftime("%Y-%m-%d %H:%M")

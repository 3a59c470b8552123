"""The family case report: one family's graph, timeline and provenance as CSV and printable HTML.

Pure functions over domain records. The HTML is built by hand with every value passed through
`html.escape`, because names and raw source rows come from agency files and may contain markup.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from explorer.custody import age_on, current_custody, custody_status
from explorer.timeline import separation_label
from graph.model import CustodyStep, Neighbourhood, Provenance, Separation


@dataclass(frozen=True)
class CaseReport:
    """The sections of a case report, each a table."""

    title: str
    members: pd.DataFrame
    links: pd.DataFrame
    stays: pd.DataFrame
    separations: pd.DataFrame
    provenance: pd.DataFrame

    def rows(self) -> int:
        """Rows over all sections: the export's size in the audit log."""
        return sum(len(frame) for frame in self.sections().values())

    def sections(self) -> dict[str, pd.DataFrame]:
        return {
            "Family members": self.members,
            "Family links": self.links,
            "Custody stays": self.stays,
            "Separations": self.separations,
            "Source records": self.provenance,
        }


def build_case_report(
    hood: Neighbourhood,
    chains: Mapping[str, list[CustodyStep]],
    separations: list[Separation],
    provenance: list[Provenance],
    today: date,
) -> CaseReport:
    """Gather one family's facts into report tables (no store access here)."""
    names = {p.person_id: p.full_name for p in hood.persons}
    centre = names.get(hood.center_id, hood.center_id)
    members = []
    for p in hood.persons:
        chain = chains.get(p.person_id, [])
        now = current_custody(chain)
        members.append({
            "person_id": p.person_id, "name": p.full_name, "child": p.is_child,
            "hops": hood.hops.get(p.person_id), "age": age_on(p, today), "country": p.country or "",
            "a_number": p.a_number or "", "agency": now.agency.value if now else "",
            "facility": now.facility if now else "", "since": now.since.isoformat() if now else "",
            "status": custody_status(chain),
        })
    links = [{
        "link_id": x.link_id, "kind": x.kind.value, "from": names.get(x.from_id, x.from_id),
        "to": names.get(x.to_id, x.to_id), "evidence": x.evidence.value, "status": x.status.value,
        "sources": "; ".join(x.sources),
    } for x in hood.links]
    stays = [{
        "person": names.get(pid, pid), "agency": s.stay.agency.value, "facility": s.facility.name,
        "from": s.stay.start.isoformat(), "to": s.stay.end.isoformat() if s.stay.end else "",
        "release_reason": s.stay.release_reason.value if s.stay.release_reason else "",
        "sources": "; ".join(s.stay.sources),
    } for pid, chain in chains.items() for s in chain]
    seps = [{
        "separation_id": s.separation_id, "date": s.date.isoformat(), "reason": separation_label(s),
        "agency": s.agency.value, "reunified_on": s.reunified_on.isoformat() if s.reunified_on else "",
    } for s in separations]
    prov = [{
        "about": p.key, "record_key": r.record_key, "system": r.system, "file": r.file,
        "row": r.row_number, "loaded_at": r.loaded_at.isoformat(),
    } for p in provenance for r in p.records]
    return CaseReport(
        title=f"Family case report: {centre}",
        members=pd.DataFrame(members),
        links=pd.DataFrame(links),
        stays=pd.DataFrame(stays),
        separations=pd.DataFrame(seps),
        provenance=pd.DataFrame(prov),
    )


def report_csv(report: CaseReport) -> str:
    """All sections in one CSV, a `section` column first so a spreadsheet can filter them."""
    frames = [df.assign(section=name) for name, df in report.sections().items() if not df.empty]
    if not frames:
        return "section\n"
    combined = pd.concat(frames, ignore_index=True)
    cols = ["section"] + [c for c in combined.columns if c != "section"]
    return combined[cols].to_csv(index=False)


def _table(df: pd.DataFrame) -> str:
    if df.empty:
        return "<p><em>none on record</em></p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in row) + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(report: CaseReport, generated: str) -> str:
    """A printable, self-contained page: no scripts, no outside resources, all text escaped."""
    sections = "".join(
        f"<h2>{html.escape(name)}</h2>{_table(df)}" for name, df in report.sections().items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(report.title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%;margin-bottom:1em}"
        "td,th{border:1px solid #999;padding:3px 6px;font-size:12px;text-align:left}"
        "@media print{h2{page-break-after:avoid}}</style></head><body>"
        f"<h1>{html.escape(report.title)}</h1><p>Generated {html.escape(generated)}</p>"
        f"{sections}</body></html>"
    )

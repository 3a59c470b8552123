"""Custody timelines: handoff chains as a table and an Altair chart (pure, no Streamlit).

One bar per stay, one row per family member, coloured by agency with the same colours as the
family graph, so a caseworker reads both views the same way. Separations are marked with their
reason, or "no reason recorded" when the source gave none — the missing reason is itself a finding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import altair as alt
import pandas as pd

from explorer.graph_view import AGENCY_COLOURS, default_label
from graph.model import Agency, CustodyStep, Person, Separation

NO_REASON = "no reason recorded"
AGENCY_ORDER = [a.value for a in Agency]


def separation_label(sep: Separation) -> str:
    """'CRIM: parent referred for prosecution', or the plain 'no reason recorded'."""
    if not sep.reason_code and not sep.reason_text:
        return NO_REASON
    return ": ".join(x for x in (sep.reason_code, sep.reason_text) if x)


def stay_frame(
    chains: Mapping[str, list[CustodyStep]],
    persons: Mapping[str, Person],
    until: datetime,
    label: Callable[[Person], str] = default_label,
) -> pd.DataFrame:
    """One row per stay: who, agency, facility, from, to (open stays drawn up to `until`)."""
    rows: list[dict[str, Any]] = []
    for pid, chain in chains.items():
        who = label(persons[pid]) if pid in persons else pid
        for step in chain:
            s = step.stay
            rows.append(
                {
                    "person_id": pid,
                    "person": who,
                    "agency": s.agency.value,
                    "facility": step.facility.name,
                    "facility_id": step.facility.facility_id,
                    "start": s.start,
                    "end": s.end,
                    "drawn_end": s.end or max(until, s.start),
                    "release_reason": s.release_reason.value if s.release_reason else "",
                    "stay_id": s.stay_id,
                }
            )
    columns = ["person_id", "person", "agency", "facility", "facility_id", "start", "end", "drawn_end",
               "release_reason", "stay_id"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["start", "person_id", "stay_id"], kind="stable").reset_index(drop=True)


def horizon(chains: Mapping[str, list[CustodyStep]], margin: timedelta = timedelta(days=14)) -> datetime:
    """Where open stays are drawn up to: a little after the family's last recorded event.

    Drawing them up to today would squash a 2018 chain into a sliver of an eight-year axis.
    """
    events = [t for chain in chains.values() for s in chain for t in (s.stay.start, s.stay.end) if t]
    return max(events, default=datetime(2000, 1, 1)) + margin


ROW_PX = 40


def chart_height(stays: pd.DataFrame) -> int:
    """Pixels for the whole chart: one row per person plus legend, labels and axis."""
    return 130 + ROW_PX * max(stays["person"].nunique(), 1)


def separation_frame(separations: list[Separation]) -> pd.DataFrame:
    """One row per separation day; reasons of separations on the same day joined into one label."""
    rows = [{"date": pd.Timestamp(s.date), "reason": separation_label(s), "agency": s.agency.value}
            for s in separations]
    frame = pd.DataFrame(rows, columns=["date", "reason", "agency"])
    if frame.empty:
        return frame
    joined = frame.groupby("date").agg(
        reason=("reason", lambda r: " | ".join(dict.fromkeys(r))), agency=("agency", "first"))
    return joined.reset_index()


def _tips(*shorthands: str) -> list[alt.Tooltip]:
    return [alt.Tooltip(s) for s in shorthands]


def timeline_chart(stays: pd.DataFrame, separations: pd.DataFrame, marker: date | None = None) -> alt.Chart:
    """Bars of stays per person, separation rules with their reason, and the slider's date.

    Every channel is an explicit Altair object: bare shorthand strings (`x2="drawn_end:T"`, a list
    of tooltip strings) make Altair infer each channel through its JSON schema, ~0.1-0.25 s per
    chart on a page that re-runs on every slider move; the spec is the same either way.
    """
    colour = alt.Color(
        "agency:N",
        scale=alt.Scale(domain=AGENCY_ORDER, range=[AGENCY_COLOURS[a] for a in AGENCY_ORDER]),
        legend=alt.Legend(title="Agency", orient="top"),
    )
    bars = alt.Chart(stays).mark_bar(cornerRadius=3, height=ROW_PX - 12).encode(
        alt.X("start:T", title="Date"),
        alt.X2("drawn_end"),
        alt.Y("person:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)),
        colour,
        _tips("person:N", "agency:N", "facility:N", "start:T", "end:T", "release_reason:N"),
    )
    layers: list[alt.Chart] = [bars]
    if not separations.empty:
        rule = alt.Chart(separations).mark_rule(color="#000000", strokeDash=[4, 3]).encode(
            alt.X("date:T"), _tips("date:T", "reason:N", "agency:N")
        )
        label = alt.Chart(separations).mark_text(align="left", baseline="bottom", dx=4, fontWeight="bold")
        text = label.encode(alt.X("date:T"), alt.YValue(-4), alt.Text("reason:N"))
        layers += [rule, text]
    if marker is not None:
        marks = pd.DataFrame({"date": [pd.Timestamp(marker)]})
        layers.append(alt.Chart(marks).mark_rule(color="#ff7f0e", size=2).encode(alt.X("date:T")))
    rows = max(stays["person"].nunique(), 1)
    return alt.layer(*layers).properties(height=ROW_PX * rows, padding={"top": 24, "left": 5, "right": 5})

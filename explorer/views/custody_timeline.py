"""Custody timeline: the handoff chain of a person or a whole family, and who was where on a day.

An analyst sees pseudonyms for names (`graph/` blanks them; the labels fall back to the id).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import nav, queries
from explorer.graph_view import default_label
from explorer.store import store_or_stop
from explorer.timeline import (
    chart_height,
    horizon,
    separation_frame,
    separation_label,
    stay_frame,
    timeline_chart,
)
from explorer.widgets import plain, require_person, without_identifiers

st.title("Custody timeline")
store_or_stop()
person = require_person("timeline")
pid = person.person_id

c1, c2 = st.columns([2, 1])
scope = c1.segmented_control("Show", ["whole family", "this person"], default="whole family", key="scope",
                             bind="query-params", required=True)
hops = c2.slider("Family within hops", 1, 4, 1, key="hops", bind="query-params",
                 disabled=scope == "this person")

hood = queries.relatives(pid, hops)
members = [person] if scope == "this person" else hood.persons
chains = queries.custody_chains(tuple(p.person_id for p in members))
separations = queries.separations(tuple(p.person_id for p in hood.persons))
persons = {p.person_id: p for p in members}
until = horizon(chains)
stays = stay_frame(chains, persons, until=until)
if stays.empty:
    st.info(f"No custody stay of {plain(default_label(person))} is on record.")
    st.stop()

first = min(stays["start"]).date()
day = st.slider("Where was everyone on", min_value=first, max_value=until.date(),
                value=min([s.date for s in separations], default=first), key="date", bind="query-params",
                format="YYYY-MM-DD")

st.altair_chart(timeline_chart(stays, separation_frame(separations), marker=day), key="timeline_chart",
                height=chart_height(stays))

st.subheader("Separation")
if not separations:
    st.caption("No separation of a child in this family is on record.")
for sep in separations:
    reunified = f"; reunified on {sep.reunified_on}" if sep.reunified_on else "; not reunified on record"
    st.markdown(f"- **{sep.date}**, by {sep.agency.value}: {plain(separation_label(sep))}{reunified}")

st.subheader(f"On {day}")
where = queries.whereabouts(pid, day, hops if scope == "whole family" else 1)
if scope == "this person":
    where = [w for w in where if w.person.person_id == pid]
st.dataframe(without_identifiers(pd.DataFrame([{
    "name": w.person.full_name, "child": w.person.is_child,
    "agency": w.stay.agency.value if w.stay else "", "facility": w.facility.name if w.facility else "",
    "city": (w.facility.city or "") if w.facility else "",
    "since": pd.Timestamp(w.stay.start) if w.stay else pd.NaT,
    "where": "in custody" if w.stay else "no custody on record that day",
    "person_id": w.person.person_id,
} for w in where], columns=["name", "child", "agency", "facility", "city", "since", "where", "person_id"])),
    hide_index=True, key="whereabouts")

with st.expander("Every stay in time order"):
    st.dataframe(stays.drop(columns=["drawn_end"]), hide_index=True, key="stays")
nav.link("graph", person=pid, hops=hops)

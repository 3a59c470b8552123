"""Find a person: search as you type by name or any identifier, then open their family or chain."""

from __future__ import annotations

from datetime import date

import streamlit as st

from explorer import nav, queries
from explorer.store import store_or_stop
from explorer.widgets import hits_frame, plain, set_person

st.title("Find a person")
store_or_stop()
text = st.text_input(
    "Name or identifier",
    key="q",
    live=True,
    bind="query-params",
    placeholder="e.g. ximena hernandes, Lopez, A-000-000-003, 12345-678, UC-1001",
    help="Accents and case do not matter; either surname works; misspellings are matched by sound. "
    "Identifiers: A-number in any format, US Marshals register number, ORR case id, source record id.",
)
if not text or not text.strip():
    st.caption("Start typing a name or an identifier.")
    st.stop()

hits = queries.search(text.strip(), 20)
st.caption(f"{len(hits)} match(es)")
if not hits:
    st.info("No one matches. Try one surname only, or fewer letters.")
    st.stop()

frame = hits_frame([h.person for h in hits], date.today())
frame.insert(len(frame.columns), "matched on", [h.matched_on for h in hits])
picked = st.dataframe(frame, key="results", on_select="rerun", selection_mode="single-row", hide_index=True,
                      column_config={"since": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
rows = picked.selection.rows if picked else []
if rows:
    person = hits[rows[0]].person
    set_person(person.person_id)
    st.subheader(plain(person.full_name))
    cols = st.columns(3)
    with cols[0]:
        nav.link("graph", person=person.person_id)
    with cols[1]:
        nav.link("timeline", person=person.person_id)
    with cols[2]:
        nav.link("trainer", person=person.person_id)
else:
    st.caption("Select a row to open that person's family graph or custody timeline.")

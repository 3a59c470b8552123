"""Find a person: search as you type by name or any identifier, then open their family or chain.

An analyst opens a person by pseudonym only: a search on a name would show which pseudonym bears
that name, so `graph/` takes only a pseudonym from an analyst (and logs any other text as denied).
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from explorer import nav
from explorer.store import store_or_stop
from explorer.widgets import hits_frame, plain, pseudonymous, search_or_say_why, set_person
from graph.access import MAX_QUERY_CHARS

st.title("Find a person")
store_or_stop()
analyst = pseudonymous()
text = st.text_input(
    "Pseudonym" if analyst else "Name or identifier",
    key="q",
    max_chars=MAX_QUERY_CHARS,
    live=not analyst,
    bind="query-params",
    placeholder="psn_…" if analyst else "e.g. ximena hernandes, Lopez, A-000-000-003, 12345-678, UC-1001",
    help="Analysts see pseudonyms, never names or identifiers, and open a person by the pseudonym shown "
    "in the analyst tables." if analyst else
    "Accents and case do not matter; either surname works; misspellings are matched by sound. "
    "Identifiers: A-number in any format, US Marshals register number, ORR case id, source record id.",
)
if not text or not text.strip():
    st.caption("Enter a pseudonym from the analyst tables; names and identifiers are not searchable for "
               "analysts." if analyst else "Start typing a name or an identifier.")
    st.stop()
hits = search_or_say_why(text.strip(), 20)
if hits is None:
    st.stop()
persons, matched = [h.person for h in hits], [h.matched_on or "pseudonym" for h in hits]

st.caption(f"{len(persons)} match(es)")
if not persons:
    st.info("No one has that pseudonym." if analyst else
            "No one matches. Try one surname only, or fewer letters.")
    st.stop()

frame = hits_frame(persons, date.today())
frame.insert(len(frame.columns), "matched on", matched)
picked = st.dataframe(frame, key="results", on_select="rerun", selection_mode="single-row", hide_index=True,
                      column_config={"since": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
rows = picked.selection.rows if picked else []
if rows:
    person = persons[rows[0]]
    set_person(person.person_id)
    st.subheader(plain(person.full_name or person.person_id))
    cols = st.columns(3)
    with cols[0]:
        nav.link("graph", person=person.person_id)
    with cols[1]:
        nav.link("timeline", person=person.person_id)
    with cols[2]:
        nav.link("trainer", person=person.person_id)
else:
    st.caption("Select a row to open that person's family graph or custody timeline.")

"""Family graph: relatives within k hops, drawn with pyvis, with provenance of any node or link.

For an analyst every label is the person's pseudonym (`graph/` blanks the names) and the case
report, which is case work, is not offered.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from explorer import case, graph_view, nav, queries
from explorer.custody import agency_of
from explorer.graph_view import default_label
from explorer.report import report_csv, report_html
from explorer.signin import current_principal
from explorer.store import data_version, store_or_stop
from explorer.widgets import (
    download,
    hits_frame,
    linked_select,
    plain,
    provenance_table,
    pseudonymous,
    require_person,
)
from graph.model import Evidence, FamilyKind, Neighbourhood


@st.cache_data(max_entries=64, show_spinner=False)
def graph_html(view: tuple[object, ...], _hood: Neighbourhood, _where: dict[str, object],
               _path_links: set[str]) -> str:
    """The graph's HTML, built once per view for every session (building it was a fifth of a
    warm page run). `view` names it: the data version, the role (labels differ by role) and every
    parameter the other three were read with; those three are not hashed (underscore)."""
    return graph_view.neighbourhood_html(_hood, _where, _path_links)


st.title("Family graph")
store_or_stop()
person = require_person("graph")
pid = person.person_id

c1, c2, c3 = st.columns([1, 2, 1])
hops = c1.slider("Hops", 1, 4, 2, key="hops", bind="query-params")
ALL_KINDS = [k.value for k in FamilyKind]
kinds = c2.multiselect("Relationship kinds", ALL_KINDS, default=ALL_KINDS, key="kinds", bind="query-params")
# `inferred` (no record states it; awaiting review) is offered but not the default.
evidence = c3.selectbox("Minimum evidence", [e.value for e in Evidence], index=Evidence.CLAIMED.rank,
                        key="evidence", bind="query-params",
                        help="inferred < claimed < recorded < document < reviewed < dna")
if not kinds:
    st.warning("Choose at least one relationship kind.")
    st.stop()

hood = queries.relatives(pid, hops, tuple(kinds), evidence, 300)
# Colours from the chains the People table reads too (one query, memoised): both say the same.
chains = queries.custody_chains(tuple(p.person_id for p in hood.persons))
where = {person_id: agency_of(chain) for person_id, chain in chains.items()}
names = {p.person_id: default_label(p) for p in hood.persons}

others = [p for p in hood.persons if p.person_id != pid]
target = linked_select("Shortest family path to", [p.person_id for p in others], "to",
                       {p.person_id: f"{names[p.person_id]} ({p.person_id})" if p.full_name else p.person_id
                        for p in others}, "choose a relative")
path = queries.family_path(pid, target) if target else None
path_links = {x.link_id for x in path.links} if path else set()

st.markdown(f"**{plain(default_label(person))}**: {len(hood.persons) - 1} relative(s) within {hops} hop(s)"
            + (f", and {hood.more} more not drawn" if hood.more else ""))
if path:
    steps = [plain(default_label(path.persons[0]))]
    for link, nxt in zip(path.links, path.persons[1:], strict=True):
        kind = graph_view.KIND_LABELS[link.kind]
        steps.append(f"—{kind} ({link.evidence.value})→ {plain(default_label(nxt))}")
    st.markdown("Path: " + " ".join(steps))
elif target:
    st.info("No family path connects these two persons.")

left, right = st.columns([3, 2])
with left:
    view = (data_version(), current_principal().role, pid, hops, tuple(kinds), evidence, target)
    st.iframe(graph_html(view, hood, where, path_links), height=620, alt="Family graph")
    st.caption("Colour: agency holding the person now (grey: none on record). Star: the chosen person; "
               "circle: child; square: adult. Dotted line: inferred link; dashed: claimed; "
               "solid: recorded or verified.")
with right:
    tab_people, tab_links = st.tabs(["People", "Links"])
    with tab_people:
        people = hits_frame(hood.persons, date.today())
        people.insert(0, "hops", [hood.hops.get(p, 0) for p in people["person_id"]])
        sel_p = st.dataframe(people, key="graph_people", on_select="rerun", selection_mode="single-row",
                             hide_index=True)
    with tab_links:
        links = pd.DataFrame([{"kind": x.kind.value, "from": names.get(x.from_id, x.from_id),
                               "to": names.get(x.to_id, x.to_id), "evidence": x.evidence.value,
                               "status": x.status.value, "link_id": x.link_id} for x in hood.links],
                             columns=["kind", "from", "to", "evidence", "status", "link_id"])
        sel_l = st.dataframe(links, key="graph_links", on_select="rerun", selection_mode="single-row",
                             hide_index=True)
    chosen = None
    if sel_l and sel_l.selection.rows:
        chosen = links.iloc[sel_l.selection.rows[0]]["link_id"]
    elif sel_p and sel_p.selection.rows:
        chosen = people.iloc[sel_p.selection.rows[0]]["person_id"]
    if chosen:
        st.query_params["item"] = chosen  # the provenance view gets a deep link too
    else:
        chosen = st.query_params.get("item")
    st.markdown("**Which records say so**")
    if chosen:
        st.caption(f"Source records behind {plain(chosen)}")
        provenance_table(chosen)
    else:
        st.caption("Select a person or a link in the tables above to see its source records.")

st.divider()
r1, r2, r3 = st.columns(3)
# Built only on request (a family's sources can be large), inside the page run so that the click
# is recorded as an export by the session's principal.
if not pseudonymous() and r1.toggle("Prepare the case report", key="report"):
    report, params = case.gather(pid, hops), {"person": pid, "hops": str(hops)}
    with r1:
        download("Case report (CSV)", report_csv(report), file_name=f"case-{pid}.csv", mime="text/csv",
                 key="report_csv", what="case report csv", parameters=params, rows=report.rows())
    with r2:
        download("Case report (printable HTML)", report_html(report, case.generated()),
                 file_name=f"case-{pid}.html", mime="text/html", key="report_html",
                 what="case report html", parameters=params, rows=report.rows())
with r3:
    nav.link("timeline", person=pid, hops=hops)

"""Analyst: orphaned children by definition, the separated-not-reunified census, data quality
(quarantine, contradicting parent claims, reviews waiting).

An analyst (the role) sees the child lists with pseudonyms and without names or identifiers;
a caseworker or admin opening this page sees them in full. Every CSV download is an audited export.
"""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from explorer import analysis, nav, queries
from explorer.store import store_or_stop
from explorer.widgets import download, without_identifiers
from graph.access import Role
from graph.model import OrphanReason

st.title("Analyst")
analyst = store_or_stop().role is Role.ANALYST
ORPHAN_PAGE = 1000
TABS = ["Orphaned children", "Separated, not reunified", "Data quality"]
tab_orphans, tab_census, tab_quality = st.tabs(TABS)

with tab_orphans:
    chosen = st.pills("Definitions", [r.value for r in OrphanReason], selection_mode="multi",
                      default=[r.value for r in OrphanReason], key="reasons", bind="query-params",
                      format_func=lambda r: analysis.ORPHAN_LABELS[OrphanReason(r)])
    counts = queries.orphan_counts(tuple(chosen or []))
    cols = st.columns(len(counts.by_reason))
    for col, (reason, n) in zip(cols, counts.by_reason.items(), strict=True):
        col.metric(analysis.ORPHAN_LABELS[reason], n)
    total = counts.total if chosen else 0
    st.metric("Children meeting any chosen definition", total)
    # The list is paged in the database: at a million persons it holds ~100k children.
    rows = queries.orphans(tuple(chosen or []), limit=ORPHAN_PAGE)
    frame = without_identifiers(analysis.orphan_frame(rows, {OrphanReason(r) for r in chosen or []}))
    if total > len(frame):
        st.caption(f"The first {len(frame):,} of {total:,} children, by id.")
    st.dataframe(frame, hide_index=True, key="orphans_table")
    everyone = tuple(chosen or [])  # the file holds every child, built only when downloaded
    download("Download CSV (every child)",
             lambda graph: without_identifiers(analysis.orphan_frame(
                 graph.orphaned_children(list(everyone)) if everyone else [], set(everyone)), analyst)
             .to_csv(index=False),
             file_name="orphaned-children.csv", mime="text/csv", key="orphans_csv", what="orphaned children",
             parameters={"reasons": ",".join(everyone)}, rows=total)

with tab_census:
    c1, c2 = st.columns(2)
    on = c1.date_input("Census day", value=date(2018, 6, 20), key="on", bind="query-params")
    known = c2.date_input("As known on (blank: everything known now)", value=None, key="known",
                          bind="query-params")
    counts = queries.census_counts(on, known)
    st.metric(f"Children separated and not reunified on {on}", counts.total)
    per_agency, per_facility = analysis.census_count_frames(counts)
    by_agency, by_facility = st.columns(2)
    by_agency.dataframe(per_agency, hide_index=True, key="census_agency")
    by_facility.dataframe(per_facility, hide_index=True, key="census_facility")
    # A toggle, not an expander: an expander's body runs anyway, and at a million persons the list
    # is ~100k rows.
    if st.toggle("List the children", key="census_list"):
        census = without_identifiers(analysis.census_frame(queries.census(on, known)))
        st.dataframe(census, hide_index=True, key="census_children")
        download("Download CSV", census.to_csv(index=False), file_name=f"census-{on}.csv", mime="text/csv",
                 key="census_csv", what="census", parameters={"on": str(on), "known": str(known or "")},
                 rows=len(census))
    st.markdown("**Over time**")
    t1, t2 = st.columns(2)
    start = t1.date_input("From", value=on - timedelta(weeks=8), key="from", bind="query-params")
    end = t2.date_input("To", value=on + timedelta(weeks=8), key="to", bind="query-params")
    days = pd.date_range(start, max(start, end), periods=min(13, max(2, (end - start).days + 1))).date
    series = pd.DataFrame([{"day": pd.Timestamp(d), "children": queries.census_counts(d, known).total}
                           for d in sorted(set(days))])
    st.altair_chart(alt.Chart(series).mark_line(point=True).encode(x="day:T", y="children:Q",
                                                                    tooltip=["day:T", "children:Q"]),
                    key="census_chart")

with tab_quality:
    entries = queries.quarantine()
    st.metric("Quarantined rows", len(entries))
    st.dataframe(analysis.quarantine_summary(entries), hide_index=True, key="quarantine_summary")
    with st.expander("Quarantined rows"):
        st.dataframe(pd.DataFrame([e.model_dump(exclude={"raw"}) for e in entries]), hide_index=True,
                     key="quarantine_rows")
    conflicts = queries.conflicts()
    st.metric("Children with contradicting parent claims", len(conflicts))
    st.caption("Every claim is kept; decide which are true in the review queue (rejecting one keeps "
               "its evidence).")
    st.dataframe(without_identifiers(analysis.conflict_frame(conflicts)), hide_index=True,
                 key="conflicts_table")
    links, matches = queries.pending()
    m1, m2 = st.columns(2)
    m1.metric("Claimed or inferred links awaiting review", len(links))
    m2.metric("Potential matches awaiting review", len(matches))
    nav.link("review")

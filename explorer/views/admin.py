"""Admin: who viewed this child and when, the audit log as CSV, its verification, the role mapping.

The audit log is read through `SecuredGraph.audit_entries` (admins only, enforced in `graph/`);
the CSV export is itself an audited export. The role mapping is the file `explorer/signin.py`
reads at every page run, so a change applies to each signed-in user's next click.
"""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from explorer import signin
from explorer.store import audit_log, store_or_stop
from explorer.widgets import download, plain
from graph.access import Role

VIEWER_COLUMNS = ["when", "who", "role", "what", "page or operation", "about", "result count"]
st.title("Admin")
graph = store_or_stop()
if graph.principal.role is not Role.ADMIN:
    st.error("Only an admin may open this page.")
    st.stop()

st.subheader("Audit log")
check = audit_log().verify()
if check.ok:
    st.success(f"The audit log is intact: {check.entries} entries, hash chain verified.")
    st.caption(f"Head hash, to note outside this machine and check later with `lineage audit verify "
               f"--expect-head`: {check.head}")
else:
    st.error(f"The audit log has been altered: entry {check.broken_at} is broken ({check.reason}). "
             "Check it with `lineage audit verify`.")

st.markdown("**Who viewed this child, and when**")
pid = st.text_input("Person id", key="who_viewed", bind="query-params",
                    placeholder="e.g. P-000123 (from the family graph or a search)").strip()
if pid:
    entries = graph.audit_entries(person_id=pid)
    frame = pd.DataFrame([{"when": e.at, "who": e.who, "role": e.role, "what": e.action,
                           "page or operation": e.how(), "about": e.target or "(in result)",
                           "result count": e.result_count} for e in entries],
                         columns=VIEWER_COLUMNS)
    st.caption(f"{len(frame)} entr(y/ies) about {pid}: views of the person, searches and lists that showed "
               "them, decisions and exports")
    # The answer in words first (a table is drawn on a canvas, which screen readers cannot read).
    for (who, role), seen in frame.groupby(["who", "role"], sort=False)["when"]:
        st.markdown(f"- {plain(who)} ({plain(role)}): {len(seen)} time(s), last "
                    f"{seen.max():%Y-%m-%d %H:%M:%S} UTC")
    st.dataframe(frame, hide_index=True, key="viewers")

# Built on request: the whole log is read for it.
if st.toggle("Prepare the audit log export (CSV)", key="audit_export"):
    out = io.StringIO()
    rows = audit_log().export_csv(out)
    download("Export the whole audit log (CSV)", out.getvalue(), file_name="audit-log.csv", mime="text/csv",
             key="audit_csv", what="audit log", parameters={}, rows=rows)

st.subheader("Roles")
path = signin.mapping_path(signin.app_secrets())
if signin.is_local():
    st.info("Local mode: no one signs in, so the mapping applies only once sign-in is configured.")
st.caption(f"Subject (the provider's `sub`) or e-mail → role. Kept in {path}. A mapping here wins over "
           "the role claim of the sign-in token.")
try:
    mapping = signin.read_mapping(path)
except ValueError as exc:
    st.error(f"The role mapping cannot be read: {exc}. Saving here replaces it.")
    mapping = {}
edited = st.data_editor(
    pd.DataFrame([{"subject or e-mail": k, "role": v.value} for k, v in sorted(mapping.items())],
                 columns=["subject or e-mail", "role"]),
    num_rows="dynamic", hide_index=True, key="roles",
    column_config={"role": st.column_config.SelectboxColumn(options=[r.value for r in Role], required=True)},
)
if st.button("Save roles", type="primary", key="save_roles"):
    wanted = {str(r["subject or e-mail"]).strip(): Role(r["role"]) for r in edited.to_dict("records")
              if str(r["subject or e-mail"] or "").strip() and r["role"]}
    signin.write_mapping(path, wanted)
    audit_log().append(graph.principal.subject, graph.principal.role.value, "role mapping", str(path),
                       {k: v.value for k, v in wanted.items()}, len(wanted))
    st.success(f"Saved {len(wanted)} role(s).")

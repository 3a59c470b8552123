"""Review queue: confirm or reject claimed and inferred family links and potential matches, with a
reason.

Decisions are written through `SecuredGraph.record_review` on a read-write store opened for that
one call (see `explorer/store.py`), with the signed-in principal as the reviewer (no name is typed:
it could be anyone's) and one audit entry; a running load makes the write fail and the page says so.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import queries
from explorer.signin import current_principal
from explorer.store import LOAD_BUSY, store_or_stop, write_graph
from explorer.widgets import plain, provenance_table
from graph.errors import GraphStoreError, NotFoundError, PermissionDeniedError, StoreUnavailableError
from graph.model import LinkStatus

st.title("Review queue")
store_or_stop()
links, matches = queries.pending()
ids = {x.from_id for x in links} | {x.to_id for x in links} | {m.person_a for m in matches} | {
    m.person_b for m in matches}
people = {pid: queries.person(pid) for pid in sorted(ids)}


def name(pid: str) -> str:
    p = people.get(pid)
    return p.full_name if p else pid


queue = pd.DataFrame(
    [{"type": f"{x.evidence.value} link", "what": f"{name(x.from_id)} {x.kind.value} {name(x.to_id)}",
      "evidence / probability": x.evidence.value, "key": x.link_id} for x in links]
    + [{"type": "potential match", "what": f"{name(m.person_a)} same as {name(m.person_b)}?",
        "evidence / probability": f"{m.probability:.2f}", "key": m.match_id} for m in matches],
    columns=["type", "what", "evidence / probability", "key"],
)
st.caption(f"{len(links)} claimed or inferred link(s) and {len(matches)} potential match(es) await review.")
picked = st.dataframe(queue, key="queue", on_select="rerun", selection_mode="single-row", hide_index=True)
if flash := st.session_state.pop("review_flash", None):
    st.success(flash)

rows = picked.selection.rows if picked else []
target = queue.iloc[rows[0]]["key"] if rows else st.query_params.get("target")
if not target:
    st.caption("Select an item to review it, or open a deep link with ?target=<link or match key>.")
    st.stop()
st.query_params["target"] = target
st.subheader("Reviewing")
st.markdown(plain(target))
provenance_table(target)

with st.form("decision", clear_on_submit=True):
    st.caption(f"Deciding as {current_principal().display}")
    reason = st.text_area("Reason", key="reason", placeholder="e.g. DNA result 2018-07-02 confirms parentage")
    confirm, reject = st.columns(2)
    do_confirm = confirm.form_submit_button("Confirm", type="primary", key="confirm")
    do_reject = reject.form_submit_button("Reject", key="reject")

if do_confirm or do_reject:
    decision = LinkStatus.CONFIRMED if do_confirm else LinkStatus.REJECTED
    try:
        with write_graph() as store:
            store.record_review(target, decision, reason)
    except StoreUnavailableError:
        st.error(LOAD_BUSY)
    except NotFoundError:
        st.error("That link or match is no longer in the graph; it may have been merged by a newer load.")
    except PermissionDeniedError as exc:  # e.g. a caseworker changing an earlier decision
        st.error(f"Not saved: {exc}.")
    except ValueError as exc:
        st.error(f"Not saved: {exc}.")
    except GraphStoreError as exc:
        st.error(f"Not saved: the database refused the decision ({exc}).")
    else:
        queries.forget()  # this session re-reads now; others see the new data version
        del st.query_params["target"]
        st.session_state["review_flash"] = f"Recorded: {decision.value}."
        st.rerun()

st.subheader("History")
history = queries.review_history(target)
if history:
    st.dataframe(pd.DataFrame([r.model_dump() for r in history]), hide_index=True, key="history")
else:
    st.caption("No decision has been recorded on this item yet.")

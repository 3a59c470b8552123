"""Trainer: one family's handoff chain step by step, graph and timeline as they stood at each step.

Synthetic data only; names are masked ("Child 1", "Adult 2") so a recorded demo shows no one.
"""

from __future__ import annotations

import streamlit as st

from explorer import graph_view, masking, queries, walkthrough
from explorer.store import store_or_stop
from explorer.timeline import chart_height, separation_frame, stay_frame, timeline_chart
from explorer.widgets import require_person

st.title("Trainer: a family's handoff chain")
st.caption("For training on synthetic data. Names are masked.")
store_or_stop()
person = require_person("trainer")
pid = person.person_id

hood = queries.relatives(pid, 1)
labels = masking.masked_labels(hood.persons, pid)
label = masking.label_fn(labels)
chains = queries.custody_chains(tuple(p.person_id for p in hood.persons))
steps = walkthrough.steps_of(chains)
if not steps:
    st.info("This family has no custody stay on record; choose another family.")
    st.stop()

last = len(steps)


def _move(delta: int) -> None:
    st.session_state["step"] = min(max(int(st.session_state.get("step", 1)) + delta, 1), last)


prev_col, slider_col, next_col = st.columns([1, 6, 1])
current = int(st.session_state.get("step", st.query_params.get("step", 1)))
prev_col.button("Previous", key="prev", on_click=_move, args=(-1,), disabled=current <= 1)
next_col.button("Next", key="next", on_click=_move, args=(1,), disabled=current >= last)
number = slider_col.slider("Step", 1, last, 1, key="step", bind="query-params")
step = steps[number - 1]
st.subheader(f"Step {number} of {last}")
st.markdown(walkthrough.narrate(step, labels.get(step.person_id, "Person")))

where = {w.person.person_id: w.stay.agency if w.stay else None
         for w in queries.whereabouts(pid, step.at.date(), 1)}
persons = {p.person_id: p for p in hood.persons}
separations = [s for s in queries.separations(tuple(persons)) if s.date <= step.at.date()]
stays = walkthrough.frame_until(stay_frame(chains, persons, until=step.at, label=label), step.at)

left, right = st.columns([1, 1])
with left:
    st.iframe(graph_view.neighbourhood_html(hood, where, label=label, height_px=420), height=440,
              alt="Family graph at this step")
with right:
    st.altair_chart(timeline_chart(stays, separation_frame(separations), marker=step.at.date()),
                    key="trainer_timeline", height=chart_height(stays))

"""Page pieces shared by several pages: the chosen person, a person picker, safe text, provenance.

An analyst's graph carries pseudonyms in `person_id` and no names or identifiers; the pieces here
drop the empty name and identifier columns for an analyst and let an analyst open a person only by
pseudonym, never by a search on a name (the hit would tie the name to the pseudonym).

The chosen person travels two ways: in `st.query_params["person"]` (so every view has a deep link)
and in session state (because switching pages clears query parameters that no widget binds).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from explorer import queries
from explorer.custody import age_on, current_custody, custody_status
from explorer.signin import current_principal
from explorer.store import secured_graph
from graph.access import MAX_QUERY_CHARS, Role, SecuredGraph
from graph.errors import PermissionDeniedError
from graph.model import Person, PersonHit

PERSON_PARAM = "person"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'])")


IDENTIFYING_COLUMNS = ["name", "name variants", "A-number", "a_number", "parent"]


def pseudonymous() -> bool:
    """Whether this session sees pseudonyms instead of names and identifiers (the analyst)."""
    return current_principal().role is Role.ANALYST


def without_identifiers(frame: pd.DataFrame, analyst: bool | None = None) -> pd.DataFrame:
    """The table as this session may see it: for an analyst, no name or identifier column at all
    (they are blank from `graph/` already; an empty column would still invite questions).
    `analyst` says whose it is where the session is out of reach (a file built on its own thread)."""
    if not (pseudonymous() if analyst is None else analyst):
        return frame
    return frame.drop(columns=[c for c in IDENTIFYING_COLUMNS if c in frame.columns])


def _record_export(what: str, parameters: dict[str, str], rows: int) -> None:
    secured_graph().record_export(what, parameters, rows)


def download(label: str, data: str | Callable[[SecuredGraph], str], file_name: str, mime: str, key: str,
             what: str, parameters: dict[str, str], rows: int) -> None:
    """A download button whose click appends one export entry (what, parameters, rows) to the
    audit log.

    Text `data` was read (and logged) by the page view: the click's entry is written in the rerun
    it starts, before the page runs again. A callable `data(graph)` builds the file only when it
    is asked for, on Streamlit's download thread (no session there: it gets the page's graph, and
    must not use `queries` or the session); its reads and the download are then the one entry.
    """
    if not callable(data):
        st.download_button(label, data, file_name=file_name, mime=mime, key=key, on_click=_record_export,
                           args=(what, parameters, rows))
        return
    graph, build = secured_graph(), data

    def export() -> str:
        with graph.exporting(what, parameters, rows):
            return build(graph)

    st.download_button(label, export, file_name=file_name, mime=mime, key=key, on_click="ignore")


def plain(text: object) -> str:
    """Text made inert for Streamlit markdown: every markup character backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def current_person_id() -> str | None:
    """The person in the URL, else the one chosen earlier in this session."""
    pid = st.query_params.get(PERSON_PARAM) or st.session_state.get(PERSON_PARAM)
    if pid:  # remembered for the next page (a page switch clears unbound query parameters)
        set_person(pid)
    return pid or None


def set_person(person_id: str) -> None:
    st.session_state[PERSON_PARAM] = person_id
    st.query_params[PERSON_PARAM] = person_id


def linked_select(
    label: str, options: list[str], key: str, names: dict[str, str], placeholder: str
) -> str | None:
    """A selectbox over ids whose choice lives in `st.query_params[key]` as the bare id.

    `bind="query-params"` would put the *formatted* option (a person's name) in the URL; ids keep
    links short and names out of browser history and server logs.
    """
    wanted = st.query_params.get(key)
    index = options.index(wanted) if wanted in options else None
    chosen = st.selectbox(label, options, index=index, key=key, format_func=lambda x: names.get(x, x),
                          placeholder=placeholder)
    if chosen:
        st.query_params[key] = chosen
    elif key in st.query_params:
        del st.query_params[key]
    return chosen


def hits_frame(persons: list[Person], today: date) -> pd.DataFrame:
    """Search results or a family as a table: variants, age, country, current custody, status."""
    chains = queries.custody_chains(tuple(p.person_id for p in persons))
    rows = []
    for p in persons:
        chain = chains.get(p.person_id, [])
        now = current_custody(chain)
        rows.append({
            "name": p.full_name,
            "name variants": ", ".join(v for v in p.name_variants if v != p.full_name),
            "age": age_on(p, today),
            "child": p.is_child,
            "country": p.country or "",
            "agency": now.agency.value if now else "",
            "facility": now.facility if now else "",
            "since": now.since if now else None,
            "status": custody_status(chain),
            "A-number": p.a_number or "",
            "person_id": p.person_id,
        })
    frame = pd.DataFrame(rows, columns=["name", "name variants", "age", "child", "country", "agency",
                                        "facility", "since", "status", "A-number", "person_id"])
    frame["since"] = pd.to_datetime(frame["since"])  # missing dates show blank, not "None"
    frame["age"] = frame["age"].astype("Int64")
    return without_identifiers(frame)


def search_or_say_why(text: str, limit: int) -> list[PersonHit] | None:
    """The search's hits, or None with the reason on the page: an analyst's text that is not a
    pseudonym (`graph/` refuses it, and logs it), or a text longer than any name or identifier."""
    try:
        return queries.search(text, limit)
    except PermissionDeniedError:
        if not pseudonymous():
            raise
        st.info("Analysts open a person by pseudonym only (psn_…): names and identifiers are not searchable.")
    except ValueError as exc:
        st.warning(f"Not searched: {exc}.")
    return None


def person_picker(key: str, label: str = "Find a person (name or any identifier)") -> str | None:
    """A small search box with a result list; returns the chosen person id or None.

    An analyst gets a pseudonym box instead (`graph/` refuses a name from an analyst).
    """
    analyst = pseudonymous()
    text = st.text_input("Pseudonym" if analyst else label, key=f"{key}_q", live=not analyst,
                         max_chars=MAX_QUERY_CHARS,
                         placeholder="psn_…" if analyst else "e.g. Ximena Hernandez or A012345678")
    if not text or not text.strip():
        return None
    hits = search_or_say_why(text.strip(), 10)
    if hits is None:
        return None
    if not hits:
        st.info("No one matches that name or identifier.")
        return None
    options = [h.person.person_id for h in hits]
    names = {h.person.person_id: f"{h.person.full_name} ({h.person.person_id})" if h.person.full_name
             else h.person.person_id for h in hits}
    return st.selectbox("Matches", options, index=None, key=f"{key}_pick", format_func=names.get,
                        placeholder="choose one")


def require_person(key: str) -> Person:
    """The chosen person, or a picker and the page stopped until someone is chosen."""
    pid = current_person_id()
    try:
        person = queries.person(pid) if pid else None
    except PermissionDeniedError:
        if not pseudonymous():
            raise  # not a pseudonym question: the page says why (e.g. a trainer on real records)
        person = None
        st.warning("Analysts open a person by pseudonym only; this link names one otherwise. Choose by "
                   "pseudonym.")
    else:
        if pid and person is None:
            st.warning("The person in this link is not in the graph (any more). Choose another.")
    if person is None:
        chosen = person_picker(key)
        if chosen:
            set_person(chosen)
            st.rerun()
        st.stop()
    return person


def provenance_table(key: str) -> None:
    """Every source record behind a node or link: agency system, file, row, load time."""
    try:
        prov = queries.provenance(key)
    except PermissionDeniedError:
        if not pseudonymous():
            raise
        st.info("Analysts see the sources of an item named by its pseudonym only.")
        return
    if not prov.records:
        st.info("No source record is linked to this item.")
        return
    st.dataframe(
        pd.DataFrame([{"system": r.system, "file": r.file, "row": r.row_number, "record": r.record_key,
                       "loaded at": r.loaded_at, "batch": r.batch_id} for r in prov.records]),
        hide_index=True, key=f"prov_{key}",
    )

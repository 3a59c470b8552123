"""Hostile text in every text box and deep-link parameter of the explorer is data, on both engines.

Cypher fragments, quotes, markup, control characters, right-to-left marks and over-long strings
go into the search box and into every query parameter a page reads (`person`, `to`, `item`,
`target`, `who_viewed`). A page may say "no one matches" or "not allowed", never fail; the graph
is unchanged afterwards; a search is logged with the text exactly as typed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.nav import ROLE_PAGES
from graph.access import MAX_QUERY_CHARS, Role
from graph.audit import AuditLog
from graph.store import GraphStore
from tests.explorer.test_access_pages import as_role, leaks, open_page

NASTY = [
    "' OR 1=1 //", "\") MATCH (n) DETACH DELETE n //", "}]->(x) RETURN x", "$param", "`backtick`",
    '<script>alert("x")</script>', "<img src=x onerror=alert(1)>", "[link](javascript:alert(1))",
    "\u202eevil\u202c", "\u200f\u200eمحمد", "line\nbreak\ttab\x00nul\x1b[31m", "%27%22", "\\", "😀" * 3,
    "x" * (MAX_QUERY_CHARS + 5),
]
PARAMS = ["person", "to", "item", "target", "who_viewed"]
hostile = st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=60))


def graph_unchanged(store: GraphStore, before: object) -> None:
    assert store.counts() == before


@pytest.mark.parametrize("text", NASTY)
def test_hostile_search_text_is_data(app_store: GraphStore, audit_file: Path, text: str) -> None:
    before = app_store.counts()
    at = open_page("find", q=text)
    assert not at.exception, [e.value for e in at.exception]
    graph_unchanged(app_store, before)
    logged = [e.parameters["text"] for e in AuditLog(audit_file).entries(action="search")]
    # The box holds at most MAX_QUERY_CHARS (longer links are cut, as the browser cuts typing).
    assert logged == [text[:MAX_QUERY_CHARS].strip()]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=hostile, role=st.sampled_from([Role.CASEWORKER, Role.ANALYST, Role.ADMIN]))
def test_hostile_deep_link_parameters_are_data_on_every_page(
    app_store: GraphStore, monkeypatch: pytest.MonkeyPatch, value: str, role: Role
) -> None:
    as_role(monkeypatch, role)
    before = app_store.counts()
    for name in ROLE_PAGES[role]:
        at = open_page(name, **dict.fromkeys(PARAMS, value))
        assert not at.exception, (name, [e.value for e in at.exception])
        if role is Role.ANALYST:
            assert not leaks(at)
    graph_unchanged(app_store, before)

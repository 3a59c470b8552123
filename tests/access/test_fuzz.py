"""Hostile text is data: Cypher fragments, quotes, markup, over-long strings, control characters
and right-to-left marks, through `SecuredGraph.search_persons` and through upsert + get_person,
on both engines. The only error allowed is a clear ValueError (search text over the limit)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.access import MAX_QUERY_CHARS, Role
from graph.errors import PermissionDeniedError
from graph.model import GraphBatch, Person, stable_id
from graph.store import GraphStore
from tests.access.conftest import Secure

NASTY = [
    "' OR 1=1 //", '" OR ""="', "}) MATCH (n) DETACH DELETE n //", "MATCH (n) RETURN n",
    "$text", "{text}", "`Person`", "\\", "\\'", "'; DROP TABLE Person; --", "CALL db.labels()",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "{{7*7}}", "%s%n",
    "\u202eLópez\u202c", "\u200f\u200eMaría", "\u2066José\u2069", "\x00", "\x1b[31m", "\r\n", "\t",
    "\u0000\u0001\u001f\u007f", "\ufeff", "\U0001f600", "Ⅻ", "ß", "İ", "A-000-000-001",
    "x" * 5000, "n:" * 400,
]
text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.lists(st.sampled_from(NASTY) | st.text(max_size=8), min_size=2, max_size=6).map("".join),
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(query=text)
def test_search_treats_text_as_data(scenario_store: GraphStore, secure: Secure, query: str) -> None:
    for role in (Role.CASEWORKER, Role.ADMIN):
        graph = secure(scenario_store, role)
        if len(query) > MAX_QUERY_CHARS:
            with pytest.raises(ValueError, match="longer than"):
                graph.search_persons(query)
            continue
        hits = graph.search_persons(query)
        assert isinstance(hits, list) and all(h.person.person_id for h in hits)
    with pytest.raises((PermissionDeniedError, ValueError)):
        secure(scenario_store, Role.ANALYST).search_persons(query)


@settings(FUZZ, max_examples=12)
@given(values=st.lists(text, min_size=1, max_size=12, unique=True))
def test_stored_text_comes_back_unchanged(store: GraphStore, secure: Secure, values: list[str]) -> None:
    # A dozen texts per upsert: LadybugDB 0.22 keeps ~14 MB of page cache per small upsert, so
    # one upsert per text would fill the tests' 256 MiB cache (see the access report).
    persons = [
        Person(person_id="fz-" + stable_id(v), given_names=v, surnames=v[::-1], name_variants=[v],
               identifiers=[f"fuzz:{v}"], country=v[:40])
        for v in values
    ]
    store.upsert(GraphBatch(persons=persons))
    graph = secure(store, Role.CASEWORKER)
    for value, person in zip(values, persons, strict=True):
        got = graph.get_person(person.person_id)
        assert got is not None
        # `or ""`: Neo4j gives an empty optional text back as null, LadybugDB as "" (see the report).
        assert (got.given_names, got.surnames, got.name_variants, got.identifiers, got.country or "") == (
            value, value[::-1], [value], [f"fuzz:{value}"], value[:40])
        assert graph.get_person(value) is None or value == person.person_id
        if len(value) <= MAX_QUERY_CHARS:
            graph.search_persons(value)

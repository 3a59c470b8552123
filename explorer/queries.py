"""Graph reads for the pages: every read the explorer makes goes through here, to a `SecuredGraph`.

Each function is memoised per session, keyed by its parameters plus the data version, so a
result is recomputed after a load or a review decision and never served stale. The memo is the
session's own, never shared: what a read returns, and what it writes to the audit log, depends on
who asks. It also keeps the audit log honest: a page re-runs on every widget change, and without
the memo each re-run would log the same view again; with it a view is logged once per session and
data version. Compositions of several operations live here too, with the operation we would
rather have on `GraphStore` named in their docstring.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from explorer.store import data_version, secured_graph
from graph.access import SecuredGraph
from graph.model import (
    Census,
    CensusRow,
    ConflictRow,
    Counts,
    CustodyStep,
    Evidence,
    FamilyLink,
    FamilyPath,
    LoadBatch,
    Neighbourhood,
    OrphanCounts,
    OrphanRow,
    Person,
    PersonHit,
    PossibleMatch,
    Provenance,
    QuarantineEntry,
    Review,
    Separation,
    Whereabouts,
)

P = ParamSpec("P")
R = TypeVar("R")
MEMO_KEY = "_lineage_reads"
MEMO_MAX = 512  # results kept per session; the oldest goes first


def versioned(fn: Callable[Concatenate[SecuredGraph, P], R]) -> Callable[P, R]:
    """Memoise `fn(graph, *args)` in the session by (data version, args); callers pass only the args."""

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        memo: dict[tuple[Any, ...], Any] = st.session_state.setdefault(MEMO_KEY, {})
        key = (fn.__name__, data_version(), args, tuple(sorted(kwargs.items())))
        if key not in memo:
            if len(memo) >= MEMO_MAX:
                del memo[next(iter(memo))]
            memo[key] = fn(secured_graph(), *args, **kwargs)
        return memo[key]

    return call


def forget() -> None:
    """Drop this session's memo (after its own write, so the next read shows the decision)."""
    st.session_state.pop(MEMO_KEY, None)


@versioned
def search(store: SecuredGraph, text: str, limit: int = 20) -> list[PersonHit]:
    return store.search_persons(text, limit=limit)


@versioned
def person(store: SecuredGraph, person_id: str) -> Person | None:
    return store.get_person(person_id)


@versioned
def relatives(
    store: SecuredGraph, person_id: str, hops: int = 2, kinds: tuple[str, ...] | None = None,
    min_evidence: str = Evidence.CLAIMED.value, limit: int = 300,
) -> Neighbourhood:
    return store.relatives(person_id, hops=hops, kinds=kinds, min_evidence=min_evidence, limit=limit)


@versioned
def family_path(store: SecuredGraph, from_id: str, to_id: str, max_hops: int = 6) -> FamilyPath | None:
    return store.family_path(from_id, to_id, max_hops=max_hops)


@versioned
def custody_chain(store: SecuredGraph, person_id: str, known_on: date | None = None) -> list[CustodyStep]:
    return store.custody_chain(person_id, known_on=known_on)


@versioned
def custody_chains(store: SecuredGraph, person_ids: tuple[str, ...]) -> dict[str, list[CustodyStep]]:
    """Chains of several persons in one query and one audit entry."""
    return store.custody_chains(list(person_ids))


@versioned
def whereabouts(store: SecuredGraph, person_id: str, on: date, hops: int = 2) -> list[Whereabouts]:
    return store.family_whereabouts(person_id, on, hops=hops)


@versioned
def provenance(store: SecuredGraph, key: str) -> Provenance:
    return store.provenance(key)


@versioned
def orphans(store: SecuredGraph, reasons: tuple[str, ...], limit: int | None = None) -> list[OrphanRow]:
    """The first `limit` children (by id) meeting any of `reasons`; none when none is chosen."""
    return store.orphaned_children(list(reasons), limit=limit) if reasons else []


@versioned
def orphan_counts(store: SecuredGraph, reasons: tuple[str, ...]) -> OrphanCounts:
    """Per definition, and how many meet any of `reasons`: counted in the database."""
    return store.orphan_counts(list(reasons) or None)


@versioned
def census(store: SecuredGraph, on: date, known_on: date | None = None) -> list[CensusRow]:
    return store.separated_not_reunified(on, known_on=known_on)


@versioned
def census_counts(store: SecuredGraph, on: date, known_on: date | None = None) -> Census:
    """How many, where: aggregated in the database, cheap enough for a chart over many days."""
    return store.census(on, known_on=known_on)


@versioned
def quarantine(store: SecuredGraph, limit: int = 1000) -> list[QuarantineEntry]:
    return store.quarantine(limit=limit)


@versioned
def pending(store: SecuredGraph, limit: int = 200) -> tuple[list[FamilyLink], list[PossibleMatch]]:
    return store.pending_reviews(limit=limit)


@versioned
def review_history(store: SecuredGraph, target_key: str) -> list[Review]:
    return store.review_history(target_key)


@versioned
def counts(store: SecuredGraph) -> Counts:
    return store.counts()


@versioned
def load_batches(store: SecuredGraph) -> list[LoadBatch]:
    return store.load_batches()


@versioned
def separations(store: SecuredGraph, person_ids: tuple[str, ...]) -> list[Separation]:
    """The separation events these persons were separated in, by date, reunified or not."""
    return [event.separation for event in store.separations(list(person_ids))]


@versioned
def conflicts(store: SecuredGraph, limit: int = 200) -> list[ConflictRow]:
    return store.conflicting_parent_claims(limit)

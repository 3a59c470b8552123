"""Cached graph reads for the pages: every `GraphStore` read the explorer makes goes through here.

Each function is cached with `st.cache_data`, keyed by its parameters plus the data version, so a
result is recomputed after a load or a review decision and never served stale. Results are the
store's pydantic records (they pickle). Compositions of several operations live here too, with
the operation we would rather have on `GraphStore` named in their docstring.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Concatenate, ParamSpec, TypeVar

import streamlit as st

from explorer.store import data_version, get_store
from graph.model import (
    Census,
    CensusRow,
    Counts,
    CustodyStep,
    Evidence,
    FamilyLink,
    FamilyPath,
    LoadBatch,
    Neighbourhood,
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
from graph.store import GraphStore

P = ParamSpec("P")
R = TypeVar("R")


def versioned(fn: Callable[Concatenate[GraphStore, P], R]) -> Callable[P, R]:
    """Cache `fn(store, *args)` by (data version, args); callers pass only the args."""

    @functools.wraps(fn)
    def run(version: str, *args: P.args, **kwargs: P.kwargs) -> R:
        return fn(get_store(), *args, **kwargs)

    cached = st.cache_data(show_spinner=False, max_entries=512)(run)

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        return cached(data_version(), *args, **kwargs)

    return call


@versioned
def search(store: GraphStore, text: str, limit: int = 20) -> list[PersonHit]:
    return store.search_persons(text, limit=limit)


@versioned
def person(store: GraphStore, person_id: str) -> Person | None:
    return store.get_person(person_id)


@versioned
def relatives(
    store: GraphStore, person_id: str, hops: int = 2, kinds: tuple[str, ...] | None = None,
    min_evidence: str = Evidence.CLAIMED.value, limit: int = 300,
) -> Neighbourhood:
    return store.relatives(person_id, hops=hops, kinds=kinds, min_evidence=min_evidence, limit=limit)


@versioned
def family_path(store: GraphStore, from_id: str, to_id: str, max_hops: int = 6) -> FamilyPath | None:
    return store.family_path(from_id, to_id, max_hops=max_hops)


@versioned
def custody_chain(store: GraphStore, person_id: str, known_on: date | None = None) -> list[CustodyStep]:
    return store.custody_chain(person_id, known_on=known_on)


@versioned
def custody_chains(store: GraphStore, person_ids: tuple[str, ...]) -> dict[str, list[CustodyStep]]:
    """Chains of several persons at once (one `custody_chain` call each).

    Wanted on `GraphStore`: `custody_chains(ids)` in one query, for big neighbourhoods.
    """
    return {pid: store.custody_chain(pid) for pid in person_ids}


@versioned
def whereabouts(store: GraphStore, person_id: str, on: date, hops: int = 2) -> list[Whereabouts]:
    return store.family_whereabouts(person_id, on, hops=hops)


@versioned
def provenance(store: GraphStore, key: str) -> Provenance:
    return store.provenance(key)


@versioned
def orphans(store: GraphStore, reasons: tuple[str, ...] | None = None) -> list[OrphanRow]:
    return store.orphaned_children(list(reasons) if reasons else None)


@versioned
def census(store: GraphStore, on: date, known_on: date | None = None) -> list[CensusRow]:
    return store.separated_not_reunified(on, known_on=known_on)


@versioned
def census_counts(store: GraphStore, on: date, known_on: date | None = None) -> Census:
    """How many, where: aggregated in the database, cheap enough for a chart over many days."""
    return store.census(on, known_on=known_on)


@versioned
def quarantine(store: GraphStore, limit: int = 1000) -> list[QuarantineEntry]:
    return store.quarantine(limit=limit)


@versioned
def pending(store: GraphStore, limit: int = 200) -> tuple[list[FamilyLink], list[PossibleMatch]]:
    return store.pending_reviews(limit=limit)


@versioned
def review_history(store: GraphStore, target_key: str) -> list[Review]:
    return store.review_history(target_key)


@versioned
def counts(store: GraphStore) -> Counts:
    return store.counts()


@versioned
def load_batches(store: GraphStore) -> list[LoadBatch]:
    return store.load_batches()


def separations_for(person_ids: Iterable[str], chains: dict[str, list[CustodyStep]]) -> list[Separation]:
    """Separations of the given children, found through the census on their handoff days.

    `GraphStore` has no "separations of a person" read, so this asks the census (children
    separated and not yet reunified) on the day of each child's first handoff and on the day
    before its last stay ended, and keeps the rows about these children. A separation whose
    child was reunified before either day is missed.
    Wanted on `GraphStore`: `separations(person_id)` returning `Separation` records directly.
    """
    wanted = set(person_ids)
    days: set[date] = set()
    for pid in wanted:
        chain = chains.get(pid, [])
        if len(chain) > 1:  # the first handoff: a separation happens before the child moves on
            days.add(chain[1].stay.start.date())
        if chain and chain[-1].stay.end is not None:  # the day before the chain's last stay ended
            days.add(chain[-1].stay.end.date() - timedelta(days=1))
    found: dict[str, Separation] = {}
    for day in sorted(days):
        for row in census(day):
            if row.person.person_id in wanted:
                found.setdefault(row.separation.separation_id, row.separation)
    return sorted(found.values(), key=lambda s: (s.date, s.separation_id))

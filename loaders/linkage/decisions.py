"""Reviewers' decisions as hard constraints, and stable person ids for the clusters that result.

A decision names two persons (`match_id` "a~b"), but person ids move when resolution runs again.
So each decision is pinned, the first time resolution sees it, to the *mentions* the two persons
had then (`Sides`, kept in the ledger); from then on it holds whatever the ids become:

- confirmed: every mention of both sides is one person (must-link), whatever the model says;
- rejected: no merge may join a mention of one side with a mention of the other (cannot-link);
  this is also how an automatic merge is undone.

Decisions by `RESOLVER` (the log of automatic merges) are not constraints: a later run with more
data may decide otherwise. The latest decision on a target wins.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from graph.errors import NotFoundError
from graph.model import LinkStatus, Review, stable_id
from graph.store import GraphStore

#: Who the automatic merges are logged as in the review history.
RESOLVER = "lineage resolve"


@dataclass(frozen=True)
class Sides:
    """A match decision pinned to mentions (mention keys `record_key#ref`)."""

    target_key: str
    decision: LinkStatus
    a: frozenset[str]
    b: frozenset[str]

    def as_memory(self) -> dict[str, list[str]]:
        return {"a": sorted(self.a), "b": sorted(self.b)}


def is_match_key(key: str) -> bool:
    """Match ids are 'a~b'; family link ids are 'KIND:from:to'."""
    return "~" in key


def latest(reviews: Iterable[Review], *, humans_only: bool) -> dict[str, Review]:
    """The last decision per target (reviews come oldest first)."""
    out: dict[str, Review] = {}
    for review in reviews:
        if not (humans_only and review.reviewer == RESOLVER):
            out[review.target_key] = review
    return out


def match_sides(
    decided: Mapping[str, Review],
    pinned: Mapping[str, dict[str, list[str]]],
    mentions_of: Mapping[str, frozenset[str]],
) -> list[Sides]:
    """Each match decision with its sides: as pinned before, else the two persons' mentions now."""
    out = []
    for key, review in sorted(decided.items()):
        if not is_match_key(key):
            continue
        a, b = key.split("~", 1)
        sides = pinned.get(key) or {"a": sorted(mentions_of.get(a, ())), "b": sorted(mentions_of.get(b, ()))}
        if sides["a"] and sides["b"]:
            out.append(Sides(key, review.decision, frozenset(sides["a"]), frozenset(sides["b"])))
    return out


def constrained(
    frame: pd.DataFrame, base: pd.Series, merges: pd.DataFrame, decisions: list[Sides]
) -> pd.Series:
    """Clusters (`unique_id` → smallest unique_id of its cluster) honouring the decisions.

    Args:
        frame: the mentions frame.
        base: the clustering before any probabilistic merge (identifier groups).
        merges: the probabilistic merges made, best first (`Decisions.merges`); replayed, minus
            any that would join the two sides of a rejection.
        decisions: from `match_sides`.
    """
    uid_of = dict(zip(frame["mention_key"], frame["unique_id"], strict=True))
    parent = {int(u): int(r) for u, r in base.items()}
    tags: dict[int, set[tuple[int, str]]] = defaultdict(set)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            keep, gone = min(ra, rb), max(ra, rb)
            parent[gone] = keep
            tags[keep] |= tags.pop(gone, set())

    for u in list(parent):
        find(u)
    rejected = [d for d in decisions if d.decision == LinkStatus.REJECTED]
    for n, d in enumerate(rejected):
        for side, keys in (("a", d.a), ("b", d.b)):
            for key in keys:
                if key in uid_of:
                    tags[find(uid_of[key])].add((n, side))
    for left, right in zip(merges["unique_id_l"], merges["unique_id_r"], strict=True):
        ra, rb = find(int(left)), find(int(right))
        if ra == rb:
            continue
        other = {(n, "b" if s == "a" else "a") for n, s in tags.get(ra, ())}
        if other.isdisjoint(tags.get(rb, ())):
            union(ra, rb)
    for d in decisions:
        if d.decision == LinkStatus.CONFIRMED:
            present = [uid_of[k] for k in sorted(d.a | d.b) if k in uid_of]
            for uid in present[1:]:
                union(present[0], uid)
    return pd.Series({u: find(u) for u in sorted(parent)})


def stable_ids(
    clusters: pd.Series, current: pd.Series, former: Mapping[int, Sequence[str]], fresh: Mapping[int, str]
) -> pd.Series:
    """A person id for every mention: each cluster keeps an id its mentions have, or had.

    The cluster holding most mentions of a current person keeps that person's id (largest
    clusters choose first; ties by id), so merged persons keep one of their ids. A cluster with
    no current id left takes an id its mentions had when a decision was pinned (`former`: the
    split-off side of an undone merge gets its old id back), else `fresh[root]` (derived from its
    mentions, so re-runs agree).

    Args:
        clusters: unique_id → cluster root.
        current: unique_id → person id now.
        former: unique_id → ids its mention had at decisions (`Sides`).
        fresh: cluster root → an id to use when none of its ids is free.
    """
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    earlier: dict[int, Counter[str]] = defaultdict(Counter)
    for uid, root in clusters.items():
        votes[int(root)][current[uid]] += 1
        earlier[int(root)].update(former.get(int(uid), ()))
    taken: set[str] = set()
    id_of: dict[int, str] = {}
    for root in sorted(votes, key=lambda r: (-sum(votes[r].values()), r)):
        ranked = sorted(votes[root].items(), key=lambda kv: (-kv[1], kv[0]))
        ranked += sorted(earlier[root].items(), key=lambda kv: (-kv[1], kv[0]))
        id_of[root] = next((pid for pid, _ in ranked if pid not in taken), fresh[root])
        taken.add(id_of[root])
    return pd.Series({uid: id_of[int(root)] for uid, root in clusters.items()})


def record_decision(store: GraphStore, key: str, decision: LinkStatus, reviewer: str, reason: str) -> Review:
    """A reviewer's decision on a family link, a possible match, or an automatic merge.

    Links and matches go through `GraphStore.record_review`. An automatic merge has no
    relationship left to mark (its two persons are one), so its decision is appended to the
    history, where the next resolution reads it: rejecting a merge undoes it.

    Raises:
        NotFoundError: no link, match or automatic merge has that key.
        ValueError: decision, reviewer or reason invalid (as `record_review`).
    """
    try:
        return store.record_review(key, decision, reviewer, reason)
    except NotFoundError:
        if not any(r.reviewer == RESOLVER for r in store.review_history(key)):
            raise NotFoundError(f"no family link, match or automatic merge has the key {key!r}") from None
    decided_at = datetime.now().replace(microsecond=0)
    review = Review(
        review_id=stable_id(key, reviewer, decided_at.isoformat()),
        target_key=key,
        decision=decision,
        reviewer=reviewer,
        reason=reason,
        decided_at=decided_at,
        previous_status=store.review_history(key)[-1].decision,
    )
    store.append_reviews([review])
    return review

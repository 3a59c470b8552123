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


@dataclass
class Constrained:
    """Clusters honouring the decisions and the facts no merge may contradict.

    Attributes:
        clusters: unique_id → smallest unique_id of its cluster.
        refused: the probabilistic merges left out (a reviewer's rejection or a contradiction),
            to be offered for review instead.
        split_identifiers: unique_ids whose identifier is shared with a mention of a person it
            contradicts (kept apart; the data-quality report lists them).
    """

    clusters: pd.Series
    refused: pd.DataFrame
    split_identifiers: set[int]


class _People:
    """Union-find whose roots carry what a merge may not contradict: sexes, child/adult, names,
    and the sides of rejections."""

    def __init__(self, frame: pd.DataFrame) -> None:
        n = len(frame)
        self.parent = list(range(n))
        self.sex = [{x} if isinstance(x, str) else set() for x in frame["sex"]]
        self.child = [{bool(x)} if x is not None and not pd.isna(x) else set() for x in frame["is_child"]]
        self.given = [set(x) for x in frame["given_sounds"]]
        self.spelled = [set(x) for x in frame["given_tokens"]]
        self.surname = [set(x) for x in frame["surname_sounds"]]
        self.tags: list[set[tuple[int, str]]] = [set() for _ in range(n)]

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        keep, gone = min(a, b), max(a, b)
        self.parent[gone] = keep
        for attr in (self.sex, self.child, self.given, self.spelled, self.surname, self.tags):
            attr[keep] |= attr[gone]
            attr[gone] = set()

    def contradicts(self, a: int, b: int, *, names: bool) -> bool:
        """Roots `a` and `b` cannot be one person: a child and an adult, two sexes, or (for an
        identifier, which a typo can land on a stranger's) names that disagree: neither a given
        name nor a surname in common; or, when only given names are known on a side, none that
        even shares half its letters (a tracker's "Andrea", first name only, whose typo'd
        A-number is a CBP "Héctor Zelaya Ruiz"'s; a clerk's "Anrdea" for "Adnrea" still agrees);
        or a reviewer rejected them."""
        if {(n, "b" if s == "a" else "a") for n, s in self.tags[a]} & self.tags[b]:
            return True
        if len(self.child[a] | self.child[b]) > 1:
            return True
        if not names:
            return False
        if self.sex[a] and self.sex[b] and self.sex[a].isdisjoint(self.sex[b]):
            return True
        given, surname = (
            bool(mine[a] and mine[b] and mine[a].isdisjoint(mine[b])) for mine in (self.given, self.surname)
        )
        if given and surname:
            return True
        surnames_unknown = not (self.surname[a] and self.surname[b])
        return (
            given
            and surnames_unknown
            and not any(_letters_alike(x, y) for x in self.spelled[a] for y in self.spelled[b])
        )


def _letters_alike(x: str, y: str) -> bool:
    """Whether two spellings share at least half their letters (a typo or two keeps most)."""
    common = sum((Counter(x) & Counter(y)).values())
    return 2 * common >= max(len(x), len(y))


def constrained(frame: pd.DataFrame, merges: pd.DataFrame, decisions: list[Sides]) -> Constrained:
    """Persons from identifiers, the probabilistic merges (best first) and reviewers' decisions.

    1. Mentions sharing a normalised A-number or an agency id are one person, unless the two
       contradict (`_People.contradicts`): a typo'd A-number landing on a stranger's;
    2. the probabilistic merges are replayed best first, minus any that would join a child and
       an adult or the two sides of a rejection;
    3. the mentions of each confirmed decision are joined, whatever the model said.

    Args:
        frame: the mentions frame (`unique_id` dense from 0).
        merges: the probabilistic merges made, best first (`Decisions.merges`).
        decisions: from `match_sides`.
    """
    uid_of = dict(zip(frame["mention_key"], frame["unique_id"], strict=True))
    people = _People(frame)
    split: set[int] = set()
    first: dict[str, int] = {}
    for uid, a_number, idents in zip(
        frame["unique_id"], frame["a_number"], frame["identifiers"], strict=True
    ):
        keys = ([f"a:{a_number}"] if isinstance(a_number, str) else []) + [f"id:{i}" for i in idents]
        for key in keys:
            owner = first.setdefault(key, int(uid))
            ra, rb = people.find(int(uid)), people.find(owner)
            if ra != rb and people.contradicts(ra, rb, names=True):
                split |= {int(uid), owner}
            elif ra != rb:
                people.union(ra, rb)
    rejected = [d for d in decisions if d.decision == LinkStatus.REJECTED]
    for n, d in enumerate(rejected):
        for side, keys in (("a", d.a), ("b", d.b)):
            for key in keys:
                if key in uid_of:
                    people.tags[people.find(uid_of[key])].add((n, side))
    refused = []
    for pos, (left, right) in enumerate(zip(merges["unique_id_l"], merges["unique_id_r"], strict=True)):
        ra, rb = people.find(int(left)), people.find(int(right))
        if ra == rb:
            continue
        if people.contradicts(ra, rb, names=False):
            refused.append(pos)
        else:
            people.union(ra, rb)
    for d in decisions:
        if d.decision == LinkStatus.CONFIRMED:
            present = [uid_of[k] for k in sorted(d.a | d.b) if k in uid_of]
            for uid in present[1:]:
                ra, rb = people.find(present[0]), people.find(uid)
                if ra != rb:
                    people.union(ra, rb)
    clusters = pd.Series([people.find(u) for u in range(len(frame))], index=frame["unique_id"])
    return Constrained(clusters, merges.iloc[refused].reset_index(drop=True), split)


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
    decided_at = datetime.now()  # microseconds kept: the history stays in decision order
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

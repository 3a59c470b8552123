"""From scored pairs to persons: merge, flag for review, or leave apart.

Connected components over every pair above a threshold chain whole populations together (one
wrong link between two big families joins both). Instead, clusters grow greedily from the most
probable pair down, and a merge is refused when it would put together mentions that cannot be
one person:

- two mentions of one record (an ORR file's child and the parent it names);
- two members of one family unit or group (twins, siblings recorded together);
- two records of a source that holds each person once (`once_sources`): this is single-best-link
  clustering — the best-scoring record of such a source wins, later ones cannot join too;
- a cluster larger than `max_cluster` mentions (refusals are counted and reported);
- given names that contradict (the 'different' level): such a pair is at most a possible match,
  however well the surnames, date of birth and family agree — that is how twins look.

Exact normalised A-number or agency-id agreement is decided first, deterministically; a refused
or contradicting pair above the merge threshold becomes a possible match for review.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

#: (source, mention ref) holding each person once: one ORR file per child (a parent may be named in
#: several children's files), one register number per prisoner.
ONCE_SOURCES = frozenset({("orr_portal", "child"), ("usms", "subject")})


#: What `decide` reads from scored pairs (`model.score` gives these and more).
PAIR_COLUMNS = ["unique_id_l", "unique_id_r", "match_probability", "gamma_given", "explanation"]


@dataclass(frozen=True)
class Thresholds:
    """Decision settings; defaults measured on the synthetic benchmark (docs/linkage.md).

    Args:
        merge: at or above this match probability, two mentions are one person.
        review: from here up to `merge`, a possible match awaits review; below, nothing.
        max_cluster: largest number of mentions a probabilistic merge may create.
        once_sources: (source, ref) pairs holding each person at most once (single-best-link).
    """

    merge: float = 0.99
    review: float = 0.5
    max_cluster: int = 60
    once_sources: frozenset[tuple[str, str]] = ONCE_SOURCES


@dataclass
class ClusterReport:
    """What clustering did, for the run's log and the data-quality report."""

    mentions: int = 0
    persons: int = 0
    deterministic_merges: int = 0
    probabilistic_merges: int = 0
    possible_matches: int = 0
    largest_cluster: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    conflicting_identifiers: int = 0  # identifier groups holding two mentions of one record


@dataclass
class Decisions:
    """Every mention's person (`person_of[unique_id]` = smallest unique_id of its cluster), the
    probabilistic merges made and the possible matches left for review, each with explanation."""

    person_of: pd.Series
    merges: pd.DataFrame
    possible: pd.DataFrame
    report: ClusterReport


class _Clusters:
    """Union-find whose roots carry what the merge constraints need."""

    def __init__(self, frame: pd.DataFrame, once: frozenset[tuple[str, str]]) -> None:
        n = len(frame)
        self.parent = list(range(n))
        self.size = [1] * n
        self.records: list[set[str]] = [{rk} for rk in frame["record_key"]]
        self.units: list[set[str]] = [set(u) for u in frame["family_units"]]
        self.once: list[dict[str, str]] = [
            {src: rk} if (src, ref) in once else {}
            for src, ref, rk in zip(frame["source"], frame["ref"], frame["record_key"], strict=True)
        ]

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def conflict(self, a: int, b: int, cap: int) -> str | None:
        """Why roots `a` and `b` may not merge, or None."""
        if self.size[a] + self.size[b] > cap:
            return "cluster size cap"
        small, big = (a, b) if self.size[a] <= self.size[b] else (b, a)
        if not self.records[small].isdisjoint(self.records[big]):
            return "same record"
        if not self.units[small].isdisjoint(self.units[big]):
            return "same family unit"
        if any(self.once[big].get(src, rk) != rk for src, rk in self.once[small].items()):
            return "source holds each person once"
        return None

    def union(self, a: int, b: int) -> None:
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        self.records[a] |= self.records[b]
        self.units[a] |= self.units[b]
        self.once[a].update(self.once[b])
        self.records[b], self.units[b], self.once[b] = set(), set(), {}


def _identifier_groups(frame: pd.DataFrame, clusters: _Clusters, report: ClusterReport) -> None:
    """Merge mentions sharing a normalised A-number or an agency's own id: no model needed."""
    first: dict[str, int] = {}
    for uid, a_number, idents in zip(
        frame["unique_id"], frame["a_number"], frame["identifiers"], strict=True
    ):
        keys = ([f"a:{a_number}"] if isinstance(a_number, str) else []) + [f"id:{i}" for i in idents]
        for key in keys:
            other = first.setdefault(key, uid)
            ra, rb = clusters.find(uid), clusters.find(other)
            if ra != rb:
                if not clusters.records[ra].isdisjoint(clusters.records[rb]):
                    report.conflicting_identifiers += 1
                clusters.union(ra, rb)
                report.deterministic_merges += 1


def decide(frame: pd.DataFrame, pairs: pd.DataFrame, thresholds: Thresholds | None = None) -> Decisions:
    """Merge, flag or leave apart every scored pair; see the module docstring for the rules.

    Args:
        frame: the mentions frame (`mentions_frame`), `unique_id` dense from 0.
        pairs: `model.score` output (at least `unique_id_l/_r`, `match_probability`,
            `explanation`, `gamma_given`).
        thresholds: decision settings.
    """
    t = thresholds or Thresholds()
    report = ClusterReport(mentions=len(frame))
    clusters = _Clusters(frame, t.once_sources)
    _identifier_groups(frame, clusters, report)
    ranked = pairs[pairs["match_probability"] >= t.review].sort_values(
        ["match_probability", "unique_id_l", "unique_id_r"], ascending=[False, True, True], kind="stable"
    )
    merged: list[int] = []
    review: list[int] = []
    contradiction = ranked["gamma_given"].to_numpy() == 0
    for pos, (left, right, prob) in enumerate(
        zip(ranked["unique_id_l"], ranked["unique_id_r"], ranked["match_probability"], strict=True)
    ):
        a, b = clusters.find(int(left)), clusters.find(int(right))
        if a == b:
            continue
        if prob < t.merge:
            review.append(pos)
            continue
        reason = "given names contradict" if contradiction[pos] else clusters.conflict(a, b, t.max_cluster)
        if reason:
            report.refused[reason] += 1
            review.append(pos)
            continue
        clusters.union(a, b)
        merged.append(pos)
    roots = pd.Series([clusters.find(i) for i in range(len(frame))], index=frame["unique_id"])
    person_of = pd.Series(roots.index, index=roots.index).groupby(roots.to_numpy()).transform("min")
    possible = ranked.iloc[review]
    possible = possible[
        person_of.loc[possible["unique_id_l"]].to_numpy() != person_of.loc[possible["unique_id_r"]].to_numpy()
    ]
    report.probabilistic_merges = len(merged)
    report.possible_matches = len(possible)
    sizes = person_of.value_counts()
    report.persons, report.largest_cluster = len(sizes), int(sizes.max()) if len(sizes) else 0
    return Decisions(
        person_of, ranked.iloc[merged].reset_index(drop=True), possible.reset_index(drop=True), report
    )

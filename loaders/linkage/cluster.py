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
  however well the surnames, date of birth and family agree — that is how twins look;
- a name alone: no date of birth on a side, no A-number on a side, and at most one relative's
  first name in common (`name_alone`). Two strangers can share a full name; such a pair waits for
  review;
- surnames crossed: both sides write two surnames and the only one they share sits first on one
  side and second on the other (Mario Orellana Chávez, Mario Batz Orellana: by Spanish naming, a
  man and the son of a woman of his name). One person's surnames are written dropped, swapped or
  misspelt, never shifted by one (`surnames_crossed`); such a pair waits for review.

Exact normalised A-number or agency-id agreement is decided first, deterministically; a refused
or contradicting pair above the merge threshold becomes a possible match for review.

Sized for a million mentions: the identifier step is a vectorised connected-components pass, the
constraint state of a cluster is built only when a probabilistic merge touches it, and the
Python loop visits only pairs at or above `merge` (pairs below it cannot change a cluster, so
whether they are possible matches is read off the final clusters).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from loaders.linkage.rules import one_typo
from loaders.linkage.stages import stage

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


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components of nodes `0..n-1` over edges `left[i]`–`right[i]`.

    Returns:
        Each node's label: the smallest node of its component. Min-label propagation with
        pointer jumping, all in numpy: a few rounds even for a million nodes, no Python loop
        per node or edge.
    """
    labels = np.arange(n)
    while True:
        low = np.minimum(labels[left], labels[right])
        new = labels.copy()
        for side in (left, right, labels[left], labels[right]):  # hook the nodes and their labels
            np.minimum.at(new, side, low)
        while not np.array_equal(jumped := new[new], new):
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new


class _Clusters:
    """Union-find over mention positions; a root carries what the merge constraints need.

    Constraint state (records, family units, once-sources) is built only for clusters a merge
    touches, from the frame: most mentions are never touched, and a million small sets cost seconds.
    """

    def __init__(self, frame: pd.DataFrame, labels: np.ndarray, once: frozenset[tuple[str, str]]) -> None:
        self.parent: list[int] = labels.tolist()
        self.size: list[int] = np.bincount(labels, minlength=len(labels)).tolist()
        self.record_key = frame["record_key"].to_numpy()
        self.family_units = frame["family_units"].to_numpy()
        self.once_key = [
            (src, rk) if (src, ref) in once else None
            for src, ref, rk in zip(frame["source"], frame["ref"], frame["record_key"], strict=True)
        ]
        self.records: dict[int, set[str]] = {}
        self.units: dict[int, set[str]] = {}
        self.once: dict[int, dict[str, str]] = {}
        self._by_label = np.argsort(labels, kind="stable")  # identifier groups as runs of positions
        sorted_labels = labels[self._by_label]
        self._start = np.searchsorted(sorted_labels, np.arange(len(labels)))
        self._end = np.searchsorted(sorted_labels, np.arange(len(labels)), side="right")

    def _state(self, root: int) -> tuple[set[str], set[str], dict[str, str]]:
        """The constraint state of `root`'s cluster. A root without one has not been merged since
        the identifier step, so its cluster is its identifier group: built from those members."""
        if root not in self.records:
            members = self._by_label[self._start[root] : self._end[root]].tolist()
            self.records[root] = {self.record_key[m] for m in members}
            self.units[root] = {u for m in members for u in self.family_units[m]}
            once: dict[str, str] = {}
            for m in members:
                if self.once_key[m] is not None:
                    once.setdefault(*self.once_key[m])
            self.once[root] = once
        return self.records[root], self.units[root], self.once[root]

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
        s_records, s_units, s_once = self._state(small)
        b_records, b_units, b_once = self._state(big)
        if not s_records.isdisjoint(b_records):
            return "same record"
        if not s_units.isdisjoint(b_units):
            return "same family unit"
        if any(b_once.get(src, rk) != rk for src, rk in s_once.items()):
            return "source holds each person once"
        return None

    def union(self, a: int, b: int) -> None:
        if self.size[a] < self.size[b]:
            a, b = b, a
        a_state, b_state = self._state(a), self._state(b)
        self.parent[b] = a
        self.size[a] += self.size[b]
        a_state[0].update(b_state[0])
        a_state[1].update(b_state[1])
        a_state[2].update(b_state[2])
        del self.records[b], self.units[b], self.once[b]

    def labels(self) -> np.ndarray:
        """Every position's root, paths compressed in numpy."""
        parent = np.asarray(self.parent)
        while not np.array_equal(jumped := parent[parent], parent):
            parent = jumped
        return parent


def _identifier_groups(frame: pd.DataFrame, report: ClusterReport) -> np.ndarray:
    """Components of mentions sharing a normalised A-number or an agency's own id: no model needed.

    Returns:
        Each position's component label (its smallest position).
    """
    ids = frame["identifiers"].explode().dropna()
    keys = pd.concat(
        [
            "a:" + frame["a_number"][frame["a_number"].map(lambda a: isinstance(a, str))],
            "id:" + ids.astype(str),
        ]
    )
    position = pd.Series(np.arange(len(frame)), index=frame.index)
    members = position.loc[keys.index].to_numpy()
    first = pd.Series(members).groupby(keys.to_numpy()).transform("min").to_numpy()
    labels = components(len(frame), members, first)
    report.deterministic_merges = len(frame) - int(np.count_nonzero(labels == np.arange(len(frame))))
    per_record = pd.DataFrame({"label": labels, "record": frame["record_key"].to_numpy()})
    repeated = per_record.duplicated(["label", "record"])
    report.conflicting_identifiers = int(per_record.loc[repeated, "label"].nunique())
    return labels


def name_alone(pairs: pd.DataFrame) -> np.ndarray:
    """Whether each scored pair rests on names alone: its date-of-birth and A-number comparisons
    are at their null level (missing on a side) and the family comparison found at most one
    relative's first name in common (an ORR-named "Ivan Gutiérrez Ruiz" and a CBP stranger of
    that name whose children include a Lucía scored 0.995). A rule pair (`rules`) has no such
    levels and is not name-alone."""
    levels = [pairs[c].fillna(-2).to_numpy() if c in pairs else np.full(len(pairs), -2) for c in NAME_ALONE]
    dob, a_number, family = levels
    return (dob == -1) & (a_number == -1) & (family <= ONE_RELATIVES_NAME) & (family != -2)


def surnames_crossed(frame: pd.DataFrame, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Whether each pair (unique_ids `left`, `right`) of two-surname mentions shares a surname
    only crosswise.

    Two surnames agree when their spelling keys or sound keys are equal or, as written, one typo
    apart (as in the rules: a spelling rule turns García/Garica into two edits); a pair is crossed
    when first-of-one agrees with second-of-the-other, neither first with first nor second with
    second agrees, and it is not the two surnames swapped. (A one-surname side is not judged:
    measured, a lone surname agreeing with the other side's second one is mostly the same person.)
    """
    spelt = (frame["surname1"].to_numpy(), frame["surname2"].to_numpy())
    sound = (frame["surname1_sound"].to_numpy(), frame["surname2_sound"].to_numpy())
    written = frame["surnames_written"].to_numpy()
    two = (pd.notna(spelt[0]) & pd.notna(spelt[1])).astype(bool)
    out = np.zeros(len(left), dtype=bool)
    for i in np.flatnonzero(two[left] & two[right]).tolist():
        a, b = int(left[i]), int(right[i])

        def agree(x: int, y: int, a: int = a, b: int = b) -> bool:
            if spelt[x][a] == spelt[y][b] or (sound[x][a] is not None and sound[x][a] == sound[y][b]):
                return True
            return one_typo(written[a][x], written[b][y])

        across = agree(0, 1), agree(1, 0)
        out[i] = any(across) and not all(across) and not agree(0, 0) and not agree(1, 1)
    return out


#: The comparisons `name_alone` reads (Splink's `gamma_` levels: -1 null, 0 different/none).
NAME_ALONE = ("gamma_dob", "gamma_a_number", "gamma_family")
#: The family comparison's level "a relative's name in common", in both passes
#: (`model.family_comparison`: levels count down to "no relative in common" = 0).
ONE_RELATIVES_NAME = 1


def decide(frame: pd.DataFrame, pairs: pd.DataFrame, thresholds: Thresholds | None = None) -> Decisions:
    """Merge, flag or leave apart every scored pair; see the module docstring for the rules.

    Args:
        frame: the mentions frame (`mentions_frame`), `unique_id` dense from 0.
        pairs: `model.score` output (at least `unique_id_l/_r`, `match_probability`,
            `explanation`, `gamma_given`).
        thresholds: decision settings.
    """
    with stage("cluster"):
        return _decide(frame, pairs, thresholds or Thresholds())


def _decide(frame: pd.DataFrame, pairs: pd.DataFrame, t: Thresholds) -> Decisions:
    report = ClusterReport(mentions=len(frame))
    clusters = _Clusters(frame, _identifier_groups(frame, report), t.once_sources)
    ranked = pairs[pairs["match_probability"] >= t.review].sort_values(
        ["match_probability", "unique_id_l", "unique_id_r"], ascending=[False, True, True], kind="stable"
    )
    probability = ranked["match_probability"].to_numpy()
    strong = int(np.count_nonzero(probability >= t.merge))  # ranked: these come first
    contradiction = ranked["gamma_given"].to_numpy()[:strong] == 0
    alone = name_alone(ranked.iloc[:strong])
    crossed = surnames_crossed(
        frame,
        ranked["unique_id_l"].to_numpy(dtype=np.int64)[:strong],
        ranked["unique_id_r"].to_numpy(dtype=np.int64)[:strong],
    )
    merged: list[int] = []
    refused: list[int] = []
    lefts = ranked["unique_id_l"].to_numpy()[:strong].tolist()
    rights = ranked["unique_id_r"].to_numpy()[:strong].tolist()
    for pos, (left, right) in enumerate(zip(lefts, rights, strict=True)):
        a, b = clusters.find(left), clusters.find(right)
        if a == b:
            continue
        reason = (
            "given names contradict"
            if contradiction[pos]
            else "a name alone"
            if alone[pos]
            else "surnames crossed"
            if crossed[pos]
            else clusters.conflict(a, b, t.max_cluster)
        )
        if reason:
            report.refused[reason] += 1
            refused.append(pos)
            continue
        clusters.union(a, b)
        merged.append(pos)
    roots = clusters.labels()
    smallest = np.full(len(roots), len(roots))
    np.minimum.at(smallest, roots, np.arange(len(roots)))
    person_of = pd.Series(smallest[roots], index=pd.Index(frame["unique_id"]))
    review = np.concatenate([np.asarray(refused, dtype=np.int64), np.arange(strong, len(ranked))])
    possible = ranked.iloc[review]
    possible = possible[
        person_of.to_numpy()[possible["unique_id_l"].to_numpy(dtype=np.int64)]
        != person_of.to_numpy()[possible["unique_id_r"].to_numpy(dtype=np.int64)]
    ]
    report.probabilistic_merges = len(merged)
    report.possible_matches = len(possible)
    sizes = np.bincount(roots)
    report.persons = int(np.count_nonzero(sizes))
    report.largest_cluster = int(sizes.max()) if len(sizes) else 0
    return Decisions(
        person_of, ranked.iloc[merged].reset_index(drop=True), possible.reset_index(drop=True), report
    )

"""`lineage resolve`: person resolution over everything loaded, applied to the graph.

Design: the resolution is a mapping *mention → person*, applied by re-assembling the graph's
persons from the canonical records (re-read from the stored source records), never by editing
persons in place:

1. the mentions of every load batch (any source, mapping files included) are resolved
   (`resolve_mentions`), then what no merge may contradict is imposed (`decisions.constrained`:
   a shared identifier does not join a child and an adult, two sexes, or two people with no name
   in common — a typo'd A-number lands on a stranger's; no merge joins a child and an adult;
   reviewers' decisions hold);
2. each resulting person keeps an id its mentions already had (`decisions.stable_ids`);
3. persons whose set of mentions changed are removed with their relationships
   (`GraphStore.remove_persons`) and everything is written again from the records
   (`loaders.assemble.Assembly`, the same code a load uses), so every source record stays linked
   by DESCRIBED_BY, every family link carries its evidence and records, and undoing a merge is
   just resolving again with the merge rejected;
4. automatic merges are logged in the review history (reviewer `lineage resolve`, the match
   probability and per-comparison weights as the reason), pairs in the middle band become
   POSSIBLY_SAME_AS with their explanation; reviewed statuses are carried to the links' new ids;
5. children no record links to a parent get the parent their apprehension points to, if exactly
   one fits, as a PARENT_OF of evidence `inferred` for review (`loaders.linkage.kinship`).

Beside the graph (`linkage_dir_for`) it keeps the trained models (`linkage_pass<N>.json`) and
the data-quality report (`quality.csv`); the ledger remembers each mention's person, each
decision's sides and each identifier's person, so a later load adds to the resolved person.
Running it again on unchanged data changes nothing.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pandas as pd

from graph.config import Settings
from graph.model import (
    Evidence,
    FamilyKind,
    LinkStatus,
    PossibleMatch,
    Review,
    stable_id,
)
from graph.store import GraphStore, Row
from loaders.assemble import Assembly
from loaders.identity import Resolution, current_persons, mention_keys
from loaders.ledger import Ledger
from loaders.linkage.cluster import ClusterReport, Thresholds
from loaders.linkage.decisions import (
    RESOLVER,
    Sides,
    constrained,
    is_match_key,
    latest,
    match_sides,
    stable_ids,
)
from loaders.linkage.errors import LinkageError
from loaders.linkage.kinship import co_apprehension_links
from loaders.linkage.mentions import mentions_frame
from loaders.linkage.quality import QualityReport, quality_report
from loaders.linkage.resolve import resolve_mentions
from loaders.linkage.stored import stored_records
from loaders.pipeline import cut, ledger_path_for
from loaders.records import RecordFacts

K = TypeVar("K", bound=Hashable)
#: Rows per upsert when writing the resolved persons.
WRITE_ROWS = 200_000
_SYMMETRIC = {FamilyKind.SIBLING_OF.value, FamilyKind.RELATIVE_OF.value}


def linkage_dir_for(settings: Settings) -> Path:
    """Models and reports beside the store: `<db>.linkage/` (embedded), `data/neo4j-<db>.linkage/`."""
    ledger = ledger_path_for(settings)
    return ledger.with_name(ledger.name.removesuffix(".ledger.sqlite") + ".linkage")


@dataclass
class ResolveReport:
    mentions: int = 0
    persons_before: int = 0
    persons: int = 0
    merged: int = 0  # persons now made of two or more persons of before
    rewritten: int = 0  # persons removed and written again (changed, merged away or split)
    possible_matches: int = 0
    decisions: int = 0  # reviewers' match decisions honoured
    cluster: ClusterReport = field(default_factory=ClusterReport)
    quality: QualityReport = field(default_factory=QualityReport)
    quality_file: Path | None = None
    model_dir: Path | None = None
    seconds: float = 0.0
    person_of: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)


def resolve_store(
    store: GraphStore,
    *,
    ledger_path: Path,
    model_dir: Path,
    thresholds: Thresholds | None = None,
    mappings: Sequence[Path] = (),
    reuse_models: bool = False,
) -> ResolveReport:
    """Resolve every mention loaded into `store` and rewrite the persons that changed.

    Args:
        store: the graph (either engine).
        ledger_path: the load ledger (`loaders.pipeline.ledger_path_for`).
        model_dir: where the models and the quality report are kept.
        thresholds: merge / review probabilities (defaults measured, docs/linkage.md).
        mappings: mapping files of sources not in `loaders/mappings/`.
        reuse_models: score with the saved models instead of training (used after a review).

    Raises:
        LinkageError: nothing is loaded, a source is unknown, or the model cannot be trained.
    """
    started = time.perf_counter()
    records = list(stored_records(store, mappings))
    if not records:
        raise LinkageError("nothing is loaded: run `lineage load` first")
    facts = [RecordFacts.of(r) for r in records]
    frame = mentions_frame(records)
    del records
    keys_of = mention_keys(facts)
    refs = list(zip(frame["record_key"], frame["ref"], strict=True))
    with Ledger(ledger_path) as ledger:
        known = ledger.recall("identity", {k for keys in keys_of.values() for k in keys})
        resolved = ledger.recall("resolution")
        now = current_persons(keys_of, known, resolved)
        current = pd.Series([now[r] for r in refs], index=frame["unique_id"])
        mentions_of = _groups(frame["mention_key"], current)
        decided = latest(store.reviews(), humans_only=True)
        pinned = ledger.recall("decision_sides")
        sides = match_sides(decided, pinned, mentions_of)
        result = resolve_mentions(frame, thresholds, model_dir=model_dir, reuse_models=reuse_models)
        kept = constrained(frame, result.decisions.merges, sides)
        clusters = kept.clusters
        keys = frame["mention_key"]
        fresh = {int(r): "p" + stable_id("person", "mention", keys[int(r)]) for r in set(clusters)}
        person = stable_ids(clusters, current, _former(sides, frame), fresh)
        new_mentions = _groups(keys, person)
        changed = {
            p for p in set(mentions_of) | set(new_mentions) if mentions_of.get(p) != new_mentions.get(p)
        }
        loaded_since = {p for k, p in zip(keys, person, strict=True) if k not in resolved}
        assembly = Assembly(
            facts,
            Resolution(person_of=dict(zip(refs, person, strict=True))),
            {"facility": ledger.recall("facility")},
        )
        parts = dict(assembly.parts())
        renamed = _renamed(mentions_of, person, frame)
        confidence = _merge_confidence(result.decisions.merges, person)
        stated = parts["family_links"]
        family = {r["person_id"] for name in ("memberships", "separated") for r in parts[name]}
        inferred = co_apprehension_links(frame, person, parts["stays"], stated, family)
        parts["family_links"] = _with_reviews(stated + inferred, decided, renamed, confidence)
        possible = pd.concat([result.decisions.possible, kept.refused], ignore_index=True)
        parts["possible_matches"] = _matches(possible, person, keys, sides, decided)
        merge_log, new_sides = _merge_log(result.decisions.merges, current, person, mentions_of)
        store.remove_persons(sorted(changed))
        for chunk in cut(_touching(parts, changed | loaded_since), WRITE_ROWS):
            store.upsert_rows(chunk)
        store.append_reviews(merge_log)
        ledger.finish(
            [],
            [],
            {
                **assembly.remember,
                "resolution": dict(zip(keys, person, strict=True)),
                "identity": _identity_memory(keys_of, refs, person),
                "decision_sides": {**{s.target_key: s.as_memory() for s in sides}, **new_sides},
            },
        )
    quality = quality_report(frame, person, parts["persons"], parts["family_links"], kept.split_identifiers)
    return ResolveReport(
        mentions=len(frame),
        persons_before=len(mentions_of),
        persons=len(new_mentions),
        merged=int((pd.DataFrame({"new": person, "old": current}).groupby("new")["old"].nunique() > 1).sum()),
        rewritten=len(changed),
        possible_matches=len(parts["possible_matches"]),
        decisions=len(sides),
        cluster=result.decisions.report,
        quality=quality,
        quality_file=quality.write(model_dir / "quality.csv"),
        model_dir=model_dir,
        seconds=time.perf_counter() - started,
        person_of=person,
        frame=frame,
    )


def _groups(keys: pd.Series, labels: pd.Series) -> dict[str, frozenset[str]]:
    """label → the mention keys carrying it (both indexed by unique_id)."""
    out: dict[str, set[str]] = defaultdict(set)
    for key, label in zip(keys, labels, strict=True):
        out[label].add(key)
    return {label: frozenset(ms) for label, ms in out.items()}


def _former(sides: list[Sides], frame: pd.DataFrame) -> dict[int, list[str]]:
    """unique_id → the person ids its mention had when a decision about it was pinned."""
    uid_of = dict(zip(frame["mention_key"], frame["unique_id"], strict=True))
    out: dict[int, list[str]] = defaultdict(list)
    for side in sides:
        a, b = side.target_key.split("~", 1)
        for pid, keys in ((a, side.a), (b, side.b)):
            for key in keys:
                if key in uid_of:
                    out[int(uid_of[key])].append(pid)
    return out


def _majority(keys: frozenset[str], new_of: dict[str, str]) -> str | None:
    votes = Counter(new_of[k] for k in keys if k in new_of)
    return min(votes, key=lambda p: (-votes[p], p)) if votes else None


def _renamed(
    mentions_of: dict[str, frozenset[str]], person: pd.Series, frame: pd.DataFrame
) -> dict[str, str]:
    """Each person id of before → the id its mentions are under now (itself if still in use)."""
    new_of = dict(zip(frame["mention_key"], person, strict=True))
    in_use = set(person)
    out = {}
    for old, keys in mentions_of.items():
        target = old if old in in_use else _majority(keys, new_of)
        if target is not None:
            out[old] = target
    return out


def _merge_confidence(merges: pd.DataFrame, person: pd.Series) -> dict[str, float]:
    """Per person, the lowest match probability among the merges that made it (1.0: none)."""
    out: dict[str, float] = {}
    for left, right, prob in zip(
        merges["unique_id_l"], merges["unique_id_r"], merges["match_probability"], strict=True
    ):
        pid = person[int(left)]
        if person[int(right)] == pid:
            out[pid] = min(out.get(pid, 1.0), float(prob))
    return out


def _link_key(key: str, renamed: dict[str, str]) -> str | None:
    kind, a, b = key.split(":", 2)
    a, b = renamed.get(a), renamed.get(b)
    if a is None or b is None or a == b:
        return None
    if kind in _SYMMETRIC and b < a:
        a, b = b, a
    return f"{kind}:{a}:{b}"


def _with_reviews(
    links: list[Row], decided: dict[str, Review], renamed: dict[str, str], confidence: dict[str, float]
) -> list[Row]:
    """Link rows with reviewers' decisions carried to their ids of now, and the confidence of the
    merges behind their two persons (a link is no surer than the persons it joins)."""
    status: dict[str, Review] = {}
    for key, review in decided.items():
        if not is_match_key(key) and (new_key := _link_key(key, renamed)):
            status[new_key] = review
    out = []
    for link in links:
        ends = (confidence.get(link["from_id"], 1.0), confidence.get(link["to_id"], 1.0))
        row = {**link, "confidence": round(min(ends), 4)}
        if review := status.get(link["link_id"]):
            row["status"] = review.decision.value
            if review.decision == LinkStatus.CONFIRMED and link["evidence_rank"] < Evidence.REVIEWED.rank:
                row["evidence"], row["evidence_rank"] = Evidence.REVIEWED.value, Evidence.REVIEWED.rank
        out.append(row)
    return out


def _matches(
    possible: pd.DataFrame,
    person: pd.Series,
    frame_keys: pd.Series,
    sides: list[Sides],
    decided: dict[str, Review],
) -> list[Row]:
    """POSSIBLY_SAME_AS between the persons of each pair left for review (best pair per two
    persons), and between the two sides of every rejection, marked rejected so it is not asked
    again."""

    def persons(left: int, right: int) -> tuple[str, str] | None:
        a, b = sorted((person[left], person[right]))
        return (a, b) if a != b else None

    best = _best_pairs(possible, persons)
    new_of = dict(zip(frame_keys, person, strict=True))
    rejected: set[tuple[str, str]] = set()
    for side in sides:
        if side.decision != LinkStatus.REJECTED:
            continue
        a, b = (_majority(s, new_of) for s in (side.a, side.b))
        if a is not None and b is not None and a != b:
            pair = (min(a, b), max(a, b))
            rejected.add(pair)
            best.setdefault(pair, (0.0, json.dumps({"rejected": decided[side.target_key].reason})))
    return [
        PossibleMatch(
            person_a=a,
            person_b=b,
            probability=round(prob, 6),
            explanation=why,
            status=LinkStatus.REJECTED if (a, b) in rejected else LinkStatus.PENDING,
        ).model_dump(mode="json")
        for (a, b), (prob, why) in sorted(best.items())
    ]


def _best_pairs(pairs: pd.DataFrame, key: Callable[[int, int], K | None]) -> dict[K, tuple[float, str]]:
    """The most probable pair (probability, explanation) per `key(left, right)`; None skips."""
    best: dict[K, tuple[float, str]] = {}
    columns = ("unique_id_l", "unique_id_r", "match_probability", "explanation")
    for left, right, prob, why in zip(*(pairs[c] for c in columns), strict=True):
        k = key(int(left), int(right))
        if k is not None and (k not in best or best[k][0] < float(prob)):
            best[k] = (float(prob), why)
    return best


def _merge_log(
    merges: pd.DataFrame, current: pd.Series, person: pd.Series, mentions_of: dict[str, frozenset[str]]
) -> tuple[list[Review], dict[str, dict[str, list[str]]]]:
    """A review-history entry per two persons of before that a probabilistic merge joined, with
    the probability and match weights of the best pair as its reason, and the sides (mentions)
    a reviewer's rejection would keep apart."""

    def joined(left: int, right: int) -> str | None:
        a, b = current[left], current[right]
        return "~".join(sorted((a, b))) if a != b and person[left] == person[right] else None

    best = _best_pairs(merges, joined)
    now = datetime.now().replace(microsecond=0)
    reviews = [
        Review(
            review_id=stable_id(key, RESOLVER),
            target_key=key,
            decision=LinkStatus.CONFIRMED,
            reviewer=RESOLVER,
            reason=f"merged at match probability {prob:.4f}; match weights {why}",
            decided_at=now,
        )
        for key, (prob, why) in sorted(best.items())
    ]
    sides = {}
    for key in best:
        a, b = key.split("~", 1)
        sides[key] = {"a": sorted(mentions_of[a]), "b": sorted(mentions_of[b])}
    return reviews, sides


def _identity_memory(
    keys_of: dict[tuple[str, str], list[str]], refs: list[tuple[str, str]], person: pd.Series
) -> dict[str, str]:
    """Identifier → resolved person, so a later load adds a known identifier's records to it."""
    return {
        key: pid
        for ref, pid in zip(refs, person, strict=True)
        for key in keys_of[ref]
        if not key.startswith("rec:")
    }


#: Person-free kinds a resolution may change (a merged child's reunification closes a separation).
_ALWAYS = ("separations", "possible_matches")
_ENDS = {"family_links": ("from_id", "to_id"), "persons": ("person_id",)}


def _touching(parts: dict[str, list[Row]], changed: set[str]) -> list[tuple[str, list[Row]]]:
    """What to write: the rows of changed persons and of everything touching them, separations
    and possible matches; the rest is in the graph already, as the loads or the last run wrote
    it (a re-run on unchanged data writes almost nothing)."""
    out = []
    for name, rows in parts.items():
        if name in _ALWAYS:
            out.append((name, rows))
        elif name in _ENDS or (rows and "person_id" in rows[0]):
            ends = _ENDS.get(name, ("person_id",))
            out.append((name, [r for r in rows if any(r[e] in changed for e in ends)]))
    return out

"""Scoring person resolution and parent–child links against a scenario's `ground_truth.json`.

Pairwise measures over mentions: a pair of mentions is a true pair when both describe the same
true person; precision and recall count pairs, so a wrong merge of two large clusters costs as
much as it would cost a caseworker (every record of one person attached to another).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from graph.model import FamilyKind
from loaders.assemble import Assembly
from loaders.identity import Resolution
from loaders.records import RecordFacts


@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int


def true_persons(frame: pd.DataFrame, truth_file: Path) -> pd.Series:
    """The true person id of every mention (indexed by `unique_id`).

    Record keys are `system:file:record_id`; the truth lists `file → record_id → {ref: person}`.
    A mention the truth does not name gets a person of its own, so it can only add false pairs.
    """
    records = json.loads(truth_file.read_text())["records"]
    out = []
    for uid, record_key, ref in zip(frame["unique_id"], frame["record_key"], frame["ref"], strict=True):
        _, file, record_id = record_key.split(":", 2)
        out.append(records.get(file, {}).get(record_id, {}).get(ref, f"unknown:{uid}"))
    return pd.Series(out, index=frame["unique_id"])


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise(predicted: pd.Series, truth: pd.Series) -> PairScores:
    """Pairwise precision, recall and F1 of a clustering (`unique_id` → cluster) against truth."""
    both = pd.DataFrame({"p": predicted.to_numpy(), "t": truth.loc[predicted.index].to_numpy()})
    tp = _pairs(both.groupby(["p", "t"]).size())
    pred = _pairs(both.groupby("p").size())
    true = _pairs(both.groupby("t").size())
    precision = tp / pred if pred else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScores(precision, recall, f1, true, pred)


@dataclass(frozen=True)
class LinkScores:
    """Parent–child links against the truth: a link is right when its parent is truly the parent
    of its child; recall counts the true parent–child pairs whose two people appear in the data."""

    precision: float
    recall: float
    predicted_links: int
    correct_links: int
    true_links: int
    found_links: int
    recall_of_stated: float  # of the true pairs some record states (what resolution can reach)
    stated_links: int


def true_parent_links(truth_file: Path) -> set[tuple[str, str]]:
    """(true parent, true child) of every PARENT_OF in the scenario's ground truth."""
    links = json.loads(truth_file.read_text())["family_links"]
    return {(x["from"], x["to"]) for x in links if x["kind"] == "PARENT_OF"}


def person_truth(person_of: pd.Series, truth: pd.Series) -> dict[str, str]:
    """Each resolved person's true person: the one most of its mentions describe."""
    both = pd.DataFrame({"p": person_of.to_numpy(), "t": truth.loc[person_of.index].to_numpy()})
    counts = both.groupby(["p", "t"]).size().reset_index(name="n")
    best = counts.sort_values(["p", "n", "t"], ascending=[True, False, True]).drop_duplicates("p")
    return dict(zip(best["p"], best["t"], strict=True))


def stated_parent_links(
    records: Sequence[RecordFacts], frame: pd.DataFrame, truth: pd.Series
) -> set[tuple[str, str]]:
    """(true parent, true child) pairs that some record states: the links a perfect resolution
    would write (the records assembled with every mention given its true person). A true pair no
    record states (a family unit deleted, a child coded unaccompanied) cannot be found."""
    refs = zip(frame["record_key"], frame["ref"], strict=True)
    who = Resolution(person_of=dict(zip(refs, truth, strict=True)))
    _, _, links = Assembly(list(records), who, {}).families()
    return {(x["from_id"], x["to_id"]) for x in links if x["kind"] == FamilyKind.PARENT_OF.value}


def parent_child(
    links: Iterable[tuple[str, str]],
    truth_of: dict[str, str],
    true_links: set[tuple[str, str]],
    present: set[str],
    stated: set[tuple[str, str]],
) -> LinkScores:
    """Precision and recall of (parent person, child person) links read from a resolved graph.

    Args:
        links: the graph's non-rejected PARENT_OF links as (from person, to person).
        truth_of: resolved person → true person (`person_truth`).
        true_links: from `true_parent_links`.
        present: true persons that some mention describes (others cannot be linked).
        stated: from `stated_parent_links`.
    """
    mapped = [(truth_of.get(a), truth_of.get(b)) for a, b in links]
    correct = sum(1 for pair in mapped if pair in true_links)
    reachable = {pair for pair in true_links if pair[0] in present and pair[1] in present}
    found = reachable & set(mapped)
    return LinkScores(
        precision=correct / len(mapped) if mapped else 1.0,
        recall=len(found) / len(reachable) if reachable else 1.0,
        predicted_links=len(mapped),
        correct_links=correct,
        true_links=len(reachable),
        found_links=len(found),
        recall_of_stated=len(found & stated) / len(stated & true_links) if stated & true_links else 1.0,
        stated_links=len(stated & true_links),
    )


def missed_pairs(frame: pd.DataFrame, predicted: pd.Series, truth: pd.Series) -> pd.Series:
    """Where pairwise recall is lost: the true pairs a clustering left apart, by kind of mention.

    A person with many mentions (an ICE detainee with twelve placement rows) counts once per pair,
    so one unlinked cluster can outweigh dozens of persons; this says which sources it was.

    Returns:
        Missed pairs per (kind, kind), a kind being `source:ref` ("ice_ddp:subject"), largest first.
    """
    kinds = (frame["source"] + ":" + frame["ref"]).to_numpy()
    both = pd.DataFrame({"t": truth.loc[predicted.index].to_numpy(), "c": predicted.to_numpy(), "k": kinds})
    counts = both.groupby(["t", "c", "k"]).size().rename("n").reset_index()
    joined = counts.merge(counts, on="t")
    joined = joined[joined["c_x"] != joined["c_y"]]
    low, high = joined[["k_x", "k_y"]].min(axis=1), joined[["k_x", "k_y"]].max(axis=1)
    missed = (joined["n_x"] * joined["n_y"]).groupby([low.rename("kind"), high.rename("other")]).sum() // 2
    return missed.sort_values(ascending=False)

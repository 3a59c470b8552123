"""Scoring person resolution against a synthetic scenario's `ground_truth.json`.

Pairwise measures over mentions: a pair of mentions is a true pair when both describe the same
true person; precision and recall count pairs, so a wrong merge of two large clusters costs as
much as it would cost a caseworker (every record of one person attached to another).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd


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

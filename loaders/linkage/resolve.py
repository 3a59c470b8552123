"""Person resolution end to end: mentions in, decisions (persons, merges, possible matches) out.

Deterministic rule pairs (`rules`: a first name and an age on the day custody began; a nameless
ICE row booked in after the transfer out of a near A-number; a named mention whose custody began
the minute a fitting one's ended "transferred"; from the second pass, a named parent
and the only adult apprehended with the child's person) are decided with the scored pairs, at
probability 1.0 so ahead of them, under the same merge constraints.

Two passes. The first links on names, dates and family *names*; its persons then let the second
compare families by *person*: a parent an ORR file names ("Édgar Reyes", no date of birth) is far
more likely the CBP adult "EDGAR REYEZ BARRIOS" when the child of the one is already resolved to
the child of the other. Each pass trains its own model by EM, so no weight is hand-set.

Example:
    frame = mentions_frame(read_records(paths))
    result = resolve_mentions(frame, model_dir=Path("data/linkage"))
    result.decisions.person_of      # unique_id → person (cluster) id
    result.decisions.possible       # pairs for review, with per-comparison match weights
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from loaders.linkage import model as linkage_model
from loaders.linkage.cluster import Decisions, Thresholds, decide
from loaders.linkage.rules import (
    apprehended_with_pairs,
    day_and_age_pairs,
    handed_over_pairs,
    transferred_pairs,
)
from loaders.linkage.stages import stage

#: Pairs below this are not even kept for review; Splink drops them during prediction.
SCORE_FLOOR = 0.05


@dataclass
class Resolution:
    decisions: Decisions
    models: list[linkage_model.Model]
    pairs: pd.DataFrame  # the scored pairs of the last pass (rule pairs are in the decisions)


def with_family_persons(frame: pd.DataFrame, person_of: pd.Series) -> pd.DataFrame:
    """The frame plus `family_persons`: the persons its co-members were resolved to."""
    persons = person_of.to_numpy()
    out = frame.copy()
    out["family_persons"] = [sorted({int(persons[j]) for j in co}) for co in frame["co_members"]]
    return out


def resolve_mentions(
    frame: pd.DataFrame,
    thresholds: Thresholds | None = None,
    *,
    passes: int = 2,
    model_dir: Path | None = None,
    seed: int = 42,
    reuse_models: bool = False,
) -> Resolution:
    """Resolve every mention of `frame` into persons.

    Args:
        frame: from `mentions_frame`.
        thresholds: decision settings (defaults measured, see docs/linkage.md).
        passes: 1 links without resolved family context; 2 (default) adds it.
        model_dir: where to save each pass's trained model (`linkage_pass<N>.json`) so the
            run can be reproduced; nothing is written when None.
        seed: for Splink's random sampling of u.
        reuse_models: score with the models saved in `model_dir` instead of training (a
            reviewer's decision is applied without the model changing under it).
    """
    thresholds = thresholds or Thresholds()
    current = frame
    models: list[linkage_model.Model] = []
    decisions: Decisions | None = None
    pairs = pd.DataFrame()
    with stage("rules"):
        first = [day_and_age_pairs(frame), handed_over_pairs(frame), transferred_pairs(frame)]
        ruled = pd.concat(first, ignore_index=True)
    for n in range(1, passes + 1):
        if decisions is not None:
            current = with_family_persons(frame, decisions.person_of)
            with stage("rules"):
                found = apprehended_with_pairs(frame, decisions.person_of)
            ruled = pd.concat([ruled, found], ignore_index=True)
        saved = model_dir / f"linkage_pass{n}.json" if model_dir is not None else None
        if reuse_models and saved is not None and saved.exists():
            model = linkage_model.load(saved, current)
        else:
            model = linkage_model.train(current, seed=seed)
            if saved is not None:
                saved.parent.mkdir(parents=True, exist_ok=True)
                model.save(saved)
        pairs = linkage_model.score(model, SCORE_FLOOR)
        decisions = decide(frame, pd.concat([ruled, pairs], ignore_index=True), thresholds)
        models.append(model)
    assert decisions is not None, "passes must be at least 1"
    return Resolution(decisions, models, pairs)

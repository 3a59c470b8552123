"""Deterministic links for mentions the model cannot score: a first name and an age, nothing else.

A station's whiteboard row ("KEVIN, 22", station, date) has no surname, no date of birth and no
identifier. Against Splink's candidates, true and false pairs score alike (≈0.62: a common first
name and a year), so the model rightly leaves them for review. But the row was written on the
day its person entered custody, and the age it states fixes the date of birth a clerk would
estimate that day (`mentions.estimated_dob`). A mention of another source whose custody began
that day, with a first name of the same sound and a date of birth giving that age on that day,
is the person — when it is the only one (single-best-link, both ways). Two candidates, or two
rows claiming one candidate, are ambiguous and left to the model's scores (the review band):
never a merge.

The rule reads only `CanonicalRecord` facts (names, the estimated date of birth, stays), so a
source onboarded through a mapping file with the same shape is linked the same way.
"""

from __future__ import annotations

import json

import pandas as pd

#: The rule's name, as merges and possible matches explain themselves.
DAY_AND_AGE = "only mention in custody from the day the age was stated, same first-name sound and age"

#: Columns of the pairs the rules give (those `cluster.decide` reads).
RULE_COLUMNS = ["unique_id_l", "unique_id_r", "match_probability", "gamma_given", "explanation"]

#: The given-name comparison's level for "first name sounds the same" (`model.given_name_comparison`:
#: levels count down from exact = 5 to different = 0): a rule pair agrees at least that well.
SAME_SOUND_LEVEL = 4


def _thin(frame: pd.DataFrame) -> pd.Series:
    """Mentions with a first name and an age only: no surname, no exact date, no identifier, no stay."""
    return (
        frame["given1_sound"].notna()
        & frame["surname1"].isna()
        & frame["a_number"].isna()
        & (frame["dob_precision"] == "estimated")
        & (frame["identifiers"].map(len) == 0)
        & (frame["facility_ids"].map(len) == 0)
    )


def day_and_age_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """Pairs (thin mention, the only mention in custody that day with its name sound and age).

    Args:
        frame: the mentions frame (`mentions_frame`), with `custody_day_dobs`.

    Returns:
        `RULE_COLUMNS`, probability 1.0 (a decision, like an identifier, not a score), and an
        explanation naming the rule.
    """
    thin = _thin(frame)
    keyed = frame[["unique_id", "given1_sound", "custody_day_dobs"]].explode("custody_day_dobs").dropna()
    keyed = keyed.assign(key=keyed["given1_sound"] + "|" + keyed["custody_day_dobs"].astype(str))
    is_thin = thin.loc[keyed.index].to_numpy()
    stayed = (frame["facility_ids"].map(len) > 0).loc[keyed.index].to_numpy()
    rows, anchors = keyed[is_thin], keyed[stayed & ~is_thin]
    rows = rows[~rows["key"].duplicated(keep=False)]
    anchors = anchors[~anchors["key"].duplicated(keep=False)]
    pairs = rows.merge(anchors, on="key", suffixes=("_t", "_a"))
    left = pairs[["unique_id_t", "unique_id_a"]].min(axis=1)
    right = pairs[["unique_id_t", "unique_id_a"]].max(axis=1)
    explanations = [
        json.dumps({"rule": DAY_AND_AGE, "first name sound": sound, "date of birth from the age": dob})
        for sound, dob in zip(pairs["given1_sound_t"], pairs["custody_day_dobs_t"], strict=True)
    ]
    return pd.DataFrame(
        {
            "unique_id_l": left.astype("int64"),
            "unique_id_r": right.astype("int64"),
            "match_probability": 1.0,
            "gamma_given": SAME_SOUND_LEVEL,
            "explanation": explanations,
        },
        columns=RULE_COLUMNS,
    )

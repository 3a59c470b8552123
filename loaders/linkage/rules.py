"""Deterministic links for mentions the model cannot score: a first name and an age, nothing else.

A station's whiteboard row ("KEVIN, 22", station, date) has no surname, no date of birth and no
identifier. Against Splink's candidates, true and false pairs score alike (≈0.62: a common first
name and a year), so the model rightly leaves them for review. But the row was written on the
day its person entered custody, and the age it states fixes the date of birth a clerk would
estimate that day (`mentions.estimated_dob`). A mention of another source whose custody began
that day, with a first name of the same sound (or one typo away: Kevin/Kveni) and a date of
birth giving that age on that day, is the person — when it is the only one (single-best-link,
both ways). Two candidates, or two rows claiming one candidate, are ambiguous and left to the
model's scores (the review band): never a merge.

A parent an ORR file names ("Zoila Aguilar", mother; no date of birth) is blocked against the
CBP adult by the relative's name in the family unit, but when the parent's unit number was
deleted at prosecution that adult has no relatives on record, and nothing else blocks the pair.
The child's own record still places the family: its person (resolved by the first pass) entered
custody at a station at a minute, and the parent was apprehended with it. An adult whose custody
began at that station at that minute, with the first-name sound and a surname of the named
parent (one of the two may carry a typo), is that parent — when exactly one person fits
(`apprehended_with_pairs`).

An ICE detention row has no name: it joins its person through an A-number or ICE's own ids.
When the A-number of either side has one typo (a digit or two swapped), the ICE person stands
alone with all its placements. Custody itself is continuous, though: the sending agency's stay
ended "transferred" and ICE booked the person in within hours. A nameless mention booked in at
most `HANDOVER` after the transfer out of the only mention with an A-number one typo away, the
same birth year, sex and country — and claimed by no other — is that person
(`handed_over_pairs`).

A hand-over between two agencies that write names (CBP to the US Marshals) is exact: the
prisoner's custody begins the minute the station's ended "transferred". A named mention whose
custody began the minute the custody of the only fitting mention ended that way — the same
first-name sound or a given name in common, a surname in common, birth years within one, no
contradicting sex — and which no other mention fits is that person (`transferred_pairs`): a
date of birth written day-first or an age instead of a date no longer keeps them apart.

The rules read only `CanonicalRecord` facts (names, the estimated date of birth, stays), so a
source onboarded through a mapping file with the same shape is linked the same way.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

#: The rule's name, as merges and possible matches explain themselves.
DAY_AND_AGE = (
    "only mention in custody from the day the age was stated, with that age and the first-name sound "
    "(or one typo away)"
)

#: The second rule's name (see the module docstring).
APPREHENDED_WITH = (
    "the only adult whose custody began with the naming relative's, same first-name sound and a "
    "surname (one of the two may have a typo)"
)

#: The third rule's name.
HANDED_OVER = (
    "booked in after the only transfer out of a mention with an A-number one typo away, "
    "same birth year, sex and country"
)

#: The fourth rule's name.
TRANSFERRED = (
    "custody began the minute the only fitting mention's ended 'transferred': first-name sound or "
    "a given name, a surname, birth year within one"
)

#: Longest measured hand-over from the sending agency to ICE (transport) is hours; a day bounds it.
HANDOVER = pd.Timedelta(hours=24)

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
    keyed = frame[["unique_id", "given1", "given1_sound", "given1_written", "custody_day_dobs"]].explode(
        "custody_day_dobs"
    )
    keyed = keyed.dropna(subset=["given1", "custody_day_dobs"])
    is_thin = thin.loc[keyed.index].to_numpy()
    stayed = (frame["facility_ids"].map(len) > 0).loc[keyed.index].to_numpy()
    pairs = keyed[is_thin].merge(keyed[stayed & ~is_thin], on="custody_day_dobs", suffixes=("_t", "_a"))
    fits = [
        sound_t == sound_a or one_typo(given_t, given_a)
        for given_t, given_a, sound_t, sound_a in zip(
            pairs["given1_written_t"],
            pairs["given1_written_a"],
            pairs["given1_sound_t"],
            pairs["given1_sound_a"],
            strict=True,
        )
    ]
    pairs = pairs[np.asarray(fits, dtype=bool)].drop_duplicates(["unique_id_t", "unique_id_a"])
    single = (pairs.groupby("unique_id_t")["unique_id_a"].transform("nunique") == 1) & (
        pairs.groupby("unique_id_a")["unique_id_t"].transform("nunique") == 1
    )
    pairs = pairs[single]
    explanations = [
        json.dumps({"rule": DAY_AND_AGE, "first names": [a, b], "date of birth from the age": dob})
        for a, b, dob in zip(pairs["given1_t"], pairs["given1_a"], pairs["custody_day_dobs"], strict=True)
    ]
    return _pairs(pairs["unique_id_t"], pairs["unique_id_a"], explanations)


def _pairs(left: pd.Series, right: pd.Series, explanations: list[str]) -> pd.DataFrame:
    """Rule pairs in `RULE_COLUMNS`, the smaller unique_id on the left as Splink writes them."""
    both = pd.DataFrame({"a": left.to_numpy(), "b": right.to_numpy()})
    return pd.DataFrame(
        {
            "unique_id_l": both.min(axis=1).astype("int64"),
            "unique_id_r": both.max(axis=1).astype("int64"),
            "match_probability": 1.0,
            "gamma_given": SAME_SOUND_LEVEL,
            "explanation": explanations,
        },
        columns=RULE_COLUMNS,
    )


def apprehended_with_pairs(frame: pd.DataFrame, person_of: pd.Series) -> pd.DataFrame:
    """Pairs (named relative without custody, the only adult apprehended with its record's people).

    Args:
        frame: the mentions frame, with `custody_starts` (`facility|start` of each stay).
        person_of: unique_id → person from the pass before (`Decisions.person_of`).

    Returns:
        `RULE_COLUMNS`, as `day_and_age_pairs`.
    """
    person = person_of.to_numpy()
    no_stay = frame["custody_starts"].map(len) == 0
    named = frame[
        no_stay
        & frame["given1_sound"].notna()
        & (frame["surname_sounds"].map(len) > 0)
        & (frame["is_child"] != True)  # noqa: E712 - None (unknown) stays in
        & (frame["co_members"].map(len) > 0)
    ]
    relatives = named[["unique_id", "co_members"]].explode("co_members")
    relatives = relatives.assign(relative_person=person[relatives["co_members"].to_numpy(dtype="int64")])
    starts = frame[["unique_id", "custody_starts"]].explode("custody_starts").dropna()
    starts = starts.assign(person=person[starts["unique_id"].to_numpy(dtype="int64")])
    person_starts = starts[["person", "custody_starts"]].drop_duplicates()
    wanted = relatives.merge(person_starts, left_on="relative_person", right_on="person")
    adults = starts[(frame["is_child"] == False).loc[starts.index].to_numpy()]  # noqa: E712
    found = wanted[["unique_id", "relative_person", "custody_starts"]].merge(
        adults.rename(columns={"unique_id": "candidate"}), on="custody_starts"
    )
    uid, cand = found["unique_id"].to_numpy(dtype="int64"), found["candidate"].to_numpy(dtype="int64")
    given, sound = frame["given1_written"].to_numpy(), frame["given1_sound"].to_numpy()
    surnames, sex = frame["surname_sounds"].to_numpy(), frame["sex"].to_numpy()
    written = frame["surnames_written"].to_numpy()
    fits = [
        _names_fit(
            (given[m], given[a]),
            (sound[m], sound[a]),
            (set(surnames[m]), set(surnames[a])),
            (written[m], written[a]),
        )
        and not (isinstance(sex[m], str) and isinstance(sex[a], str) and sex[m] != sex[a])
        and person[a] != person[m]
        for m, a in zip(uid.tolist(), cand.tolist(), strict=True)
    ]
    found = found[np.asarray(fits, dtype=bool)]
    # A candidate that is one of this mention's own relatives (the other parent the file names,
    # resolved already) is not the named parent; another mention's relatives may well be.
    own = set(zip(relatives["unique_id"], relatives["relative_person"], strict=True))
    theirs = [pair not in own for pair in zip(found["unique_id"], found["person"], strict=True)]
    found = found[np.asarray(theirs, dtype=bool)]
    one = found.groupby("unique_id")["person"].transform("nunique") == 1
    chosen = found[one].sort_values(["unique_id", "candidate"]).drop_duplicates("unique_id")
    explanations = [
        json.dumps({"rule": APPREHENDED_WITH, "custody began": start}) for start in chosen["custody_starts"]
    ]
    return _pairs(chosen["unique_id"], chosen["candidate"], explanations)


def one_typo(a: str, b: str) -> bool:
    """Strings one edit apart: a character changed, dropped or added, or two neighbours swapped
    (Damerau-Levenshtein distance 1). Normalised A-numbers all have ten characters, so for them
    only a changed digit or a swap counts."""
    if len(a) < len(b):
        a, b = b, a
    if len(a) == len(b) + 1:
        return any(a[:i] + a[i + 1 :] == b for i in range(len(a)))
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _names_fit(
    given: tuple[str, str],
    g_sound: tuple[str, str],
    surnames: tuple[set[str], set[str]],
    s_keys: tuple[list[str], list[str]],
) -> bool:
    """The same first-name sound and a surname in common, allowing a typo in one of the two
    (`one_typo` on the names as written: Gracia/García, Adnrea/Andrea, Garica/García)."""
    given_same = g_sound[0] == g_sound[1]
    surname_same = not surnames[0].isdisjoint(surnames[1])
    if given_same and surname_same:
        return True
    if given_same:
        return any(one_typo(x, y) for x in s_keys[0] for y in s_keys[1])
    return surname_same and bool(given[0]) and bool(given[1]) and one_typo(given[0], given[1])


def handed_over_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """Pairs (nameless mention, the only mention transferred out to it with a near A-number).

    Args:
        frame: the mentions frame, with `custody_starts` and `transferred_out`.

    Returns:
        `RULE_COLUMNS`, as `day_and_age_pairs`.
    """
    same = ["dob_year", "sex", "country"]
    known = frame["a_number"].notna() & frame[same].notna().all(axis=1)
    nameless = frame[known & frame["given1"].isna() & frame["surname1"].isna()]
    senders = frame[known & (frame["given1"].notna() | frame["surname1"].notna())]
    booked = nameless[["unique_id", "identifiers", "a_number", *same, "custody_starts"]].explode(
        "custody_starts"
    )
    booked = booked.dropna(subset=["custody_starts"])
    booked["start"] = pd.to_datetime(booked["custody_starts"].str.split("|", n=1).str[1])
    booked["claimant"] = [
        ids[0] if ids else f"uid:{u}"
        for ids, u in zip(booked["identifiers"], booked["unique_id"], strict=True)
    ]
    out = senders[["unique_id", "a_number", *same, "transferred_out"]].explode("transferred_out").dropna()
    out["end"] = pd.to_datetime(out["transferred_out"])
    found = pd.concat(
        [booked.assign(day=(booked["start"] - pd.Timedelta(days=d)).dt.date) for d in (0, 1)],
        ignore_index=True,
    ).merge(out.assign(day=out["end"].dt.date), on=[*same, "day"], suffixes=("", "_s"))
    gap = found["start"] - found["end"]
    found = found[(gap >= pd.Timedelta(0)) & (gap <= HANDOVER)]
    near = [one_typo(a, b) for a, b in zip(found["a_number"], found["a_number_s"], strict=True)]
    found = found[np.asarray(near, dtype=bool)].drop_duplicates(["claimant", "unique_id_s"])
    single = (found.groupby("claimant")["unique_id_s"].transform("nunique") == 1) & (
        found.groupby("unique_id_s")["claimant"].transform("nunique") == 1
    )
    chosen = found[single].sort_values(["claimant", "unique_id"]).drop_duplicates("claimant")
    explanations = [
        json.dumps({"rule": HANDED_OVER, "transferred out": end, "booked in": start.isoformat()})
        for end, start in zip(chosen["transferred_out"], chosen["start"], strict=True)
    ]
    return _pairs(chosen["unique_id"], chosen["unique_id_s"], explanations)


def transferred_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """Pairs (named mention, the only named mention whose custody ended 'transferred' as its began).

    Args:
        frame: the mentions frame, with `custody_starts` and `transferred_out`.

    Returns:
        `RULE_COLUMNS`, as `day_and_age_pairs`.
    """
    named = frame[frame["given1_sound"].notna() & (frame["surname_sounds"].map(len) > 0)]
    began = named[["unique_id", "custody_starts"]].explode("custody_starts").dropna()
    began["at"] = began["custody_starts"].str.split("|", n=1).str[1]
    ended = named[["unique_id", "transferred_out"]].explode("transferred_out").dropna()
    found = began.merge(ended, left_on="at", right_on="transferred_out", suffixes=("", "_s"))
    r, s = (found[c].to_numpy(dtype="int64") for c in ("unique_id", "unique_id_s"))
    cols = {
        c: frame[c].to_numpy()
        for c in ("record_key", "given1_sound", "given_sounds", "surname_sounds", "sex")
    }
    years = frame["dob_year"].to_numpy(dtype="float64", na_value=np.nan)
    fits = [
        cols["record_key"][a] != cols["record_key"][b]
        and (
            cols["given1_sound"][a] == cols["given1_sound"][b]
            or bool(set(cols["given_sounds"][a]) & set(cols["given_sounds"][b]))
        )
        and bool(set(cols["surname_sounds"][a]) & set(cols["surname_sounds"][b]))
        and abs(years[a] - years[b]) <= 1
        and not (
            isinstance(cols["sex"][a], str)
            and isinstance(cols["sex"][b], str)
            and cols["sex"][a] != cols["sex"][b]
        )
        for a, b in zip(r.tolist(), s.tolist(), strict=True)
    ]
    found = found[np.asarray(fits, dtype=bool)].drop_duplicates(["unique_id", "unique_id_s"])
    single = (found.groupby("unique_id")["unique_id_s"].transform("nunique") == 1) & (
        found.groupby("unique_id_s")["unique_id"].transform("nunique") == 1
    )
    chosen = found[single]
    explanations = [json.dumps({"rule": TRANSFERRED, "custody handed over": at}) for at in chosen["at"]]
    return _pairs(chosen["unique_id"], chosen["unique_id_s"], explanations)

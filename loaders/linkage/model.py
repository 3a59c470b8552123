"""The probabilistic person model: Splink 5 on DuckDB, trained on the data it links.

Comparisons say what the project knows about these records (Spanish spelling, either surname,
day/month swaps, ages instead of dates, family context); the *weights* are never hand-set: u by
random sampling, m by EM over two blocking rules, the prior from exact A-number agreement.
The trained model is saved as Splink JSON so a later run scores pairs identically.

Example:
    frame = mentions_frame(records)
    model = train(frame)                 # or load(Path("linkage_model.json"), frame)
    pairs = score(model, threshold=0.5)  # one row per candidate pair, with explanations
    model.save(Path("linkage_model.json"))
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink import comparison_library as cl

from loaders.linkage.errors import LinkageError

SPLINK_COLUMNS = [
    "unique_id",
    "given_tokens",
    "given1",
    "given1_sound",
    "given_sounds",
    "surname1",
    "surname2",
    "surname1_sound",
    "surname2_sound",
    "surname_sounds",
    "surname_set",
    "dob",
    "dob_year",
    "dob_month",
    "dob_day",
    "dob_precision",
    "sex",
    "country",
    "a_number",
    "family_names",
]
#: Added to the frame by a later pass (`resolve`): relatives' persons from the pass before.
OPTIONAL_COLUMNS = ["family_persons"]


def duckdb_api() -> DuckDBAPI:
    """The one place a Splink backend is created (a Spark backend would be chosen here too)."""
    return DuckDBAPI()


def _level(sql: str, label: str, *, null: bool = False) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    return level


def given_name_comparison() -> cl.CustomComparison:
    """Given names: exact, same sound of the first name, any name in common, then Jaro-Winkler.

    'any in common' covers a second given name dropped ('María José' / 'María'); the sound key
    covers Ximena/Jimena, Giovanni/Yovani. The last level ('different') is what keeps twins apart.
    """
    return cl.CustomComparison(
        output_column_name="given",
        comparison_levels=[
            _level("given1_l IS NULL OR given1_r IS NULL", "null", null=True),
            _level("given_tokens_l = given_tokens_r", "exact"),
            _level("given1_sound_l = given1_sound_r", "first name sounds the same"),
            _level("list_has_any(given_sounds_l, given_sounds_r)", "a given name in common"),
            _level("jaro_winkler_similarity(given1_l, given1_r) >= 0.92", "jaro-winkler >= 0.92"),
            _level("jaro_winkler_similarity(given1_l, given1_r) >= 0.80", "jaro-winkler >= 0.80"),
            _level("ELSE", "different"),
        ],
    )


def surname_comparison() -> cl.CustomComparison:
    """Two Spanish surnames: both, swapped, one dropped, one agreeing while the other contradicts.

    'first agrees, second differs' is kept apart from 'second dropped': siblings' half-siblings and
    cousins share a paternal surname, a clerk dropping the maternal one does not change it.
    """
    both = "surname2_sound_l IS NOT NULL AND surname2_sound_r IS NOT NULL"
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_levels=[
            _level("surname1_l IS NULL OR surname1_r IS NULL", "null", null=True),
            _level(
                f"{both} AND surname1_sound_l = surname1_sound_r AND surname2_sound_l = surname2_sound_r",
                "both surnames",
            ),
            _level(
                f"{both} AND surname1_sound_l = surname2_sound_r AND surname2_sound_l = surname1_sound_r",
                "both surnames, swapped",
            ),
            _level(
                f"NOT ({both}) AND list_has_any(surname_sounds_l, surname_sounds_r)",
                "either surname (other one missing)",
            ),
            _level("surname1_sound_l = surname1_sound_r", "first agrees, second differs"),
            _level("list_has_any(surname_sounds_l, surname_sounds_r)", "a surname in common"),
            _level("jaro_winkler_similarity(surname1_l, surname1_r) >= 0.90", "jaro-winkler >= 0.90"),
            _level("ELSE", "different"),
        ],
    )


def dob_comparison() -> cl.CustomComparison:
    """Date of birth as the exports write it: typos, day/month swaps, ages instead of dates.

    `dob` holds only exact dates; an estimated (from an age) or year-only date keeps its year, and
    agrees within one year at a separate, weaker level.
    """
    imprecise = "(dob_l IS NULL OR dob_r IS NULL)"
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            _level("dob_year_l IS NULL OR dob_year_r IS NULL", "null", null=True),
            _level("dob_l = dob_r", "exact"),
            _level(
                "dob_year_l = dob_year_r AND dob_month_l = dob_day_r AND dob_day_l = dob_month_r",
                "day/month swapped",
            ),
            _level("damerau_levenshtein(dob_l, dob_r) <= 1", "one typo"),
            _level(f"{imprecise} AND dob_year_l = dob_year_r", "imprecise, same year"),
            _level(f"{imprecise} AND abs(dob_year_l - dob_year_r) <= 1", "imprecise, within a year"),
            _level("abs(dob_year_l - dob_year_r) <= 1", "within a year"),
            _level("ELSE", "different"),
        ],
    )


def a_number_comparison() -> cl.CustomComparison:
    """A-numbers that are near (one typo, transposition) — equal ones were merged before Splink.

    A-numbers are issued in sequence, so near numbers also occur between strangers; EM and random
    sampling learn how much a near number is worth rather than us guessing it.
    """
    return cl.CustomComparison(
        output_column_name="a_number",
        comparison_levels=[
            _level("a_number_l IS NULL OR a_number_r IS NULL", "null", null=True),
            _level("a_number_l = a_number_r", "exact"),
            _level("damerau_levenshtein(a_number_l, a_number_r) <= 1", "one typo"),
            _level("ELSE", "different"),
        ],
    )


def family_comparison(resolved: bool) -> cl.CustomComparison:
    """Family context: a relative of one mention is (pass 2) or is named like a relative of the other.

    Args:
        resolved: whether `family_persons` (relatives' persons from an earlier pass) exists.
    """
    same = [_level("list_has_any(family_persons_l, family_persons_r)", "a relative is the same person")]
    return cl.CustomComparison(
        output_column_name="family",
        comparison_levels=[
            _level("len(family_names_l) = 0 OR len(family_names_r) = 0", "null", null=True),
            *(same if resolved else []),
            _level(
                "len(list_intersect(family_names_l, family_names_r)) >= 2", "two relatives' names in common"
            ),
            _level("list_has_any(family_names_l, family_names_r)", "a relative's name in common"),
            _level("ELSE", "no relative in common"),
        ],
    )


def settings(resolved: bool = False) -> SettingsCreator:
    """The project's model: comparisons above, blocking rules sized for ~1M mentions.

    Every prediction rule requires a first-name sound or an exact date, so no block is as large as
    'everyone with surname García'.

    Args:
        resolved: the second pass, where relatives resolved by the first are compared and blocked on.
    """
    family_rules = (
        [block_on("given1_sound", "family_persons", arrays_to_explode=["family_persons"])] if resolved else []
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            given_name_comparison(),
            surname_comparison(),
            dob_comparison(),
            cl.ExactMatch("sex"),
            cl.ExactMatch("country"),
            a_number_comparison(),
            family_comparison(resolved),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given1_sound", "surname1_sound", "dob_year"),
            block_on("given1_sound", "surname_set"),
            block_on("surname1_sound", "dob"),
            block_on("given1_sound", "dob"),
            block_on("given1_sound", "surname1_sound", "family_names", arrays_to_explode=["family_names"]),
            block_on("given1_sound", "dob_year", "family_names", arrays_to_explode=["family_names"]),
            *family_rules,
        ],
        retain_matching_columns=True,  # Splink 5 emits gamma_ columns only with this on
        retain_intermediate_calculation_columns=True,
    )


#: EM blocking rules: each leaves the other comparisons free to be estimated.
EM_RULES = (block_on("given1_sound", "surname1_sound"), block_on("dob"))
#: Deterministic rule and its assumed recall, to estimate the prior of a random pair matching.
PRIOR_RULE, PRIOR_RECALL = block_on("a_number"), 0.6


@dataclass
class Model:
    """A trained Splink linker over one mentions frame."""

    linker: Linker
    frame: pd.DataFrame

    def save(self, path: Path) -> None:
        """Write the model (settings and trained parameters) as Splink JSON."""
        self.linker.misc.save_model_to_json(str(path), overwrite=True)

    def as_dict(self) -> dict[str, Any]:
        return self.linker.misc.save_model_to_json()


def _linker(frame: pd.DataFrame, model_settings: SettingsCreator | dict[str, Any] | None) -> Linker:
    """A linker on the project's columns of `frame`, or on all of it for other settings."""
    if model_settings is None:
        missing = [c for c in SPLINK_COLUMNS if c not in frame.columns]
        if missing:
            raise LinkageError(f"mentions frame lacks columns {missing}; build it with mentions_frame()")
        frame = frame[SPLINK_COLUMNS + [c for c in OPTIONAL_COLUMNS if c in frame.columns]]
        model_settings = settings("family_persons" in frame.columns)
    sdf = duckdb_api().register(frame, dataset_display_name="mentions")
    return Linker(sdf, model_settings, log_level=logging.WARNING)


def train(
    frame: pd.DataFrame,
    model_settings: SettingsCreator | None = None,
    *,
    em_rules: tuple[Any, ...] = EM_RULES,
    seed: int = 42,
    max_pairs_u: float = 2e6,
) -> Model:
    """Train a model on `frame`: prior from A-numbers, u by random sampling, m by EM.

    Args:
        frame: from `mentions_frame`.
        model_settings: another configuration (the benchmark's plain baseline), which then
            gets the whole `frame`; default `settings()` on the project's columns.
        em_rules: blocking rules for EM; each must leave the comparisons it fixes to the others.
        seed: for the random sampling of u, so a run is reproducible.

    Raises:
        LinkageError: the frame is too small or too uniform to train on.
    """
    linker = _linker(frame, model_settings)
    training = linker.training
    try:
        if model_settings is None and frame["a_number"].notna().sum() > 1:
            training.estimate_probability_two_random_records_match([PRIOR_RULE], recall=PRIOR_RECALL)
        training.estimate_u_using_random_sampling(max_pairs=max_pairs_u, seed=seed)
        for rule in em_rules:
            training.estimate_parameters_using_expectation_maximisation(rule)
    except Exception as exc:  # Splink raises bare exceptions on degenerate training data
        raise LinkageError(f"could not train the linkage model: {exc}") from exc
    return Model(linker, frame)


def load(path: Path, frame: pd.DataFrame) -> Model:
    """A saved model applied to a (new) mentions frame, for reproducible scoring."""
    return Model(_linker(frame, json.loads(path.read_text())), frame)


def score(model: Model, threshold: float = 0.5) -> pd.DataFrame:
    """Scored candidate pairs at or above `threshold` probability.

    Returns:
        Columns `unique_id_l`, `unique_id_r`, `match_probability`, `match_weight`, every
        `gamma_<comparison>` level, and `explanation`: JSON of each comparison's match weight
        (Splink's `mw_` columns, log2 Bayes factors), so a reviewer sees *why* two records were
        judged the same person.
    """
    pairs = model.linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    mw_cols = [c for c in pairs.columns if c.startswith("mw_")]
    names = [c.removeprefix("mw_") for c in mw_cols]
    weights = pairs[mw_cols].astype(float).round(2).to_numpy().tolist()
    pairs["explanation"] = [json.dumps(dict(zip(names, row, strict=True))) for row in weights]
    keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight", "explanation"]
    keep += [c for c in pairs.columns if c.startswith("gamma_")]
    return pairs[keep].reset_index(drop=True)

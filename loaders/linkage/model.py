"""The probabilistic person model: Splink 5 (DuckDB or Spark), trained on the data it links.

Comparisons say what the project knows about these records (Spanish spelling, either surname,
day/month swaps, ages instead of dates, family context); the *weights* are never hand-set: u by
random sampling, m by EM over two blocking rules, the prior from exact A-number agreement.
The trained model is saved as Splink JSON so a later run scores pairs identically; a model saved
on one backend loads on the other (`load` rebuilds the comparisons in the other engine's SQL and
keeps the trained weights).

Example:
    frame = mentions_frame(records)
    model = train(frame)                 # or load(Path("linkage_model.json"), frame)
    pairs = score(model, threshold=0.5)  # one row per candidate pair, with explanations
    model.save(Path("linkage_model.json"))
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from splink import Linker, SettingsCreator, block_on
from splink import comparison_library as cl

from loaders.linkage.backend import SqlFunctions, splink_api, sql_functions
from loaders.linkage.config import LinkageSettings
from loaders.linkage.errors import LinkageError
from loaders.linkage.stages import stage

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


def _level(sql: str, label: str, *, null: bool = False) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    return level


def given_name_comparison(sql: SqlFunctions) -> cl.CustomComparison:
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
            _level(sql.overlap("given_sounds"), "a given name in common"),
            _level(f"{sql.jaro_winkler('given1')} >= 0.92", "jaro-winkler >= 0.92"),
            _level(f"{sql.jaro_winkler('given1')} >= 0.80", "jaro-winkler >= 0.80"),
            _level("ELSE", "different"),
        ],
    )


def surname_comparison(sql: SqlFunctions) -> cl.CustomComparison:
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
                f"NOT ({both}) AND {sql.overlap('surname_sounds')}",
                "either surname (other one missing)",
            ),
            _level("surname1_sound_l = surname1_sound_r", "first agrees, second differs"),
            _level(sql.overlap("surname_sounds"), "a surname in common"),
            _level(f"{sql.jaro_winkler('surname1')} >= 0.90", "jaro-winkler >= 0.90"),
            _level("ELSE", "different"),
        ],
    )


def dob_comparison(sql: SqlFunctions) -> cl.CustomComparison:
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
            _level(f"{sql.damerau_levenshtein('dob')} <= 1", "one typo"),
            _level(f"{imprecise} AND dob_year_l = dob_year_r", "imprecise, same year"),
            _level(f"{imprecise} AND abs(dob_year_l - dob_year_r) <= 1", "imprecise, within a year"),
            _level("abs(dob_year_l - dob_year_r) <= 1", "within a year"),
            _level("ELSE", "different"),
        ],
    )


def a_number_comparison(sql: SqlFunctions) -> cl.CustomComparison:
    """A-numbers that are near (one typo, transposition) — equal ones were merged before Splink.

    A-numbers are issued in sequence, so near numbers also occur between strangers; EM and random
    sampling learn how much a near number is worth rather than us guessing it.
    """
    return cl.CustomComparison(
        output_column_name="a_number",
        comparison_levels=[
            _level("a_number_l IS NULL OR a_number_r IS NULL", "null", null=True),
            _level("a_number_l = a_number_r", "exact"),
            _level(f"{sql.damerau_levenshtein('a_number')} <= 1", "one typo"),
            _level("ELSE", "different"),
        ],
    )


def family_comparison(sql: SqlFunctions, resolved: bool) -> cl.CustomComparison:
    """Family context: a relative of one mention is (pass 2) or is named like a relative of the other.

    Args:
        sql: the engine's function names.
        resolved: whether `family_persons` (relatives' persons from an earlier pass) exists.
    """
    same = [_level(sql.overlap("family_persons"), "a relative is the same person")]
    return cl.CustomComparison(
        output_column_name="family",
        comparison_levels=[
            _level(sql.either_empty("family_names"), "null", null=True),
            *(same if resolved else []),
            _level(f"{sql.common('family_names')} >= 2", "two relatives' names in common"),
            _level(sql.overlap("family_names"), "a relative's name in common"),
            _level("ELSE", "no relative in common"),
        ],
    )


#: Same first name and surnames (in either order) and dates that could be one person's: missing
#: on a side (an ORR parent, an age), within a year, or the same day and month (a typo in the
#: year). Without the date condition the block grows with the square of the population: every
#: "José García" against every other (at 100k mentions it halves this rule's pairs and loses no
#: pair above the review threshold). Plain SQL, the same on DuckDB and Spark.
SAME_NAMES_NEAR_DATE = (
    "l.given1_sound = r.given1_sound AND l.surname_set = r.surname_set AND ("
    "l.dob_year IS NULL OR r.dob_year IS NULL OR abs(l.dob_year - r.dob_year) <= 1 "
    "OR (l.dob_month = r.dob_month AND l.dob_day = r.dob_day))"
)


def settings(resolved: bool = False, dialect: str = "duckdb") -> SettingsCreator:
    """The project's model: comparisons above, blocking rules sized for ~1M mentions.

    Every prediction rule requires a first-name sound or an exact date, so no block is as large as
    'everyone with surname García'.

    Args:
        resolved: the second pass, where relatives resolved by the first are compared and blocked on.
        dialect: the Splink SQL dialect (`duckdb` or `spark`) the comparisons are written in.
    """
    sql = sql_functions(dialect)
    family_rules = (
        [block_on("given1_sound", "family_persons", arrays_to_explode=["family_persons"])] if resolved else []
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            given_name_comparison(sql),
            surname_comparison(sql),
            dob_comparison(sql),
            cl.ExactMatch("sex"),
            cl.ExactMatch("country"),
            a_number_comparison(sql),
            family_comparison(sql, resolved),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given1_sound", "surname1_sound", "dob_year"),
            SAME_NAMES_NEAR_DATE,
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


def _project_columns(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in SPLINK_COLUMNS if c not in frame.columns]
    if missing:
        raise LinkageError(f"mentions frame lacks columns {missing}; build it with mentions_frame()")
    return frame[SPLINK_COLUMNS + [c for c in OPTIONAL_COLUMNS if c in frame.columns]]


def _linker(
    frame: pd.DataFrame, model_settings: SettingsCreator | dict[str, Any] | None, api: Any = None
) -> Linker:
    """A linker on the project's columns of `frame` (the project's settings in the backend's
    dialect), or on all of it for other settings."""
    api = api or splink_api()
    if model_settings is None:
        frame = _project_columns(frame)
        model_settings = settings("family_persons" in frame.columns, api.sql_dialect.sql_dialect_str)
    # a Spark session outlives one linker and keeps its tables: each linker's input gets its own name
    sdf = api.register(frame, dataset_display_name="mentions", table_name=f"mentions_{uuid.uuid4().hex[:8]}")
    return Linker(sdf, model_settings, log_level=logging.WARNING)


def train(
    frame: pd.DataFrame,
    model_settings: SettingsCreator | None = None,
    *,
    em_rules: tuple[Any, ...] = EM_RULES,
    seed: int = 42,
    max_pairs_u: float = 2e6,
    config: LinkageSettings | None = None,
) -> Model:
    """Train a model on `frame`: prior from A-numbers, u by random sampling, m by EM.

    Args:
        frame: from `mentions_frame`.
        model_settings: another configuration (the benchmark's plain baseline), which then
            gets the whole `frame`; default `settings()` on the project's columns.
        em_rules: blocking rules for EM; each must leave the comparisons it fixes to the others.
        seed: for the random sampling of u, so a run is reproducible.
        config: backend and EM sample size (`LinkageSettings()` from the environment by default).

    Raises:
        LinkageError: the frame is too small or too uniform to train on.
    """
    config = config or LinkageSettings()
    try:
        with stage("train"):
            linker = _linker(frame, model_settings, splink_api(config))
            training = linker.training
            if model_settings is None and frame["a_number"].notna().sum() > 1:
                training.estimate_probability_two_random_records_match([PRIOR_RULE], recall=PRIOR_RECALL)
            training.estimate_u_using_random_sampling(max_pairs=max_pairs_u, seed=seed)
            for rule in em_rules:
                # a common name pair blocks quadratically more pairs as data grows; EM's estimates
                # settle on a sample, so above em_max_pairs Splink samples records (hash, no seed)
                training.estimate_parameters_using_expectation_maximisation(
                    rule, max_pairs=config.em_max_pairs
                )
    except LinkageError:
        raise
    except Exception as exc:  # Splink raises bare exceptions on degenerate training data
        raise LinkageError(f"could not train the linkage model: {exc}") from exc
    return Model(linker, frame)


def load(path: Path, frame: pd.DataFrame, config: LinkageSettings | None = None) -> Model:
    """A saved model applied to a (new) mentions frame, for reproducible scoring.

    A project model saved on another backend is translated: the comparisons and blocking rules
    are rebuilt in this backend's SQL, and every trained weight is kept (`portable`).
    """
    api = splink_api(config)
    saved = json.loads(path.read_text())
    dialect = api.sql_dialect.sql_dialect_str
    if saved.get("sql_dialect", dialect) != dialect:
        saved = portable(saved, dialect)
    return Model(_linker(_project_columns(frame), saved, api), frame)


def portable(saved: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A saved project model in another SQL dialect: the same levels, the same trained weights.

    Raises:
        LinkageError: `saved` is not this project's model (its comparisons or levels differ).
    """
    resolved = "a relative is the same person" in _labels(saved)[-1]
    target = settings(resolved, dialect).get_settings(dialect).as_dict()
    if _labels(saved) != _labels(target):
        raise LinkageError("the saved model's comparisons are not this project's; retrain it")
    comparisons = [
        {**old, "comparison_levels": [{**o, "sql_condition": n["sql_condition"]} for o, n in levels]}
        for old, new in zip(saved["comparisons"], target["comparisons"], strict=True)
        if (levels := list(zip(old["comparison_levels"], new["comparison_levels"], strict=True)))
    ]
    return {
        **saved,
        "sql_dialect": dialect,
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": target["blocking_rules_to_generate_predictions"],
    }


def _labels(model: dict[str, Any]) -> list[list[str]]:
    return [[lv.get("label_for_charts", "") for lv in c["comparison_levels"]] for c in model["comparisons"]]


def score(model: Model, threshold: float = 0.5) -> pd.DataFrame:
    """Scored candidate pairs at or above `threshold` probability.

    Returns:
        Columns `unique_id_l`, `unique_id_r`, `match_probability`, `match_weight`, every
        `gamma_<comparison>` level, and `explanation`: JSON of each comparison's match weight
        (Splink's `mw_` columns, log2 Bayes factors), so a reviewer sees *why* two records were
        judged the same person.
    """
    with stage("predict"):
        pairs = model.linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    with stage("explain"):
        return _explained(pairs)


def _explained(pairs: pd.DataFrame) -> pd.DataFrame:
    """`pairs` with `explanation` added, reduced to the columns `score` documents."""
    mw_cols = [c for c in pairs.columns if c.startswith("mw_")]
    names = [c.removeprefix("mw_") for c in mw_cols]
    weights = pairs[mw_cols].astype(float).round(2).to_numpy().tolist()
    pairs["explanation"] = [json.dumps(dict(zip(names, row, strict=True))) for row in weights]
    keep = ["unique_id_l", "unique_id_r", "match_probability", "match_weight", "explanation"]
    keep += [c for c in pairs.columns if c.startswith("gamma_")]
    return pairs[keep].reset_index(drop=True)

"""The Spark backend runs the same model as DuckDB: same comparisons, same scores, same decisions.

Spark (`LINEAGE_LINKAGE_BACKEND=spark`, the optional `spark` extra) is for users who outgrow one
machine; here it runs `local[2]` on the 300-family test scenario. In CI (`CI` set) a missing
pyspark or Java fails the run instead of skipping: `make test` installs the extra.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from loaders.linkage import model as linkage_model
from loaders.linkage.cluster import decide
from loaders.linkage.config import LinkageSettings
from loaders.linkage.evaluate import pairwise, true_persons
from tests.linkage.conftest import Scenario

if not os.environ.get("CI"):
    pytest.importorskip("pyspark", reason="the optional spark extra is not installed")

SPARK = LinkageSettings(backend="spark", spark_master="local[2]", spark_driver_memory="1g")
DUCKDB = LinkageSettings(backend="duckdb")
#: u from 200k random pairs instead of 2M: enough for 2,800 mentions, and Spark's share of CI small
U_PAIRS = 2e5


def levels(model: linkage_model.Model) -> list[tuple[str, list[str]]]:
    return [
        (c["output_column_name"], [lv["label_for_charts"] for lv in c["comparison_levels"]])
        for c in model.as_dict()["comparisons"]
    ]


def ordered(pairs: pd.DataFrame) -> pd.DataFrame:
    return pairs.sort_values(["unique_id_l", "unique_id_r"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def duckdb_model(linkage_scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "duckdb_pass1.json"
    linkage_model.train(linkage_scenario.frame, max_pairs_u=U_PAIRS, config=DUCKDB).save(path)
    return path


def test_a_duckdb_model_scores_identically_on_spark(linkage_scenario: Scenario, duckdb_model: Path) -> None:
    frame = linkage_scenario.frame
    on_duckdb = ordered(linkage_model.score(linkage_model.load(duckdb_model, frame, DUCKDB), 0.05))
    on_spark = ordered(linkage_model.score(linkage_model.load(duckdb_model, frame, SPARK), 0.05))
    assert len(on_duckdb) > 500
    pd.testing.assert_frame_equal(on_duckdb, on_spark, check_dtype=False)
    assert decide(frame, on_spark).person_of.equals(decide(frame, on_duckdb).person_of)


@pytest.mark.timeout(1800)  # EM on Spark is a job per iteration: 6 min on this machine when shared
def test_spark_trains_the_same_model(linkage_scenario: Scenario, duckdb_model: Path) -> None:
    """Trained on Spark, the model has the same levels and reaches the same decisions, except where
    u differs: each engine draws its own random pairs for u (the seed is per engine)."""
    frame = linkage_scenario.frame
    spark_model = linkage_model.train(frame, max_pairs_u=U_PAIRS, config=SPARK)
    duck_model = linkage_model.load(duckdb_model, frame, DUCKDB)
    assert levels(spark_model) == levels(duck_model)
    spark_persons = decide(frame, linkage_model.score(spark_model, 0.05)).person_of
    duck_persons = decide(frame, linkage_model.score(duck_model, 0.05)).person_of
    truth = true_persons(frame, linkage_scenario.truth_file)
    assert pairwise(spark_persons, truth).precision >= 0.99
    agreement = pairwise(spark_persons, duck_persons)
    assert agreement.f1 >= 0.99, agreement

"""The mentions frame, built from a real synthetic scenario read through the loader registry."""

from __future__ import annotations

from loaders.linkage.evaluate import pairwise, true_persons
from loaders.linkage.mentions import COLUMNS, mentions_frame
from tests.linkage.conftest import Scenario
from tests.linkage.handmade import twins_and_siblings


def test_one_row_per_mention_with_every_column(linkage_scenario: Scenario) -> None:
    frame = linkage_scenario.frame
    assert list(frame.columns) == COLUMNS
    assert frame["unique_id"].tolist() == list(range(len(frame)))
    assert frame["mention_key"].is_unique
    assert {"cbp_e3", "usms", "ice_ddp", "orr_portal", "ice_tracker", "station_whiteboard"} <= set(
        frame["source"]
    )


def test_every_mention_is_named_by_the_ground_truth(linkage_scenario: Scenario) -> None:
    truth = true_persons(linkage_scenario.frame, linkage_scenario.truth_file)
    assert not truth.str.startswith("unknown:").any()
    assert pairwise(truth, truth).f1 == 1.0


def test_dates_keep_their_precision(linkage_scenario: Scenario) -> None:
    frame = linkage_scenario.frame
    estimated = frame[frame["dob_precision"] == "estimated"]
    assert len(estimated) and estimated["dob"].isna().all() and estimated["dob_year"].notna().all()
    ice = frame[frame["source"] == "ice_ddp"]  # birth year only
    assert ice["dob_month"].isna().all() and (ice["dob_precision"] == "year").all()


def test_family_context_names_the_other_members() -> None:
    frame = mentions_frame(twins_and_siblings())
    rosa = frame[(frame["given_names"] == "Rosa") & (frame["source"] == "cbp_e3")].iloc[0]
    assert set(rosa["family_names"]) == {"marleni", "ana", "ose", "osue"}  # sound keys, self excluded
    orr_child = frame[(frame["source"] == "orr_portal") & (frame["ref"] == "child")].iloc[0]
    assert orr_child["family_names"] == ["marleni"]  # the parent the file names
    assert all(
        tokens == ["batz", "xol"] for tokens in frame.loc[frame["surnames"] == "Batz Xol", "surname_tokens"]
    )

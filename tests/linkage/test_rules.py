"""Deterministic linkage rules on hand-made records: a link only when exactly one candidate fits;
merges resting on a name alone wait for review; an identifier never joins names that disagree."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pandas as pd

from graph.model import Agency, DobPrecision, ReleaseReason
from loaders.linkage.cluster import Thresholds, decide
from loaders.linkage.decisions import constrained
from loaders.linkage.mentions import mentions_frame
from loaders.linkage.rules import (
    APPREHENDED_WITH,
    DAY_AND_AGE,
    HANDED_OVER,
    TRANSFERRED,
    apprehended_with_pairs,
    day_and_age_pairs,
    handed_over_pairs,
    one_typo,
    transferred_pairs,
)
from loaders.normalise import dob_from_age
from loaders.records import CanonicalRecord, Mention, StayFact
from tests.linkage.handmade import person, record

STATION = "BP04BRO"
APPREHENDED = datetime(2018, 4, 15, 10, 30)
APPREHENDED_ON = APPREHENDED.date()


def in_custody(rec: CanonicalRecord, start: datetime = APPREHENDED) -> CanonicalRecord:
    """`rec` with its subject's custody starting at the station at `start`."""
    stay = StayFact(facility_id=STATION, agency=Agency.CBP, start=start, stay_key=rec.provenance.record_id)
    return rec.model_copy(update={"stays": [stay]})


def board_row(record_id: str, given: str, age: int, on: date = APPREHENDED_ON) -> CanonicalRecord:
    """A whiteboard row: a first name and an age stated on day `on`, nothing else."""
    born, precision = dob_from_age(str(age), on)
    mention = Mention(given_names=given, dob=born, dob_precision=precision, is_child=age < 18)
    return record("station_whiteboard", record_id, [mention], unit=f"board:{on}:1")


def kevin(record_id: str = "EV1", born: str = "1996-03-02") -> CanonicalRecord:
    return in_custody(record("cbp_e3", record_id, [person("KEVIN", "LOPEZ RAMOS", born, "M")]))


def uid(frame: pd.DataFrame, record_id: str, ref: str = "subject") -> int:
    ours = frame["record_key"].str.endswith(f":{record_id}") & (frame["ref"] == ref)
    return int(frame.loc[ours, "unique_id"].iloc[0])


def linked(pairs: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True))


def test_a_board_row_joins_the_only_mention_in_custody_that_day_with_its_name_and_age() -> None:
    frame = mentions_frame([kevin(), board_row("1", "Kebin", 22)])  # 22 on 15 April 2018
    pairs = day_and_age_pairs(frame)
    assert linked(pairs) == {(uid(frame, "EV1"), uid(frame, "1"))}
    assert pairs["match_probability"].tolist() == [1.0]
    assert json.loads(pairs["explanation"].iloc[0])["rule"] == DAY_AND_AGE


def test_a_board_row_with_another_age_or_day_or_name_joins_nothing() -> None:
    rows = [
        board_row("1", "Kevin", 23),
        board_row("2", "Kevin", 22, on=date(2018, 4, 16)),
        board_row("3", "Carlos", 22),
    ]
    assert day_and_age_pairs(mentions_frame([kevin(), *rows])).empty


def test_two_candidates_or_two_claimants_are_ambiguous_and_join_nothing() -> None:
    two_kevins = [kevin("EV1"), kevin("EV2", born="1995-12-24"), board_row("1", "Kevin", 22)]
    assert day_and_age_pairs(mentions_frame(two_kevins)).empty
    two_rows = [kevin(), board_row("1", "Kevin", 22), board_row("2", "KEVIN", 22)]
    assert day_and_age_pairs(mentions_frame(two_rows)).empty


def named_parent_case(*adults: CanonicalRecord) -> tuple[pd.DataFrame, pd.Series]:
    """A CBP child apprehended with `adults` (no family unit: deleted at prosecution) and the
    child's ORR file naming its mother; the first pass has joined the two mentions of the child."""
    child = in_custody(
        record("cbp_e3", "EV-C", [person("Luis", "Batz Aguilar", "2012-05-01", "M", is_child=True)])
    )
    named = Mention(ref="parent1", given_names="Zoila", surnames="Aguilar", sex="F")
    orr_child = person("LUIS", "Batz", "2012-05-01", "M", ref="child")
    frame = mentions_frame([child, *adults, record("orr_portal", "UC-1", [orr_child, named])])
    person_of = pd.Series(frame["unique_id"].to_numpy(), index=frame["unique_id"])
    person_of[uid(frame, "UC-1", "child")] = uid(frame, "EV-C")
    return frame, person_of


def mother(
    record_id: str,
    given: str = "ZOYLA INES",
    surnames: str = "AGUILAR HERNANDEZ",
    sex: str = "F",
    start: datetime = APPREHENDED,
) -> CanonicalRecord:
    adult = person(given, surnames, "1985-02-11", sex, is_child=False)
    return in_custody(record("cbp_e3", record_id, [adult]), start)


def test_a_named_parent_joins_the_only_adult_apprehended_with_the_child() -> None:
    frame, person_of = named_parent_case(mother("EV-M"), mother("EV-X", "Pedro", "Aguilar Caal", "M"))
    pairs = apprehended_with_pairs(frame, person_of)
    assert linked(pairs) == {(uid(frame, "EV-M"), uid(frame, "UC-1", "parent1"))}
    assert json.loads(pairs["explanation"].iloc[0])["rule"] == APPREHENDED_WITH


def test_a_named_parent_with_two_fitting_adults_or_none_apprehended_with_the_child_joins_nothing() -> None:
    two = named_parent_case(mother("EV-M"), mother("EV-N", "Zoila", "Aguilar Perez"))
    assert apprehended_with_pairs(*two).empty
    later = named_parent_case(mother("EV-M", start=datetime(2018, 4, 15, 11, 0)))
    assert apprehended_with_pairs(*later).empty
    other_sex = named_parent_case(mother("EV-M", sex="M"))
    assert apprehended_with_pairs(*other_sex).empty


def test_a_merge_resting_on_a_name_alone_waits_for_review() -> None:
    frame = mentions_frame(
        [
            record("orr_portal", "UC-1", [person("Edgar", "Reyes", None, "M")]),
            record("cbp_e3", "EV-1", [person("Edgar", "Reyes", "1980-01-01", "M")]),
            record("cbp_e3", "EV-2", [person("Edgar", "Reyes", "1980-01-01", "M")]),
        ]
    )
    levels = {"gamma_given": 5, "gamma_dob": -1, "gamma_a_number": -1, "gamma_family": -1}
    alone = {"unique_id_l": 0, "unique_id_r": 1, "match_probability": 0.995, "explanation": "{}", **levels}
    dated = {**alone, "unique_id_l": 1, "unique_id_r": 2, "gamma_dob": 6}
    one_relative = {**alone, "unique_id_r": 2, "gamma_family": 1}  # one relative's first name in common
    decisions = decide(frame, pd.DataFrame([alone, dated, one_relative]), Thresholds())
    assert decisions.report.refused["a name alone"] == 2
    assert decisions.person_of[0] != decisions.person_of[1]
    assert decisions.person_of[1] == decisions.person_of[2]
    assert linked(decisions.possible) == {(0, 1), (0, 2)}


def test_an_identifier_shared_with_a_mention_whose_only_name_disagrees_is_kept_apart() -> None:
    """A tracker's child "Andrea" (first name only) whose typo'd A-number is a CBP "Héctor"'s."""
    hector = person("HECTOR", "ZELAYA RUIZ", "2001-03-01", "M", a_number="A200129831")
    andrea = Mention(ref="child", given_names="Andrea", a_number="A200129831")
    hector_again = Mention(ref="child", given_names="Ector", a_number="A200129831")  # one typo: the same
    frame = mentions_frame(
        [
            record("cbp_e3", "EV-H", [hector]),
            record("ice_tracker", "R1", [andrea]),
            record("ice_tracker", "R2", [hector_again]),
        ]
    )
    kept = constrained(frame, pd.DataFrame(columns=["unique_id_l", "unique_id_r"]), [])
    h, a, again = uid(frame, "EV-H"), uid(frame, "R1", "child"), uid(frame, "R2", "child")
    assert kept.clusters[h] != kept.clusters[a] and a in kept.split_identifiers
    assert kept.clusters[h] == kept.clusters[again]


def ice_row(record_id: str, a_number: str, booked_in: datetime, key: str = "ice-1") -> CanonicalRecord:
    """An ICE detention row: no name, an A-number, a birth year, ICE's own person key."""
    mention = Mention(
        dob=date(1985, 1, 1),
        dob_precision=DobPrecision.YEAR,
        sex="F",
        country="Guatemala",
        a_number=a_number,
        identifiers=[f"ice_ddp:{key}"],
    )
    stay = StayFact(facility_id="BELCOTX", agency=Agency.ICE, start=booked_in, stay_key=record_id)
    return record("ice_ddp", record_id, [mention]).model_copy(update={"stays": [stay]})


def transferred_out(system: str, record_id: str, subject: Mention, out: datetime) -> CanonicalRecord:
    """A row of `system` whose subject's custody (at `STATION`) ended 'transferred' at `out`."""
    agency = Agency.USMS if system == "usms" else Agency.CBP
    stay = StayFact(
        facility_id=STATION,
        agency=agency,
        start=out - timedelta(days=2),
        end=out,
        release_reason=ReleaseReason.TRANSFERRED,
        stay_key=record_id,
    )
    return record(system, record_id, [subject]).model_copy(update={"stays": [stay]})


def sent_to_ice(record_id: str, a_number: str, out: datetime) -> CanonicalRecord:
    """A USMS prisoner (a name, a date of birth) whose custody ended 'transferred' at `out`."""
    subject = person("MARLENY", "XOL CAAL", "1985-02-11", "F", a_number=a_number)
    return transferred_out("usms", record_id, subject, out)


HANDED_OUT = datetime(2018, 5, 5, 17, 49)


def test_a_nameless_row_joins_the_only_transfer_out_with_an_a_number_one_typo_away() -> None:
    records = [
        sent_to_ice("R1", "A200009158", HANDED_OUT),
        ice_row("1", "A200009518", HANDED_OUT + timedelta(hours=4)),  # two digits swapped
        ice_row("2", "A200009518", HANDED_OUT + timedelta(days=9)),  # a later placement, same person key
    ]
    frame = mentions_frame(records)
    pairs = handed_over_pairs(frame)
    assert linked(pairs) == {(uid(frame, "R1"), uid(frame, "1"))}
    assert json.loads(pairs["explanation"].iloc[0])["rule"] == HANDED_OVER


def test_a_nameless_row_far_in_time_or_number_or_with_two_senders_joins_nothing() -> None:
    later = [
        sent_to_ice("R1", "A200009158", HANDED_OUT),
        ice_row("1", "A200009158", HANDED_OUT + timedelta(days=2)),
    ]
    assert handed_over_pairs(mentions_frame(later)).empty
    far = [
        sent_to_ice("R1", "A200009158", HANDED_OUT),
        ice_row("1", "A200009999", HANDED_OUT + timedelta(hours=4)),
    ]
    assert handed_over_pairs(mentions_frame(far)).empty
    two = [
        sent_to_ice("R1", "A200009158", HANDED_OUT),
        sent_to_ice("R2", "A200009150", HANDED_OUT + timedelta(hours=1)),
        ice_row("1", "A200009159", HANDED_OUT + timedelta(hours=4)),
    ]
    assert handed_over_pairs(mentions_frame(two)).empty


def test_one_typo_is_one_digit_or_two_neighbours_swapped() -> None:
    assert one_typo("A200009158", "A200009159")
    assert one_typo("A200009158", "A200009518")
    assert not one_typo("A200009158", "A200009581")
    assert one_typo("garsia", "grasia") and one_typo("chabes", "cabes")
    assert not one_typo("A200009158", "A2000091")
    assert not one_typo("A200009158", "A200009158")


def at_station(record_id: str, given: str, surnames: str, out: datetime, sex: str = "F") -> CanonicalRecord:
    """A CBP apprehension (age only: no date of birth) whose custody ended 'transferred' at `out`."""
    born, precision = dob_from_age("33", out.date())
    mention = Mention(given_names=given, surnames=surnames, dob=born, dob_precision=precision, sex=sex)
    return transferred_out("cbp_e3", record_id, mention, out)


def prisoner(record_id: str, booked: datetime) -> CanonicalRecord:
    stay = StayFact(facility_id="GREGGTX", agency=Agency.USMS, start=booked, stay_key=record_id)
    rec = record("usms", record_id, [person("MARLENY", "XOL CAAL", "1985-02-11", "F")])
    return rec.model_copy(update={"stays": [stay]})


def test_a_named_mention_joins_the_only_fitting_one_whose_custody_ended_as_its_began() -> None:
    frame = mentions_frame(
        [
            at_station("EV1", "Marleni", "Xol", HANDED_OUT),
            at_station("EV2", "Pedro", "Xol Caal", HANDED_OUT, sex="M"),  # handed over with her
            prisoner("R1", HANDED_OUT),
        ]
    )
    pairs = transferred_pairs(frame)
    assert linked(pairs) == {(uid(frame, "EV1"), uid(frame, "R1"))}
    assert json.loads(pairs["explanation"].iloc[0])["rule"] == TRANSFERRED


def test_a_named_mention_with_two_fitting_senders_or_a_minute_apart_joins_nothing() -> None:
    two = [at_station("EV1", "Marleni", "Xol", HANDED_OUT), at_station("EV2", "Marleny", "Caal", HANDED_OUT)]
    assert transferred_pairs(mentions_frame([*two, prisoner("R1", HANDED_OUT)])).empty
    later = [
        at_station("EV1", "Marleni", "Xol", HANDED_OUT),
        prisoner("R1", HANDED_OUT + timedelta(minutes=1)),
    ]
    assert transferred_pairs(mentions_frame(later)).empty

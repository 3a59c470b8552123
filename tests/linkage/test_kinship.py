"""Inferred parent links from a shared apprehension: only the one adult who fits, never a guess
between two, never a single adult who merely crossed with the group."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from graph.model import Agency, Evidence, FamilyKind
from loaders.linkage.kinship import co_apprehension_links
from loaders.linkage.mentions import mentions_frame
from tests.linkage.handmade import person, record

STATION = "BP04BRO"
BOOKED = datetime(2018, 4, 15, 10, 30)
TO_ORR = BOOKED + timedelta(days=2, hours=3)

CHILD = ("child", "Víctor", "Batz Hernández", "2010-06-01", "M", True)
FATHER = ("father", "Mario", "Batz Orellana", "1984-08-28", "M", False)
MOTHER = ("mother", "Rosa", "Hernández Xol", "1986-01-10", "F", False)
SISTER = ("sister", "Ana", "Batz Hernández", "2012-03-03", "F", True)


def rule_rows(
    people: list[tuple[str, str, str, str, str, bool]],
    *,
    family: set[str],
    stated: tuple[tuple[str, str], ...] = (),
    left_at: dict[str, datetime] | None = None,
    booked: dict[str, datetime] | None = None,
) -> list[dict]:
    """Run the rule on one mention per person, every one booked in at STATION (at BOOKED unless
    `booked` says otherwise) and leaving CBP at TO_ORR (unless `left_at` says otherwise)."""
    records = [
        record("cbp_e3", pid, [person(given, surnames, dob, sex, is_child=child)])
        for pid, given, surnames, dob, sex, child in people
    ]
    frame = mentions_frame(records)
    who = pd.Series([rk.split(":")[-1] for rk in frame["record_key"]], index=frame["unique_id"])
    stays = [
        {
            "person_id": pid,
            "facility_id": STATION,
            "agency": Agency.CBP.value,
            "start": (booked or {}).get(pid, BOOKED),
            "end": (left_at or {}).get(pid, TO_ORR),
            "sources": [f"cbp_e3:cbp_e3.csv:{pid}"],
        }
        for pid, *_ in people
    ]
    links = [{"kind": FamilyKind.PARENT_OF.value, "from_id": a, "to_id": b} for a, b in stated]
    rows = co_apprehension_links(frame, who, stays, links, family)
    assert all(r["evidence"] == Evidence.INFERRED.value and r["evidence_rank"] == 0 for r in rows)
    return rows


def links_for(people: list[tuple[str, str, str, str, str, bool]], **kw) -> set[tuple[str, str]]:
    return {(r["from_id"], r["to_id"]) for r in rule_rows(people, **kw)}


def test_the_father_and_mother_the_surnames_point_to_are_inferred() -> None:
    got = links_for([CHILD, FATHER, MOTHER, SISTER], family={"father"}, stated=(("mother", "sister"),))
    assert got == {("father", "child"), ("mother", "child")}


def test_the_sources_are_the_two_apprehension_records() -> None:
    (row,) = rule_rows([CHILD, FATHER], family={"father"})
    assert row["sources"] == ["cbp_e3:cbp_e3.csv:child", "cbp_e3:cbp_e3.csv:father"]
    assert row["link_id"] == "PARENT_OF:father:child" and row["recorded_at"] == BOOKED


def test_two_fitting_men_are_no_father() -> None:
    other = ("other", "Wilmer", "Batz Caal", "1980-02-02", "M", False)
    assert links_for([CHILD, FATHER, other], family={"father", "other"}) == set()


def test_surnames_in_the_wrong_place_or_another_minute_fit_nothing() -> None:
    wrong_place = ("m2", "Wilmer", "Orellana Batz", "1980-02-02", "M", False)  # Batz second: not the father
    woman_first = ("w2", "Inés", "Batz Xol", "1980-02-02", "F", False)  # a mother gives the second surname
    assert links_for([CHILD, wrong_place, woman_first], family={"m2", "w2"}) == set()
    later = {"father": BOOKED + timedelta(minutes=1)}
    assert links_for([CHILD, FATHER], family={"father"}, booked=later) == set()


def test_a_child_with_a_stated_parent_is_left_alone() -> None:
    assert (
        links_for([CHILD, FATHER, MOTHER], family={"father", "mother"}, stated=[("mother", "child")]) == set()
    )


def test_a_single_adult_who_crossed_with_the_group_is_no_parent() -> None:
    """No child on record and not on record as family: one of a group of strangers."""
    assert links_for([CHILD, FATHER], family=set()) == set()


def test_an_adult_whose_own_children_left_on_another_day_is_another_family() -> None:
    got = links_for(
        [CHILD, MOTHER, SISTER],
        family={"mother"},
        stated=(("mother", "sister"),),
        left_at={"sister": TO_ORR + timedelta(days=1)},
    )
    assert got == set()


def test_an_adult_too_young_to_be_the_parent_fits_nothing() -> None:
    brother = ("brother", "Mario", "Batz Orellana", "2001-08-28", "M", False)
    assert links_for([CHILD, brother], family={"brother"}) == set()

"""Contract: the separation events of a set of persons, with everyone each one separated."""

from __future__ import annotations

from datetime import date

from tests.contract.scenario import DAD, KID1, KID2, MOM


def _ids(persons) -> list[str]:
    return [p.person_id for p in persons]


def test_separations_of_a_child_with_reason_missing_and_reunification(scenario_store):
    (event,) = scenario_store.separations([KID1])
    assert event.separation.separation_id == "SEP-1"
    assert event.separation.reason_code is None  # "no reason recorded" is itself the finding
    assert event.separation.date == date(2018, 5, 11)
    assert event.separation.reunified_on == date(2018, 7, 20)
    assert _ids(event.children) == [KID1]
    assert _ids(event.adults) == [DAD]


def test_separations_of_a_parent_and_of_several_persons_come_by_date_then_id(scenario_store):
    events = scenario_store.separations([DAD])
    assert [e.separation.separation_id for e in events] == ["SEP-1", "SEP-2"]
    assert events[1].separation.reason_code == "CRIM"
    assert events[1].separation.reunified_on is None
    assert _ids(events[1].children) == [KID2]
    both = scenario_store.separations([KID2, KID1, KID1, "P-NOBODY"])
    assert [e.separation.separation_id for e in both] == ["SEP-1", "SEP-2"]
    assert both == events


def test_separations_of_persons_never_separated_is_empty(scenario_store):
    assert scenario_store.separations([MOM]) == []
    assert scenario_store.separations([]) == []

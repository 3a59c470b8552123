"""Contract: persons, search, relatives and family paths give the scenario's true answers."""

from __future__ import annotations

import pytest

from graph.errors import NotFoundError
from graph.model import Evidence, FamilyKind
from tests.contract.scenario import AUNT, CLAIMER, DAD, DUP, KID1, KID2, KID3, MOM, STRANGER


def test_get_person_returns_typed_record_with_normalised_a_number(scenario_store):
    mom = scenario_store.get_person(MOM)
    assert mom.full_name == "María José López García"
    assert mom.a_number == "A000000001"
    assert mom.dob.isoformat() == "1990-03-04"
    assert scenario_store.get_person("P-NOBODY") is None


@pytest.mark.parametrize(
    ("text", "expected_first"),
    [
        ("Ximena Hernández", KID1),
        ("ximena hernandez", KID1),
        ("Jimena Ernandes", KID1),  # misspelt by sound
        ("Lopez Mateo", KID2),  # either surname, any order
        ("A-000-000-001", MOM),
        ("000000001", MOM),
        ("12345-678", DAD),  # USMS register number
        ("UC-1001", KID1),  # ORR case id
        ("Ximen", KID1),  # as the user types
    ],
)
def test_search_finds_by_name_variant_or_identifier(scenario_store, text, expected_first):
    hits = scenario_store.search_persons(text)
    assert hits, text
    assert hits[0].person.person_id == expected_first


def test_search_identifier_hit_scores_one(scenario_store):
    hits = scenario_store.search_persons("a000000001")
    assert [(h.person.person_id, h.score) for h in hits][:1] == [(MOM, 1.0)]


def test_search_surname_lists_everyone_with_it(scenario_store):
    ids = {h.person.person_id for h in scenario_store.search_persons("López")}
    assert ids == {MOM, KID1, KID2, DUP, AUNT}


@pytest.mark.parametrize(
    "text",
    [
        "x') MATCH (n) DETACH DELETE n //",
        "<script>alert(1)</script>",
        '"; DROP TABLE Person; --',
        "\u202eezemaR",
        "",
        "   ",
    ],
)
def test_hostile_search_text_is_data(scenario_store, text):
    assert scenario_store.search_persons(text) == []
    assert scenario_store.counts().persons == 10


def test_relatives_one_hop_excludes_rejected_links(scenario_store):
    hood = scenario_store.relatives(KID1, hops=1)
    assert hood.hops == {KID1: 0, DAD: 1, KID2: 1, MOM: 1}
    assert STRANGER not in {p.person_id for p in hood.persons}
    assert {link.link_id for link in hood.links} == {
        f"PARENT_OF:{MOM}:{KID1}", f"PARENT_OF:{MOM}:{KID2}", f"PARENT_OF:{DAD}:{KID1}",
        f"PARENT_OF:{DAD}:{KID2}", f"SIBLING_OF:{KID1}:{KID2}",
    }
    assert hood.more == 0


def test_relatives_two_hops_reach_the_aunt(scenario_store):
    hood = scenario_store.relatives(KID1, hops=2)
    assert hood.hops == {KID1: 0, DAD: 1, KID2: 1, MOM: 1, AUNT: 2}


def test_relatives_filter_by_evidence_and_kind(scenario_store):
    assert scenario_store.relatives(KID1, hops=1, min_evidence=Evidence.DOCUMENT).hops == {
        KID1: 0, DAD: 1,
    }
    assert scenario_store.relatives(KID1, hops=2, kinds=[FamilyKind.SIBLING_OF]).hops == {
        KID1: 0, KID2: 1,
    }


def test_relatives_limit_reports_how_many_more(scenario_store):
    hood = scenario_store.relatives(KID1, hops=2, limit=2)
    assert hood.hops == {KID1: 0, DAD: 1, KID2: 1}
    assert hood.more == 2


def test_relatives_of_unknown_person_raises(scenario_store):
    with pytest.raises(NotFoundError):
        scenario_store.relatives("P-NOBODY")


@pytest.mark.parametrize("hops", [0, 7, -1])
def test_relatives_rejects_hops_out_of_range(scenario_store, hops):
    with pytest.raises(ValueError):
        scenario_store.relatives(KID1, hops=hops)


def test_family_path_shortest_and_deterministic(scenario_store):
    path = scenario_store.family_path(AUNT, KID2)
    assert [p.person_id for p in path.persons] == [AUNT, MOM, KID2]
    assert [link.link_id for link in path.links] == [
        f"RELATIVE_OF:{AUNT}:{MOM}", f"PARENT_OF:{MOM}:{KID2}",
    ]
    tie = scenario_store.family_path(DAD, MOM)
    assert [p.person_id for p in tie.persons] == [DAD, KID1, MOM]


def test_family_path_none_when_unconnected_or_only_through_rejected(scenario_store):
    assert scenario_store.family_path(KID3, KID1) is None
    assert scenario_store.family_path(STRANGER, KID1) is None
    assert scenario_store.family_path(CLAIMER, KID3).persons[-1].person_id == KID3

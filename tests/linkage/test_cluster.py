"""Decisions: twins and siblings stay apart, clusters are capped, sources holding a person once
get single-best-link, identifiers merge before any model."""

from __future__ import annotations

import json

import pandas as pd

from loaders.linkage.cluster import PAIR_COLUMNS, Thresholds, decide
from loaders.linkage.mentions import mentions_frame, read_records
from loaders.linkage.resolve import resolve_mentions
from tests.linkage.conftest import Scenario, scenario_files
from tests.linkage.handmade import person, record, twins_and_siblings


def pairs(rows: list[tuple[int, int, float, int]]) -> pd.DataFrame:
    """Scored pairs as `model.score` gives them: (left, right, probability, given-name level)."""
    return pd.DataFrame(
        [(a, b, p, g, json.dumps({"given": 1.0})) for a, b, p, g in rows], columns=PAIR_COLUMNS
    )


def test_twins_and_similar_siblings_do_not_merge(linkage_scenario: Scenario) -> None:
    handmade = twins_and_siblings()
    records = [*read_records(scenario_files(linkage_scenario.directory)), *handmade]
    frame = mentions_frame(records)
    person_of = resolve_mentions(frame).decisions.person_of
    ours = frame[frame["record_key"].str.contains(":TW-|:UC-TW-", regex=True)]
    cbp = ours[ours["source"] == "cbp_e3"].set_index("given_names")["unique_id"]
    kids = [person_of[cbp[name]] for name in ("Ana Lucía", "Rosa", "José", "Josué")]
    assert len(set(kids)) == 4, "twins or siblings were merged"
    orr = ours[(ours["source"] == "orr_portal") & (ours["ref"] == "child")].set_index("given_names")[
        "unique_id"
    ]
    cbp_person = {name.upper(): person_of[uid] for name, uid in cbp.items()}
    for name, uid in orr.items():  # nor may an ORR file join a sibling (joining its own child is fine)
        assert person_of[uid] not in {p for other, p in cbp_person.items() if other != name}


def test_cluster_size_is_capped_and_reported() -> None:
    frame = mentions_frame(
        [record("cbp_e3", f"R{i}", [person("Ana", "Cruz", "2001-01-01", "F")]) for i in range(10)]
    )
    chain = pairs([(i, i + 1, 0.999, 5) for i in range(9)])
    decisions = decide(frame, chain, Thresholds(max_cluster=4))
    assert decisions.report.largest_cluster <= 4
    assert decisions.report.refused["cluster size cap"] >= 1
    assert len(decisions.possible) == decisions.report.refused["cluster size cap"]


def test_contradicting_given_names_are_only_a_possible_match() -> None:
    frame = mentions_frame(
        [
            record("cbp_e3", "A", [person("Ana", "Cruz", "2001-01-01", "F")]),
            record("usms", "B", [person("Rosa", "Cruz", "2001-01-01", "F")]),
        ]
    )
    decisions = decide(frame, pairs([(0, 1, 0.9999, 0)]))
    assert decisions.person_of.nunique() == 2
    assert decisions.report.refused["given names contradict"] == 1
    assert len(decisions.possible) == 1


def test_a_surname_shared_only_crosswise_is_only_a_possible_match() -> None:
    """Mario Orellana Chávez and Mario Batz Orellana share a surname first on one side and second
    on the other: by Spanish naming, a man and the son of a woman of his name, however alike
    their dates of birth. Swapped, dropped or misspelt surnames still merge."""
    mario = person("Mario", "Orellana Chávez", "1984-08-28", "M")
    others = [
        person("Mario", "Batz Orellana", "1984-08-28", "M"),  # crossed: kept apart
        person("Mario", "Chávez Orellana", "1984-08-28", "M"),  # swapped
        person("Mario", "Orellana", "1984-08-28", "M"),  # second surname dropped
        person("Mario", "Orelana Chaves", "1984-08-28", "M"),  # misspelt
    ]
    for i, other in enumerate(others):
        frame = mentions_frame([record("cbp_e3", "A", [mario]), record("usms", f"B{i}", [other])])
        decisions = decide(frame, pairs([(0, 1, 0.9999, 5)]))
        assert decisions.person_of.nunique() == (2 if i == 0 else 1), other.surnames
        assert decisions.report.refused["surnames crossed"] == (i == 0)
        assert len(decisions.possible) == (i == 0)
    # Swapped and misspelt at once: one typo is judged on the letters written (the spelling keys
    # of García and Garica, garsia and garika, are two edits apart).
    frame = mentions_frame(
        [
            record("cbp_e3", "A", [person("Mario", "García López", "1984-08-28", "M")]),
            record("usms", "B", [person("Mario", "López Garica", "1984-08-28", "M")]),
        ]
    )
    assert decide(frame, pairs([(0, 1, 0.9999, 5)])).person_of.nunique() == 1


def test_single_best_link_for_sources_holding_a_person_once() -> None:
    child = person("Kevin", "Chávez", "2010-01-01", "M", ref="child")
    frame = mentions_frame(
        [
            record("cbp_e3", "E1", [person("Kevin", "Chavez", "2010-01-01", "M")]),
            record("orr_portal", "UC1", [child]),
            record("orr_portal", "UC2", [child]),
        ]
    )
    decisions = decide(frame, pairs([(0, 1, 0.9995, 5), (0, 2, 0.999, 5)]))
    assert decisions.person_of[0] == decisions.person_of[1] != decisions.person_of[2]
    assert decisions.report.refused["source holds each person once"] == 1


def test_identifiers_merge_before_the_model() -> None:
    frame = mentions_frame(
        [
            record("cbp_e3", "E1", [person("Kevin", "Chavez", "2010-01-01", "M", a_number="A-012-345-678")]),
            record("ice_ddp", "9", [person("", "", None, "M", a_number="12345678")]),
        ]
    )
    decisions = decide(frame, pd.DataFrame(columns=PAIR_COLUMNS))
    assert decisions.person_of.nunique() == 1
    assert decisions.report.deterministic_merges == 1

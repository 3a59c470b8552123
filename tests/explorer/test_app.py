"""AppTest over every page, on a real embedded store loaded with the scenario (no mocks).

Numbers the pages show are compared with the answers of the same `graph/` operations, read
beside the app through a read-only handle (`expected`).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.nav import PAGES, ROLE_PAGES
from graph.access import Role
from graph.model import Evidence, FamilyKind, FamilyLink, GraphBatch, LinkStatus, Person
from graph.store import GraphStore
from tests.contract.scenario import KID1, KID3, MOM
from tests.explorer.conftest import APP, HOSTILE, LOCAL_USER

CLAIM = f"PARENT_OF:P-CLAIMMOM:{KID3}"


def open_page(name: str, **params: str) -> AppTest:
    """Run one page as a deep link `/<page>?k=v` would."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    if name != "find":  # the default page needs no switch
        at.run()  # st.navigation registers the pages (with their url paths) on the first run
        at.switch_page(f"views/{PAGES[name].file}")
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def metric(at: AppTest, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label))


def iframe_nodes(at: AppTest) -> set[str]:
    frame = next(e for e in at.main if getattr(e, "type", "") == "iframe")
    found = re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", frame.proto.srcdoc, re.DOTALL)
    assert found
    return {n["id"] for n in json.loads(found.group(1))}


@pytest.mark.parametrize("name", ROLE_PAGES[Role.CASEWORKER])
def test_every_page_renders_without_error(app_store: GraphStore, name: str) -> None:
    at = open_page(name, person=KID1)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value.startswith(PAGES[name].title.split(" ")[0])


def test_search_finds_a_misspelt_child_and_shows_custody(app_store: GraphStore) -> None:
    at = open_page("find", q="ximena hernandes")
    hits = app_store.search_persons("ximena hernandes", 20)
    table = at.dataframe[0].value
    assert list(table["person_id"]) == [h.person.person_id for h in hits]
    assert table.iloc[0]["person_id"] == KID1 and table.iloc[0]["status"] == "reunified"
    mom = open_page("find", q="A-000-000-001").dataframe[0].value.iloc[0]
    assert (mom["person_id"], mom["agency"]) == (MOM, "ICE")
    assert mom["facility"] == "El Paso Service Processing Center"


@pytest.mark.parametrize("query", ["brien", "zzyzx", "العلي"])
def test_hostile_names_are_searched_as_data_and_shown_as_text(app_store: GraphStore, query: str) -> None:
    at = open_page("find", q=query)
    names = set(at.dataframe[0].value["name"])
    assert names & {p.full_name for p in HOSTILE}
    assert not at.exception


def test_family_graph_numbers_match_the_graph(app_store: GraphStore) -> None:
    at = open_page("graph", person=KID1, hops="2")
    assert at.selectbox(key="evidence").value == Evidence.CLAIMED.value  # `inferred` only when asked
    hood = app_store.relatives(KID1, hops=2)
    assert at.markdown[0].value.endswith(f"{len(hood.persons) - 1} relative(s) within 2 hop(s)")
    assert iframe_nodes(at) == {p.person_id for p in hood.persons}
    assert len(at.dataframe[0].value) == len(hood.persons) and len(at.dataframe[1].value) == len(hood.links)

    at.slider(key="hops").set_value(1).run()
    near = app_store.relatives(KID1, hops=1)
    assert iframe_nodes(at) == {p.person_id for p in near.persons}
    at.selectbox(key="evidence").set_value(Evidence.DOCUMENT.value).run()
    strong = app_store.relatives(KID1, hops=1, min_evidence=Evidence.DOCUMENT)
    assert iframe_nodes(at) == {p.person_id for p in strong.persons}


def test_a_load_shows_in_the_next_visit_although_reads_are_shared(load_into) -> None:
    """The read cache is shared by every session: a load beside the app must invalidate it."""
    before = open_page("graph", person=KID1, hops="1")
    again = open_page("graph", person=KID1, hops="1")  # another session: served from the cache
    assert iframe_nodes(again) == iframe_nodes(before) and "P-LATE" not in iframe_nodes(before)
    late = FamilyLink(kind=FamilyKind.SIBLING_OF, from_id=KID1, to_id="P-LATE", evidence=Evidence.DNA)
    load_into(GraphBatch(persons=[Person(person_id="P-LATE", given_names="Late")], family_links=[late]))
    after = open_page("graph", person=KID1, hops="1")
    assert iframe_nodes(after) == iframe_nodes(before) | {"P-LATE"}


def test_family_path_and_provenance_deep_links(app_store: GraphStore) -> None:
    link = f"PARENT_OF:{MOM}:{KID1}"
    at = open_page("graph", person=KID1, hops="3", to="P-XSS", item=link)
    path = app_store.family_path(KID1, "P-XSS")
    assert path is not None
    shown = next(m.value for m in at.markdown if m.value.startswith("Path: "))
    assert shown.count("→") == len(path.links)
    assert "<script>" not in shown  # the hostile end of the path is escaped
    records = at.dataframe[-1].value
    assert list(records["record"]) == [r.record_key for r in app_store.provenance(link).records]


def test_timeline_shows_separation_reasons_and_whereabouts(app_store: GraphStore) -> None:
    at = open_page("timeline", person=KID1, hops="1", date="2018-06-20")
    seps = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert any("no reason recorded" in s for s in seps) and any("CRIM" in s for s in seps)
    where = at.dataframe[0].value.set_index("person_id")
    for w in app_store.family_whereabouts(KID1, date(2018, 6, 20), hops=1):
        assert where.loc[w.person.person_id, "agency"] == (w.stay.agency.value if w.stay else "")
    assert not at.exception


def test_analyst_counts_match_the_graph(app_store: GraphStore) -> None:
    at = open_page("analyst", on="2018-06-20")
    orphans = app_store.orphaned_children()
    assert metric(at, "Children meeting any chosen definition") == len(orphans)
    assert metric(at, "No parent link") == sum("no_parent_link" in o.reasons for o in orphans)
    census = app_store.census(date(2018, 6, 20))
    assert metric(at, "Children separated and not reunified on 2018-06-20") == census.total
    rows = app_store.separated_not_reunified(date(2018, 6, 20))
    assert census.total == len({r.person.person_id for r in rows})
    shown = next(d.value for d in at.dataframe if list(d.value.columns) == ["agency", "children"])
    assert dict(zip(shown["agency"], shown["children"], strict=True)) == census.by_agency
    links, matches = app_store.pending_reviews()
    assert metric(at, "Claimed or inferred links awaiting review") == len(links)
    assert metric(at, "Potential matches awaiting review") == len(matches)
    assert metric(at, "Quarantined rows") == len(app_store.quarantine())
    known = open_page("analyst", on="2018-06-20", known="2018-06-20")
    late = app_store.census(date(2018, 6, 20), known_on=date(2018, 6, 20))
    assert metric(known, "Children separated and not reunified on 2018-06-20") == late.total != census.total


def test_review_decision_is_written_and_shown_in_history(review_history_of) -> None:
    at = open_page("review", target=CLAIM)
    at.text_area(key="reason").input("DNA result confirms parentage")
    at.button(key="confirm").click().run()
    assert not at.error, [e.value for e in at.error]
    history = review_history_of(CLAIM)
    assert [(r.decision, r.reviewer) for r in history] == [(LinkStatus.CONFIRMED, LOCAL_USER)]
    after = open_page("review", target=CLAIM)
    assert list(after.dataframe[-1].value["reason"]) == ["DNA result confirms parentage"]


def test_review_during_a_load_says_to_try_again(writable_db: Path) -> None:
    holder = subprocess.Popen(  # another process holds the file read-write, as `lineage load` does
        [sys.executable, "-c", "import sys,time; from graph.ladybug.store import LadybugStore; "
         f"s = LadybugStore({str(writable_db)!r}); print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout and holder.stdout.readline().strip() == "ready"
        at = open_page("review", target=CLAIM)
        at.text_area(key="reason").input("documents")
        at.button(key="reject").click().run()
        assert any("try again when the load finishes" in e.value for e in at.error)
    finally:
        holder.kill()
        holder.wait(10)
    time.sleep(0.1)


def test_trainer_steps_forward_with_masked_names(app_store: GraphStore) -> None:
    at = open_page("trainer", person=KID1)
    first = at.markdown[0].value
    assert first.startswith("2018-05-10 08:00") and "Hernández" not in first
    at.button(key="next").click().run()
    assert at.subheader[0].value.startswith("Step 2 of")
    deep = open_page("trainer", person=KID1, step="5")
    assert deep.subheader[0].value.startswith("Step 5 of")
    frame = next(e for e in deep.main if getattr(e, "type", "") == "iframe")
    assert "Hern\\u00e1ndez" not in frame.proto.srcdoc and "Child 1" in frame.proto.srcdoc


def test_analyst_lists_contradicting_parent_claims(writable_db: Path) -> None:
    from graph.ladybug.store import LadybugStore
    from tests.contract.scenario import DUP, KID2, TRACKER

    claim = FamilyLink(kind=FamilyKind.PARENT_OF, from_id=DUP, to_id=KID2, evidence=Evidence.CLAIMED,
                       sources=[TRACKER])
    with LadybugStore(writable_db) as store:
        store.upsert(GraphBatch(family_links=[claim]))
        expected = store.conflicting_parent_claims()

    at = open_page("analyst")

    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, "Children with contradicting parent claims") == len(expected) == 1
    table = next(d.value for d in at.dataframe if "conflict" in d.value.columns)
    assert set(table["parent_id"]) == {x.from_id for x in expected[0].links}
    assert set(table["conflict"]) == {"more than two parents, two mothers"}
    assert claim.link_id in set(table["link_id"])

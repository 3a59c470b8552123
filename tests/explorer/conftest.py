"""Fixtures for the explorer tests: a real embedded store in a tmp dir, loaded with the scenario.

The app is pointed at it through LINEAGE_BACKEND / LINEAGE_DB_PATH, exactly as a user would; a few
extra adults carry hostile names (markup, quotes, Cypher, right-to-left text) so every page shows
them. Expected numbers come from the same store through `graph/` operations, never from the page.
Every test runs as the local user `local:tester` (caseworker unless a test says otherwise, as
`lineage explore --role` would set it) with its own audit log in the test's tmp dir.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit import config

from explorer.signin import ROLE_ENV, USER_ENV
from graph.ladybug.store import LadybugStore
from graph.model import Evidence, FamilyKind, FamilyLink, GraphBatch, LoadBatch, Person, Review
from graph.store import GraphStore
from tests.contract.scenario import CBP, LOADED, MOM, scenario

APP = Path(__file__).resolve().parents[2] / "explorer" / "app.py"
HOSTILE = [
    Person(person_id="P-XSS", given_names='<script>alert("x")</script>', surnames="Zzyzx <b>Bold</b>",
           sources=[CBP[0]]),
    Person(person_id="P-CYPHER", given_names="Robert'); MATCH (n) DETACH DELETE n //",
           surnames='O\'Brien "Quoted"', sources=[CBP[0]]),
    Person(person_id="P-RTL", given_names="\u202eمحمد", surnames="العلي [link](javascript:x) :red[x]",
           sources=[CBP[0]]),
]


def hostile_batch() -> GraphBatch:
    """Hostile-named relatives of the mother, so they appear in her family graph."""
    links = [
        FamilyLink(kind=FamilyKind.RELATIVE_OF, from_id=MOM, to_id=p.person_id, evidence=Evidence.CLAIMED,
                   sources=[CBP[0]])
        for p in HOSTILE
    ]
    return GraphBatch(persons=HOSTILE, family_links=links)


LOCAL_USER = "local:tester"


@pytest.fixture(autouse=True)
def audit_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The local caseworker `lineage explore` would start (on 127.0.0.1), and a fresh audit log."""
    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    monkeypatch.setenv(ROLE_ENV, "caseworker")
    monkeypatch.setenv(USER_ENV, LOCAL_USER)
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("LINEAGE_AUDIT_PATH", str(path))
    yield path
    config.set_option("server.address", before)


@pytest.fixture(scope="session")
def scenario_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file holding the contract scenario plus the hostile names (closed after loading)."""
    path = tmp_path_factory.mktemp("explorer") / "lineage.lbug"
    with LadybugStore(path) as store:
        store.upsert(scenario())
        store.upsert(hostile_batch())
    return path


@pytest.fixture(scope="session")
def expected(scenario_db: Path) -> Iterator[GraphStore]:
    """The graph's own answers, read beside the app through a read-only handle."""
    with LadybugStore(scenario_db, read_only=True) as store:
        yield store


@pytest.fixture
def app_env(scenario_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LINEAGE_BACKEND", "embedded")
    monkeypatch.setenv("LINEAGE_DB_PATH", str(scenario_db))
    return scenario_db


def _app_on_neo4j(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> GraphStore:
    """Load the scenario into the session's Neo4j and point the app at it."""
    uri, user, password = request.getfixturevalue("neo4j_connection")
    store: GraphStore = request.getfixturevalue("neo4j_store")
    store.clear()
    store.upsert(scenario())
    store.upsert(hostile_batch())
    for name, value in {"LINEAGE_BACKEND": "neo4j", "NEO4J_URI": uri, "NEO4J_USER": user,
                        "NEO4J_PASSWORD": password}.items():
        monkeypatch.setenv(name, value)
    return store


@pytest.fixture(params=["ladybug", "neo4j"])
def app_store(
    request: pytest.FixtureRequest, scenario_db: Path, expected: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> GraphStore:
    """Point the app at the scenario on one engine; return that engine's store for expected answers."""
    if request.param == "neo4j":
        return _app_on_neo4j(request, monkeypatch)
    monkeypatch.setenv("LINEAGE_BACKEND", "embedded")
    monkeypatch.setenv("LINEAGE_DB_PATH", str(scenario_db))
    return expected


@pytest.fixture(params=["ladybug", "neo4j"])
def review_history_of(
    request: pytest.FixtureRequest, scenario_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str], list[Review]]:
    """Point the app at a writable scenario on one engine; return a reader of review history."""
    if request.param == "neo4j":
        store = _app_on_neo4j(request, monkeypatch)
        return store.review_history
    copy = tmp_path / "review.lbug"
    shutil.copy(scenario_db, copy)
    monkeypatch.setenv("LINEAGE_BACKEND", "embedded")
    monkeypatch.setenv("LINEAGE_DB_PATH", str(copy))

    def read(key: str) -> list[Review]:
        with LadybugStore(copy, read_only=True) as store:
            return store.review_history(key)

    return read


@pytest.fixture
def writable_db(scenario_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the scenario database, for tests that write review decisions."""
    copy = tmp_path / "review.lbug"
    shutil.copy(scenario_db, copy)
    monkeypatch.setenv("LINEAGE_BACKEND", "embedded")
    monkeypatch.setenv("LINEAGE_DB_PATH", str(copy))
    return copy


@pytest.fixture(params=["ladybug", "neo4j"])
def load_into(
    request: pytest.FixtureRequest, writable_db: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[GraphBatch], object]:
    """Point the app at a writable scenario on one engine; return a writer beside the app's own
    handle, as a `lineage load` in another process writes."""
    if request.param == "neo4j":
        return _app_on_neo4j(request, monkeypatch).upsert

    def load(batch: GraphBatch) -> object:
        with LadybugStore(writable_db) as store:
            return store.upsert(batch)

    return load


def mark_synthetic(store: GraphStore) -> None:
    """Record a `lineage synth` load covering every source record, as loading synth output does,
    so the graph counts as synthetic (a trainer may open it)."""
    store.upsert(GraphBatch(load_batches=[LoadBatch(
        batch_id="synth-scenario", system="synth", file="scenario.csv", file_hash="0" * 64,
        started_at=LOADED, finished_at=LOADED, loaded=store.counts().source_records, synthetic=True)]))


@pytest.fixture(params=["ladybug", "neo4j"])
def synthetic_store(
    request: pytest.FixtureRequest, scenario_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Point the app at the scenario marked synthetic, on one engine; returns the engine's name."""
    if request.param == "neo4j":
        mark_synthetic(_app_on_neo4j(request, monkeypatch))
        return request.param
    copy = tmp_path / "synthetic.lbug"
    shutil.copy(scenario_db, copy)
    with LadybugStore(copy) as store:
        mark_synthetic(store)
    monkeypatch.setenv("LINEAGE_BACKEND", "embedded")
    monkeypatch.setenv("LINEAGE_DB_PATH", str(copy))
    return request.param

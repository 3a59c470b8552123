"""Fixtures shared by every test layer.

`engine_store` is parametrised over both engines (ids `ladybug` and `neo4j`) and shared per
session; `store` hands a test an emptied store, `scenario_store` one loaded with the contract
scenario. Neo4j is started lazily (only if a Neo4j test runs) from the project's own launcher.
With `CI` set, a Neo4j that cannot start fails the run; without it, the Neo4j half is skipped
with the reason (e.g. no Java on a laptop).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.store import GraphStore
from tests.contract.scenario import scenario

ENGINES = ["ladybug", "neo4j"]
#: Page cache of the fixtures' embedded stores: test databases are tiny. LadybugDB's default
#: (80% of memory) per open store let a few parallel test processes exhaust a shared machine.
TEST_BUFFER_POOL_MB = 256
#: The same cap for the processes tests start (CLI loads, the explorer), which inherit the
#: environment; larger, because a load of a synthetic scenario runs many `COPY`s in one process.
os.environ.setdefault("LINEAGE_BUFFER_POOL_MB", "2048")


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Put back `sys.modules["__main__"]` after each test: Streamlit's AppTest leaves the last
    page script there, and a later load's reading workers (forkserver, like spawn) would then
    run that page on start-up and die (the `lineage` command's `__main__` is import-safe)."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def neo4j_connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """(uri, user, password) of the server CI started (NEO4J_TEST_*), else of our own test server."""
    from graph.neo4j.launcher import ensure_test_server, started_test_servers

    if uri := os.environ.get("NEO4J_TEST_URI"):
        yield uri, os.environ.get("NEO4J_TEST_USER", "neo4j"), os.environ["NEO4J_TEST_PASSWORD"]
        return
    try:
        connection = ensure_test_server(tmp_path_factory.mktemp("engines") / "neo4j")
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Neo4j must run in CI but could not start: {exc}")
        pytest.skip(f"Neo4j not available here (set CI to make this fail): {exc}")
    yield connection
    for server in started_test_servers():  # also when the exit hook would never run
        server.stop()


@pytest.fixture(scope="session")
def neo4j_store(neo4j_connection: tuple[str, str, str]) -> Iterator[GraphStore]:
    from graph.neo4j.store import Neo4jStore

    try:
        store = Neo4jStore.connect(*neo4j_connection)
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Neo4j must run in CI but could not be reached: {exc}")
        pytest.skip(f"Neo4j not reachable here (set CI to make this fail): {exc}")
    store.init_schema()
    yield store
    store.close()


@pytest.fixture
def ladybug_store(tmp_path: Path) -> Iterator[GraphStore]:
    """A fresh embedded database per test (opening one with its schema takes ~0.05 s).

    LadybugDB 0.22 keeps the page-cache pages of every `COPY` (and of every `clear()`) until the
    database is closed, ~2–40 MB each: one session-wide store grew to gigabytes, or filled a
    capped page cache after a few dozen tests.
    """
    from graph.ladybug.store import LadybugStore

    store = LadybugStore(tmp_path / "contract.lbug", buffer_pool_size=TEST_BUFFER_POOL_MB * 2**20)
    yield store
    store.close()


@pytest.fixture(params=ENGINES)
def engine_store(request: pytest.FixtureRequest) -> GraphStore:
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture
def store(engine_store: GraphStore) -> GraphStore:
    engine_store.clear()
    return engine_store


@pytest.fixture
def scenario_store(store: GraphStore) -> GraphStore:
    store.upsert(scenario())
    return store

"""Fixtures shared by every test layer.

`engine_store` is parametrised over both engines (ids `ladybug` and `neo4j`) and shared per
session; `store` hands a test an emptied store, `scenario_store` one loaded with the contract
scenario. Neo4j is started lazily (only if a Neo4j test runs) from the project's own launcher.
With `CI` set, a Neo4j that cannot start fails the run; without it, the Neo4j half is skipped
with the reason (e.g. no Java on a laptop).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.store import GraphStore
from tests.contract.scenario import scenario

ENGINES = ["ladybug", "neo4j"]


def _neo4j_store(home: Path) -> GraphStore:
    """The server CI started (NEO4J_TEST_*), else a test server of our own in `home`."""
    from graph.neo4j.launcher import ensure_test_server
    from graph.neo4j.store import Neo4jStore

    if uri := os.environ.get("NEO4J_TEST_URI"):
        user = os.environ.get("NEO4J_TEST_USER", "neo4j")
        password = os.environ["NEO4J_TEST_PASSWORD"]
    else:
        uri, user, password = ensure_test_server(home)
    return Neo4jStore.connect(uri, user, password)


@pytest.fixture(scope="session")
def neo4j_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    from graph.neo4j.launcher import started_test_servers

    home = tmp_path_factory.mktemp("engines") / "neo4j"
    try:
        store = _neo4j_store(home)
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Neo4j must run in CI but could not start: {exc}")
        pytest.skip(f"Neo4j not available here (set CI to make this fail): {exc}")
    store.init_schema()
    yield store
    store.close()
    for server in started_test_servers():  # also when the exit hook would never run
        server.stop()


@pytest.fixture(scope="session")
def ladybug_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    from graph.ladybug.store import LadybugStore

    store = LadybugStore(tmp_path_factory.mktemp("engines") / "contract.lbug")
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

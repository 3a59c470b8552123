"""Neo4j-only behaviour: connection errors, schema, index use, upsert details and the launcher.

Everything runs against the one test server the session's `neo4j_store` fixture starts (see
tests/conftest.py); set LINEAGE_NEO4J_JARS to an existing jar folder to skip the Maven fetch.
"""

from __future__ import annotations

import shutil
import stat
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.neo4j_cmd import neo4j_app
from graph.errors import GraphStoreError, Neo4jLauncherError, StoreUnavailableError
from graph.model import NODE_KINDS, REL_KINDS, Agency, GraphBatch, Person, Stay
from graph.neo4j import queries as q
from graph.neo4j.launcher import (
    LocalNeo4j,
    ensure_jars,
    ensure_test_server,
    free_ports,
    started_test_servers,
)
from graph.neo4j.schema import SEARCH_LABEL, rel_types
from graph.neo4j.store import Neo4jStore
from tests.contract.scenario import KID1, MOM, scenario

pytestmark = pytest.mark.neo4j_only


@pytest.fixture
def neo(neo4j_store: Neo4jStore) -> Neo4jStore:
    neo4j_store.clear()
    return neo4j_store


@pytest.fixture
def server(neo4j_store: Neo4jStore, tmp_path_factory: pytest.TempPathFactory) -> LocalNeo4j:
    """The launcher-started server behind the session store (or a new one beside an external one)."""
    mine = [s for s in started_test_servers() if s.uri == neo4j_store.uri]
    if mine:
        return mine[0]
    home = tmp_path_factory.mktemp("own-neo4j")
    ensure_test_server(home)
    return next(s for s in started_test_servers() if s.home == home.resolve())


def _plan_operators(store: Neo4jStore, query: str, **params: object) -> list[str]:
    plan = store._driver.execute_query("EXPLAIN " + query, params).summary.plan
    ops, todo = [], [plan]
    while todo:
        op = todo.pop()
        ops.append(op["operatorType"].split("@")[0])
        todo.extend(op.get("children", []))
    return ops


# ------------------------------------------------------------------------- connecting
def test_wrong_password_names_the_settings(neo4j_store):
    with pytest.raises(StoreUnavailableError) as err:
        Neo4jStore.connect(neo4j_store.uri, "neo4j", "not-the-password")
    message = str(err.value)
    assert "NEO4J_USER" in message and "NEO4J_PASSWORD" in message
    assert "not-the-password" not in message and "\n" not in message


def test_unreachable_server_says_how_to_start_one():
    (port,) = free_ports(1)
    with pytest.raises(StoreUnavailableError) as err:
        Neo4jStore.connect(f"bolt://127.0.0.1:{port}", "neo4j", "whatever-password")
    message = str(err.value)
    assert f"NEO4J_URI=bolt://127.0.0.1:{port}" in message and "lineage neo4j start" in message
    assert "\n" not in message


def test_read_only_store_refuses_writes(neo4j_store):
    reader = Neo4jStore(neo4j_store._driver, read_only=True)
    with pytest.raises(GraphStoreError, match="read-only"):
        reader.upsert(GraphBatch(persons=[Person(person_id="P-X")]))
    assert reader.get_person("P-X") is None


# ----------------------------------------------------------------------------- schema
def test_init_schema_makes_a_constraint_for_every_key_and_is_idempotent(neo):
    neo.init_schema()
    neo.init_schema()
    records = neo._driver.execute_query(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type"
    ).records
    have = {(r["labelsOrTypes"][0], r["properties"][0], r["type"]) for r in records}
    want = {(k.label, k.key, "UNIQUENESS") for k in NODE_KINDS} | {(SEARCH_LABEL, "key", "UNIQUENESS")}
    want |= {(t, k.key, "RELATIONSHIP_UNIQUENESS") for k in REL_KINDS for t in rel_types(k)}
    assert want <= have
    assert {"PARENT_OF", "SIBLING_OF", "GUARDIAN_OF", "RELATIVE_OF"} <= {t for t, _, _ in have}


def test_search_and_census_seek_indexes_instead_of_scanning(neo):
    search = _plan_operators(neo, q.SEARCH, keys=["n:lopez"], prefixes=["n:lop"], limit=10)
    assert "NodeUniqueIndexSeekByRange" in search and "NodeUniqueIndexSeek" in search
    assert not {"AllNodesScan", "NodeByLabelScan"} & set(search)
    census = _plan_operators(
        neo, q.CENSUS_ROWS, on=date(2018, 6, 1), at=datetime(2018, 6, 2), known_before=None, limit=100
    )
    assert "NodeIndexSeekByRange" in census
    assert not {"AllNodesScan", "NodeByLabelScan", "DirectedAllRelationshipsScan"} & set(census)


def test_census_reads_no_stay_and_init_schema_backfills_the_copies(neo):
    neo.upsert(scenario())
    plan = neo._driver.execute_query(
        "EXPLAIN " + q.CENSUS_COUNTS, on=date(2018, 6, 20), at=datetime(2018, 6, 21), known_before=None
    ).summary.plan
    details, todo = [], [plan]
    while todo:
        op = todo.pop()
        details.append(op.get("args", {}).get("Details", ""))
        todo.extend(op.get("children", []))
    assert any("SEPARATED" in d for d in details) and not any("STAYED_AT" in d for d in details)
    before = neo.census(date(2018, 6, 20), known_on=date(2018, 6, 10))
    # A graph written before the copies existed, or with copies of the first form (date-time
    # lists): init_schema replaces them.
    neo._driver.execute_query(
        "MATCH ()-[x:SEPARATED]->() REMOVE x.custody_start_us, x.custody_end_us, x.custody_known_us, "
        "x.custody_facility, x.custody_agency"
    )
    neo._driver.execute_query(
        "MATCH ()-[x:SEPARATED]->() WITH x LIMIT 1 SET x.custody_start = [localdatetime('2018-06-01T00:00')]"
    )
    assert neo.census(date(2018, 6, 20), known_on=date(2018, 6, 10)) != before
    neo.init_schema()
    assert neo.census(date(2018, 6, 20), known_on=date(2018, 6, 10)) == before
    first_form = "MATCH ()-[x:SEPARATED]->() WHERE x.custody_start IS NOT NULL RETURN count(x) AS n"
    assert neo._driver.execute_query(first_form).records[0]["n"] == 0



def test_census_page_scans_the_kept_parts_in_order_and_an_earlier_form_is_rebuilt(neo):
    neo.upsert(scenario())
    page = _plan_operators(neo, q.CENSUS_ROWS_KEPT, on=date(2018, 6, 20), day=date(2018, 6, 20).toordinal(),
                           at=datetime(2018, 6, 21), known_before=None, limit=100)
    # Ordered by the index, so the page stops at its size: no sort of every separated child.
    assert "NodeIndexScan" in page and "Limit" in page and "Sort" not in page
    rows = neo.separated_not_reunified(date(2018, 6, 20))
    assert rows
    # Parts kept in the first form (no steps, the marker without its version): not trusted, the
    # rows come from the records, and init_schema rebuilds the parts.
    neo._driver.execute_query("MATCH (c:CensusPart) REMOVE c.entered, c.left")
    neo._driver.execute_query("MATCH (k:CensusKept) SET k.name = 'census'")
    assert not neo._census_kept()
    assert neo.separated_not_reunified(date(2018, 6, 20)) == rows
    neo.init_schema()
    assert neo._census_kept()
    steps = "MATCH (c:CensusPart) WHERE c.entered IS NULL RETURN count(c) AS n"
    assert neo._driver.execute_query(steps).records[0]["n"] == 0
    assert neo.separated_not_reunified(date(2018, 6, 20)) == rows

# ------------------------------------------------------------------------------ writes
def _internal_counts(store: Neo4jStore) -> tuple[int, int]:
    record = store._driver.execute_query(
        f"RETURN COUNT {{ (:{SEARCH_LABEL}) }} AS keys, COUNT {{ ()-[:HAS_KEY]->() }} AS links"
    ).records[0]
    return record["keys"], record["links"]


def test_upsert_is_idempotent_down_to_the_search_index(neo):
    neo.upsert(scenario())
    before = (neo.counts(), _internal_counts(neo), neo.get_person(MOM))
    neo.upsert(scenario())
    assert (neo.counts(), _internal_counts(neo), neo.get_person(MOM)) == before
    assert neo.get_person(MOM).sources == scenario().persons[0].sources


def test_a_person_has_one_search_edge_per_key_across_writes(neo):
    """The key edges are created, not merged: rewriting a person, in one batch or in several,
    with spellings old and new, still leaves one edge per stored key."""
    first = Person(person_id="P-KEYS", given_names="Ximena", surnames="Núñez", a_number="A012345678")
    assert "n:jimena" not in first.search_keys and "n:ximena" in first.search_keys
    again = Person(**{**first.model_dump(exclude={"search_keys"}), "name_variants": ["Jimena Nunes"]})
    neo.upsert(GraphBatch(persons=[first]))
    neo.upsert(GraphBatch(persons=[again, first]))
    neo.upsert(GraphBatch(persons=[again]))
    record = neo._driver.execute_query(
        "MATCH (p:Person {person_id: 'P-KEYS'}) "
        "RETURN p.search_keys AS keys, [(p)-[:HAS_KEY]->(k) | k.key] AS linked"
    ).records[0]
    assert sorted(record["linked"]) == sorted(record["keys"]) == sorted(set(record["keys"]))
    assert set(first.search_keys) < set(record["keys"])
    assert "n:jimena" in record["keys"]
    assert [hit.person.person_id for hit in neo.search_persons("Jimena")] == ["P-KEYS"]


def test_relationship_to_a_missing_node_rolls_the_batch_back(neo):
    neo.upsert(scenario())
    bad = Stay(stay_id="S-BAD", person_id=KID1, facility_id="NO-SUCH", agency=Agency.ICE,
               start=datetime(2018, 7, 1))
    good = Stay(stay_id="S-GOOD", person_id=KID1, facility_id="PIDCTX", agency=Agency.ICE,
                start=datetime(2018, 7, 2))
    with pytest.raises(GraphStoreError, match="1 of 2 STAYED_AT rows"):
        neo.upsert(GraphBatch(stays=[good, bad]))
    assert neo.counts().stays == 13


def test_values_come_back_as_naive_python_types(neo):
    neo.upsert(scenario())
    mom = neo.get_person(MOM)
    assert type(mom.dob) is date
    start = neo.custody_chain(MOM)[0].stay.start
    assert type(start) is datetime and start.tzinfo is None



@pytest.mark.parametrize("odd", ["Ana\x1fMaría", "Ana\x1eMaría"])
def test_rows_the_text_form_cannot_carry_go_as_values_with_the_same_rules(neo, odd):
    """A separator inside a value sends the batch as value lists (graph/neo4j/rows.py)."""
    neo.upsert(scenario())
    mom = neo.get_person(MOM)
    neo.upsert(GraphBatch(persons=[Person(person_id=MOM, given_names=odd, sources=["x", "x", "y"])]))
    again = neo.get_person(MOM)
    assert again.given_names == odd
    assert again.surnames == mom.surnames and again.dob == mom.dob
    assert again.sources == [*mom.sources, "x", "y"]
    persons = neo._fetch_nodes(Person, {}, None)
    assert _internal_counts(neo)[1] == sum(len(p["search_keys"]) for p in persons)


# ---------------------------------------------------------------------------- launcher
def test_launcher_status_reuse_port_clash_and_restart(neo4j_store, server, tmp_path):
    status = server.status()
    assert status.running and status.pid and status.uri == server.uri
    assert status.log.name == "neo4j.log"
    assert ensure_test_server(server.home)[0] == server.uri  # reused, not a second server

    conf = (server.home / "conf" / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "dbms.security.auth_enabled=true" in conf
    assert stat.S_IMODE((server.home / "password").stat().st_mode) == 0o600

    clash = LocalNeo4j(tmp_path / "other", bolt_port=server.bolt_port, http_port=free_ports(1)[0],
                       password="a-long-password")
    with pytest.raises(Neo4jLauncherError, match=f"port {server.bolt_port} .* already in use"):
        clash.start()

    with pytest.raises(Neo4jLauncherError, match="stopped"):
        server.import_full([], [])

    runner = CliRunner()
    shown = runner.invoke(neo4j_app, ["status", "--home", str(server.home)])
    assert shown.exit_code == 0 and f"uri={server.uri}" in shown.output

    assert server.stop()
    assert not server.is_running()
    stopped = runner.invoke(neo4j_app, ["status", "--home", str(server.home)])
    assert stopped.exit_code == 3 and "stopped" in stopped.output
    assert server.start()[0] == status.uri  # same ports: the session's driver reconnects
    assert neo4j_store.counts().persons >= 0


def test_missing_java_or_maven_is_one_clear_line(tmp_path, monkeypatch):
    java = Path(shutil.which("java") or "/usr/bin/java")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(Neo4jLauncherError, match="Java is not on PATH"):
        ensure_jars(tmp_path / "jars")
    (tmp_path / "java").symlink_to(java)
    with pytest.raises(Neo4jLauncherError, match="Maven .* not on PATH"):
        ensure_jars(tmp_path / "jars")
    fake_mvn = tmp_path / "mvn"
    fake_mvn.write_text("#!/bin/sh\necho 'Could not resolve dependencies' >&2\nexit 1\n")
    fake_mvn.chmod(0o755)
    with pytest.raises(Neo4jLauncherError, match="Could not resolve dependencies"):
        ensure_jars(tmp_path / "jars")
    assert not (tmp_path / "jars").exists()


def test_a_test_server_dies_with_the_test_process_even_on_sigkill(neo4j_store, tmp_path):
    """A test run killed on a timeout must not leave its server running on a shared machine."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    home = tmp_path / "tied"
    code = ("from pathlib import Path; import sys, time\n"
            "from graph.neo4j.launcher import ensure_test_server\n"
            f"ensure_test_server(Path({str(home)!r})); print('up', flush=True); time.sleep(600)\n")
    owner = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[2], env=os.environ.copy())
    try:
        assert owner.stdout.readline().strip() == "up"
        server = psutil.Process(json.loads((home / "run" / "neo4j.json").read_text())["pid"])
        assert server.is_running()
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    deadline = time.monotonic() + 60
    while server.is_running() and server.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not server.is_running() or server.status() == psutil.STATUS_ZOMBIE
    assert not LocalNeo4j(home).is_running()


def test_generated_passwords_cannot_be_read_as_command_line_options(tmp_path):
    """neo4j-admin read a generated password starting with "-" as an option (a CI run failed)."""
    from graph.neo4j.launcher import stored_password

    for n in range(200):
        password = stored_password(tmp_path / str(n))
        assert len(password) >= 32 and set(password) <= set("0123456789abcdef")

"""Bad configuration ends a command with one clear line naming the setting, and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date

from typer.testing import CliRunner

from cli.main import app
from graph.ladybug.store import LadybugStore
from graph.neo4j.launcher import free_ports
from tests.contract.scenario import scenario

runner = CliRunner()


def _run(*args: str, env: dict[str, str]) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_unknown_backend_names_the_setting(tmp_path):
    code, out = _run("init", env={"LINEAGE_BACKEND": "sqlite", "LINEAGE_DB_PATH": str(tmp_path / "x")})
    assert code == 1
    assert out.strip().splitlines() == [
        "error: LINEAGE_BACKEND='sqlite' is not a backend; use one of: embedded, neo4j"
    ]


def test_neo4j_without_password_names_the_setting():
    code, out = _run("stats", env={"LINEAGE_BACKEND": "neo4j", "NEO4J_PASSWORD": ""})
    assert code == 1
    assert "NEO4J_PASSWORD" in out and len(out.strip().splitlines()) == 1


def test_unreachable_neo4j_says_what_to_do():
    (port,) = free_ports(1)
    env = {"LINEAGE_BACKEND": "neo4j", "NEO4J_URI": f"bolt://127.0.0.1:{port}", "NEO4J_PASSWORD": "x" * 12}
    code, out = _run("stats", env=env)
    assert code == 1
    assert "NEO4J_URI" in out and "lineage neo4j start" in out
    assert len(out.strip().splitlines()) == 1


def test_init_and_stats_on_a_fresh_embedded_store(tmp_path):
    env = {"LINEAGE_BACKEND": "embedded", "LINEAGE_DB_PATH": str(tmp_path / "g.lbug")}
    assert _run("init", env=env)[0] == 0
    code, out = _run("stats", env=env)
    assert code == 0 and "persons" in out


def test_init_rebuilds_the_census_kept_at_write_time_from_the_records(tmp_path):
    db = tmp_path / "g.lbug"
    with LadybugStore(db) as store:
        store.upsert(scenario())
        kept = store.census(date(2018, 6, 20))
        store._write_census({}, [{"key": "drift", "day": date(2018, 1, 1), "total": True,
                                  "facility_id": None, "agency": None, "delta": 5}])
        assert store.census(date(2018, 6, 20)).total == kept.total + 5
    env = {"LINEAGE_BACKEND": "embedded", "LINEAGE_DB_PATH": str(db)}
    code, out = _run("init", "--rebuild-census", env=env)
    assert code == 0 and "census recomputed" in out
    with LadybugStore(db, read_only=True) as store:
        assert store.census(date(2018, 6, 20)) == kept


def test_locked_embedded_file_names_the_holder_and_what_to_do(tmp_path):
    db = tmp_path / "g.lbug"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from graph.ladybug.store import LadybugStore
            store = LadybugStore({str(db)!r})
            print("ready", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        code, out = _run("init", env={"LINEAGE_BACKEND": "embedded", "LINEAGE_DB_PATH": str(db)})
        assert code == 1
        assert str(db) in out and f"PID {holder.pid}" in out
        assert len(out.strip().splitlines()) == 1
    finally:
        holder.communicate("")


def test_demo_without_the_explorer_synthesises_loads_and_resolves_then_reruns_as_a_no_op(tmp_path):
    """The README's main job minus the browser: a second run changes nothing."""
    from graph.ladybug.store import LadybugStore

    db = tmp_path / "data" / "lineage.lbug"
    env = {"LINEAGE_BACKEND": "embedded", "LINEAGE_DB_PATH": str(db)}
    args = ["demo", "--no-explore", "--families", "150", "--out", str(tmp_path / "demo")]
    code, out = _run(*args, env=env)
    assert code == 0, out
    assert "lineage resolve:" in out or "persons not resolved" in out
    with LadybugStore(db, read_only=True) as store:
        first = store.counts()
        assert first.persons > 0 and first.stays > 0
    code, out = _run(*args, env=env)
    assert code == 0, out
    with LadybugStore(db, read_only=True) as store:
        assert store.counts() == first

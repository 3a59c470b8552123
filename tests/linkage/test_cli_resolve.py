"""`lineage resolve` and `lineage review` through the CLI runner, on real files and the embedded
store: the commands are thin, so this checks wiring, output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from graph.audit import AuditLog, audit_path
from graph.config import Settings
from graph.ladybug.store import LadybugStore
from loaders.linkage.decisions import RESOLVER
from tests.linkage.conftest import Scenario, scenario_files

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no lineage.env of a developer; ledger and models go here
    return {"LINEAGE_BACKEND": "embedded", "LINEAGE_DB_PATH": str(tmp_path / "g.lbug")}


def lineage(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_resolve_on_an_empty_store_says_to_load_first(env: dict[str, str]) -> None:
    code, out = lineage(env, "resolve")
    assert code == 2 and "nothing is loaded: run `lineage load` first" in out


def test_resolve_then_review_from_the_command_line(env: dict[str, str], linkage_scenario: Scenario) -> None:
    files = [str(p) for p in scenario_files(linkage_scenario.directory)]
    assert lineage(env, "load", *files, "--quiet")[0] == 0

    code, out = lineage(env, "resolve")
    assert code == 0, out
    assert "mentions →" in out and "data quality" in out and "only an age" in out
    assert (Path(env["LINEAGE_DB_PATH"] + ".linkage") / "linkage_pass2.json").exists()

    code, out = lineage(env, "review", "list", "--merges")
    assert code == 0 and "possible matches awaiting review" in out and "automatic merges" in out
    with LadybugStore(Path(env["LINEAGE_DB_PATH"]), read_only=True) as store:
        merge = next(r.target_key for r in store.reviews() if r.reviewer == RESOLVER)
    code, out = lineage(env, "review", "reject", merge, "--by", "cw 7", "--reason", "not the same man")
    assert code == 0, out
    assert f"rejected: {merge} by cw 7" in out and "reviewers' decisions kept" in out

    code, out = lineage(env, "review", "history", merge)
    assert code == 0 and "cw 7" in out and RESOLVER in out
    log = AuditLog(audit_path(Settings(_env_file=None, db_path=Path(env["LINEAGE_DB_PATH"]))))
    [entry] = [e for e in log.entries() if e.action == "review"]
    assert (entry.target, entry.role, entry.parameters["by"]) == (merge, "admin", "cw 7")
    assert entry.who.startswith("local:") and log.verify().ok

    code, out = lineage(env, "review", "confirm", "pX~pY", "--by", "cw 7", "--reason", "typo")
    assert code == 2 and "no family link, match or automatic merge" in out
    code, out = lineage(env, "review", "confirm", merge, "--by", "cw 7", "--reason", " ")
    assert code == 2 and "reason" in out

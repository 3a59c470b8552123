"""`lineage synth` and `lineage load` through typer's CLI runner, on real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.load_cmd import app


def test_synth_then_load_prints_a_balanced_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_BACKEND", "embedded")
    monkeypatch.setenv("LINEAGE_DB_PATH", str(tmp_path / "db.lbug"))
    runner = CliRunner()
    out = tmp_path / "scenario"
    synth = runner.invoke(app, ["synth", "--families", "15", "--seed", "2", "--out", str(out)])
    assert synth.exit_code == 0, synth.output
    assert (out / "ground_truth.json").exists()
    load = runner.invoke(app, ["load", str(out)], env={"COLUMNS": "200"})
    assert load.exit_code == 0, load.output
    assert "rows in" in load.output and "cbp_e3" in load.output
    again = runner.invoke(app, ["load", str(out), "--quiet"])
    assert again.exit_code == 0 and again.output == ""


def test_load_refuses_a_bad_file_with_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINEAGE_DB_PATH", str(tmp_path / "db.lbug"))
    bad = tmp_path / "broken.csv"
    bad.write_text("EVENT_NO,SUBJECT_ID\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["load", str(bad), "--source", "cbp_e3", "--quiet"])
    assert result.exit_code == 1
    assert "broken.csv" in result.output and "FIRST_NAME" in result.output

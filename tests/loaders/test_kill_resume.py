"""A real `lineage load` killed half-way and run again ends with the graph an uninterrupted load
gives (the embedded engine; times of loading aside)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from loaders.synth import SynthConfig, generate

REPO = Path(__file__).resolve().parents[2]
_WHEN_LOADED = {"loaded_at", "started_at", "finished_at"}


def _load(scenario: Path, db: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LINEAGE_BACKEND": "embedded", "LINEAGE_DB_PATH": str(db)}
    return subprocess.Popen(
        [sys.executable, "-m", "cli.load_cmd", "load", str(scenario), "--quiet", "--chunk-rows", "400"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _chunks_written(ledger: Path) -> int:
    if not ledger.exists():
        return 0
    try:
        with sqlite3.connect(ledger, timeout=1) as db:
            return db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _dump(db: Path) -> list[Any]:
    import ladybug

    conn = ladybug.Connection(ladybug.Database(db, read_only=True))

    def clean(x: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            sorted((k, repr(v)) for k, v in x.items() if not k.startswith("_") and k not in _WHEN_LOADED)
        )

    nodes = conn.execute("MATCH (n) RETURN n")
    rels = conn.execute("MATCH (a)-[r]->(b) RETURN r, label(a), label(b)")
    out = []
    while nodes.has_next():
        n = nodes.get_next()[0]
        out.append((n["_LABEL"], clean(n)))
    while rels.has_next():
        r, a, b = rels.get_next()
        out.append((r["_LABEL"], a, b, clean(r)))
    return sorted(out)


@pytest.mark.timeout(300)
def test_killed_load_resumes_to_the_same_graph(tmp_path: Path) -> None:
    scenario = tmp_path / "scenario"
    generate(scenario, SynthConfig(families=40, seed=21), facility_list=None)
    whole, killed = tmp_path / "whole" / "db.lbug", tmp_path / "killed" / "db.lbug"
    assert _load(scenario, whole).wait(120) == 0

    proc = _load(scenario, killed)
    ledger = killed.with_name(killed.name + ".ledger.sqlite")
    deadline = time.monotonic() + 120
    while _chunks_written(ledger) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the load finished before it could be killed; use smaller chunks"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert _chunks_written(ledger) >= 2
    rerun = _load(scenario, killed)
    assert rerun.wait(120) == 0, rerun.stderr.read().decode() if rerun.stderr else ""

    expected = _dump(whole)
    assert len(expected) > 1000
    assert _dump(killed) == expected

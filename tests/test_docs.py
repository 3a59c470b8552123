"""The documentation is checked against the code, so it cannot drift."""

from __future__ import annotations

import inspect
from pathlib import Path

from graph.model_doc import render
from graph.store import GraphStore

ROOT = Path(__file__).resolve().parents[1]


def test_model_doc_is_generated_from_the_code():
    assert (ROOT / "docs" / "model.md").read_text() == render(), (
        "docs/model.md is stale: run `python -m graph.model_doc > docs/model.md`"
    )


def test_every_public_graph_operation_has_a_contract_test():
    operations = {
        name for name, member in inspect.getmembers(GraphStore, inspect.isfunction)
        if not name.startswith("_") and name not in {"close"}
    }
    contract = "\n".join(p.read_text() for p in (ROOT / "tests" / "contract").glob("test_*.py"))
    missing = sorted(op for op in operations if f".{op}(" not in contract)
    assert not missing, f"GraphStore operations without a contract test: {missing}"

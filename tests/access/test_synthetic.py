"""How a graph becomes 'synthetic': `lineage synth` lists its files' hashes in a manifest, the
loader marks exactly those files' batches, and a trainer opens only an entirely synthetic graph."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graph.access import Role
from graph.errors import PermissionDeniedError
from graph.store import GraphStore
from loaders.pipeline import load_paths
from loaders.synth import SynthConfig, generate
from loaders.synth.manifest import MANIFEST_FILE, synthetic_hashes
from tests.access.conftest import Secure


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "scenario"
    generate(out, SynthConfig(families=4, seed=3), facility_list=None)
    return out


def _agency_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name not in (MANIFEST_FILE, "ground_truth.json"))


def test_manifest_lists_every_agency_file(scenario_dir: Path) -> None:
    listed = json.loads((scenario_dir / MANIFEST_FILE).read_text())["sha256"]
    assert sorted(listed) == [p.name for p in _agency_files(scenario_dir)]
    assert len(synthetic_hashes(scenario_dir)) == len(listed)
    assert synthetic_hashes(scenario_dir.parent) == frozenset(), "no manifest, nothing synthetic"


def test_synth_output_loads_as_synthetic_and_opens_for_trainers(
    store: GraphStore, secure: Secure, scenario_dir: Path, tmp_path: Path
) -> None:
    load_paths(_agency_files(scenario_dir), store, ledger_path=tmp_path / "ledger.sqlite", quiet=True)
    batches = store.load_batches()
    assert batches and all(b.synthetic for b in batches)
    trainer = secure(store, Role.TRAINER)
    assert trainer.is_synthetic()
    persons = [r.child for r in trainer.orphaned_children(limit=20)]
    assert persons and all(p.given_names in ("Child", "Adult") and not p.name_variants for p in persons)
    assert trainer.counts().persons > 0


def test_an_edited_or_foreign_file_makes_the_graph_real(
    store: GraphStore, secure: Secure, scenario_dir: Path, tmp_path: Path
) -> None:
    files = _agency_files(scenario_dir)
    csv_file = next(p for p in files if p.suffix == ".csv")
    elsewhere = tmp_path / "real"
    elsewhere.mkdir()
    edited = elsewhere / csv_file.name
    shutil.copy(csv_file, edited)
    with edited.open("a", encoding="utf-8") as fh:
        fh.write("\n")  # one byte more: not the file synth wrote, even if a manifest were copied
    shutil.copy(scenario_dir / MANIFEST_FILE, elsewhere / MANIFEST_FILE)
    others = [p for p in files if p != csv_file]
    load_paths([*others, edited], store, ledger_path=tmp_path / "ledger.sqlite", quiet=True)
    marks = {b.file: b.synthetic for b in store.load_batches()}
    assert marks.pop(edited.name) is False and all(marks.values())
    trainer = secure(store, Role.TRAINER)
    assert not trainer.is_synthetic()
    with pytest.raises(PermissionDeniedError, match="synthetic"):
        trainer.counts()

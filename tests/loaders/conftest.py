"""A small synthetic scenario, generated once per session (seconds), shared by loader tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loaders.synth import SynthConfig, generate


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario")
    generate(out, SynthConfig(families=80, seed=11), facility_list=None)
    return out


@pytest.fixture(scope="session")
def truth(scenario_dir: Path) -> dict[str, Any]:
    return json.loads((scenario_dir / "ground_truth.json").read_text(encoding="utf-8"))

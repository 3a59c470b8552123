"""A small synthetic scenario, generated once per session, read through the loader registry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from loaders.linkage.mentions import mentions_frame, read_records
from loaders.synth import SynthConfig, generate
from loaders.synth.exports import TRUTH_FILE
from loaders.synth.manifest import MANIFEST_FILE

FAMILIES, SEED = 300, 3


@dataclass(frozen=True)
class Scenario:
    directory: Path
    frame: pd.DataFrame

    @property
    def truth_file(self) -> Path:
        return self.directory / TRUTH_FILE


def scenario_files(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix in (".csv", ".json", ".xlsx") and p.name not in (TRUTH_FILE, MANIFEST_FILE)
    )


@pytest.fixture(scope="session")
def linkage_scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    out = tmp_path_factory.mktemp("linkage-scenario")
    generate(out, SynthConfig(families=FAMILIES, seed=SEED))
    return Scenario(out, mentions_frame(read_records(scenario_files(out))))

"""`lineage synth`: a synthetic multi-agency scenario, each agency's export in its own shape.

Example:
    from loaders.synth import generate, SynthConfig
    summary = generate(Path("data/scenario"), SynthConfig(families=500, seed=7))

The same config and seed always write byte-identical files (the `ground_truth.json` included),
so tests and benchmarks can rely on a scenario without storing it.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from loaders.gcpause import gc_paused
from loaders.synth.config import MessRates, SynthConfig
from loaders.synth.exports import Exporter
from loaders.synth.facilities import DEFAULT_LIST, load_places
from loaders.synth.manifest import write_manifest
from loaders.synth.world import simulate

__all__ = ["MessRates", "SynthConfig", "SynthSummary", "generate"]


@dataclass(frozen=True)
class SynthSummary:
    out: Path
    files: dict[str, int]
    persons: int
    real_facilities: bool
    seconds: float


def generate(out: Path, cfg: SynthConfig, facility_list: Path | None = DEFAULT_LIST) -> SynthSummary:
    """Simulate the world for `cfg` and write every agency's export plus the ground truth into `out`.

    Args:
        facility_list: ICE's facility list xlsx; real names and DETLOC codes are used when it
            exists, generated facilities otherwise (pass None to force generated ones).
    """
    started = time.perf_counter()
    rng = random.Random(cfg.seed)
    places = load_places(rng, facility_list)
    with gc_paused():
        world = simulate(cfg, rng, places)
    real = bool(facility_list and facility_list.exists())
    meta = {
        "seed": cfg.seed,
        "families": cfg.families,
        "real_facilities": real,
        "config": {k: v for k, v in asdict(cfg).items() if k not in ("rates", "start")},
        "rates": asdict(cfg.rates),
    }
    with gc_paused():
        files = Exporter(world, rng, cfg, out).write_all(meta)
    write_manifest(out, files)  # marks these exact files as synthetic for the loader
    return SynthSummary(out, files, len(world.persons), real, time.perf_counter() - started)

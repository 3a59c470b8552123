"""The scenario generator: deterministic for a seed, and each agency file in its own shape."""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from loaders.synth import MessRates, SynthConfig, generate
from loaders.synth.exports import (
    CBP_COLUMNS,
    CBP_FILE,
    ICE_FILE,
    ORR_FILE,
    TRACKER_FILE,
    USMS_FILE,
    WHITEBOARD_FILE,
)
from loaders.synth.facilities import load_places
from loaders.synth.manifest import MANIFEST_FILE
from loaders.synth.world import World, simulate


def _files(d: Path) -> dict[str, bytes]:
    """Every file but the workbook (it carries its write time) and the manifest (it hashes it)."""
    return {
        p.name: p.read_bytes()
        for p in sorted(d.iterdir())
        if p.suffix != ".xlsx" and p.name != MANIFEST_FILE
    }


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return next(csv.reader(fh))


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    cfg = SynthConfig(families=30, seed=5)
    generate(tmp_path / "a", cfg, facility_list=None)
    generate(tmp_path / "b", cfg, facility_list=None)
    generate(tmp_path / "c", SynthConfig(families=30, seed=6), facility_list=None)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a")[CBP_FILE] != _files(tmp_path / "c")[CBP_FILE]
    rows = [list(r) for r in load_workbook(tmp_path / "a" / TRACKER_FILE).active.iter_rows(values_only=True)]
    again = [list(r) for r in load_workbook(tmp_path / "b" / TRACKER_FILE).active.iter_rows(values_only=True)]
    assert rows == again


def test_each_agency_in_its_own_shape(scenario_dir: Path) -> None:
    assert _header(scenario_dir / CBP_FILE) == CBP_COLUMNS
    with (scenario_dir / USMS_FILE).open(encoding="utf-8") as fh:
        registers = [r["REGISTER_NO"] for r in csv.DictReader(fh)]
    assert registers and all(re.fullmatch(r"\d{5}-\d{3}", r) for r in registers)
    assert {
        "unique_identifier",
        "book_in_date_time",
        "detention_facility_code",
        "detention_release_reason",
    } <= set(_header(scenario_dir / ICE_FILE))
    children = json.loads((scenario_dir / ORR_FILE).read_text(encoding="utf-8"))["children"]
    assert {"uc_case_id", "placements", "parents_reported", "discharge"} <= set(children[0])
    book = load_workbook(scenario_dir / TRACKER_FILE, read_only=True)
    assert book.sheetnames == ["Officer A", "Officer B"]
    assert _header(scenario_dir / WHITEBOARD_FILE) == [
        "station",
        "date",
        "group",
        "first_name",
        "age",
        "note",
    ]


def test_ground_truth_names_every_record(scenario_dir: Path, truth: dict[str, Any]) -> None:
    with (scenario_dir / CBP_FILE).open(encoding="utf-8") as fh:
        events = {r["EVENT_NO"] for r in csv.DictReader(fh)}
    assert events == set(truth["records"][CBP_FILE])
    assert all(
        pid in truth["persons"] for refs in truth["records"][CBP_FILE].values() for pid in refs.values()
    )
    assert any(f["separated"] for f in truth["families"]) and truth["family_links"]


def test_mess_appears_and_can_be_turned_off(tmp_path: Path) -> None:
    generate(tmp_path / "messy", SynthConfig(families=200, seed=3), facility_list=None)
    generate(
        tmp_path / "clean", SynthConfig(families=200, seed=3, rates=MessRates().scaled(0)), facility_list=None
    )
    messy = (tmp_path / "messy" / CBP_FILE).read_text(encoding="utf-8")
    clean = (tmp_path / "clean" / CBP_FILE).read_text(encoding="utf-8")
    assert re.search(r",A-\d{3}-\d{3}-\d{3},", messy) and not re.search(r",A-\d{3}-\d{3}-\d{3},", clean)
    with (tmp_path / "messy" / CBP_FILE).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    flagged = [r for r in rows if r["SEPARATED_FLAG"] == "Y"]
    assert any(not r["SEPARATION_REASON"] for r in flagged)  # separation without a reason
    assert any(not r["DOB"] and r["AGE"] for r in rows)  # age instead of a date of birth


def _world(crossing_groups: float) -> World:
    cfg = SynthConfig(families=300, seed=4, crossing_groups=crossing_groups)
    rng = random.Random(cfg.seed)
    return simulate(cfg, rng, load_places(rng, None))


def test_unrelated_people_cross_in_groups_and_the_rest_of_the_world_stays_the_same() -> None:
    """Single adults, lone children and whole families are booked in at an earlier family's
    station and minute at `crossing_groups` rate (the confounder kinship rules must withstand),
    drawn from a stream of their own: names and families are what the seed gave without groups
    (ages are drawn at the apprehension, so birth dates follow the shared day)."""
    grouped, alone = _world(0.3), _world(0.0)
    for world in (grouped, alone):
        events = {(f.station.facility_id, f.apprehended) for f in world.families}
        others = world.singles + world.uacs
        joined = [p for p in others if (p.stays[0].facility.facility_id, p.stays[0].start) in events]
        share = len(joined) / len(others)
        if world is grouped:
            assert 0.2 < share < 0.4, share
            assert len(events) < len(world.families)  # families join earlier families too
        else:
            assert share < 0.01 and len(events) == len(world.families)
    assert [(p.given, p.surname1, p.surname2, p.sex, p.country) for p in grouped.persons] == [
        (p.given, p.surname1, p.surname2, p.sex, p.country) for p in alone.persons
    ]

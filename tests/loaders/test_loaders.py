"""Each loader on the synthetic agency files, and files every loader must refuse by name."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from loaders.errors import FileEncodingError, FileFormatError, LoaderError, MissingColumnError
from loaders.identity import resolve
from loaders.records import CanonicalRecord, Quarantined, RecordFacts
from loaders.registry import REGISTRY, detect, get_loader
from loaders.synth.exports import (
    CBP_FILE,
    ICE_FILE,
    ORR_FILE,
    TRACKER_FILE,
    USMS_FILE,
    WHITEBOARD_FILE,
)

AT = datetime(2024, 1, 1)
EXPECTED = {
    CBP_FILE: "cbp_e3",
    USMS_FILE: "usms_prisoners",
    ICE_FILE: "ice_ddp",
    ORR_FILE: "orr_portal",
    TRACKER_FILE: "ice_tracker",
    WHITEBOARD_FILE: "station_whiteboard",
}


def _load(path: Path) -> tuple[list[CanonicalRecord], list[Quarantined]]:
    items = list(detect(path).load(path, "test", AT))
    return [i for i in items if isinstance(i, CanonicalRecord)], [
        i for i in items if isinstance(i, Quarantined)
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loader_reads_every_row_or_quarantines_it(
    scenario_dir: Path, truth: dict[str, Any], name: str
) -> None:
    path = scenario_dir / name
    assert detect(path).name == EXPECTED[name]
    good, bad = _load(path)
    records = truth["records"][name]
    assert len(good) + len(bad) == len(records)
    assert {q.record_id for q in bad} == set(truth["malformed"].get(name, []))
    for r in good:
        assert r.provenance.record_id in records and len(r.provenance.row_hash) == 40
        assert {m.ref for m in r.mentions} <= set(records[r.provenance.record_id])
    for q in bad:
        assert all(p.field and p.rule for p in q.problems)


def test_identity_joins_only_by_shared_identifiers(scenario_dir: Path, truth: dict[str, Any]) -> None:
    """No person of the graph mixes two true persons (A-number typos aside: ≤ 1 %)."""
    records = [r for name in EXPECTED for r in _load(scenario_dir / name)[0]]
    who = resolve([RecordFacts.of(r) for r in records], {})
    true_of: dict[str, set[str]] = defaultdict(set)
    for r in records:
        refs = truth["records"][r.provenance.file][r.provenance.record_id]
        for m in r.mentions:
            true_of[who.person_of[(r.provenance.record_key, m.ref)]].add(refs[m.ref])
    mixed = [p for p, s in true_of.items() if len(s) > 1]
    assert len(mixed) <= 0.01 * len(true_of)
    whiteboard = [r for r in records if r.provenance.file == WHITEBOARD_FILE]
    assert len({who.person_of[(r.provenance.record_key, "subject")] for r in whiteboard}) == len(whiteboard)


def test_refuses_wrong_encoding(tmp_path: Path, scenario_dir: Path) -> None:
    path = tmp_path / "cbp.csv"
    path.write_bytes(
        (scenario_dir / CBP_FILE).read_text(encoding="utf-8").replace("a", "á").encode("latin-1")
    )
    with pytest.raises(FileEncodingError, match="cbp.csv"):
        list(get_loader("cbp_e3").load(path, "b", AT))


def test_refuses_missing_column_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "usms.csv"
    path.write_text(
        "REGISTER_NO,LAST_NAME,FIRST_NAME,CUSTODY_START\n12345-379,X,Y,01/02/2018\n", encoding="utf-8"
    )
    with pytest.raises(MissingColumnError, match="usms.csv.*FACILITY_CODE"):
        list(get_loader("usms_prisoners").load(path, "b", AT))


@pytest.mark.parametrize("source", sorted(REGISTRY))
def test_every_loader_refuses_a_file_of_another_format(tmp_path: Path, source: str) -> None:
    path = tmp_path / "garbage.bin"
    path.write_bytes(b"\x00\x01PK\x03\x04 not a table at all \xff\xfe")
    with pytest.raises(LoaderError, match="garbage.bin"):
        list(get_loader(source).load(path, "b", AT))


def test_unknown_file_needs_a_source(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(LoaderError, match="--source"):
        detect(path)
    assert issubclass(FileFormatError, LoaderError)

"""Malformed rows and files thrown at every loader: nothing crashes, every row is accounted for.

A file is either refused as a whole with a `LoaderError`, or every data row comes back either
loaded or quarantined (rows in = loaded + quarantined), and each quarantine problem names a field.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from loaders.errors import LoaderError
from loaders.records import CanonicalRecord, Quarantined
from loaders.registry import REGISTRY, get_loader
from loaders.synth.exports import (
    CBP_COLUMNS,
    ICE_COLUMNS,
    TRACKER_A,
    USMS_COLUMNS,
    WHITEBOARD_COLUMNS,
)

AT = datetime(2024, 1, 1)
FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
CSV_SOURCES = {
    "cbp_e3": CBP_COLUMNS,
    "usms_prisoners": USMS_COLUMNS,
    "ice_ddp": ICE_COLUMNS,
    "station_whiteboard": WHITEBOARD_COLUMNS,
}
cell = st.one_of(
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]), max_size=12),
    st.sampled_from(
        [
            "",
            "NA",
            "2018-02-30",
            "13/13/2018",
            "A12345678901",
            "12345-379",
            "45",
            "-3",
            "1e9",
            "Transferred",
            "Y",
            "(b)(6)",
            "2018-05-01 10:00",
        ]
    ),
)
printable = st.text(st.characters(min_codepoint=32, max_codepoint=0xD7FF), max_size=12)


def _run(source: str, path: Path, header: set[str]) -> tuple[int, int] | None:
    try:
        items = list(get_loader(source).load(path, "fuzz", AT))
    except LoaderError as exc:
        assert path.name in str(exc)
        return None
    good = sum(isinstance(i, CanonicalRecord) for i in items)
    bad = [i for i in items if isinstance(i, Quarantined)]
    for q in bad:
        for p in q.problems:
            assert p.field and p.rule
            root = p.field.split(".")[0].split("[")[0]
            assert root in header or p.field == "<row>" or root in _CANONICAL, p
    return good, len(bad)


_CANONICAL = {"given_names", "surnames", "facility_id", "name", "stays", "mentions", "start", "end"}


@pytest.mark.parametrize("source", sorted(CSV_SOURCES))
@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=16), min_size=1, max_size=8))
def test_csv_loaders_account_for_every_row(tmp_path_factory: Any, source: str, rows: list[list[str]]) -> None:
    columns = CSV_SOURCES[source]
    path = tmp_path_factory.mktemp("fuzz") / "export.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        w.writerows(rows)
    expected = sum(1 for r in rows if any(c.strip() for c in r))
    result = _run(source, path, set(columns))
    assert result is not None and sum(result) == expected


@FUZZ
@given(
    records=st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "uc_case_id",
                    "first_name",
                    "last_name",
                    "dob",
                    "a_number",
                    "placements",
                    "parents_reported",
                    "discharge",
                    "referral",
                    "age_at_referral",
                ]
            ),
            st.recursive(
                st.none() | st.booleans() | st.integers() | cell,
                lambda inner: st.lists(inner, max_size=3) | st.dictionaries(cell, inner, max_size=3),
                max_leaves=6,
            ),
        ),
        max_size=6,
    )
)
def test_orr_loader_accounts_for_every_record(tmp_path_factory: Any, records: list[dict[str, Any]]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "orr.json"
    path.write_text(json.dumps({"children": records}), encoding="utf-8")
    header = {
        "uc_case_id",
        "first_name",
        "last_name",
        "dob",
        "a_number",
        "placements",
        "parents_reported",
        "discharge",
        "referral",
        "age_at_referral",
        "<record>",
    }
    result = _run("orr_portal", path, header)
    assert result is not None and sum(result) == len(records)


@FUZZ
@given(
    rows=st.lists(
        st.lists(st.one_of(printable, st.none(), st.integers(-5, 50_000)), max_size=8), min_size=1, max_size=6
    )
)
def test_tracker_loader_accounts_for_every_row(tmp_path_factory: Any, rows: list[list[Any]]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "tracker.xlsx"
    book = Workbook()
    book.active.append(TRACKER_A)
    for r in rows:
        book.active.append(r)
    book.save(path)
    from loaders.normalise import clean

    expected = sum(1 for r in rows if any(clean(v) is not None for v in r))
    fields = {"parent_name", "parent_a", "child_name", "child_a", "child_dob", "child_age", "notes"}
    result = _run("ice_tracker", path, fields)
    assert result is not None and sum(result) == expected


@pytest.mark.parametrize("source", sorted(REGISTRY))
@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_are_refused_or_accounted_for(tmp_path_factory: Any, source: str, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "random.dat"
    path.write_bytes(data)
    _run(source, path, set(CSV_SOURCES.get(source, [])) | {"<record>", "DETLOC", "Name"})

"""The Deportation Data Project's joined WA records load into real custody chains.

Finding: the joined file repeats each placement once per joined row, so the persons with 12
rows (two of them) have 2 and 3 distinct placements, not 12; no person has more than 4. The
test holds every person to their distinct placements, in time order, transfers chained.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook

from graph.store import GraphStore
from loaders.normalise import clean
from loaders.pipeline import load_paths
from tests.realdata import realdata

pytestmark = pytest.mark.realdata


def _placements(path: Path) -> tuple[dict[str, set[tuple[str, str]]], dict[str, int]]:
    distinct: dict[str, set[tuple[str, str]]] = defaultdict(set)
    rows: dict[str, int] = defaultdict(int)
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows[r["unique_identifier"]] += 1
            if clean(r["book_in_date_time.detention"]):
                distinct[r["unique_identifier"]].add(
                    (r["book_in_date_time.detention"], r["detention_facility_code.detention"])
                )
    return distinct, rows


def test_ddp_custody_chains(store: GraphStore, tmp_path: Path) -> None:
    ddp = realdata("ddp_joined_wa_uwchr.csv")
    facilities = realdata("ICE_Facility_List_11-06-2017-web.xlsx")
    report = load_paths([ddp, facilities], store, ledger_path=tmp_path / "l.sqlite", quiet=True)
    assert all(f.rows_in == f.loaded + f.quarantined for f in report.files)
    distinct, rows = _placements(ddp)
    twelve = [uid for uid, n in rows.items() if n == 12]
    assert twelve, "the file has persons with 12 joined rows"
    listed = {}
    sheet = load_workbook(facilities, read_only=True)["Facility List - Main"]
    for row in sheet.iter_rows(min_row=10, values_only=True):
        listed[str(row[0])] = str(row[1])
    for uid, placements in distinct.items():
        person = store.search_persons(f"ice_ddp:{uid}", limit=1)[0].person
        chain = store.custody_chain(person.person_id)
        assert len(chain) == len(placements), uid
        starts = [s.stay.start for s in chain]
        assert starts == sorted(starts)
        for a, b in zip(chain, chain[1:], strict=False):
            if a.stay.release_reason and a.stay.release_reason.value == "transferred":
                assert a.stay.end is not None and a.stay.end <= b.stay.start
        for step in chain:
            if step.facility.facility_id in listed:
                assert step.facility.name == listed[step.facility.facility_id]
    assert sorted(len(distinct[uid]) for uid in twelve) == [2, 3]

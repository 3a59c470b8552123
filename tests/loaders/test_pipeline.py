"""The load pipeline on a real store (both engines): graph facts, idempotence, resumption."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from graph.model import Evidence, FamilyKind
from graph.store import UPSERT_ORDER, GraphStore, _defaults, _row
from loaders.assemble import Assembly
from loaders.identity import resolve
from loaders.pipeline import load_paths
from loaders.reading import source_row
from loaders.records import Quarantined, RecordFacts
from loaders.registry import detect
from loaders.synth.exports import CBP_FILE, ORR_FILE
from loaders.synth.manifest import MANIFEST_FILE


def _files(d: Path) -> list[Path]:
    return sorted(p for p in d.iterdir() if p.name not in ("ground_truth.json", MANIFEST_FILE))


def test_loader_rows_are_exactly_the_model_records(scenario_dir: Path) -> None:
    """The pipeline hands the store rows, not records (`upsert_rows`): each must be what the
    model itself makes of it, derived keys and enum values included (defaults `upsert_rows` adds)."""
    kinds = dict(UPSERT_ORDER)
    facts, sources = [], []
    for path in _files(scenario_dir):
        for item in detect(path).load(path, "b1", datetime(2024, 1, 1)):
            if not isinstance(item, Quarantined):
                facts.append(RecordFacts.of(item))
                sources.append(source_row(item.provenance))
    assembly = Assembly(facts, resolve(facts, {}), {})
    checked = 0
    for field, rows in [("source_records", sources), *assembly.parts()]:
        kind = kinds[field]
        for row in rows:
            assert _row(kind.model_validate(row)) == {**_defaults(kind)[0], **row}, (field, row)
            checked += 1
    assert checked > 2 * len(facts)


def test_scenario_loads_into_a_graph_and_reloading_changes_nothing(
    store: GraphStore, scenario_dir: Path, truth: dict[str, Any], tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.sqlite"
    report = load_paths(_files(scenario_dir), store, ledger_path=ledger, quiet=True)
    assert not report.refused
    for f in report.files:
        assert f.rows_in == f.loaded + f.quarantined == len(truth["records"][f.path.name])
    counts = store.counts()
    assert counts.source_records == sum(f.loaded for f in report.files)
    assert counts.family_links[FamilyKind.PARENT_OF] > 0 and counts.separations > 0
    assert counts.separations_without_reason > 0  # a missing reason code stays a finding
    # The kept census, refreshed once after the last chunk, is the one recomputed from the graph.
    days = [date(2018, 4, 1) + timedelta(days=n) for n in range(0, 240, 7)]
    census = [store.census(day) for day in days]
    assert any(c.total for c in census)
    store.rebuild_census()
    assert [store.census(day) for day in days] == census

    again = load_paths(_files(scenario_dir), store, ledger_path=ledger, quiet=True)
    assert {f.status for f in again.files} == {"skipped"} and store.counts() == counts

    copy = tmp_path / "renamed"
    copy.mkdir()
    shutil.copy(scenario_dir / CBP_FILE, copy / "cbp_copy.csv")
    assert (
        load_paths([copy / "cbp_copy.csv"], store, ledger_path=ledger, quiet=True).files[0].status
        == "skipped"
    )


def test_custody_chain_and_family_of_a_separated_child(
    store: GraphStore, scenario_dir: Path, truth: dict[str, Any], tmp_path: Path
) -> None:
    load_paths(_files(scenario_dir), store, ledger_path=tmp_path / "l.sqlite", quiet=True)
    fam = next(
        f
        for f in truth["families"]
        if f["separated"] and f["reunified_on"] and f["children"][0] not in truth["coded_unaccompanied"]
    )
    child = fam["children"][0]
    a_number = truth["persons"][child]["a_number"]
    hit = store.search_persons(a_number, limit=3)[0]
    assert hit.score == 1.0
    chain = store.custody_chain(hit.person.person_id)
    starts = [s.stay.start for s in chain]
    assert starts == sorted(starts) and chain[0].stay.agency.value == "CBP"
    assert {s.stay.agency.value for s in chain} >= {"CBP", "ORR"}
    hood = store.relatives(hit.person.person_id, hops=1)
    assert any(x.kind == FamilyKind.PARENT_OF and x.to_id == hit.person.person_id for x in hood.links)
    assert any(x.evidence in (Evidence.RECORDED, Evidence.CLAIMED) for x in hood.links)


def test_orr_loaded_before_cbp_still_closes_the_separation(
    store: GraphStore, scenario_dir: Path, truth: dict[str, Any], tmp_path: Path
) -> None:
    ledger = tmp_path / "l.sqlite"
    load_paths([scenario_dir / ORR_FILE], store, ledger_path=ledger, quiet=True)
    load_paths([scenario_dir / CBP_FILE], store, ledger_path=ledger, quiet=True)
    reunified = [f for f in truth["families"] if f["separated"] and f["reunified_on"]]
    last_day = max(date.fromisoformat(f["reunified_on"]) for f in reunified)
    late = store.separated_not_reunified(on=last_day)
    open_children = {r.person.a_number for r in late}
    closed = {truth["persons"][c]["a_number"] for f in reunified for c in f["children"]}
    assert closed and len(closed & open_children) < len(closed)


def _graph_of(store: GraphStore) -> tuple[Any, ...]:
    batches = sorted((b.batch_id, b.rows_in, b.loaded, b.quarantined) for b in store.load_batches())
    links = sorted((x.kind, x.from_id, x.to_id, x.evidence, tuple(x.sources)) for x in store.family_links())
    quarantined = sorted((q.file, q.row_number, q.field, q.rule) for q in store.quarantine(limit=100_000))
    return store.counts(), store.orphaned_children(), links, batches, quarantined


def test_reading_in_worker_processes_gives_the_same_load(
    store: GraphStore, scenario_dir: Path, tmp_path: Path
) -> None:
    """Files parsed by two worker processes (`loaders.reading`) load exactly as parsed here,
    and a file a worker refuses is reported by name and column, nothing of it written."""
    broken = tmp_path / "broken_cbp.csv"
    text = (scenario_dir / CBP_FILE).read_text(encoding="utf-8")
    broken.write_text(text.replace("STATION_CODE", "STATION", 1), encoding="utf-8")
    files = [*_files(scenario_dir), broken]
    reports = {}
    graphs = []
    for workers in (2, 0):
        store.clear()
        ledger = tmp_path / f"ledger{workers}.sqlite"
        report = load_paths(files, store, ledger_path=ledger, quiet=True, workers=workers)
        reports[workers] = [
            (f.path.name, f.status, f.rows_in, f.loaded, f.quarantined, f.message) for f in report.files
        ]
        graphs.append(_graph_of(store))
    assert reports[2] == reports[0]
    assert reports[2][-1][1:2] == ("refused",) and "STATION_CODE" in reports[2][-1][-1]
    assert "broken_cbp.csv" in reports[2][-1][-1]
    assert graphs[0] == graphs[1] and graphs[0][0].source_records > 0

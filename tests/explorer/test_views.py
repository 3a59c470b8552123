"""Pure view builders over the scenario's records: custody status, timeline, report, masking."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from explorer import masking, walkthrough
from explorer.custody import STATUS_IN_CUSTODY, age_on, current_custody, custody_status
from explorer.report import build_case_report, report_csv, report_html
from explorer.timeline import NO_REASON, separation_frame, separation_label, stay_frame, timeline_chart
from explorer.widgets import plain
from graph.model import CustodyStep, Neighbourhood, Person, Provenance
from tests.contract.scenario import DAD, KID1, KID2, MOM, scenario
from tests.explorer.conftest import HOSTILE


@pytest.fixture(scope="module")
def chains() -> dict[str, list[CustodyStep]]:
    batch = scenario()
    facilities = {f.facility_id: f for f in batch.facilities}
    out: dict[str, list[CustodyStep]] = {}
    for s in sorted(batch.stays, key=lambda s: s.start):
        out.setdefault(s.person_id, []).append(CustodyStep(stay=s, facility=facilities[s.facility_id]))
    return out


def test_current_custody_and_status(chains: dict[str, list[CustodyStep]]) -> None:
    now = current_custody(chains[MOM])
    assert now and now.agency.value == "ICE" and now.since == datetime(2018, 6, 25, 15)
    assert custody_status(chains[MOM]) == STATUS_IN_CUSTODY
    assert current_custody(chains[DAD]) is None and custody_status(chains[DAD]) == "removed"
    assert custody_status(chains[KID1]) == "reunified"
    assert custody_status([]) == "no custody record"
    assert age_on(Person(person_id="x", dob=date(2011, 5, 1)), date(2018, 4, 30)) == 6


def test_separation_without_reason_says_so() -> None:
    seps = {s.separation_id: s for s in scenario().separations}
    assert separation_label(seps["SEP-1"]) == NO_REASON
    assert separation_label(seps["SEP-2"]) == "CRIM: parent referred for prosecution"


def test_timeline_chart_has_one_bar_per_stay(chains: dict[str, list[CustodyStep]]) -> None:
    persons = {p.person_id: p for p in scenario().persons}
    family = {k: chains[k] for k in (MOM, DAD, KID1, KID2)}
    frame = stay_frame(family, persons, until=datetime(2018, 9, 1))
    assert len(frame) == sum(len(c) for c in family.values())
    assert frame["start"].is_monotonic_increasing
    spec = timeline_chart(frame, separation_frame(scenario().separations), marker=date(2018, 6, 20)).to_dict()
    assert len(spec["layer"]) == 4  # bars, separation rules, their reasons, the date marker


def test_case_report_escapes_every_value(chains: dict[str, list[CustodyStep]]) -> None:
    kid = next(p for p in scenario().persons if p.person_id == KID1)
    hood = Neighbourhood(center_id=KID1, persons=[kid, *HOSTILE], links=[],
                         hops={KID1: 0, **{p.person_id: 1 for p in HOSTILE}})
    report = build_case_report(hood, {KID1: chains[KID1]}, scenario().separations,
                               [Provenance(key=KID1, records=scenario().source_records[:2])],
                               date(2018, 9, 1))
    page = report_html(report, "now")
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page and "<b>Bold" not in page
    csv = report_csv(report)
    assert csv.splitlines()[0].startswith("section,")
    assert {"Family members", "Custody stays", "Separations", "Source records"} <= {
        line.split(",", 1)[0] for line in csv.splitlines()[1:]}


def test_masking_and_walkthrough_steps(chains: dict[str, list[CustodyStep]]) -> None:
    persons = [p for p in scenario().persons if p.person_id in (MOM, DAD, KID1, KID2)]
    labels = masking.masked_labels(persons, KID2)
    assert labels[KID2] == "Child 1"
    assert sorted(labels.values()) == ["Adult 1", "Adult 2", "Child 1", "Child 2"]
    steps = walkthrough.steps_of({k: chains[k] for k in (MOM, DAD, KID1, KID2)})
    assert len(steps) == 11 and [s.at for s in steps] == sorted(s.at for s in steps)
    assert walkthrough.narrate(steps[0], "Adult 1") == (
        "2018-05-10 08:00: Adult 1 is taken into custody by CBP at Ursula Central Processing Center.")
    assert walkthrough.narrate(steps[-1], "Adult 2") == (
        "2018-06-25 15:00: Adult 2 is handed to ICE at El Paso Service Processing Center.")


def test_markdown_escaping_keeps_hostile_text_inert() -> None:
    for p in HOSTILE:
        escaped = plain(p.full_name)
        assert "<script>" not in escaped and "[link](" not in escaped and ":red[" not in escaped



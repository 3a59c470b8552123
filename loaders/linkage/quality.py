"""The data-quality report of a resolution: mentions too thin to link, and claims that contradict.

Bad input never stops resolution: a mention without a date of birth, with a single name, with
only an age, or with nothing but an identifier is linked where the evidence allows and otherwise
left as its own person; either way it is listed here, with the person it ended in, so an analyst
can see what the graph could not decide. Contradictions are listed too: a person holding two
different A-numbers, an identifier shared by two people of one record, and a child with more
than two parents or two parents of one sex (all claims kept, none overwritten).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graph.model import FamilyKind, LinkStatus
from graph.store import Row

COLUMNS = ["issue", "mention_key", "source", "person_id", "own_person", "detail"]


@dataclass
class QualityReport:
    rows: list[dict[str, object]] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(str(r["issue"]) for r in self.rows)

    def own_persons(self) -> Counter[str]:
        """Per issue, how many of its mentions were left as persons of their own."""
        return Counter(str(r["issue"]) for r in self.rows if r["own_person"])

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows)
        return path


def mention_issues(row: pd.Series) -> list[str]:
    """What is missing from one mention (a row of the mentions frame)."""
    named = [x for x in (row["given_names"], row["surnames"]) if isinstance(x, str)]
    has_id = isinstance(row["a_number"], str) or bool(len(row["identifiers"]))
    issues = []
    if not named:
        issues.append("only identifiers" if has_id else "no name and no identifier")
    elif len(named) == 1 and len(" ".join(named).split()) == 1:
        issues.append("single name")
    if pd.isna(row["dob_year"]):
        issues.append("no date of birth")
    elif row["dob_precision"] == "estimated":
        issues.append("only an age")
    return issues


def quality_report(
    frame: pd.DataFrame,
    person_of: pd.Series,
    persons: Iterable[Row],
    links: Iterable[Row],
    split_identifiers: set[int],
) -> QualityReport:
    """The report for one resolution.

    Args:
        frame: the mentions frame.
        person_of: unique_id → final person id.
        persons: the person rows written (for A-number conflicts and parents' sex).
        links: the family link rows written.
        split_identifiers: unique_ids whose identifier another person's mention also carries,
            kept apart because the two contradict.
    """
    report = QualityReport()
    size = person_of.value_counts()
    for _, row in frame.iterrows():
        pid = person_of[row["unique_id"]]
        shared = (
            ["identifier shared with a person it contradicts"]
            if row["unique_id"] in split_identifiers
            else []
        )
        for issue in mention_issues(row) + shared:
            report.rows.append(
                {
                    "issue": issue,
                    "mention_key": row["mention_key"],
                    "source": row["source"],
                    "person_id": pid,
                    "own_person": bool(size[pid] == 1),
                    "detail": "",
                }
            )
    by_id = {p["person_id"]: p for p in persons}
    for pid, p in by_id.items():
        others = sorted(i.removeprefix("a_number:") for i in p["identifiers"] if i.startswith("a_number:"))
        if others:
            report.rows.append(_person_row("two A-numbers", pid, f"{p['a_number']} and {', '.join(others)}"))
    records = frame.groupby(person_of.loc[frame["unique_id"]].to_numpy())["record_key"]
    for pid, keys in records:
        twice = sorted(k for k, n in Counter(keys).items() if n > 1)
        if twice:
            report.rows.append(_person_row("two people of one record share an identifier", pid, twice[0]))
    parents: dict[str, list[str]] = defaultdict(list)
    for link in links:
        if link["kind"] == FamilyKind.PARENT_OF.value and link["status"] != LinkStatus.REJECTED.value:
            parents[link["to_id"]].append(link["from_id"])
    for child, elders in sorted(parents.items()):
        sexes = Counter(by_id[e]["sex"] for e in elders if e in by_id and by_id[e]["sex"])
        if len(elders) > 2 or any(n > 1 for n in sexes.values()):
            detail = f"{len(elders)} parents: {', '.join(sorted(elders))}"
            report.rows.append(_person_row("conflicting parent claims", child, detail))
    return report


def _person_row(issue: str, person_id: str, detail: str) -> dict[str, object]:
    return {
        "issue": issue,
        "mention_key": "",
        "source": "",
        "person_id": person_id,
        "own_person": False,
        "detail": detail,
    }

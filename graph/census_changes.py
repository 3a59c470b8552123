"""The census kept at write time: each separated child's part of the counts, as changes.

Why: "how many children were separated and not reunified on day D, and where" scanned every
separated child's stays on each ask (0.6 s embedded, 1.9 s on Neo4j at a million persons). The
answer only changes on days something happens to a separated child (separated, reunified, booked
in or out), so each child is stored as a few +1/-1 changes on those days, summed over every
child into one row per (day, place). A census on day D is then the sum of the rows up to D: a
few thousand rows, whatever the number of stays.

A child's part of the census on day D (the rules of `GraphStore.census`, at the instant D+1
00:00): if it is a child, SEPARATED by a separation dated on or before D whose reunification,
if any, is after D, it counts once in the total and once per (facility, agency) of the stays
covering that instant, or once at (None, None) if none does. The engines store a child's
changes (`encode`) and the sums; `GraphStore._refresh_census` keeps both current.

A census "as known on" a day reads when each fact was recorded, which the changes do not keep;
that question still runs on the records themselves.

Writers are assumed one at a time per person (loaders and person resolution are): a refresh
reads a person's stored part, then replaces it and adds the difference to the sums in one
transaction. Two processes refreshing the same person at once could add one difference twice;
`GraphStore.rebuild_census` recomputes everything from the records.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

#: Where a change counts: the total (None) or one place (facility_id, agency), either possibly
#: None for a child with no covering stay.
Place = tuple[str | None, str | None] | None
#: (day it takes effect, place) → +n / -n children.
Changes = Counter[tuple[date, Place]]
#: A separation as the census reads it: (date, reunified_on).
SeparationDays = tuple[date, date | None]
#: A custody stay as the census reads it: (start, end, facility_id, agency).
StaySpan = tuple[datetime, datetime | None, str, str]


@dataclass(frozen=True)
class CensusInputs:
    """What one person's part of the census depends on."""

    person_id: str
    is_child: bool
    #: Every separation that SEPARATED the person.
    separations: list[SeparationDays]
    #: Every custody stay of the person.
    stays: list[StaySpan]


def changes_of(person: CensusInputs) -> Changes:
    """The person's part of the census, as changes on the days it changes.

    Between two consecutive days on which a separation, a reunification or a stay starts or
    ends, the part cannot change; each such day is evaluated by the rules themselves and the
    difference from the day before kept.
    """
    if not person.is_child or not person.separations:
        return Counter()
    days = {d for d, _ in person.separations} | {r for _, r in person.separations if r is not None}
    for start, end, _, _ in person.stays:
        # A stay covers day D when start < D+1 00:00 <= end: from the day it starts, up to the
        # day before the one it ends on.
        days.add(start.date())
        if end is not None:
            days.add(end.date())
    changes: Changes = Counter()
    before: set[Place] = set()
    for day in sorted(days):
        now = _places_on(person, day)
        for place in now - before:
            changes[day, place] += 1
        for place in before - now:
            changes[day, place] -= 1
        before = now
    return changes


def _places_on(person: CensusInputs, day: date) -> set[Place]:
    if not any(d <= day and (r is None or r > day) for d, r in person.separations):
        return set()
    at = datetime.combine(day + timedelta(days=1), datetime.min.time())
    held: set[Place] = {
        (facility, agency)
        for start, end, facility, agency in person.stays
        if start < at and (end is None or end >= at)
    }
    return {None, *(held or {(None, None)})}


def total_steps(changes: Changes) -> tuple[list[date], list[date]]:
    """The days a person's part enters the total and the days it leaves it, each in order.

    Why: it is in the census on day D when more of the first are on or before D than of the
    second, a test over two short lists that an engine can run per part, in its own key
    order, to page the separated children without reading their separations first.
    """
    entered = sorted(day for (day, place), n in changes.items() if place is None and n > 0)
    left = sorted(day for (day, place), n in changes.items() if place is None and n < 0)
    return entered, left


def difference(before: Changes, after: Changes) -> Changes:
    """What to add to the sums when a person's part goes from `before` to `after`."""
    delta: Changes = Counter(after)
    delta.subtract(before)
    return delta


def encode(changes: Changes) -> str:
    """A person's changes as the text the engines store (JSON: day, place, n)."""
    return json.dumps([
        [day.isoformat(), list(place) if place else None, n] for (day, place), n in _in_key_order(changes)
    ])


def decode(text: str | None) -> Changes:
    changes: Changes = Counter()
    for day, place, n in json.loads(text) if text else []:
        changes[date.fromisoformat(day), tuple(place) if place else None] += n
    return changes


def change_key(day: date, place: Place) -> str:
    """The unique key of one row of the sums."""
    return json.dumps([day.isoformat(), list(place) if place else None])


def sum_rows(delta: Changes) -> list[dict[str, Any]]:
    """Rows {key, day, total, facility_id, agency, delta} for the engines to add to their sums
    (entries that add nothing left out)."""
    return [
        {
            "key": change_key(day, place),
            "day": day,
            "total": place is None,
            "facility_id": place[0] if place else None,
            "agency": place[1] if place else None,
            "delta": n,
        }
        for (day, place), n in _in_key_order(delta)
        if n
    ]


def _in_key_order(changes: Changes) -> list[tuple[tuple[date, Place], int]]:
    return sorted(changes.items(), key=lambda item: change_key(*item[0]))

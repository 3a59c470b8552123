"""The trainer's walkthrough: a family's handoff chain cut into steps, one custody change each (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from graph.model import CustodyStep


@dataclass(frozen=True)
class Step:
    """One moment of the walkthrough: someone enters a facility."""

    at: datetime
    person_id: str
    agency: str
    facility: str
    first: bool  # the person's first stay (an apprehension) rather than a transfer


def steps_of(chains: Mapping[str, list[CustodyStep]]) -> list[Step]:
    """Every book-in of every family member, in time order (ties by person, for a stable order)."""
    steps = [
        Step(at=s.stay.start, person_id=pid, agency=s.stay.agency.value, facility=s.facility.name,
             first=i == 0)
        for pid, chain in chains.items()
        for i, s in enumerate(chain)
    ]
    return sorted(steps, key=lambda s: (s.at, s.person_id))


def narrate(step: Step, who: str) -> str:
    """The step in one plain sentence (the caller passes the masked name)."""
    verb = "is taken into custody by" if step.first else "is handed to"
    return f"{step.at:%Y-%m-%d %H:%M}: {who} {verb} {step.agency} at {step.facility}."


def frame_until(stays: pd.DataFrame, at: datetime) -> pd.DataFrame:
    """The timeline as it stood at `at`: later stays dropped, running ones cut at `at`."""
    seen = stays[stays["start"] <= at].copy()
    seen["drawn_end"] = seen["drawn_end"].where(seen["drawn_end"] <= at, at)
    return seen

"""Where a person is now and what became of them, read from their handoff chain.

Pure functions over `CustodyStep` lists so that search results, the graph's node colours and the
case report all say the same thing about a person's custody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from graph.model import Agency, CustodyStep, Person, ReleaseReason

STATUS_NO_RECORD = "no custody record"
STATUS_IN_CUSTODY = "in custody"
STATUS_UNKNOWN = "location unknown"


@dataclass(frozen=True)
class CurrentCustody:
    """The open stay a person is in: who holds them, where, and since when."""

    agency: Agency
    facility: str
    facility_id: str
    since: datetime


def current_custody(chain: list[CustodyStep]) -> CurrentCustody | None:
    """The last stay without a book-out, or None when every stay has ended.

    The last open one wins because stale records (an older stay never closed) are common.
    """
    open_steps = [s for s in chain if s.stay.end is None]
    if not open_steps:
        return None
    last = max(open_steps, key=lambda s: (s.stay.start, s.stay.stay_id))
    return CurrentCustody(
        agency=last.stay.agency,
        facility=last.facility.name,
        facility_id=last.facility.facility_id,
        since=last.stay.start,
    )


def custody_status(chain: list[CustodyStep]) -> str:
    """A plain-words status: in custody, how the last stay ended, or that nothing is known.

    A chain whose last stay ended in a transfer with no stay after it means the person's
    location is unknown: the receiving agency never recorded them.
    """
    if not chain:
        return STATUS_NO_RECORD
    if current_custody(chain) is not None:
        return STATUS_IN_CUSTODY
    last = max(chain, key=lambda s: (s.stay.end or s.stay.start, s.stay.stay_id))
    reason = last.stay.release_reason
    if reason is None or reason == ReleaseReason.TRANSFERRED:
        return STATUS_UNKNOWN
    return str(reason.value).replace("_", " ")


def age_on(person: Person, day: date) -> int | None:
    """Whole years of age on `day`, or None without a date of birth."""
    if person.dob is None:
        return None
    dob = person.dob
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def agency_of(chain: list[CustodyStep]) -> Agency | None:
    """The agency holding the person now, if any (used for node colours)."""
    now = current_custody(chain)
    return now.agency if now else None

"""Settings of the synthetic scenario: sizes and the rates at which the documented mess appears.

Every rate is a probability per eligible record or family; `MessRates.scaled(0)` gives clean
exports (useful to test a loader without the mess), `scaled(2)` doubles every rate (capped at 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime


@dataclass(frozen=True)
class MessRates:
    family_unit_deleted: float = 0.3  # parent's family unit number lost when prosecuted
    separation_no_reason: float = 0.3  # separated flag set, reason code empty
    separation_wrong_code: float = 0.1  # reason code that does not fit the case
    spelling_variant: float = 0.25  # transliteration / typo in a name
    drop_second_surname: float = 0.3
    swap_surnames: float = 0.05
    hyphenate_surnames: float = 0.05
    strip_accents: float = 0.5
    day_month_swap: float = 0.05  # date written day-first in a month-first export
    age_instead_of_dob: float = 0.2
    a_number_variant: float = 0.4  # dashes, spaces, no 'A', no zero padding
    a_number_typo: float = 0.03  # one digit wrong or two transposed
    coded_unaccompanied: float = 0.08  # separated child recorded as UAC with no family
    tracker_drift: float = 0.25  # tracker location stale or A-number mistyped
    repeated_placement: float = 0.03  # detention row repeated, as in the joined DDP file
    malformed_row: float = 0.002  # a row an export garbled (unreadable date, etc.)

    def scaled(self, factor: float) -> MessRates:
        return replace(self, **{f.name: min(1.0, getattr(self, f.name) * factor) for f in fields(self)})


@dataclass(frozen=True)
class SynthConfig:
    families: int = 500
    seed: int = 0
    singles_per_family: float = 0.5  # single adults per family
    uac_per_family: float = 0.2  # truly unaccompanied children per family
    crossing_groups: float = 0.3  # families, single adults and UACs apprehended with an earlier family
    separation_rate: float = 0.5  # families split at the border
    prosecution_rate: float = 0.8  # separated parents sent to US Marshals
    removal_rate: float = 0.35  # adults removed at the end of ICE custody
    reunification_rate: float = 0.6  # separated children reunified with a parent
    tracker_coverage: float = 0.3  # separated families an ICE officer tracks in Excel
    whiteboard_coverage: float = 0.25  # families written on a station whiteboard
    reencounter_rate: float = 0.05  # single adults apprehended a second time
    tracker_max_rows: int = 5_000  # one officer's sheet, not a system
    start: datetime = datetime(2017, 7, 1)
    days: int = 360
    rates: MessRates = field(default_factory=MessRates)

"""Value normalisation shared by every loader; the original always stays in the source record.

Each parser raises `ValueError` with a short rule text on a value it cannot read, so the loader
can quarantine the row naming the field. Nothing here guesses between two readings of a value,
with one exception that is not a guess: a "month" above 12 in a month-first date can only be a
day, so such a date is read day-first (the documented day/month swap).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from graph.keys import normalise_a_number
from graph.model import DobPrecision, ReleaseReason

_EMPTY = frozenset({"", "nan", "nat", "none", "null", "n/a", "na", "unknown", "unk", "-", "?", "redacted"})
_LONGEST_EMPTY = max(map(len, _EMPTY))  # casefold never shortens: longer text is never empty
_REDACTED = re.compile(r"\(b\)\(\d\)")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?$")
_SLASHED = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{1,2})$|(\d{1,2})/(\d{4})$")
_YEAR = re.compile(r"\d{4}$")
_EXCEL_SERIAL = re.compile(r"\d{5}(\.\d+)?")
_A_NUMBER = re.compile(r"[Aa]?[\s\-\d]+")
#: Parsed texts kept per process: dates, times and wordings repeat across rows and files (a
#: family apprehended together shares a timestamp), and a parse is a handful of regexes.
_CACHE = 1 << 16


def clean(value: object) -> str | None:
    """A cell as text, or None when empty, a placeholder ('N/A', 'unknown') or FOIA-redacted."""
    if type(value) is str:  # most cells: skip the number checks (called ~25 times per row)
        text = value.strip()
    else:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
    if len(text) <= _LONGEST_EMPTY and text.casefold() in _EMPTY:
        return None
    if "(b)(" in text and _REDACTED.search(text):
        return None
    return text


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # two-digit years: the people here were born 1930..2029
        year += 2000 if year < 30 else 1900
    return year


def parse_datetime(value: object, *, day_first: bool = False) -> datetime:
    """ISO, US month/day/year (or day-first), Excel serial numbers and datetime objects.

    Raises:
        ValueError: the value is none of these, or not a real calendar date.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = clean(value)
    if text is None:
        raise ValueError("empty")
    return _datetime_of(text, day_first)


@lru_cache(maxsize=_CACHE)
def _datetime_of(text: str, day_first: bool) -> datetime:
    if _EXCEL_SERIAL.fullmatch(text):  # Excel serial day number
        serial = float(text)
        if not 1 <= serial < 80_000:
            raise ValueError(f"Excel serial out of range: {text}")
        return (_EXCEL_EPOCH + timedelta(days=serial)).replace(microsecond=0)
    if m := _ISO.match(text):
        y, mo, d, hh, mm, ss = m.groups()
        return _build(int(y), int(mo), int(d), hh, mm, ss)
    if m := _SLASHED.match(text):
        a, b, y, hh, mm, ss = m.groups()
        first, second = int(a), int(b)
        month, day = (second, first) if day_first else (first, second)
        if month > 12 >= day:  # swapped day and month: the only reading that is a date
            month, day = day, month
        return _build(_year(y), month, day, hh, mm, ss)
    raise ValueError(f"unreadable date {text!r}")


def _build(y: int, mo: int, d: int, hh: str | None, mm: str | None, ss: str | None) -> datetime:
    try:
        return datetime(y, mo, d, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError as exc:
        raise ValueError(f"not a calendar date: {y}-{mo}-{d}") from exc


def parse_date(value: object, *, day_first: bool = False) -> tuple[date, DobPrecision]:
    """A date with its precision; partial dates ('2011-04', '04/2011', '2011') keep theirs."""
    if isinstance(value, date):
        return parse_datetime(value).date(), DobPrecision.EXACT
    text = clean(value)
    if text is None:
        raise ValueError("empty")
    return _date_of(text, day_first)


@lru_cache(maxsize=_CACHE)
def _date_of(text: str, day_first: bool) -> tuple[date, DobPrecision]:
    if m := _YEAR_MONTH.match(text):
        y, mo = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if not 1 <= int(mo) <= 12:
            raise ValueError(f"not a month: {text!r}")
        return date(int(y), int(mo), 1), DobPrecision.MONTH
    if _YEAR.match(text) and 1900 <= int(text) <= 2099:
        return date(int(text), 1, 1), DobPrecision.YEAR
    return _datetime_of(text, day_first).date(), DobPrecision.EXACT


def dob_from_age(age: object, on: date) -> tuple[date, DobPrecision]:
    """An estimated date of birth from an age stated on day `on` (the day minus `age` years)."""
    text = clean(age)
    if text is None or not re.fullmatch(r"\d{1,3}(\.0)?", text):
        raise ValueError(f"not an age: {age!r}")
    years = int(float(text))
    if years > 120:
        raise ValueError(f"age out of range: {years}")
    day = on.day if not (on.month == 2 and on.day == 29) else 28
    return date(on.year - years, on.month, day), DobPrecision.ESTIMATED


def is_minor(dob: date | None, on: date | None) -> bool | None:
    """Under 18 on day `on`, or None when either is unknown."""
    if dob is None or on is None:
        return None
    return (on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))) < 18


def normalise_sex(value: object) -> str | None:
    """'M', 'F' or None from English/Spanish spellings ('Male', 'f', 'Hombre', 'Mujer')."""
    text = (clean(value) or "").casefold()
    if text in {"m", "male", "h", "hombre", "masculino", "boy", "man"}:
        return "M"
    if text in {"f", "female", "mujer", "femenino", "girl", "woman"}:
        return "F"
    return None


_REASONS: tuple[tuple[str, ReleaseReason], ...] = (
    ("reunif", ReleaseReason.REUNIFIED),
    ("sponsor", ReleaseReason.RELEASED_TO_SPONSOR),
    ("transfer", ReleaseReason.TRANSFERRED),
    ("marshal", ReleaseReason.TRANSFERRED),
    ("to ice", ReleaseReason.TRANSFERRED),
    ("to orr", ReleaseReason.TRANSFERRED),
    ("to usms", ReleaseReason.TRANSFERRED),
    ("remov", ReleaseReason.REMOVED),
    ("deport", ReleaseReason.REMOVED),
    ("repatriat", ReleaseReason.REMOVED),
    ("voluntary return", ReleaseReason.REMOVED),
    ("releas", ReleaseReason.RELEASED),
    ("bond", ReleaseReason.RELEASED),
    ("parole", ReleaseReason.RELEASED),
    ("recognizance", ReleaseReason.RELEASED),
)


def release_reason(value: object) -> ReleaseReason | None:
    """An agency's release wording as a `ReleaseReason`; unknown wording is OTHER, empty None."""
    text = clean(value)
    return None if text is None else _reason_of(text)


@lru_cache(maxsize=_CACHE)
def _reason_of(text: str) -> ReleaseReason:
    folded = f" {text.casefold()} "
    if folded.strip() in {"ice", "orr", "usms"}:
        return ReleaseReason.TRANSFERRED
    for needle, reason in _REASONS:
        if needle in folded:
            return reason
    return ReleaseReason.OTHER


def split_full_name(text: str) -> tuple[str, str]:
    """(given names, surnames) from 'SURNAMES, Given' or 'Given Surname [Surname]'.

    Without a comma the first word is taken as the given name: a guess only about which words
    are which, never about who the person is; both forms are kept as name variants.
    """
    text = " ".join(text.split())
    if "," in text:
        surnames, given = (part.strip() for part in text.split(",", 1))
        return given, surnames
    words = text.split(" ")
    return words[0], " ".join(words[1:])


def parse_a_number(value: object) -> str:
    """'A-012 345 678', '12345678', 'a012345678' → 'A012345678' (graph.keys' rule).

    Raises:
        ValueError: more than 9 digits, none at all, or letters other than a leading 'A'.
    """
    text = clean(value) or ""
    if not _A_NUMBER.fullmatch(text):
        raise ValueError("not an A-number (A + up to 9 digits)")
    normal = normalise_a_number(text)
    if normal is None:
        raise ValueError("not an A-number (A + up to 9 digits)")
    return normal

"""Canonical records → one row per person mention, with the keys linkage compares.

Works on `CanonicalRecord`s only, never on a source's file shape, so a source onboarded through a
mapping file is linked exactly like the built-in agencies. Every mention is identified by its
`mention_key` (`record_key#ref`, the same pair `loaders.identity` uses), and `unique_id` is a dense
integer for Splink.

Family context: each mention lists the *other* people of its record and of its family
units/groups (`co_members`, as unique_ids) and the sound keys of their first given names
(`family_names`). Two mentions of one child,
one from CBP's family unit and one from ORR's file naming the parents, then share a relative's
name, which is evidence a name-and-age comparison alone does not have; once a first pass has
resolved the relatives, "a relative is the same person" is stronger still (`loaders.linkage.resolve`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from graph.keys import fold
from graph.model import ReleaseReason
from loaders.gcpause import gc_paused
from loaders.linkage.spanish import (
    given_tokens,
    sound_key,
    spelling_key,
    surname_keys,
    surname_set_key,
    surname_tokens,
)
from loaders.records import CanonicalRecord, Mention, Quarantined
from loaders.registry import detect, get_loader

#: A group larger than this is a roster (a whole station's board), not a family: no context from it.
MAX_FAMILY = 30

COLUMNS = [
    "unique_id",
    "mention_key",
    "record_key",
    "ref",
    "source",
    "given_names",
    "surnames",
    "given_tokens",
    "given1",
    "given1_sound",
    "given1_written",
    "given_sounds",
    "surname_tokens",
    "surname1",
    "surname2",
    "surname1_sound",
    "surname2_sound",
    "surname_sounds",
    "surname_set",
    "surnames_written",
    "dob",
    "dob_year",
    "dob_month",
    "dob_day",
    "dob_precision",
    "sex",
    "country",
    "a_number",
    "identifiers",
    "is_child",
    "family_units",
    "co_members",
    "family_names",
    "facility_ids",
    "custody_day_dobs",
    "custody_starts",
    "transferred_out",
]


def _name_columns(m: Mention) -> dict[str, object]:
    given = given_tokens(m.given_names)
    surnames = surname_tokens(m.surnames)
    s_sounds = surname_keys(surnames)
    return {
        "given_tokens": [spelling_key(t) for t in given],
        "given1": spelling_key(given[0]) if given else None,
        "given1_sound": sound_key(given[0]) if given else None,
        # As written (accents and case folded, no spelling rules): "one typo apart" is about the
        # letters a clerk typed; a rule such as c→s before i turns a swap (Lucía/Lucaí) into two.
        "given1_written": fold(given[0]) if given else None,
        "given_sounds": sorted({sound_key(t) for t in given}),
        "surname_tokens": surnames,
        "surname1": spelling_key(surnames[0]) if surnames else None,
        "surname2": spelling_key(surnames[1]) if len(surnames) > 1 else None,
        "surname1_sound": s_sounds[0] if s_sounds else None,
        "surname2_sound": s_sounds[1] if len(s_sounds) > 1 else None,
        "surname_sounds": sorted(set(s_sounds)),
        "surname_set": surname_set_key(surnames),
        "surnames_written": [fold(t) for t in surnames[:2]],
    }


def estimated_dob(dob: date, on: date) -> date:
    """The date of birth a clerk estimates from this person's age on day `on`: the day minus the
    age in years, as `loaders.normalise.dob_from_age` computes it (29 February becomes the 28th)."""
    age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
    return date(on.year - age, on.month, on.day if (on.month, on.day) != (2, 29) else 28)


def _custody_day_dobs(m: Mention, custody_days: set[date]) -> list[str]:
    """What an age written down on one of the mention's custody days would give as a date of
    birth: a first name and an age on a station's board that day then agree with it exactly
    (`loaders.linkage.rules`). A mention that has only an estimated date of birth and no stay
    carries that estimate itself."""
    if m.dob is None:
        return []
    if not custody_days:
        estimated = m.dob_precision is not None and m.dob_precision.value == "estimated"
        return [m.dob.isoformat()] if estimated else []
    return sorted({estimated_dob(m.dob, day).isoformat() for day in custody_days})


def _dob_columns(m: Mention) -> dict[str, object]:
    if m.dob is None:
        return {"dob": None, "dob_year": None, "dob_month": None, "dob_day": None, "dob_precision": None}
    precision = m.dob_precision.value if m.dob_precision else "exact"
    exact = precision == "exact"
    return {
        "dob": m.dob.isoformat() if exact else None,  # only a real date may agree as a date
        "dob_year": m.dob.year,
        "dob_month": m.dob.month if precision in ("exact", "month") else None,
        "dob_day": m.dob.day if exact else None,
        "dob_precision": precision,
    }


@gc_paused()  # reading and building allocate millions of small objects: 2-3x faster at 100k
def mentions_frame(records: Iterable[CanonicalRecord]) -> pd.DataFrame:
    """Every mention of `records` as one row of `COLUMNS`.

    Args:
        records: canonical records from any loaders (built-in or mapping files).

    Returns:
        A DataFrame with dense `unique_id`s in record order; list-valued columns hold Python lists.
    """
    rows: list[dict[str, object]] = []
    units_of: list[list[str]] = []
    members: dict[str, list[int]] = defaultdict(list)
    for record in records:
        rk = record.provenance.record_key
        units: dict[str, list[str]] = defaultdict(list)
        for fact in record.memberships:
            units[fact.ref].append(fact.family_unit_id)
        stays: dict[str, set[str]] = defaultdict(set)
        days: dict[str, set[date]] = defaultdict(set)
        starts: dict[str, set[str]] = defaultdict(set)
        handed: dict[str, set[str]] = defaultdict(set)
        for stay in record.stays:
            if stay.end is not None and stay.release_reason == ReleaseReason.TRANSFERRED:
                handed[stay.ref].add(stay.end.isoformat())
            stays[stay.ref].add(stay.facility_id)
            days[stay.ref].add(stay.start.date())
            starts[stay.ref].add(f"{stay.facility_id}|{stay.start.isoformat()}")
        record_group = f"record:{rk}"
        for m in record.mentions:
            i = len(rows)
            my_units = sorted(set(units[m.ref]))
            units_of.append(my_units)
            for unit in [*my_units, record_group]:
                members[unit].append(i)
            rows.append(
                {
                    "unique_id": i,
                    "mention_key": f"{rk}#{m.ref}",
                    "record_key": rk,
                    "ref": m.ref,
                    "source": record.provenance.system,
                    "given_names": m.given_names or None,
                    "surnames": m.surnames or None,
                    **_name_columns(m),
                    **_dob_columns(m),
                    "sex": m.sex,
                    "country": (m.country or "").strip().casefold() or None,
                    "a_number": m.a_number,
                    "identifiers": sorted({i.strip().casefold() for i in m.identifiers if i.strip()}),
                    "is_child": m.is_child,
                    "family_units": my_units,
                    "facility_ids": sorted(stays[m.ref]),
                    "custody_day_dobs": _custody_day_dobs(m, days[m.ref]),
                    "custody_starts": sorted(starts[m.ref]),
                    "transferred_out": sorted(handed[m.ref]),
                }
            )
    for i, row in enumerate(rows):
        groups = [
            members[u] for u in [*units_of[i], f"record:{row['record_key']}"] if len(members[u]) <= MAX_FAMILY
        ]
        co = {j for group in groups for j in group if j != i}
        row["co_members"] = sorted(co)
        row["family_names"] = sorted({rows[j]["given1_sound"] for j in co if rows[j]["given1_sound"]})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("dob_year", "dob_month", "dob_day"):
        frame[col] = frame[col].astype("Int64")
    return frame


def read_records(paths: Sequence[Path], source: str | None = None) -> Iterator[CanonicalRecord]:
    """The canonical records of files through the loader registry; quarantined rows are skipped
    (the load reports them), so linkage sees exactly what a load would write.

    Args:
        paths: agency files; each is recognised by the registry unless `source` names its loader.
        source: a registered source name or a mapping file, as `lineage load --source` takes.
    """
    loaded_at = datetime.now().replace(microsecond=0)
    for path in paths:
        loader = get_loader(source) if source else detect(path)
        for item in loader.load(path, f"linkage-{path.name}", loaded_at):
            if not isinstance(item, Quarantined):
                yield item

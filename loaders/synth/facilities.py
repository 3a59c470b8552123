"""Places of the scenario: real ICE/USMS/ORR facilities from ICE's list when it is at hand.

Border Patrol stations are not on ICE's list, so they are generated (real station towns, made-up
codes). Without the list every facility is generated, so the scenario never depends on it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from graph.model import Agency, FacilityType
from loaders.records import FacilityFact

DEFAULT_LIST = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "realdata"
    / "ICE_Facility_List_11-06-2017-web.xlsx"
)
_BORDER_STATES = {"TX", "AZ", "NM", "CA", "LA", "GA", "FL", "NY", "IL", "WA", "PA", "NJ", "VA"}
_STATIONS = [
    ("McAllen", "TX"),
    ("Weslaco", "TX"),
    ("Rio Grande City", "TX"),
    ("Brownsville", "TX"),
    ("Harlingen", "TX"),
    ("Clint", "TX"),
    ("El Paso", "TX"),
    ("Yuma", "AZ"),
    ("Tucson", "AZ"),
    ("San Ysidro", "CA"),
    ("Chula Vista", "CA"),
    ("Lordsburg", "NM"),
    ("Del Rio", "TX"),
    ("Laredo", "TX"),
    ("Santa Teresa", "NM"),
]


@dataclass(frozen=True)
class Places:
    stations: list[FacilityFact]
    ice: list[FacilityFact]
    family: list[FacilityFact]
    usms: list[FacilityFact]
    orr: list[FacilityFact]

    def all(self) -> list[FacilityFact]:
        return [*self.stations, *self.ice, *self.family, *self.usms, *self.orr]


def _generated(prefix: str, n: int, kind: FacilityType, agency: Agency, label: str) -> list[FacilityFact]:
    return [
        FacilityFact(
            facility_id=f"{prefix}{i:03d}",
            name=f"{label} {i}",
            type=kind,
            agency=agency,
            city=_STATIONS[i % len(_STATIONS)][0],
            state=_STATIONS[i % len(_STATIONS)][1],
        )
        for i in range(1, n + 1)
    ]


def load_places(rng: random.Random, facility_list: Path | None = DEFAULT_LIST) -> Places:
    """Pick the scenario's facilities; a deterministic choice for the caller's `rng`."""
    stations = [
        FacilityFact(
            facility_id=f"BP{i:02d}{town[:3].upper().replace(' ', '')}",
            name=f"{town} Station",
            type=FacilityType.BP_STATION,
            agency=Agency.CBP,
            city=town,
            state=state,
        )
        for i, (town, state) in enumerate(_STATIONS, 1)
    ]
    stations.append(
        FacilityFact(
            facility_id="BPUCPC",
            name="Ursula Centralized Processing Center",
            type=FacilityType.PROCESSING_CENTER,
            agency=Agency.CBP,
            city="McAllen",
            state="TX",
        )
    )
    facts: list[FacilityFact] = []
    if facility_list is not None and facility_list.exists():
        from loaders.facility_list import read_facilities

        facts = [f for f in read_facilities(facility_list) if f.state in _BORDER_STATES]
    generated = Places(
        stations=stations,
        ice=_generated("ICEDF", 40, FacilityType.ICE_DETENTION, Agency.ICE, "Detention Facility"),
        family=_generated("ICEFR", 3, FacilityType.ICE_DETENTION, Agency.ICE, "Family Residential Center"),
        usms=_generated("USMSJ", 30, FacilityType.USMS_JAIL, Agency.USMS, "County Jail"),
        orr=_generated("ORRSH", 40, FacilityType.ORR_SHELTER, Agency.ORR, "Children's Shelter"),
    )
    if not facts:
        return generated

    def pick(items: list[FacilityFact], n: int) -> list[FacilityFact]:
        items = sorted(items, key=lambda f: f.facility_id)
        return rng.sample(items, min(n, len(items)))

    ice_all = [f for f in facts if f.type == FacilityType.ICE_DETENTION]
    family = [f for f in ice_all if "FAMILY" in f.name.upper() or "RESIDENTIAL" in f.name.upper()]
    return Places(
        stations=stations,
        ice=pick([f for f in ice_all if f not in family], 60),
        family=pick(family, 3) or pick(ice_all, 3),
        usms=pick([f for f in facts if f.type == FacilityType.USMS_JAIL], 40) or generated.usms,
        # ORR shelters are redacted in ICE's list, so they are always generated
        orr=pick([f for f in facts if f.type == FacilityType.ORR_SHELTER], 60) or generated.orr,
    )

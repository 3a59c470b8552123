"""The true story of the scenario: who exists, who belongs to whom, and where each one was held.

Agencies' exports (`exports.py`) are views of this world through their own systems, with the
mess added there; the world itself is clean and is what `ground_truth.json` records.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from graph.model import Agency, ReleaseReason
from loaders.records import FacilityFact
from loaders.synth.config import SynthConfig
from loaders.synth.facilities import Places
from loaders.synth.names import COUNTRIES, COUNTRY_WEIGHTS, GIVEN_F, GIVEN_M, SURNAMES

REASON_CODES = ["PROSECUTION", "CRIMINAL HISTORY", "HEALTH/SAFETY", "FRAUDULENT CLAIM"]
FLAG_INTRODUCED = datetime(2018, 4, 19)  # CBP's e3 "separated" flag existed from April 2018


@dataclass(slots=True)
class TStay:
    facility: FacilityFact
    agency: Agency
    start: datetime
    end: datetime | None
    reason: ReleaseReason | None


@dataclass(slots=True)
class TPerson:
    pid: str
    given: str
    surname1: str
    surname2: str
    sex: str
    dob: date
    country: str
    a_digits: str
    is_child: bool
    subject_ids: list[str] = field(default_factory=list)
    register_no: str | None = None
    orr_case: str | None = None
    ice_key: str = ""
    eid_subject: str = ""
    stays: list[TStay] = field(default_factory=list)

    def age_on(self, day: date) -> int:
        return day.year - self.dob.year - ((day.month, day.day) < (self.dob.month, self.dob.day))


@dataclass(slots=True)
class TFamily:
    family_id: str
    unit_no: str
    parents: list[TPerson]
    children: list[TPerson]
    apprehended: datetime
    station: FacilityFact
    separated: bool = False
    separated_at: datetime | None = None
    reason_code: str | None = None
    reunified_on: date | None = None

    @property
    def members(self) -> list[TPerson]:
        return [*self.parents, *self.children]


@dataclass
class World:
    persons: list[TPerson]
    families: list[TFamily]
    singles: list[TPerson]
    uacs: list[TPerson]
    reencounters: list[tuple[TPerson, datetime, FacilityFact]]
    places: Places


class _Simulator:
    """Draws the world in a fixed order from one `Random`, so a seed always gives the same world."""

    def __init__(self, cfg: SynthConfig, rng: random.Random, places: Places) -> None:
        self.cfg, self.rng, self.places = cfg, rng, places
        self.persons: list[TPerson] = []
        self._register = 0
        # Who crosses with whom is drawn from a stream of its own, so names, families and custody
        # are what the same seed gave before crossing groups existed (ages are drawn at the
        # apprehension, so a grouped person's birth date follows the shared day).
        self._groups = random.Random(f"crossing-groups:{cfg.seed}")
        self._events: list[tuple[datetime, FacilityFact]] = []

    def arrival(self) -> datetime:
        """When a family, single adult or UAC was apprehended: a minute of the scenario's year."""
        cfg = self.cfg
        return cfg.start + timedelta(days=self.rng.randrange(cfg.days), minutes=self.rng.randrange(1440))

    def crossing(self, t0: datetime) -> tuple[datetime, FacilityFact | None]:
        """The apprehension event: an earlier family's (its minute and station) at `crossing_groups`
        rate, else `t0` at a station of its own (None).

        Unrelated people are apprehended and booked in together (a group crossing at one place): the
        same station and minute then say nothing about kinship, which rules reading co-apprehension
        must withstand.
        """
        if self._events and self._groups.random() < self.cfg.crossing_groups:
            return self._groups.choice(self._events)
        return t0, None

    def person(self, is_child: bool, on: datetime, surname1: str | None = None) -> TPerson:
        rng = self.rng
        n = len(self.persons) + 1
        sex = rng.choice("MF")
        given = rng.choice(GIVEN_M if sex == "M" else GIVEN_F)
        if rng.random() < 0.3:
            given += " " + rng.choice(GIVEN_M if sex == "M" else GIVEN_F)
        age = rng.randint(1, 17) if is_child else rng.randint(19, 48)
        dob = on.date() - timedelta(days=age * 365 + rng.randrange(365))
        p = TPerson(
            pid=f"P{n:07d}",
            given=given,
            surname1=surname1 or rng.choice(SURNAMES),
            surname2=rng.choice(SURNAMES),
            sex=sex,
            dob=dob,
            country=rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0],
            a_digits=f"{200_000_000 + n * 37 + rng.randrange(37):09d}",
            is_child=is_child,
            ice_key=hashlib.sha1(f"{self.cfg.seed}:{n}".encode()).hexdigest(),
            eid_subject=f"{300_000_000 + n * 13 + rng.randrange(13):09d}",
        )
        self.persons.append(p)
        return p

    def child_of(self, parent: TPerson, on: datetime) -> TPerson:
        """Spanish naming: a child's first surname is the father's, the second the mother's."""
        c = self.person(True, on, parent.surname1 if parent.sex == "M" else None)
        if parent.sex == "F":
            c.surname2 = parent.surname1
        return c

    def days(self, lo: float, hi: float) -> timedelta:
        return timedelta(minutes=self.rng.randint(int(lo * 1440), int(hi * 1440)))

    # ------------------------------------------------------------------ custody
    def cbp(
        self, p: TPerson, station: FacilityFact, start: datetime, end: datetime, reason: ReleaseReason
    ) -> None:
        p.subject_ids.append(f"{p.pid[1:]}{len(p.subject_ids)}{self.rng.randrange(100):02d}")
        p.stays.append(TStay(station, Agency.CBP, start, end, reason))

    def usms(self, p: TPerson, start: datetime) -> datetime:
        self._register += 1
        p.register_no = (
            f"{10000 + self._register % 89999:05d}-{self.rng.choice(['379', '180', '298', '051'])}"
        )
        end = start + self.days(2, 20)
        p.stays.append(
            TStay(self.rng.choice(self.places.usms), Agency.USMS, start, end, ReleaseReason.TRANSFERRED)
        )
        return end

    def ice_chain(self, p: TPerson, start: datetime, pool: list[FacilityFact]) -> TStay:
        """1–3 ICE placements joined by transfers; the last ends in removal, release or nothing yet."""
        hops = self.rng.choices([1, 2, 3], [55, 30, 15])[0]
        for i in range(hops):
            end = start + self.days(3, 40)
            last = i == hops - 1
            stay = TStay(self.rng.choice(pool), Agency.ICE, start, end, ReleaseReason.TRANSFERRED)
            if last:
                r = self.rng.random()
                if r < 0.1:
                    stay.end, stay.reason = None, None
                else:
                    removed = r < 0.1 + self.cfg.removal_rate * 0.9
                    stay.reason = ReleaseReason.REMOVED if removed else ReleaseReason.RELEASED
            p.stays.append(stay)
            start = end + timedelta(hours=self.rng.randint(2, 12))
        return p.stays[-1]

    def orr(
        self, child: TPerson, start: datetime, outcome: ReleaseReason | None, until: datetime | None
    ) -> None:
        """1–2 shelter placements; the last ends on `until` with `outcome` (or not at all)."""
        first_end = start + self.days(15, 60)
        if self.rng.random() < 0.2 and (until is None or until > first_end + timedelta(days=2)):
            child.stays.append(
                TStay(
                    self.rng.choice(self.places.orr), Agency.ORR, start, first_end, ReleaseReason.TRANSFERRED
                )
            )
            start = first_end + timedelta(hours=6)
        child.stays.append(TStay(self.rng.choice(self.places.orr), Agency.ORR, start, until, outcome))

    # ----------------------------------------------------------------- families
    def family(self, i: int) -> TFamily:
        cfg, rng = self.cfg, self.rng
        t0, station = self.crossing(self.arrival())
        parents = [self.person(False, t0)]
        if rng.random() < 0.15:
            parents.append(self.person(False, t0))
        n_children = rng.choices([1, 2, 3], [50, 35, 15])[0]
        children = [self.child_of(parents[0], t0) for _ in range(n_children)]
        own_station = rng.choice(self.places.stations)
        fam = TFamily(f"F{i:06d}", f"FMUA{1_000_000 + i:07d}", parents, children, t0, station or own_station)
        self._events.append((fam.apprehended, fam.station))
        if rng.random() < cfg.separation_rate:
            self.separate(fam)
        else:
            self.keep_together(fam)
        return fam

    def keep_together(self, fam: TFamily) -> None:
        end = fam.apprehended + self.days(1, 3)
        if self.rng.random() < 0.5:
            for p in fam.members:
                self.cbp(p, fam.station, fam.apprehended, end, ReleaseReason.RELEASED)
            return
        residential = self.rng.choice(self.places.family)
        out = end + self.days(5, 20)
        for p in fam.members:
            self.cbp(p, fam.station, fam.apprehended, end, ReleaseReason.TRANSFERRED)
            p.stays.append(
                TStay(residential, Agency.ICE, end + timedelta(hours=3), out, ReleaseReason.RELEASED)
            )

    def separate(self, fam: TFamily) -> None:
        rng = self.rng
        fam.separated = True
        fam.separated_at = sep = fam.apprehended + self.days(1, 2)
        fam.reason_code = rng.choices(REASON_CODES, [85, 8, 4, 3])[0]
        released_at: list[datetime] = []
        removed = 0
        for p in fam.parents:
            self.cbp(p, fam.station, fam.apprehended, sep, ReleaseReason.TRANSFERRED)
            start = sep
            if rng.random() < self.cfg.prosecution_rate:
                start = self.usms(p, sep)
            last = self.ice_chain(p, start + timedelta(hours=4), self.places.ice)
            removed += last.reason == ReleaseReason.REMOVED
            if last.reason == ReleaseReason.RELEASED and last.end:
                released_at.append(last.end)
        to_orr = sep + self.days(0.2, 1)
        rate = self.cfg.reunification_rate if removed < len(fam.parents) else 0.1
        r = rng.random()
        if r < rate:
            reunite = max([to_orr + self.days(20, 40), *released_at]) + self.days(1, 5)
            outcome: ReleaseReason | None = ReleaseReason.REUNIFIED
            fam.reunified_on = reunite.date()
        elif r < rate + (1 - rate) * 0.6:
            reunite, outcome = to_orr + self.days(30, 120), ReleaseReason.RELEASED_TO_SPONSOR
        else:
            reunite, outcome = None, None  # still in ORR care
        for c in fam.children:
            self.cbp(c, fam.station, fam.apprehended, to_orr, ReleaseReason.TRANSFERRED)
            self.orr(c, to_orr + timedelta(hours=2), outcome, reunite)

    def single(self) -> TPerson:
        t0, station = self.crossing(self.arrival())
        p = self.person(False, t0)
        out = t0 + self.days(1, 3)
        own_station = self.rng.choice(self.places.stations)
        self.cbp(p, station or own_station, t0, out, ReleaseReason.TRANSFERRED)
        start = self.usms(p, out) if self.rng.random() < 0.15 else out
        self.ice_chain(p, start + timedelta(hours=4), self.places.ice)
        return p

    def uac(self) -> TPerson:
        rng = self.rng
        t0, station = self.crossing(self.arrival())
        c = self.person(True, t0)
        c.given = c.given.split(" ")[0]
        out = t0 + self.days(2, 4)
        own_station = rng.choice(self.places.stations)
        self.cbp(c, station or own_station, t0, out, ReleaseReason.TRANSFERRED)
        sponsor = rng.random() < 0.8
        self.orr(
            c,
            out + timedelta(hours=3),
            ReleaseReason.RELEASED_TO_SPONSOR if sponsor else None,
            out + self.days(25, 90) if sponsor else None,
        )
        return c


def simulate(cfg: SynthConfig, rng: random.Random, places: Places) -> World:
    sim = _Simulator(cfg, rng, places)
    families = [sim.family(i) for i in range(1, cfg.families + 1)]
    singles = [sim.single() for _ in range(int(cfg.families * cfg.singles_per_family))]
    uacs = [sim.uac() for _ in range(int(cfg.families * cfg.uac_per_family))]
    reencounters = []
    for p in singles:
        last = p.stays[-1]
        if (
            last.end is not None
            and last.reason == ReleaseReason.REMOVED
            and rng.random() < cfg.reencounter_rate * 4
        ):
            again = last.end + timedelta(days=rng.randint(30, 200))
            station = rng.choice(places.stations)
            sim.cbp(p, station, again, again + timedelta(days=1), ReleaseReason.REMOVED)
            reencounters.append((p, again, station))
    return World(sim.persons, families, singles, uacs, reencounters, places)

"""Each agency's export of the world, in its own shape and with its own mess.

One writer per agency file; every writer also tells `truth` which person each of its records
(and each mention inside a record) really is, so tests can score the loaders and linkage.
File names here are what `loaders.registry` recognises without `--source`.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from graph.model import Agency, ReleaseReason
from loaders.synth.config import SynthConfig
from loaders.synth.names import (
    a_number_as_written,
    spelling_variant,
    strip_accents,
    surnames_as_written,
    us_date,
)
from loaders.synth.world import FLAG_INTRODUCED, REASON_CODES, TFamily, TPerson, TStay, World

CBP_FILE = "cbp_e3_apprehensions.csv"
USMS_FILE = "usms_prisoners.csv"
ICE_FILE = "ice_detention_stays.csv"
ORR_FILE = "orr_uc_portal.json"
TRACKER_FILE = "ice_officer_tracker.xlsx"
WHITEBOARD_FILE = "station_whiteboard.csv"
TRUTH_FILE = "ground_truth.json"

CBP_COLUMNS = [
    "EVENT_NO",
    "SUBJECT_ID",
    "FAMILY_UNIT_NO",
    "FAMILY_ROLE",
    "FIRST_NAME",
    "LAST_NAME",
    "DOB",
    "AGE",
    "GENDER",
    "CITIZENSHIP",
    "A_NUMBER",
    "STATION_CODE",
    "STATION_NAME",
    "APPREHENSION_DATE",
    "BOOK_OUT_DATE",
    "DISPOSITION",
    "UAC_FLAG",
    "SEPARATED_FLAG",
    "SEPARATION_REASON",
    "SEPARATION_DATE",
]
USMS_COLUMNS = [
    "REGISTER_NO",
    "LAST_NAME",
    "FIRST_NAME",
    "DOB",
    "SEX",
    "COUNTRY",
    "A_NUMBER",
    "DISTRICT",
    "CASE_NO",
    "OFFENSE",
    "CUSTODY_START",
    "CUSTODY_END",
    "FACILITY_CODE",
    "FACILITY_NAME",
    "RELEASED_TO",
]
ICE_COLUMNS = [
    "unique_identifier",
    "alien_file_number",
    "eid_subject_id",
    "gender",
    "birth_year",
    "citizenship_country",
    "stay_book_in_date_time",
    "book_in_date_time",
    "detention_facility_code",
    "detention_facility",
    "detention_book_out_date_time",
    "detention_release_reason",
    "stay_book_out_date_time",
    "stay_release_reason",
]
TRACKER_A = [
    "Parent Name",
    "Parent A#",
    "Child Name",
    "Child A#",
    "Child DOB",
    "Parent Location",
    "Child Location",
    "Notes",
]
TRACKER_B = ["PARENT", "A NUMBER", "KID", "KID A-NUMBER", "AGE", "PARENT LOC", "SHELTER", "COMMENTS"]
WHITEBOARD_COLUMNS = ["station", "date", "group", "first_name", "age", "note"]
_DISTRICTS = {"379": "S.D. Texas", "180": "W.D. Texas", "298": "D. Arizona", "051": "D. New Mexico"}
_ICE_REASONS = {ReleaseReason.TRANSFERRED: "Transferred", ReleaseReason.REMOVED: "Removed"}


def _iso(t: datetime | None) -> str:
    return t.isoformat(sep=" ") if t else ""


class Exporter:
    """Writes every agency file of one world; `truth` fills as records are written."""

    def __init__(self, world: World, rng: random.Random, cfg: SynthConfig, out: Path) -> None:
        self.world, self.rng, self.cfg, self.rates, self.out = world, rng, cfg, cfg.rates, out
        self.truth: dict[str, Any] = {"records": {}, "malformed": {}}
        self.family_of: dict[str, tuple[TFamily, str]] = {}
        for fam in world.families:
            for i, p in enumerate(fam.parents):
                self.family_of[p.pid] = (fam, "HEAD" if i == 0 else "ADULT")
            for c in fam.children:
                self.family_of[c.pid] = (fam, "CHILD")
        self.coded_uac: set[str] = set()
        self.unit_deleted: set[str] = set()
        for fam in world.families:
            if fam.separated:
                if rng.random() < self.rates.family_unit_deleted:
                    self.unit_deleted.add(fam.family_id)
                self.coded_uac.update(
                    c.pid for c in fam.children if rng.random() < self.rates.coded_unaccompanied
                )
        self.counts: dict[str, int] = {}

    # ------------------------------------------------------------------ mess helpers
    def chance(self, rate: float) -> bool:
        return self.rng.random() < rate

    def given(self, p: TPerson, upper: bool = False, first_only: bool = False) -> str:
        g = p.given.split(" ")[0] if first_only else p.given
        if self.chance(self.rates.spelling_variant):
            g = spelling_variant(self.rng, g)
        if self.chance(self.rates.strip_accents) or upper:
            g = strip_accents(g)
        return g.upper() if upper else g

    def surnames(self, p: TPerson, upper: bool = False) -> str:
        s = surnames_as_written(self.rng, p.surname1, p.surname2, self.rates)
        if self.chance(self.rates.spelling_variant):
            s = spelling_variant(self.rng, s)
        if self.chance(self.rates.strip_accents) or upper:
            s = strip_accents(s)
        return s.upper() if upper else s

    def reported_surname(self, p: TPerson) -> str:
        """A child names a parent by one surname, mostly; sometimes both, as a clerk writes them."""
        return p.surname1 if self.chance(0.7) else self.surnames(p)

    def a_number(self, p: TPerson) -> str:
        return a_number_as_written(
            self.rng, p.a_digits, self.rates.a_number_variant, self.rates.a_number_typo
        )

    def garbled(self, file: str, record_id: str) -> bool:
        if self.chance(self.rates.malformed_row):
            self.truth["malformed"].setdefault(file, []).append(record_id)
            return True
        return False

    def note(self, file: str, record_id: str, refs: dict[str, str]) -> None:
        self.truth["records"].setdefault(file, {})[record_id] = refs

    def write_csv(self, name: str, columns: list[str], rows: Iterable[list[Any]]) -> None:
        with (self.out / name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(columns)
            n = 0
            for row in rows:
                w.writerow(row)
                n += 1
        self.counts[name] = n

    # ------------------------------------------------------------------------ CBP
    def cbp_rows(self) -> Iterable[list[Any]]:
        event = 0
        for p in self.world.persons:
            cbp_stays = [s for s in p.stays if s.agency == Agency.CBP]
            for k, stay in enumerate(cbp_stays):
                event += 1
                event_no = f"EV{event:08d}"
                fam, role = self.family_of.get(p.pid, (None, "")) if k == 0 else (None, "")
                yield self.cbp_row(p, k, stay, event_no, fam, role)

    def cbp_row(
        self, p: TPerson, k: int, stay: TStay, event_no: str, fam: TFamily | None, role: str
    ) -> list[Any]:
        unit, uac, sep_flag, reason, sep_date = "", "N", "", "", ""
        if fam is not None:
            unit = fam.unit_no
            if fam.separated:
                if p.pid in self.coded_uac:
                    unit, role, uac = "", "", "Y"
                else:
                    if role != "CHILD" and fam.family_id in self.unit_deleted:
                        unit, role = "", ""
                    if fam.apprehended >= FLAG_INTRODUCED or self.chance(0.3):
                        sep_flag = "Y"
                        sep_date = fam.separated_at.strftime("%Y-%m-%d") if fam.separated_at else ""
                        reason = fam.reason_code or ""
                        if self.chance(self.rates.separation_no_reason):
                            reason = ""
                        elif self.chance(self.rates.separation_wrong_code):
                            reason = self.rng.choice([c for c in REASON_CODES if c != reason])
        elif p.is_child:
            uac = "Y"
        day = stay.start.date()
        dob, age = p.dob.isoformat(), str(p.age_on(day))
        if self.chance(self.rates.age_instead_of_dob):
            dob = ""
        upper = self.chance(0.5)
        start = stay.start.strftime("%Y-%m-%d %H:%M")
        if self.garbled(CBP_FILE, event_no):
            start = f"{day.year}-{day.day + 12:02d}-{day.month:02d}"
        self.note(CBP_FILE, event_no, {"subject": p.pid})
        nxt = self.next_stay(p, stay)
        return [
            event_no,
            p.subject_ids[k],
            unit,
            role if unit else "",
            self.given(p, upper),
            self.surnames(p, upper),
            dob,
            age,
            p.sex,
            p.country.upper(),
            self.a_number(p),
            stay.facility.facility_id,
            stay.facility.name,
            start,
            stay.end.strftime("%Y-%m-%d %H:%M") if stay.end else "",
            self.disposition(stay, nxt),
            uac,
            sep_flag,
            reason,
            sep_date,
        ]

    @staticmethod
    def next_stay(p: TPerson, stay: TStay) -> TStay | None:
        i = p.stays.index(stay)
        return p.stays[i + 1] if i + 1 < len(p.stays) else None

    @staticmethod
    def disposition(stay: TStay, nxt: TStay | None) -> str:
        if stay.reason == ReleaseReason.TRANSFERRED and nxt is not None:
            return f"Transferred to {nxt.agency.value}"
        if stay.reason == ReleaseReason.REMOVED:
            return "Voluntary Return"
        return "Released - Notice to Appear / OR"

    # ----------------------------------------------------------------------- USMS
    def usms_rows(self) -> Iterable[list[Any]]:
        for p in self.world.persons:
            if p.register_no is None:
                continue
            stay = next(s for s in p.stays if s.agency == Agency.USMS)
            district = p.register_no[-3:]
            start = stay.start.strftime("%m/%d/%Y %H:%M")
            if self.garbled(USMS_FILE, p.register_no):
                start = "00/00/0000"
            self.note(USMS_FILE, p.register_no, {"subject": p.pid})
            yield [
                p.register_no,
                self.surnames(p, upper=True),
                self.given(p, upper=True),
                us_date(self.rng, p.dob, self.rates.day_month_swap),
                p.sex,
                p.country.upper(),
                self.a_number(p) if self.chance(0.4) else "",
                _DISTRICTS[district],
                f"{stay.start.year % 100}-mj-{self.rng.randrange(1, 99999):05d}",
                "8 USC 1325(a) Improper entry",
                start,
                stay.end.strftime("%m/%d/%Y %H:%M") if stay.end else "",
                stay.facility.facility_id,
                stay.facility.name,
                "ICE" if stay.reason == ReleaseReason.TRANSFERRED else "",
            ]

    # ------------------------------------------------------------------------ ICE
    def ice_rows(self) -> Iterable[list[Any]]:
        row = 0
        for p in self.world.persons:
            for stays in self.ice_chains(p):
                for s in stays:
                    copies = 2 if self.chance(self.rates.repeated_placement) else 1
                    for _ in range(copies):
                        row += 1
                        yield self.ice_row(p, s, stays, str(row))

    @staticmethod
    def ice_chains(p: TPerson) -> list[list[TStay]]:
        """ICE placements grouped into continuous stays (transfers join placements)."""
        chains: list[list[TStay]] = []
        for s in p.stays:
            if s.agency != Agency.ICE:
                continue
            if chains and chains[-1][-1].reason == ReleaseReason.TRANSFERRED:
                chains[-1].append(s)
            else:
                chains.append([s])
        return chains

    def ice_row(self, p: TPerson, s: TStay, chain: list[TStay], row_id: str) -> list[Any]:
        book_in = _iso(s.start)
        if self.garbled(ICE_FILE, row_id):
            book_in = "2018-02-30 00:00:00"
        self.note(ICE_FILE, row_id, {"subject": p.pid})
        last = chain[-1]
        reason = _ICE_REASONS.get(s.reason, "Released" if s.reason else "")
        if s.reason == ReleaseReason.RELEASED:
            reason = self.rng.choice(["Bonded Out", "Paroled", "Order of Recognizance"])
        return [
            p.ice_key,
            self.a_number(p),
            p.eid_subject,
            "Male" if p.sex == "M" else "Female",
            str(p.dob.year),
            p.country.upper(),
            _iso(chain[0].start),
            book_in,
            s.facility.facility_id,
            s.facility.name.upper(),
            _iso(s.end),
            reason,
            _iso(last.end),
            _ICE_REASONS.get(last.reason, "Released" if last.reason else "") if last.end else "",
        ]

    # ------------------------------------------------------------------------ ORR
    def orr_records(self) -> list[dict[str, Any]]:
        out = []
        for c in self.world.persons:
            shelters = [s for s in c.stays if s.agency == Agency.ORR]
            if not shelters:
                continue
            c.orr_case = f"UC{1_000_000 + len(out):07d}"
            fam = self.family_of.get(c.pid, (None, ""))[0]
            separated = fam is not None and fam.separated and c.pid not in self.coded_uac
            refs = {"child": c.pid}
            parents = []
            if separated and fam is not None:
                for i, p in enumerate(fam.parents, 1):
                    refs[f"parent{i}"] = p.pid
                    parents.append(
                        {
                            "name": f"{self.given(p, first_only=True)} {self.reported_surname(p)}",
                            "relationship": self.rng.choice(
                                ["mother", "madre"] if p.sex == "F" else ["father", "padre"]
                            ),
                            "a_number": self.a_number(p) if self.chance(0.3) else None,
                            "reported_location": self.rng.choice(["ICE custody", "unknown", "detention", ""]),
                        }
                    )
            last = shelters[-1]
            dob: str | None = c.dob.isoformat()
            age = c.age_on(shelters[0].start.date())
            if self.chance(self.rates.age_instead_of_dob):
                dob = None
            admitted = shelters[0].start.strftime("%Y-%m-%dT%H:%M:%S")
            if self.garbled(ORR_FILE, c.orr_case):
                admitted = "31/31/2018"
            self.note(ORR_FILE, c.orr_case, refs)
            discharge = None
            if last.end is not None:
                kind = (
                    "Reunified with parent"
                    if last.reason == ReleaseReason.REUNIFIED
                    else "Released to sponsor"
                )
                discharge = {"type": kind, "date": last.end.strftime("%Y-%m-%d")}
            out.append(
                {
                    "uc_case_id": c.orr_case,
                    "a_number": self.a_number(c),
                    "first_name": self.given(c),
                    "last_name": c.surname1 if self.chance(0.6) else self.surnames(c),
                    "dob": dob,
                    "age_at_referral": age,
                    "gender": c.sex,
                    "country_of_birth": c.country,
                    "referral": {"date": admitted, "referring_agency": "CBP"},
                    "separated_from_parent": separated,
                    "parents_reported": parents,
                    "placements": [
                        {
                            "facility_code": s.facility.facility_id,
                            "facility_name": s.facility.name,
                            "state": s.facility.state,
                            "admitted": admitted if i == 0 else s.start.strftime("%Y-%m-%dT%H:%M:%S"),
                            "discharged": s.end.strftime("%Y-%m-%dT%H:%M:%S") if s.end else None,
                            "reason": "Transfer to another program"
                            if s.reason == ReleaseReason.TRANSFERRED
                            else None,
                        }
                        for i, s in enumerate(shelters)
                    ],
                    "discharge": discharge,
                }
            )
        return out

    # -------------------------------------------------------------------- tracker
    def tracker_rows(self) -> tuple[list[list[Any]], list[list[Any]]]:
        """Two officers' sheets on the separated families they follow, each kept their own way."""
        a: list[list[Any]] = []
        b: list[list[Any]] = []
        limit = self.cfg.tracker_max_rows
        for fam in self.world.families:
            if not fam.separated or not self.chance(self.cfg.tracker_coverage) or len(a) + len(b) >= limit:
                continue
            sheet = a if self.chance(0.5) else b
            p = fam.parents[0]
            as_of = (fam.separated_at or fam.apprehended) + (
                fam.children[0].stays[-1].start - fam.apprehended
            ) / 2
            for c in fam.children:
                p_loc, c_loc = self.where(p, as_of), self.where(c, as_of)
                a_p, a_c = self.a_number(p), self.a_number(c)
                if self.chance(self.rates.tracker_drift):
                    p_loc = self.where(p, fam.apprehended)  # stale: never updated after the station
                if self.chance(self.rates.tracker_drift / 3):
                    a_p = a_number_as_written(self.rng, p.a_digits, 1.0, 1.0)
                if sheet is a:
                    sheet_name, excel_row = "Officer A", len(a) + 2
                    row = [
                        f"{self.surnames(p, True)}, {self.given(p, True)}",
                        a_p,
                        f"{self.given(c)} {self.surnames(c)}",
                        a_c,
                        c.dob,
                        p_loc,
                        c_loc,
                        self.rng.choice(
                            [
                                "",
                                "called shelter, no answer",
                                "parent asked about kid x3",
                                "per ORR matching table",
                                "CHECK A# !!",
                            ]
                        ),
                    ]
                else:
                    sheet_name, excel_row = "Officer B", len(b) + 4
                    row = [
                        f"{self.given(p)} {self.surnames(p)}",
                        a_p,
                        self.given(c, first_only=True),
                        a_c,
                        c.age_on(fam.apprehended.date()),
                        p_loc,
                        c_loc,
                        self.rng.choice(["", "dad says kid is 'Nene'", "removal pending", "bond hearing ?"]),
                    ]
                self.note(TRACKER_FILE, f"{sheet_name}!R{excel_row}", {"parent": p.pid, "child": c.pid})
                sheet.append(row)
        return a, b

    @staticmethod
    def where(p: TPerson, at: datetime) -> str:
        for s in p.stays:
            if s.start <= at and (s.end is None or s.end >= at):
                return s.facility.name
        return "unknown"

    def write_tracker(self) -> None:
        from openpyxl import Workbook

        a, b = self.tracker_rows()
        book = Workbook(write_only=True)
        ws = book.create_sheet("Officer A")
        ws.append(TRACKER_A)
        for row in a:
            ws.append(row)
        ws = book.create_sheet("Officer B")
        ws.append(["FAMILY SEPARATION TRACKER - DO NOT DISTRIBUTE"])
        ws.append([])
        ws.append(TRACKER_B)
        for row in b:
            ws.append(row)
        book.save(self.out / TRACKER_FILE)
        self.counts[TRACKER_FILE] = len(a) + len(b)

    # ----------------------------------------------------------------- whiteboard
    def whiteboard_rows(self) -> Iterable[list[Any]]:
        groups: dict[tuple[str, date], int] = {}
        row = 0
        for fam in self.world.families:
            if not self.chance(self.cfg.whiteboard_coverage):
                continue
            key = (fam.station.facility_id, fam.apprehended.date())
            groups[key] = groups.get(key, 0) + 1
            for p in fam.members:
                if self.chance(0.15):
                    continue  # partial: not everyone made it onto the board
                row += 1
                self.note(WHITEBOARD_FILE, str(row), {"subject": p.pid})
                note = (
                    ("mom" if p.sex == "F" else "dad")
                    if not p.is_child
                    else self.rng.choice(["kid", "niño", ""])
                )
                yield [
                    fam.station.facility_id,
                    f"{key[1].month}/{key[1].day}/{key[1].year}",
                    groups[key],
                    self.given(p, upper=self.chance(0.5), first_only=True),
                    p.age_on(key[1]),
                    note,
                ]

    # ---------------------------------------------------------------------- truth
    def truth_doc(self, meta: dict[str, Any]) -> dict[str, Any]:
        w = self.world
        links = []
        for fam in w.families:
            links += [
                {"kind": "PARENT_OF", "from": p.pid, "to": c.pid} for p in fam.parents for c in fam.children
            ]
            kids = sorted(c.pid for c in fam.children)
            links += [
                {"kind": "SIBLING_OF", "from": x, "to": y} for i, x in enumerate(kids) for y in kids[i + 1 :]
            ]
        return {
            **meta,
            "persons": {
                p.pid: {
                    "given_names": p.given,
                    "surnames": f"{p.surname1} {p.surname2}",
                    "sex": p.sex,
                    "dob": p.dob.isoformat(),
                    "country": p.country,
                    "a_number": "A" + p.a_digits,
                    "is_child": p.is_child,
                }
                for p in w.persons
            },
            "families": [
                {
                    "family_id": f.family_id,
                    "unit_no": f.unit_no,
                    "parents": [p.pid for p in f.parents],
                    "children": [c.pid for c in f.children],
                    "separated": f.separated,
                    "separated_on": f.separated_at.date().isoformat() if f.separated_at else None,
                    "reunified_on": f.reunified_on.isoformat() if f.reunified_on else None,
                    "unit_deleted": f.family_id in self.unit_deleted,
                }
                for f in w.families
            ],
            "coded_unaccompanied": sorted(self.coded_uac),
            "family_links": links,
            "custody": {
                p.pid: [
                    {
                        "facility_id": s.facility.facility_id,
                        "agency": s.agency.value,
                        "start": _iso(s.start),
                        "end": _iso(s.end) or None,
                        "release_reason": s.reason.value if s.reason else None,
                    }
                    for s in p.stays
                ]
                for p in w.persons
            },
            **self.truth,
        }

    def write_all(self, meta: dict[str, Any]) -> dict[str, int]:
        self.out.mkdir(parents=True, exist_ok=True)
        self.write_csv(CBP_FILE, CBP_COLUMNS, self.cbp_rows())
        self.write_csv(USMS_FILE, USMS_COLUMNS, self.usms_rows())
        self.write_csv(ICE_FILE, ICE_COLUMNS, self.ice_rows())
        orr = self.orr_records()
        with (self.out / ORR_FILE).open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({"source": "ORR UC Portal export", "children": orr}, ensure_ascii=False))
        self.counts[ORR_FILE] = len(orr)
        self.write_tracker()
        self.write_csv(WHITEBOARD_FILE, WHITEBOARD_COLUMNS, self.whiteboard_rows())
        with (self.out / TRUTH_FILE).open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(self.truth_doc(meta), ensure_ascii=False))  # C encoder: 5x json.dump
        return dict(self.counts)

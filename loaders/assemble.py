"""Canonical records + identity → one `GraphBatch`: persons, links, stays, separations.

Facts stated by several rows merge here, so the batch says each thing once: a person's
best-known name and date of birth, a stay repeated in a joined export, a family link stated by a
family unit and by a child's own report (the strongest evidence wins, every source is kept).
What earlier loads wrote and this one must not undo (a facility name from ICE's reference list,
a separation's reunification) comes in as `Memory` and goes out updated, so results do not
depend on the order files are loaded in. (A link's stronger evidence and a review are kept by
the store's own upsert rules.)

The facts come out kind by kind (`Assembly.parts`), each list built only when asked for, so the
store can write one kind while the next is being built and no whole-load `GraphBatch` is held.
They come out as engine rows for `GraphStore.upsert_rows` (enums as values, derived keys set by
the model's own rules), not as pydantic records: a million-record load makes ~5 million facts,
and building and dumping a record per fact cost more than the engine's writes.
tests/loaders/test_pipeline.py checks every row against the model.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from graph.keys import search_keys_for
from graph.model import DobPrecision, Evidence, FamilyKind, LinkStatus, stable_id
from graph.store import Row
from loaders.identity import Resolution
from loaders.records import FacilityFact, MentionRow, RecordFacts

_PRECISION = {DobPrecision.EXACT: 0, DobPrecision.MONTH: 1, DobPrecision.YEAR: 2, DobPrecision.ESTIMATED: 3}
_ELDER_ROLES = {"parent", "adult", "head"}
_SYMMETRIC = {FamilyKind.SIBLING_OF.value, FamilyKind.RELATIVE_OF.value}
_PENDING = LinkStatus.PENDING.value

Memory = dict[str, dict[str, Any]]
"""kind → key → JSON-able value; kinds: 'facility', 'separation', 'reunion'."""


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _value(enum: Any) -> Any:
    return None if enum is None else enum.value


def link_row(
    kind: str, from_id: str, to_id: str, evidence: Evidence, at: datetime | None, sources: list[str]
) -> Row:
    """A `FamilyLink` row by the model's rules: symmetric kinds ordered, key and rank derived."""
    if kind in _SYMMETRIC and to_id < from_id:
        from_id, to_id = to_id, from_id
    return {
        "link_id": f"{kind}:{from_id}:{to_id}",
        "kind": kind,
        "from_id": from_id,
        "to_id": to_id,
        "evidence": evidence.value,
        "evidence_rank": evidence.rank,
        "confidence": 1.0,
        "status": _PENDING,
        "recorded_at": at,
        "sources": sources,
        "batch_id": "",
    }


class Assembly:
    """The graph facts of one load (all its files), merged, and what the ledger should remember.

    Example:
        assembly = Assembly(records, who, memory)
        for field, rows in assembly.parts():
            store.upsert_rows({field: rows})
        ledger_memory = assembly.remember  # complete once `parts()` is exhausted
    """

    def __init__(self, records: list[RecordFacts], who: Resolution, memory: Memory) -> None:
        self.records, self.who, self.memory = records, who, memory
        self.remember: Memory = defaultdict(dict)

    def parts(self) -> Iterator[tuple[str, list[Row]]]:
        """(`GraphBatch` field, items) in the store's upsert order, nodes before relationships."""
        yield "persons", self.persons()
        yield "facilities", self.facilities()
        units, memberships, links = self.families()
        yield "family_units", units
        separations, separated = self.separations()
        yield "separations", separations
        yield "family_links", links
        yield "memberships", memberships
        yield "stays", self.stays()
        yield "separated", separated
        yield "possible_matches", self.matches()
        yield "described_by", self.described_by()

    def person_id(self, record: RecordFacts, ref: str) -> str:
        return self.who.person_of[(record.record_key, ref)]

    # -------------------------------------------------------------------- persons
    def persons(self) -> list[Row]:
        seen: dict[str, list[tuple[str, MentionRow]]] = defaultdict(list)
        person_of = self.who.person_of
        for r in self.records:
            rk = r.record_key
            for m in r.mentions:
                seen[person_of[(rk, m.ref)]].append((rk, m))
        return [
            self._person(pid, ms if len(ms) == 1 else sorted(ms, key=lambda x: (x[0], x[1].ref)))
            for pid, ms in seen.items()
        ]

    def described_by(self) -> list[Row]:
        """Person → every record that mentions them: provenance of the person node itself."""
        person_of = self.who.person_of
        return [
            {
                "described_id": f"{pid}:{r.record_key}",
                "person_id": pid,
                "record_key": r.record_key,
                "sources": [],
                "batch_id": "",
            }
            for r in self.records
            for m in r.mentions
            for pid in (person_of[(r.record_key, m.ref)],)
        ]

    @staticmethod
    def _person(pid: str, mentions: list[tuple[str, MentionRow]]) -> Row:
        ms = [m for _, m in mentions]
        # min, not sorted()[0]: the same first best mention, without sorting every person's list
        best = min(ms, key=lambda m: (not (m.given_names and m.surnames), -len(m.full_name)))
        dated = min(
            (m for m in ms if m.dob),
            key=lambda m: _PRECISION[m.dob_precision or DobPrecision.ESTIMATED],
            default=None,
        )
        a_numbers = Counter(m.a_number for m in ms if m.a_number)
        main_a = min(a_numbers, key=lambda a: (-a_numbers[a], a)) if a_numbers else None
        idents = sorted(
            {i for m in ms for i in m.identifiers} | {f"a_number:{a}" for a in a_numbers if a != main_a}
        )
        given, surnames = best.given_names, best.surnames
        variants = sorted({m.full_name for m in ms if m.full_name})
        return {
            "person_id": pid,
            "given_names": given,
            "surnames": surnames,
            "name_variants": variants,
            "dob": dated.dob if dated else None,
            "dob_precision": _value(dated.dob_precision) if dated else None,
            "sex": next((m.sex for m in ms if m.sex), None),
            "country": next((m.country for m in ms if m.country), None),
            "a_number": main_a,
            "identifiers": idents,
            "is_child": any(m.is_child for m in ms),
            "search_keys": search_keys_for(
                [f"{given} {surnames}", *variants], [x for x in [main_a, *idents] if x]
            ),
            "sources": sorted({rk for rk, _ in mentions}),
        }

    # ----------------------------------------------------------------- facilities
    def facilities(self) -> list[Row]:
        best: dict[str, tuple[FacilityFact, str]] = {}
        sources: dict[str, set[str]] = defaultdict(set)
        for r in self.records:
            rk = r.record_key
            for f in r.facilities:
                sources[f.facility_id].add(rk)
                held = best.get(f.facility_id)
                if held is None or (-f.authority, rk) < (-held[0].authority, held[1]):
                    best[f.facility_id] = (f, rk)
        out = []
        for fid, (fact, _) in sorted(best.items()):
            stored = self.memory.get("facility", {}).get(fid)
            if stored and stored["authority"] > fact.authority:
                fact = FacilityFact.model_validate(stored)
            elif fact.authority > 0:
                self.remember["facility"][fid] = FacilityFact(**fact._asdict()).model_dump(mode="json")
            out.append(
                {
                    "facility_id": fact.facility_id,
                    "name": fact.name,
                    "type": fact.type.value,
                    "city": fact.city,
                    "state": fact.state,
                    "agency": fact.agency.value,
                    "sources": sorted(sources[fid]),
                }
            )
        return out

    # ------------------------------------------------------------- family links
    def families(self) -> tuple[list[Row], list[Row], list[Row]]:
        """(family unit rows, membership rows, family link rows)."""
        units: dict[str, dict[str, Any]] = {}
        members: dict[str, dict[str, tuple[str, set[str], Evidence]]] = defaultdict(dict)
        memberships: dict[str, Row] = {}
        links: dict[str, Row] = {}
        for r in self.records:
            rk = r.record_key
            for m in r.memberships:
                pid = self.person_id(r, m.ref)
                u = units.setdefault(
                    m.family_unit_id, {"system": m.system, "at": m.recorded_at, "src": set()}
                )
                u["src"].add(rk)
                if m.recorded_at and (u["at"] is None or m.recorded_at < u["at"]):
                    u["at"] = m.recorded_at
                role, srcs, _ = members[m.family_unit_id].get(pid, (m.role, set(), m.evidence))
                members[m.family_unit_id][pid] = (role, srcs | {rk}, m.evidence)
                key = f"{pid}:{m.family_unit_id}"
                held = memberships.get(key)
                if held is None:
                    memberships[key] = {
                        "membership_id": key,
                        "person_id": pid,
                        "family_unit_id": m.family_unit_id,
                        "role": m.role,
                        "sources": [rk],
                        "batch_id": "",
                    }
                else:
                    held["sources"] = sorted(set(held["sources"]) | {rk})
            for c in r.claims:
                from_id, to_id = self.person_id(r, c.from_ref), self.person_id(r, c.to_ref)
                if from_id != to_id:
                    link = link_row(c.kind.value, from_id, to_id, c.evidence, c.recorded_at, [rk])
                    self._merge_link(links, link)
        for unit_id, group in members.items():
            for link in self._unit_links(group, units[unit_id]["at"]):
                self._merge_link(links, link)
        family_units = [
            {
                "family_unit_id": uid,
                "system": u["system"],
                "recorded_at": u["at"],
                "sources": sorted(u["src"]),
            }
            for uid, u in sorted(units.items())
        ]
        return family_units, list(memberships.values()), list(links.values())

    @staticmethod
    def _unit_links(group: dict[str, tuple[str, set[str], Evidence]], at: datetime | None) -> Iterable[Row]:
        """Links among co-members: elders → children PARENT_OF, children SIBLING_OF, elders RELATIVE_OF."""
        people = sorted(group.items())
        for i, (a, (role_a, src_a, ev)) in enumerate(people):
            for b, (role_b, src_b, _) in people[i + 1 :]:
                elder_a, elder_b = role_a in _ELDER_ROLES, role_b in _ELDER_ROLES
                if role_a == "member" or role_b == "member":
                    continue
                if elder_a and not elder_b:
                    kind, x, y = FamilyKind.PARENT_OF, a, b
                elif elder_b and not elder_a:
                    kind, x, y = FamilyKind.PARENT_OF, b, a
                else:
                    kind, x, y = (FamilyKind.RELATIVE_OF if elder_a else FamilyKind.SIBLING_OF), a, b
                yield link_row(kind.value, x, y, ev, at, sorted(src_a | src_b))

    @staticmethod
    def _merge_sources(into: dict[str, Row], row: Row, key: str) -> None:
        held = into.get(key)
        if held is None:
            into[key] = row
        else:
            held["sources"] = sorted(set(held["sources"]) | set(row["sources"]))

    @staticmethod
    def _merge_link(into: dict[str, Row], link: Row) -> None:
        held = into.get(link["link_id"])
        if held is None:
            into[link["link_id"]] = link
            return
        if link["evidence_rank"] > held["evidence_rank"]:
            held["evidence"], held["evidence_rank"] = link["evidence"], link["evidence_rank"]
        times = [t for t in (held["recorded_at"], link["recorded_at"]) if t]
        held["recorded_at"] = min(times) if times else None
        held["sources"] = sorted(set(held["sources"]) | set(link["sources"]))

    # ------------------------------------------------------------------- custody
    def stays(self) -> list[Row]:
        stays: dict[str, Row] = {}
        for r in self.records:
            for s in r.stays:
                stay_id = "s" + stable_id("stay", r.system, s.stay_key)
                row = {
                    "stay_id": stay_id,
                    "person_id": self.person_id(r, s.ref),
                    "facility_id": s.facility_id,
                    "agency": s.agency.value,
                    "start": s.start,
                    "end": s.end,
                    "release_reason": _value(s.release_reason),
                    "recorded_at": s.start,
                    "sources": [r.record_key],
                    "batch_id": "",
                }
                self._merge_sources(stays, row, stay_id)
        return list(stays.values())

    # --------------------------------------------------------------- separations
    def separations(self) -> tuple[list[Row], list[Row]]:
        """(separation rows, SEPARATED rows)."""
        events: dict[str, dict[str, Any]] = {}
        separated: dict[str, Row] = {}
        for r in sorted((r for r in self.records if r.separations), key=lambda r: r.record_key):
            rk = r.record_key
            for s in r.separations:
                sid = "sep" + stable_id("separation", s.event_key)
                e = events.setdefault(
                    sid,
                    {
                        "date": s.date,
                        "reason_code": None,
                        "reason_text": None,
                        "agency": s.agency,
                        "recorded_at": s.recorded_at,
                        "sources": set(),
                    },
                )
                e["reason_code"] = e["reason_code"] or s.reason_code
                e["reason_text"] = e["reason_text"] or s.reason_text
                e["recorded_at"] = min(e["recorded_at"], s.recorded_at)
                e["sources"].add(rk)
                pid = self.person_id(r, s.ref)
                key = f"{sid}:{pid}"
                row = {
                    "separated_id": key,
                    "separation_id": sid,
                    "person_id": pid,
                    "side": s.side,
                    "sources": [rk],
                    "batch_id": "",
                }
                self._merge_sources(separated, row, key)
        reunions = dict(self.memory.get("reunion", {}))
        for r in self.records:
            for u in r.reunifications:
                pid = self.person_id(r, u.ref)
                self.remember["reunion"][pid] = reunions[pid] = {
                    "on": u.on.isoformat(),
                    "at": u.recorded_at.isoformat(),
                }
        known = self.memory.get("separation", {})
        children: dict[str, set[str]] = defaultdict(set)
        for s in separated.values():
            if s["side"] == "child":
                children[s["separation_id"]].add(s["person_id"])
        for sid, stored in known.items():  # earlier separations a reunification here may close
            if sid not in events and any(pid in reunions for pid in stored["children"]):
                events[sid] = {
                    **stored,
                    "date": date.fromisoformat(stored["date"]),
                    "recorded_at": _dt(stored["recorded_at"]),
                    "sources": set(stored["sources"]),
                }
                children[sid] |= set(stored["children"])
        out = []
        for sid, e in sorted(events.items()):
            kids = children[sid] | set(known.get(sid, {}).get("children", []))
            dates = [
                reunions[k] for k in kids if k in reunions and reunions[k]["on"] >= e["date"].isoformat()
            ]
            closed = bool(kids) and len(dates) == len(kids)
            agency = e["agency"].value if hasattr(e["agency"], "value") else e["agency"]
            out.append(
                {
                    "separation_id": sid,
                    "date": e["date"],
                    "reason_code": e["reason_code"],
                    "reason_text": e["reason_text"],
                    "agency": agency,
                    "recorded_at": e["recorded_at"],
                    "reunified_on": date.fromisoformat(max(d["on"] for d in dates)) if closed else None,
                    "reunified_recorded_at": _dt(max(d["at"] for d in dates)) if closed else None,
                    "sources": sorted(e["sources"]),
                }
            )
            self.remember["separation"][sid] = {
                "date": e["date"].isoformat(),
                "reason_code": e["reason_code"],
                "reason_text": e["reason_text"],
                "agency": agency,
                "recorded_at": e["recorded_at"].isoformat(),
                "sources": sorted(e["sources"]),
                "children": sorted(kids),
            }
        return out, list(separated.values())

    def matches(self) -> list[Row]:
        rows = []
        for one, other, keys in self.who.conflicts:
            a, b = sorted((one, other))
            rows.append(
                {
                    "match_id": f"{a}~{b}",
                    "person_a": a,
                    "person_b": b,
                    "probability": 1.0,
                    "status": _PENDING,
                    "explanation": json.dumps({"shared_identifiers": keys}),
                    "sources": [],
                    "batch_id": "",
                }
            )
        return rows

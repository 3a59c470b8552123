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
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from graph.model import (
    DescribedBy,
    DobPrecision,
    Evidence,
    Facility,
    FamilyKind,
    FamilyLink,
    FamilyUnit,
    Membership,
    Node,
    Person,
    PossibleMatch,
    Rel,
    Separated,
    Separation,
    Stay,
    stable_id,
)
from loaders.identity import Resolution
from loaders.records import FacilityFact, Mention, RecordFacts

_PRECISION = {DobPrecision.EXACT: 0, DobPrecision.MONTH: 1, DobPrecision.YEAR: 2, DobPrecision.ESTIMATED: 3}
_ELDER_ROLES = {"parent", "adult", "head"}

Memory = dict[str, dict[str, Any]]
"""kind → key → JSON-able value; kinds: 'facility', 'separation', 'reunion'."""


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Assembly:
    """The graph facts of one load (all its files), merged, and what the ledger should remember.

    Example:
        assembly = Assembly(records, who, memory)
        for field, items in assembly.parts():
            store.upsert(GraphBatch.model_construct(**{field: items}))
        ledger_memory = assembly.remember  # complete once `parts()` is exhausted
    """

    def __init__(self, records: list[RecordFacts], who: Resolution, memory: Memory) -> None:
        self.records, self.who, self.memory = records, who, memory
        self.remember: Memory = defaultdict(dict)

    def parts(self) -> Iterator[tuple[str, list[Node] | list[Rel]]]:
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
    def persons(self) -> list[Person]:
        seen: dict[str, list[tuple[str, Mention]]] = defaultdict(list)
        person_of = self.who.person_of
        for r in self.records:
            rk = r.record_key
            for m in r.mentions:
                seen[person_of[(rk, m.ref)]].append((rk, m))
        return [self._person(pid, sorted(ms, key=lambda x: (x[0], x[1].ref))) for pid, ms in seen.items()]

    def described_by(self) -> list[DescribedBy]:
        """Person → every record that mentions them: provenance of the person node itself."""
        person_of = self.who.person_of
        return [
            DescribedBy(person_id=person_of[(r.record_key, m.ref)], record_key=r.record_key)
            for r in self.records
            for m in r.mentions
        ]

    @staticmethod
    def _person(pid: str, mentions: list[tuple[str, Mention]]) -> Person:
        ms = [m for _, m in mentions]
        named = sorted(ms, key=lambda m: (not (m.given_names and m.surnames), -len(m.full_name)))
        dated = sorted(
            (m for m in ms if m.dob), key=lambda m: _PRECISION[m.dob_precision or DobPrecision.ESTIMATED]
        )
        a_numbers = Counter(m.a_number for m in ms if m.a_number)
        main_a = min(a_numbers, key=lambda a: (-a_numbers[a], a)) if a_numbers else None
        idents = {i for m in ms for i in m.identifiers} | {f"a_number:{a}" for a in a_numbers if a != main_a}
        return Person(
            person_id=pid,
            given_names=named[0].given_names,
            surnames=named[0].surnames,
            name_variants=sorted({m.full_name for m in ms if m.full_name}),
            dob=dated[0].dob if dated else None,
            dob_precision=dated[0].dob_precision if dated else None,
            sex=next((m.sex for m in ms if m.sex), None),
            country=next((m.country for m in ms if m.country), None),
            a_number=main_a,
            identifiers=sorted(idents),
            is_child=any(m.is_child for m in ms),
            sources=sorted({rk for rk, _ in mentions}),
        )

    # ----------------------------------------------------------------- facilities
    def facilities(self) -> list[Facility]:
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
                self.remember["facility"][fid] = fact.model_dump(mode="json")
            data = fact.model_dump(exclude={"authority"})
            out.append(Facility(**data, sources=sorted(sources[fid])))
        return out

    # ------------------------------------------------------------- family links
    def families(self) -> tuple[list[FamilyUnit], list[Membership], list[FamilyLink]]:
        units: dict[str, dict[str, Any]] = {}
        members: dict[str, dict[str, tuple[str, set[str], Evidence]]] = defaultdict(dict)
        memberships: dict[str, Membership] = {}
        links: dict[str, FamilyLink] = {}
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
                ms = Membership(person_id=pid, family_unit_id=m.family_unit_id, role=m.role, sources=[rk])
                self._merge(memberships, ms, ms.membership_id)
            for c in r.claims:
                link = FamilyLink(
                    kind=c.kind,
                    from_id=self.person_id(r, c.from_ref),
                    to_id=self.person_id(r, c.to_ref),
                    evidence=c.evidence,
                    recorded_at=c.recorded_at,
                    sources=[rk],
                )
                if link.from_id != link.to_id:
                    self._merge_link(links, link)
        for unit_id, group in members.items():
            for link in self._unit_links(group, units[unit_id]["at"]):
                self._merge_link(links, link)
        family_units = [
            FamilyUnit(family_unit_id=uid, system=u["system"], recorded_at=u["at"], sources=sorted(u["src"]))
            for uid, u in sorted(units.items())
        ]
        return family_units, list(memberships.values()), list(links.values())

    @staticmethod
    def _unit_links(
        group: dict[str, tuple[str, set[str], Evidence]], at: datetime | None
    ) -> Iterable[FamilyLink]:
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
                yield FamilyLink(
                    kind=kind, from_id=x, to_id=y, evidence=ev, recorded_at=at, sources=sorted(src_a | src_b)
                )

    @staticmethod
    def _merge(into: dict[str, Any], item: Any, key: str) -> None:
        held = into.get(key)
        if held is not None:
            item = held.model_copy(update={"sources": sorted(set(held.sources) | set(item.sources))})
        into[key] = item

    @staticmethod
    def _merge_link(into: dict[str, FamilyLink], link: FamilyLink) -> None:
        held = into.get(link.link_id)
        if held is None:
            into[link.link_id] = link
            return
        strongest = max(held.evidence, link.evidence, key=lambda e: e.rank)
        times = [t for t in (held.recorded_at, link.recorded_at) if t]
        into[link.link_id] = held.model_copy(
            update={
                "sources": sorted(set(held.sources) | set(link.sources)),
                "evidence": strongest,
                "evidence_rank": strongest.rank,
                "recorded_at": min(times) if times else None,
            }
        )

    # ------------------------------------------------------------------- custody
    def stays(self) -> list[Stay]:
        stays: dict[str, Stay] = {}
        for r in self.records:
            for s in r.stays:
                stay = Stay(
                    stay_id="s" + stable_id("stay", r.system, s.stay_key),
                    person_id=self.person_id(r, s.ref),
                    facility_id=s.facility_id,
                    agency=s.agency,
                    start=s.start,
                    end=s.end,
                    release_reason=s.release_reason,
                    recorded_at=s.start,
                    sources=[r.record_key],
                )
                self._merge(stays, stay, stay.stay_id)
        return list(stays.values())

    # --------------------------------------------------------------- separations
    def separations(self) -> tuple[list[Separation], list[Separated]]:
        events: dict[str, dict[str, Any]] = {}
        separated: dict[str, Separated] = {}
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
                self._merge(
                    separated,
                    Separated(separation_id=sid, person_id=pid, side=s.side, sources=[rk]),
                    f"{sid}:{pid}",
                )
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
            if s.side == "child":
                children[s.separation_id].add(s.person_id)
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
            out.append(
                Separation(
                    separation_id=sid,
                    date=e["date"],
                    reason_code=e["reason_code"],
                    reason_text=e["reason_text"],
                    agency=e["agency"],
                    recorded_at=e["recorded_at"],
                    sources=sorted(e["sources"]),
                    reunified_on=date.fromisoformat(max(d["on"] for d in dates)) if closed else None,
                    reunified_recorded_at=_dt(max(d["at"] for d in dates)) if closed else None,
                )
            )
            self.remember["separation"][sid] = {
                "date": e["date"].isoformat(),
                "reason_code": e["reason_code"],
                "reason_text": e["reason_text"],
                "agency": e["agency"].value if hasattr(e["agency"], "value") else e["agency"],
                "recorded_at": e["recorded_at"].isoformat(),
                "sources": sorted(e["sources"]),
                "children": sorted(kids),
            }
        return out, list(separated.values())

    def matches(self) -> list[PossibleMatch]:
        return [
            PossibleMatch(
                person_a=a, person_b=b, probability=1.0, explanation=json.dumps({"shared_identifiers": keys})
            )
            for a, b, keys in self.who.conflicts
        ]

"""`GraphStore`: the one interface loaders write through and the explorer reads through.

Shared behaviour lives here once (argument checks, batching, turning rows into typed records,
scoring search hits, the orphan rules, wrapping engine errors); each engine (`graph/ladybug/`,
`graph/neo4j/`) supplies only the thin `_fetch_*`/`_write_*` hooks, with its Cypher beside it in
its own `queries.py`. The same contract suite (`tests/contract/`) runs on both and demands
identical answers.

Hook rows are plain dicts of Python values (str, int, float, bool, date, datetime, list, None):
engines turn driver types (neo4j.time.DateTime, LadybugDB internal ids) into these before
returning, so nothing engine-specific leaves the engine package.

Time: "on day D" means at the end of day D, i.e. the instant D+1 00:00. A stay covers that
instant when `start < D+1` and (`end` is None or `end >= D+1`). "As known on day K" keeps only
facts whose `recorded_at` is before K+1 (facts with no `recorded_at` count as always known).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from graph.census_changes import CensusInputs, Changes, changes_of, decode, difference, encode, sum_rows
from graph.errors import GraphStoreError, NotFoundError
from graph.keys import query_keys
from graph.model import (
    PARENTAL_KINDS,
    Census,
    CensusCount,
    CensusRow,
    ConflictReason,
    ConflictRow,
    Counts,
    CustodyStep,
    DescribedBy,
    Evidence,
    Facility,
    FamilyKind,
    FamilyLink,
    FamilyPath,
    FamilyUnit,
    GraphBatch,
    LinkStatus,
    LoadBatch,
    Membership,
    Neighbourhood,
    Node,
    OrphanCounts,
    OrphanReason,
    OrphanRow,
    Person,
    PersonHit,
    PossibleMatch,
    Provenance,
    QuarantineEntry,
    Rel,
    Review,
    Separated,
    Separation,
    SeparationEvent,
    SourceRecord,
    Stay,
    Whereabouts,
    stable_id,
)

Row = dict[str, Any]
BATCH_ROWS = 20_000
MAX_HOPS = 6
#: A LIMIT that keeps everything, for engines' `LIMIT $limit` when the caller asked for no limit.
NO_LIMIT = 2**62
#: Upsert order: nodes before the relationships that point at them.
UPSERT_ORDER: tuple[tuple[str, type[Node] | type[Rel]], ...] = (
    ("load_batches", LoadBatch),
    ("quarantine", QuarantineEntry),
    ("source_records", SourceRecord),
    ("persons", Person),
    ("facilities", Facility),
    ("family_units", FamilyUnit),
    ("separations", Separation),
    ("family_links", FamilyLink),
    ("memberships", Membership),
    ("stays", Stay),
    ("separated", Separated),
    ("possible_matches", PossibleMatch),
    ("described_by", DescribedBy),
)


def end_of_day(day: date) -> datetime:
    """The instant a 'state on day D' question is asked at: D+1 00:00."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time())


def _kinds(kinds: Sequence[FamilyKind | str] | None) -> list[str]:
    return [str(FamilyKind(k)) for k in (kinds or list(FamilyKind))]


class GraphStore(ABC):
    """Domain operations over the lineage graph, in caseworkers' words.

    Get one with `graph.open_store()`. Use as a context manager or call `close()`.
    """

    backend: str = "abstract"
    #: Writes made through this handle (part of `data_version`).
    _writes: int = 0
    #: Rows per `_write_rows` call; an engine whose bulk writes favour fewer, larger statements
    #: raises it.
    batch_rows: int = BATCH_ROWS
    #: While `upsert_rows(refresh=False)` defers the refresh: whether the census was kept when
    #: the first deferred write began (None: no deferred write pending).
    _census_deferred: bool | None = None

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None: ...

    def init_schema(self) -> None:
        """Create tables/constraints/indexes if missing; safe to call again."""
        with self._operation("init_schema"):
            self._create_schema()
            if not self._census_kept():
                self._rebuild_census()

    def clear(self) -> None:
        """Delete every node and relationship (tests and `lineage load --replace`)."""
        with self._operation("clear", writes=True):
            self._clear()
            self._rebuild_census()

    def rebuild_census(self) -> None:
        """Recompute the census kept at write time (`graph.census_changes`) from the records.

        Every write keeps it current, and `init_schema` builds it for a graph written before it
        existed; this is the repair for one a failed write may have left behind.
        """
        with self._operation("rebuild_census", writes=True):
            self._rebuild_census()

    def _rebuild_census(self) -> None:
        self._clear_census()
        self._refresh_census(self._fetch_separated_persons(None))
        self._mark_census_kept()

    # ---------------------------------------------------------------------- writes
    def upsert(self, batch: GraphBatch) -> dict[str, int]:
        """Insert or merge everything in `batch`; running it twice changes nothing.

        Returns rows written per kind. Rules: see `GraphBatch`.
        """
        with self._operation("upsert", writes=True):
            return self._write_parts({field: [_row(item) for item in getattr(batch, field)]
                                      for field, _ in UPSERT_ORDER})

    def upsert_rows(self, parts: Mapping[str, list[Row]], *, refresh: bool = True) -> dict[str, int]:
        """`upsert` for a batch given as engine rows: `GraphBatch` field → rows, each row what
        `_row` gives for a valid record (enums as values, derived keys set); a field a row
        leaves out takes its default, and fields the store maintains are reset as in `upsert`.

        Why: bulk loaders build millions of facts, and a pydantic object per fact, validated and
        dumped back to a dict, was a third of a million-record load. The rows are trusted, not
        validated: the caller builds them by the model's rules (tests/contract proves the two
        paths give the same graph; tests/loaders checks the loader's rows against the model).

        Args:
            refresh: False defers the orphan reasons and the kept census of the persons
                written: a bulk load writing persons, stays and separations in several calls
                refreshes each person once, at the end, with `refresh_touched` over every
                call's `Touched.by(rows)`, not once per call it appears in. Both depend only on
                the final graph, so the result is the same. Until then the orphan scan is stale
                for those persons, and the census is read from the records.
        """
        with self._operation("upsert", writes=True):
            if not refresh and self._census_deferred is None:
                # Not kept while it is stale: the census is read from the records until
                # `refresh_touched`. A load killed before then leaves it unmarked, and the next
                # `refresh_touched` (or `init_schema`) rebuilds it whole, since the persons that
                # load wrote are in no one's `Touched`.
                self._census_deferred = self._census_kept()
                if self._census_deferred:
                    self._unmark_census_kept()
            rows: dict[str, list[Row]] = {}
            for field, kind in UPSERT_ORDER:
                base, reset = _defaults(kind)
                rows[field] = [{**base, **row, **reset} for row in parts.get(field) or ()]
            return self._write_parts(rows, refresh=refresh)

    def _write_parts(self, parts: Mapping[str, list[Row]], refresh: bool = True) -> dict[str, int]:
        """Write engine rows in `UPSERT_ORDER`, then refresh what the store maintains for the
        persons they touch: the one write path of `upsert` and `upsert_rows`."""
        written: dict[str, int] = {}
        for field, kind in UPSERT_ORDER:
            rows = parts.get(field)
            if not rows:
                continue
            for start in range(0, len(rows), self.batch_rows):
                self._write_rows(kind, rows[start : start + self.batch_rows])
            written[field] = len(rows)
        touched = Touched.by(parts)
        # The custody copies are never deferred: while the kept census is, the census is read
        # from the records, and on Neo4j that reads the copies.
        custody = sorted(touched.custody)
        for start in range(0, len(custody), self.batch_rows):
            self._refresh_custody(custody[start : start + self.batch_rows])
        if refresh:
            self._refresh(touched)
        return written

    def refresh_touched(self, touched: Touched) -> None:
        """Bring what the store maintains up to date for these persons: the end of a bulk load
        written with `upsert_rows(..., refresh=False)`."""
        with self._operation("refresh", writes=True):
            was_kept, self._census_deferred = self._census_deferred, None
            if was_kept is None:  # no deferred write through this store (a resumed load, say)
                was_kept = self._census_kept()
            if not was_kept:  # unmarked before this load's writes: a load was killed
                self._refresh_in_batches(sorted(touched.orphans))
                self._rebuild_census()
                return
            self._refresh(touched)
            self._mark_census_kept()

    def _refresh(self, touched: Touched) -> None:
        """The orphan reasons and the kept census of what a write touched (the custody copies
        are refreshed by every write itself)."""
        self._refresh_in_batches(sorted(touched.orphans))
        census = touched.custody | touched.persons
        if touched.separations:  # a reunification written on the separation alone, say
            census |= set(self._fetch_separated_persons(sorted(touched.separations)))
        self._refresh_census(sorted(census))

    def _refresh_census(self, person_ids: list[str]) -> None:
        """Bring these persons' part of the census kept at write time up to date with the graph:
        store each changed part and add its difference to the sums (persons no longer in the
        graph drop out)."""
        for start in range(0, len(person_ids), self.batch_rows):
            ids = person_ids[start : start + self.batch_rows]
            stored = self._fetch_census_parts(ids)
            current = {p.person_id: changes_of(p) for p in self._fetch_census_inputs(ids)}
            parts: dict[str, str | None] = {}
            delta: Changes = Changes()
            for pid in ids:
                before, after = decode(stored.get(pid)), current.get(pid, Changes())
                if before != after:
                    parts[pid] = encode(after) if after else None
                    delta.update(difference(before, after))
            if parts:
                self._write_census(parts, sum_rows(delta))

    def _refresh_in_batches(self, ids: list[str]) -> None:
        for start in range(0, len(ids), self.batch_rows):
            self._refresh_orphans(ids[start : start + self.batch_rows])

    def record_review(
        self, target_key: str, decision: LinkStatus, reviewer: str, reason: str
    ) -> Review:
        """Confirm or reject a family link (by link_id) or a potential match (by match_id).

        Nothing is deleted: the decision is appended to the history and the target's status
        changes; confirming a family link raises its evidence to `reviewed`.

        Raises:
            NotFoundError: no link or match has that key.
            ValueError: decision is not confirmed/rejected, or reviewer/reason is empty.
        """
        if decision not in (LinkStatus.CONFIRMED, LinkStatus.REJECTED):
            raise ValueError("a review decision is 'confirmed' or 'rejected'")
        if not reviewer.strip() or not reason.strip():
            raise ValueError("a review needs the reviewer's name and a reason")
        with self._operation("record_review", writes=True):
            target = self._fetch_review_target(target_key)
            if target is None:
                raise NotFoundError(f"record_review: no family link or match with key {target_key!r}")
            now = datetime.now()  # microseconds kept: decisions within one second stay in order
            review = Review(
                review_id=stable_id(target_key, reviewer, now.isoformat()),
                target_key=target_key,
                decision=decision,
                reviewer=reviewer,
                reason=reason,
                decided_at=now,
                previous_status=target.get("status"),
                previous_evidence=target.get("evidence"),
            )
            evidence = (
                Evidence.REVIEWED
                if decision == LinkStatus.CONFIRMED
                and target.get("evidence") is not None
                and Evidence(target["evidence"]).rank < Evidence.REVIEWED.rank
                else target.get("evidence")
            )
            self._write_rows(Review, [_row(review)])
            self._apply_review(target_key, decision, evidence)
            if target.get("to_id"):  # a family link: its child's orphan reasons may change
                self._refresh_orphans([target["to_id"]])
        return review

    # ----------------------------------------------------------------------- reads
    def get_person(self, person_id: str) -> Person | None:
        with self._operation("get_person"):
            rows = self._fetch_persons([person_id])
        return Person.model_validate(rows[0]) if rows else None

    def search_persons(self, text: str, limit: int = 20) -> list[PersonHit]:
        """Persons by name (accent-free, either surname, misspelt by sound) or any identifier.

        The last word also matches as a prefix, so results come as the user types.
        """
        ids, names = query_keys(text)
        words = [k for k in names if k.startswith("n:")]
        prefix = [words[-1]] if words and len(words[-1]) >= len("n:") + 3 else []
        if not ids and not names:
            return []
        with self._operation("search_persons"):
            rows = self._fetch_search(ids + names, prefix, max(limit * 5, 50))
        hits = [_score_hit(Person.model_validate(r), ids, names, prefix) for r in rows]
        hits.sort(key=lambda h: (-h.score, h.person.person_id))
        return hits[:limit]

    def relatives(
        self,
        person_id: str,
        hops: int = 2,
        kinds: Sequence[FamilyKind | str] | None = None,
        min_evidence: Evidence | str = Evidence.CLAIMED,
        limit: int = 300,
    ) -> Neighbourhood:
        """Relatives within `hops` family links (any direction), rejected links excluded.

        `limit` caps the persons returned (nearest first, then by id); `more` says how many
        were left out, so the explorer can show a "+N more" node.
        """
        hops = _check_hops(hops)
        kind_list = _kinds(kinds)
        rank = Evidence(min_evidence).rank
        with self._operation("relatives"):
            reach, persons, links = self._fetch_neighbourhood(person_id, hops, kind_list, rank, limit)
            if not any(p["person_id"] == person_id for p in persons):
                raise NotFoundError(f"relatives: no person with id {person_id!r}")
        reach.sort(key=nearest)
        kept = reach[:limit]
        # Built from records validated just above: validating the wrapper again re-checks every
        # nested record (≈0.2 ms for a family of four, a tenth of the whole call).
        return Neighbourhood.model_construct(
            center_id=person_id,
            persons=sorted((Person.model_validate(p) for p in persons), key=lambda p: p.person_id),
            links=sorted((FamilyLink.model_validate(x) for x in links), key=lambda x: x.link_id),
            hops={person_id: 0, **{r["person_id"]: r["hops"] for r in kept}},
            more=len(reach) - len(kept),
        )

    def family_path(
        self,
        from_id: str,
        to_id: str,
        max_hops: int = MAX_HOPS,
        kinds: Sequence[FamilyKind | str] | None = None,
    ) -> FamilyPath | None:
        """The shortest chain of family links between two persons, or None if there is none.

        Among equally short paths, the one whose person ids read smallest in order is returned,
        so both engines give the same answer.
        """
        max_hops = _check_hops(max_hops)
        kind_list = _kinds(kinds)
        with self._operation("family_path"):
            if from_id == to_id:
                persons = self._fetch_persons([from_id])
                return FamilyPath(persons=[Person.model_validate(persons[0])], links=[]) if persons else None
            paths = self._fetch_shortest_paths(from_id, to_id, max_hops, kind_list)
            if not paths:
                return None
            best = min(paths, key=lambda p: (len(p), p))
            persons = {p["person_id"]: p for p in self._fetch_persons(best)}
            links = {x["link_id"]: x for x in self._fetch_links_among(best, kind_list, 0)}
        chain = []
        for a, b in zip(best, best[1:], strict=False):
            candidates = [x for x in links.values() if {x["from_id"], x["to_id"]} == {a, b}]
            chain.append(FamilyLink.model_validate(min(candidates, key=lambda x: x["link_id"])))
        return FamilyPath(persons=[Person.model_validate(persons[i]) for i in best], links=chain)

    def custody_chain(self, person_id: str, known_on: date | None = None) -> list[CustodyStep]:
        """Every custody stay of a person in time order: their handoff chain across agencies."""
        return self.custody_chains([person_id], known_on)[person_id]

    def custody_chains(
        self, person_ids: Sequence[str], known_on: date | None = None
    ) -> dict[str, list[CustodyStep]]:
        """`custody_chain` of several persons in one query: a family's timeline needs every
        member's chain, and one round trip per member costs seconds for a 300-person family.
        Every asked id is a key (an empty chain when no stay is on record)."""
        ids = list(dict.fromkeys(person_ids))
        with self._operation("custody_chains"):
            rows = self._fetch_stays(ids, _known(known_on)) if ids else []
        chains: dict[str, list[CustodyStep]] = {pid: [] for pid in ids}
        for r in rows:
            stay, facility = Stay.model_validate(r["stay"]), Facility.model_validate(r["facility"])
            step = CustodyStep(stay=stay, facility=facility)
            chains[r["stay"]["person_id"]].append(step)
        for steps in chains.values():
            steps.sort(key=lambda s: (s.stay.start, s.stay.stay_id))
        return chains

    def family_whereabouts(
        self, person_id: str, on: date, hops: int = 2, known_on: date | None = None
    ) -> list[Whereabouts]:
        """Where the person and each relative within `hops` was at the end of day `on`."""
        hood = self.relatives(person_id, hops=hops)
        at = end_of_day(on)
        with self._operation("family_whereabouts"):
            rows = self._fetch_stays(list(hood.hops), _known(known_on))
        covering: dict[str, Row] = {}
        for r in sorted(rows, key=lambda r: (r["stay"]["start"], r["stay"]["stay_id"])):
            stay = r["stay"]
            if stay["start"] < at and (stay["end"] is None or stay["end"] >= at):
                covering[stay["person_id"]] = r
        result = []
        for person in hood.persons:
            r = covering.get(person.person_id)
            result.append(
                Whereabouts(
                    person=person,
                    stay=Stay.model_validate(r["stay"]) if r else None,
                    facility=Facility.model_validate(r["facility"]) if r else None,
                )
            )
        return sorted(result, key=lambda w: (hood.hops[w.person.person_id], w.person.person_id))

    def separated_not_reunified(
        self, on: date, known_on: date | None = None, limit: int | None = None
    ) -> list[CensusRow]:
        """Children separated on or before `on` and not reunified by its end, as known on `known_on`.

        Each row also says where the child was at the end of `on` (its covering stay, the latest
        starting one if several cover), if known. Rows come by child id, then separation id;
        `limit` keeps only the first rows (a page for the explorer: at a million persons the full
        list is ~100k rows, whose typed records take seconds to build; `census()` counts them).
        """
        limit = _check_limit(limit)
        with self._operation("separated_not_reunified"):
            rows = self._fetch_census_rows(on, end_of_day(on), _known(known_on), limit)
        result = [
            CensusRow(
                person=Person.model_validate(r["person"]),
                separation=Separation.model_validate(r["separation"]),
                stay=Stay.model_validate(r["stay"]) if r["stay"] else None,
                facility=Facility.model_validate(r["facility"]) if r["facility"] else None,
            )
            for r in rows
        ]
        return sorted(result, key=lambda x: (x.person.person_id, x.separation.separation_id))

    def separations(self, person_ids: Sequence[str]) -> list[SeparationEvent]:
        """The separation events any of these persons was separated in (on either side), each
        with everyone it separated; by date, then separation id.

        Each says why (`reason_code`, None when no reason was recorded), when, and whether and
        when the family was reunified, whatever the census day: the custody timeline marks them.
        """
        ids = sorted(set(person_ids))
        if not ids:
            return []
        with self._operation("separations"):
            rows = self._fetch_separations(ids)
            members = sorted({m["person_id"] for r in rows for m in r["separated"]})
            persons = {p["person_id"]: Person.model_validate(p) for p in self._fetch_persons(members)}
        events = []
        for r in rows:
            separated = sorted(r["separated"], key=lambda m: m["person_id"])
            events.append(SeparationEvent(
                separation=Separation.model_validate(r["separation"]),
                children=[persons[m["person_id"]] for m in separated if m["side"] == "child"],
                adults=[persons[m["person_id"]] for m in separated if m["side"] != "child"],
            ))
        return sorted(events, key=lambda e: (e.separation.date, e.separation.separation_id))

    def census(self, on: date, known_on: date | None = None) -> Census:
        """Counts of `separated_not_reunified(on, known_on)`, aggregated in the database.

        The analyst's question ("how many, where") at any scale, without carrying every row
        into Python; use `separated_not_reunified` for the children themselves. Without
        `known_on` it reads the census kept at write time (`graph.census_changes`), a few
        thousand sums instead of every separated child's stays.
        """
        with self._operation("census"):
            if known_on is None and self._census_kept():
                sums = self._fetch_census_sums(on)
                total = next((r["children"] for r in sums if r["total"]), 0)
                rows = [{k: v for k, v in r.items() if k != "total"} for r in sums if not r["total"]]
            else:
                total, rows = self._fetch_census_counts(on, end_of_day(on), _known(known_on))
        by_facility = sorted(
            (CensusCount.model_validate(r) for r in rows),
            key=lambda c: (-c.children, c.facility_id is None, c.facility_id or ""),
        )
        by_agency: dict[str, int] = {}
        for count in by_facility:
            agency = count.agency.value if count.agency else "unknown"
            by_agency[agency] = by_agency.get(agency, 0) + count.children
        return Census(on=on, known_on=known_on, total=total, by_facility=by_facility, by_agency=by_agency)

    def orphaned_children(
        self, reasons: Sequence[OrphanReason | str] | None = None, limit: int | None = None
    ) -> list[OrphanRow]:
        """Children matching any of the orphan definitions asked for (all by default).

        - no_parent_link: no parent or guardian link that is not rejected;
        - only_claimed_links: parent/guardian links exist but every one is merely claimed (or
          inferred, weaker still);
        - parent_removed / parent_released: a linked parent's (or guardian's) custody stay
          ended in removal / release at a moment when a stay of the child held by ORR covered
          (start <= that moment <= end, or still open);
        - parent_location_unknown: a linked parent has no custody stay on record, or their last
          stay (latest start, then highest stay_id) ended in a transfer with no stay after it.

        Rejected links never count. Rows come by child id; `limit` keeps the first ones.

        The definitions are evaluated when data is written, not here: every write touching a
        child's parent links, its stays or its parents' stays recomputes the child's
        `Person.orphan_reasons`, so the scan is an indexed filter (a page of 100 among a million
        persons in milliseconds) rather than a join over every parent's stays.
        """
        wanted = [OrphanReason(r) for r in (reasons or list(OrphanReason))]
        limit = _check_limit(limit)
        if limit == 0:
            return []
        with self._operation("orphaned_children"):
            rows = self._fetch_orphans(wanted, limit)
        children = sorted((Person.model_validate(r) for r in rows), key=lambda p: p.person_id)
        return [
            OrphanRow(child=child, reasons=[r for r in wanted if r in child.orphan_reasons])
            for child in children[:limit]
        ]

    def orphan_counts(self, reasons: Sequence[OrphanReason | str] | None = None) -> OrphanCounts:
        """Children per orphan definition, and the children meeting any of `reasons` (all by
        default), counted in the database: the analyst's headline numbers at any scale, where
        `orphaned_children` would carry every child's record out."""
        wanted = [OrphanReason(r) for r in (reasons or list(OrphanReason))]
        with self._operation("orphan_counts"):
            total, counted = self._fetch_orphan_counts(wanted)
        return OrphanCounts(total=total, by_reason={r: counted.get(r.value, 0) for r in OrphanReason})

    def conflicting_parent_claims(self, limit: int | None = 200) -> list[ConflictRow]:
        """Children whose non-rejected PARENT_OF claims contradict each other.

        A child with more than two claimed parents, or two parents of the same recorded sex (two
        different mothers), cannot have all of them right; the claims are all kept (evidence is
        never overwritten) and listed here for a caseworker to review. Rows come by child id;
        `limit` caps the children.
        """
        limit = _check_limit(limit)
        with self._operation("conflicting_parent_claims"):
            pairs = self._fetch_parent_conflicts(NO_LIMIT if limit is None else limit)
            parents_of: dict[str, list[str]] = {}
            for child_id, parent_id in pairs:
                parents_of.setdefault(child_id, []).append(parent_id)
            ids = sorted({i for pair in pairs for i in pair})
            persons = {p["person_id"]: Person.model_validate(p) for p in self._fetch_persons(ids)}
            links = [FamilyLink.model_validate(x) for x in self._fetch_links_among(ids, ["PARENT_OF"], 0)]
        rows = []
        for child_id in sorted(parents_of):
            parents = sorted((persons[i] for i in set(parents_of[child_id])), key=lambda p: p.person_id)
            sexes = [p.sex for p in parents if p.sex]
            reasons = [ConflictReason.MORE_THAN_TWO_PARENTS] if len(parents) > 2 else []
            reasons += [ConflictReason.TWO_MOTHERS] if sexes.count("F") > 1 else []
            reasons += [ConflictReason.TWO_FATHERS] if sexes.count("M") > 1 else []
            rows.append(ConflictRow(
                child=persons[child_id],
                reasons=reasons,
                parents=parents,
                links=sorted((x for x in links if x.to_id == child_id and x.from_id in parents_of[child_id]),
                             key=lambda x: x.link_id),
            ))
        return rows

    def provenance(self, key: str) -> Provenance:
        """The source records behind a node or relationship, by its key (any kind)."""
        with self._operation("provenance"):
            records = self._fetch_provenance(key)
        return Provenance(
            key=key,
            records=sorted((SourceRecord.model_validate(r) for r in records), key=lambda r: r.record_key),
        )

    def review_history(self, target_key: str) -> list[Review]:
        with self._operation("review_history"):
            rows = self._fetch_reviews(target_key)
        return sorted((Review.model_validate(r) for r in rows), key=lambda r: (r.decided_at, r.review_id))

    def pending_reviews(self, limit: int = 200) -> tuple[list[FamilyLink], list[PossibleMatch]]:
        """Claimed family links not yet reviewed, and potential matches awaiting review."""
        with self._operation("pending_reviews"):
            links, matches = self._fetch_pending(limit)
        return (
            sorted((FamilyLink.model_validate(x) for x in links), key=lambda x: x.link_id),
            sorted((PossibleMatch.model_validate(m) for m in matches), key=lambda m: m.match_id),
        )

    def load_batches(self) -> list[LoadBatch]:
        """The load ledger: every file load, finished or not, oldest first."""
        with self._operation("load_batches"):
            rows = self._fetch_nodes(LoadBatch, {}, None)
        return sorted((LoadBatch.model_validate(r) for r in rows), key=lambda b: (b.started_at, b.batch_id))

    def quarantine(self, system: str | None = None, limit: int = 1000) -> list[QuarantineEntry]:
        """Rows kept out of the graph, with file, row, field and rule; by file and row."""
        where = {"system": system} if system else {}
        with self._operation("quarantine"):
            rows = self._fetch_nodes(QuarantineEntry, where, limit)
        entries = (QuarantineEntry.model_validate(r) for r in rows)
        return sorted(entries, key=lambda q: (q.file, q.row_number, q.field))

    def counts(self) -> Counts:
        """Totals for a dashboard."""
        with self._operation("counts"):
            return Counts.model_validate(self._fetch_counts())

    # ------------------------------------------------------------ identity resolution
    def source_records(self, batch_id: str) -> list[SourceRecord]:
        """Every source record one load batch brought in, by row number.

        Person resolution re-reads the mentions of everything loaded from these raw rows, so it
        needs neither the original files nor any knowledge of which sources exist.
        """
        with self._operation("source_records"):
            rows = self._fetch_nodes(SourceRecord, {"batch_id": batch_id}, None)
        records = (SourceRecord.model_validate(r) for r in rows)
        return sorted(records, key=lambda r: (r.row_number, r.record_key))

    def reviews(self) -> list[Review]:
        """The whole review history (links, matches and merges), oldest first: what a re-run of
        person resolution must honour."""
        with self._operation("reviews"):
            rows = self._fetch_nodes(Review, {}, None)
        return sorted((Review.model_validate(r) for r in rows), key=lambda r: (r.decided_at, r.review_id))

    def append_reviews(self, reviews: Sequence[Review]) -> None:
        """Add decisions to the history without touching any target: a merge made (or undone) by
        person resolution has no relationship of its own to point at. Same `review_id`, same
        entry (a re-run does not duplicate it)."""
        with self._operation("append_reviews", writes=True):
            for start in range(0, len(reviews), self.batch_rows):
                self._write_rows(Review, [_row(r) for r in reviews[start : start + self.batch_rows]])

    def remove_persons(self, person_ids: Sequence[str]) -> None:
        """Delete persons with every relationship they have (custody, family, matches,
        DESCRIBED_BY); source records, reviews and all other nodes stay.

        Person resolution calls it for persons whose mentions changed, then writes them again
        from the source records, so nothing a record says is lost and a merge can be undone.
        """
        ids = sorted(set(person_ids))
        with self._operation("remove_persons", writes=True):
            orphaned: set[str] = set()
            for start in range(0, len(ids), self.batch_rows):
                orphaned |= set(self._delete_persons(ids[start : start + self.batch_rows]))
            # Children who lost a parent or guardian: their orphan reasons change now, whether
            # or not the removed persons are written again.
            self._refresh_in_batches(sorted(orphaned - set(ids)))
            self._refresh_census(ids)

    @abstractmethod
    def _delete_persons(self, person_ids: list[str]) -> list[str]:
        """DETACH DELETE the persons with these ids (ids that do not exist are ignored); returns
        the ids of the persons they were parent or guardian of (any link status)."""

    def family_links(self, kinds: Sequence[FamilyKind | str] | None = None) -> list[FamilyLink]:
        """Every family link of `kinds` (all by default), reviewed and rejected ones included, by
        link id: for exports and for measuring links against a scenario's ground truth."""
        with self._operation("family_links"):
            rows = self._fetch_family_links(_kinds(kinds))
        return sorted((FamilyLink.model_validate(x) for x in rows), key=lambda x: x.link_id)

    @abstractmethod
    def _fetch_family_links(self, kinds: list[str]) -> list[Row]:
        """FamilyLink property maps (with `kind`, `from_id`, `to_id`) of every link of `kinds`."""

    # ------------------------------------------------------------------ shared help
    @contextmanager
    def _operation(self, name: str, *, writes: bool = False) -> Iterator[None]:
        """Time an operation and turn engine failures into GraphStoreError naming it; after a
        write (failed ones too: part of it may have landed) move the data version on."""
        started = time.perf_counter()
        try:
            yield
        except (GraphStoreError, ValueError):
            raise
        except Exception as exc:  # engine and driver errors of every kind
            raise GraphStoreError(f"{self.backend}: {name} failed: {type(exc).__name__}: {exc}") from exc
        finally:
            self.last_timing = (name, time.perf_counter() - started)
            if writes:
                self._writes += 1
                try:
                    self._mark_written()
                except Exception as exc:
                    raise GraphStoreError(f"{self.backend}: {name}: the data version could not be "
                                          f"moved on: {type(exc).__name__}: {exc}") from exc

    def data_version(self) -> str:
        """A token that changes whenever the data this handle reads may have changed: after any
        write through this handle, and (on a server) any other process's write.

        Why: results of reads can then be kept and shared (`graph.cache.CachedStore`) for as
        long as the token stays the same, instead of re-running a 4-hop walk for every viewer.
        """
        with self._operation("data_version"):
            return f"{self._writes}:{self._fetch_data_version()}"

    def _fetch_data_version(self) -> str:
        """The engine's part of `data_version`: what other processes' writes change. Empty for an
        engine whose handles see no other process's writes (LadybugDB: one writer per file, and a
        read-only handle sees the data as of its open)."""
        return ""

    def _mark_written(self) -> None:
        """Record in the database that its data changed, for other processes' `data_version`;
        nothing to do where `_fetch_data_version` is empty."""
        return

    # ---------------------------------------------------------------- engine hooks
    @abstractmethod
    def _create_schema(self) -> None: ...

    @abstractmethod
    def _clear(self) -> None: ...

    @abstractmethod
    def _write_rows(self, kind: type[Node] | type[Rel], rows: list[Row]) -> None:
        """Upsert rows of one kind by its key, with the merge rules of `GraphBatch`.

        For relationships, both endpoints exist (upsert order guarantees it for one batch;
        rows whose endpoint is missing are an error). FamilyLink rows go to the relationship
        type named by their `kind`.
        """

    @abstractmethod
    def _fetch_nodes(self, kind: type[Node], where: dict[str, Any], limit: int | None) -> list[Row]:
        """Property maps of nodes of `kind` whose properties equal `where`, lowest keys first."""

    @abstractmethod
    def _fetch_persons(self, ids: list[str]) -> list[Row]:
        """Person property maps for the ids that exist (any order)."""

    @abstractmethod
    def _fetch_search(self, keys: list[str], prefixes: list[str], limit: int) -> list[Row]:
        """Persons with a search key equal to one of `keys` or starting with one of `prefixes`.

        Ordered by the number of their keys that match (desc), then person_id; at most `limit`.
        """

    @abstractmethod
    def _fetch_neighbourhood(
        self, person_id: str, hops: int, kinds: list[str], min_rank: int, limit: int
    ) -> tuple[list[Row], list[Row], list[Row]]:
        """(reach, persons, links) for `relatives`, in as few round trips as the engine allows
        (each costs more than the query behind it), all empty if the person does not exist.

        `reach`: rows {person_id, hops} of every other person within `hops` links of `kinds`
        whose evidence_rank >= min_rank and status != rejected, with the fewest hops to reach
        them; `persons`: the maps of the centre and of the first `limit` of `reach` by
        `nearest`; `links`: the links among those persons as `_fetch_links_among`.
        """

    @abstractmethod
    def _fetch_links_among(self, ids: list[str], kinds: list[str], min_rank: int) -> list[Row]:
        """FamilyLink property maps (with `kind`, `from_id`, `to_id`) between persons in `ids`,
        of `kinds`, evidence_rank >= min_rank and status != rejected."""

    @abstractmethod
    def _fetch_shortest_paths(
        self, from_id: str, to_id: str, max_hops: int, kinds: list[str]
    ) -> list[list[str]]:
        """Every shortest path (as person ids, ends included) over non-rejected links."""

    @abstractmethod
    def _fetch_stays(self, person_ids: list[str], known_before: datetime | None) -> list[Row]:
        """Rows {stay, facility} for the persons' stays (recorded before `known_before` if set)."""

    @abstractmethod
    def _fetch_census_rows(
        self, on: date, at: datetime, known_before: datetime | None, limit: int | None
    ) -> list[Row]:
        """Rows {person, separation, stay, facility}: children (is_child) SEPARATED by a
        separation with date <= on (and recorded_at < known_before), not reunified by `on` as
        known then: reunified_on is None, or > on, or (known_before set and
        reunified_recorded_at is None or >= known_before). `stay`/`facility`: the child's stay
        covering instant `at` (recorded before `known_before` if set) with the latest
        (start, stay_id), or None. The first `limit` rows by (person_id, separation_id)."""

    @abstractmethod
    def _fetch_census_counts(
        self, on: date, at: datetime, known_before: datetime | None
    ) -> tuple[int, list[Row]]:
        """(distinct children of `_fetch_census_rows`, rows {facility_id, facility_name, agency,
        children}): per facility of a stay covering instant `at` (recorded before
        `known_before` if set), children counted once each; children with no covering stay in
        one row whose facility_id, facility_name and agency are None."""

    @abstractmethod
    def _fetch_census_sums(self, on: date) -> list[Row]:
        """The sums of every change up to `on` in the census kept at write time, as rows
        {total, facility_id, facility_name, agency, children} of those above zero: the row with
        `total` counts children once, the others as `_fetch_census_counts` rows (`on`, no
        "known on")."""

    @abstractmethod
    def _fetch_census_parts(self, person_ids: list[str]) -> dict[str, str]:
        """person_id → stored part of the census (`census_changes.encode`), where one is."""

    @abstractmethod
    def _fetch_census_inputs(self, person_ids: list[str]) -> list[CensusInputs]:
        """What the census part of each of these persons that a separation SEPARATED depends on."""

    @abstractmethod
    def _fetch_separated_persons(self, separation_ids: list[str] | None) -> list[str]:
        """Ids of the persons SEPARATED by these separations (every separation if None)."""

    @abstractmethod
    def _write_census(self, parts: dict[str, str | None], sums: list[Row]) -> None:
        """Store (or, for None, delete) these persons' parts and add `sums` rows
        (`census_changes.sum_rows`) to the kept sums, in one transaction."""

    @abstractmethod
    def _census_kept(self) -> bool:
        """Whether the census kept at write time exists (`_mark_census_kept`): not in a graph
        opened read-only before `init_schema` built it."""

    @abstractmethod
    def _mark_census_kept(self) -> None: ...

    @abstractmethod
    def _unmark_census_kept(self) -> None:
        """Delete the mark: the census is read from the records until it is set again."""

    @abstractmethod
    def _clear_census(self) -> None:
        """Delete every stored part, sum and the mark."""

    @abstractmethod
    def _fetch_separations(self, person_ids: list[str]) -> list[Row]:
        """Rows {separation, separated: [{person_id, side}]}: one per Separation with a
        SEPARATED edge to any of the persons, listing every person it separated."""

    @abstractmethod
    def _fetch_orphans(self, reasons: list[OrphanReason], limit: int | None) -> list[Row]:
        """Person property maps of the persons whose stored `orphan_reasons` hold any of
        `reasons`: the first `limit` by person_id (every one if None)."""

    @abstractmethod
    def _refresh_orphans(self, person_ids: list[str]) -> None:
        """Recompute `orphan_reasons` (the rules of `orphaned_children`) for these persons and
        for every person they are a parent or guardian of (any link status), storing them;
        adults get none.

        Every write path that changes persons, parental links or stays must call it with the
        persons it touched (`upsert` and `record_review` do), or the orphan scan goes stale.
        """

    @abstractmethod
    def _refresh_custody(self, person_ids: list[str]) -> None:
        """Recompute what the engine keeps of these persons' stays for the census as known on a
        day (the census on a day without one reads the census kept at write time), if anything.

        Every write path that changes stays or SEPARATED edges calls it with their persons
        (`upsert`, `upsert_rows`). An engine whose census reads the stays themselves (LadybugDB:
        0.2 s at a million persons) keeps nothing; Neo4j copies each separated child's stays
        onto its SEPARATED edges, so that census reads no stay (see `graph/neo4j/queries.py`).
        """

    @abstractmethod
    def _fetch_orphan_counts(self, reasons: list[OrphanReason]) -> tuple[int, dict[str, int]]:
        """(children whose stored orphan reasons include any of `reasons`, children per stored
        reason value)."""

    @abstractmethod
    def _fetch_parent_conflicts(self, limit: int) -> list[tuple[str, str]]:
        """(child_id, parent_id) of every non-rejected PARENT_OF into the first `limit` children
        (by id) that have more than two such parents or two whose (non-null) sex is the same."""

    @abstractmethod
    def _fetch_provenance(self, key: str) -> list[Row]:
        """SourceRecord property maps named in the `sources` of the node or relationship with
        this key, plus (for a person) those linked by DESCRIBED_BY."""

    @abstractmethod
    def _fetch_review_target(self, key: str) -> Row | None:
        """{status, evidence, to_id} of the family link (evidence and to_id set) or of the
        match (both None)."""

    @abstractmethod
    def _apply_review(self, key: str, status: LinkStatus, evidence: str | None) -> None: ...

    @abstractmethod
    def _fetch_reviews(self, target_key: str) -> list[Row]: ...

    @abstractmethod
    def _fetch_pending(self, limit: int) -> tuple[list[Row], list[Row]]:
        """(claimed or inferred links with status pending, matches with status pending), `limit` each,
        lowest keys first."""

    @abstractmethod
    def _fetch_counts(self) -> Row:
        """The fields of `Counts`; family_links has every FamilyKind, zero where none."""


# ------------------------------------------------------------------------- helpers
def _row(item: Node | Rel) -> Row:
    """A record as engine row: enums as their values, plus `kind` for family links.

    Fields the store maintains (`Node.maintained`) go as their empty default whatever the
    record says, which the merge rules never let overwrite a stored value: input cannot set them.
    """
    row = item.model_dump(mode="python")
    for k, v in row.items():
        if hasattr(v, "value"):
            row[k] = v.value
    # The cached defaults: pydantic's `get_default` inspects the factory's signature on every
    # call (0.2 ms a person, 13% of a bench upsert into Neo4j).
    row.update(_defaults(type(item))[1])
    return row


@cache
def _defaults(kind: type[Node] | type[Rel]) -> tuple[Row, Row]:
    """(every field's default, the maintained fields' defaults) of a kind, for `upsert_rows`."""
    base = {
        name: field.get_default(call_default_factory=True)
        for name, field in kind.model_fields.items()
        if not field.is_required()
    }
    base = {name: getattr(value, "value", value) for name, value in base.items()}
    return base, {name: base[name] for name in getattr(kind, "maintained", ())}


@dataclass
class Touched:
    """The persons (and separations) whose maintained state some `upsert_rows` rows may change:
    gathered over the calls of a bulk load, refreshed once by `GraphStore.refresh_touched`."""

    #: Persons whose own or whose children's orphan reasons may change.
    orphans: set[str] = dataclass_field(default_factory=set)
    #: Persons whose stays or separations may change (custody copies and the census).
    custody: set[str] = dataclass_field(default_factory=set)
    #: Persons written (the census reads whether they are children).
    persons: set[str] = dataclass_field(default_factory=set)
    #: Separations written, whose separated persons' census may change.
    separations: set[str] = dataclass_field(default_factory=set)

    @classmethod
    def by(cls, parts: Mapping[str, list[Row]]) -> Touched:
        def ids(fields: tuple[str, ...], key: str) -> set[str]:
            return {r[key] for f in fields for r in parts.get(f) or ()}

        children = {r["to_id"] for r in parts.get("family_links") or () if r["kind"] in PARENTAL_KINDS}
        return cls(
            orphans=ids(("persons", "stays"), "person_id") | children,
            custody=ids(("stays", "separated"), "person_id"),
            persons=ids(("persons",), "person_id"),
            separations=ids(("separations",), "separation_id"),
        )

    def __ior__(self, other: Touched) -> Touched:
        self.orphans |= other.orphans
        self.custody |= other.custody
        self.persons |= other.persons
        self.separations |= other.separations
        return self


def merge_row(old: Row, new: Row) -> Row:
    """The upsert rules of `GraphBatch` for one key, for engines that merge in Python.

    Non-null, non-empty values replace; lists take the union (old order first); a family link
    keeps its strongest evidence; a reviewed status is never reset to pending.
    """
    merged = dict(old)
    for name, value in new.items():
        if isinstance(value, list):
            before = merged.get(name) or []
            merged[name] = before + [v for v in dict.fromkeys(value) if v not in before]
        elif value is not None and value != "":
            merged[name] = value
    if "evidence_rank" in old and (old["evidence_rank"] or 0) > (new.get("evidence_rank") or 0):
        merged["evidence"], merged["evidence_rank"] = old["evidence"], old["evidence_rank"]
    if old.get("status") in REVIEWED and new.get("status") == LinkStatus.PENDING.value:
        merged["status"] = old["status"]
    return merged


REVIEWED = frozenset({LinkStatus.CONFIRMED.value, LinkStatus.REJECTED.value})


def nearest(reached: Row) -> tuple[int, str]:
    """Order of relatives kept under a limit: fewest hops first, then by id."""
    return reached["hops"], reached["person_id"]


def _check_hops(hops: int) -> int:
    if not isinstance(hops, int) or not 1 <= hops <= MAX_HOPS:
        raise ValueError(f"hops must be a whole number from 1 to {MAX_HOPS}")
    return hops


def _check_limit(limit: int | None) -> int | None:
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise ValueError("limit must be None or a whole number >= 0")
    return limit


def _known(known_on: date | None) -> datetime | None:
    return end_of_day(known_on) if known_on else None


def _score_hit(person: Person, ids: list[str], names: list[str], prefix: list[str]) -> PersonHit:
    keys = set(person.search_keys)
    if matched := [k for k in ids if k in keys]:
        return PersonHit(person=person, matched_on=matched[0], score=1.0)
    tokens = [k for k in names if k.startswith("n:")]
    score, best = 0.0, ""
    for token in tokens:
        sound = "p:" + _phonetic_of(token, names)
        if token in keys:
            score, best = score + 1.0, best or token
        elif sound in keys:
            score, best = score + 0.7, best or sound
        elif token in prefix and any(k.startswith(token) for k in keys):
            score, best = score + 0.5, best or token
    return PersonHit(person=person, matched_on=best, score=round(score / max(len(tokens), 1) * 0.9, 4))


def _phonetic_of(token: str, names: list[str]) -> str:
    """The phonetic key that `query_keys` paired with this name token."""
    i = names.index(token)
    return names[i + 1][2:] if i + 1 < len(names) and names[i + 1].startswith("p:") else ""

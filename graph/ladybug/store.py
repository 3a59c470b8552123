"""`LadybugStore`: the embedded engine, one database file, no server.

One read-write process per file (LadybugDB locks it); read-only processes may open beside the
writer but see the data as of their open. Writes use bulk `COPY` for new keys and one
`LOAD FROM … SET` per table for changed ones, because a `COPY` into a non-empty rel table rewrites
its adjacency lists: few large statements are fast, many small ones are not.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ladybug
import pyarrow as pa

from graph.census_changes import CensusInputs, SeparationDays, StaySpan
from graph.errors import StoreUnavailableError
from graph.ladybug import queries as q
from graph.ladybug.schema import (
    CENSUS_TABLES,
    SEARCH_KEY_REL,
    SEARCH_KEY_TABLE,
    TABLES,
    Table,
    ddl,
    tables_of,
)
from graph.model import (
    NODE_KINDS,
    Agency,
    Evidence,
    FamilyKind,
    FamilyLink,
    LinkStatus,
    Node,
    OrphanReason,
    Person,
    Rel,
    ReleaseReason,
)
from graph.store import GraphStore, Row, merge_row, nearest

#: "No cut-off" for `recorded_at < $known`; LadybugDB cannot compare a TIMESTAMP with a null parameter.
_NO_CUTOFF = datetime(9999, 12, 31)
#: "No limit" for `LIMIT $limit`.
_NO_LIMIT = 2**62
#: Above this many start persons one scan of the rel table beats one indexed lookup per person.
_SCAN_FROM = 200
#: The same for stays, where the `LOAD FROM` join scans every STAYED_AT edge: at 1M persons (3M
#: stays) it took ~2 s whatever the ids (300 of them: 2.8 s, against 0.20 s by lookup; 3,000: 2.0 s
#: against 0.93 s), which made a first visit of a 300-person family graph 4.6 s slower than a warm
#: one (bench/explorer.py). Lookups cost ~0.3 ms each.
_STAYS_SCAN_FROM = 4_000
#: Up to this many ids, one primary-key lookup each (≈0.07 ms) beats joining them from an Arrow
#: table (≈0.6 ms): a family of four in `relatives` saves ≈0.4 ms.
_LOOKUP_UP_TO = 8
#: LadybugDB 0.22 holds what a statement allocated in the buffer pool until its connection closes:
#: ~0.5 MB for a `LOAD FROM` of a two-row Arrow table, a little for other statements. A 64 MiB
#: pool was full after 28 census-row reads, the contract tests' 256 MiB within one test, and an
#: explorer process would fail the same way, later. A fresh connection costs ~0.05 ms and frees
#: it all: one is opened after this many statements, an Arrow scan (`LOAD FROM`, `COPY`)
#: counting as `_STATEMENTS_PER_CONNECTION` (tests/engines/test_ladybug_engine.py).
_STATEMENTS_PER_CONNECTION = 100
_LOCK_PID = re.compile(r"Lock is held by PID (\d+)")
_NODE_KEYS = {k.label: k.key for k in NODE_KINDS}


class LadybugStore(GraphStore):
    """The graph in one LadybugDB file.

    Args:
        path: database file; its parent directory is created.
        read_only: open beside a writer for viewing; sees data as of the open.
        buffer_pool_size: bytes of the engine's page cache; None keeps LadybugDB's default
            (80% of the machine's memory), which a process also holding millions of Python
            objects cannot afford.

    Raises:
        StoreUnavailableError: another process holds the file, or a read-only open finds no file.
    """

    backend = "embedded"
    #: Whole batches per statement: each `COPY` into a non-empty rel table costs about as much as
    #: copying its existing rows again, so 20k-row chunks make large loads quadratic.
    batch_rows = 2_000_000

    def __init__(self, path: Path, read_only: bool = False, buffer_pool_size: int | None = None) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise StoreUnavailableError(
                f"{self.path}: no database file to open read-only; load data first (lineage load)"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = ladybug.Database(
                self.path, read_only=read_only, buffer_pool_size=buffer_pool_size or 0
            )
        except RuntimeError as exc:
            raise StoreUnavailableError(_open_failure(self.path, str(exc))) from exc
        self._conn = ladybug.Connection(self._db)
        #: Statements run on `_conn` (an Arrow scan counting as many), and whether it is inside
        #: an explicit transaction, which must end on the connection it began on.
        self._statements = 0
        self._in_transaction = False
        self._conn_lock = threading.Lock()
        #: A file written before the census was kept, opened read-only, lacks its tables until a
        #: read-write open creates them (`init_schema`, below); a read-only handle sees the file
        #: as of its open.
        self._census_tables = not read_only or "CensusKept" in {n for (n,) in self._run(q.TABLE_NAMES)}
        if not read_only:
            self.init_schema()

    def close(self) -> None:
        self._conn.close()
        self._db.close()

    # ------------------------------------------------------------------------------ plumbing
    def _run(self, query: str, **params: Any) -> list[list[Any]]:
        # One statement at a time on the connection: the explorer shares one read-only store
        # between its sessions' threads, and a renewal must not close a connection another
        # thread is reading from.
        with self._conn_lock:
            result = self._conn.execute(query, params)
            assert not isinstance(result, list), "one statement per call"
            rows = result.get_all()
            scans = any(isinstance(value, pa.Table) for value in params.values())
            self._statements += _STATEMENTS_PER_CONNECTION if scans else 1
            if self._statements >= _STATEMENTS_PER_CONNECTION and not self._in_transaction:
                self._conn.close()
                self._conn = ladybug.Connection(self._db)
                self._statements = 0
        return rows

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._in_transaction = True  # from before BEGIN to after COMMIT: no renewal between
        try:
            self._run("BEGIN TRANSACTION")
            try:
                yield
            except BaseException:
                self._run("ROLLBACK")
                raise
            self._run("COMMIT")
        finally:
            self._in_transaction = False

    def _create_schema(self) -> None:
        for statement in ddl():
            self._run(statement)

    def _clear(self) -> None:
        """Drop and re-create every table: far faster than deleting millions of rows."""
        names = [*(t.name for t in TABLES.values() if t.is_rel), SEARCH_KEY_REL]
        names += [*(t.name for t in TABLES.values() if not t.is_rel), SEARCH_KEY_TABLE, *CENSUS_TABLES]
        for name in names:
            self._run(q.DROP_TABLE.format(table=name))
        self._create_schema()

    # -------------------------------------------------------------------------------- writes
    def _write_rows(self, kind: type[Node] | type[Rel], rows: list[Row]) -> None:
        if issubclass(kind, Node):
            self._write_nodes(TABLES[kind.label], _dedupe(rows, kind.key))
            return
        by_table: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_table[row["kind"] if kind is FamilyLink else kind.rel_type].append(row)
        for name, table_rows in by_table.items():
            self._write_rels(TABLES[name], _dedupe(table_rows, kind.key))

    def _write_nodes(self, table: Table, rows: dict[str, Row]) -> None:
        key = table.key
        found = self._run(q.NODE_EXISTING.format(table=table.name, key=key), rows=_keys(rows))
        existing = {n[key]: _plain(n) for (n,) in found}
        new = [r for k, r in rows.items() if k not in existing]
        changed = []
        for k, old in existing.items():
            merged = merge_row(old, rows[k])
            if merged != old:
                changed.append(merged)
        if new:
            self._run(q.COPY.format(table=table.name), rows=_arrow(table, new))
        if changed:
            update = q.NODE_UPDATE.format(table=table.name, key=key, assignments=_sets("n", table))
            self._run(update, rows=_arrow(table, changed, key_column=key))
        if table.name == Person.label:
            old_keys = {k: set(r["search_keys"] or []) for k, r in existing.items()}
            self._index_search_keys(
                (p["person_id"], k) for p in [*new, *changed]
                for k in p["search_keys"] or [] if k not in old_keys.get(p["person_id"], ())
            )

    def _index_search_keys(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Add KEY_OF edges for (person_id, key) pairs not indexed yet, creating missing keys."""
        pairs = list(pairs)
        if not pairs:
            return
        keys = sorted({k for _, k in pairs})
        known = {k for (k,) in self._run(q.SEARCH_KEYS_EXISTING, rows=_key_table(keys))}
        if fresh := [k for k in keys if k not in known]:
            self._run(q.COPY.format(table=SEARCH_KEY_TABLE), rows=pa.table({"key": fresh}))
        edges = pa.table({"from": [k for _, k in pairs], "to": [p for p, _ in pairs]})
        self._run(q.COPY.format(table=SEARCH_KEY_REL), rows=edges)

    def _write_rels(self, table: Table, rows: dict[str, Row]) -> None:
        kind = table.kind
        assert issubclass(kind, Rel)
        names = _rel_names(table)
        lookup = pa.table({"f": [r[kind.from_field] for r in rows.values()], "k": list(rows)})
        found = self._run(q.REL_EXISTING.format(**names), rows=lookup)
        found_keys = {f[0] for f in found}
        new = [r for k, r in rows.items() if k not in found_keys]
        changed, moved = [], []
        for k, to_key, rel in found:
            old = {**_plain(rel), kind.from_field: rows[k][kind.from_field], kind.to_field: to_key}
            if kind is FamilyLink:
                old["kind"] = table.name
            merged = merge_row(old, rows[k])
            if merged[kind.to_field] != to_key:
                moved.append(old)
                new.append(merged)
            elif merged != old:
                changed.append(merged)
        if moved:
            self._run(q.REL_DELETE.format(**names), rows=_rel_arrow(table, moved, lookup_only=True))
        if changed:
            update = q.REL_UPDATE.format(**names, assignments=_sets("e", table))
            self._run(update, rows=_rel_arrow(table, changed, lookup_only=False))
        if new:
            self._run(q.COPY.format(table=table.name), rows=_arrow(table, new, ends=kind))

    # --------------------------------------------------------------------------------- reads
    def _fetch_nodes(self, kind: type[Node], where: dict[str, Any], limit: int | None) -> list[Row]:
        table = TABLES[kind.label]
        unknown = set(where) - set(table.column_names)
        if unknown:
            raise ValueError(f"{kind.label} has no properties {sorted(unknown)}")
        params = {f"w{i}": value for i, value in enumerate(where.values())}
        conditions = [
            q.NODES_CONDITION.format(column=column, parameter=f"w{i}") for i, column in enumerate(where)
        ]
        query = q.NODES.format(table=table.name, key=table.key, conditions=" AND ".join(conditions) or "true")
        if limit is not None:
            query, params["limit"] = query + q.LIMITED, limit
        return [_plain(n) for (n,) in self._run(query, **params)]

    def _fetch_persons(self, ids: list[str]) -> list[Row]:
        if len(ids) <= _LOOKUP_UP_TO:
            return [_plain(p) for pid in dict.fromkeys(ids) for (p,) in self._run(q.PERSON_BY_ID, id=pid)]
        return [_plain(p) for (p,) in self._run(q.PERSONS_BY_ID, rows=_key_table(ids))]

    def _fetch_search(self, keys: list[str], prefixes: list[str], limit: int) -> list[Row]:
        wanted = set(keys)
        for prefix in prefixes:
            wanted |= {k for (k,) in self._run(q.SEARCH_PREFIX, prefix=prefix)}
        if not wanted:
            return []
        found = self._run(q.SEARCH, keys=sorted(wanted), limit=limit)
        return [_plain(p) for (p,) in found]

    def _fetch_neighbourhood(
        self, person_id: str, hops: int, kinds: list[str], min_rank: int, limit: int
    ) -> tuple[list[Row], list[Row], list[Row]]:
        """Two statements whatever the family's size: the centre by key, then the walk with
        every reached person and that person's links (`q.NEIGHBOURHOOD`). The walk returns the
        reached nodes themselves: a key lookup per kept relative after it was most of the
        difference from the bare walk (bench/graph_queries.py)."""
        centre = self._fetch_persons([person_id])
        if not centre:
            return [], [], []
        query = q.NEIGHBOURHOOD.format(hops=int(hops), family="|".join(str(FamilyKind(k)) for k in kinds))
        reached: dict[str, int] = {}
        nodes: dict[str, dict[str, Any]] = {}
        ends: list[tuple[str, dict[str, Any], str, str, dict[str, Any]]] = []
        for node, n, other, label, rel in self._run(query, id=person_id, rank=min_rank):
            pid = node["person_id"]
            if pid == person_id:
                continue
            reached[pid] = min(n, reached.get(pid, n))
            nodes[pid] = node
            if rel is not None and rel["status"] != LinkStatus.REJECTED and rel["evidence_rank"] >= min_rank:
                ends.append((pid, node["_ID"], other, label, rel))
        reach = sorted(({"person_id": pid, "hops": n} for pid, n in reached.items()), key=nearest)
        kept = [r["person_id"] for r in reach[:limit]]
        members = {person_id, *kept}
        links: dict[tuple[str, str], Row] = {}
        for pid, internal, other, label, rel in ends:
            if other in members and pid in members:
                a, b = (pid, other) if rel["_SRC"] == internal else (other, pid)
                links[label, rel["link_id"]] = _link(a, b, label, rel)
        return reach, centre + [_plain(nodes[pid]) for pid in kept], list(links.values())

    def _fetch_links_among(self, ids: list[str], kinds: list[str], min_rank: int) -> list[Row]:
        params = {"ids": list(ids), "kinds": kinds, "rank": min_rank}
        if len(ids) > _SCAN_FROM:
            found = self._run(q.LINKS_AMONG, rows=_key_table(ids), **params)
        else:
            found = [row for pid in ids for row in self._run(q.LINKS_FROM, id=pid, **params)]
        return [_link(a, b, label, e) for a, b, label, e in found]

    def _fetch_shortest_paths(
        self, from_id: str, to_id: str, max_hops: int, kinds: list[str]
    ) -> list[list[str]]:
        query = q.SHORTEST_PATHS.format(hops=int(max_hops))
        return [list(ids) for (ids,) in self._run(query, **{"from": from_id, "to": to_id, "kinds": kinds})]

    def _fetch_stays(self, person_ids: list[str], known_before: datetime | None) -> list[Row]:
        known = known_before or _NO_CUTOFF
        if len(person_ids) > _STAYS_SCAN_FROM:
            found = self._run(q.STAYS, rows=_key_table(person_ids), known=known)
        else:
            found = [row for pid in person_ids for row in self._run(q.STAYS_OF, id=pid, known=known)]
        split = len(q.STAY_COLUMNS)
        rows = []
        for person_id, *values in found:
            facility = dict(zip(q.FACILITY_COLUMNS, values[split:], strict=True))
            stay = dict(zip(q.STAY_COLUMNS, values[:split], strict=True))
            stay.update(person_id=person_id, facility_id=facility["facility_id"])
            rows.append({"stay": stay, "facility": facility})
        return rows

    def _fetch_census_rows(
        self, on: date, at: datetime, known_before: datetime | None, limit: int | None
    ) -> list[Row]:
        """The rows' ids in one sorted statement, then their persons, separations and stays by
        key; the covering stay of each child is picked here (`q.CENSUS_ROW_IDS`)."""
        params = {"day": on, "known": known_before or _NO_CUTOFF, "has_known": known_before is not None}
        found = self._run(q.CENSUS_ROW_IDS, limit=_NO_LIMIT if limit is None else limit, **params)
        if not found:
            return []
        children = list(dict.fromkeys(child for child, _ in found))
        persons = {p["person_id"]: p for p in self._fetch_persons(children)}
        wanted = _key_table(sorted({sid for _, sid in found}))
        separations = {s["separation_id"]: _plain(s) for (s,) in self._run(q.SEPARATIONS_BY_ID, rows=wanted)}
        covering: dict[str, Row] = {}
        for row in self._fetch_stays(children, known_before):
            stay = row["stay"]
            if stay["start"] >= at or (stay["end"] is not None and stay["end"] < at):
                continue
            seen = covering.get(stay["person_id"])
            if seen is None or _latest_first(stay) > _latest_first(seen["stay"]):
                covering[stay["person_id"]] = row
        nowhere = {"stay": None, "facility": None}
        return [
            {"person": persons[child], "separation": separations[sid], **covering.get(child, nowhere)}
            for child, sid in found
        ]

    def _fetch_census_counts(
        self, on: date, at: datetime, known_before: datetime | None
    ) -> tuple[int, list[Row]]:
        params = {"day": on, "known": known_before or _NO_CUTOFF, "has_known": known_before is not None}
        ((total,),) = self._run(q.CENSUS_TOTAL, **params)
        rows = self._run(q.CENSUS_BY_FACILITY, at=at, **params)
        return total, [
            {"facility_id": f, "facility_name": name, "agency": agency, "children": n}
            for f, name, agency, n in rows
        ]

    def _refresh_custody(self, person_ids: list[str]) -> None:
        """Nothing to keep: the census as known on a day joins the separated children's stays
        directly, one scan of a column store (0.2 s at a million persons)."""

    def _fetch_census_sums(self, on: date) -> list[Row]:
        return [
            {"total": total, "facility_id": facility_id, "facility_name": name, "agency": agency,
             "children": int(children)}
            for total, facility_id, name, agency, children in self._run(q.CENSUS_SUMS, day=on)
        ]

    def _census_kept(self) -> bool:
        return self._census_tables and bool(self._run(q.CENSUS_KEPT)[0][0])

    def _mark_census_kept(self) -> None:
        self._run(q.MARK_CENSUS_KEPT)

    def _unmark_census_kept(self) -> None:
        self._run(q.DELETE_ALL.format(table="CensusKept"))

    def _clear_census(self) -> None:
        for table in CENSUS_TABLES:
            self._run(q.DELETE_ALL.format(table=table))

    def _fetch_census_parts(self, person_ids: list[str]) -> dict[str, str]:
        return dict(self._run(q.CENSUS_PARTS, rows=_key_table(person_ids)))

    def _fetch_census_inputs(self, person_ids: list[str]) -> list[CensusInputs]:
        """Separations and stays in one statement (`q.CENSUS_INPUTS`); its rows repeat each
        separation once per stay and each stay once per separation, which the census's rules
        do not count (they ask whether any separation holds and which places hold the child)."""
        found: dict[str, tuple[bool, set[SeparationDays], set[StaySpan]]] = {}
        for pid, is_child, day, reunified, *stay in self._each(q.CENSUS_INPUTS, person_ids):
            _, separations, stays = found.setdefault(pid, (bool(is_child), set(), set()))
            separations.add((day, reunified))
            if stay[0] is not None:
                stays.add(tuple(stay))
        return [
            CensusInputs(pid, child, list(seps), list(stays)) for pid, (child, seps, stays) in found.items()
        ]

    def _fetch_separated_persons(self, separation_ids: list[str] | None) -> list[str]:
        if separation_ids is None:
            return sorted(pid for (pid,) in self._run(q.ALL_SEPARATED_PERSONS))
        return sorted(pid for (pid,) in self._run(q.SEPARATED_PERSONS, rows=_key_table(separation_ids)))

    def _write_census(self, parts: dict[str, str | None], sums: list[Row]) -> None:
        """Three statements, one transaction: the parts and the sums change together."""
        kept = {pid: text for pid, text in parts.items() if text is not None}
        gone = [pid for pid, text in parts.items() if text is None]
        with self._transaction():
            if kept:
                self._run(q.SET_CENSUS_PARTS, rows=pa.table({"k": list(kept), "v": list(kept.values())}))
            if gone:
                self._run(q.DELETE_CENSUS_PARTS, rows=_key_table(gone))
            if sums:
                self._run(q.ADD_CENSUS_SUMS, rows=pa.Table.from_pylist(sums, schema=_CENSUS_SUM_ROWS))

    def _fetch_separations(self, person_ids: list[str]) -> list[Row]:
        found: dict[str, Row] = {}
        for sep, pid, side in self._each(q.SEPARATIONS_OF, person_ids):
            row = found.setdefault(sep["separation_id"], {"separation": _plain(sep), "separated": {}})
            row["separated"][pid] = {"person_id": pid, "side": side}
        return [{**r, "separated": list(r["separated"].values())} for r in found.values()]

    def _fetch_orphans(self, reasons: list[OrphanReason], limit: int | None) -> list[Row]:
        wanted = [r.value for r in reasons]
        if limit is None:
            return [_plain(c) for (c,) in self._run(q.ORPHANS, reasons=wanted)]
        return self._fetch_persons([i for (i,) in self._run(q.ORPHAN_IDS, reasons=wanted, limit=limit)])

    def _refresh_orphans(self, person_ids: list[str]) -> None:
        """Read the rules' inputs for the affected persons, apply them in Python, store changes.

        Four reads (children of the touched persons; flags; parent links of the children;
        stays of the children and their parents) and one `LOAD FROM … SET`, however large the
        batch.
        """
        ids = list(dict.fromkeys(person_ids))
        affected = sorted(set(ids) | {c for (c,) in self._each(q.ORPHAN_CHILDREN_OF, ids)})
        stored = {
            pid: (is_child, reasons or []) for pid, is_child, reasons in self._each(q.ORPHAN_FLAGS, affected)
        }
        children = sorted(pid for pid, (is_child, _) in stored.items() if is_child)
        links: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for child, parent, rank in self._each(q.ORPHAN_PARENT_LINKS, children):
            links[child].append((parent, rank))
        parents = {parent for pairs in links.values() for parent, _ in pairs}
        orr: dict[str, list[tuple[datetime, datetime | None]]] = defaultdict(list)
        stays: dict[str, list[_ParentStay]] = defaultdict(list)
        persons = sorted(parents | set(children))
        for pid, start, stay_id, end, why, agency in self._each(q.ORPHAN_STAYS, persons):
            if pid in parents:
                stays[pid].append((start, stay_id, end, why))
            if agency == Agency.ORR.value:
                orr[pid].append((start, end))
        changed = {}
        for pid, (is_child, before) in stored.items():
            after = _orphan_reasons(links[pid], orr[pid], stays) if is_child else []
            if after != before:
                changed[pid] = after
        if changed:
            values = pa.array(list(changed.values()), pa.list_(pa.string()))
            self._run(q.SET_ORPHAN_REASONS, rows=pa.table({"k": list(changed), "v": values}))

    def _each(self, template: str, ids: list[str]) -> list[list[Any]]:
        """Run a `{start}` statement over persons `ids`: one bound lookup each for a few, one
        `LOAD FROM` join for many (see `_SCAN_FROM`)."""
        if len(ids) > _SCAN_FROM:
            return self._run(template.format(start=q.START_FROM_ROWS), rows=_key_table(ids))
        query = template.format(start=q.START_FROM_ID)
        return [row for pid in ids for row in self._run(query, id=pid)]

    def _fetch_orphan_counts(self, reasons: list[OrphanReason]) -> tuple[int, dict[str, int]]:
        total = int(self._run(q.ORPHANS_COUNT, reasons=[r.value for r in reasons])[0][0])
        return total, {r: int(n) for r, n in self._run(q.ORPHANS_PER_REASON)}

    def _fetch_parent_conflicts(self, limit: int) -> list[tuple[str, str]]:
        return [(child, parent) for child, parent in self._run(q.PARENT_CONFLICTS, limit=limit)]

    def _fetch_provenance(self, key: str) -> list[Row]:
        record_keys: set[str] = set()
        for table in TABLES.values():
            if "sources" not in table.column_names:
                continue
            template = q.REL_SOURCES if table.is_rel else q.NODE_SOURCES
            for (sources,) in self._run(template.format(table=table.name, key=table.key), key=key):
                record_keys |= set(sources or [])
        record_keys |= {r for (r,) in self._run(q.PERSON_DESCRIBED_BY, key=key)}
        if not record_keys:
            return []
        return [_plain(r) for (r,) in self._run(q.RECORDS_BY_KEY, rows=_key_table(sorted(record_keys)))]

    def _fetch_review_target(self, key: str) -> Row | None:
        if links := self._run(q.LINK_TARGET, key=key):
            status, evidence, to_id = links[0]
            return {"status": status, "evidence": evidence, "to_id": to_id}
        if matches := self._run(q.MATCH_TARGET, key=key):
            return {"status": matches[0][0], "evidence": None, "to_id": None}
        return None

    def _apply_review(self, key: str, status: LinkStatus, evidence: str | None) -> None:
        if evidence is None:
            self._run(q.MATCH_REVIEW, key=key, status=LinkStatus(status).value)
        else:
            rank = Evidence(evidence).rank
            self._run(
                q.LINK_REVIEW, key=key, status=LinkStatus(status).value,
                evidence=Evidence(evidence).value, rank=rank,
            )

    def _fetch_reviews(self, target_key: str) -> list[Row]:
        return [_plain(r) for (r,) in self._run(q.REVIEWS_OF, key=target_key)]

    def _fetch_pending(self, limit: int) -> tuple[list[Row], list[Row]]:
        links = [_link(a, b, label, e) for a, b, label, e in self._run(q.PENDING_LINKS, limit=limit)]
        matches = [
            {**_plain(e), "person_a": a, "person_b": b}
            for a, b, e in self._run(q.PENDING_MATCHES, limit=limit)
        ]
        return links, matches

    def _fetch_counts(self) -> Row:
        def one(query: str, **params: Any) -> int:
            return int(self._run(query, **params)[0][0])

        def nodes(label: str) -> int:
            return one(q.COUNT_NODES.format(table=label))

        return {
            "persons": nodes("Person"),
            "children": one(q.COUNT_CHILDREN),
            "facilities": nodes("Facility"),
            "family_units": nodes("FamilyUnit"),
            "separations": nodes("Separation"),
            "separations_without_reason": one(q.COUNT_SEPARATIONS_WITHOUT_REASON),
            "stays": one(q.COUNT_RELS.format(table="STAYED_AT")),
            "source_records": nodes("SourceRecord"),
            "family_links": {
                t.name: one(q.COUNT_RELS.format(table=t.name)) for t in tables_of(FamilyLink)
            },
            "pending_matches": one(q.COUNT_PENDING_MATCHES),
        }

    def _delete_persons(self, person_ids: list[str]) -> list[str]:
        children = [c for (c,) in self._each(q.ORPHAN_CHILDREN_OF, person_ids)]
        self._run(q.DELETE_PERSONS, ids=person_ids)
        return children

    def _fetch_family_links(self, kinds: list[str]) -> list[Row]:
        return [_link(a, b, label, e) for a, b, label, e in self._run(q.FAMILY_LINKS, kinds=kinds)]


# ---------------------------------------------------------------------------------- helpers
_CENSUS_SUM_ROWS = pa.schema([
    ("key", pa.string()), ("day", pa.date32()), ("total", pa.bool_()), ("facility_id", pa.string()),
    ("agency", pa.string()), ("delta", pa.int64()),
])
#: A parent's custody stay as the orphan rules read it: (start, stay_id, end, release_reason).
_ParentStay = tuple[datetime, str, datetime | None, str | None]


def _orphan_reasons(
    links: list[tuple[str, int]],
    orr_stays: list[tuple[datetime, datetime | None]],
    stays_of: dict[str, list[_ParentStay]],
) -> list[str]:
    """The orphan definitions (`GraphStore.orphaned_children`) that hold for one child.

    `links`: (parent, evidence_rank) of its non-rejected parental links; `orr_stays`: (start,
    end) of its stays held by ORR; `stays_of`: every stay of each parent.
    """
    found: set[OrphanReason] = set()
    if not links:
        found.add(OrphanReason.NO_PARENT_LINK)
    elif max(rank for _, rank in links) <= Evidence.CLAIMED.rank:
        found.add(OrphanReason.ONLY_CLAIMED_LINKS)
    for parent in {p for p, _ in links}:
        stays = stays_of.get(parent, [])
        for _, _, end, why in stays:
            reason = _CUSTODY_ENDED.get(why)
            if reason and end is not None and any(
                s <= end and (e is None or e >= end) for s, e in orr_stays
            ):
                found.add(reason)
        last = max(stays, key=lambda st: (st[0], st[1]), default=None)
        if last is None or last[3] == ReleaseReason.TRANSFERRED.value:
            found.add(OrphanReason.PARENT_LOCATION_UNKNOWN)
    return [r.value for r in OrphanReason if r in found]


_CUSTODY_ENDED = {
    ReleaseReason.REMOVED.value: OrphanReason.PARENT_REMOVED,
    ReleaseReason.RELEASED.value: OrphanReason.PARENT_RELEASED,
}


def _latest_first(stay: Row) -> tuple[datetime, str]:
    """Of several stays covering an instant, the census keeps the one greatest by this."""
    return stay["start"], stay["stay_id"]


def _open_failure(path: Path, message: str) -> str:
    """One line saying what went wrong opening the file and what to do about it."""
    if "Could not set lock" in message:
        pid = _LOCK_PID.search(message)
        holder = f"another process (PID {pid.group(1)})" if pid else "another process"
        return (
            f"{path} is locked: {holder} has it open for writing. Stop that `lineage` process "
            "(load or explorer) and retry, or open the store read-only to view it."
        )
    return f"{path} cannot be opened: {message.splitlines()[0]}"


def _plain(value: dict[str, Any]) -> Row:
    """A node or rel map without LadybugDB's internal `_ID`/`_LABEL`/`_SRC`/`_DST` entries."""
    return {k: v for k, v in value.items() if not k.startswith("_")}


def _link(from_key: str, to_key: str, label: str, rel: dict[str, Any]) -> Row:
    return {**_plain(rel), "kind": label, "from_id": from_key, "to_id": to_key}


def _dedupe(rows: list[Row], key: str) -> dict[str, Row]:
    """Rows by key; repeats of a key within one batch merge in order, as separate upserts would."""
    by_key: dict[str, Row] = {}
    for row in rows:
        k = row[key]
        by_key[k] = merge_row(by_key[k], row) if k in by_key else row
    return by_key


def _keys(rows: dict[str, Row]) -> pa.Table:
    return _key_table(list(rows))


def _key_table(keys: list[str]) -> pa.Table:
    return pa.table({"k": pa.array(keys, pa.string())})


def _arrow(
    table: Table, rows: list[Row], key_column: str | None = None, ends: type[Rel] | None = None
) -> pa.Table:
    """Rows as an Arrow table typed by the schema.

    `ends` prefixes the rel's endpoint keys (for `COPY`); `key_column` names the lookup key `k`
    and every property `v_<name>` (for `LOAD FROM … SET`).
    """
    data = pa.Table.from_pylist(rows, schema=table.arrow_schema(with_ends=False))  # ~3x a column loop
    if ends is not None:
        data = data.add_column(0, "to", pa.array([r[ends.to_field] for r in rows], pa.string()))
        data = data.add_column(0, "from", pa.array([r[ends.from_field] for r in rows], pa.string()))
    if key_column is None:
        return data
    renamed = data.rename_columns([f"v_{n}" for n in data.column_names])
    return renamed.append_column("k", data.column(key_column))


def _rel_arrow(table: Table, rows: list[Row], lookup_only: bool) -> pa.Table:
    """Rows for the REL_MATCH statements: `f` (from key), `k` (rel key) and `v_<name>` values."""
    kind = table.kind
    assert issubclass(kind, Rel)
    lookup = pa.table({
        "f": pa.array([r[kind.from_field] for r in rows], pa.string()),
        "k": pa.array([r[kind.key] for r in rows], pa.string()),
    })
    if lookup_only:
        return lookup
    values = _arrow(table, rows, key_column=kind.key).drop_columns(["k"])
    for name in lookup.column_names:
        values = values.append_column(name, lookup.column(name))
    return values


def _sets(var: str, table: Table) -> str:
    return ", ".join(
        f"{var}.`{c}` = v_{c}" for c in table.column_names if table.is_rel or c != table.key
    )


def _rel_names(table: Table) -> dict[str, str]:
    kind = table.kind
    assert issubclass(kind, Rel) and table.from_label and table.to_label
    return {
        "table": table.name,
        "key": table.key,
        "from_label": table.from_label,
        "to_label": table.to_label,
        "from_key": _NODE_KEYS[table.from_label],
        "to_key": _NODE_KEYS[table.to_label],
    }


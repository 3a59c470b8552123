"""`Neo4jStore`: the `GraphStore` hooks over the official Neo4j driver.

Writes run as `UNWIND $rows` batches in managed write transactions (`execute_write`, retried by
the driver on transient errors), each row sent as one delimited text the statement decodes
(`graph.neo4j.rows`: the pure-Python Bolt packer was the bottleneck); reads run in managed read
transactions, so a cluster routes them to a reader. Sessions share the driver's bookmark
manager, so a read after a write sees it even in a cluster. Everything returned is plain
Python: neo4j.time values become naive `datetime`/`date` (the model's convention), and property
maps are shaped to the model's fields.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from neo4j import Driver, GraphDatabase, ManagedTransaction, Session
from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable
from pydantic.fields import FieldInfo

from graph.census_changes import CensusInputs, decode, total_steps
from graph.errors import GraphStoreError, StoreUnavailableError
from graph.model import (
    Evidence,
    Facility,
    FamilyLink,
    LinkStatus,
    Node,
    OrphanReason,
    Person,
    PossibleMatch,
    Rel,
    Review,
    Separation,
    SourceRecord,
    Stay,
)
from graph.neo4j import queries as q
from graph.neo4j.rows import FIELD_SEP, LIST_SEP, encode
from graph.neo4j.schema import schema_statements
from graph.store import MAX_HOPS, GraphStore, Row

_NO_LIMIT = 2**63 - 1
_EPOCH = datetime(1970, 1, 1)
#: The separators of text rows (`graph.neo4j.rows`), passed as parameters.
_SEPARATORS = {"field_sep": FIELD_SEP, "list_sep": LIST_SEP}


class Neo4jStore(GraphStore):
    """The lineage graph in a Neo4j 5 server (local, cluster or AuraDB).

    Args:
        driver: an open `neo4j.Driver`; the store closes it only if it built it (`connect`).
        database: database name (Community has one user database, `neo4j`).
        read_only: refuse writes, for explorer sessions that must not change data.
    """

    backend = "neo4j"

    def __init__(self, driver: Driver, database: str = "neo4j", read_only: bool = False) -> None:
        self._driver = driver
        self._database = database
        self._read_only = read_only
        self._owns_driver = False
        #: The server URI when built by `connect` (for messages and status pages), else None.
        self.uri: str | None = None

    @classmethod
    def connect(
        cls, uri: str, user: str, password: str, database: str = "neo4j", read_only: bool = False
    ) -> Neo4jStore:
        """Build a driver, check the server answers and accepts the credentials.

        Raises:
            StoreUnavailableError: server unreachable, credentials refused, or no such database;
                one line naming the setting to fix.
        """
        driver = GraphDatabase.driver(
            uri, auth=(user, password), connection_timeout=10, notifications_min_severity="OFF"
        )
        try:
            driver.verify_connectivity()
            driver.execute_query("RETURN 1", database_=database)
        except AuthError as exc:
            driver.close()
            raise StoreUnavailableError(
                f"Neo4j at {uri} refused user {user!r}: check NEO4J_USER and NEO4J_PASSWORD"
            ) from exc
        except ClientError as exc:
            driver.close()
            if "DatabaseNotFound" in (exc.code or ""):
                raise StoreUnavailableError(
                    f"Neo4j at {uri} has no database {database!r}: check NEO4J_DATABASE"
                ) from exc
            raise StoreUnavailableError(f"Neo4j at {uri} refused the connection: {exc.message}") from exc
        except (ServiceUnavailable, OSError, ValueError) as exc:
            driver.close()
            raise StoreUnavailableError(
                f"cannot reach Neo4j at NEO4J_URI={uri}: start the local server with "
                "`lineage neo4j start` or point NEO4J_URI at a running one"
            ) from exc
        store = cls(driver, database=database, read_only=read_only)
        store._owns_driver = True
        store.uri = uri
        return store

    def close(self) -> None:
        if self._owns_driver:
            self._driver.close()

    # ----------------------------------------------------------------- plumbing
    def _read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(query, params)]

        with self._session() as session:
            return session.execute_read(work)

    def _refuse_if_read_only(self, what: str) -> None:
        if self._read_only:
            raise GraphStoreError(f"neo4j: this store was opened read-only; {what} needs read_only=False")

    def _write(self, work: Callable[[ManagedTransaction], None]) -> None:
        self._refuse_if_read_only("writing")
        with self._session() as session:
            session.execute_write(work)

    def _session(self) -> Session:
        # Notifications off: "property key does not exist" warnings for optional fields
        # (never stored while null) would flood the log.
        return self._driver.session(
            database=self._database,
            bookmark_manager=self._driver.execute_query_bookmark_manager,
            notifications_min_severity="OFF",
        )

    # ----------------------------------------------------------- data version
    def _fetch_data_version(self) -> str:
        row = self._read(q.DATA_VERSION)[0]
        return f"{row['id']}:{row['token']}"

    def _mark_written(self) -> None:
        if not self._read_only:  # a refused write changed nothing
            self._driver.execute_query(q.BUMP_DATA_VERSION, database_=self._database)

    # ---------------------------------------------------------------- schema
    def _create_schema(self) -> None:
        self._refuse_if_read_only("init_schema")
        for statement in schema_statements():
            self._driver.execute_query(statement, database_=self._database)
        self._driver.execute_query("CALL db.awaitIndexes(300)", database_=self._database)
        self._write(lambda tx: tx.run(q.BACKFILL_CUSTODY).consume())

    def _clear(self) -> None:
        self._refuse_if_read_only("clear")
        with self._session() as session:
            for statement in q.CLEAR:
                session.run(statement).consume()  # CALL … IN TRANSACTIONS: an implicit transaction

    # ---------------------------------------------------------------- writes
    def _write_rows(self, kind: type[Node] | type[Rel], rows: list[Row]) -> None:
        fields = q.field_types(kind)
        if issubclass(kind, Node):
            as_text, payload = encode(fields, rows)
            statement = q.NODE_UPSERT[kind.label, as_text]
            self._write(lambda tx: tx.run(statement, _SEPARATORS, rows=payload).consume())
            return
        by_type: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_type[row["kind"] if kind is FamilyLink else kind.rel_type].append(row)
        encoded = {rtype: encode(fields, typed) for rtype, typed in by_type.items()}

        def work(tx: ManagedTransaction) -> None:
            for rtype, (as_text, payload) in encoded.items():
                statement = q.REL_UPSERT[rtype, as_text]
                written = tx.run(statement, _SEPARATORS, rows=payload).single(strict=True)["written"]
                if written != len(payload):
                    # Raising inside the transaction function rolls the whole batch back.
                    raise GraphStoreError(
                        f"neo4j: {len(payload) - written} of {len(payload)} {rtype} rows name a "
                        f"{kind.from_label} or {kind.to_label} that is not in the graph"
                    )

        self._write(work)

    def _apply_review(self, key: str, status: LinkStatus, evidence: str | None) -> None:
        rank = Evidence(evidence).rank if evidence is not None else None
        params = {"key": key, "status": str(status), "evidence": evidence, "evidence_rank": rank}

        def work(tx: ManagedTransaction) -> None:
            tx.run(q.APPLY_LINK_REVIEW, params).consume()
            tx.run(q.APPLY_MATCH_REVIEW, params).consume()

        self._write(work)

    # ----------------------------------------------------------------- reads
    def _fetch_nodes(self, kind: type[Node], where: dict[str, Any], limit: int | None) -> list[Row]:
        if unknown := set(where) - set(kind.model_fields):
            raise ValueError(f"{kind.__name__} has no field(s) {sorted(unknown)}")
        rows = self._read(q.NODES_WHERE[kind.label], where=where, limit=_NO_LIMIT if limit is None else limit)
        return [_shape(kind, r["node"]) for r in rows]

    def _fetch_persons(self, ids: list[str]) -> list[Row]:
        return [_shape(Person, r["person"]) for r in self._read(q.PERSONS_BY_ID, ids=ids)]

    def _fetch_search(self, keys: list[str], prefixes: list[str], limit: int) -> list[Row]:
        rows = self._read(q.SEARCH, keys=keys, prefixes=prefixes, limit=limit)
        return [_shape(Person, r["person"]) for r in rows]

    def _fetch_neighbourhood(
        self, person_id: str, hops: int, kinds: list[str], min_rank: int, limit: int
    ) -> tuple[list[Row], list[Row], list[Row]]:
        rows = self._read(
            q.NEIGHBOURHOOD.format(hops=_hops(hops)), id=person_id, kinds=kinds, min_rank=min_rank,
            limit=limit,
        )
        if not rows:
            return [], [], []
        (found,) = rows
        return (
            found["reach"],
            [_shape(Person, p) for p in found["persons"]],
            [_shape(FamilyLink, x) for x in found["links"]],
        )

    def _fetch_links_among(self, ids: list[str], kinds: list[str], min_rank: int) -> list[Row]:
        rows = self._read(q.LINKS_AMONG, ids=ids, kinds=kinds, min_rank=min_rank)
        return [_shape(FamilyLink, r["link"]) for r in rows]

    def _fetch_shortest_paths(
        self, from_id: str, to_id: str, max_hops: int, kinds: list[str]
    ) -> list[list[str]]:
        rows = self._read(
            q.SHORTEST_PATHS.format(hops=_hops(max_hops)), from_id=from_id, to_id=to_id, kinds=kinds
        )
        return [list(r["ids"]) for r in rows]

    def _fetch_stays(self, person_ids: list[str], known_before: datetime | None) -> list[Row]:
        rows = self._read(q.STAYS, ids=person_ids, known_before=known_before)
        return [{"stay": _shape(Stay, r["stay"]), "facility": _shape(Facility, r["facility"])} for r in rows]

    def _fetch_census_rows(
        self, on: date, at: datetime, known_before: datetime | None, limit: int | None
    ) -> list[Row]:
        limit = _NO_LIMIT if limit is None else limit
        if known_before is None and self._census_kept():
            rows = self._read(q.CENSUS_ROWS_KEPT, on=on, day=on.toordinal(), at=at, known_before=None,
                              limit=limit)
        else:
            rows = self._read(q.CENSUS_ROWS, on=on, at=at, known_before=known_before, limit=limit)
        return [
            {
                "person": _shape(Person, r["person"]),
                "separation": _shape(Separation, r["separation"]),
                "stay": _shape(Stay, r["covering"][0][0]) if r["covering"] else None,
                "facility": _shape(Facility, r["covering"][0][1]) if r["covering"] else None,
            }
            for r in rows
        ]

    def _fetch_census_counts(
        self, on: date, at: datetime, known_before: datetime | None
    ) -> tuple[int, list[Row]]:
        rows = self._read(q.CENSUS_COUNTS, on=on, known_before=known_before, at_us=_epoch_micros(at),
                          known_before_us=None if known_before is None else _epoch_micros(known_before))
        total = rows[0].pop("total") if rows else 0  # no child: no row at all
        return total, [{k: v for k, v in r.items() if k != "total"} for r in rows]

    def _fetch_separations(self, person_ids: list[str]) -> list[Row]:
        rows = self._read(q.SEPARATIONS_OF, ids=person_ids)
        return [
            {"separation": _shape(Separation, r["separation"]), "separated": r["separated"]} for r in rows
        ]

    def _fetch_orphans(self, reasons: list[OrphanReason], limit: int | None) -> list[Row]:
        if limit is None:
            rows = self._read(q.orphans_any(frozenset(reasons)))
            return [_shape(Person, r["person"]) for r in rows]
        # One ordered, limited index scan per definition; the page is the first `limit` of their union.
        ids = sorted({r["id"] for reason in reasons for r in self._read(q.ORPHAN_PAGE[reason], limit=limit)})
        return self._fetch_persons(ids[:limit])

    def _refresh_orphans(self, person_ids: list[str]) -> None:
        self._write(lambda tx: tx.run(q.REFRESH_ORPHANS, ids=person_ids).consume())

    def _refresh_custody(self, person_ids: list[str]) -> None:
        self._write(lambda tx: tx.run(q.REFRESH_CUSTODY, ids=person_ids).consume())

    def _fetch_census_sums(self, on: date) -> list[Row]:
        return self._read(q.CENSUS_SUMS, on=on)

    def _census_kept(self) -> bool:
        return bool(self._read(q.CENSUS_KEPT)[0]["kept"])

    def _mark_census_kept(self) -> None:
        self._write(lambda tx: tx.run(q.MARK_CENSUS_KEPT).consume())

    def _unmark_census_kept(self) -> None:
        self._write(lambda tx: tx.run(q.UNMARK_CENSUS_KEPT).consume())

    def _clear_census(self) -> None:
        self._refuse_if_read_only("clearing the census")
        with self._session() as session:
            for statement in q.CLEAR_CENSUS.values():
                session.run(statement).consume()  # CALL … IN TRANSACTIONS: an implicit transaction

    def _fetch_census_parts(self, person_ids: list[str]) -> dict[str, str]:
        return {r["id"]: r["changes"] for r in self._read(q.CENSUS_PARTS, ids=person_ids)}

    def _fetch_census_inputs(self, person_ids: list[str]) -> list[CensusInputs]:
        return [
            CensusInputs(r["id"], bool(r["is_child"]), [tuple(_native(s)) for s in r["separations"]],
                         [tuple(_native(st)) for st in r["stays"]])
            for r in self._read(q.CENSUS_INPUTS, ids=person_ids)
        ]

    def _fetch_separated_persons(self, separation_ids: list[str] | None) -> list[str]:
        if separation_ids is None:
            return sorted(r["id"] for r in self._read(q.ALL_SEPARATED_PERSONS))
        return sorted(r["id"] for r in self._read(q.SEPARATED_PERSONS, ids=separation_ids))

    def _write_census(self, parts: dict[str, str | None], sums: list[Row]) -> None:
        kept = [
            {"id": pid, "changes": text, **_steps(text)} for pid, text in parts.items() if text is not None
        ]
        gone = [pid for pid, text in parts.items() if text is None]

        def work(tx: ManagedTransaction) -> None:
            tx.run(q.SET_CENSUS_PARTS, rows=kept).consume()
            tx.run(q.DELETE_CENSUS_PARTS, ids=gone).consume()
            tx.run(q.ADD_CENSUS_SUMS, rows=sums).consume()

        self._write(work)

    def _fetch_orphan_counts(self, reasons: list[OrphanReason]) -> tuple[int, dict[str, int]]:
        [row] = self._read(q.orphans_count(frozenset(reasons)))
        return row["total"], {r.value: row[r.value] for r in OrphanReason}

    def _fetch_parent_conflicts(self, limit: int) -> list[tuple[str, str]]:
        rows = self._read(q.PARENT_CONFLICTS, limit=limit)
        return [(r["child_id"], parent) for r in rows for parent in r["parents"]]

    def _fetch_provenance(self, key: str) -> list[Row]:
        return [_shape(SourceRecord, r["record"]) for r in self._read(q.PROVENANCE, key=key)]

    def _fetch_review_target(self, key: str) -> Row | None:
        rows = self._read(q.REVIEW_TARGET, key=key)
        return dict(rows[0]) if rows else None

    def _fetch_reviews(self, target_key: str) -> list[Row]:
        return [_shape(Review, r["review"]) for r in self._read(q.REVIEWS_OF, key=target_key)]

    def _fetch_pending(self, limit: int) -> tuple[list[Row], list[Row]]:
        links = [_shape(FamilyLink, r["link"]) for r in self._read(q.PENDING_LINKS, limit=limit)]
        matches = [
            _shape(PossibleMatch, r["match"]) for r in self._read(q.PENDING_MATCHES, limit=limit)
        ]
        return links, matches

    def _fetch_counts(self) -> Row:
        return dict(self._read(q.COUNTS)[0])

    def _delete_persons(self, person_ids: list[str]) -> list[str]:
        children: list[str] = []

        def work(tx: ManagedTransaction) -> None:
            for record in tx.run(q.DELETE_PERSONS, ids=person_ids):
                children.extend(record["children"])

        self._write(work)
        return children

    def _fetch_family_links(self, kinds: list[str]) -> list[Row]:
        return [_shape(FamilyLink, r["link"]) for r in self._read(q.FAMILY_LINKS, kinds=kinds)]


def _hops(hops: int) -> int:
    """The only value formatted into Cypher: checked to be a small int right before use."""
    if not isinstance(hops, int) or isinstance(hops, bool) or not 1 <= hops <= MAX_HOPS:
        raise ValueError(f"hops must be a whole number from 1 to {MAX_HOPS}")
    return hops


def _shape(kind: type[Node] | type[Rel], props: dict[str, Any]) -> Row:
    """A stored property map as a model row: every field present, values plain Python.

    Nulls and empty strings are never stored, so a missing property takes the field's default
    (None, "" or []); engine-internal properties do not leak out.
    """
    return {
        name: _native(props[name]) if name in props else _default(field)
        for name, field in kind.model_fields.items()
    }


def _default(field: FieldInfo) -> Any:
    return None if field.is_required() else field.get_default(call_default_factory=True)


def _native(value: Any) -> Any:
    """neo4j.time values → datetime/date; zoned datetimes → naive UTC, as the model uses."""
    if isinstance(value, list):
        return [_native(v) for v in value]
    if hasattr(value, "to_native"):
        value = value.to_native()
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _steps(changes: str) -> dict[str, list[int]]:
    """A part's steps in and out of the total as day ordinals (`q.CENSUS_ROWS_KEPT`)."""
    entered, left = total_steps(decode(changes))
    return {"entered": [d.toordinal() for d in entered], "left": [d.toordinal() for d in left]}


def _epoch_micros(moment: datetime) -> int:
    """A naive timestamp as whole microseconds since the epoch: the census's copies of custody
    (`queries._micros`)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)

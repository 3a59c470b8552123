"""Every Cypher statement of the Neo4j engine, as named constants.

Values always travel as `$parameters`. Labels, relationship types and property names come from
`graph.model` constants (never user text); the only thing formatted in at run time is a hop count
(`{hops}`), which the store validates as an int in 1..MAX_HOPS first, because Cypher does not take
quantifier bounds as parameters.

Compare with `graph/ladybug/queries.py` when the engines disagree.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin

from graph.model import (
    FAMILY_TYPES,
    NODE_KINDS,
    REL_KINDS,
    Agency,
    Evidence,
    LinkStatus,
    Node,
    OrphanReason,
    Person,
    PossibleMatch,
    Rel,
    ReleaseReason,
)
from graph.neo4j.schema import (
    CENSUS_KEYS,
    FAMILY_PATTERN,
    HAS_KEY,
    ORPHAN_LABELS,
    PARENT_PATTERN,
    SEARCH_KEY,
    SEARCH_LABEL,
    VERSION_LABEL,
    rel_types,
)


@cache
def list_fields(kind: type[Node] | type[Rel]) -> tuple[str, ...]:
    """Fields merged by union (`sources`, `identifiers`, `name_variants`, `search_keys`)."""
    return tuple(n for n, f in kind.model_fields.items() if get_origin(f.annotation) is list)


def _field_type(annotation: Any) -> str:
    """How a model field travels in an upsert row (see `graph.neo4j.rows`)."""
    if get_origin(annotation) in (Union, UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return _field_type(inner[0])
    elif get_origin(annotation) is list:
        return "list"
    elif isinstance(annotation, type):
        if issubclass(annotation, Enum) or annotation is str:
            return "str"
        # bool before int and datetime before date: each is a subclass of the other.
        for python_type, name in ((bool, "bool"), (int, "int"), (float, "float"),
                                  (datetime, "datetime"), (date, "date")):
            if issubclass(annotation, python_type):
                return name
    raise TypeError(f"no upsert encoding for annotation {annotation!r}")


@cache
def field_types(kind: type[Node] | type[Rel]) -> tuple[tuple[str, str], ...]:
    """(field, type) of every model field, in the order upsert rows carry them."""
    return tuple((name, _field_type(f.annotation)) for name, f in kind.model_fields.items())


#: Text field → typed value; an empty field is a null (or an empty list).
_DECODE = {
    "str": "CASE {v} WHEN '' THEN null ELSE {v} END",
    "int": "toInteger({v})",
    "float": "toFloat({v})",
    "bool": "CASE {v} WHEN 'true' THEN true WHEN 'false' THEN false END",
    "date": "CASE {v} WHEN '' THEN null ELSE date({v}) END",
    "datetime": "CASE {v} WHEN '' THEN null ELSE localdatetime({v}) END",
    "list": "CASE {v} WHEN '' THEN [] ELSE split({v}, $list_sep) END",
}


def _rows_header(kind: type[Node] | type[Rel], as_text: bool) -> str:
    """`row` as a list of typed field values, from text rows or from value lists."""
    if not as_text:
        return "UNWIND $rows AS row"
    decoded = ",\n  ".join(
        _DECODE[t].format(v=f"v[{i}]") for i, (_, t) in enumerate(field_types(kind))
    )
    return f"UNWIND $rows AS line\nWITH split(line, $field_sep) AS v\nWITH [\n  {decoded}\n] AS row"


def _at(kind: type[Node] | type[Rel], name: str) -> str:
    return f"row[{[n for n, _ in field_types(kind)].index(name)}]"


def _sets(var: str, kind: type[Node] | type[Rel], skip: tuple[str, ...]) -> str:
    """One `SET` applying the merge rules of `GraphBatch` to every field not in `skip`.

    A null never erases (`coalesce`); list fields (de-duplicated by the client) append the items
    not stored yet, old order first.
    """
    items = []
    for name, t in field_types(kind):
        if name in skip:
            continue
        new = _at(kind, name)
        if t == "list":
            old = f"coalesce({var}.{name}, [])"
            items.append(f"{var}.{name} = {old} + [x IN {new} WHERE NOT x IN {old}]")
        else:
            items.append(f"{var}.{name} = coalesce({new}, {var}.{name})")
    return "\nSET " + ",\n    ".join(items)


def _node_upsert(kind: type[Node], as_text: bool) -> str:
    query = (
        f"{_rows_header(kind, as_text)}\nMERGE (n:{kind.label} {{{kind.key}: {_at(kind, kind.key)}}})"
    )
    if kind is not Person:
        return query + _sets("n", kind, (kind.key, *kind.maintained))
    # Search keys not on the person before this row get their SearchKey node and HAS_KEY edge.
    # CREATE, not MERGE, for the edge: a person has an edge for exactly the keys in its
    # `search_keys` (this statement is the only writer of either), so a key not there before has
    # no edge yet. MERGE checked that anyway, ~20% of a new person's write.
    keys = _at(kind, "search_keys")
    return (
        query
        + "\nWITH n, row, coalesce(n.search_keys, []) AS before"
        + _sets("n", kind, (kind.key, *kind.maintained))
        + f"\nWITH n, [key IN {keys} WHERE NOT key IN before] AS fresh"
        + f"\nCALL (n, fresh) {{\n  UNWIND fresh AS key\n"
        f"  MERGE (k:{SEARCH_LABEL} {{{SEARCH_KEY}: key}})\n  CREATE (n)-[:{HAS_KEY}]->(k)\n}}"
    )


_NODE_BY_LABEL = {kind.label: kind for kind in NODE_KINDS}


def guarded_fields(kind: type[Node] | type[Rel]) -> tuple[str, ...]:
    """Fields a reload must not simply overwrite: see `_guards`."""
    return tuple(f for f in ("evidence", "evidence_rank", "status") if f in kind.model_fields)


def _guards(kind: type[Rel]) -> str:
    """Keep the strongest evidence ever stated, and never reset a review to pending."""
    sets = ""
    if "evidence_rank" in kind.model_fields:
        evidence, rank = _at(kind, "evidence"), _at(kind, "evidence_rank")
        sets += (
            f"\nWITH r, row, (r.evidence_rank IS NULL OR {rank} > r.evidence_rank) AS stronger"
            f"\nSET r.evidence = CASE WHEN stronger THEN {evidence} ELSE r.evidence END,"
            f"\n    r.evidence_rank = CASE WHEN stronger THEN {rank} ELSE r.evidence_rank END"
        )
    if "status" in kind.model_fields:
        status = _at(kind, "status")
        reviewed = ", ".join(f"'{s}'" for s in (LinkStatus.CONFIRMED, LinkStatus.REJECTED))
        sets += (
            f"\nSET r.status = CASE WHEN {status} = '{LinkStatus.PENDING}' "
            f"AND r.status IN [{reviewed}] THEN r.status ELSE {status} END"
        )
    return sets


def _rel_upsert(kind: type[Rel], rtype: str, as_text: bool) -> str:
    a, b = _NODE_BY_LABEL[kind.from_label], _NODE_BY_LABEL[kind.to_label]
    return (
        f"{_rows_header(kind, as_text)}\n"
        f"MATCH (a:{a.label} {{{a.key}: {_at(kind, kind.from_field)}}})\n"
        f"MATCH (b:{b.label} {{{b.key}: {_at(kind, kind.to_field)}}})\n"
        f"MERGE (a)-[r:{rtype} {{{kind.key}: {_at(kind, kind.key)}}}]->(b)"
        + _sets("r", kind, (kind.key, *guarded_fields(kind)))
        + _guards(kind)
        + "\nRETURN count(*) AS written"
    )


#: (label, rows as text?) → upsert statement; rows carry `field_types(kind)` in order.
NODE_UPSERT: dict[tuple[str, bool], str] = {
    (kind.label, as_text): _node_upsert(kind, as_text) for kind in NODE_KINDS for as_text in (True, False)
}
#: (relationship type, rows as text?) → upsert statement returning `written`.
REL_UPSERT: dict[tuple[str, bool], str] = {
    (rtype, as_text): _rel_upsert(kind, rtype, as_text)
    for kind in REL_KINDS
    for rtype in rel_types(kind)
    for as_text in (True, False)
}

#: Relationships first, then nodes, 10,000 to a transaction: a DETACH DELETE of 10,000 nodes
#: also deletes all their relationships in that one transaction, and a shared search key has one
#: per person holding it (at 100k persons the server's 1 GiB test heap ran out of transaction
#: memory on them).
CLEAR = (
    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)

# `$where` maps property names (model fields, checked by the store) to wanted values.
NODES_WHERE: dict[str, str] = {
    kind.label: f"""
MATCH (n:{kind.label})
WHERE all(name IN keys($where) WHERE n[name] = $where[name])
RETURN properties(n) AS node
ORDER BY n.{kind.key}
LIMIT $limit
"""
    for kind in NODE_KINDS
}

PERSONS_BY_ID = """
UNWIND $ids AS id
MATCH (p:Person {person_id: id})
RETURN properties(p) AS person
"""

# Exact keys and prefixes are both index seeks on SearchKey.key; a person scores one per
# distinct matching key.
SEARCH = f"""
CALL () {{
  UNWIND $keys AS wanted
  MATCH (k:{SEARCH_LABEL} {{{SEARCH_KEY}: wanted}})
  RETURN k
  UNION
  UNWIND $prefixes AS prefix
  MATCH (k:{SEARCH_LABEL}) WHERE k.{SEARCH_KEY} STARTS WITH prefix
  RETURN k
}}
MATCH (p:Person)-[:{HAS_KEY}]->(k)
WITH p, count(DISTINCT k) AS matched
ORDER BY matched DESC, p.person_id
LIMIT $limit
RETURN properties(p) AS person
"""



def _family_step(min_rank: bool) -> str:
    """A quantified step over non-rejected family links of `$kinds`, 1..{hops} times.

    Braces are doubled because the statements are `str.format`ted with the hop count.
    """
    rank = "r.evidence_rank >= $min_rank AND " if min_rank else ""
    return (
        f"(()-[r:{FAMILY_PATTERN} WHERE type(r) IN $kinds AND {rank}"
        f"r.status <> 'rejected']-()){{{{1,{{hops}}}}}}"
    )


#: `relatives` in one round trip (three cost ~3 ms more than the query): every reachable
#: person's id and hops, the centre and the first `$limit` of them as maps, the links among those.
NEIGHBOURHOOD = f"""
MATCH (a:Person {{{{person_id: $id}}}})
CALL (a) {{{{
  MATCH p = ANY SHORTEST (a){_family_step(min_rank=True)}(b:Person)
  WHERE b <> a
  WITH b, min(length(p)) AS hops
  ORDER BY hops, b.person_id
  RETURN collect({{{{person_id: b.person_id, hops: hops}}}}) AS reach, collect(b)[..$limit] AS kept
}}}}
WITH reach, [a] + kept AS members
RETURN reach, [x IN members | properties(x)] AS persons, COLLECT {{{{
  UNWIND members AS x
  MATCH (x)-[r:{FAMILY_PATTERN}]->(y:Person)
  WHERE y IN members AND type(r) IN $kinds AND r.evidence_rank >= $min_rank
    AND r.status <> 'rejected'
  RETURN properties(r)
}}}} AS links
"""

LINKS_AMONG = f"""
UNWIND $ids AS id
MATCH (:Person {{person_id: id}})-[r:{FAMILY_PATTERN}]->(b:Person)
WHERE b.person_id IN $ids AND type(r) IN $kinds AND r.evidence_rank >= $min_rank
  AND r.status <> 'rejected'
RETURN properties(r) AS link
"""

SHORTEST_PATHS = f"""
MATCH (a:Person {{{{person_id: $from_id}}}}), (b:Person {{{{person_id: $to_id}}}})
MATCH p = ALL SHORTEST (a){_family_step(min_rank=False)}(b)
RETURN DISTINCT [n IN nodes(p) | n.person_id] AS ids
"""

STAYS = """
UNWIND $ids AS id
MATCH (:Person {person_id: id})-[s:STAYED_AT]->(f:Facility)
WHERE $known_before IS NULL OR s.recorded_at IS NULL OR s.recorded_at < $known_before
RETURN properties(s) AS stay, properties(f) AS facility
"""

_CENSUS_MATCH = """
MATCH (s:Separation)
WHERE s.date <= $on
  AND ($known_before IS NULL OR s.recorded_at < $known_before)
  AND (s.reunified_on IS NULL OR s.reunified_on > $on
       OR ($known_before IS NOT NULL
           AND (s.reunified_recorded_at IS NULL OR s.reunified_recorded_at >= $known_before)))
MATCH (s)-[x:SEPARATED]->(p:Person)
WHERE p.is_child
"""
#: The page of census rows after either match: the covering stay is picked per child in the
#: database, so no stay but that one is carried out.
_CENSUS_PAGE = """
WITH p, s
ORDER BY p.person_id, s.separation_id
LIMIT $limit
RETURN properties(p) AS person, properties(s) AS separation, COLLECT {
  MATCH (p)-[st:STAYED_AT]->(f:Facility)
  WHERE st.start < $at AND (st.end IS NULL OR st.end >= $at)
    AND ($known_before IS NULL OR st.recorded_at IS NULL OR st.recorded_at < $known_before)
  RETURN [properties(st), properties(f)]
  ORDER BY st.start DESC, st.stay_id DESC
  LIMIT 1
} AS covering
"""
#: From the (range-indexed) separation date, so it never scans stays or all persons: the rows as
#: known on a past day, or before the census is kept.
CENSUS_ROWS = _CENSUS_MATCH + _CENSUS_PAGE
#: `CENSUS_ROWS` when the census is kept and asked as known now: the parts in person-id order
#: (an index scan that provides the order), each tested by its stored steps in and out of the
#: total (`graph.census_changes.total_steps`, as day ordinals), stop at the page, then those
#: children's separations. The scan from the separations read every one dated on or before the
#: day and sorted their children: ~0.45 s at a million persons.
CENSUS_ROWS_KEPT = """
MATCH (c:CensusPart)
WHERE c.person_id IS NOT NULL
  AND size([d IN c.entered WHERE d <= $day]) > size([d IN c.left WHERE d <= $day])
WITH c
ORDER BY c.person_id
LIMIT $limit
MATCH (p:Person {person_id: c.person_id})<-[:SEPARATED]-(s:Separation)
WHERE p.is_child AND s.date <= $on AND (s.reunified_on IS NULL OR s.reunified_on > $on)
""" + _CENSUS_PAGE
#: Total and per-facility counts as known on a day (`CENSUS_SUMS` answers without one), in one
#: pass, reading no stay: each child's stays are copied onto
#: its SEPARATED edges (`REFRESH_CUSTODY`), so the covering stays are a filter over five lists
#: of one edge per child instead of an expand over every stay of every child (which, even bare,
#: took 0.9 s at a million persons). A child is counted once per facility and agency of a stay
#: covering `$at_us` (recorded before `$known_before_us` if set; both in microseconds since the
#: epoch, as the copies are), or once with nulls if none covers. Facility names are read once per
#: group, after the aggregation.
CENSUS_COUNTS = _CENSUS_MATCH + """
WITH p, head(collect(x)) AS x
WITH p, [i IN range(0, size(coalesce(x.custody_start_us, [])) - 1)
         WHERE x.custody_start_us[i] < $at_us AND x.custody_end_us[i] >= $at_us
           AND ($known_before_us IS NULL OR x.custody_known_us[i] < $known_before_us)
         | [x.custody_facility[i], x.custody_agency[i]]] AS held
WITH collect({child: p, held: CASE size(held) WHEN 0 THEN [[null, null]] ELSE held END}) AS children
UNWIND children AS child
UNWIND child.held AS place
WITH size(children) AS total, place[0] AS facility_id, place[1] AS agency,
     count(DISTINCT child.child) AS held
OPTIONAL MATCH (f:Facility {facility_id: facility_id})
RETURN total, facility_id, f.name AS facility_name, agency, held AS children
"""


def _micros(value: str) -> str:
    """A local date-time as whole microseconds since the epoch, the form the census compares:
    integer lists are read from the store faster than lists of date-times (at 100k persons the
    census counts took 213 ms over date-time copies, 142 ms over integer ones). Null stays null."""
    local = f"localdatetime({value})"
    micros = f"datetime({{datetime: {local}, timezone: 'UTC'}}).epochSeconds * 1000000 + {local}.microsecond"
    return f"CASE WHEN {value} IS NULL THEN null ELSE {micros} END"


#: What the census needs of a person's stays, as five aligned lists on each of its SEPARATED
#: edges, in (start, stay_id) order: start, end (an open stay ends at the largest integer) and
#: recorded_at (unknown: the smallest, i.e. always known), all three in microseconds
#: (`_micros`), then facility id and agency. Copies of the first form (date-time lists, named
#: without `_us`) are replaced here and by `lineage init` (`BACKFILL_CUSTODY`).
_COPY_STAYS = f"""
WITH p, collect(x) AS separated
CALL (p) {{
  MATCH (p)-[st:STAYED_AT]->(f:Facility)
  WITH st, f ORDER BY st.start, st.stay_id
  RETURN collect({_micros("st.start")}) AS starts,
         collect(coalesce({_micros("st.end")}, {2**63 - 1})) AS ends,
         collect(coalesce({_micros("st.recorded_at")}, {-(2**63)})) AS known,
         collect(f.facility_id) AS facilities,
         collect(st.agency) AS agencies
}}
FOREACH (x IN separated |
  SET x.custody_start_us = starts, x.custody_end_us = ends, x.custody_known_us = known,
      x.custody_facility = facilities, x.custody_agency = agencies
  REMOVE x.custody_start, x.custody_end, x.custody_known)
"""
#: Re-copies the stays of persons `$ids` onto their SEPARATED edges: after any write of their
#: stays or of a SEPARATED edge to them (`GraphStore._refresh_custody`).
REFRESH_CUSTODY = """
UNWIND $ids AS id
MATCH (p:Person {person_id: id})<-[x:SEPARATED]-(:Separation)
""" + _COPY_STAYS
#: `lineage init` on a graph written before the copies existed, or with copies of the first
#: form: every edge still without a current one.
BACKFILL_CUSTODY = """
MATCH (:Separation)-[x:SEPARATED]->(p:Person)
WHERE x.custody_start_us IS NULL
""" + _COPY_STAYS

#: The census kept at write time (`graph.census_changes`): sums of the changes up to a day per
#: place (the total is the row with `total`), read from a few thousand range-indexed rows instead
#: of every separated child's stays; and the parts and inputs of persons.
CENSUS_SUMS = """
MATCH (c:CensusSum) WHERE c.day <= $on
WITH c.total AS total, c.facility_id AS facility_id, c.agency AS agency, sum(c.children) AS children
WHERE children > 0
OPTIONAL MATCH (f:Facility {facility_id: facility_id})
RETURN total, facility_id, f.name AS facility_name, agency, children
"""
#: The marker's name says which form of the parts is kept: 'census-2' parts carry the total's
#: steps (`entered`, `left`); a graph kept in an earlier form is rebuilt by `init_schema` and
#: read from the records until then.
CENSUS_KEPT = "MATCH (k:CensusKept {name: 'census-2'}) RETURN count(k) AS kept"
MARK_CENSUS_KEPT = "MERGE (:CensusKept {name: 'census-2'})"
UNMARK_CENSUS_KEPT = "MATCH (k:CensusKept) DELETE k"
CLEAR_CENSUS = {
    label: f"MATCH (n:{label}) CALL (n) {{ DELETE n }} IN TRANSACTIONS OF 10000 ROWS" for label in CENSUS_KEYS
}
CENSUS_PARTS = """
UNWIND $ids AS id
MATCH (c:CensusPart {person_id: id})
RETURN c.person_id AS id, c.changes AS changes
"""
CENSUS_INPUTS = """
UNWIND $ids AS id
MATCH (p:Person {person_id: id})<-[:SEPARATED]-(s:Separation)
WITH p, collect([s.date, s.reunified_on]) AS separations
RETURN p.person_id AS id, p.is_child AS is_child, separations, COLLECT {
  MATCH (p)-[st:STAYED_AT]->(f:Facility) RETURN [st.start, st.end, f.facility_id, st.agency]
} AS stays
"""
SEPARATED_PERSONS = """
UNWIND $ids AS id
MATCH (:Separation {separation_id: id})-[:SEPARATED]->(p:Person)
RETURN DISTINCT p.person_id AS id
"""
ALL_SEPARATED_PERSONS = "MATCH (:Separation)-[:SEPARATED]->(p:Person) RETURN DISTINCT p.person_id AS id"
SET_CENSUS_PARTS = """
UNWIND $rows AS row
MERGE (c:CensusPart {person_id: row.id})
SET c.changes = row.changes, c.entered = row.entered, c.left = row.left
"""
DELETE_CENSUS_PARTS = """
UNWIND $ids AS id
MATCH (c:CensusPart {person_id: id})
DELETE c
"""
#: Adding under the node's write lock, so concurrent writers' additions all land.
ADD_CENSUS_SUMS = """
UNWIND $rows AS row
MERGE (c:CensusSum {key: row.key})
ON CREATE SET c.day = row.day, c.total = row.total, c.facility_id = row.facility_id,
              c.agency = row.agency, c.children = 0
SET c.children = c.children + row.delta
"""

SEPARATIONS_OF = """
UNWIND $ids AS id
MATCH (:Person {person_id: id})<-[:SEPARATED]-(s:Separation)
WITH DISTINCT s
RETURN properties(s) AS separation, COLLECT {
  MATCH (s)-[x:SEPARATED]->(p:Person) RETURN {person_id: p.person_id, side: x.side}
} AS separated
"""

#: The first `$limit` persons (by id) one orphan definition holds for: an index scan in
#: person_id order over that definition's label (`schema.ORPHAN_LABELS`), stopped at the limit.
ORPHAN_PAGE: dict[OrphanReason, str] = {
    reason: f"""
MATCH (c:{label}) WHERE c.person_id IS NOT NULL
RETURN c.person_id AS id ORDER BY id LIMIT $limit
"""
    for reason, label in ORPHAN_LABELS.items()
}


@cache
def orphans_count(reasons: frozenset[OrphanReason]) -> str:
    """Children with any of the definitions' labels (a label scan of the orphans only), and per
    label the count store's answer."""
    labels = "|".join(label for reason, label in ORPHAN_LABELS.items() if reason in reasons)
    per_label = ", ".join(f"COUNT {{ (:{label}) }} AS `{reason}`" for reason, label in ORPHAN_LABELS.items())
    return f"MATCH (c:{labels}) WITH count(c) AS total RETURN total, {per_label}"


def orphans_any(reasons: frozenset[OrphanReason]) -> str:
    """Every person any of `reasons` holds for, through their labels (no scan of all persons)."""
    labels = "|".join(label for reason, label in ORPHAN_LABELS.items() if reason in reasons)
    return f"MATCH (c:{labels}) RETURN properties(c) AS person ORDER BY c.person_id"


def _orphan_rule(reason: OrphanReason) -> str:
    """The test of one orphan definition for child `c`, whose non-rejected parental links'
    evidence ranks are `ranks` (`GraphStore.orphaned_children` states the rules)."""
    parent = f"(c)<-[r:{PARENT_PATTERN}]-(parent:Person) WHERE r.status <> '{LinkStatus.REJECTED}'"
    if reason is OrphanReason.NO_PARENT_LINK:
        return "size(ranks) = 0"
    if reason is OrphanReason.ONLY_CLAIMED_LINKS:
        return f"size(ranks) > 0 AND all(x IN ranks WHERE x <= {Evidence.CLAIMED.rank})"
    if reason is OrphanReason.PARENT_LOCATION_UNKNOWN:
        last = (
            "COLLECT { MATCH (parent)-[s:STAYED_AT]->() RETURN coalesce(s.release_reason, '') "
            "ORDER BY s.start DESC, s.stay_id DESC LIMIT 1 }[0]"
        )
        transferred = ReleaseReason.TRANSFERRED.value
        return f"EXISTS {{ MATCH {parent} AND coalesce({last}, '{transferred}') = '{transferred}' }}"
    ended = ReleaseReason.REMOVED if reason is OrphanReason.PARENT_REMOVED else ReleaseReason.RELEASED
    return (
        f"EXISTS {{ MATCH {parent}\n    MATCH (parent)-[ps:STAYED_AT]->()\n"
        f"    WHERE ps.release_reason = '{ended.value}' AND ps.end IS NOT NULL AND EXISTS {{\n"
        f"      (c)-[cs:STAYED_AT]->() WHERE cs.agency = '{Agency.ORR}' AND cs.start <= ps.end\n"
        "        AND (cs.end IS NULL OR cs.end >= ps.end) } }"
    )


def _orphan_labels() -> str:
    return "\n".join(
        f"FOREACH (_ IN CASE WHEN '{reason}' IN reasons THEN [1] ELSE [] END | SET c:{label})\n"
        f"FOREACH (_ IN CASE WHEN '{reason}' IN reasons THEN [] ELSE [1] END | REMOVE c:{label})"
        for reason, label in ORPHAN_LABELS.items()
    )


_ORPHAN_TESTS = ",\n    ".join(
    f"CASE WHEN {_orphan_rule(reason)} THEN '{reason}' END" for reason in OrphanReason
)
#: Recomputes the orphan reasons of persons `$ids` and of the persons they are parent or
#: guardian of, in the database, and writes the changed ones (property and labels).
REFRESH_ORPHANS = f"""
UNWIND $ids AS id
MATCH (t:Person {{person_id: id}})
CALL (t) {{
  RETURN t AS c
  UNION
  MATCH (t)-[:{PARENT_PATTERN}]->(c:Person) RETURN c
}}
WITH DISTINCT c
WITH c, [(c)<-[r:{PARENT_PATTERN}]-(:Person) WHERE r.status <> '{LinkStatus.REJECTED}' | r.evidence_rank]
     AS ranks
WITH c, CASE WHEN c.is_child THEN [reason IN [
    {_ORPHAN_TESTS}
  ] WHERE reason IS NOT NULL] ELSE [] END AS reasons
WHERE coalesce(c.orphan_reasons, []) <> reasons
SET c.orphan_reasons = CASE WHEN size(reasons) = 0 THEN null ELSE reasons END
{_orphan_labels()}
"""


def _sources_of_key() -> str:
    parts = [
        f"  MATCH (n:{kind.label} {{{kind.key}: $key}}) RETURN n.sources AS sources"
        for kind in NODE_KINDS
        if "sources" in kind.model_fields
    ]
    parts += [
        f"  MATCH ()-[r:{'|'.join(rel_types(kind))} {{{kind.key}: $key}}]->() "
        "RETURN r.sources AS sources"
        for kind in REL_KINDS
    ]
    return "\n  UNION ALL\n".join(parts)


PROVENANCE = f"""
CALL () {{
{_sources_of_key()}
}}
UNWIND coalesce(sources, []) AS record_key
MATCH (s:SourceRecord {{record_key: record_key}})
RETURN properties(s) AS record
UNION
MATCH (:Person {{person_id: $key}})-[:DESCRIBED_BY]->(s:SourceRecord)
RETURN properties(s) AS record
"""

REVIEW_TARGET = f"""
CALL () {{
  MATCH ()-[r:{FAMILY_PATTERN} {{link_id: $key}}]->(child)
  RETURN r.status AS status, r.evidence AS evidence, child.person_id AS to_id
  UNION ALL
  MATCH ()-[m:{PossibleMatch.rel_type} {{match_id: $key}}]->()
  RETURN m.status AS status, null AS evidence, null AS to_id
}}
RETURN status, evidence, to_id
LIMIT 1
"""

APPLY_LINK_REVIEW = f"""
MATCH ()-[r:{FAMILY_PATTERN} {{link_id: $key}}]->()
SET r.status = $status,
    r.evidence = coalesce($evidence, r.evidence),
    r.evidence_rank = coalesce($evidence_rank, r.evidence_rank)
"""

APPLY_MATCH_REVIEW = f"""
MATCH ()-[m:{PossibleMatch.rel_type} {{match_id: $key}}]->()
SET m.status = $status
"""

REVIEWS_OF = """
MATCH (r:Review {target_key: $key})
RETURN properties(r) AS review
"""

PENDING_LINKS = f"""
MATCH ()-[r:{FAMILY_PATTERN}]->()
WHERE r.evidence_rank <= {Evidence.CLAIMED.rank} AND r.status = 'pending'
RETURN properties(r) AS link
ORDER BY r.link_id
LIMIT $limit
"""

PENDING_MATCHES = f"""
MATCH ()-[m:{PossibleMatch.rel_type}]->()
WHERE m.status = 'pending'
RETURN properties(m) AS match
ORDER BY m.match_id
LIMIT $limit
"""

# Label and type counts come from the count store; the rest are index seeks or small scans.
_FAMILY_COUNTS = ", ".join(f"{t}: COUNT {{ ()-[:{t}]->() }}" for t in FAMILY_TYPES)
COUNTS = f"""
RETURN COUNT {{ (:Person) }} AS persons,
       COUNT {{ (p:Person) WHERE p.is_child }} AS children,
       COUNT {{ (:Facility) }} AS facilities,
       COUNT {{ (:FamilyUnit) }} AS family_units,
       COUNT {{ (:Separation) }} AS separations,
       COUNT {{ (s:Separation) WHERE s.reason_code IS NULL }} AS separations_without_reason,
       COUNT {{ ()-[:STAYED_AT]->() }} AS stays,
       COUNT {{ (:SourceRecord) }} AS source_records,
       {{{_FAMILY_COUNTS}}} AS family_links,
       COUNT {{ ()-[m:{PossibleMatch.rel_type}]->() WHERE m.status = 'pending' }} AS pending_matches
"""

# The same child may not have two mothers: children whose non-rejected parent claims contradict
# (more than two parents, or two of one sex), each with its claimed parents, in one pass.
PARENT_CONFLICTS = """
MATCH (c:Person)<-[l:PARENT_OF]-(p:Person) WHERE l.status <> 'rejected'
WITH c.person_id AS child_id, collect(p.person_id) AS parents, count(p.sex) AS sexed,
     count(DISTINCT p.sex) AS sexes
WHERE size(parents) > 2 OR sexed > sexes
RETURN child_id, parents ORDER BY child_id LIMIT $limit
"""

# Person resolution rewrites persons whose mentions changed: they go with every relationship.
# Their children come back, for `remove_persons` to refresh the children's orphan reasons.
DELETE_PERSONS = f"""
UNWIND $ids AS id
MATCH (p:Person {{person_id: id}})
WITH p, [(p)-[:{PARENT_PATTERN}]->(c:Person) | c.person_id] AS children
DETACH DELETE p
RETURN children
"""

# Every family link of some kinds (reviewed ones too): exports and the linkage benchmark.
FAMILY_LINKS = f"MATCH ()-[r:{FAMILY_PATTERN}]->() WHERE type(r) IN $kinds RETURN properties(r) AS link"

# The data version (`GraphStore.data_version`): the database's id (a new one after an offline
# import) and the token every write replaces (null before the first write).
DATA_VERSION = f"""
CALL db.info() YIELD id
OPTIONAL MATCH (v:{VERSION_LABEL} {{name: 'data'}})
RETURN id, v.token AS token
"""
BUMP_DATA_VERSION = f"MERGE (v:{VERSION_LABEL} {{name: 'data'}}) SET v.token = randomUUID()"

"""Neo4j constraints and indexes, derived from `graph.model` so they cannot drift from it.

Every node key gets a uniqueness constraint (which brings a range index for lookups by key);
every relationship key gets a relationship uniqueness constraint (Community supports those since
5.7). `FamilyLink` is stored as four relationship types, one per `FamilyKind`, so a traversal can
name the types it follows. Search keys are stored twice: as a list on the person (what the model
returns) and as shared `SearchKey` nodes with a unique, range-indexed `key`, so an equality or
`STARTS WITH` lookup is an index seek instead of a scan over every person.
"""

from __future__ import annotations

from graph.model import (
    FAMILY_TYPES,
    NODE_KINDS,
    REL_KINDS,
    FamilyLink,
    Node,
    OrphanReason,
    Person,
    PossibleMatch,
    Rel,
    Review,
    Separation,
)

#: Engine-internal search index: (:Person)-[:HAS_KEY]->(:SearchKey {key}).
SEARCH_LABEL = "SearchKey"
SEARCH_KEY = "key"
HAS_KEY = "HAS_KEY"
#: Engine-internal data version: one (:DataVersion {name: 'data'}) node whose `token` every write
#: replaces, so readers in any process can tell that what they cached is stale.
VERSION_LABEL = "DataVersion"
#: Engine-internal census kept at write time (`graph.census_changes`): (:CensusPart {person_id,
#: changes}) per separated child, (:CensusSum {key, day, total, facility_id, agency, children})
#: per day and place, and one (:CensusKept {name}) saying both are kept.
CENSUS_KEYS: dict[str, str] = {"CensusPart": "person_id", "CensusSum": "key", "CensusKept": "name"}
#: Relationship types of the family links, as one pattern alternative.
FAMILY_PATTERN = "|".join(FAMILY_TYPES)
PARENT_PATTERN = "PARENT_OF|GUARDIAN_OF"
#: One label per orphan definition on the persons it holds for (beside `Person.orphan_reasons`),
#: each with its own index on person_id: a page of one definition is an ordered index scan that
#: stops at the page size, and its count comes from the label count store.
ORPHAN_LABELS: dict[OrphanReason, str] = {
    reason: "Orphan" + "".join(word.capitalize() for word in reason.value.split("_"))
    for reason in OrphanReason
}

#: Properties the store's queries filter on beyond the keys (checked against the model below).
NODE_FILTERS: tuple[tuple[type[Node], str], ...] = (
    (Person, "is_child"),
    (Separation, "date"),
    (Review, "target_key"),
)
REL_FILTERS: tuple[tuple[type[Rel], str], ...] = (
    (FamilyLink, "status"),
    (FamilyLink, "evidence"),
    (PossibleMatch, "status"),
)


def rel_types(kind: type[Rel]) -> tuple[str, ...]:
    """The Neo4j relationship types a relationship kind is stored as."""
    return FAMILY_TYPES if kind is FamilyLink else (kind.rel_type,)


def _check_filters() -> None:
    for kind, prop in (*NODE_FILTERS, *REL_FILTERS):
        if prop not in kind.model_fields:
            raise RuntimeError(f"schema filter {kind.__name__}.{prop} is not a model field")


def schema_statements() -> list[str]:
    """Idempotent DDL (`IF NOT EXISTS`), constraint and index names derived from what they cover."""
    _check_filters()
    stmts = [
        f"CREATE CONSTRAINT {kind.label.lower()}_{kind.key}_unique IF NOT EXISTS "
        f"FOR (n:{kind.label}) REQUIRE n.{kind.key} IS UNIQUE"
        for kind in NODE_KINDS
    ]
    stmts.append(
        f"CREATE CONSTRAINT searchkey_key_unique IF NOT EXISTS "
        f"FOR (n:{SEARCH_LABEL}) REQUIRE n.{SEARCH_KEY} IS UNIQUE"
    )
    stmts.append(
        f"CREATE CONSTRAINT dataversion_name_unique IF NOT EXISTS "
        f"FOR (n:{VERSION_LABEL}) REQUIRE n.name IS UNIQUE"
    )
    stmts += [
        f"CREATE CONSTRAINT {label.lower()}_{key}_unique IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
        for label, key in CENSUS_KEYS.items()
    ]
    stmts.append("CREATE INDEX censussum_day IF NOT EXISTS FOR (n:CensusSum) ON (n.day)")
    stmts += [
        f"CREATE CONSTRAINT {rtype.lower()}_{kind.key}_unique IF NOT EXISTS "
        f"FOR ()-[r:{rtype}]-() REQUIRE r.{kind.key} IS UNIQUE"
        for kind in REL_KINDS
        for rtype in rel_types(kind)
    ]
    stmts += [
        f"CREATE INDEX {kind.label.lower()}_{prop} IF NOT EXISTS FOR (n:{kind.label}) ON (n.{prop})"
        for kind, prop in NODE_FILTERS
    ]
    stmts += [
        f"CREATE INDEX {rtype.lower()}_{prop} IF NOT EXISTS FOR ()-[r:{rtype}]-() ON (r.{prop})"
        for kind, prop in REL_FILTERS
        for rtype in rel_types(kind)
    ]
    stmts += [
        f"CREATE INDEX {label.lower()}_{Person.key} IF NOT EXISTS FOR (n:{label}) ON (n.{Person.key})"
        for label in ORPHAN_LABELS.values()
    ]
    return stmts

"""LadybugDB tables derived from the model classes, so the schema cannot drift from `graph.model`.

Every node kind becomes a node table keyed by its `key`; every relationship kind becomes a rel
table whose columns are the record's fields minus its two endpoint fields (those are the rel's
ends, not properties). `FamilyLink` becomes one rel table per `FamilyKind` with the same columns,
and its `kind` is the table name. Two engine-only tables index the persons' search keys:
`SearchKey {key}` -[:KEY_OF]-> `Person`, because a primary-key lookup beats scanning every
person's `search_keys` list (measured on 1M persons: ~20 ms against ~300 ms). Three more keep
the census at write time (`CENSUS_TABLES`).

`describe()` and `column_type()` are the reusable description (docs/model.md is generated from
them); `ddl()` turns the description into statements.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

import pyarrow as pa

from graph.model import NODE_KINDS, REL_KINDS, FamilyKind, FamilyLink, Node, Person, Rel

#: LadybugDB column type → Arrow type used to hand rows to `COPY`/`LOAD FROM`.
ARROW_TYPES: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "INT64": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "STRING[]": pa.list_(pa.string()),
}

SEARCH_KEY_TABLE = "SearchKey"
SEARCH_KEY_REL = "KEY_OF"
#: The census kept at write time (`graph.census_changes`): each separated child's part, the sums
#: of every part per (day, place), and one row saying both are kept.
CENSUS_TABLES: dict[str, str] = {
    "CensusPart": "person_id STRING PRIMARY KEY, changes STRING",
    "CensusSum": "key STRING PRIMARY KEY, day DATE, total BOOLEAN, facility_id STRING, agency STRING, "
                 "children INT64",
    "CensusKept": "name STRING PRIMARY KEY",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    """One table: a node table (`key` set) or a rel table (`from_label`/`to_label` set).

    `kind` is the model class the rows come from; for FamilyLink there are four tables of one kind.
    """

    name: str
    kind: type[Node] | type[Rel]
    columns: tuple[Column, ...]
    key: str
    from_label: str | None = None
    to_label: str | None = None

    @property
    def is_rel(self) -> bool:
        return self.from_label is not None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def arrow_schema(self, with_ends: bool = False) -> pa.Schema:
        """The Arrow schema of rows for `COPY`; rel rows start with their two endpoint keys."""
        ends = [("from", pa.string()), ("to", pa.string())] if with_ends else []
        return pa.schema(ends + [(c.name, ARROW_TYPES[c.type]) for c in self.columns])


def column_type(annotation: Any) -> str:
    """The LadybugDB type of a model field's annotation; `X | None` maps like `X`.

    Raises:
        TypeError: an annotation the schema cannot store, so a new model field fails loudly.
    """
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return column_type(inner[0])
    elif origin is list and all(issubclass(a, str) for a in typing.get_args(annotation)):
        return "STRING[]"  # str or a StrEnum (stored as its value)
    elif isinstance(annotation, type):
        if issubclass(annotation, Enum) or annotation is str:
            return "STRING"
        # bool before int and datetime before date: each is a subclass of the other.
        for python_type, name in ((bool, "BOOLEAN"), (int, "INT64"), (float, "DOUBLE"),
                                  (datetime, "TIMESTAMP"), (date, "DATE")):
            if issubclass(annotation, python_type):
                return name
    raise TypeError(f"no LadybugDB column type for annotation {annotation!r}")


def _columns(kind: type[Node] | type[Rel], skip: set[str]) -> tuple[Column, ...]:
    return tuple(
        Column(name, column_type(field.annotation), field.description or "")
        for name, field in kind.model_fields.items()
        if name not in skip
    )


def rel_skipped(kind: type[Rel]) -> set[str]:
    """Fields of a relationship record that are structure, not stored properties."""
    skip = {kind.from_field, kind.to_field}
    return skip | {"kind"} if kind is FamilyLink else skip


def describe() -> list[Table]:
    """Every model table in creation order (nodes first), FamilyLink split into its kinds."""
    tables = [Table(k.label, k, _columns(k, set()), k.key) for k in NODE_KINDS]
    for kind in REL_KINDS:
        columns = _columns(kind, rel_skipped(kind))
        names = [str(f) for f in FamilyKind] if kind is FamilyLink else [kind.rel_type]
        tables += [Table(n, kind, columns, kind.key, kind.from_label, kind.to_label) for n in names]
    return tables


TABLES: dict[str, Table] = {t.name: t for t in describe()}


def tables_of(kind: type[Node] | type[Rel]) -> list[Table]:
    return [t for t in TABLES.values() if t.kind is kind]


def _column_list(table: Table) -> str:
    return ", ".join(f"`{c.name}` {c.type}" for c in table.columns)


def ddl() -> list[str]:
    """`CREATE … IF NOT EXISTS` statements for every table, including the search-key index."""
    statements = []
    for t in TABLES.values():
        if t.is_rel:
            statements.append(
                f"CREATE REL TABLE IF NOT EXISTS {t.name}"
                f"(FROM {t.from_label} TO {t.to_label}, {_column_list(t)})"
            )
        else:
            statements.append(
                f"CREATE NODE TABLE IF NOT EXISTS {t.name}({_column_list(t)}, PRIMARY KEY(`{t.key}`))"
            )
    statements.append(f"CREATE NODE TABLE IF NOT EXISTS {SEARCH_KEY_TABLE}(key STRING PRIMARY KEY)")
    statements.append(
        f"CREATE REL TABLE IF NOT EXISTS {SEARCH_KEY_REL}(FROM {SEARCH_KEY_TABLE} TO {Person.label})"
    )
    statements += [
        f"CREATE NODE TABLE IF NOT EXISTS {name}({columns})" for name, columns in CENSUS_TABLES.items()
    ]
    return statements

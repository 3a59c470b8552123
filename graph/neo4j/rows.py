"""How upsert rows travel to Neo4j: one delimited text per row, decoded by the server.

Why: the driver's pure-Python Bolt packer costs a few microseconds per value (map keys count as
values) and ~70 µs per temporal value (converted through `neo4j.time`). Measured on 20k custody
stays, packing `{key, from, to, props: {…}, lists: {…}}` maps took ~2 s against ~0.3 s of server
time. A row sent as one string (fields joined by `FIELD_SEP`, list items by `LIST_SEP`, dates and
timestamps in ISO form) packs as one value; the statement splits it and decodes each field by the
model's type (`queries.field_types`).

A batch holding anything the text form cannot carry exactly (a separator character inside a
value, an empty list item, a non-finite float, a time-zone-aware timestamp) is sent instead as
positional value lists that the driver packs natively, through the same statement body; both
forms apply the same merge rules.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

FIELD_SEP = "\x1f"
LIST_SEP = "\x1e"

Row = dict[str, Any]


class _Unencodable(Exception):
    """A value the text form cannot carry exactly; the batch goes as value lists instead."""


def encode(fields: tuple[tuple[str, str], ...], rows: list[Row]) -> tuple[bool, list[Any]]:
    """(as_text, payload) for `rows` of one kind whose fields are `(name, type)` in order.

    Empty strings travel as nulls (a null never erases a stored value) and list items are
    de-duplicated keeping their first position, exactly as `graph.store.merge_row` does.
    """
    try:
        return True, [FIELD_SEP.join(_text(row.get(name), t) for name, t in fields) for row in rows]
    except _Unencodable:
        return False, [[_value(row.get(name), t) for name, t in fields] for row in rows]


def _text(value: Any, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "list":
        items = list(dict.fromkeys(value))
        if not items:
            return ""
        # Joined first, then checked whole (a test per item was a tenth of a bulk write's client
        # time): an item holding a separator shows as one too many, a non-string fails the join.
        try:
            joined = LIST_SEP.join(items)
        except TypeError:
            raise _Unencodable from None
        if "" in items or FIELD_SEP in joined or joined.count(LIST_SEP) != len(items) - 1:
            raise _Unencodable
        return joined
    if kind == "str" and isinstance(value, str) and FIELD_SEP not in value and LIST_SEP not in value:
        return value
    if kind == "bool" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        if math.isfinite(value):
            return repr(float(value))
    if kind == "datetime" and isinstance(value, datetime) and value.tzinfo is None:
        return value.isoformat()
    if kind == "date" and isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    raise _Unencodable


def _value(value: Any, kind: str) -> Any:
    if kind == "list":
        return list(dict.fromkeys(value or []))
    return None if value == "" else value

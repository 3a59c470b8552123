"""Generate `docs/model.md` from the model classes, so the schema documentation cannot drift.

`python -m graph.model_doc > docs/model.md` rewrites it; `tests/test_docs.py` fails when the
committed file differs from what the code generates.
"""

from __future__ import annotations

import inspect
import types
import typing

from graph.model import FAMILY_TYPES, NODE_KINDS, REL_KINDS, Evidence, FamilyLink, Node, Rel

HEADER = """# Graph model

Generated from `graph/model.py` by `python -m graph.model_doc > docs/model.md`; a test fails when
this file and the code disagree. Both engines create their schema from the same classes:
LadybugDB as node and relationship tables, Neo4j as labels with uniqueness constraints on every
key and indexes on relationship keys.

Every relationship carries `sources` (the record keys of the `SourceRecord` rows that state it)
and `batch_id`; every node but `SourceRecord` and `Review` carries `sources`. Facts keep when they
were true (`start`/`end`, `date`) apart from when a source recorded them (`recorded_at`).

Evidence levels of family links, weakest first: {evidence}.

Beside the model, each engine keeps nodes of its own current on every write, which loaders never
write and reads never return: search keys (`SearchKey`, one per name or identifier key, linked to
its persons), on Neo4j the data version (`DataVersion`), and the census kept at write time
(`graph/census_changes.py`): `CensusPart` (one separated child's part of the counts, as changes
on the days they take effect; on Neo4j also the days it enters and leaves the total, to page
the census rows in child order), `CensusSum` (the sum of every part per day and place) and
`CensusKept` (the mark that both are kept, naming their form, set by `init_schema`).
"""


def _type_name(annotation: object) -> str:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return " \\| ".join(_type_name(a) for a in args) + " (nullable)"
    if typing.get_origin(annotation) is list:
        return f"list[{_type_name(typing.get_args(annotation)[0])}]"
    return getattr(annotation, "__name__", str(annotation))


def _fields_table(cls: type[Node] | type[Rel], key: str) -> list[str]:
    hints = typing.get_type_hints(cls)
    lines = ["| property | type | meaning |", "|---|---|---|"]
    for name, field in cls.model_fields.items():
        marker = " (key)" if name == key else ""
        lines.append(f"| `{name}`{marker} | {_type_name(hints[name])} | {field.description or ''} |")
    return lines


def _doc(cls: type) -> str:
    return inspect.cleandoc(cls.__doc__ or "").replace("\n", " ")


def render() -> str:
    """The whole of docs/model.md."""
    out = [HEADER.format(evidence=", ".join(f"`{e.value}`" for e in Evidence)), "## Nodes", ""]
    for node in NODE_KINDS:
        out += [f"### `{node.label}` (key `{node.key}`)", "", _doc(node), ""]
        out += _fields_table(node, node.key) + [""]
    out += ["## Relationships", ""]
    for rel in REL_KINDS:
        names = ", ".join(f"`{t}`" for t in FAMILY_TYPES) if rel is FamilyLink else f"`{rel.rel_type}`"
        out += [
            f"### {names}: `{rel.from_label}` → `{rel.to_label}` (key `{rel.key}`)",
            "",
            _doc(rel),
            "",
        ]
        out += _fields_table(rel, rel.key) + [""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")

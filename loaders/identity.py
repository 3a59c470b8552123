"""Which person a record describes, as a load decides it: by exact normalised identifiers only.

Two mentions are one person only when they share an identifier exactly: the normalised
A-number, an agency's own subject id (`system:id`), or the same person key within one source.
Nothing else joins people at load time: a mention without an identifier stands as its own
person, however alike the names, until `lineage resolve` (`loaders.linkage.resolve`) links the
mentions probabilistically and rewrites the persons; a person's identifiers are then remembered
under the resolved person, so a later load adds to it.

Person ids are stable: a component of mentions takes the id already given to any of its
identifiers by an earlier load (`known`), else an id derived from its smallest identifier, so
the same files always give the same ids whatever the order of rows or chunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graph.model import stable_id
from loaders.records import Mention, RecordFacts

MentionRef = tuple[str, str]  # (record_key, mention ref)


def identity_keys(record_key: str, mention: Mention) -> list[str]:
    """The exact identifiers a mention carries; its own record key when it has none."""
    keys = [f"a:{mention.a_number}"] if mention.a_number else []
    keys += [f"id:{ident.strip().casefold()}" for ident in mention.identifiers if ident.strip()]
    return keys or [f"rec:{record_key}#{mention.ref}"]


@dataclass
class Resolution:
    """The outcome: every mention's person id, what to remember, and identifiers that now
    join persons an earlier load kept apart (the store cannot merge persons; a reviewer must)."""

    person_of: dict[MentionRef, str] = field(default_factory=dict)
    remember: dict[str, str] = field(default_factory=dict)
    conflicts: list[tuple[str, str, list[str]]] = field(default_factory=list)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent.setdefault(x, x)
        while parent != x:
            grand = self.parent[parent]
            self.parent[x] = grand
            x, parent = parent, grand
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def mention_keys(records: Iterable[RecordFacts]) -> dict[MentionRef, list[str]]:
    """Every mention's identity keys, computed once: the load recalls earlier persons by them,
    then `resolve_keys` groups by them."""
    return {
        (record.record_key, mention.ref): identity_keys(record.record_key, mention)
        for record in records
        for mention in record.mentions
    }


def resolve(records: Iterable[RecordFacts], known: Mapping[str, str]) -> Resolution:
    """Group every mention of `records` into persons by shared identifiers.

    Args:
        records: the facts of one load's records (all its files).
        known: identifier → person id from earlier loads (the ledger's memory).
    """
    return resolve_keys(mention_keys(records), known)


def resolve_keys(keys_of: Mapping[MentionRef, list[str]], known: Mapping[str, str]) -> Resolution:
    """`resolve` on keys already computed by `mention_keys`."""
    uf = _UnionFind()
    for keys in keys_of.values():
        for k in keys[1:]:
            uf.union(keys[0], k)
        uf.find(keys[0])
    members: dict[str, list[str]] = {}
    for key in uf.parent:
        members.setdefault(uf.find(key), []).append(key)
    result = Resolution()
    id_of_root: dict[str, str] = {}
    for root, keys in members.items():
        earlier = sorted({known[k] for k in keys if k in known})
        person_id = earlier[0] if earlier else "p" + stable_id("person", root)
        for other in earlier[1:]:
            shared = sorted(k for k in keys if known.get(k) in (person_id, other))
            result.conflicts.append((person_id, other, shared))
        id_of_root[root] = person_id
        result.remember.update({k: person_id for k in keys if not k.startswith("rec:") and k not in known})
    for ref, keys in keys_of.items():
        result.person_of[ref] = id_of_root[uf.find(keys[0])]
    return result


def current_persons(
    keys_of: Mapping[MentionRef, list[str]], known: Mapping[str, str], resolved: Mapping[str, str]
) -> dict[MentionRef, str]:
    """The person each mention belongs to in the graph now: as the last person resolution left
    it (`resolved`, by mention key `record_key#ref`), else as the loads put it (by identifiers).

    Person resolution starts from this so that a person keeps its id across runs.
    """
    loaded = resolve_keys(keys_of, known).person_of
    return {ref: resolved.get(f"{ref[0]}#{ref[1]}", pid) for ref, pid in loaded.items()}

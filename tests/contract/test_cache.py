"""Contract: the data version, and the shared read cache over it.

The cache (`graph.cache.CachedStore`) may serve a result only while the data is unchanged, so
every kind of write must move `data_version()` on — on Neo4j also a write by another connection
(another process: a `lineage load`, another explorer server's review decision).
"""

from __future__ import annotations

import pytest

from graph.cache import CachedStore
from graph.model import Evidence, FamilyKind, FamilyLink, GraphBatch, LinkStatus, Person
from tests.contract.scenario import CLAIMER, KID1, KID2, KID3, MOM

CLAIMED = f"PARENT_OF:{CLAIMER}:{KID3}"


def _ids(hood) -> list[str]:
    return [p.person_id for p in hood.persons]


def test_every_write_moves_the_data_version_on(scenario_store):
    seen = [scenario_store.data_version()]
    assert scenario_store.data_version() == seen[0]  # reads leave it
    scenario_store.relatives(KID1, hops=2)
    assert scenario_store.data_version() == seen[0]
    writes = [
        lambda: scenario_store.upsert(GraphBatch(persons=[Person(person_id="P-NEW", given_names="New")])),
        lambda: scenario_store.record_review(CLAIMED, LinkStatus.CONFIRMED, "cw1", "seen"),
        lambda: scenario_store.remove_persons(["P-NEW"]),
        lambda: scenario_store.clear(),
    ]
    for write in writes:
        write()
        seen.append(scenario_store.data_version())
    assert len(set(seen)) == len(seen)


def test_cached_reads_are_shared_until_a_write_then_read_again(scenario_store):
    cached = CachedStore(scenario_store)
    first = cached.relatives(KID1, hops=1)
    assert cached.relatives(KID1, hops=1) is first  # answered from the cache
    assert cached.relatives(KID1, 1) == first  # same answer, keyed by how it was asked
    assert (cached.hits, cached.misses) == (1, 2)
    assert cached.relatives(KID1, hops=2) != first  # other parameters: their own entry
    link = FamilyLink(kind=FamilyKind.SIBLING_OF, from_id=KID1, to_id="P-NEW", evidence=Evidence.DNA)
    cached.upsert(GraphBatch(persons=[Person(person_id="P-NEW", given_names="New")], family_links=[link]))
    assert "P-NEW" in _ids(cached.relatives(KID1, hops=1))


def test_cached_reads_follow_review_decisions(scenario_store):
    cached = CachedStore(scenario_store)
    key = CLAIMED
    assert key in {x.link_id for x in cached.pending_reviews()[0]}
    cached.record_review(key, LinkStatus.REJECTED, "cw1", "not the mother")
    assert key not in {x.link_id for x in cached.pending_reviews()[0]}
    assert _ids(cached.relatives(KID3, hops=1)) == [KID3]


def test_the_cache_keeps_at_most_its_size(scenario_store):
    cached = CachedStore(scenario_store, max_entries=2)
    for pid in (KID1, KID2, MOM):
        cached.get_person(pid)
    cached.get_person(KID1)  # the oldest was dropped: read again
    assert (cached.hits, cached.misses) == (0, 4)


@pytest.mark.neo4j_only
def test_a_write_by_another_connection_invalidates_cached_reads(neo4j_connection, neo4j_store):
    from graph.neo4j.store import Neo4jStore
    from tests.contract.scenario import scenario

    neo4j_store.clear()
    neo4j_store.upsert(scenario())
    cached = CachedStore(neo4j_store)
    assert "P-OTHER" not in _ids(cached.relatives(KID1, hops=1))
    other = Neo4jStore.connect(*neo4j_connection)  # as another process would
    try:
        link = FamilyLink(kind=FamilyKind.SIBLING_OF, from_id=KID1, to_id="P-OTHER", evidence=Evidence.DNA)
        newcomer = Person(person_id="P-OTHER", given_names="Other")
        other.upsert(GraphBatch(persons=[newcomer], family_links=[link]))
    finally:
        other.close()
    assert "P-OTHER" in _ids(cached.relatives(KID1, hops=1))

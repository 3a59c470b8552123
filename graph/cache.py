"""`CachedStore`: one store's read results, shared by everyone reading through it.

Why: the explorer memoises reads per session (what a read returns, and what it logs, depends on
who asks), so every new visitor re-ran the same 4-hop walks (seconds on a large graph). What a
`GraphStore` returns does not depend on who asks — `graph.access.SecuredGraph` filters, redacts
and audits above it, per principal and per call — so the store's own results can be kept once
for every session, as long as the data has not changed since.

Every result is keyed by operation, arguments and `GraphStore.data_version()`, read before the
operation runs: any write through the store, and on Neo4j any other process's write, gives a new
version, so a result is never served after a write. (A write landing while a read runs can put
new data under the old version, never old data under the new one.) Writes pass straight through.

Example:
    shared = CachedStore(graph.open_store(read_only=True))
    SecuredGraph(shared, principal, audit).relatives("P-1", hops=4)   # walks the graph
    SecuredGraph(shared, other, audit).relatives("P-1", hops=4)       # served, logged for `other`
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from graph.store import GraphStore

#: The reads kept: every `GraphStore` read whose answer is fixed by its arguments and the data.
CACHED_READS = frozenset({
    "get_person", "search_persons", "relatives", "family_path", "custody_chain", "custody_chains",
    "family_whereabouts", "separated_not_reunified", "separations", "census",
    "orphaned_children", "orphan_counts", "conflicting_parent_claims", "provenance",
    "review_history", "pending_reviews", "load_batches", "quarantine", "counts",
})
#: Results kept; the least recently used goes first. Results are small (a page's worth), except
#: an unlimited census list, which the explorer never asks for.
MAX_ENTRIES = 1024


class CachedStore:
    """A `GraphStore` whose reads (`CACHED_READS`) are answered from a shared, bounded cache.

    Everything else (writes, `close`, `data_version`, attributes) is the wrapped store's own.
    Results are shared objects: records are frozen, and callers must not change the lists and
    dicts they get.

    Args:
        store: the store to read through.
        max_entries: results kept (least recently used dropped first).
    """

    def __init__(self, store: GraphStore, max_entries: int = MAX_ENTRIES) -> None:
        self._store, self._max = store, max_entries
        self._results: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()  # Streamlit runs each session's script in its own thread
        #: Reads answered from the cache / by the store: for tests and benchmarks.
        self.hits = self.misses = 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        return self._cached(name, attr) if name in CACHED_READS else attr

    def _cached(self, name: str, read: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            key = (name, self._store.data_version(), _frozen(args), _frozen(kwargs))
            with self._lock:
                if key in self._results:
                    self._results.move_to_end(key)
                    self.hits += 1
                    return self._results[key]
            result = read(*args, **kwargs)  # outside the lock: other sessions' reads go on
            with self._lock:
                self.misses += 1
                self._results[key] = result
                while len(self._results) > self._max:
                    self._results.popitem(last=False)
            return result

        return call


def _frozen(value: Any) -> Any:
    """A hashable form of arguments (lists of ids or kinds, dicts of keyword arguments)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        items = [_frozen(v) for v in value]
        return (type(value).__name__, tuple(sorted(items, key=repr) if isinstance(value, set | frozenset)
                                            else items))
    return value

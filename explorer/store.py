"""The explorer's one way to the graph: a `SecuredGraph` bound to the session's principal.

Pages never see a `GraphStore`. `secured_graph()` wraps the shared read-only handle in a `SecuredGraph`
for the principal that `app.py` established (sign-in or the local user), with the audit log beside
the database, so every read is filtered for the role and every view, search, export and decision
is recorded by `graph/`, not by the page. `app.py` runs each page inside `page_view(...)`: one
`SecuredGraph` per page run, whose `view` scope makes the run's reads ONE audit entry naming the
page, its parameters (the URL's query parameters) and every person shown.

LadybugDB allows one read-write process per file, and a read-only handle sees the data as of its
open. So the explorer never holds the file for writing: it reads through a read-only handle that
is re-opened whenever the database file changes (the cache is keyed on the file's mtime), and it
writes a review decision by opening a read-write store for that one call and closing it at once.
A `lineage load` holding the file makes that write fail with `StoreUnavailableError`, which the
page shows as "try again when the load finishes". Neo4j has no such limit; the same code runs.

The read handle's results are shared by every session (`graph.cache.CachedStore`, keyed by the
store's data version), so a new visitor's page does not re-run the walks another session just
ran; each session's `SecuredGraph` still filters for its role and audits its own views.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import streamlit as st

import graph
from explorer.signin import current_principal
from graph.access import Pseudonymizer, SecuredGraph
from graph.audit import AuditLog, audit_path
from graph.audit_scope import AuditScope
from graph.cache import CachedStore
from graph.config import Settings
from graph.errors import BackendConfigError, GraphStoreError, StoreUnavailableError
from graph.store import GraphStore

LOAD_BUSY = (
    "The database is busy: a data load is writing to it right now. Your decision was not saved. "
    "Please try again when the load finishes."
)
# Files beside the database that change without the data changing: the audit log (and its head
# file) grows on every view, so counting it would re-open the store after each look.
NOT_DATA = (".audit", ".roles")
SETTINGS_KEY = "_lineage_settings"


def _db_files(path: Path) -> list[Path]:
    """The database file and its companions (write-ahead log, …), whose mtimes mark a change."""
    if not path.parent.exists():
        return []
    return [p for p in path.parent.iterdir() if p.name == path.name or (
        p.name.startswith(path.name + ".") and not p.name[len(path.name):].startswith(NOT_DATA))]


def settings() -> Settings:
    """The settings, read once per session: building `Settings` parses the environment and
    `lineage.env` (5–8 ms), and one page run needed them a score of times."""
    if SETTINGS_KEY not in st.session_state:
        st.session_state[SETTINGS_KEY] = Settings()
    return st.session_state[SETTINGS_KEY]


def _handle_key() -> str:
    """Which read handle serves the current data: for the embedded engine the path plus the
    newest mtime of its files (a read-only handle sees the data as of its open, so a change needs
    a new one); for Neo4j, a server that always serves current data, the URI and database."""
    given = settings()
    if given.backend != "embedded":
        return f"{given.backend}:{given.neo4j_uri}:{given.neo4j_database}"
    db = given.db_path.resolve()
    newest = max((f.stat().st_mtime_ns for f in _db_files(db)), default=0)
    return f"embedded:{db}:{newest}"


@st.cache_resource(max_entries=2, show_spinner=False, on_release=lambda store: store.close())
def _read_store(handle: str) -> CachedStore:
    """One read-only handle per `_handle_key`, its reads cached for every session (`CachedStore`:
    the role's filtering and the audit stay per session, in `SecuredGraph`); the previous one
    stays open for readers mid-query and is closed when the next evicts it."""
    return CachedStore(graph.open_store(read_only=True))


def data_version() -> str:
    """A token that changes whenever the data may have changed; keys every memo of a read.

    The read handle plus its `data_version()`: constant for an embedded read-only handle, and on
    Neo4j moved on by every write, this server's review decisions and any other process's load.
    """
    handle = _handle_key()
    return f"{handle}:{_read_store(handle).data_version()}"


@st.cache_resource(show_spinner=False)
def _audit_log(path: str) -> AuditLog:
    return AuditLog(Path(path))


def audit_log() -> AuditLog:
    """The audit log beside the database (settings `audit_path`), shared by all sessions."""
    return _audit_log(str(audit_path(settings())))


@st.cache_resource(show_spinner=False)
def _pseudonyms(path: str) -> Pseudonymizer:
    """The deployment's pseudonym key, read once (not by every `SecuredGraph` of every page run)."""
    return Pseudonymizer.for_log(_audit_log(path))


@dataclass
class _PageRun:
    """The page being run in this thread, and its graph and view scope once a read asks for one."""

    page: str
    stack: ExitStack = field(default_factory=ExitStack)
    graph: SecuredGraph | None = None
    scope: AuditScope | None = None


_RUN: ContextVar[_PageRun | None] = ContextVar("lineage_page_run", default=None)


@contextmanager
def page_view(page: str) -> Iterator[None]:
    """Run one page as one audited view: the reads of the run append one entry when it ends
    (also when the page stops early with `st.stop()` or fails), with the URL's query parameters
    as they are then. A run that reads nothing (a re-run served from the memo) appends none."""
    run = _PageRun(page)
    token = _RUN.set(run)
    try:
        with run.stack:
            try:
                yield
            finally:
                if run.scope is not None:
                    run.scope.parameters["params"] = st.query_params.to_dict()
    finally:
        _RUN.reset(token)


def secured_graph() -> SecuredGraph:
    """The latest data (re-opened after any load or review), as the session's principal may see it;
    inside a page run, the run's one graph, whose reads are that page view's one audit entry.

    The data version (moved on by every write through any handle, on Neo4j by any process's load
    too) also keys the trainer's synthetic check, made once per version for all sessions."""
    run = _RUN.get()
    if run is not None and run.graph is not None:
        return run.graph
    store = cast(GraphStore, _read_store(_handle_key()))  # a GraphStore in all but its class
    log = audit_log()
    graph = SecuredGraph(store, current_principal(), log, _pseudonyms(str(log.path)),
                         data_version=data_version())
    if run is not None:
        run.scope = run.stack.enter_context(graph.view(run.page))
        run.graph = graph
    return graph


@contextmanager
def write_graph() -> Iterator[SecuredGraph]:
    """A read-write graph for one short write, closed at once so a load can take the file.

    Raises:
        StoreUnavailableError: a load (or another writer) holds the database file.
    """
    store = graph.open_store()
    try:
        yield SecuredGraph(store, current_principal(), audit_log())
    finally:
        store.close()


def store_or_stop() -> SecuredGraph:
    """The session's graph, or a plain-words error on the page and the page stopped."""
    try:
        return secured_graph()
    except BackendConfigError as exc:
        st.error(f"The explorer is not configured: {exc}")
    except StoreUnavailableError as exc:
        st.error(
            "The lineage database cannot be opened right now. If a load has just started, wait for "
            f"it to finish, then reload this page. Details: {exc}"
        )
    except GraphStoreError as exc:
        st.error(f"The lineage database could not be read. Details: {exc}")
    st.stop()

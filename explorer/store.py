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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

import graph
from explorer.signin import current_principal
from graph.access import SecuredGraph
from graph.audit import AuditLog, audit_path
from graph.audit_scope import AuditScope
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


def _db_files(path: Path) -> list[Path]:
    """The database file and its companions (write-ahead log, …), whose mtimes mark a change."""
    if not path.parent.exists():
        return []
    return [p for p in path.parent.iterdir() if p.name == path.name or (
        p.name.startswith(path.name + ".") and not p.name[len(path.name):].startswith(NOT_DATA))]


@st.cache_resource(show_spinner=False)
def _writes() -> list[int]:
    """Decisions written through this server; part of the data version, because Neo4j has no file
    mtime that would show a decision to the other sessions' memos."""
    return [0]


def data_version() -> str:
    """A token that changes whenever the data may have changed; keys every memo of a read.

    For the embedded engine: the path plus the newest mtime of its files. For Neo4j (a server that
    always serves current data): the URI plus the decisions written here.
    """
    settings = Settings()
    if settings.backend != "embedded":
        return f"{settings.backend}:{settings.neo4j_uri}:{settings.neo4j_database}:{_writes()[0]}"
    files = _db_files(settings.db_path.resolve())
    newest = max((f.stat().st_mtime_ns for f in files), default=0)
    return f"embedded:{settings.db_path.resolve()}:{newest}"


@st.cache_resource(max_entries=2, show_spinner=False, on_release=lambda store: store.close())
def _read_store(version: str) -> GraphStore:
    """One read-only handle per data version; the previous one stays open for readers mid-query
    and is closed when the next version evicts it."""
    return graph.open_store(read_only=True)


@st.cache_resource(show_spinner=False)
def _audit_log(path: str) -> AuditLog:
    return AuditLog(Path(path))


def audit_log() -> AuditLog:
    """The audit log beside the database (settings `audit_path`), shared by all sessions."""
    return _audit_log(str(audit_path(Settings())))


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
    inside a page run, the run's one graph, whose reads are that page view's one audit entry."""
    run = _RUN.get()
    if run is not None and run.graph is not None:
        return run.graph
    version = data_version()
    # Only the embedded file's version changes with every write by any process; a Neo4j version
    # misses loads by other processes, so there the synthetic check is shared by no one (it is
    # then made once per page run): a trainer must never see a real load as still synthetic.
    shared = version if version.startswith("embedded:") else None
    graph = SecuredGraph(_read_store(version), current_principal(), audit_log(), data_version=shared)
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
    _writes()[0] += 1


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

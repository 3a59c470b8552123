"""The graph room: model, the `GraphStore` interface and its two engines.

`open_store()` is the one place an engine is chosen; engines are imported lazily so a missing
dependency fails with a message naming it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.config import BACKENDS, Settings
from graph.errors import BackendConfigError

if TYPE_CHECKING:
    from graph.store import GraphStore


def open_store(settings: Settings | None = None, *, read_only: bool = False) -> GraphStore:
    """Open the configured store, creating its schema on first use.

    Args:
        settings: defaults to `Settings()` (environment and `lineage.env`).
        read_only: open the embedded file read-only (beside a writer), or read through Neo4j
            read transactions only.

    Raises:
        BackendConfigError: unknown backend or a required setting missing.
        StoreUnavailableError: the engine cannot be reached or the file is locked.
    """
    settings = settings or Settings()
    if settings.backend == "embedded":
        try:
            from graph.ladybug.store import LadybugStore
        except ImportError as exc:  # pragma: no cover - install problem
            raise BackendConfigError(f"LINEAGE_BACKEND=embedded needs the 'ladybug' package: {exc}") from exc
        pool = settings.buffer_pool_mb * 2**20 if settings.buffer_pool_mb else None
        return LadybugStore(settings.db_path, read_only=read_only, buffer_pool_size=pool)
    if settings.backend == "neo4j":
        try:
            from graph.neo4j.store import Neo4jStore
        except ImportError as exc:  # pragma: no cover - install problem
            raise BackendConfigError(f"LINEAGE_BACKEND=neo4j needs the 'neo4j' driver: {exc}") from exc
        if settings.neo4j_password is None or not settings.neo4j_password.get_secret_value():
            raise BackendConfigError(
                "LINEAGE_BACKEND=neo4j needs NEO4J_PASSWORD (environment or lineage.env); "
                "for the local server, `lineage neo4j start` prints the values to export"
            )
        return Neo4jStore.connect(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
            read_only=read_only,
        )
    raise BackendConfigError(
        f"LINEAGE_BACKEND={settings.backend!r} is not a backend; use one of: {', '.join(BACKENDS)}"
    )

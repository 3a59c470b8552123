"""The `graph/` room's one error family. Messages name the operation and setting, never personal data."""


class GraphStoreError(Exception):
    """Any failure of a graph operation; the engine's own exception is chained as __cause__."""


class BackendConfigError(GraphStoreError):
    """The configuration names an unknown backend, or a setting is missing or malformed."""


class StoreUnavailableError(GraphStoreError):
    """The engine cannot be reached: Neo4j down, wrong password, database file locked."""


class NotFoundError(GraphStoreError):
    """An operation was asked about a person, link or match that is not in the graph."""


class Neo4jLauncherError(GraphStoreError):
    """The local Neo4j server cannot be fetched, started or stopped (Java, Maven, ports)."""


class PermissionDeniedError(GraphStoreError):
    """The caller's role may not run this operation or see this data (see graph/access.py)."""

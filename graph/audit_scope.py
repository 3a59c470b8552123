"""One audit entry for many reads: what a page view (or an export) gathered before it is logged.

A page of the explorer shows one person's family from several reads (the person, relatives,
custody chains, whereabouts, separations …). Logging each read made one look at a child several
lines of the log, and a reader of the log had to guess which lines were one look. `SecuredGraph`
therefore collects the reads made inside a scope here and appends a single entry when the scope
closes: who, the page and its parameters, the operations run, the query text of a search, and
every person the reads returned or were about (`shown`), so `who-viewed` still finds each child
that was on screen. The role's limits are still applied to each read as it happens; only the
*logging* is gathered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class AuditScope:
    """The reads of one page view or one export, until they are logged as one entry.

    Args:
        action: the entry's action: `view` (a search among the reads makes it `search`) or `export`.
        parameters: what the caller names the scope by (page or export, and its parameters).
        rows: for an export, the rows handed out; otherwise the persons shown are counted.
    """

    action: str
    parameters: dict[str, Any]
    rows: int | None = None
    checked: bool = False  # the log was found writable before the first read of the scope
    target: str = ""
    operations: list[str] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    about: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, params: dict[str, Any], target: str, persons: list[str], text: str | None = None) -> None:
        """Record one read: its operation and arguments (`params`), what it was about, and the
        persons it returned or named (lists of person ids are left to `shown`)."""
        self.target = self.target or target
        operation = params["operation"]
        if operation not in self.operations:
            self.operations.append(operation)
        self.reads.append({k: v for k, v in params.items() if k != "person_ids"})
        if text is not None:
            self.texts.append(text)
        if target and target not in self.about:
            self.about.append(target)
        self.shown.extend(p for p in persons if p)

    def failed(self, operation: str, error: Exception) -> None:
        """A read that raised: still part of the entry (it was attempted), with the error's type."""
        self.add({"operation": operation}, "", [])
        self.errors[operation] = type(error).__name__

    @property
    def empty(self) -> bool:
        return not self.operations

    def entry(self) -> tuple[str, str, dict[str, Any], int, list[str]]:
        """(action, target, parameters, result count, shown) of the one entry this scope writes."""
        shown = list(dict.fromkeys(self.shown))
        params: dict[str, Any] = {**self.parameters, "operations": self.operations, "reads": self.reads}
        action = self.action
        if self.texts:
            action = "search" if action == "view" else action
            params["text"] = self.texts[0] if len(self.texts) == 1 else self.texts
        others = [a for a in self.about if a not in shown]  # links, records: the persons are in `shown`
        if others:
            params["about"] = others
        if self.errors:
            params["errors"] = self.errors
        return action, self.target, params, len(shown) if self.rows is None else self.rows, shown

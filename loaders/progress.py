"""A rich progress display that appears only for loads lasting over a second.

Short loads (tests, small files) print nothing; `quiet` silences it entirely for scripts.
Rows are counted in bulk (every `FLUSH` rows) so the display costs nothing per row.
"""

from __future__ import annotations

import time

from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

DELAY_SECONDS = 1.0
FLUSH = 1000


class Progress:
    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.started_at = time.monotonic()
        self.shown = False
        self._rich = RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        )
        self._pending: dict[TaskID, int] = {}

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._flush()
        if self.shown:
            self._rich.stop()

    def task(self, description: str, total: int | None = None) -> TaskID:
        self._flush()
        return self._rich.add_task(description, total=total)

    def advance(self, task: TaskID, by: int = 1) -> None:
        pending = self._pending.get(task, 0) + by
        self._pending[task] = pending
        if pending >= FLUSH or self._rich.tasks[task].total is not None:
            self._flush()

    def _flush(self) -> None:
        for task, n in self._pending.items():
            self._rich.advance(task, n)
        self._pending.clear()
        if not self.quiet and not self.shown and time.monotonic() - self.started_at > DELAY_SECONDS:
            self._rich.start()
            self.shown = True

"""The canonical records of everything loaded, re-read from the graph itself.

Person resolution must see every source that was ever loaded, including those onboarded through
a mapping file, and must not depend on the original files still being where they were. The load
ledger in the graph (`LoadBatch` nodes) names each batch's source; its `SourceRecord`s keep each
row's raw cells, so each row is parsed again by the same loader, exactly as the load did (rows
the load quarantined were never stored and stay out).

Example:
    records = list(stored_records(store, mappings=[Path("my_agency.toml")]))
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from graph.store import GraphStore
from loaders.base import RowRejected
from loaders.errors import UnknownSourceError
from loaders.linkage.errors import LinkageError
from loaders.mapping import MappingLoader
from loaders.records import CanonicalRecord, Provenance
from loaders.registry import get_loader, register
from loaders.tabular import RawRow


def stored_records(store: GraphStore, mappings: Sequence[Path] = ()) -> Iterator[CanonicalRecord]:
    """Every stored source record of every finished or unfinished load, as canonical records.

    Args:
        store: the graph.
        mappings: mapping files of sources loaded with `--source my.toml` that are not in
            `loaders/mappings/` (their loader is found by the mapping's name).

    Raises:
        LinkageError: a batch's source is unknown (naming the batch, its file and what to pass),
            or a stored row no longer parses (naming the record).
    """
    for path in mappings:
        register(MappingLoader.from_file(path))
    for batch in store.load_batches():
        try:
            loader = get_loader(batch.system)
        except UnknownSourceError as exc:
            raise LinkageError(
                f"load batch {batch.batch_id} ({batch.file}) came from source {batch.system!r}, which "
                f"is not registered here; pass its mapping file with --mapping. {exc}"
            ) from exc
        stored = store.source_records(batch.batch_id)
        rows = [RawRow(r.row_number, json.loads(r.raw)) for r in stored]
        loader.prepare(rows)
        for record, row in zip(stored, rows, strict=True):
            provenance = Provenance(**record.model_dump(exclude={"record_key"}))
            try:
                yield loader.parse(row, provenance)
            except (RowRejected, ValueError) as exc:  # ValidationError is a ValueError
                raise LinkageError(
                    f"{record.record_key}: the stored row no longer parses with source "
                    f"{batch.system!r} ({exc}); was the mapping file changed since the load?"
                ) from exc

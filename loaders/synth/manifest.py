"""The synthetic scenario's manifest: which files `lineage synth` wrote, by content hash.

The loader marks a file's `LoadBatch` as synthetic only when the manifest beside it lists that
exact content (sha256), so a renamed, edited or real file in the same folder is never taken for
synthetic; trainers may open a graph only when every batch is (graph/access.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

MANIFEST_FILE = "synth_manifest.json"


def write_manifest(out: Path, names: Iterable[str]) -> Path:
    """List the sha256 of each named file in `out` in `out/synth_manifest.json`."""
    hashes = {}
    for name in sorted(names):
        with (out / name).open("rb") as fh:
            hashes[name] = hashlib.file_digest(fh, "sha256").hexdigest()
    path = out / MANIFEST_FILE
    path.write_text(json.dumps({"generator": "lineage synth", "sha256": hashes}, indent=1))
    return path


def synthetic_hashes(folder: Path) -> frozenset[str]:
    """Content hashes the manifest in `folder` lists; empty when there is none (or it is unreadable)."""
    try:
        doc = json.loads((folder / MANIFEST_FILE).read_text())
        return frozenset(doc["sha256"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return frozenset()

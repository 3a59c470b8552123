"""Where the real public data lives for tests: ../shared/realdata beside the repository.

Tests skip when the folder is absent, unless `CI` is set: there its absence is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "realdata"


def realdata(name: str) -> Path:
    """The path of one real data file; skips the test when the folder is absent outside CI."""
    if not REALDATA.is_dir() and not os.environ.get("CI"):
        pytest.skip(f"real data folder {REALDATA} is absent (set CI to make this fail)")
    path = REALDATA / name
    assert path.exists(), f"{path} is missing from the real data folder"
    return path

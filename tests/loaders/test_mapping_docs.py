"""Every key a mapping file may use is documented in docs/mapping.md, and its example loads."""

from __future__ import annotations

import re
from pathlib import Path

from loaders.mapping import ClaimSpec, FacilitySpec, GroupSpec, Mapping, PersonSpec, SourceSpec, StaySpec

DOC = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"


def test_every_mapping_key_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for spec in (SourceSpec, PersonSpec, FacilitySpec, StaySpec, GroupSpec, ClaimSpec, Mapping):
        for key in spec.model_fields:
            assert f"`{key}`" in text or f"[{key}]" in text, f"{spec.__name__}.{key} is not documented"


def test_the_documented_example_is_a_valid_mapping() -> None:
    import tomllib

    example = re.search(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert example
    Mapping.model_validate(tomllib.loads(example.group(1)))

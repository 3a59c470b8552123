"""The one table of sources: name → loader. Built-in mappings register exactly like a user's.

Example:
    loader = get_loader("cbp_e3")            # by name (`lineage load --source cbp_e3`)
    loader = detect(Path("export.csv"))      # by content, when no --source is given
    register(MappingLoader.from_file(Path("my_agency.toml")))
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from loaders.base import Loader
from loaders.cbp_e3 import CbpE3Loader
from loaders.errors import LoaderError, UnknownSourceError
from loaders.facility_list import FacilityListLoader
from loaders.ice_ddp import IceDdpLoader
from loaders.ice_tracker import IceTrackerLoader
from loaders.mapping import MappingLoader
from loaders.orr_portal import OrrPortalLoader

MAPPINGS_DIR = Path(__file__).parent / "mappings"

#: name → factory; a factory (not an instance) because loaders keep per-file state.
REGISTRY: dict[str, Callable[[], Loader]] = {
    "cbp_e3": CbpE3Loader,
    "ice_ddp": IceDdpLoader,
    "orr_portal": OrrPortalLoader,
    "ice_tracker": IceTrackerLoader,
    "ice_facility_list": FacilityListLoader,
}


def register(loader: Loader | Callable[[], Loader], name: str | None = None) -> None:
    """Add a source; a `MappingLoader` instance is registered under its mapping's name."""
    if isinstance(loader, Loader):
        instance = loader
        REGISTRY[name or instance.name] = lambda: instance
    else:
        REGISTRY[name or loader().name] = loader


for _toml in sorted(MAPPINGS_DIR.glob("*.toml")):
    register(MappingLoader.from_file(_toml))


def get_loader(name: str) -> Loader:
    """The loader registered under `name`.

    Raises:
        UnknownSourceError: naming the sources there are.
    """
    if name.endswith(".toml") and Path(name).exists():
        return MappingLoader.from_file(Path(name))
    try:
        return REGISTRY[name]()
    except KeyError:
        raise UnknownSourceError(f"no source {name!r}; known: {', '.join(sorted(REGISTRY))}") from None


def detect(path: Path) -> Loader:
    """The first registered loader that recognises the file.

    Raises:
        UnknownSourceError: none does; the message says to pass --source.
    """
    for factory in REGISTRY.values():
        loader = factory()
        try:
            if loader.sniff(path):
                return loader
        except LoaderError:
            continue
    raise UnknownSourceError(
        f"{path.name}: no loader recognises this file; pass --source NAME "
        f"(one of: {', '.join(sorted(REGISTRY))})"
        " or a mapping file (--source my_mapping.toml)"
    )

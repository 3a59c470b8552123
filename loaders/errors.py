"""The `loaders/` room's one error family: a bad *file* is refused, a bad *row* is quarantined.

Row problems never raise (they become `QuarantineEntry`s); these errors are for files a loader
cannot read at all, and each message names the file (and the column, where one is to blame).
"""

from __future__ import annotations


class LoaderError(Exception):
    """Any file a loader refuses; nothing of it is written."""


class UnknownSourceError(LoaderError):
    """No loader is registered under the name asked for, or none recognises the file."""


class FileFormatError(LoaderError):
    """The file is not the format its loader expects (not CSV/XLSX/JSON, wrong sheet, no header)."""


class FileEncodingError(LoaderError):
    """The file's bytes are not in the encoding the source uses (UTF-8 unless a mapping says)."""


class MissingColumnError(LoaderError):
    """A column the source cannot do without is absent from the header."""

    def __init__(self, file: str, columns: list[str]) -> None:
        self.file = file
        self.columns = columns
        super().__init__(f"{file}: required column(s) missing: {', '.join(columns)}")

    def __reduce__(self) -> tuple[type, tuple[str, list[str]]]:
        """Pickle by the constructor's arguments: a file refused in a reading worker
        (`loaders.reading`) reaches the loading process as this error."""
        return (type(self), (self.file, self.columns))


class MappingError(LoaderError):
    """A TOML mapping file is malformed or names a field that does not exist."""

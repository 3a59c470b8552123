"""Reading CSV, XLSX and JSON into numbered raw rows, refusing files that are not what they claim.

Every reader yields `RawRow`s (1-based data row number, the cells as a dict) and raises a
`LoaderError` subclass naming the file, so a loader never half-reads a broken file silently.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loaders.errors import FileEncodingError, FileFormatError, MissingColumnError

csv.field_size_limit(10_000_000)


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row: its 1-based number among data rows, and its cells by column name."""

    number: int
    cells: dict[str, Any]
    extra: list[Any] = field(default_factory=list)


def check_columns(path: Path, header: Iterable[str], required: Iterable[str]) -> None:
    """Raise `MissingColumnError` naming every required column absent from `header`."""
    have = set(header)
    missing = [c for c in required if c not in have]
    if missing:
        raise MissingColumnError(path.name, missing)


def read_csv(
    path: Path, required: Iterable[str] = (), encoding: str = "utf-8", delimiter: str = ","
) -> Iterator[RawRow]:
    """Rows of a delimited text file; extra cells beyond the header are kept for quarantine.

    Raises:
        FileEncodingError: bytes not in `encoding` (checked before any row is yielded).
        FileFormatError: binary content, no header, or unparseable quoting.
        MissingColumnError: a required column is absent.
    """
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise FileFormatError(f"{path.name}: binary content, not a {delimiter!r}-separated text file")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileEncodingError(
            f"{path.name}: not valid {encoding} at byte {exc.start}; re-export it as {encoding}"
        ) from exc
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileFormatError(f"{path.name}: empty file, no header row") from None
    except csv.Error as exc:
        raise FileFormatError(f"{path.name}: unreadable header: {exc}") from exc
    if len(header) < 2 or len(set(header)) != len(header):
        raise FileFormatError(f"{path.name}: header {header[:5]!r} is not a table header")
    check_columns(path, header, required)
    return _csv_rows(path, reader, header)


def _csv_rows(path: Path, reader: Iterator[list[str]], header: list[str]) -> Iterator[RawRow]:
    number = 0
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            number += 1
            padded = cells + [""] * (len(header) - len(cells))
            yield RawRow(number, dict(zip(header, padded, strict=False)), cells[len(header) :])
    except csv.Error as exc:
        raise FileFormatError(f"{path.name}: broken quoting after data row {number}: {exc}") from exc


def read_xlsx_sheet(
    path: Path, sheet: str | None = None, max_rows: int | None = None
) -> list[tuple[Any, ...]]:
    """The rows of one sheet (the first if `sheet` is None) as value tuples; `max_rows` for sniffing.

    Raises:
        FileFormatError: not an .xlsx workbook, or no such sheet.
    """
    book = _open_book(path)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileFormatError(f"{path.name}: no sheet {sheet!r} (has {book.sheetnames})")
        ws = book[sheet] if sheet else book.worksheets[0]
        return [tuple(r) for r in ws.iter_rows(max_row=max_rows, values_only=True)]
    finally:
        book.close()


def _open_book(path: Path) -> Any:
    """An openpyxl workbook, read-only, or `FileFormatError` naming the file."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileFormatError(f"{path.name}: not an .xlsx workbook ({type(exc).__name__})") from exc


def sheet_names(path: Path) -> list[str]:
    book = _open_book(path)
    names = list(book.sheetnames)
    book.close()
    return names


def table_rows(
    path: Path, rows: list[tuple[Any, ...]], header_row: int, required: Iterable[str] = ()
) -> Iterator[RawRow]:
    """Rows under a header on 1-based row `header_row` of a sheet, skipping blank rows."""
    if len(rows) < header_row:
        raise FileFormatError(f"{path.name}: no header on row {header_row}")
    header = [str(h).strip() if h is not None else "" for h in rows[header_row - 1]]
    check_columns(path, header, required)
    number = 0
    for values in rows[header_row:]:
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        number += 1
        yield RawRow(number, {h: v for h, v in zip(header, values, strict=False) if h})


def read_json_records(path: Path, records_key: str | None) -> list[Any]:
    """The list of records in a JSON export: the top-level list, or the list under a key.

    Raises:
        FileEncodingError / FileFormatError: not UTF-8, not JSON, or no such list.
    """
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FileEncodingError(f"{path.name}: not valid UTF-8 at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"{path.name}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    records = doc.get(records_key) if records_key and isinstance(doc, dict) else doc
    if not isinstance(records, list):
        where = f"under key {records_key!r}" if records_key else "at the top level"
        raise FileFormatError(f"{path.name}: expected a list of records {where}")
    return records


def csv_header(path: Path, delimiter: str = ",") -> list[str]:
    """The header of a delimited file, or [] when it is not one (for sniffing, never raises)."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            line = fh.readline(1_000_000)
    except (OSError, UnicodeDecodeError):
        return []
    try:
        return [h.strip() for h in next(csv.reader([line.removeprefix("\ufeff")], delimiter=delimiter))]
    except (StopIteration, csv.Error):
        return []

"""Exports of every report and drill-down as CSV or XLSX, streamed, without a row cap
[RP5]. XLSX holds 1,048,576 rows a sheet: past that the rows go on to a second sheet
(Zammad caps exports at 6,000 rows, #2433)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from openpyxl import Workbook

# A sheet's rows less the header row.
ROWS_PER_SHEET = 1_048_575
Columns = Sequence[tuple[str, object]]  # (field, heading: a lazy translation)


def csv_chunks(columns: Columns, rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """CSV with a BOM (so Excel reads UTF-8 Cyrillic), a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([str(h) for _f, h in columns])
    for i, row in enumerate(rows, start=1):
        writer.writerow([_cell(row.get(f)) for f, _h in columns])
        if i % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_file(columns: Columns, rows: Iterable[dict[str, Any]], *, title: str,
              per_sheet: int = ROWS_PER_SHEET) -> IO[bytes]:
    """The workbook in a temporary file (openpyxl's write-only mode keeps memory flat);
    the caller streams and closes it."""
    book = Workbook(write_only=True)
    sheet, used, number = None, per_sheet, 0
    for row in rows:
        if used >= per_sheet:
            number += 1
            sheet = book.create_sheet(title=_sheet_title(title, number))
            sheet.append([str(h) for _f, h in columns])
            used = 0
        assert sheet is not None
        sheet.append([_cell(row.get(f), keep_numbers=True) for f, _h in columns])
        used += 1
    if sheet is None:
        book.create_sheet(title=_sheet_title(title, 1)).append([str(h) for _f, h in columns])
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it)
    book.save(out)
    out.seek(0)
    return out


def _sheet_title(title: str, number: int) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    clean = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:26] or "report"
    return clean if number == 1 else f"{clean} {number}"


def _cell(value: Any, *, keep_numbers: bool = False) -> Any:
    if value is None:
        return ""
    if keep_numbers and isinstance(value, int | float):
        return value
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

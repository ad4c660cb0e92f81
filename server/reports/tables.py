"""A report's tables as downloads: CSV (UTF-8 with a BOM, so Excel reads the Chinese headers) and
XLSX (openpyxl: a sheet per table, a header row, real number cells with their formats, widths).

A table's cells are read from the report's own JSON rows, so the page, the CSV and the XLSX show
the same figures: minutes are the JSON's seconds / 60 rounded to 0.1, shares are fractions.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"


class Cell(str, Enum):
    TEXT = "text"
    COUNT = "count"
    POINTS = "points"
    MINUTES = "minutes"  # from seconds
    SHARE = "share"  # a fraction, shown as a percentage in XLSX
    FLAG = "flag"  # a yes/no: 是, or an empty cell


_FORMATS = {Cell.COUNT: "0", Cell.POINTS: "0.00", Cell.MINUTES: "0.0", Cell.SHARE: "0.0%"}
_WIDTHS = {Cell.TEXT: 18, Cell.FLAG: 8}


@dataclass(frozen=True)
class Column:
    header: str  # Chinese: the CSV's and the XLSX's
    header_en: str  # the page's English
    cell: Cell
    get: Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Table:
    title: str  # the sheet's name: at most 31 characters
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]

    def values(self) -> list[list[Any]]:
        return [[_value(c.cell, c.get(row)) for c in self.columns] for row in self.rows]

    def public(self) -> dict[str, Any]:
        """The table as the report page shows it: the very cells of the downloads."""
        return {"title": self.title, "columns": [{"zh": c.header, "en": c.header_en, "cell": c.cell.value}
                                                 for c in self.columns], "rows": self.values()}


def _value(cell: Cell, raw: Any) -> Any:
    if raw is None:
        return None
    if cell is Cell.MINUTES:
        return round(raw / 60, 1)
    if cell is Cell.FLAG:
        return "是" if raw else None
    return raw


def field(*path: str) -> Callable[[Mapping[str, Any]], Any]:
    """A getter of row[path[0]][path[1]]…, None where a step is missing."""
    def get(row: Mapping[str, Any]) -> Any:
        value: Any = row
        for step in path:
            if value is None:
                return None
            value = value.get(step)
        return value
    return get


def csv_bytes(tables: Sequence[Table]) -> bytes:
    """The tables one after another: each its title, its header row and its rows, then a blank line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for table in tables:
        writer.writerow([table.title])
        writer.writerow([c.header for c in table.columns])
        writer.writerows([["" if v is None else v for v in row] for row in table.values()])
        writer.writerow([])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append([c.header for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE7F3")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in table.values():
            sheet.append(row)
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(_WIDTHS.get(column.cell, 10), 2 * len(column.header) + 2)
            number_format = _FORMATS.get(column.cell)
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

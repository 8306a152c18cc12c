"""Text written into an exported workbook stays text.

openpyxl stores any string that starts with `=` as a formula, and Excel treats a cell typed as
`+…`, `-…` or `@…` as one when it is edited; a project or indicator named `=HYPERLINK(…)` would
run in the reader's spreadsheet (formula injection). Such strings are written as plain strings
with the quote prefix Excel itself sets when a user types a leading apostrophe.
"""

from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

# A leading tab or carriage return can also start a formula once a spreadsheet re-parses the
# cell (OWASP's list for CSV and spreadsheet injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell: Cell) -> Cell:
    """Make `cell` plain text if its string value could be read as a formula."""
    value = cell.value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def put(sheet: Worksheet, row: int, column: int, value) -> Cell:
    """Write one cell; a string is always written as text."""
    cell = sheet.cell(row, column)
    cell.value = value
    return as_text(cell)


def append(sheet: Worksheet, values: list) -> None:
    """Append a row like Worksheet.append, writing strings as text."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        as_text(cell)

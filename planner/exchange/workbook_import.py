"""A scenario from the Inputs sheet of a planning workbook (export -> edit in Excel -> re-plan).

The workbook is read as data only: formulas are never evaluated (their values are those the
spreadsheet program saved), macros and external links are ignored, XML is parsed with
defusedxml, and a file that is too large, unpacks too large or is not an .xlsx is refused
before it is parsed. Every error names the cell, e.g. "Inputs!B12 (budget.total)".
"""

from __future__ import annotations

import io
import zipfile
from itertools import islice
from pathlib import Path

import openpyxl

from planner.inputs.errors import InputError
from planner.inputs.files import read_file
from planner.inputs.inputs_table import COLUMNS, InputRow, error_field, parse_path, rows_document
from planner.inputs.scenario import Scenario, build

SHEET = "Inputs"
MAX_WORKBOOK_BYTES = 20 * 2**20  # an exported plan of 60 months is well under 1 MB
MAX_UNPACKED_BYTES = 200 * 2**20  # an .xlsx is a zip: refuse one that inflates past this
MAX_SHEET_ROWS = 20_000  # the default scenario takes 145 rows, a site about 35
_LETTERS = {column.lower(): letter for column, letter in zip(COLUMNS, "ABCDE")}


def scenario_from_workbook(source: str | Path | bytes, name: str | None = None) -> Scenario:
    """The scenario in a workbook's Inputs sheet; `source` is a path or the file's bytes.

    `name` is how errors name the file (default: the path, or "uploaded workbook").
    """
    data, name = _read(source, name)
    rows, lines = _input_rows(data, name)

    def locate(index: int, column: str) -> str:
        return f"{SHEET}!{_LETTERS[column]}{lines[index]}"

    try:
        document = rows_document(rows, locate)
    except InputError as error:
        raise error.in_file(name) from None
    try:
        return build(document, name)
    except InputError as error:
        raise InputError(_cell_of(error.field, rows, locate), error.expected, error.found, name) from None


def _read(source, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), name or "uploaded workbook"
    else:
        name = name or str(source)
        try:
            data = read_file(source, MAX_WORKBOOK_BYTES, "a readable workbook file")
        except InputError as error:
            raise error.in_file(name) from None
    if len(data) > MAX_WORKBOOK_BYTES:  # a read stops one byte past the limit: the size is "more than"
        raise InputError("", f"a workbook of at most {MAX_WORKBOOK_BYTES // 2**20} MB",
                         f"more than {MAX_WORKBOOK_BYTES:,} bytes", name)
    return data, name


def _input_rows(data: bytes, name: str) -> tuple[list[InputRow], list[int]]:
    """The Inputs sheet's non-blank rows below the header, and their sheet row numbers."""
    _check_archive(data, name)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            if SHEET not in workbook.sheetnames:
                raise InputError(
                    SHEET,
                    f"a sheet named {SHEET!r}, as `planner plan --out` writes it",
                    f"sheets {workbook.sheetnames}",
                    name,
                )
            sheet = workbook[SHEET]
            sheet.reset_dimensions()  # read every row, not only those the file's <dimension> claims
            # the rows are streamed and the read stops past the limit: a million rows take no longer
            rows = sheet.iter_rows(max_col=len(COLUMNS), values_only=True)
            cells = list(islice(rows, MAX_SHEET_ROWS + 1))
        finally:
            workbook.close()
    except InputError:
        raise
    except Exception as error:  # openpyxl fails in many ways on a damaged file; none may escape as a crash
        raise InputError(
            "", "a valid Excel workbook (.xlsx)", f"a damaged workbook ({type(error).__name__}: {error})", name
        ) from None
    if len(cells) > MAX_SHEET_ROWS:
        raise InputError(SHEET, f"a sheet of at most {MAX_SHEET_ROWS:,} rows", f"more than {MAX_SHEET_ROWS:,}", name)
    header = tuple(str(cell or "").strip() for cell in (cells[0] if cells else ()))
    if header[: len(COLUMNS)] != COLUMNS:
        raise InputError(f"{SHEET}!A1:E1", f"the header {', '.join(COLUMNS)}", repr(", ".join(header)), name)
    rows, lines = [], []
    for line, cells_of_row in enumerate(cells[1:], start=2):
        field, value, unit, source, note = (*cells_of_row, *[None] * len(COLUMNS))[: len(COLUMNS)]
        if all(cell is None or str(cell).strip() == "" for cell in (field, value, unit, source, note)):
            continue
        rows.append(InputRow(field, value, _text(unit).strip(), _text(source), _text(note)))
        lines.append(line)
    return rows, lines


def _text(cell) -> str:
    return "" if cell is None else str(cell)


def _check_archive(data: bytes, name: str) -> None:
    """An .xlsx is a zip archive holding xl/workbook.xml; check that before any XML is parsed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise InputError(
            "",
            "an Excel workbook (.xlsx)",
            "a file that is not one: not a zip archive (a truncated download, or another format such as .xls or .csv)",
            name,
        ) from None
    if "xl/workbook.xml" not in {member.filename for member in members}:
        raise InputError("", "an Excel workbook (.xlsx)", "a zip archive without a workbook in it", name)
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(
            "", f"a workbook that unpacks to at most {MAX_UNPACKED_BYTES // 2**20} MB", f"{unpacked:,} bytes", name
        )


def _cell_of(field: str, rows: list[InputRow], locate) -> str:
    """Where build()'s error about `field` points in the sheet: the value's cell (and its unit's),
    the first row of a table it names, or else the sheet."""
    fields = [error_field(parse_path(row.field, "")) for row in rows]
    if field in fields:
        index = fields.index(field)
        cell = locate(index, "value")
        return f"{cell}:{locate(index, 'unit').split('!')[1]} ({field})" if rows[index].unit else f"{cell} ({field})"
    inside = [index for index, known in enumerate(fields) if field and known.startswith((f"{field}.", f"{field}["))]
    if inside:
        return f"{locate(inside[0], 'field')} ({field})"
    return f"{SHEET} ({field})" if field else SHEET

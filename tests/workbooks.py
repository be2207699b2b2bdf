"""Reading the planning workbook back in tests: tables, totals, summary items, chart XML."""

import copy
import io
import math
import numbers
import zipfile

import pandas as pd
import pytest
from builders import ONE_SITE

from planner.inputs.scenario import build


def table(sheet, columns: int | None = None) -> pd.DataFrame:
    """The table under the header row, up to the first blank or Total row."""
    rows = list(sheet.iter_rows(values_only=True))
    width = columns or len([h for h in rows[0] if h is not None])
    body = []
    for row in rows[1:]:
        if row[0] in (None, "Total"):
            break
        body.append(row[:width])
    return pd.DataFrame(body, columns=list(rows[0][:width]))


def assert_same_rows(sheet_table: pd.DataFrame, frame: pd.DataFrame) -> None:
    """Row by row: texts equal, numbers to the 16 digits a workbook keeps, missing as empty cells."""
    assert sheet_table.shape == frame.shape
    for shown, expected in zip(sheet_table.itertuples(index=False), frame.itertuples(index=False)):
        assert [present(value) for value in shown] == [expected_cell(value) for value in expected]


def present(value):
    """A value, or None where it is missing (an empty cell, NaN, an empty text)."""
    missing = value is None or value == "" or (isinstance(value, float) and math.isnan(value))
    return None if missing else value


def expected_cell(value):
    """What a cell holding the plan's `value` must read: numbers to 16 digits, missing as None."""
    value = present(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return pytest.approx(float(value), rel=1e-15)
    return value


def total_row(sheet) -> dict:
    for row in sheet.iter_rows():
        if row[0].value == "Total":
            return {sheet.cell(1, cell.column).value: cell for cell in row[1:] if cell.value is not None}
    raise AssertionError(f"no Total row on {sheet.title}")


def summary_items(sheet) -> dict:
    return {row[0]: (row[1], row[2]) for row in sheet.iter_rows(min_row=6, values_only=True) if row[0]}


def column_width(sheet, column: int) -> float:
    """openpyxl keeps a run of equally wide columns under the run's first letter."""
    return next(d.width for d in sheet.column_dimensions.values() if d.min <= column <= d.max)


def chart_xml(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            archive.read(name).decode() for name in sorted(archive.namelist()) if name.startswith("xl/charts/chart")
        ]


# Names a spreadsheet would run if they were written as formulas (CSV-injection payloads).
INJECTIONS = {
    "name": '=HYPERLINK("http://example.com","open me")',
    "site": "+cmd|' /C calc'!A0",
    "accelerator": "@SUM(1+1)*cmd|' /C calc'!A0",
    "workload": "-2+3+cmd|' /C calc'!A0",
}


def injected_scenario():
    """The one-site test scenario with every name one of the INJECTIONS."""
    raw = copy.deepcopy(ONE_SITE)
    raw["name"] = INJECTIONS["name"]
    raw["workload"]["name"] = INJECTIONS["workload"]
    raw["sites"] = {INJECTIONS["site"]: raw["sites"]["Alpha"]}
    raw["accelerators"] = {INJECTIONS["accelerator"]: raw["accelerators"]["X1"]}
    return build(raw, "test scenario")

"""The planning workbook (.xlsx) and the plan's tables as CSV files (.zip).

Sheets: Summary; Inputs (the whole scenario, one value per row, edited and read back by
planner.exchange.workbook_import); Fleet; Power; Energy and emissions; Costs; Compute; Runs;
Inference (when the scenario serves); Cash (by source, against the money available);
Fleet-by-vintage (accelerators in service by month bought); Binding constraints; Relaxations (when the plan has any); Sources and assumptions.

Cells keep full precision (formats only change what shows). Totals are live formulas whose
cached values are the plan's own numbers, so a viewer that does not recalculate shows them too.
Every text cell is written as text: names from a scenario may begin with '=', '+', '-' or '@'
and must never become formulas; chart titles and series names refer to cells for the same reason.
"""

from __future__ import annotations

import io
import json
import math
import numbers
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from planner.inputs.catalog import TAG, source_tags
from planner.inputs.errors import InputError
from planner.inputs.files import check_writable, csv_text, write_file
from planner.inputs.inputs_table import COLUMNS as INPUT_COLUMNS
from planner.inputs.inputs_table import document_rows
from planner.results.hours import plan_load_profiles
from planner.results.plan import Plan
from planner.results.programme import cash_by_source, fleet_by_vintage

JPY_BN = 1e-9  # money shows in billions of yen
CSV_TABLES = ("fleet", "power", "energy", "costs", "compute", "runs", "inference", "alternatives", "binding", "entry", "relaxations")
HOUR_TABLES = ("peak_hours", "curtailment", "throttle", "clean", "contracts")  # in the CSV tables, not (yet) among the app's

# Style name -> (Excel number format, the same format in Python, to size columns).
STYLES = {
    "text": ("@", "{}"),
    "general": ("General", "{}"),
    "count": ("#,##0", "{:,.0f}"),
    "mw": ("#,##0.0", "{:,.1f}"),
    "ratio": ("0.000", "{:.3f}"),
    "mwh": ("#,##0", "{:,.0f}"),
    "tonnes": ("#,##0", "{:,.0f}"),
    "jpy_bn": ("#,##0.00", "{:,.2f}"),
    "jpy_bn_fine": ("#,##0.000", "{:,.3f}"),
    "scientific": ("0.000E+00", "{:.3E}"),
    "share": ("0.0%", "{:.1%}"),
    "decimal": ("#,##0.000", "{:,.3f}"),  # shadow prices and relaxations, from 0.08 JPY per JPY to 4e9 JPY per MW
    "percent": ('+0.0"%";-0.0"%";0.0"%"', "{:+.1f}%"),  # a relative sweep's -12.5 shows as -12.5%
}
MAX_WIDTH = 60
MAX_CELL_TEXT = 32_767  # Excel's limit; xlsxwriter would cut longer text silently
MAX_ROWS = 1_048_576  # rows in an Excel sheet
# xlsxwriter's options that keep a text a text ("=1+1" is not a formula, "007" not a number)
TEXT_AS_TEXT = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}


@dataclass(frozen=True)
class Column:
    """One column of a sheet's table: the plan column `key`, shown as `header` (with its unit).

    `scale` converts the plan's value to the unit shown; `total` adds it to a SUM row;
    `formula` makes each cell live, e.g. "={capex_jpy}{row}+{energy_cost_jpy}{row}" ({row} and
    {first} are sheet row numbers, {key} a column letter), cached with the plan's value.
    """

    key: str
    header: str
    style: str = "text"
    scale: float = 1.0
    total: bool = False
    formula: str | None = None


FLEET = (
    Column("site", "Site"),
    Column("accelerator", "Accelerator"),
    Column("month", "Month"),
    Column("installed", "Installed (count)", "count"),
    Column("delivered", "Delivered (count)", "count", total=True),
    Column("retired", "Retired (count)", "count", total=True),
    Column("training", "Training (count)", "count"),
    Column("serving", "Serving (count)", "count"),
)
POWER = (
    Column("site", "Site"),
    Column("month", "Month"),
    Column("pue", "PUE", "ratio"),
    Column("it_mw", "IT power (MW)", "mw"),
    Column("facility_mw", "Facility power (MW)", "mw"),
    Column("grid_limit_mw", "Grid limit (MW)", "mw"),
    Column("it_capacity_mw", "IT fit-out limit (MW)", "mw"),
    Column("headroom_mw", "Grid headroom (MW)", "mw"),
)
ENERGY = (
    Column("site", "Site"),
    Column("month", "Month"),
    Column("energy_mwh", "Energy (MWh)", "mwh", total=True),
    Column("electricity_cost_jpy", "Electricity cost (JPY bn)", "jpy_bn_fine", JPY_BN, total=True),
    Column("co2_t", "CO2 (t)", "tonnes", total=True),
    Column("peak_draw_mw", "Peak draw charged (MW)", "mw"),
    Column("demand_charge_jpy", "Demand charge (JPY bn)", "jpy_bn_fine", JPY_BN, total=True),
)
COSTS = (
    Column("fiscal_year", "Fiscal year"),
    Column("capex_jpy", "Capex (JPY bn)", "jpy_bn", JPY_BN, total=True),
    Column("energy_cost_jpy", "Electricity (JPY bn)", "jpy_bn", JPY_BN, total=True),
    Column("total_jpy", "Total (JPY bn)", "jpy_bn", JPY_BN, True,
           "={capex_jpy}{row}+{energy_cost_jpy}{row}+{demand_charge_jpy}{row}"),
    Column("budget_jpy", "Budget arriving (JPY bn)", "jpy_bn", JPY_BN, total=True),
    Column(
        "spent_to_date_jpy",
        "Spent to date (JPY bn)",
        "jpy_bn",
        JPY_BN,
        formula="=SUM({total_jpy}${first}:{total_jpy}{row})",
    ),
    Column(
        "budget_to_date_jpy",
        "Budget to date (JPY bn)",
        "jpy_bn",
        JPY_BN,
        formula="=SUM({budget_jpy}${first}:{budget_jpy}{row})",
    ),
    Column("public_jpy", "Public money (JPY bn)", "jpy_bn", JPY_BN, total=True),
    Column("private_jpy", "Private money (JPY bn)", "jpy_bn", JPY_BN, total=True),
    Column("demand_charge_jpy", "Demand charges (JPY bn)", "jpy_bn", JPY_BN, total=True),
)
COMPUTE = (
    Column("month", "Month"),
    Column("delivered_flop", "Compute delivered (FLOP)", "scientific", total=True),
    Column(
        "cumulative_flop",
        "Cumulative compute (FLOP)",
        "scientific",
        formula="=SUM({delivered_flop}${first}:{delivered_flop}{row})",
    ),
)
INFERENCE = (
    Column("stream", "Stream"),
    Column("month", "Month"),
    Column("demand_tokens_per_s", "Demand (tokens/s)", "count"),
    Column("served_tokens_per_s", "Served (tokens/s)", "count"),
    Column("attributed_cost_jpy", "Attributed cost (JPY bn)", "jpy_bn_fine", JPY_BN, total=True),
    Column("cost_per_million_tokens_jpy", "Cost per million tokens (JPY)", "decimal"),
)
VINTAGE = (
    Column("site", "Site"),
    Column("accelerator", "Accelerator"),
    Column("bought", "Bought"),
    Column("month", "Month"),
    Column("accelerators", "In service (count)", "count"),
)
CASH = (
    Column("fiscal_year", "Fiscal year"),
    Column("source", "Source"),
    Column("paid_jpy", "Paid (JPY bn)", "jpy_bn", JPY_BN, total=True),
    Column("arriving_jpy", "Arriving (JPY bn)", "jpy_bn", JPY_BN, total=True),
    Column("arrived_to_date_jpy", "Arrived to date (JPY bn)", "jpy_bn", JPY_BN),
)
BINDING = (
    Column("constraint", "Constraint"),
    Column("description", "Limit"),
    Column("where", "Where"),
    Column("shadow_price", "Shadow price (see Unit)", "decimal"),
    Column("unit", "Unit"),
)
RUNS = (
    Column("run", "Run"),
    Column("accelerator", "Accelerator type"),
    Column("sites", "Sites"),
    Column("start", "Start"),
    Column("finish", "Finish"),
    Column("deadline", "Deadline"),
    Column("required_flop", "Compute required (FLOP)", "scientific"),
    Column("delivered_flop", "Compute delivered (FLOP)", "scientific"),
    Column("accelerators", "Peak at work (count)", "count"),
    Column("efficiency", "Efficiency (mix x split)", "share"),
    Column("goodput", "Goodput", "share"),
    Column("interruptions", "Interruptions expected (count)", "count"),
    Column("checkpoint_interval_s", "Checkpoint interval (s)", "count"),
    Column("accelerator_months", "Accelerator-months", "count", total=True),
    Column("attributed_cost_jpy", "Attributed cost (JPY bn)", "jpy_bn_fine", JPY_BN, total=True),
)
ALTERNATIVES = (
    Column("alternative", "Alternative"),
    Column("status", "Status"),
    Column("economic_cost_jpy", "Economic cost (JPY bn)", "jpy_bn", JPY_BN),
    Column("difference_jpy", "Against this plan (JPY bn)", "jpy_bn_fine", JPY_BN),
)
ENTRY = (
    Column("accelerator", "Accelerator"),
    Column("price_cut_jpy", "Price cut to enter (JPY each)", "count"),
    Column("capex_jpy", "Capex (JPY each)", "count"),
    Column("cut_share", "Cut (share of capex)", "share"),
)
RELAXATIONS = (
    Column("option", "Option"),
    Column("limit", "Limit"),
    Column("description", "Description"),
    Column("amount", "Amount (see Unit)", "decimal"),
    Column("unit", "Unit"),
)

PEAK_HOURS = (
    Column("site", "Site"),
    Column("month", "Month"),
    Column("day", "Representative day"),
    Column("hour", "Hour (start)", "count"),
    Column("pue", "PUE", "ratio"),
    Column("programme_mw", "Programme draw (MW)", "mw"),
    Column("facility_mw", "Facility draw, reserved included (MW)", "mw"),
    Column("firm_limit_mw", "Firm grid limit (MW)", "mw"),
    Column("importable_mw", "Importable that hour (MW)", "mw"),
)
CURTAILMENT = (
    Column("site", "Site"),
    Column("month", "Month"),
    Column("hours_curtailed", "Hours curtailed", "count", total=True),
    Column("largest_cut_mw", "Largest cut (MW of IT)", "mw"),
    Column("mw_gained", "Drawn above the firm limit (MW)", "mw"),
    Column("lost_flop", "Training lost (FLOP)", "scientific", total=True),
)
CONTRACTS = (
    Column("site", "Site"),
    Column("contract", "Contract"),
    Column("kind", "Kind"),
    Column("mw", "Signed (MW)", "mw", total=True),
    Column("price_jpy_per_mwh", "Price (JPY/MWh)", "count"),
)
CLEAN = (
    Column("site", "Site"),
    Column("month", "Month"),
    Column("energy_mwh", "Energy (MWh)", "mwh", total=True),
    Column("delivered_mwh", "Contracts delivered (MWh)", "mwh", total=True),
    Column("matched_mwh", "Matched in the hour (MWh)", "mwh", total=True),
    Column("carbon_free_share", "Carbon-free share", "share"),
    Column("contract_cost_jpy", "Contracts paid (JPY bn)", "jpy_bn_fine", JPY_BN, total=True),
    Column("grid_cost_saved_jpy", "Grid energy saved (JPY bn)", "jpy_bn_fine", JPY_BN, total=True),
    Column("scope2_location_t", "Scope 2, location-based (t CO2)", "tonnes", total=True),
    Column("scope2_market_t", "Scope 2, market-based (t CO2)", "tonnes", total=True),
)
BATTERY = (
    Column("site", "Site"),
    Column("month", "Month"),
    Column("power_mw", "Power (MW)", "mw"),
    Column("energy_mwh", "Energy (MWh)", "mw"),
    Column("charged_mwh", "Charged (MWh)", "mw", total=True),
    Column("discharged_mwh", "Discharged (MWh)", "mw", total=True),
    Column("capacity_cost_jpy", "Monthly charges (JPY bn)", "jpy_bn_fine", JPY_BN, total=True),
    Column("energy_cost_jpy", "Grid energy cycled (JPY bn)", "jpy_bn_fine", JPY_BN, total=True),
    Column("co2_t", "CO2 cycled (t)", "tonnes", total=True),
)
SUMMARY_BINDING = (
    Column("description", "Limit"),
    Column("shadow_price", "Shadow price", "decimal"),
    Column("unit", "Unit"),
)
SUMMARY_RELAXATIONS = (Column("option", "Option"), Column("description", "What it takes"))
SOURCES = (Column("item", "Item"), Column("value", "Value"), Column("source", "Source"))


class Styles:
    """Workbook formats by (style, role); role is "cell", "header" or "total"."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook, self.cache = workbook, {}
        self.title = workbook.add_format({"bold": True, "font_size": 14})

    def __call__(self, style: str, role: str = "cell"):
        if (style, role) not in self.cache:
            spec = {"num_format": STYLES[style][0]}
            if role == "header":
                spec = {"bold": True, "bottom": 1, "bg_color": "#DDEBF7", "num_format": "@"}
            elif role == "total":
                spec |= {"bold": True, "top": 1}
            self.cache[style, role] = self.workbook.add_format(spec)
        return self.cache[style, role]


class Sheet:
    """A worksheet that writes text only as text and remembers how wide each column must be."""

    def __init__(self, workbook: xlsxwriter.Workbook, styles: Styles, name: str):
        self.sheet, self.styles, self.name = workbook.add_worksheet(name), styles, name
        self.widths: dict[int, int] = {}

    def text(self, row: int, col: int, text: str, role: str = "cell", fit: bool = True) -> None:
        if len(text) > MAX_CELL_TEXT:
            found = f"{len(text):,} characters beginning {text[:40]!r}"
            raise InputError("--out", f"texts of at most {MAX_CELL_TEXT:,} characters (an Excel cell's limit)", found)
        self.sheet.write_string(row, col, text, self.styles("text", role))
        self._fit(col, len(text) if fit else 0)

    def value(self, row: int, col: int, value, style: str, role: str = "cell") -> None:
        """A plan value: text as text, a flag as a flag, a number in `style`, nothing as blank."""
        if value is None or value is pd.NA or value == "" or (isinstance(value, float) and math.isnan(value)):
            self.sheet.write_blank(row, col, None, self.styles(style, role))
        elif isinstance(value, str):
            self.text(row, col, value, role)
        elif isinstance(value, bool):
            self.sheet.write_boolean(row, col, value, self.styles("general", role))
            self._fit(col, 5)
        else:
            self.sheet.write_number(row, col, float(value), self.styles(style, role))
            self._fit(col, len(STYLES[style][1].format(value)))

    def formula(self, row: int, col: int, formula: str, style: str, cached: float, role: str = "cell") -> None:
        self.sheet.write_formula(row, col, formula, self.styles(style, role), cached)
        self._fit(col, len(STYLES[style][1].format(cached)))

    def _fit(self, col: int, width: int) -> None:
        self.widths[col] = max(self.widths.get(col, 0), width)

    def fit(self) -> None:
        """Column widths to the widest cell; printed landscape, one page wide."""
        for col, width in self.widths.items():
            self.sheet.set_column(col, col, min(width + 2, MAX_WIDTH))
        self.sheet.set_landscape()
        self.sheet.fit_to_pages(1, 0)


@dataclass
class Placed:
    """Where a table landed: data rows `first`..`last` (0-based), a totals row, column indexes."""

    sheet: str
    first: int
    last: int
    columns: dict[str, int]
    totals: dict[str, float] = field(default_factory=dict)
    total_row: int | None = None

    @property
    def end(self) -> int:
        """The last row the table took: its totals row, or its last data row (its header when empty)."""
        return self.total_row if self.total_row is not None else max(self.last, self.first - 1)

    def ref(self, key: str, row: int) -> str:
        return f"'{self.sheet}'!{xl_rowcol_to_cell(row, self.columns[key], True, True)}"

    def span(self, key: str, first: int, last: int) -> str:
        col = self.columns[key]
        return f"'{self.sheet}'!{xl_rowcol_to_cell(first, col, True, True)}:{xl_rowcol_to_cell(last, col, True, True)}"

    def chart_range(self, key: str, first: int, last: int) -> list:
        return [self.sheet, first, self.columns[key], last, self.columns[key]]


def write_table(sheet: Sheet, frame: pd.DataFrame, columns: tuple[Column, ...], top: int = 0) -> Placed:
    """Header row at `top`, one row per frame row, then a totals row if any column totals."""
    known = {column.key for column in columns}
    columns = tuple(c for c in columns if c.key in frame) + tuple(
        Column(k, k, "general") for k in frame if k not in known
    )
    where = {column.key: index for index, column in enumerate(columns)}
    letters = {key: xl_col_to_name(index) for key, index in where.items()}
    first, last = top + 1, top + len(frame)
    if last + 1 >= MAX_ROWS:  # the data, and a totals row
        found = f"{len(frame):,} rows for the {sheet.name} sheet"
        raise InputError("--out", f"a plan that fits Excel's {MAX_ROWS:,} rows a sheet (or CSV tables: .zip)", found)
    for index, column in enumerate(columns):
        sheet.text(top, index, column.header, "header")
    for offset, record in enumerate(frame[[c.key for c in columns]].itertuples(index=False)):
        row = first + offset
        for index, (column, value) in enumerate(zip(columns, record)):
            scaled = value * column.scale if column.scale != 1.0 and _is_number(value) else value
            if column.formula and _is_number(value):
                formula = column.formula.format(row=row + 1, first=first + 1, **letters)
                sheet.formula(row, index, formula, column.style, scaled)
            else:
                sheet.value(row, index, scaled, column.style)
    sheet.sheet.freeze_panes(top + 1, 0)
    sheet.sheet.repeat_rows(top)  # the header on every printed page
    placed = Placed(sheet.name, first, last, where)
    if len(frame):
        sheet.sheet.autofilter(top, 0, last, len(columns) - 1)
        _totals(sheet, frame, columns, placed)
    return placed


def _totals(sheet: Sheet, frame: pd.DataFrame, columns: tuple[Column, ...], placed: Placed) -> None:
    summed = [c for c in columns if c.total and frame[c.key].notna().any()]
    if not summed:
        return
    placed.total_row = row = placed.last + 1
    sheet.text(row, 0, "Total", "total")
    for column in summed:
        col = placed.columns[column.key]
        value = float(frame[column.key].sum()) * column.scale
        top, bottom = xl_rowcol_to_cell(placed.first, col), xl_rowcol_to_cell(placed.last, col)
        sheet.formula(row, col, f"=SUM({top}:{bottom})", column.style, value, "total")
        placed.totals[column.key] = value


def _is_number(value) -> bool:
    """A number to write as one (numpy's too); not a flag, not a missing value."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)


WORKBOOK_OPTIONS = {"in_memory": True, **TEXT_AS_TEXT}


def workbook_bytes(plan: Plan) -> bytes:
    """The planning workbook of `plan`, as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties({"title": "Capacity plan", "subject": plan.scenario.name, "comments": "Written by planner"})
    styles = Styles(workbook)
    names = ["Summary", "Inputs", "Fleet", "Power", "Energy and emissions", "Costs", "Compute", "Runs"]
    names += ["Inference"] * (not plan.inference.empty) + ["Alternatives"] * (not plan.alternatives.empty)
    names += ["Cash", "Fleet-by-vintage", "Binding constraints"]
    names += ["Price to enter"] * (not plan.entry.empty) + ["Relaxations"] * (not plan.relaxations.empty)
    names += ["Hours"] * plan.scenario.representative_days
    names += ["Clean power"] * (not plan.contracts.empty or not plan.battery.empty) + ["Sources and assumptions"]
    sheets = {name: Sheet(workbook, styles, name) for name in names}
    rows = document_rows(plan.scenario.document())
    _inputs(sheets["Inputs"], rows)
    _fleet(workbook, sheets["Fleet"], plan)
    power = _power(workbook, sheets["Power"], plan)
    energy = write_table(sheets["Energy and emissions"], plan.energy, ENERGY)
    costs = _costs(sheets["Costs"], plan)
    compute = write_table(sheets["Compute"], plan.compute, COMPUTE)
    write_table(sheets["Runs"], plan.runs, RUNS)
    if "Inference" in sheets:
        write_table(sheets["Inference"], plan.inference, INFERENCE)
    if "Alternatives" in sheets:
        write_table(sheets["Alternatives"], plan.alternatives, ALTERNATIVES)
    write_table(sheets["Cash"], cash_by_source(plan), CASH)
    write_table(sheets["Fleet-by-vintage"], fleet_by_vintage(plan), VINTAGE)
    _binding(sheets["Binding constraints"], plan)
    if "Price to enter" in sheets:
        write_table(sheets["Price to enter"], plan.entry, ENTRY)
    if "Relaxations" in sheets:
        write_table(sheets["Relaxations"], plan.relaxations, RELAXATIONS)
    if "Hours" in sheets:  # each site's highest hour by month, then the months it throttled training
        placed = write_table(sheets["Hours"], plan.peak_hours, PEAK_HOURS)
        write_table(sheets["Hours"], plan.curtailment, CURTAILMENT, top=placed.end + 3)
    if "Clean power" in sheets:  # the contracts signed, what they matched by month, then any battery
        top = 0
        for frame, columns in ((plan.contracts, CONTRACTS), (plan.clean, CLEAN), (plan.battery, BATTERY)):
            if not frame.empty:
                placed = write_table(sheets["Clean power"], frame, columns, top=top)
                top = placed.end + 3
    write_table(sheets["Sources and assumptions"], _sources(plan, rows), SOURCES)
    _summary(sheets["Summary"], plan, power, energy, costs, compute)
    for sheet in sheets.values():
        sheet.fit()
    workbook.close()
    return buffer.getvalue()


def _inputs(sheet: Sheet, rows) -> None:
    for col, header in enumerate(INPUT_COLUMNS):
        sheet.text(0, col, header, "header")
    for index, row in enumerate(rows, start=1):
        sheet.text(index, 0, row.field)
        sheet.value(index, 1, row.value, _input_style(row.value))
        for col, text in enumerate((row.unit, row.source, row.note), start=2):
            if text:
                sheet.text(index, col, text)
    sheet.sheet.freeze_panes(1, 1)
    sheet.sheet.autofilter(0, 0, len(rows), len(INPUT_COLUMNS) - 1)


def _input_style(value) -> str:
    """Thousands separators on whole numbers, powers of ten on very large or small ones."""
    if not _is_number(value) or value == 0:
        return "general"
    if abs(value) >= 1e15 or abs(value) < 1e-4:
        return "scientific"
    return "count" if float(value).is_integer() and abs(value) >= 1e4 else "general"


def _fleet(workbook: xlsxwriter.Workbook, sheet: Sheet, plan: Plan) -> None:
    """The fleet table, and beside it installed accelerators by month for a build-out chart."""
    placed = write_table(sheet, plan.fleet, FLEET)
    installed = plan.fleet.pivot_table(index="month", columns=["site", "accelerator"], values="installed", sort=False)
    installed = installed.loc[:, installed.max() > 1e-6]
    left = len(placed.columns) + 1
    sheet.text(0, left, "Month (chart data: installed, count)", "header")
    for row, month in enumerate(installed.index, start=1):
        sheet.text(row, left, month)
    for offset, ((site, accelerator), counts) in enumerate(installed.items(), start=1):
        sheet.text(0, left + offset, f"{site} {accelerator}", "header")
        for row, count in enumerate(counts, start=1):
            sheet.value(row, left + offset, count, "count")
    if installed.empty:
        return
    chart = workbook.add_chart({"type": "column", "subtype": "stacked"})
    for offset in range(1, installed.shape[1] + 1):
        chart.add_series(
            {
                "name": [sheet.name, 0, left + offset],
                "categories": [sheet.name, 1, left, len(installed), left],
                "values": [sheet.name, 1, left + offset, len(installed), left + offset],
                "gap": 50,
            }
        )
    chart.set_title({"name": "Fleet build-out: accelerators installed"})
    chart.set_y_axis({"name": "Accelerators (count)", "num_format": "#,##0"})
    chart.set_size({"width": 760, "height": 420})
    sheet.sheet.insert_chart(1, left + installed.shape[1] + 2, chart)


def _power(workbook: xlsxwriter.Workbook, sheet: Sheet, plan: Plan) -> dict[str, tuple[Placed, int, int]]:
    """The power table, one block of months per site, and per site facility MW against the grid limit."""
    order = {site: index for index, site in enumerate(plan.scenario.sites)}
    frame = plan.power.sort_values("site", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    placed = write_table(sheet, frame, POWER)
    blocks = {}
    for number, (site, rows) in enumerate(frame.groupby("site", sort=False)):
        first, last = placed.first + rows.index[0], placed.first + rows.index[-1]
        blocks[site] = (placed, first, last)
        chart = workbook.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": [sheet.name, 0, placed.columns["facility_mw"]],
                "categories": placed.chart_range("month", first, last),
                "values": placed.chart_range("facility_mw", first, last),
                "gap": 40,
            }
        )
        limit = workbook.add_chart({"type": "line"})
        limit.add_series(
            {
                "name": [sheet.name, 0, placed.columns["grid_limit_mw"]],
                "categories": placed.chart_range("month", first, last),
                "values": placed.chart_range("grid_limit_mw", first, last),
                "line": {"color": "#C00000", "width": 2.25},
            }
        )
        chart.combine(limit)
        caption = (1 + 19 * number, len(placed.columns) + 1)
        sheet.text(*caption, f"{site}: facility power against the grid limit", fit=False)
        chart.set_title({"name": [sheet.name, *caption]})  # a reference: a site's name is never parsed
        chart.set_y_axis({"name": "MW", "num_format": "#,##0"})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 720, "height": 340})
        sheet.sheet.insert_chart(caption[0] + 1, caption[1], chart)
    return blocks


def _costs(sheet: Sheet, plan: Plan) -> Placed:
    """Spending by fiscal year against the money arriving, then the budget for the whole run."""
    costs = plan.costs.assign(spent_to_date_jpy=plan.costs["total_jpy"].cumsum())
    if costs["budget_jpy"].notna().any():
        costs = costs.assign(budget_to_date_jpy=costs["budget_jpy"].fillna(0).cumsum())
    placed = write_table(sheet, costs, COSTS)
    row, col = placed.total_row + 2, placed.columns["total_jpy"]
    budget = plan.scenario.budget.total * JPY_BN
    sheet.text(row, 0, "Budget for the run", "total")
    sheet.value(row, col, budget, "jpy_bn")
    sheet.text(row + 1, 0, "Left after this plan", "total")
    spent = xl_rowcol_to_cell(placed.total_row, col)
    placed.totals["budget_left"] = budget - placed.totals["total_jpy"]
    sheet.formula(
        row + 1, col, f"={xl_rowcol_to_cell(row, col)}-{spent}", "jpy_bn", placed.totals["budget_left"], "total"
    )
    return placed


def _binding(sheet: Sheet, plan: Plan) -> None:
    placed = write_table(sheet, plan.binding, BINDING)
    if plan.binding.empty:
        nothing = (
            "No binding limits reported for this plan." if plan.feasible else "No plan: see the Relaxations sheet."
        )
        sheet.text(placed.first, 0, nothing, fit=False)
    elif plan.prices_note:
        sheet.text(placed.last + 2, 0, f"Shadow prices and prices to enter: {plan.prices_note}.", fit=False)


def _sources(plan: Plan, rows) -> pd.DataFrame:
    """The method in brief, then every input that names its source."""
    scenario, work = plan.scenario, plan.scenario.run  # the named run: [workload], or the first of [runs]
    compute = f"{work.required_flop:.4g} FLOP"
    if work.compute is None:
        active = work.active_parameters or work.parameters
        compute += (
            f" = {work.flop_per_parameter_token:g} x {active:.4g} active parameters x {work.training_tokens:.4g} tokens"
        )
    carry = (
        "money unspent in one fiscal year may be spent later (the limit is on spending to date)"
        if scenario.budget.carry_over
        else "each fiscal year's spending is capped by the money arriving that year"
    )
    method = [
        ("Fiscal years", "April to March: FY2026 = April 2026 to March 2027", "Japanese government fiscal year"),
        ("Training compute", compute, "C = k x N x D (k = 6 dense, 8 with full recomputation); Inputs: workload"),
        (
            "Useful compute",
            (
                f"peak dense BF16 x MFU per accelerator, x availability {work.availability:.0%} (or, with a failure "
                f"rate, goodput at the run's size); one type unless mixed, one site unless split: a split run's "
                f"compute counts at {scenario.split_efficiency(work):.1%} (its gradients over the link)"
            ),
            "Inputs: accelerators.*.mfu, workload.availability, workload.failure_rate, workload.sync_interval, link",
        ),
        (
            "Power",
            (
                "facility power = (IT power + reserved IT load) x PUE; an accelerator not training draws its idle "
                "fraction of IT power; PUE by month from the site's climate or as given"
            ),
            "Inputs: sites.*.pue_model, sites.*.monthly_temperature, accelerators.*.idle_fraction",
        ),
        (
            "Capex",
            "per accelerator delivered: its all-in price + the site's fit-out cost x its IT power, in the month of delivery",
            "Inputs: accelerators.*.capex, sites.*.fitout_cost",
        ),
        (
            "Exchange rate",
            f"{scenario.exchange_rate:g} JPY per USD for prices given in dollars",
            "Inputs: exchange_rate",
        ),
        ("Budget", carry, "Inputs: budget"),
        ("Units", "money in JPY bn (billions of yen), power in MW, energy in MWh, CO2 in tonnes", ""),
    ]
    sourced = [(row.field, _shown(row), row.source) for row in rows if row.source]
    return pd.DataFrame(method + _tags(sourced) + sourced, columns=["item", "value", "source"])


def _tags(sourced: list[tuple]) -> list[tuple[str, str, str]]:
    """What each tag the sources cite ("estimate: [IDLE]") stands for: the shared bases the
    accelerator catalog explains in its header."""
    cited = dict.fromkeys(tag for _, _, source in sourced for tag in TAG.findall(str(source)))
    known = source_tags()
    return [
        (f"[{tag}]", known[tag], "shared basis in the accelerator catalog (planner/data/accelerators.toml)")
        if tag in known
        else (f"[{tag}]", "not explained in the shipped accelerator catalog: see the catalog the scenario names", "")
        for tag in cited
    ]


def _shown(row) -> str:
    return f"{row.value} {row.unit}".strip() if not isinstance(row.value, str) else row.value


def _summary(sheet: Sheet, plan: Plan, power: dict, energy: Placed, costs: Placed, compute: Placed) -> None:
    """Headline numbers, most as formulas over the other sheets' totals."""
    summary = plan.summary()
    scenario = plan.scenario
    sheet.sheet.write_string(0, 0, scenario.name, sheet.styles.title)
    sheet.text(1, 0, scenario.description or "", fit=False)
    sheet.text(
        2,
        0,
        "To re-plan with other inputs: edit the Inputs sheet, save, run planner plan --from-workbook FILE",
        fit=False,
    )
    header = 4
    for col, text in enumerate(("Item", "Value", "Unit")):
        sheet.text(header, col, text, "header")
    row = header + 1

    def put(item: str, value, unit: str = "", style: str = "general") -> int:
        nonlocal row
        sheet.text(row, 0, item)
        if isinstance(value, tuple):  # (formula, cached value)
            sheet.formula(row, 1, value[0], style, value[1])
        else:
            sheet.value(row, 1, value, style)
        if unit:
            sheet.text(row, 2, unit)
        row += 1
        return row - 1

    def total(placed: Placed, key: str) -> tuple[str, float]:
        return f"={placed.ref(key, placed.total_row)}", placed.totals[key]

    put("Status", summary["status"])
    if summary["message"]:
        put("Message", summary["message"])
    put("Objective", summary["objective"])
    put("Solver", summary["solver"])
    if summary["integer"]:
        put("MIP gap", summary["mip_gap"], "of the objective", "share")
        put("Cost of whole units", summary["integer_gap"], "above the fractional plan", "share")
        put("Shadow prices from", plan.prices_note)
    put("Training finishes", summary["finish_month"] or "not within this plan", "month")
    put("Deadline", summary["deadline"], "month")
    put("Compute required", summary["required_flop"], "FLOP", "scientific")
    put("Compute delivered", total(compute, "delivered_flop"), "FLOP", "scientific")
    if summary["largest_model_parameters"] is not None:
        put("Largest model this compute trains", summary["largest_model_parameters"], "parameters", "scientific")
    spent = put("Total cost", total(costs, "total_jpy"), "JPY bn", "jpy_bn")
    put("Capex", total(costs, "capex_jpy"), "JPY bn", "jpy_bn")
    put("Electricity", total(costs, "energy_cost_jpy"), "JPY bn", "jpy_bn")
    put("Demand charges", total(costs, "demand_charge_jpy"), "JPY bn", "jpy_bn")
    budget = put("Budget", summary["budget_jpy"] * JPY_BN, "JPY bn", "jpy_bn")
    put("Budget left", (f"=B{budget + 1}-B{spent + 1}", costs.totals["budget_left"]), "JPY bn", "jpy_bn")
    put("Energy", total(energy, "energy_mwh"), "MWh", "mwh")
    put("CO2", total(energy, "co2_t"), "t", "tonnes")
    for site, (placed, first, last) in power.items():
        peak = f"=MAX({placed.span('facility_mw', first, last)})"
        put(f"Peak facility power, {site}", (peak, summary["peak_facility_mw"][site]), "MW", "mw")
        put(f"Largest grid limit in the horizon, {site}", summary["grid_limit_mw"][site], "MW", "mw")
    for site, fleet in summary["accelerators"].items():
        for accelerator, count in fleet.items():
            put(f"Peak installed, {site} {accelerator}", count, "count", "count")
    for notice in summary["notices"]:
        put("Notice", notice)
    if plan.feasible:
        title, table, columns, more = (
            "Binding limits: what one more unit of each is worth",
            plan.binding,
            SUMMARY_BINDING,
            "Binding constraints",
        )
    else:
        title, table, columns, more = (
            "No plan: each of these alone would give one",
            plan.relaxations,
            SUMMARY_RELAXATIONS,
            "Relaxations",
        )
    _summary_list(sheet, row + 1, title, table, columns, more)
    sheet.sheet.freeze_panes(header + 1, 0)


def _summary_list(
    sheet: Sheet, top: int, title: str, table: pd.DataFrame, columns: tuple[Column, ...], more: str
) -> None:
    """The first rows of a table under the headlines; all of them are on the sheet named `more`."""
    shown = 10
    sheet.text(top, 0, title, "total", fit=False)
    if table.empty:
        sheet.text(top + 1, 0, "None reported for this plan.", fit=False)
        return
    for col, column in enumerate(columns):
        sheet.text(top + 1, col, column.header, "header")
    for row, record in enumerate(table.head(shown).to_dict("records"), start=top + 2):
        for col, column in enumerate(columns):
            sheet.value(row, col, record[column.key], column.style)
    if len(table) > shown:
        sheet.text(top + 2 + shown, 0, f"... and {len(table) - shown} more on the {more} sheet", fit=False)


# A sweep's columns (planner.studies.sweep, planner.studies.analysis), headed and formatted as the plan's are.
SWEEP_COLUMNS = {
    column.key: column
    for column in (
        Column("scenario", "Scenario", "count"),
        Column("status", "Status"),
        Column("reason", "Reason"),
        Column("budget_jpy", "Budget (JPY bn)", "jpy_bn", JPY_BN),
        Column("total_cost_jpy", "Total cost (JPY bn)", "jpy_bn", JPY_BN),
        Column("capex_jpy", "Capex (JPY bn)", "jpy_bn", JPY_BN),
        Column("energy_cost_jpy", "Electricity (JPY bn)", "jpy_bn", JPY_BN),
        Column("economic_cost_jpy", "Economic cost (JPY bn)", "jpy_bn", JPY_BN),
        Column("energy_mwh", "Energy (MWh)", "mwh"),
        Column("co2_t", "CO2 (t)", "tonnes"),
        Column("finish_month", "Training finishes"),
        Column("on_front", "On the front (no plan finishes as early for less)"),
        Column("name", "Field"),
        Column("field", "Dotted path"),
        Column("range", "Range"),
        Column("unit", "Unit of the inputs"),
        Column("input_low", "Low input", "general"),
        Column("input_high", "High input", "general"),
        Column("without_plan", "Points without a plan (count)", "count"),
    )
}
PER_SITE = {"peak_mw_": ("Peak facility power, {} (MW)", "mw"), "accelerators_": ("Accelerators, {} (count)", "count")}
IN_UNIT = {  # a measure's unit: (as headed, style, scale)
    "JPY": ("JPY bn", "jpy_bn", JPY_BN),
    "t CO2": ("t", "tonnes", 1.0),
    "MWh": ("MWh", "mwh", 1.0),
    "MW": ("MW", "mw", 1.0),
    "accelerators": ("count", "count", 1.0),
}
TORNADO_MEASURES = {"at_low": "at the low input", "at_high": "at the high input", "low": "at its least",
                    "high": "at its greatest", "swing": "swing"}
SWEEP_SHEETS = {"sweep": "Sweep", "tornado": "Tornado", "pareto": "Pareto front"}


@dataclass(frozen=True)
class SweepWords:
    """How the views name a sweep's fields and measures, and its percentiles as they show them
    (planner.app.sweep_views.workbook_words): the workbook speaks as the screen does."""

    field_label: Callable[[str], str]
    metric_label: Callable[[str], str]
    percentiles: pd.DataFrame | None = None


def sweep_workbook_bytes(table: pd.DataFrame, kind: str, words: SweepWords) -> bytes:
    """A sweep's table (`planner sweep --out FILE.xlsx`; `kind` sweep, tornado or pareto) as the
    planning workbook is written: headers by name with units, money in JPY bn, number formats,
    header frozen and filtered, columns fitted, text always text; for a sweep its percentiles;
    and its settings."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties({"title": "Sweep", "comments": "Written by planner sweep"})
    styles = Styles(workbook)
    names = [SWEEP_SHEETS[kind], *(["Percentiles"] if kind == "sweep" else []), "Settings"]
    sheets = {name: Sheet(workbook, styles, name) for name in names}
    varied = table.attrs.get("units") or ({"budget.total": table.attrs["unit"]} if kind == "pareto" else {})
    if "field" in table:  # a tornado's fields by name, then by path
        table = table.assign(name=[words.field_label(field) for field in table["field"]])[["name", *table]]
    columns = tuple(_sweep_column(key, varied, table.attrs, words) for key in table)
    write_table(sheets[SWEEP_SHEETS[kind]], table, columns)
    if kind == "sweep":
        write_table(sheets["Percentiles"], words.percentiles, ())  # text as the app shows it: "no plan (3 of 8 ...)"
    settings = [(key, _setting(value)) for key, value in table.attrs.items()]
    settings += [(f"varied: {field}", f"{words.field_label(field)}, in {unit or 'its own terms'}") for field, unit in varied.items()]
    settings.append(("units", "money in JPY bn (billions of yen); relative ranges in % of the scenario's value"))
    write_table(sheets["Settings"], pd.DataFrame(settings, columns=["Setting", "Value"]), ())
    for sheet in sheets.values():
        sheet.fit()
    workbook.close()
    return buffer.getvalue()


def _setting(value) -> str:
    """A sweep's setting as text: words as they are, the rest as JSON (numpy numbers as Python's)."""
    return value if isinstance(value, str) else json.dumps(value, default=lambda number: number.item())


def _sweep_column(key: str, varied: dict, attrs: dict, words: SweepWords) -> Column:
    if key in SWEEP_COLUMNS:
        return SWEEP_COLUMNS[key]
    for prefix, (header, style) in PER_SITE.items():
        if key.startswith(prefix):
            return Column(key, header.format(key.removeprefix(prefix)), style)
    if key in TORNADO_MEASURES:  # the tornado's measure, in its unit
        unit, style, scale = IN_UNIT.get(attrs["unit"], (attrs["unit"], "general", 1.0))
        return Column(key, f"{words.metric_label(attrs['metric'])} {TORNADO_MEASURES[key]} ({unit})", style, scale)
    if key in varied:
        unit, label = varied[key], words.field_label(key)
        if unit == "%":
            return Column(key, f"{label} (%)", "percent")
        if unit == "JPY":
            return Column(key, f"{label} (JPY bn)", "jpy_bn", JPY_BN)
        return Column(key, f"{label} ({unit})" if unit not in ("", "month") else label, "general")
    return Column(key, key, "general")


def csv_zip_bytes(plan: Plan) -> bytes:
    """The plan's tidy tables as CSV files (and its inputs and summary), as the bytes of a .zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in CSV_TABLES + HOUR_TABLES:
            archive.writestr(f"{name}.csv", csv_text(getattr(plan, name)))
        archive.writestr("cash.csv", csv_text(cash_by_source(plan)))
        archive.writestr("fleet_by_vintage.csv", csv_text(fleet_by_vintage(plan)))
        archive.writestr("inputs.csv", csv_text(pd.DataFrame(document_rows(plan.scenario.document()))))
        archive.writestr("summary.json", json.dumps(plan.summary(), indent=2))
        if plan.scenario.representative_days:  # for the utility: every hour of each year, per site
            for name, profile in plan_load_profiles(plan).items():
                archive.writestr(name, csv_text(profile))
    return buffer.getvalue()


WRITERS: dict[str, Callable[[Plan], bytes]] = {".xlsx": workbook_bytes, ".zip": csv_zip_bytes}


def plan_file_writer(path: Path) -> Callable[[Plan], None]:
    """A function that writes a plan to `path`: a workbook for .xlsx, CSV tables for .zip.

    Ask for it before planning, so a path of the wrong kind, or one that cannot be written,
    fails before the solve.
    """
    path = Path(path)
    to_bytes = WRITERS.get(path.suffix.lower())
    if to_bytes is None:
        raise InputError("--out", "a path ending in .xlsx (workbook) or .zip (CSV tables)", repr(str(path)))
    check_writable(path, "--out")

    def write(plan: Plan) -> None:
        write_file(path, to_bytes(plan), "--out")

    return write

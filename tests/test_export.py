"""The planning workbook and the CSV zip, read back and compared with the Plan they came from."""

import copy
import csv
import dataclasses
import io
import json
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from builders import ONE_SITE
from workbooks import (
    INJECTIONS,
    assert_same_rows,
    chart_xml,
    column_width,
    injected_scenario,
    present,
    summary_items,
    table,
    total_row,
)

from planner import make_plan
from planner.exchange.export import csv_zip_bytes, plan_file_writer, workbook_bytes
from planner.inputs.errors import InputError
from planner.inputs.files import FORMULA_STARTS, csv_text
from planner.inputs.scenario import build
from planner.results.verify import verify

SHEETS = [
    "Summary",
    "Inputs",
    "Fleet",
    "Power",
    "Energy and emissions",
    "Costs",
    "Compute",
    "Runs",
    "Inference",
    "Cash",
    "Fleet-by-vintage",
    "Binding constraints",
    "Price to enter",
    "Sources and assumptions",
]


@pytest.fixture(scope="module")
def plan(default_plan):
    assert verify(default_plan) == []
    return default_plan


@pytest.fixture(scope="module")
def data(plan):
    return workbook_bytes(plan)


@pytest.fixture(scope="module")
def book(data):
    """Cached values (what a viewer shows without recalculating)."""
    return openpyxl.load_workbook(io.BytesIO(data), data_only=True)


@pytest.fixture(scope="module")
def formulas(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_sheets_in_order(book):
    assert book.sheetnames == SHEETS


def test_fleet_sheet_is_the_fleet_table(book, plan):
    sheet = table(book["Fleet"], 8)
    assert list(sheet.columns) == [
        "Site",
        "Accelerator",
        "Month",
        "Installed (count)",
        "Delivered (count)",
        "Retired (count)",
        "Training (count)",
        "Serving (count)",
    ]
    assert_same_rows(sheet, plan.fleet)


def test_fleet_chart_data_is_installed_by_month(book, plan):
    """Beside the table: one column per site and type that holds any accelerators."""
    rows = list(book["Fleet"].iter_rows(min_col=10, values_only=True))
    header, body = rows[0], [row for row in rows[1:] if row[0] is not None]
    held = plan.fleet.groupby(["site", "accelerator"])["installed"].max()
    held = [f"{site} {acc}" for (site, acc), peak in held.items() if peak > 1e-6]
    assert sorted(h for h in header[1:] if h) == sorted(held)
    months = plan.fleet["month"].unique().tolist()
    assert [row[0] for row in body] == months
    for col, name in enumerate(header[1:], start=1):
        if not name:
            continue
        site, acc = name.split(" ")
        expected = plan.fleet[(plan.fleet["site"] == site) & (plan.fleet["accelerator"] == acc)]["installed"]
        assert [row[col] for row in body] == pytest.approx(expected.tolist(), rel=1e-15)


def test_power_sheet_is_the_power_table(book, plan):
    sheet = table(book["Power"], 8)
    assert list(sheet.columns) == [
        "Site",
        "Month",
        "PUE",
        "IT power (MW)",
        "Facility power (MW)",
        "Grid limit (MW)",
        "IT fit-out limit (MW)",
        "Grid headroom (MW)",
    ]
    assert_same_rows(sheet, plan.power)


def test_energy_sheet_and_its_totals(book, formulas, plan):
    sheet = table(book["Energy and emissions"])
    assert list(sheet.columns) == ["Site", "Month", "Energy (MWh)", "Electricity cost (JPY bn)", "CO2 (t)",
                                   "Peak draw charged (MW)", "Demand charge (JPY bn)"]
    assert_same_rows(sheet, plan.energy.assign(electricity_cost_jpy=plan.energy["electricity_cost_jpy"] / 1e9,
                                               demand_charge_jpy=plan.energy["demand_charge_jpy"] / 1e9))
    totals, live = total_row(book["Energy and emissions"]), total_row(formulas["Energy and emissions"])
    summary = plan.summary()
    assert totals["Energy (MWh)"].value == pytest.approx(summary["energy_mwh"], rel=1e-12)
    assert totals["CO2 (t)"].value == pytest.approx(summary["co2_t"], rel=1e-12)
    assert totals["Electricity cost (JPY bn)"].value == pytest.approx(summary["energy_cost_jpy"] / 1e9, rel=1e-12)
    last = len(plan.energy) + 1
    assert live["Energy (MWh)"].value == f"=SUM(C2:C{last})"
    assert live["Electricity cost (JPY bn)"].value == f"=SUM(D2:D{last})"
    assert live["CO2 (t)"].value == f"=SUM(E2:E{last})"


def test_costs_by_fiscal_year_against_budget(book, formulas, plan):
    sheet = table(book["Costs"])
    assert list(sheet.columns) == [
        "Fiscal year",
        "Capex (JPY bn)",
        "Electricity (JPY bn)",
        "Total (JPY bn)",
        "Budget arriving (JPY bn)",
        "Spent to date (JPY bn)",
        "Public money (JPY bn)",
        "Private money (JPY bn)",
        "Demand charges (JPY bn)",
    ]
    costs = plan.costs
    # the horizon, 2026-04 to 2031-03, is five fiscal years; money arrives by source, public and private
    years = ["FY2026", "FY2027", "FY2028", "FY2029", "FY2030"]
    assert sheet["Fiscal year"].tolist() == costs["fiscal_year"].tolist() == years
    assert sheet["Capex (JPY bn)"].to_numpy() == pytest.approx(costs["capex_jpy"].to_numpy() / 1e9, rel=1e-15)
    assert sheet["Total (JPY bn)"].to_numpy() == pytest.approx(costs["total_jpy"].to_numpy() / 1e9, rel=1e-12)
    # no [budget.fiscal_years]: the money of each year is public plus private, which pay every yen spent
    assert [present(value) for value in sheet["Budget arriving (JPY bn)"]] == [None] * 5
    public, private = sheet["Public money (JPY bn)"].to_numpy(), sheet["Private money (JPY bn)"].to_numpy()
    assert public == pytest.approx(costs["public_jpy"].to_numpy() / 1e9, rel=1e-12)
    assert public + private == pytest.approx(costs["total_jpy"].to_numpy() / 1e9, rel=1e-9)
    assert sheet["Spent to date (JPY bn)"].to_numpy() == pytest.approx(
        costs["total_jpy"].cumsum().to_numpy() / 1e9, rel=1e-12
    )
    live = formulas["Costs"]
    assert [live.cell(row, 4).value for row in (2, 3)] == ["=B2+C2+I2", "=B3+C3+I3"]  # capex, electricity, demand charges
    assert [live.cell(row, 6).value for row in (2, 3)] == ["=SUM(D$2:D2)", "=SUM(D$2:D3)"]
    totals = total_row(book["Costs"])
    assert totals["Total (JPY bn)"].value == pytest.approx(plan.summary()["total_cost_jpy"] / 1e9, rel=1e-12)
    labels = {row[0].value: row[3] for row in book["Costs"].iter_rows() if row[0].value}
    assert labels["Budget for the run"].value == 2667  # budget.total, public 1.0 tn + private 1.667 tn
    assert labels["Left after this plan"].value == pytest.approx(
        2667 - plan.summary()["total_cost_jpy"] / 1e9, rel=1e-12
    )


def test_compute_sheet(book, formulas, plan):
    sheet = table(book["Compute"])
    assert list(sheet.columns) == ["Month", "Compute delivered (FLOP)", "Cumulative compute (FLOP)"]
    assert sheet["Compute delivered (FLOP)"].to_numpy() == pytest.approx(
        plan.compute["delivered_flop"].to_numpy(), rel=1e-15
    )
    assert sheet["Cumulative compute (FLOP)"].to_numpy() == pytest.approx(
        plan.compute["cumulative_flop"].to_numpy(), rel=1e-12
    )
    assert total_row(book["Compute"])["Compute delivered (FLOP)"].value == pytest.approx(
        1.2e26, rel=1e-9
    )  # 6 x 1e12 x 2e13


def test_summary_headlines(book, formulas, plan):
    summary = plan.summary()
    items = summary_items(book["Summary"])
    assert book["Summary"]["A1"].value == plan.scenario.name
    assert items["Status"] == ("optimal", None)
    assert items["Training finishes"] == ("2027-09", "month")  # the 1T run, last of the runs, at its deadline
    assert items["Compute required"] == (1.2e26, "FLOP")
    assert items["Total cost"][0] == pytest.approx(summary["total_cost_jpy"] / 1e9, rel=1e-12)
    assert items["Total cost"][1] == "JPY bn"
    assert items["Capex"][0] == pytest.approx(summary["capex_jpy"] / 1e9, rel=1e-12)
    assert items["Budget"] == (2667, "JPY bn")
    assert items["Budget left"][0] == pytest.approx(2667 - summary["total_cost_jpy"] / 1e9, rel=1e-12)
    assert items["Energy"] == (pytest.approx(summary["energy_mwh"], rel=1e-12), "MWh")
    assert items["CO2"] == (pytest.approx(summary["co2_t"], rel=1e-12), "t")
    for site in ("Tomakomai", "Sakai", "Existing"):
        assert items[f"Peak facility power, {site}"] == (
            pytest.approx(summary["peak_facility_mw"][site], rel=1e-12),
            "MW",
        )
    assert items["Largest grid limit in the horizon, Tomakomai"] == (300, "MW")  # the profile's third phase
    assert items["Largest grid limit in the horizon, Sakai"] == (400, "MW")
    assert items["Largest grid limit in the horizon, Existing"] == (22, "MW")  # softbank_existing.toml
    for site, fleet in summary["accelerators"].items():
        for acc, count in fleet.items():
            assert items[f"Peak installed, {site} {acc}"] == (pytest.approx(count, rel=1e-15), "count")
    live = summary_items(formulas["Summary"])
    assert live["Total cost"][0] == "='Costs'!$D$7"  # header, five fiscal years, then the totals row
    assert live["Peak facility power, Sakai"][0].startswith("=MAX('Power'!$E$")


def test_inputs_sheet_holds_the_whole_scenario(book, plan):
    rows = {row[0]: row[1:] for row in book["Inputs"].iter_rows(min_row=2, values_only=True)}
    assert next(book["Inputs"].iter_rows(max_row=1, values_only=True)) == ("Field", "Value", "Unit", "Source", "Note")
    assert rows["budget.total"] == (2_667_000_000_000, "JPY", None, None)
    assert rows["budget.public.FY2026"] == (300_000_000_000, "JPY", None, None)
    assert rows["runs.1T.deadline"][:2] == ("2027-09", None)
    assert rows["runs.1T.deadline"][2].startswith("estimate: a year after both new sites open")
    sakai_fitout = rows["sites.Sakai.fitout_cost"]
    assert sakai_fitout[:2] == (830_000_000, "JPY/MW")  # the plant's purchase, JPY 100 bn over 120 MW of IT
    assert sakai_fitout[2].startswith("estimate: the plant's purchase")
    assert rows["sites.Tomakomai.grid_phases[2].grid_import"] == (300, "MW", None, None)
    assert rows["sites.Sakai.monthly_temperature.by_month[7]"][:2] == (29.8, "degC")  # Osaka August
    assert rows["accelerators.GB200.delivery_cap"][:2] == (2304, "/ month")
    for acc in plan.scenario.accelerators:
        assert f"accelerators.{acc}.mfu" in rows


def test_binding_limits_and_prices_to_enter(book, plan):
    # a run trains on one type: those a run could have chosen instead (GB300 for the 1T run, H100
    # for the 390B) would enter only in its place, which no dual prices (issue 15); the types no run
    # may use (H200, GB200) could still serve, so each has its price to enter
    assert not plan.binding.empty
    assert set(plan.entry["accelerator"]) == {"H200", "GB200"}
    binding = table(book["Binding constraints"])
    assert list(binding.columns) == ["Constraint", "Limit", "Where", "Shadow price (see Unit)", "Unit"]
    assert_same_rows(binding, plan.binding)
    entry = table(book["Price to enter"])
    assert list(entry.columns) == [
        "Accelerator",
        "Price cut to enter (JPY each)",
        "Capex (JPY each)",
        "Cut (share of capex)",
    ]
    assert_same_rows(entry, plan.entry)
    assert book["Price to enter"]["D2"].number_format == "0.0%"
    summary = list(book["Summary"].iter_rows(values_only=True))
    start = next(n for n, row in enumerate(summary) if row[0] == "Binding limits: what one more unit of each is worth")
    assert summary[start + 1] == ("Limit", "Shadow price", "Unit")
    lines = [row for row in summary[start + 2 :] if row[0]]
    assert len(plan.binding) > 10 and lines[-1][0] == f"... and {len(plan.binding) - 10} more on the Binding constraints sheet"
    assert_same_rows(pd.DataFrame(lines[:-1]), plan.binding.head(10)[["description", "shadow_price", "unit"]])


def test_an_integer_plans_prices_say_they_are_the_lp_relaxations():
    # one site, one type, whole servers of 8: the binding compute requirement is priced by the LP
    # relaxation (test_questions.py checks its numbers by hand); the workbook says whose prices they are
    whole = make_plan(build({**copy.deepcopy(ONE_SITE), "solver": {"integer": True}}, "test scenario"))
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(whole)), data_only=True)
    note = "LP relaxation: servers and racks in fractions, as a plan in whole units has no shadow prices of its own"
    assert summary_items(book["Summary"])["Shadow prices from"] == (note, None)
    rows = [row[0] for row in book["Binding constraints"].iter_rows(values_only=True)]
    assert rows == ["Constraint", "compute_requirement", None, f"Shadow prices and prices to enter: {note}."]


def test_binding_sheet_says_when_nothing_is_reported(plan):
    empty = dataclasses.replace(plan, binding=plan.binding.iloc[0:0], entry=plan.entry.iloc[0:0])
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(empty)), data_only=True)
    assert "Price to enter" not in book.sheetnames
    rows = list(book["Binding constraints"].iter_rows(values_only=True))
    assert rows[1][0] == "No binding limits reported for this plan."
    assert "None reported for this plan." in summary_items(book["Summary"])


def test_infeasible_plan_shows_what_would_make_it_feasible():
    """JPY 0.5 bn cannot buy the JPY 0.65 bn plan of one site: more money, a later deadline or a
    smaller run would (a small scenario: the programme default diagnoses in tens of seconds)."""
    plan = make_plan(build({**copy.deepcopy(ONE_SITE), "budget": {"total": "5e8 JPY"}}, "test scenario"))
    assert plan.status == "infeasible" and not plan.relaxations.empty and verify(plan) == []
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(plan)), data_only=True)
    assert "Relaxations" in book.sheetnames
    relaxations = table(book["Relaxations"])
    assert list(relaxations.columns) == ["Option", "Limit", "Description", "Amount (see Unit)", "Unit"]
    assert_same_rows(relaxations, plan.relaxations)
    items = summary_items(book["Summary"])
    assert items["Status"] == ("infeasible", None)
    assert items["Message"] == (plan.message, None)
    options = dict(zip(plan.relaxations["option"], plan.relaxations["description"]))
    assert items["more money"] == (options["more money"], None)
    assert items["a later deadline"] == (options["a later deadline"], None)
    assert [row[0] for row in book["Binding constraints"].iter_rows(values_only=True)] == [
        "Constraint",
        "No plan: see the Relaxations sheet.",
    ]


def test_sources_sheet_lists_every_sourced_input(book, plan):
    rows = list(book["Sources and assumptions"].iter_rows(values_only=True))
    assert rows[0] == ("Item", "Value", "Source")
    items = {row[0]: row[1:] for row in rows[1:]}
    assert items["Training compute"][0] == "1.2e+26 FLOP = 6 x 1e+12 active parameters x 2e+13 tokens"
    assert items["Exchange rate"][0] == "150 JPY per USD for prices given in dollars"
    assert items["sites.Sakai.fitout_cost"][0] == "830000000 JPY/MW"
    sourced = [row for row in book["Inputs"].iter_rows(min_row=2, values_only=True) if row[3]]
    assert all(row[0] in items and items[row[0]][1] == row[3] for row in sourced)


def test_every_source_tag_is_explained_in_the_sources_sheet(book):
    rows = list(book["Sources and assumptions"].iter_rows(min_row=2, values_only=True))
    items = {row[0]: row[1:] for row in rows}
    cited = {tag for row in rows for tag in re.findall(r"\[([A-Z][A-Z0-9-]*)\]", row[2] or "")}
    # "estimate: [IDLE]", "... per [GPU-SHARE] (x1.365)", price_change "estimate: [PRICE] ...", and
    # issue 13's lead times [LEAD], commissioning lags [COMMISSION] and serving throughputs [SERVE]
    assert cited == {"IDLE", "GPU-SHARE", "PRICE", "LEAD", "COMMISSION", "SERVE"}
    assert items["[SERVE]"][0].startswith("serving_throughput: tokens/s one accelerator serves")
    assert items["[IDLE]"][0].endswith("Taken as 30% of all-in IT power.")
    assert "a type's price change a year from price_month" in items["[PRICE]"][0]
    assert "all-in IT capex per GPU ~ GPU price / 0.58" in items["[GPU-SHARE]"][0]
    assert items["[IDLE]"][1] == "shared basis in the accelerator catalog (planner/data/accelerators.toml)"


def test_a_tag_the_shipped_catalog_does_not_explain_says_so(default_scenario):
    document = default_scenario.document()
    document["budget"]["total"] = {"value": "4e11 JPY", "source": "estimate: [MINE] our own figure"}
    written = openpyxl.load_workbook(io.BytesIO(workbook_bytes(make_plan(build(document, "x")))))
    rows = table(written["Sources and assumptions"])
    (mine,) = rows[rows["Item"] == "[MINE]"].itertuples()
    assert mine.Value == "not explained in the shipped accelerator catalog: see the catalog the scenario names"


def test_number_formats_frozen_headers_and_widths(formulas):
    formats = {
        ("Power", "E2"): "#,##0.0",  # MW, one decimal
        ("Power", "C2"): "0.000",  # PUE
        ("Fleet", "D2"): "#,##0",
        ("Energy and emissions", "C2"): "#,##0",
        ("Costs", "B2"): "#,##0.00",  # JPY bn
        ("Compute", "B2"): "0.000E+00",
        ("Inputs", "B35"): "#,##0",  # budget.total, 2,667,000,000,000
    }
    assert {where: formulas[where[0]][where[1]].number_format for where in formats} == formats
    for name in (
        "Fleet",
        "Power",
        "Energy and emissions",
        "Costs",
        "Compute",
        "Binding constraints",
        "Sources and assumptions",
    ):
        assert formulas[name].freeze_panes == "A2", name
    assert formulas["Inputs"].freeze_panes == "B2"
    assert formulas["Summary"].freeze_panes == "A6"
    for name in SHEETS:
        sheet = formulas[name]
        header_row = 5 if name == "Summary" else 1
        for cell in sheet[header_row]:
            if cell.value:
                width = column_width(sheet, cell.column)
                assert len(cell.value) + 2 <= width <= 62, (name, cell.value, width)


def test_formulas_are_only_the_workbook_s_own(formulas):
    """Every formula is a SUM, MAX, a difference or a reference: nothing else is live."""
    allowed = re.compile(
        r"^=(SUM\([A-Z]+\$?\d+:[A-Z]+\d+\)|MAX\('Power'!\$[A-Z]\$\d+:\$[A-Z]\$\d+\)|[A-Z]+\d+([-+][A-Z]+\d+)+|'[A-Za-z ]+'!\$[A-Z]\$\d+)$"
    )
    found = [cell.value for sheet in formulas for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert len(found) > 10
    assert [f for f in found if not allowed.match(f)] == []


def test_charts_plot_facility_power_against_grid_limit_and_the_fleet(data, plan):
    charts = chart_xml(data)
    assert len(charts) == 1 + len(plan.scenario.sites)
    references = [re.findall(r"<c:f>([^<]+)</c:f>", chart) for chart in charts]
    assert '<c:grouping val="stacked"/>' in charts[0]
    months = "Fleet!$J$2:$J$61"  # 60 months, 2026-04 to 2031-03, in the chart data beside the fleet table
    # every site and type the plan holds: the 1T run's VR200 at Sakai, the cluster in service at Existing
    series = ["Sakai VR200", "Existing H100", "Existing B200"]
    held = plan.fleet[plan.fleet["installed"] > 0]
    assert set(series) == {f"{site} {acc}" for site, acc in zip(held["site"], held["accelerator"])}
    assert references[0] == [ref for col in "KLM" for ref in (f"Fleet!${col}$1", months, f"Fleet!${col}$2:${col}$61")]
    assert [cell.value for cell in openpyxl.load_workbook(io.BytesIO(data))["Fleet"]["K1:M1"][0]] == series
    blocks = {"Tomakomai": (2, 61), "Sakai": (62, 121), "Existing": (122, 181)}  # 60 months each, site after site
    for (site, (first, last)), chart, refs in zip(blocks.items(), charts[1:], references[1:]):
        assert "<c:lineChart>" in chart and "<c:barChart>" in chart
        assert f"Power!$E${first}:$E${last}" in refs  # facility MW
        assert f"Power!$F${first}:$F${last}" in refs  # grid limit MW
        assert f"Power!$B${first}:$B${last}" in refs  # months
        assert f"<c:v>{site}: facility power against the grid limit</c:v>" in chart


def test_user_text_beginning_like_a_formula_is_written_as_text():
    plan = make_plan(injected_scenario())
    assert plan.feasible and verify(plan) == []
    data = workbook_bytes(plan)
    book = openpyxl.load_workbook(io.BytesIO(data))
    hits = [
        cell
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and any(text in cell.value for text in INJECTIONS.values())
    ]
    assert {cell.parent.title for cell in hits} >= {"Summary", "Inputs", "Fleet", "Power", "Energy and emissions"}
    assert all(cell.data_type == "s" for cell in hits)
    assert book["Summary"]["A1"].value == INJECTIONS["name"]
    assert book["Fleet"]["A2"].value == INJECTIONS["site"] and book["Fleet"]["B2"].value == INJECTIONS["accelerator"]
    for chart in chart_xml(data):  # chart titles and series names refer to cells; text is only cached as text
        live = re.findall(r"<c:f>([^<]*)</c:f>", chart)
        assert live and not [f for f in live if "cmd|" in f or "HYPERLINK" in f]


def test_infeasible_plan_still_makes_a_workbook():
    plan = make_plan(build({**copy.deepcopy(ONE_SITE), "budget": {"total": "1e6 JPY"}}, "test scenario"))
    assert plan.status == "infeasible" and verify(plan) == []
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(plan)), data_only=True)
    items = summary_items(book["Summary"])
    assert items["Status"] == ("infeasible", None)
    assert items["Training finishes"] == ("not within this plan", "month")
    assert items["Total cost"][0] == 0
    chart_data = [row for row in book["Fleet"].iter_rows(min_col=10, max_col=11, values_only=True) if row[0]]
    assert chart_data == [("Month (chart data: installed, count)", None)] + [
        (m, None) for m in plan.fleet["month"].unique()
    ]


def test_csv_zip_holds_the_tidy_tables(plan):
    with zipfile.ZipFile(io.BytesIO(csv_zip_bytes(plan))) as archive:
        assert sorted(archive.namelist()) == sorted(
            [
                "fleet.csv",
                "power.csv",
                "energy.csv",
                "costs.csv",
                "compute.csv",
                "runs.csv",
                "inference.csv",
                "alternatives.csv",
                "cash.csv",
                "fleet_by_vintage.csv",
                "binding.csv",
                "entry.csv",
                "relaxations.csv",
                "peak_hours.csv",
                "curtailment.csv",
                "throttle.csv",
                "clean.csv",
                "contracts.csv",
                "inputs.csv",
                "summary.json",
            ]
        )
        for name in ("fleet", "power", "energy", "costs", "compute", "binding", "entry"):
            read = pd.read_csv(archive.open(f"{name}.csv"))
            expected = getattr(plan, name)
            assert list(read.columns) == list(expected.columns)
            pd.testing.assert_frame_equal(read, expected, check_dtype=False, check_exact=True)
        inputs = pd.read_csv(archive.open("inputs.csv"), keep_default_na=False)
        assert inputs.set_index("field").loc["budget.total", ["value", "unit"]].tolist() == ["2667000000000", "JPY"]
        assert json.loads(archive.read("summary.json"))["total_cost_jpy"] == plan.summary()["total_cost_jpy"]


def test_plan_file_writer_picks_by_suffix_and_names_bad_paths(tmp_path, plan):
    plan_file_writer(tmp_path / "plan.XLSX")(plan)
    plan_file_writer(tmp_path / "plan.zip")(plan)
    assert (
        zipfile.is_zipfile(tmp_path / "plan.XLSX")
        and "xl/workbook.xml" in zipfile.ZipFile(tmp_path / "plan.XLSX").namelist()
    )
    assert "fleet.csv" in zipfile.ZipFile(tmp_path / "plan.zip").namelist()
    with pytest.raises(InputError, match=r"field '--out': expected a path ending in \.xlsx \(workbook\) or \.zip"):
        plan_file_writer(tmp_path / "plan.csv")
    with pytest.raises(InputError, match="expected a writable path"):
        plan_file_writer(tmp_path / "missing" / "plan.xlsx")(plan)


def test_text_longer_than_an_excel_cell_is_refused_not_cut():
    raw = copy.deepcopy(ONE_SITE)
    raw["description"] = "x" * 32_768
    with pytest.raises(InputError, match="field 'description': expected a text of at most 2,000 characters"):
        build(raw, "test scenario")  # validation refuses it first (issue 11): validate said yes, --out no
    plan = make_plan(build(ONE_SITE, "test scenario"))
    plan.scenario._document["description"] = "x" * 32_768  # the writer's own guard, for text that gets past
    with pytest.raises(InputError, match="expected texts of at most 32,767 characters"):
        workbook_bytes(plan)


def test_a_plan_too_long_for_an_excel_sheet_is_refused(plan):
    rows = 1_048_576 - 1  # with the header and the totals row, one more than a sheet holds
    fleet = plan.fleet.iloc[[0]].loc[lambda frame: frame.index.repeat(rows)].reset_index(drop=True)
    with pytest.raises(InputError, match=r"found 1,048,575 rows for the Fleet sheet"):
        workbook_bytes(dataclasses.replace(plan, fleet=fleet))


def test_csv_text_quotes_formula_starts_in_text_and_leaves_numbers():
    frame = pd.DataFrame(
        {
            "=name": ["=1+1", "+cmd", "-2+3", "@SUM(1)", "\t=1", "\r=1", "-5", "plain"],
            "number": [-1.5, -2.0, 3.0, -4e-20, 5.0, 6.0, -7.0, 8.0],
            "mixed": [-1, "-1", None, "", "a-b", "=", 1.5, "'=already quoted"],
        }
    )
    assert csv_text(frame) == (
        "'=name,number,mixed\r\n"
        "'=1+1,-1.5,-1\r\n"
        "'+cmd,-2.0,'-1\r\n"
        "'-2+3,3.0,\r\n"
        "'@SUM(1),-4e-20,\r\n"
        "'\t=1,5.0,a-b\r\n"
        "\"'\r=1\",6.0,'=\r\n"  # quoted: a lone CR would start a new row in a spreadsheet
        "'-5,-7.0,1.5\r\n"
        "plain,8.0,'=already quoted\r\n"
    )


def test_user_text_in_the_csv_tables_cannot_run_as_a_formula():
    raw = copy.deepcopy(ONE_SITE)
    raw["name"], raw["description"] = INJECTIONS["name"], "\t=1+1 in a description"
    raw["sites"] = {INJECTIONS["site"]: {**raw["sites"]["Alpha"], "description": "\r@SUM(1) in a site's"}}
    raw["accelerators"] = {INJECTIONS["accelerator"]: raw["accelerators"]["X1"]}
    raw["budget"]["total"] = {"value": "1e15 JPY", "source": INJECTIONS["workload"]}
    plan = make_plan(build(raw, "test scenario"))
    assert plan.feasible
    with zipfile.ZipFile(io.BytesIO(csv_zip_bytes(plan))) as archive:
        cells = [
            cell
            for name in archive.namelist()
            if name.endswith(".csv")
            for row in csv.reader(io.TextIOWrapper(archive.open(name), encoding="utf-8", newline=""))
            for cell in row
        ]
    starts_like_a_formula = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert all(_is_float(cell) for cell in starts_like_a_formula), starts_like_a_formula  # negative numbers only
    assert {"'" + INJECTIONS["site"], "'" + INJECTIONS["accelerator"], "'" + INJECTIONS["workload"]} <= set(cells)
    assert {"'\t=1+1 in a description", "'\r@SUM(1) in a site's"} <= set(cells)
    assert cells.count("'" + INJECTIONS["site"]) >= len(plan.power)  # every row of the site's tables


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

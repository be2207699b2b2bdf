"""Export -> edit the Inputs sheet -> re-plan, and the errors an edited or broken workbook gives."""

import datetime
import io
import re
import time
import zipfile

import openpyxl
import pandas as pd
import pytest
from workbooks import INJECTIONS, injected_scenario

from planner import make_plan
from planner.cli.main import main
from planner.exchange.export import workbook_bytes
from planner.exchange.workbook_import import MAX_SHEET_ROWS, MAX_UNPACKED_BYTES, MAX_WORKBOOK_BYTES, scenario_from_workbook
from planner.inputs.errors import InputError
from planner.inputs.scenario import build
from planner.results.verify import verify

TABLES = ("fleet", "power", "energy", "costs", "compute")


@pytest.fixture(scope="module")
def exported(default_plan):
    return workbook_bytes(default_plan)


def edited(data: bytes, cells: dict[str, dict[str, object]], drop_sheet: str | None = None) -> bytes:
    """The workbook with Inputs cells changed, by field: {"budget.total": {"B": 3e11, "C": "JPY"}}."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Inputs"]
    rows = {row[0].value: row[0].row for row in sheet.iter_rows(min_row=2)}
    for field, columns in cells.items():
        for column, value in columns.items():
            sheet[f"{column}{rows[field]}"] = value
    if drop_sheet:
        del book[drop_sheet]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def inputs_row(data: bytes, field: str) -> int:
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Inputs"]
    return next(row[0].row for row in sheet.iter_rows(min_row=2) if row[0].value == field)


def assert_same_plan(plan, other):
    assert plan.status == other.status
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(plan, name), getattr(other, name))


def test_round_trip_gives_the_same_scenario_and_plan(exported, default_plan, default_scenario):
    scenario = scenario_from_workbook(exported)
    assert scenario.model_dump() == default_scenario.model_dump()
    plan = make_plan(scenario)
    assert verify(plan) == []
    assert_same_plan(plan, default_plan)


def test_round_trip_keeps_names_that_look_like_formulas():
    scenario = injected_scenario()
    back = scenario_from_workbook(workbook_bytes(make_plan(scenario)))
    assert back.name == INJECTIONS["name"] and back.workload.name == INJECTIONS["workload"]
    assert list(back.sites) == [INJECTIONS["site"]] and list(back.accelerators) == [INJECTIONS["accelerator"]]
    assert back.model_dump() == scenario.model_dump()


def test_an_edited_budget_gives_the_plan_for_that_budget(exported, default_plan, default_scenario):
    """JPY 180 bn in total: the default's plan pays JPY 180.6 bn, and JPY 179 bn has no plan, so
    the edited plan must pay less than the default's and cost more in economic terms."""
    data = edited(exported, {"budget.total": {"B": 1.80e11}})
    plan = make_plan(scenario_from_workbook(data))
    assert verify(plan) == [] and plan.feasible
    spent = plan.summary()["total_cost_jpy"]
    assert spent <= 1.80e11 * (1 + 1e-9) < default_plan.summary()["total_cost_jpy"]  # the edit changed the plan
    assert plan.economic_cost_jpy >= default_plan.economic_cost_jpy * (1 - 1e-9)
    document = default_scenario.document()
    document["budget"]["total"] = "1.80e11 JPY"
    assert_same_plan(plan, make_plan(build(document, "edited by hand")))


def test_an_edited_unit_is_converted(exported):
    data = edited(exported, {"sites.Tomakomai.grid_phases[0].grid_import": {"B": 0.05, "C": "GW"}})
    assert scenario_from_workbook(data).sites["Tomakomai"].grid_phases[0].grid_import == pytest.approx(50e6)


def test_a_month_typed_as_a_date_is_read_as_that_month(exported):
    data = edited(exported, {"runs.1T.deadline": {"B": datetime.datetime(2027, 6, 1)}})
    assert str(scenario_from_workbook(data).runs["1T"].deadline) == "2027-06"


def test_a_path_is_read_and_errors_name_it(tmp_path, exported):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(edited(exported, {"budget.total": {"C": "bananas"}}))
    with pytest.raises(InputError) as caught:
        scenario_from_workbook(path)
    assert caught.value.file == str(path)


def error_of(data: bytes) -> InputError:
    with pytest.raises(InputError) as caught:
        scenario_from_workbook(data, "plan.xlsx")
    assert caught.value.file == "plan.xlsx"
    return caught.value


def test_a_unit_changed_to_nonsense_names_the_unit_cell(exported):
    row = inputs_row(exported, "budget.total")
    error = error_of(edited(exported, {"budget.total": {"C": "bananas"}}))
    assert error.field == f"Inputs!C{row} (budget.total)"
    assert error.expected == "a unit such as 'MW', 'JPY/kWh', 'degC' or '/ month'"
    assert error.found == "'bananas'"


def test_a_unit_of_the_wrong_kind_names_value_and_unit(exported):
    row = inputs_row(exported, "sites.Sakai.grid_phases[1].grid_import")
    error = error_of(edited(exported, {"sites.Sakai.grid_phases[1].grid_import": {"C": "kg"}}))
    assert error.field == f"Inputs!B{row}:C{row} (sites.Sakai.grid_phases[1].grid_import)"
    assert error.expected == "a power (e.g. '300 MW')"
    assert error.found == "'250 kg' (a mass)"


def test_a_value_out_of_range_names_its_cell(exported):
    row = inputs_row(exported, "runs.1T.availability")
    error = error_of(edited(exported, {"runs.1T.availability": {"B": 1.5}}))
    assert error.field == f"Inputs!B{row} (runs.1T.availability)"
    assert "fraction at least 0.01 and at most 1" in error.expected


def test_an_error_about_a_table_names_its_first_row(exported):
    row = inputs_row(exported, "sites.Sakai.description")
    error = error_of(edited(exported, {"sites.Sakai.opening": {"B": "2027-01"}}))  # after its first grid phase
    assert error.field == f"Inputs!A{row} (sites.Sakai)"
    assert error.expected.startswith("grid phases to start on or after the opening month 2027-01")


def test_a_formula_in_a_name_is_not_run(exported):
    """A formula typed into the Inputs sheet is never evaluated; one with no saved value is refused."""
    row = inputs_row(exported, "name")
    error = error_of(edited(exported, {"name": {"B": '=HYPERLINK("http://example.com","x")'}}))
    assert error.field == f"Inputs!B{row} (name)"
    assert error.found == "an empty cell, or a formula whose value was never saved"


def test_a_missing_inputs_sheet_is_named(exported):
    error = error_of(edited(exported, {}, drop_sheet="Inputs"))
    assert error.field == "Inputs"
    assert error.expected == "a sheet named 'Inputs', as `planner plan --out` writes it"
    assert error.found.startswith("sheets ['Summary', 'Fleet'")


def test_a_changed_header_is_named(exported):
    book = openpyxl.load_workbook(io.BytesIO(exported))
    book["Inputs"]["C1"] = "Units"
    buffer = io.BytesIO()
    book.save(buffer)
    error = error_of(buffer.getvalue())
    assert error.field == "Inputs!A1:E1"
    assert error.found == "'Field, Value, Units, Source, Note'"


def test_a_truncated_file_is_refused(exported):
    error = error_of(exported[: len(exported) // 2])
    assert error.expected == "an Excel workbook (.xlsx)"
    assert error.found.startswith("a file that is not one: not a zip archive")


def test_a_csv_or_toml_file_is_refused():
    assert error_of(b"field,value\nbudget.total,4e11\n").expected == "an Excel workbook (.xlsx)"


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fleet.csv", "site\n")
    assert error_of(buffer.getvalue()).found == "a zip archive without a workbook in it"


def test_a_damaged_workbook_is_refused(exported):
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, b"<broken" if item.filename == "xl/workbook.xml" else source.read(item))
    error = error_of(buffer.getvalue())
    assert error.expected == "a valid Excel workbook (.xlsx)" and error.found.startswith("a damaged workbook")


def test_a_workbook_over_the_size_limit_is_refused():
    error = error_of(bytes(MAX_WORKBOOK_BYTES + 1))
    assert error.expected == "a workbook of at most 20 MB"
    assert error.found == f"more than {MAX_WORKBOOK_BYTES:,} bytes"


def test_a_workbook_that_unpacks_too_large_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/sharedStrings.xml", "w") as member:
            for _ in range(MAX_UNPACKED_BYTES // 2**20 + 1):
                member.write(bytes(2**20))
    assert len(buffer.getvalue()) < MAX_WORKBOOK_BYTES
    error = error_of(buffer.getvalue())
    assert error.expected == "a workbook that unpacks to at most 200 MB"


def with_blank_rows(data: bytes, last_row: int) -> bytes:
    """The workbook with rows of a blank text below the Inputs table, down to sheet row `last_row`,
    and a sheet dimension that says so (as Excel writes it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":  # Inputs, the second sheet
                dimension = re.search(rb'<dimension ref="A1:E(\d+)"/>', body)
                rows = range(int(dimension[1]) + 1, last_row + 1)
                blank = (f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t> </t></is></c></row>' for n in rows)
                body = body.replace(b"</sheetData>", "".join(blank).encode() + b"</sheetData>")
                body = body.replace(dimension[0], f'<dimension ref="A1:E{last_row}"/>'.encode())
            target.writestr(item, body)
    return buffer.getvalue()


def test_a_million_row_inputs_sheet_is_refused_without_reading_it_all(exported, default_scenario):
    started = time.perf_counter()
    error = error_of(with_blank_rows(exported, 1_000_000))
    assert time.perf_counter() - started < 15  # reading every row took 40 s
    assert (error.field, error.expected, error.found) == ("Inputs", "a sheet of at most 20,000 rows", "more than 20,000")
    assert error_of(with_blank_rows(exported, MAX_SHEET_ROWS + 1)).expected == "a sheet of at most 20,000 rows"
    assert scenario_from_workbook(with_blank_rows(exported, MAX_SHEET_ROWS)).model_dump() == default_scenario.model_dump()


def test_rows_past_the_sheet_dimension_are_read(exported, default_scenario):
    # a workbook may claim fewer rows than it holds; none of them may be dropped unseen
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                body = re.sub(rb'<dimension ref="A1:E\d+"/>', b'<dimension ref="A1:E2"/>', body)
            target.writestr(item, body)
    assert scenario_from_workbook(buffer.getvalue()).model_dump() == default_scenario.model_dump()


def test_cli_exports_and_replans_from_the_workbook(tmp_path, capsys, default_plan):
    out = tmp_path / "plan.xlsx"
    assert main(["plan", "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().err
    assert main(["plan", "--from-workbook", str(out), "--out", str(tmp_path / "again.zip"), "--json"]) == 0
    with zipfile.ZipFile(tmp_path / "again.zip") as archive:
        fleet = pd.read_csv(archive.open("fleet.csv"))
    pd.testing.assert_frame_equal(fleet, default_plan.fleet, check_dtype=False)


def test_cli_refuses_bad_workbooks_and_outputs_with_exit_2(tmp_path, capsys, exported):
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(exported[:4000])
    assert main(["plan", "--from-workbook", str(truncated)]) == 2
    assert "expected an Excel workbook (.xlsx), found a file that is not one" in capsys.readouterr().err
    assert main(["plan", "--out", str(tmp_path / "plan.txt")]) == 2
    assert "expected a path ending in .xlsx (workbook) or .zip (CSV tables)" in capsys.readouterr().err
    bad_unit = tmp_path / "unit.xlsx"
    bad_unit.write_bytes(edited(exported, {"budget.total": {"C": "bananas"}}))
    assert main(["plan", "--from-workbook", str(bad_unit)]) == 2
    assert f"Inputs!C{inputs_row(exported, 'budget.total')} (budget.total)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["plan", str(tmp_path / "s.toml"), "--from-workbook", str(truncated)])
    assert usage.value.code == 2

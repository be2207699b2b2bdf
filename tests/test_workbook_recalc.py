"""The workbook recalculated by a real spreadsheet program (LibreOffice, headless).

Cached formula values are stripped first and LibreOffice is told to recalculate on load, so
every total read back was computed by LibreOffice from the rows, not written by the planner.
"""

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from workbooks import summary_items, total_row

from planner.exchange.export import workbook_bytes
from planner.exchange.workbook_import import scenario_from_workbook

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None and os.environ.get("CI") != "true",
    reason="LibreOffice (soffice, Debian package libreoffice-calc-nogui) is not installed; .ci/run installs it",
)

# LibreOffice's setting "recalculation on file load" for Excel 2007 and newer: 0 = always.
RECALCULATE_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def without_cached_values(data: bytes) -> bytes:
    """The workbook with every formula's saved result removed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", content)
            target.writestr(item, content)
    return buffer.getvalue()


def through_libreoffice(data: bytes, folder: Path) -> bytes:
    assert SOFFICE, "LibreOffice (soffice) is required when CI=true"
    profile = folder / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ON_LOAD)
    source = folder / "plan.xlsx"
    source.write_bytes(data)
    out = folder / "out"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (out / "plan.xlsx").read_bytes()


@pytest.fixture(scope="module")
def exported(default_plan):
    return workbook_bytes(default_plan)


@pytest.fixture(scope="module")
def recalculated(exported, tmp_path_factory):
    stripped = without_cached_values(exported)
    formulas = openpyxl.load_workbook(io.BytesIO(stripped))
    values = openpyxl.load_workbook(io.BytesIO(stripped), data_only=True)
    live = [
        (sheet.title, cell.coordinate)
        for sheet in formulas
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert live and all(values[title][where].value is None for title, where in live)
    data = through_libreoffice(stripped, tmp_path_factory.mktemp("libreoffice"))
    return openpyxl.load_workbook(io.BytesIO(data), data_only=True)


def test_every_formula_recalculates_to_the_plan_s_number(exported, recalculated):
    formulas = openpyxl.load_workbook(io.BytesIO(exported))
    cached = openpyxl.load_workbook(io.BytesIO(exported), data_only=True)
    checked = 0
    for sheet in formulas:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                value = recalculated[sheet.title][cell.coordinate].value
                assert isinstance(value, (int, float)), (sheet.title, cell.coordinate, cell.value, value)
                assert value == pytest.approx(cached[sheet.title][cell.coordinate].value, rel=1e-12, abs=1e-9), (
                    sheet.title,
                    cell.coordinate,
                    cell.value,
                )
                checked += 1
    assert checked >= 30


def test_recalculated_totals_equal_the_plan(recalculated, default_plan):
    summary = default_plan.summary()
    energy = total_row(recalculated["Energy and emissions"])
    assert energy["Energy (MWh)"].value == pytest.approx(default_plan.energy["energy_mwh"].sum(), rel=1e-12)
    assert energy["CO2 (t)"].value == pytest.approx(default_plan.energy["co2_t"].sum(), rel=1e-12)
    assert energy["Electricity cost (JPY bn)"].value == pytest.approx(
        default_plan.energy["electricity_cost_jpy"].sum() / 1e9, rel=1e-12
    )
    costs = total_row(recalculated["Costs"])
    assert costs["Capex (JPY bn)"].value == pytest.approx(summary["capex_jpy"] / 1e9, rel=1e-12)
    assert costs["Total (JPY bn)"].value == pytest.approx(summary["total_cost_jpy"] / 1e9, rel=1e-12)
    assert total_row(recalculated["Compute"])["Compute delivered (FLOP)"].value == pytest.approx(
        summary["delivered_flop"], rel=1e-12
    )
    assert total_row(recalculated["Fleet"])["Delivered (count)"].value == pytest.approx(
        default_plan.fleet["delivered"].sum(), rel=1e-12
    )
    items = summary_items(recalculated["Summary"])
    assert items["Total cost"][0] == pytest.approx(summary["total_cost_jpy"] / 1e9, rel=1e-12)
    assert items["Budget left"][0] == pytest.approx(
        (summary["budget_jpy"] - summary["total_cost_jpy"]) / 1e9, rel=1e-12
    )
    assert items["Energy"][0] == pytest.approx(summary["energy_mwh"], rel=1e-12)
    for site in default_plan.scenario.sites:
        assert items[f"Peak facility power, {site}"][0] == pytest.approx(summary["peak_facility_mw"][site], rel=1e-12)


def test_a_workbook_saved_by_libreoffice_plans_the_same(exported, default_scenario, tmp_path):
    saved = through_libreoffice(exported, tmp_path)
    assert scenario_from_workbook(saved).model_dump() == default_scenario.model_dump()

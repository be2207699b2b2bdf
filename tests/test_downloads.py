"""Downloads: the workbook and CSV tables come from planner.exchange.export (tested there); here, that
the buttons give those files, and that the scenario file reads back as the scenario."""

import io
import zipfile

from openpyxl import load_workbook

from planner.app.documents import read_upload
from planner.app.downloads import DOWNLOADS, scenario_file


def test_each_download_writes_its_kind_of_file(default_plan):
    files = {download.suffix: download.write(default_plan) for download in DOWNLOADS}
    assert "Summary" in load_workbook(io.BytesIO(files["-plan.xlsx"])).sheetnames
    assert "fleet.csv" in zipfile.ZipFile(io.BytesIO(files["-tables.zip"])).namelist()
    assert files["-scenario.toml"].startswith(b'name = "Sovereign 1T')


def test_scenario_file_reads_back_as_the_same_scenario(default_plan):
    again = read_upload(scenario_file(default_plan), "plan.toml")
    assert again.document() == default_plan.scenario.document()


def test_file_names_come_from_the_scenario_name(default_plan):
    names = [download.file_name(default_plan) for download in DOWNLOADS]
    # "Sovereign 1T programme: a 390B then a 1T model, corporate serving, Tomakomai + Sakai":
    # each run of other characters a dash, lower case, 79 characters (under the 80 kept)
    stem = "sovereign-1t-programme-a-390b-then-a-1t-model-corporate-serving-tomakomai-sakai"
    assert names == [f"{stem}-plan.xlsx", f"{stem}-tables.zip", f"{stem}-scenario.toml"]

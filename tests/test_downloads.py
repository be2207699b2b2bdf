"""Downloads: the plan's tables as CSV in a zip, and the scenario file that made the plan."""

import io
import json
import zipfile

import pandas as pd
import pytest

from planner.documents import read_upload
from planner.downloads import DOWNLOADS, TABLES, scenario_file, tables_zip


def test_zip_holds_every_table_as_csv_and_the_summary(default_plan):
    archive = zipfile.ZipFile(io.BytesIO(tables_zip(default_plan)))
    assert sorted(archive.namelist()) == sorted([f"{name}.csv" for name in TABLES] + ["summary.json"])
    fleet = pd.read_csv(archive.open("fleet.csv"))
    assert fleet["installed"].to_numpy() == pytest.approx(default_plan.fleet["installed"].to_numpy())
    costs = pd.read_csv(archive.open("costs.csv"))
    assert costs["total_jpy"].sum() == pytest.approx(default_plan.summary()["total_cost_jpy"], rel=1e-12)
    assert json.loads(archive.read("summary.json"))["finish_month"] == "2027-05"


def test_scenario_file_reads_back_as_the_same_scenario(default_plan):
    again = read_upload(scenario_file(default_plan), "plan.toml")
    assert again.document() == default_plan.scenario.document()


def test_file_names_come_from_the_scenario_name(default_plan):
    names = [download.file_name(default_plan) for download in DOWNLOADS]
    stem = "sovereign-1t-dense-1-trillion-parameter-model-tomakomai-sakai"
    assert names == [f"{stem}-tables.zip", f"{stem}-scenario.toml"]

"""Speed of the planning workbook: write, zip and read back, on a full five-year plan.

Run with `python -m pytest benchmarks/test_export_speed.py` (pytest-benchmark). The scenario is
the shipped default with every catalog accelerator and the deadline at the horizon's end, so the
fleet table has 2 sites x 8 types x 60 months = 960 rows.
"""

import pytest

from planner import load_scenario, make_plan
from planner.exchange.export import csv_zip_bytes, workbook_bytes
from planner.exchange.workbook_import import scenario_from_workbook
from planner.inputs.catalog import catalog_entries
from planner.inputs.scenario import build


@pytest.fixture(scope="module")
def plan():
    document = load_scenario().document()
    document["accelerators"] = {**catalog_entries(), **document["accelerators"]}
    document["workload"]["deadline"] = document["horizon"]["end"]
    plan = make_plan(build(document, "five-year benchmark"))
    assert len(plan.fleet) == 2 * 8 * 60
    return plan


def test_write_workbook(benchmark, plan):
    benchmark(workbook_bytes, plan)


def test_write_csv_zip(benchmark, plan):
    benchmark(csv_zip_bytes, plan)


def test_read_inputs_back(benchmark, plan):
    data = workbook_bytes(plan)
    benchmark(scenario_from_workbook, data)

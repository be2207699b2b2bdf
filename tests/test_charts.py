"""Charts are valid Vega-Lite specs and draw the views' data."""

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema
from builders import default_with, scenario

from planner import make_plan
from planner.app import charts

SCHEMA = load_schema()


@pytest.fixture(scope="module")
def later_plan():
    return make_plan(default_with({"runs.1T.deadline": "2027-12"}))


def all_charts(current, pinned):
    for site in ("Tomakomai", "Sakai"):
        yield charts.fleet_chart(current, pinned, site)
        yield charts.power_chart(current, pinned, site)
    yield charts.compute_chart(current, pinned)
    yield charts.spending_chart(current, pinned)


def test_every_chart_is_valid_vega_lite_alone_and_with_a_pinned_plan(default_plan, later_plan):
    for pinned in (None, later_plan):
        for spec in all_charts(default_plan, pinned):
            validate_jsonschema(spec, SCHEMA)  # raises on an invalid spec


def test_an_infeasible_pinned_plan_is_not_drawn(default_plan):
    infeasible = make_plan(default_with({"budget.total": "1e11 JPY"}))
    assert infeasible.status == "infeasible"
    assert charts.power_chart(default_plan, infeasible, "Sakai") == charts.power_chart(default_plan, None, "Sakai")


def test_pinned_plan_adds_its_data(default_plan, later_plan):
    alone = charts.power_chart(default_plan, None, "Tomakomai")["datasets"]["power"]
    compared = charts.power_chart(default_plan, later_plan, "Tomakomai")["datasets"]["power"]
    # facility draw and grid limit for each month of the horizon, 2026-04 to 2031-03 (60 months),
    # whatever the deadline (the plan now covers the whole horizon)
    assert len(alone) == 2 * 60
    assert len(compared) == 2 * 60 + 2 * 60
    assert {row["plan"] for row in compared} == {"current", "pinned"}
    grid = {row["month"][:7]: row["mw"] for row in alone if row["quantity"] == "grid limit"}
    assert (grid["2026-09"], grid["2026-10"]) == (0.0, 50.0)  # Tomakomai opens with 50 MW
    assert "totals" in charts.fleet_chart(default_plan, later_plan, "Tomakomai")["datasets"]
    assert "totals" not in charts.fleet_chart(default_plan, None, "Tomakomai")["datasets"]


def test_compute_chart_marks_requirement_and_deadline():
    spec = charts.compute_chart(make_plan(scenario()), None)
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["line", "rule", "text", "rule", "text"]
    assert spec["datasets"]["due"] == [{"required_flop": 1e24, "deadline": "2028-01-01T00:00:00.000"}]
    assert spec["datasets"]["compute"][-1]["cumulative_flop"] == pytest.approx(1e24, rel=1e-7)


def test_charts_are_titled_by_site(default_plan):
    assert charts.fleet_chart(default_plan, None, "Sakai")["title"] == "Fleet at Sakai"
    assert charts.power_chart(default_plan, None, "Tomakomai")["title"] == "Power at Tomakomai"

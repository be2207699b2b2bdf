"""Charts are valid Vega-Lite (Altair validates on to_dict) and draw the views' data."""

import pytest
from builders import scenario

from planner import charts, make_plan
from planner.edits import Edit, apply_edits


@pytest.fixture(scope="module")
def later_plan(default_scenario):
    edited = apply_edits(default_scenario, [Edit("d", ((("workload", "deadline"), "2027-07"),))], "test")
    return make_plan(edited.scenario)


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def test_every_chart_is_valid_alone_and_with_a_pinned_plan(default_plan, later_plan):
    for pinned in (None, later_plan):
        for site in ("Tomakomai", "Sakai"):
            charts.fleet_chart(default_plan, pinned, site).to_dict()
            charts.power_chart(default_plan, pinned, site).to_dict()
        charts.compute_chart(default_plan, pinned).to_dict()
        charts.spending_chart(default_plan, pinned).to_dict()


def test_pinned_plan_adds_its_data(default_plan, later_plan):
    alone = charts.power_chart(default_plan, None, "Tomakomai").to_dict()
    compared = charts.power_chart(default_plan, later_plan, "Tomakomai").to_dict()
    rows_alone = next(iter(alone["datasets"].values()))
    rows_compared = next(iter(compared["datasets"].values()))
    # facility draw and grid limit for each month: 14 months to 2027-05, 16 to 2027-07
    assert len(rows_alone) == 2 * 14
    assert len(rows_compared) == 2 * 14 + 2 * 16
    assert {row["plan"] for row in rows_compared} == {"current", "pinned"}
    assert len(layers(charts.fleet_chart(default_plan, later_plan, "Tomakomai").to_dict())) == 2
    assert len(layers(charts.fleet_chart(default_plan, None, "Tomakomai").to_dict())) == 1


def test_compute_chart_marks_requirement_and_deadline():
    spec = charts.compute_chart(make_plan(scenario()), None).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["line", "rule", "text", "rule", "text"]
    due = [rows for rows in spec["datasets"].values() if "required_flop" in rows[0]]
    assert due == [[{"required_flop": 1e24, "deadline": "2028-01-01T00:00:00"}]]

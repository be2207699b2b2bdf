"""The knife edge (issue 13, item 6): the smallest single change that leaves no plan, on a hand case.

The horizon and the window begin in December 2027 (31 days): one month to train 1e24 FLOP on X1 (500 TFLOP/s effective): n =
1e24 / (5e14 x 31 x 86,400) = 746.7 accelerators, all delivered that month. The cap is 1,000 a
month, so deliveries, availability and MFU each have 1 - 746.7 / 1000 = 25.3% to lose. Money is
twice the cash the plan pays (capex and electricity, both proportional to n): 50% to lose, and
availability or MFU scaled down by r raise n, so the cash, by 1 / (1 - r): the cap binds first.
With a grid of 1 MW for n x 1000 W x PUE 1.2 = 0.896 MW at work, 10.4% to lose, on the grid
and on availability alike.
"""

from pathlib import Path

import pytest
from builders import scenario

from planner.app.margin_view import margin_table
from planner.inputs.scenario import load_scenario
from planner.studies.margin import LEVERS, Lever, expand, has_plan_after, margin, margins, moved, path_lever

DAY = 86400.0
N = 1e24 / (1000e12 * 0.5 * 31 * DAY)
CASH = N * 1e7 + N * 1000.0 * 31 * DAY * 20 / 3.6e6 * 1.2


def hand_case(grid="1000 MW"):
    return scenario({"horizon.start": "2027-12", "workload.earliest_start": "2027-12", "workload.deadline": "2027-12",
                     "accelerators.X1.delivery_cap": "1000 / month", "budget.total": f"{2 * CASH!r} JPY",
                     "sites.Alpha.grid_phases": [{"start": "2027-01", "grid_import": grid, "it_capacity": "1000 MW"}]})


def test_each_lever_finds_the_hand_computed_edge():
    found = {m.lever.name: m for m in margins(hand_case())}
    cap_edge = 1 - N / 1000
    for name in ("availability", "MFU", "deliveries"):
        assert found[name].change == pytest.approx(cap_edge, abs=0.005)
    assert found["money"].change == pytest.approx(0.5, abs=0.005)
    assert found["money"].paths == ("budget.total",)
    # with the grid at 1 MW it binds first for availability too, as it does for the grid itself
    tight = hand_case("1 MW")
    assert margin(tight, LEVERS[0]).change == pytest.approx(1 - N * 1000 * 1.2 / 1e6, abs=0.005)
    grid = margin(tight, path_lever("sites.Alpha.grid_phases[0].grid_import", -1))
    assert grid.change == pytest.approx(1 - N * 1000 * 1.2 / 1e6, abs=0.005)
    assert 0.104 < grid.change <= 0.104 + 0.005  # the first change found with no plan, within the tolerance
    assert grid.describe() == f"-{grid.change:.1%}"


def test_a_lever_that_never_binds_or_is_absent_says_so():
    s = scenario({"workload.earliest_start": "2027-12", "workload.deadline": "2027-12"})
    money = margin(s, LEVERS[3])
    assert money.change is None and money.describe() == "a plan still at -90%"
    assert margin(s, LEVERS[2]).describe() == "not in this scenario"  # X1 has no delivery cap
    # availability 1.0 cannot rise: the range halves until the value is valid, and a plan remains
    up = margin(s, Lever("availability up", ("workload.availability",), +1))
    assert up.change is None and up.describe() == "at the end of its valid range"


def test_a_whole_unit_lever_adds_and_finds_the_edge_in_units():
    # a cap of 750 a month, taken down a whole accelerator at a time: 746 < n = 746.7 is the
    # first without a plan, 4 below (the way "commissioning lag +N months" will be asked)
    lever = Lever("cap", ("accelerators.X1.delivery_cap",), -1, whole=True, unit="accelerators a month")
    found = margin(scenario_with_cap("750 / month"), lever)
    assert (found.change, found.describe()) == (4, "-4 accelerators a month")
    assert moved({"value": 8, "source": "x"}, Lever("n", ("x",), +1, whole=True), 3) == {"value": 11, "source": "x"}
    assert moved("1000 / month", LEVERS[2], 0.25) == "750.0 / month"


def scenario_with_cap(cap):
    return scenario({"horizon.start": "2027-12", "workload.earliest_start": "2027-12", "workload.deadline": "2027-12",
                     "accelerators.X1.delivery_cap": cap})


def test_patterns_expand_over_written_fields_only():
    document = hand_case().document()
    assert expand(document, ("accelerators.*.delivery_cap", "runs.*.availability", "workload.availability")) == (
        "accelerators.X1.delivery_cap", "workload.availability")


def test_the_apps_table_has_a_row_a_lever_in_the_modules_words():
    table = margin_table(hand_case())
    assert table["Lever"].tolist() == ["availability", "MFU", "deliveries", "money"]
    assert table.set_index("Lever").at["deliveries", "Fields"] == "accelerators.X1.delivery_cap"
    money = table.set_index("Lever").at["money", "Smallest change with no plan"]
    assert money.startswith("-50.")  # 2 x the cash, to half a percentage point


def test_the_readmes_margins_are_the_default_scenarios_edges():
    # each row of the README's table, re-planned on both sides of its edge: a plan 1 point
    # short of it, none half a point past it (the bisection's tolerance)
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- margins -->\n")[1].split("<!-- /margins -->")[0].splitlines()[2:]
    shown = {row.split("|")[1].strip(): row.split("|")[3].strip() for row in table}
    assert list(shown) == [lever.name for lever in LEVERS]
    default = load_scenario()
    for lever in LEVERS:
        if shown[lever.name].startswith("a plan still at "):  # the search's deepest cut still plans
            assert has_plan_after(default, lever, float(shown[lever.name].removeprefix("a plan still at ").rstrip("%")) / -100)
            continue
        edge = float(shown[lever.name].rstrip("%")) / -100
        assert has_plan_after(default, lever, edge - 0.01), lever.name
        assert not has_plan_after(default, lever, edge + 0.005), lever.name


def test_values_written_by_year_or_month_move_entry_by_entry():
    lever = LEVERS[2]
    by_year = {"by_fiscal_year": {"FY2027": "1000 / month", "FY2028": "2000 / month"}, "source": "s"}
    assert moved(by_year, lever, 0.5) == {"by_fiscal_year": {"FY2027": "500.0 / month", "FY2028": "1000.0 / month"},
                                          "source": "s"}
    assert moved({"by_month": [1.0, 2.0], "unit": "MW"}, lever, 0.5) == {"by_month": [0.5, 1.0], "unit": "MW"}

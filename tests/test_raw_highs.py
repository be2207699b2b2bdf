"""The PuLP model against the same LP written independently as numpy arrays for highspy.

benchmarks/raw_highs.py builds every constraint family from the formulation with whole-array
operations; if either formulation drops, adds or mis-scales a term, the optima part.
"""

import math

import pytest
from builders import edit, scenario

from benchmarks.raw_highs import raw_plan, solve_raw
from benchmarks.scenarios import stretched
from planner import make_plan
from planner.scenario import DEFAULT_SCENARIO, build
from planner.verify import verify


def default_with(default_scenario, changes: dict):
    return build(edit(default_scenario.document(), changes), DEFAULT_SCENARIO)


FEASIBLE = {
    # two sites, five types, supply caps on GB200/GB300, fiscal-year money with carry-over
    "default": lambda default: default,
    # a five-month training window instead of two
    "default, deadline 2027-09": lambda default: default_with(default, {"workload.deadline": "2027-09"}),
    # each fiscal year's money on its own: FY2027 may spend only its 1e11 JPY, though FY2026
    # leaves money unspent (with carry-over the optimum is JPY 15 bn lower)
    "default, no carry-over": lambda default: default_with(
        default,
        {
            "budget.carry_over": False,
            "budget.fiscal_years.FY2026": "3e11 JPY",
            "budget.fiscal_years.FY2027": "1e11 JPY",
        },
    ),
    # all eight catalog types over a 24-month window
    "stretched, 24 months": lambda default: stretched(24),
    "one site": lambda default: scenario(),
    # 40 kW of grid until July, 5 kW of IT load reserved: the first half-year is grid-limited
    "one site, grid-limited": lambda default: scenario(
        {
            "sites.Alpha.reserved_it": "5 kW",
            "sites.Alpha.grid_phases": [
                {"start": "2027-01", "grid_import": "40 kW", "it_capacity": "1000 MW"},
                {"start": "2027-07", "grid_import": "1000 MW", "it_capacity": "1000 MW"},
            ],
        }
    ),
    # 40 kW fitted out until July, 10 kW of it reserved for other work
    "one site, fit-out-limited": lambda default: scenario(
        {
            "sites.Alpha.reserved_it": "10 kW",
            "sites.Alpha.grid_phases": [
                {"start": "2027-01", "grid_import": "1000 MW", "it_capacity": "40 kW"},
                {"start": "2027-07", "grid_import": "1000 MW", "it_capacity": "1000 MW"},
            ],
        }
    ),
    # at most 10 deliveries a month: the fleet must grow as early as it can
    "one site, delivery-capped": lambda default: scenario({"accelerators.X1.delivery_cap": "10 / month"}),
}


@pytest.mark.parametrize("name", FEASIBLE)
def test_raw_lp_reaches_the_planner_optimum(name, default_scenario):
    chosen = FEASIBLE[name](default_scenario)
    plan = make_plan(chosen)
    assert plan.status == "optimal"
    assert verify(plan) == []
    raw = solve_raw(chosen)
    assert raw.status == "optimal"
    assert math.isclose(raw.objective_jpy, plan.summary()["total_cost_jpy"], rel_tol=1e-6)


LIMITED = ["one site, grid-limited", "one site, fit-out-limited", "one site, delivery-capped"]


@pytest.mark.parametrize("name", ["default", "default, no carry-over", *LIMITED])
def test_raw_lp_solution_satisfies_every_limit(name, default_scenario):
    """The raw optimum, laid out as a Plan, passes the independent check: its LP is not looser."""
    chosen = FEASIBLE[name](default_scenario)
    plan = raw_plan(chosen)
    assert plan.status == "optimal"
    assert verify(plan) == []


@pytest.mark.parametrize("name", LIMITED)
def test_each_limited_case_costs_more_than_the_free_one(name):
    """The limit binds, so the comparison above exercises its rows."""
    free = make_plan(scenario()).summary()["total_cost_jpy"]
    assert make_plan(FEASIBLE[name](None)).summary()["total_cost_jpy"] > free * (1 + 1e-4)


def test_carry_over_binds_in_the_no_carry_over_case(default_scenario):
    changes = {"budget.fiscal_years.FY2026": "3e11 JPY", "budget.fiscal_years.FY2027": "1e11 JPY"}
    separate = FEASIBLE["default, no carry-over"](default_scenario)
    pooled = default_with(default_scenario, {**changes, "budget.carry_over": True})
    assert make_plan(separate).summary()["total_cost_jpy"] > make_plan(pooled).summary()["total_cost_jpy"] * (1 + 1e-5)


@pytest.mark.parametrize(
    "changes",
    [{"budget.total": "3.9e11 JPY"}, {"budget.total": "1e10 JPY"}],
    ids=["budget just short", "budget far short"],
)
def test_both_lps_find_the_same_scenario_infeasible(changes, default_scenario):
    chosen = default_with(default_scenario, changes)
    assert make_plan(chosen).status == "infeasible"
    assert solve_raw(chosen).status == "infeasible"

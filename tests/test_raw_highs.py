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
    # each fiscal year's money on its own: FY2026 spending is capped by its own 2e11 JPY
    "default, no carry-over": lambda default: default_with(
        default,
        {
            "budget.carry_over": False,
            "budget.fiscal_years.FY2026": "2e11 JPY",
            "budget.fiscal_years.FY2027": "2e11 JPY",
        },
    ),
    # all eight catalog types over a 24-month window
    "stretched, 24 months": lambda default: stretched(24),
    "one site": lambda default: scenario(),
    # 40 kW of grid until July, so the first half-year's training is grid-limited
    "one site, grid-limited": lambda default: scenario(
        {
            "sites.Alpha.grid_phases": [
                {"start": "2027-01", "grid_import": "40 kW", "it_capacity": "1000 MW"},
                {"start": "2027-07", "grid_import": "1000 MW", "it_capacity": "1000 MW"},
            ]
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


@pytest.mark.parametrize("name", ["default", "one site, grid-limited", "one site, delivery-capped"])
def test_raw_lp_solution_satisfies_every_limit(name, default_scenario):
    """The raw optimum, laid out as a Plan, passes the independent check: its LP is not looser."""
    chosen = FEASIBLE[name](default_scenario)
    plan = raw_plan(chosen)
    assert plan.status == "optimal"
    assert verify(plan) == []


def test_grid_limit_changes_the_one_site_optimum():
    """The grid-limited and delivery-capped cases are not the unconstrained optimum in disguise."""
    free = solve_raw(scenario()).objective_jpy
    for name in ("one site, grid-limited", "one site, delivery-capped"):
        assert solve_raw(FEASIBLE[name](None)).objective_jpy > free * (1 + 1e-6)


@pytest.mark.parametrize(
    "changes",
    [{"budget.total": "3.9e11 JPY"}, {"budget.total": "1e10 JPY"}],
    ids=["budget just short", "budget far short"],
)
def test_both_lps_find_the_same_scenario_infeasible(changes, default_scenario):
    chosen = default_with(default_scenario, changes)
    assert make_plan(chosen).status == "infeasible"
    assert solve_raw(chosen).status == "infeasible"

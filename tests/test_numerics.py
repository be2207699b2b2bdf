"""Numerical robustness: the LP is well scaled, and inputs at the edges of the valid ranges
(docs/numerics.md) either plan to the hand-computed answer or say why no plan exists.

The one-site builder has a closed form: N accelerators bought in January and trained all of
the window cost N x (capex + IT power x PUE x price x seconds), and deliver N x peak x MFU x
seconds of compute (availability 1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import scenario

from planner import make_plan
from planner.inputs.scenario import changed
from planner.lp.model import PlanningModel
from planner.results.verify import verify

FLOPS = 1000e12 * 0.5  # X1: peak x MFU
DAY = 86400.0
YEAR_2027 = 365 * DAY
JPY_PER_KWH = 1 / 3.6e6  # JPY/J


def cost(n: float, seconds: float, capex=1e7, watts=1000.0, pue=1.2, price_kwh=20.0) -> float:
    return n * (capex + watts * pue * price_kwh * JPY_PER_KWH * seconds)


def site(mw: float) -> dict:
    return {"sites.Alpha.grid_phases": [{"start": "2027-01", "grid_import": f"{mw} MW", "it_capacity": f"{mw} MW"}]}


def window(years: int) -> dict:
    end = f"{2026 + years}-12"
    return {"horizon.end": end, "workload.deadline": end}


# name: (changes to the one-site scenario, accelerators N, seconds trained, cost keywords)
EXTREMES = {
    "1 MW site": ({**site(1)}, 500, YEAR_2027, {}),
    "10 GW site": ({**site(10e3)}, 5e6, YEAR_2027, {}),
    "the largest run (1e30 FLOP) on a 100 GW site": ({**site(100e3)}, 1e30 / (FLOPS * YEAR_2027), YEAR_2027, {}),
    "the smallest run (1e20 FLOP)": ({}, 1e20 / (FLOPS * YEAR_2027), YEAR_2027, {}),
    "10-year horizon": (window(10), 1000, (10 * 365 + 3) * DAY, {}),  # leap days 2028, 2032, 2036
    "20-year horizon": (window(20), 1000, (20 * 365 + 5) * DAY, {}),
    "electricity at 1000 JPY/kWh": ({"sites.Alpha.electricity_price": "1000 JPY/kWh"}, 1000, YEAR_2027, {"price_kwh": 1000}),
    "free electricity": ({"sites.Alpha.electricity_price": "0 JPY/kWh"}, 1000, YEAR_2027, {"price_kwh": 0}),
    "PUE 3": ({"sites.Alpha.pue": 3}, 1000, YEAR_2027, {"pue": 3}),
    "PUE 1": ({"sites.Alpha.pue": 1}, 1000, YEAR_2027, {"pue": 1}),
    "1e11 JPY accelerators": ({"accelerators.X1.capex": "1e11 JPY"}, 10, YEAR_2027, {"capex": 1e11}),
    "1 JPY accelerators": ({"accelerators.X1.capex": "1 JPY"}, 1000, YEAR_2027, {"capex": 1}),
}


@pytest.mark.parametrize("name", EXTREMES)
def test_extreme_but_valid_inputs_plan_to_the_closed_form(name):
    changes, n, seconds, prices = EXTREMES[name]
    s = scenario({**changes, "workload.compute": f"{n * FLOPS * seconds!r} FLOP"})
    plan = make_plan(s)
    assert plan.status == "optimal", plan.message
    assert verify(plan) == []
    summary = plan.summary()
    assert summary["total_cost_jpy"] == pytest.approx(cost(n, seconds, **prices), rel=1e-6)
    assert plan.fleet.groupby("month")["installed"].sum().max() == pytest.approx(n, rel=1e-6)
    assert summary["finish_month"] == summary["deadline"]


def test_the_most_compute_1e15_jpy_buys():
    # compute objective, money binding: N = 1e15 / (capex + a year of electricity) on a 100 GW site
    s = scenario({**site(100e3), "objective": "compute", "accelerators.X1.capex": "2e7 JPY"})
    plan = make_plan(s)
    assert plan.status == "optimal" and verify(plan) == []
    n = 1e15 / cost(1, YEAR_2027, capex=2e7)
    assert plan.summary()["delivered_flop"] == pytest.approx(n * FLOPS * YEAR_2027, rel=1e-6)
    assert plan.summary()["peak_facility_mw"]["Alpha"] == pytest.approx(n * 1000 * 1.2 / 1e6, rel=1e-6)


def test_a_10_gw_run_on_a_1_mw_site_says_why_not():
    # the grid holds 1 MW / (1 kW x PUE 1.2) = 833.3 accelerators: the largest run that fits
    required = 5e6 * FLOPS * YEAR_2027
    plan = make_plan(scenario({**site(1), "workload.compute": f"{required!r} FLOP"}))
    assert plan.status == "infeasible"
    options = plan.relaxations.set_index("option")
    fits = 1e6 / 1200 * FLOPS * YEAR_2027
    assert options.loc["a smaller run", "amount"] * 1e24 == pytest.approx(required - fits, rel=1e-6)
    assert math.isnan(options.loc["a later deadline", "amount"])  # a year more is not 6,000 times more
    assert math.isnan(options.loc["more money", "amount"])
    grid = plan.relaxations[plan.relaxations["option"] == "more grid and fit-out at Alpha"]
    assert not grid.empty and (grid["unit"] == "MW").all()


def test_the_default_over_ten_years_plans_and_verifies(default_scenario):
    # least cost, the programme's objective (most compute on ten years of a MIP takes minutes here)
    # to a 1% MIP gap: the test is of the numbers over 120 months, not of the branch and bound
    s = changed(default_scenario, {"horizon.end": "2036-03", "runs.1T.deadline": "2036-03", "solver.mip_gap": 0.01})
    plan = make_plan(s, explain_limits=False)
    assert plan.status == "optimal" and verify(plan) == []
    assert len(plan.compute) == 120  # April 2026 to March 2036


@pytest.mark.parametrize("integer", [False, True])
def test_the_default_lp_is_scaled_within_five_decades(default_scenario, integer):
    # model units (thousands of accelerators, MW, billions of yen, 1e24 FLOP) keep the matrix,
    # the objective and the limits within five decades; raw units would span about 30. The widest
    # pair: a run's big-M at a site (34.6 thousand of the 1T run's GB300 or VR200 in Sakai's
    # 400 MW) against a month's demand charge on a MW of peak at Sakai in the budget row
    # (663.3 JPY/kW = 0.00066 bn JPY): 5.2e4
    model = PlanningModel(changed(default_scenario, {"solver.integer": integer}))
    program = model.problem
    matrix = np.abs(program.matrix()[2])
    objective = np.abs(program.cost[program.cost != 0])
    bounds = np.concatenate(program.bounds()[2:])
    limits = np.abs(bounds[np.isfinite(bounds) & (bounds != 0)])
    for values in (matrix, objective, limits):
        assert max(values) / min(values) < 1e5
    assert 1e-4 < min(matrix) and max(matrix) < 1e2

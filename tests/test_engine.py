"""The LP against answers worked out by hand, and against a second solver."""

import pytest
from builders import ONE_SITE, edit, scenario

from planner import make_plan
from planner.inputs.scenario import changed
from planner.results.verify import verify

SECONDS_2027 = 365 * 24 * 3600.0
JPY_PER_KWH = 1 / 3.6e6  # JPY/J per JPY/kWh


def planned(s):
    plan = make_plan(s)
    assert verify(plan) == []
    return plan


def test_least_cost_has_the_closed_form():
    # One site, one accelerator, constant PUE and price, generous grid, training all of 2027.
    # The cheapest plan installs N accelerators in January and trains them all year:
    #   N = C / (peak x MFU x availability x seconds), cost = N x (capex + IT power x PUE x price x seconds)
    plan = planned(scenario())
    flops = 1000e12 * 0.5 * 1.0
    n = 1e24 / (flops * SECONDS_2027)
    energy_cost = 1000.0 * 1.2 * 20 * JPY_PER_KWH * SECONDS_2027
    expected = n * (1e7 + energy_cost)
    summary = plan.summary()
    assert summary["total_cost_jpy"] == pytest.approx(expected, rel=1e-6)
    assert summary["accelerators"]["Alpha"]["X1"] == pytest.approx(n, rel=1e-6)
    assert summary["energy_mwh"] == pytest.approx(n * 1000.0 * 1.2 * SECONDS_2027 / 3.6e9, rel=1e-6)
    assert summary["co2_t"] == pytest.approx(summary["energy_mwh"] * 0.5, rel=1e-6)
    assert summary["finish_month"] == "2027-12"


def test_availability_and_flop_per_token_scale_the_fleet():
    base = planned(scenario()).summary()["accelerators"]["Alpha"]["X1"]
    slower = planned(scenario({"workload.availability": 0.8})).summary()["accelerators"]["Alpha"]["X1"]
    assert slower == pytest.approx(base / 0.8, rel=1e-6)
    # 1e10 active of 4e10 total parameters on 1e13 tokens at 8 FLOP each = 8e23 FLOP
    moe = scenario(
        {
            "workload.compute": None,
            "workload.parameters": "4e10",
            "workload.active_parameters": "1e10",
            "workload.tokens": "1e13 token",
            "workload.flop_per_parameter_token": 8,
        }
    )
    assert moe.workload.required_flop == pytest.approx(8e23)
    assert planned(moe).summary()["accelerators"]["Alpha"]["X1"] == pytest.approx(0.8 * base, rel=1e-6)


def test_compute_optimal_tokens_default_to_twenty_per_parameter():
    s = scenario({"workload.compute": None, "workload.parameters": "1e12"})
    assert s.workload.required_flop == pytest.approx(6 * 1e12 * 20e12)


def test_grid_limit_decides_the_mix():
    # Two types, no electricity cost: X1 is cheap per FLOP but power-hungry, X2 dear but frugal.
    # Grid 1.2 x (p1 N1 + p2 N2) <= G and f1 N1 + f2 N2 >= R both bind; solve the 2x2 by hand.
    # The run may mix types at no loss (issue 15: one type unless `mix`; the rule's case below).
    base = edit(ONE_SITE, {"sites.Alpha.electricity_price": "0 JPY/kWh", "workload.mix": True, "workload.mix_efficiency": 1.0})
    base["accelerators"]["X2"] = dict(
        base["accelerators"]["X1"], capex="3e7 JPY", gpu_power="400 W", it_power="500 W", peak_bf16="2000 TFLOP/s"
    )
    f1, f2 = 1000e12 * 0.5 * SECONDS_2027, 2000e12 * 0.5 * SECONDS_2027  # FLOP per accelerator-year
    need = 1e24
    unconstrained = planned(scenario({}, base)).summary()
    assert set(unconstrained["accelerators"]["Alpha"]) == {"X1"}  # 1e7 per f1 beats 3e7 per 2 f1
    n1_alone = need / f1
    grid_mw = 1.2 * 1000.0 * n1_alone / 2 / 1e6  # half the power X1 alone would need
    limited = planned(scenario({"sites.Alpha.grid_phases": [
        {"start": "2027-01", "grid_import": f"{grid_mw} MW", "it_capacity": "1000 MW"}]}, base))
    # 1000 N1 + 500 N2 = G / 1.2 ; f1 N1 + f2 N2 = need
    watts = grid_mw * 1e6 / 1.2
    n2 = (need - f1 * watts / 1000.0) / (f2 - f1 * 500.0 / 1000.0)
    n1 = (watts - 500.0 * n2) / 1000.0
    fleet = limited.summary()["accelerators"]["Alpha"]
    assert fleet["X1"] == pytest.approx(n1, rel=1e-6)
    assert fleet["X2"] == pytest.approx(n2, rel=1e-6)
    assert limited.summary()["total_cost_jpy"] == pytest.approx(1e7 * n1 + 3e7 * n2, rel=1e-6)
    assert limited.summary()["peak_facility_mw"]["Alpha"] == pytest.approx(grid_mw, rel=1e-6)
    # On one type: X1 alone would draw twice the grid, so X2 alone, need / f2 of them at 3e7 JPY
    one_type = planned(scenario({"sites.Alpha.grid_phases": [
        {"start": "2027-01", "grid_import": f"{grid_mw} MW", "it_capacity": "1000 MW"}], "workload.mix": False}, base))
    assert set(one_type.summary()["accelerators"]["Alpha"]) == {"X2"}
    assert one_type.summary()["total_cost_jpy"] == pytest.approx(3e7 * need / f2, rel=1e-6)


def test_fiscal_year_money_delays_purchases():
    # No money in FY2026 (Jan-Mar 2027): nothing can be bought before April, so the fleet
    # trains 9 months instead of 12 and must be 12/9 as large (month lengths counted exactly).
    # FY2027 and FY2028 are listed: a fiscal year not listed brings no money (issue 13).
    s = scenario({"budget.fiscal_years": {"FY2026": "0 JPY", "FY2027": "1e15 JPY", "FY2028": "0 JPY"}})
    plan = planned(s)
    seconds = (365 - 31 - 28 - 31) * 24 * 3600.0
    n = 1e24 / (1000e12 * 0.5 * seconds)
    assert plan.summary()["accelerators"]["Alpha"]["X1"] == pytest.approx(n, rel=1e-6)
    assert plan.costs.set_index("fiscal_year").loc["FY2026", "total_jpy"] == pytest.approx(0.0, abs=1.0)


def test_without_carry_over_each_year_is_capped_on_its_own():
    # All the money arrives in FY2026 (Jan-Mar 2027). Carried over, it also pays FY2027's
    # electricity and the plan is the unconstrained one; not carried over, FY2027 has nothing.
    free = planned(scenario()).summary()["total_cost_jpy"]
    years = {"FY2026": f"{1.1 * free} JPY", "FY2027": "0 JPY"}
    carried = planned(scenario({"budget.fiscal_years": years, "budget.carry_over": True}))
    separate = make_plan(scenario({"budget.fiscal_years": years, "budget.carry_over": False}))
    assert carried.summary()["total_cost_jpy"] == pytest.approx(free, rel=1e-6)
    assert separate.status == "infeasible"


def test_delivery_cap_spreads_arrivals():
    capped = planned(scenario({"accelerators.X1.delivery_cap": "20 / month"}))
    assert capped.fleet["delivered"].max() <= 20 + 1e-6
    uncapped = planned(scenario())
    assert capped.summary()["total_cost_jpy"] > uncapped.summary()["total_cost_jpy"]


def test_too_small_a_budget_is_infeasible_not_an_error():
    plan = make_plan(scenario({"budget.total": "1e6 JPY"}))
    assert plan.status == "infeasible"
    assert not plan.feasible
    assert plan.summary()["finish_month"] is None


def test_nothing_before_the_site_opens_or_the_accelerator_ships():
    plan = planned(scenario({"accelerators.X1.first_delivery": "2027-03", "sites.Alpha.opening": "2027-02",
                             "sites.Alpha.grid_phases": [{"start": "2027-02", "grid_import": "1000 MW", "it_capacity": "1000 MW"}]}))
    early = plan.fleet[plan.fleet["month"] < "2027-03"]
    assert early["installed"].abs().max() == 0.0


def test_highs_and_cbc_agree(default_scenario):
    highs = planned(default_scenario).summary()["total_cost_jpy"]
    cbc_scenario = changed(default_scenario, {"solver.name": "cbc"})
    cbc = planned(cbc_scenario)
    assert cbc.solver == "cbc"
    assert cbc.summary()["total_cost_jpy"] == pytest.approx(highs, rel=1e-6)


def test_default_plan_is_verified_and_uses_its_sites(default_plan):
    assert default_plan.status == "optimal"
    assert verify(default_plan) == []
    summary = default_plan.summary()
    assert summary["delivered_flop"] >= summary["required_flop"] * (1 - 1e-7)
    assert summary["total_cost_jpy"] <= summary["budget_jpy"] * (1 + 1e-9)  # within the solver's tolerance
    # the existing cluster trains, and Sakai's reused plant (0.83e9 JPY per IT MW, 120-400 MW)
    # takes every purchase: Tomakomai's fit-out (1.51e9 JPY per IT MW) and power are no cheaper
    assert all(summary["accelerators"][site] for site in ("Existing", "Sakai"))
    assert not summary["accelerators"]["Tomakomai"]

"""Planning questions: objectives, shadow prices, infeasibility explained, integer sizing.

Expected values are worked out by hand from the scenarios' numbers; every plan is verified.
"""

import numpy as np
import pandas as pd
import pytest
from builders import OLD_DEFAULT, ONE_SITE, edit, planned, scenario

from planner import make_plan
from planner.app import views
from planner.cli.plan import describe
from planner.inputs.scenario import changed, load_scenario
from planner.lp import diagnose, objectives
from planner.lp.solve import Solution
from planner.results.verify import verify
from planner.results.words import worth_in_words

FLOPS = 1000e12 * 0.5  # X1: peak x MFU (availability 1)
DAY = 86400.0
SECONDS_2027 = 365 * DAY
FREE_POWER = {"sites.Alpha.electricity_price": "0 JPY/kWh"}  # capex only, so costs are simple


def shadow(plan, family, where=None):
    rows = plan.binding[plan.binding["constraint"] == family]
    rows = rows[~rows["where"].str.contains("phase")]
    if where is not None:
        rows = rows[rows["where"] == where]
    return rows["shadow_price"].sum()


def two_types(**changes):
    """X1 and X2 in one run: mixed at no loss (issue 15: a run is on one type unless `mix`), so
    both may be bought and priced at once."""
    base = edit(ONE_SITE, {**FREE_POWER, "workload.mix": True, "workload.mix_efficiency": 1.0})
    base["accelerators"]["X2"] = dict(
        base["accelerators"]["X1"], capex="3e7 JPY", gpu_power="400 W", it_power="500 W", peak_bf16="2000 TFLOP/s"
    )
    return edit(base, changes)


@pytest.mark.parametrize("integer", [False, True], ids=["fractions", "whole servers"])
def test_value_of_one_more_mw_matches_the_hand_computed_dual(integer):
    # Grid binds with X1 and X2 both bought. At the optimum of the LP each type's purchase breaks even:
    #   capex_i = y * FLOP_i - w * 1.2 * MW_i,  i = 1, 2
    # where y prices compute (JPY per FLOP) and w one more MW all year (JPY per MW).
    # In whole servers a MILP has no duals, and the LP with the fleet fixed prices only electricity
    # (free here) and loses the grid limit: the plan shows the LP relaxation's y and w, and says so.
    need = 1e24
    grid_mw = 1.2 * 1000.0 * need / (FLOPS * SECONDS_2027) / 2 / 1e6
    base = two_types(**{"sites.Alpha.grid_phases": [
        {"start": "2027-01", "grid_import": f"{grid_mw} MW", "it_capacity": "1000 MW"}]}, **{"solver.integer": integer})
    plan = planned(scenario({}, base))
    flop = np.array([FLOPS, 2 * FLOPS]) * SECONDS_2027
    mw = np.array([1000.0, 500.0]) * 1.2 / 1e6
    y, w = np.linalg.solve(np.column_stack([flop, -mw]), [1e7, 3e7])
    assert shadow(plan, "grid_limit") == pytest.approx(w, rel=1e-6)
    assert shadow(plan, "compute_requirement") == pytest.approx(y * 1e24, rel=1e-6)
    assert set(plan.binding["unit"]) >= {"JPY per MW", "JPY per 1e24 FLOP"}
    assert plan.binding.iloc[0]["description"]  # described in words
    assert plan.summary()["prices_from"] == ("LP relaxation" if integer else "this plan")


def test_value_of_money_arriving_earlier():
    # FY2026 (Jan-Mar 2027) money M buys x = M / capex accelerators that train all year; the rest
    # arrive in April and train 275 days. One more yen in FY2026 saves 365/275 - 1 yen.
    free = planned(scenario(FREE_POWER)).summary()["total_cost_jpy"]
    # FY2027 is listed: a fiscal year not listed brings no money (issue 13)
    plan = planned(scenario({**FREE_POWER, "budget.fiscal_years": {"FY2026": f"{0.3 * free} JPY", "FY2027": "1e15 JPY"}}))
    assert shadow(plan, "budget_fy") == pytest.approx(365 / 275 - 1, rel=1e-6)
    row = plan.binding[plan.binding["constraint"] == "budget_fy"].iloc[0]
    assert row["unit"] == "JPY per JPY" and "FY2026" in row["description"]


def test_unused_type_gets_the_price_cut_that_brings_it_in():
    # X3 does what X1 does at twice the price: it enters when 1e7 JPY cheaper, and not before.
    base = edit(ONE_SITE, {**FREE_POWER, "workload.mix": True, "workload.mix_efficiency": 1.0})
    base["accelerators"]["X3"] = dict(base["accelerators"]["X1"], capex="2e7 JPY")
    plan = planned(scenario({}, base))
    entry = plan.entry.set_index("accelerator")
    assert list(entry.index) == ["X3"]
    assert entry.loc["X3", "price_cut_jpy"] == pytest.approx(1e7, rel=1e-6)


DEADLINE_BOUND = {
    # 10 MW of fit-out holds 10,000 one-kilowatt accelerators; the run needs them from January
    # to June (181 days), so a March deadline is 3 months too early.
    "sites.Alpha.grid_phases": [{"start": "2027-01", "grid_import": "1000 MW", "it_capacity": "10 MW"}],
    "workload.compute": f"{1e4 * FLOPS * 181 * DAY * 0.999} FLOP",
    "workload.deadline": "2027-03",
}


def test_too_early_deadline_is_diagnosed_exactly():
    plan = make_plan(scenario(DEADLINE_BOUND))
    assert plan.status == "infeasible"
    relax = plan.relaxations.set_index("option")
    assert relax.loc["a later deadline", "amount"] == 3
    assert "2027-06" in relax.loc["a later deadline", "description"]
    # a smaller run: what 10,000 accelerators deliver January to March (90 days)
    required = 1e4 * FLOPS * 181 * DAY * 0.999
    assert relax.loc["a smaller run", "amount"] * 1e24 == pytest.approx(required - 1e4 * FLOPS * 90 * DAY, rel=1e-6)
    # more fit-out: cheapest in MW-months is all the extra in one 31-day month; since the fleet
    # may now be retired inside the window (issue 13), January ties with March
    extra = (required / FLOPS - 1e4 * 90 * DAY) / (31 * DAY)
    site = plan.relaxations[plan.relaxations["option"] == "more grid and fit-out at Alpha"]
    assert list(site["limit"]) == ["it_capacity"]
    assert site["amount"].iloc[0] == pytest.approx(extra * 1000.0 / 1e6, rel=1e-6)
    assert "2027-03" in site["description"].iloc[0] or "2027-01" in site["description"].iloc[0]
    # money cannot buy fit-out that is not there
    assert np.isnan(relax.loc["more money", "amount"])


def test_budget_short_by_a_known_amount():
    cost = planned(scenario(FREE_POWER)).summary()["total_cost_jpy"]
    short = 0.1 * cost
    plan = make_plan(scenario({**FREE_POWER, "budget.total": f"{cost - short} JPY"}))
    assert plan.status == "infeasible"
    money = plan.relaxations[plan.relaxations["option"] == "more money"]
    assert money["amount"].iloc[0] == pytest.approx(short, rel=1e-6)
    assert money["unit"].iloc[0] == "JPY"


def test_every_relaxation_alone_gives_a_plan():
    # apply each numeric relaxation and re-plan: it must then be feasible
    s = scenario(DEADLINE_BOUND)
    relax = make_plan(s).relaxations
    later = int(relax.set_index("option").loc["a later deadline", "amount"])
    assert planned(scenario({**DEADLINE_BOUND, "workload.deadline": str(pd.Period("2027-03", "M") + later)}))
    fit_out = relax[relax["option"] == "more grid and fit-out at Alpha"]["amount"].sum()
    # the elastic answer adds MW in March only; as a flat increase it is enough everywhere
    more = {"sites.Alpha.grid_phases": [{"start": "2027-01", "grid_import": "1000 MW", "it_capacity": f"{10 + fit_out * 1.000001} MW"}]}
    assert planned(scenario({**DEADLINE_BOUND, **more}))


def copies_of_alpha(count: int, **changes) -> dict:
    """The one-site builder with `count` copies of its site, Alpha first."""
    alpha = edit(ONE_SITE, changes)["sites"]["Alpha"]
    names = ["Alpha", *(f"Site{i}" for i in range(2, count + 1))]
    return {**ONE_SITE, "sites": {name: alpha for name in names}}


def test_more_fit_out_for_a_split_run_counts_at_its_split_efficiency():
    # Two 10 MW sites: a run split between them (given by its compute, so at the planner's 0.9)
    # needs required / 0.9 of accelerator time. Jan-Mar they deliver 2 x 1e4 x 90 days; the rest
    # is cheapest in MW-months in 31-day months, at either site (issue 15: there is no anchor).
    # Kept at one site it would need far more: 1e4 x (181 x 0.999 - 90) days. One option names
    # the sites that need more.
    document = edit(copies_of_alpha(2, **{"sites.Alpha.grid_phases": DEADLINE_BOUND["sites.Alpha.grid_phases"]}),
                    {key: value for key, value in DEADLINE_BOUND.items() if key.startswith("workload")})
    plan = make_plan(scenario({}, document))
    assert plan.status == "infeasible"
    required = 1e4 * FLOPS * 181 * DAY * 0.999
    extra = (required / FLOPS / 0.9 - 2e4 * 90 * DAY) / (31 * DAY)  # accelerators of 1000 W
    fit_out = plan.relaxations[plan.relaxations["option"].str.startswith("more grid and fit-out")]
    assert len(set(fit_out["option"])) == 1
    assert fit_out["amount"].sum() == pytest.approx(extra * 1000.0 / 1e6, rel=1e-6)


def test_the_diagnosis_solves_as_many_lps_for_twenty_sites_as_for_two(monkeypatch):
    # issue 11: an elastic LP per site grew with the square of the sites (31 s for 100 sites);
    # now one per option, so the count of solves does not depend on the number of sites
    solves = []
    for module in (diagnose, objectives):
        real = module.solve
        monkeypatch.setattr(module, "solve", lambda *args, real=real, **kw: solves.append(1) or real(*args, **kw))
    counted = {}
    for count in (2, 20):
        solves.clear()
        plan = make_plan(scenario({"budget.total": "1e8 JPY"}, copies_of_alpha(count)))
        assert plan.status == "infeasible"
        counted[count] = len(solves)
    assert counted[2] == counted[20]
    cannot = plan.relaxations.set_index("option").loc["more grid and fit-out at 20 sites"]
    assert np.isnan(cannot["amount"])  # a site does not pay for accelerators


def test_finish_objective_finds_the_earliest_month():
    # 10,000 accelerators need 160 days: more than January-May (151), so the earliest finish
    # is June even with a December deadline; with 10% more fit-out (11,000) May is enough.
    plan = planned(scenario({**DEADLINE_BOUND, "workload.compute": f"{1e4 * FLOPS * 160 * DAY} FLOP",
                             "workload.deadline": "2027-12", "objective": "finish"}))
    assert plan.finish_month == "2027-06"
    assert plan.summary()["deadline"] == "2027-12"
    gains = plan.binding[plan.binding["unit"] == "months earlier"].set_index("where")
    assert gains.loc["Alpha", "shadow_price"] == 1
    assert gains.loc["total", "shadow_price"] == 0  # money is not what binds
    # said once, in words ("finish 0 months earlier: 0 months earlier" before)
    lines = describe(plan).splitlines()
    assert "  +10% grid and fit-out at Alpha: finishes 1 month earlier" in lines
    assert "  +10% budget in every fiscal year: finishes no earlier" in lines
    assert views.binding_in_words(plan)[-2:] == [
        "**+10% grid and fit-out at Alpha**: finishes 1 month earlier",
        "**+10% budget in every fiscal year**: finishes no earlier",
    ]


def test_finish_gains_in_words():
    assert worth_in_words(2.0, "months earlier") == "finishes 2 months earlier"
    assert worth_in_words(1.0, "months earlier") == "finishes 1 month earlier"
    assert worth_in_words(0.0, "months earlier") == "finishes no earlier"


def test_compute_objective_reports_the_largest_model():
    # Capex only: a budget B buys B / 1e7 accelerators, each delivering FLOPS x a year.
    s = scenario({**FREE_POWER, "objective": "compute", "budget.total": "1e10 JPY",
                  "workload.compute": None, "workload.parameters": "1e9"})
    plan = planned(s)
    delivered = 1e10 / 1e7 * FLOPS * SECONDS_2027
    assert plan.summary()["delivered_flop"] == pytest.approx(delivered, rel=1e-6)
    # C = 6 N (20 N)  ->  N = sqrt(C / 120)
    assert plan.summary()["largest_model_parameters"] == pytest.approx((delivered / 120) ** 0.5, rel=1e-6)
    assert shadow(plan, "budget") == pytest.approx(FLOPS * SECONDS_2027 / 1e7, rel=1e-6)  # FLOP per JPY


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_cost_stage_without_a_plan_keeps_the_plan_of_the_most_compute(monkeypatch, solver):
    # The cost stage holds the most compute a budget buys; should the solver find no plan for it
    # (as HiGHS for tests/regressions/compute_cost_stage_without_a_plan.json), the first stage's
    # plan is the answer, said so, not "infeasible": the same 1e10 JPY / 1e7 JPY x FLOPS x a year.
    # Without presolve is tried only after HiGHS (CBC takes no HiGHS options, and HiGHS may be missing).
    s = scenario({**FREE_POWER, "objective": "compute", "budget.total": "1e10 JPY",
                  "workload.compute": None, "workload.parameters": "1e9"})
    tried = []

    def no_plan(model, held, level, scale, share, **options):
        tried.append((share, options))
        return Solution("infeasible", solver, 0.0, *(np.zeros(1),) * 2)

    monkeypatch.setattr(objectives, "_held_at", no_plan)
    plan = planned(s)
    off = {"presolve": "off"}
    hold, retry = objectives.HOLD, objectives.HOLD_RETRY
    assert tried == ([(hold, {}), (hold, off), (retry, off)] if solver == "highs" else [(hold, {}), (retry, {})])
    assert plan.summary()["delivered_flop"] == pytest.approx(1e10 / 1e7 * FLOPS * SECONDS_2027, rel=1e-6)
    assert any("the plan with the best compute, which may cost more" in notice for notice in plan.notices)


def _two_sites(**changes):
    base = edit(ONE_SITE, {"workload.cross_site_efficiency": 1.0})
    base["sites"]["Beta"] = edit(ONE_SITE["sites"]["Alpha"], {"carbon_intensity": "0.1 kg/kWh", "electricity_price": "25 JPY/kWh"})
    return edit(base, changes)


def test_carbon_objective_moves_to_the_cleaner_site():
    cost = planned(scenario({}, _two_sites()))
    assert set(cost.summary()["accelerators"]["Alpha"]) == {"X1"} and not cost.summary()["accelerators"]["Beta"]
    carbon = planned(scenario({"objective": "carbon"}, _two_sites()))
    assert not carbon.summary()["accelerators"]["Alpha"] and carbon.summary()["accelerators"]["Beta"]
    assert carbon.summary()["co2_t"] == pytest.approx(cost.summary()["co2_t"] / 5, rel=1e-6)


def test_carbon_price_flips_the_site_at_the_break_even():
    # Beta costs 5 JPY/kWh more and emits 0.4 kg/kWh less: break-even at 12,500 JPY per t
    below = planned(scenario({"carbon_price": "12000 JPY/t"}, _two_sites()))
    above = planned(scenario({"carbon_price": "13000 JPY/t"}, _two_sites()))
    assert below.summary()["accelerators"]["Alpha"] and not below.summary()["accelerators"]["Beta"]
    assert above.summary()["accelerators"]["Beta"] and not above.summary()["accelerators"]["Alpha"]


def test_more_budget_never_delays_finish():
    # the one-site run: 7e8 JPY buys a finish late in 2027, 2.6e9 one in spring (tests/test_sweep.py
    # works the months out by hand). The former default no longer serves: its deliveries, not its
    # money, set its finish, so every budget finished in the same month.
    finishes = []
    for budget in ("7e8", "1.3e9", "2.6e9", "1e10"):
        plan = make_plan(scenario({"objective": "finish", "budget.total": f"{budget} JPY"}))
        assert verify(plan) == []
        finishes.append(plan.finish_month or "9999-99")
    assert finishes == sorted(finishes, reverse=True)
    assert finishes[-1] < finishes[0]


def test_more_grid_never_raises_cost():
    # X1 and X2 with the grid holding half the X1 fleet n = 1e24 / (FLOPS x a year) (at 1.2 kW each):
    #   1.2 a + 0.6 b = 0.6 n  and  a + 2 b = n  ->  a = b = n / 3, capex 1e7 n / 3 + 3e7 n / 3 = 4e7 n / 3;
    # twice that grid holds all of n X1 at 1e7 each. The former default no longer serves: its grid
    # does not bind (deliveries do), so more of it changed nothing.
    n = 1e24 / (FLOPS * SECONDS_2027)
    half = 1.2 * 1000.0 * n / 2 / 1e6  # MW
    costs = []
    for mw in (half, 1.25 * half, 1.5 * half, 2 * half):
        base = two_types(**{"sites.Alpha.grid_phases": [{"start": "2027-01", "grid_import": f"{mw} MW", "it_capacity": "1000 MW"}]})
        costs.append(planned(scenario({}, base)).summary()["total_cost_jpy"])
    assert all(later <= earlier * (1 + 1e-9) for earlier, later in zip(costs, costs[1:]))
    assert costs[0] == pytest.approx(4e7 * n / 3, rel=1e-6)
    assert costs[-1] == pytest.approx(1e7 * n, rel=1e-6)


@pytest.fixture(scope="module")
def single_run():
    """The former default: whole servers on the programme default run into the 60 s time limit
    (a MIP gap of 0.09%), on this one run they solve to the 0.01% gap in seconds."""
    return load_scenario(OLD_DEFAULT)


def test_integer_plan_costs_at_least_the_lp_and_at_most_one_unit_more_per_site_and_type(single_run):
    lp = planned(single_run)
    integer = planned(changed(single_run, {"solver.integer": True}))
    fleet = integer.fleet
    units = fleet["accelerator"].map({n: a.scalable_unit for n, a in single_run.accelerators.items()})
    assert np.allclose(fleet["installed"] / units, np.round(fleet["installed"] / units), atol=1e-6)
    # the objective is the economic cost now (issue 13); cash (total_cost_jpy) is a limit, not minimised
    low, high = lp.summary()["economic_cost_jpy"], integer.summary()["economic_cost_jpy"]
    one_unit_each = sum(
        a.scalable_unit * (a.capex + site.fitout_cost * a.it_power)
        for site in single_run.sites.values() for a in single_run.accelerators.values()
    )
    assert low * (1 - 1e-9) <= high <= low + one_unit_each
    summary = integer.summary()
    assert summary["integer_gap"] == pytest.approx((high - low) / low, rel=1e-3)
    assert 0 <= summary["mip_gap"] <= 1e-4 + 1e-12


def test_the_cost_of_whole_units_is_reported_where_cost_is_the_question(single_run):
    # the most compute with whole units against the least-cost plan in fractions read +6.6% on the
    # former default: the cost of another question, not what whole units add
    compute = planned(changed(single_run, {"solver.integer": True, "objective": "compute"}))
    assert compute.summary()["integer_gap"] is None and compute.summary()["mip_gap"] is not None


@pytest.mark.parametrize("objective", ["cost", "compute", "carbon"])
def test_every_objective_on_the_default_is_verified(default_scenario, default_plan, objective):
    plan = default_plan if objective == "cost" else make_plan(changed(default_scenario, {"objective": objective}))
    assert plan.feasible, plan.message
    assert verify(plan) == []
    assert plan.summary()["objective"] == objective
    assert not plan.binding.empty


def test_the_finish_objective_on_the_former_default_is_verified(single_run):
    # the earliest finish re-plans month by month: 90 s on the programme default, 8 s on one run
    plan = planned(changed(single_run, {"objective": "finish"}))
    assert plan.summary()["objective"] == "finish"
    assert not plan.binding.empty


def test_compute_objective_short_of_the_requirement_is_an_answer_not_a_fault(capsys):
    # 1e10 JPY buys 1,000 accelerators: FLOPS x a year each, 1.6e25 in all, short of the 1e26
    # required. The question is how much fits, so the plan stands (found by a property test:
    # verify used to hold the requirement against it, and `planner plan` called it a solver fault).
    s = scenario({**FREE_POWER, "objective": "compute", "budget.total": "1e10 JPY", "workload.compute": "1e26 FLOP"})
    plan = planned(s)
    assert plan.summary()["delivered_flop"] == pytest.approx(1e3 * FLOPS * SECONDS_2027, rel=1e-6)
    assert plan.finish_month is None

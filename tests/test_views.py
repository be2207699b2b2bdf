"""What the app shows of a plan: checked against hand computation and the plan's own tables.

The one-site scenario of tests/builders.py has a hand-computable cheapest plan: 1e24 FLOP on
accelerators of 1000 TFLOP/s at MFU 0.5 (5e14 FLOP/s each), availability 1, over all of 2027
(365 days = 3.1536e7 s), so N = 1e24 / (5e14 x 3.1536e7) = 63.4196 accelerators bought in
January and training all year (buying more to finish sooner only adds capex). They train
2e9 accelerator-seconds at 1000 W: 2e12 J of IT energy, x PUE 1.2 = 2.4e12 J = 666.67 MWh,
costing 20 JPY/kWh x 666,667 kWh = JPY 13.33 M and emitting 0.5 kg/kWh x 666,667 kWh = 333.3 t.
Capex 63.4196 x 1e7 = JPY 634.2 M. Peak draw 63.4196 x 1000 W x 1.2 = 0.0761 MW.
"""

import pandas as pd
import pytest
from builders import old_default_with, scenario

from planner import make_plan
from planner.app import views
from planner.results.verify import verify

N = 1e24 / (5e14 * 365 * 86400)


@pytest.fixture(scope="module")
def single_run_plan():
    """The former default (tests/old_default.toml): one run, money by fiscal year, both new sites
    busy in May 2027; the programme default's runs and money by source are the views' new tables."""
    return make_plan(old_default_with())


@pytest.fixture(scope="module")
def one_site_plan():
    plan = make_plan(scenario())
    assert verify(plan) == []
    return plan


def test_headline_matches_the_hand_computed_plan(one_site_plan):
    metrics = {metric.label: metric for metric in views.headline(one_site_plan)}
    assert list(metrics) == [
        "Total cost",
        "Training finishes",
        "Energy",
        "CO₂",
        "Accelerators at Alpha",
        "Peak draw at Alpha",
    ]
    assert metrics["Total cost"].value == pytest.approx((N * 1e7 + 666_666.67 * 20) / 1e9, rel=1e-6)
    assert metrics["Total cost"].text == "JPY 0.6 bn"
    assert metrics["Training finishes"].text == "2027-12"
    assert metrics["Energy"].value == pytest.approx(0.66667, rel=1e-4)  # GWh
    assert metrics["CO₂"].value == pytest.approx(0.33333, rel=1e-4)  # kt
    assert metrics["Accelerators at Alpha"].value == pytest.approx(N, rel=1e-6)
    assert metrics["Accelerators at Alpha"].detail == "63 X1"
    assert metrics["Peak draw at Alpha"].value == pytest.approx(N * 1000 * 1.2 / 1e6, rel=1e-6)


def test_changes_against_a_pinned_plan(one_site_plan):
    later = make_plan(scenario({"workload.earliest_start": "2027-07"}))
    # Half the year left: twice the accelerators, the same energy.
    now = {m.label: m for m in views.headline(later)}
    before = {m.label: m for m in views.headline(one_site_plan)}
    assert now["Accelerators at Alpha"].value == pytest.approx(1e24 / (5e14 * 184 * 86400), rel=1e-6)
    assert views.change(now["Accelerators at Alpha"], before["Accelerators at Alpha"]) == "+62 accelerators"
    assert views.change(now["Training finishes"], before["Training finishes"]) == "+0 months"
    assert views.change(now["Energy"], None) is None


def test_compute_curve_reaches_the_requirement_at_the_deadline(one_site_plan):
    curve = views.compute_by_month(one_site_plan)
    due = views.requirement(one_site_plan)
    assert due == {"required_flop": 1e24, "deadline": pd.Timestamp("2028-01-01")}
    # the curve runs to the horizon's end (December 2028) and is flat after the deadline
    assert curve["month"].iloc[-1] == pd.Timestamp("2029-01-01")
    at_deadline = curve[curve["month"] == due["deadline"]]["cumulative_flop"].item()  # the end of December 2027
    assert at_deadline == pytest.approx(1e24, rel=1e-7)
    assert curve["cumulative_flop"].iloc[-1] == pytest.approx(1e24, rel=1e-7)
    january = curve[curve["month"] == pd.Timestamp("2027-02-01")]["cumulative_flop"].item()
    assert january == pytest.approx(N * 5e14 * 31 * 86400, rel=1e-6)


def test_spending_by_year_adds_up_to_the_total_and_shows_money_arriving(single_run_plan):
    spending = views.spending_by_year(single_run_plan)
    total = single_run_plan.summary()["total_cost_jpy"] / 1e9
    assert spending["spent_bn"].sum() == pytest.approx(total, rel=1e-9)
    arriving = spending.drop_duplicates("fiscal_year").set_index("fiscal_year")["arriving_bn"].dropna().to_dict()
    assert arriving == {"FY2026": 100.0, "FY2027": 300.0}  # from the scenario's budget; none in FY2028-30
    assert list(spending.drop_duplicates("fiscal_year")["fiscal_year"]) == [f"FY{year}" for year in range(2026, 2031)]
    assert set(spending["kind"]) == {"capex", "electricity", "demand charges"}


def test_power_view_carries_the_grid_limits_of_the_profiles(default_plan):
    power = views.power_by_month(default_plan)
    tomakomai = power[power["site"] == "Tomakomai"].set_index("month")
    assert tomakomai.loc[pd.Timestamp("2026-09-01"), "grid_limit_mw"] == 0.0  # before opening
    assert tomakomai.loc[pd.Timestamp("2026-10-01"), "grid_limit_mw"] == 50.0
    assert (tomakomai["facility_mw"] <= tomakomai["grid_limit_mw"] + 1e-6).all()


def test_fleet_view_leaves_out_types_never_bought(default_plan):
    bought = set(views.fleet_by_month(default_plan)["accelerator"])
    summary = default_plan.summary()["accelerators"]
    assert bought == {name for site in summary.values() for name in site}


def test_budget_rule_in_words():
    assert (
        views.budget_rule(make_plan(scenario()))
        == "The budget is JPY 1,000,000.0 bn in all, with no limit by fiscal year."
    )
    fy = scenario({"budget.fiscal_years": {"FY2026": "1e9 JPY"}, "budget.carry_over": False})
    assert views.budget_rule(make_plan(fy)).endswith("each fiscal year's spending is capped by that year's money.")


def test_budget_rule_names_money_by_source(default_plan):
    # the programme default's money comes by source (METI's and the operator's), carried over
    assert views.budget_rule(default_plan) == (
        "The budget is JPY 2,667.0 bn in all, public and private by fiscal year (public money pays at most "
        "50% of a year's capex); money unspent in a fiscal year carries over to later years."
    )


def test_binding_limit_in_words_with_its_hand_computed_worth(one_site_plan):
    # The plan is linear in the compute: one more 1e24 FLOP costs what the whole 1e24 costs.
    worth = (N * 1e7 + 666_666.67 * 20) / 1e24 * 1e24  # JPY 634.2 M of capex + 13.3 M of electricity
    (line,) = views.binding_in_words(one_site_plan)
    assert line == "**training run: 1e+24 FLOP by 2027-12**: JPY 647.5 mn per 1e24 FLOP"  # each run by its name
    assert worth == pytest.approx(647.53e6, rel=1e-5)
    assert views.entry_in_words(one_site_plan) == []  # the only type is used


def test_money_and_shadow_prices_read_as_the_headline_writes_money():
    assert views.money(391.84e9) == "JPY 391.8 bn"
    assert views.money(1.5667e9) == "JPY 1.57 bn"
    assert views.money(-2.5e7) == "JPY -25.0 mn"
    assert views.money(758_447.2) == "JPY 758,447"
    assert views.money(0.08139) == "JPY 0.0814"
    assert views.per_unit(1.567e9, "JPY per MW") == "JPY 1.57 bn per MW"  # was 1.567e+09 JPY per MW
    assert views.per_unit(1.028e6, "JPY per accelerator") == "JPY 1.03 mn per accelerator"
    assert views.per_unit(3.99e23, "FLOP per MW") == "3.99e+23 FLOP per MW"
    assert views.per_unit(935.2, "t CO2 per 1e24 FLOP") == "935 t CO2 per 1e24 FLOP"
    assert views.per_unit(12_345.6, "t CO2 per MW") == "12,346 t CO2 per MW"


def test_relaxations_of_an_infeasible_plan_in_words():
    # All in January (31 days): N = 1e24 / (5e14 x 2.6784e6) = 746.7 accelerators, JPY 7.467 bn of
    # capex + 13.3 M of electricity = 7.4805 bn against a budget of 0.1 bn: 7.3805 bn short, shown
    # rounded up (7.39), so that the amount as written is enough
    plan = make_plan(scenario({"workload.deadline": "2027-01", "budget.total": "1e8 JPY"}))
    assert plan.status == "infeasible"
    works, cannot = views.relaxations_in_words(plan)
    assert works["more money"] == ["total budget JPY 0.1 bn: + JPY 7.39 bn"]
    assert "the largest run that fits is 1.3% of training run: 1e+24 FLOP" in works["a smaller run"][0]
    assert cannot == ["a later deadline", "more grid and fit-out at Alpha"]


def test_no_relaxations_found_leaves_only_the_generic_explanation(one_site_plan):
    assert views.relaxations_in_words(one_site_plan) == ({}, [])


def test_most_compute_within_a_small_budget_does_not_reach_the_requirement(one_site_plan):
    # JPY 0.1 bn buys 1e8 / 7.480e9 of the 1e24 FLOP that January alone would cost (see above).
    plan = make_plan(scenario({"objective": "compute", "workload.deadline": "2027-01", "budget.total": "1e8 JPY"}))
    metrics = {m.label: m for m in views.headline(plan)}
    assert metrics["Training finishes"].text == "not reached"
    assert metrics["Training compute"].value == pytest.approx(1e8 / 7.4798e9, rel=1e-3)  # in 1e24 FLOP
    assert "Largest model" not in metrics  # the run is given as compute, not as a model size
    before = {m.label: m for m in views.headline(one_site_plan)}
    assert views.change(metrics["Training finishes"], before["Training finishes"]) is None


def test_peak_draw_says_when_and_against_which_grid_limit(single_run_plan):
    # the run trains at one site (issue 15): there the peak is its last month, against that
    # month's phase of the grid (Sakai's first phase, 150 MW from 2026-10); the other site is idle
    peaks = {m.label: m for m in views.headline(single_run_plan) if m.label.startswith("Peak draw")}
    assert single_run_plan.runs.iloc[0]["sites"] == "Sakai"
    sakai = single_run_plan.power[single_run_plan.power["site"] == "Sakai"]
    assert peaks["Peak draw at Sakai"].value == sakai["facility_mw"].max()
    assert peaks["Peak draw at Sakai"].detail == "in 2027-08, against a 150 MW grid limit"
    assert peaks["Peak draw at Tomakomai"].detail == "not used"


def test_integer_sizing_note(one_site_plan):
    assert views.sizing_note(one_site_plan) is None
    whole = make_plan(scenario({"solver.integer": True}))
    assert views.sizing_note(whole).startswith("Whole servers and racks: MIP gap ")
    assert whole.summary()["accelerators"]["Alpha"]["X1"] == 64  # 63.42 rounded up to whole 8-GPU servers

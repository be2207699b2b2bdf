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
from builders import scenario

from planner import make_plan, views
from planner.verify import verify

N = 1e24 / (5e14 * 365 * 86400)


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
    assert curve["month"].iloc[-1] == due["deadline"]  # the end of December 2027
    assert curve["cumulative_flop"].iloc[-1] == pytest.approx(1e24, rel=1e-7)
    january = curve[curve["month"] == pd.Timestamp("2027-02-01")]["cumulative_flop"].item()
    assert january == pytest.approx(N * 5e14 * 31 * 86400, rel=1e-6)


def test_spending_by_year_adds_up_to_the_total_and_shows_money_arriving(default_plan):
    spending = views.spending_by_year(default_plan)
    total = default_plan.summary()["total_cost_jpy"] / 1e9
    assert spending["spent_bn"].sum() == pytest.approx(total, rel=1e-9)
    arriving = spending.drop_duplicates("fiscal_year").set_index("fiscal_year")["arriving_bn"].to_dict()
    assert arriving == {"FY2026": 100.0, "FY2027": 300.0}  # from the default scenario's budget
    assert set(spending["kind"]) == {"capex", "electricity"}


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


def test_binding_and_relaxation_rows_in_words(one_site_plan):
    plan = make_plan(scenario())
    plan.binding = pd.DataFrame(
        [
            {
                "constraint": "grid_limit",
                "description": "facility draw within the grid",
                "where": "Alpha 2027-05",
                "shadow_price": 1.25e9,
                "unit": "JPY per MW",
            }
        ]
    )
    plan.relaxations = pd.DataFrame(
        [{"limit": "budget", "description": "total budget", "amount": 2.5e10, "unit": "JPY"}]
    )
    assert views.binding_in_words(plan) == [
        "**facility draw within the grid** (Alpha 2027-05): shadow price 1.25e+09 JPY per MW"
    ]
    assert views.relaxations_in_words(plan) == ["**total budget** (budget): relax by 2.5e+10 JPY"]

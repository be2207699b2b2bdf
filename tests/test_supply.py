"""Time and supply (issue 13, item 4; cash at order from item 3), worked out by hand on ONE_SITE.

X1 gives 1000 TFLOP/s x MFU 0.5 = 5e14 FLOP/s at availability 1, so a run of 1e24 FLOP needs
1e24 / (5e14 x seconds at work) accelerators; it costs 1e7 JPY (no fit-out) in the cash view.
"""

import dataclasses
import math

import pytest
from builders import programme, scenario

from planner import make_plan
from planner.inputs.errors import InputError
from planner.lp.arrays import ScenarioArrays
from planner.results.verify import verify

DAY = 86400.0
FLOPS = 5e14
PRICE = 1e7


def needed(days: float, flop: float = 1e24) -> float:
    """Accelerators that deliver `flop` working `days` days."""
    return flop / (FLOPS * days * DAY)


def delivered(plan) -> dict[str, float]:
    rows = plan.fleet[plan.fleet["delivered"] > 1e-6]
    return dict(zip(rows["month"], rows["delivered"]))


def test_a_commissioning_lag_keeps_deliveries_from_work_for_its_months():
    # window January to March 2027, a month's lag: bought in January, at work February and
    # March (28 + 31 days) only, idle but installed in January
    plan = make_plan(scenario({"workload.deadline": "2027-03", "accelerators.X1.commissioning_lag": "1 month"}))
    n = needed(59)
    assert n == pytest.approx(392.3415, rel=1e-6)
    assert delivered(plan) == {"2027-01": pytest.approx(n, rel=1e-6)}
    fleet = plan.fleet.set_index("month")
    assert fleet.at["2027-01", "installed"] == pytest.approx(n, rel=1e-6)
    assert fleet.at["2027-01", "training"] == pytest.approx(0.0, abs=1e-6)
    assert fleet.at["2027-02", "training"] == pytest.approx(n, rel=1e-6)
    assert plan.summary()["capex_jpy"] == pytest.approx(n * PRICE, rel=1e-6)
    assert verify(plan) == []


def test_verify_finds_work_before_commissioning():
    plan = make_plan(scenario({"workload.deadline": "2027-03", "accelerators.X1.commissioning_lag": "1 month"}))
    fleet = plan.fleet.copy()
    fleet.loc[fleet["month"] == "2027-01", "training"] = 100.0  # the January delivery at work at once
    problems = verify(dataclasses.replace(plan, fleet=fleet))
    assert [p.constraint for p in problems if "commissioned" in p.detail] == ["use_within_fleet"]
    assert problems[0].limit == pytest.approx(0.0, abs=1e-6)


def test_the_existing_fleet_is_commissioned():
    # 100 accelerators already on site work from January whatever the lag; the rest is bought
    # in January and works February and March
    plan = make_plan(scenario({"workload.deadline": "2027-03", "accelerators.X1.commissioning_lag": "1 month",
                               "sites.Alpha.existing_fleet": {"X1": 100}}))
    rest = (1e24 - 100 * FLOPS * 90 * DAY) / (FLOPS * 59 * DAY)
    assert delivered(plan) == {"2027-01": pytest.approx(rest, rel=1e-6)}
    assert plan.fleet.set_index("month").at["2027-01", "training"] == pytest.approx(100.0, rel=1e-6)


def test_a_lead_time_puts_the_first_delivery_its_months_into_the_horizon():
    # horizon from January 2027, ordered two months ahead: the first delivery is in March
    plan = make_plan(scenario({"workload.deadline": "2027-03", "accelerators.X1.lead_time": "2 month"}))
    assert delivered(plan) == {"2027-03": pytest.approx(needed(31), rel=1e-6)}
    assert verify(plan) == []


LEAD = {"workload.earliest_start": "2027-04", "workload.deadline": "2027-06", "accelerators.X1.lead_time": "2 month",
        "budget.carry_over": False}


def test_capex_is_paid_in_the_order_month():
    # delivered in April (FY2027), ordered and paid in February (FY2026)
    plan = make_plan(scenario({**LEAD, "budget.fiscal_years": {"FY2026": "1e15 JPY", "FY2027": "1e15 JPY"}}))
    n = needed(30 + 31 + 30)
    assert delivered(plan) == {"2027-04": pytest.approx(n, rel=1e-6)}
    capex = plan.costs.set_index("fiscal_year")["capex_jpy"]
    assert capex["FY2026"] == pytest.approx(n * PRICE, rel=1e-6)
    assert capex["FY2027"] == pytest.approx(0.0, abs=1.0)
    assert verify(plan) == []


def test_without_money_in_the_order_year_the_fleet_comes_later_and_larger():
    # FY2026 brings no money: orders wait for April, so deliveries start in June, and the run
    # trains in June alone on 1e24 / (5e14 x 30 days) accelerators
    plan = make_plan(scenario({**LEAD, "budget.fiscal_years": {"FY2026": "0 JPY", "FY2027": "1e15 JPY"}}))
    n = needed(30)
    assert n == pytest.approx(771.6049, rel=1e-6)
    assert delivered(plan) == {"2027-06": pytest.approx(n, rel=1e-6)}
    assert plan.costs.set_index("fiscal_year").at["FY2027", "capex_jpy"] == pytest.approx(n * PRICE, rel=1e-6)


def test_verify_counts_capex_at_order():
    # the plan paid at delivery (no lead time) checked against the scenario with one: its April
    # deliveries were ordered in February, in FY2026, which had no money
    early = make_plan(scenario({**LEAD, "accelerators.X1.lead_time": "0 month",
                                "budget.fiscal_years": {"FY2026": "0 JPY", "FY2027": "1e15 JPY"}}))
    assert delivered(early) == {"2027-04": pytest.approx(needed(91), rel=1e-6)}
    ordered_ahead = scenario({**LEAD, "budget.fiscal_years": {"FY2026": "0 JPY", "FY2027": "1e15 JPY"}})
    problems = verify(dataclasses.replace(early, scenario=ordered_ahead))
    assert ("budget_fy", "FY2026") in [(p.constraint, p.where) for p in problems]
    assert next(p.found for p in problems if p.constraint == "budget_fy") == pytest.approx(needed(91) * PRICE, rel=1e-6)


def test_no_delivery_is_ordered_after_the_last_order_month():
    # last order January 2027, one month's lead: February is the only delivery month, and the
    # run trains February to December (334 days)
    changes = {"accelerators.X1.lead_time": "1 month", "accelerators.X1.last_order": "2027-01"}
    plan = make_plan(scenario(changes))
    assert delivered(plan) == {"2027-02": pytest.approx(needed(334), rel=1e-6)}
    assert verify(plan) == []
    later = make_plan(scenario({"accelerators.X1.lead_time": "1 month", "workload.earliest_start": "2027-06"}))
    problems = verify(dataclasses.replace(later, scenario=scenario({**changes, "workload.earliest_start": "2027-06"})))
    assert {p.constraint for p in problems} == {"availability"}


PRICE_FALLS = {"accelerators.X1.first_delivery": "2027-07", "accelerators.X1.price_change": "-20 %/year",
               "accelerators.X1.price_month": "2027-01"}


def test_capex_is_the_price_of_the_delivery_month():
    # first delivery July 2027, half a year after the price's month: 1e7 x 0.8^0.5 = 8,944,272
    # JPY; the run trains July to December (184 days)
    plan = make_plan(scenario(PRICE_FALLS))
    n, price = needed(184), PRICE * 0.8 ** 0.5
    assert price == pytest.approx(8_944_272, rel=1e-6)
    assert delivered(plan) == {"2027-07": pytest.approx(n, rel=1e-6)}
    assert plan.summary()["capex_jpy"] == pytest.approx(n * price, rel=1e-6)
    assert verify(plan) == []


def test_the_annuity_view_charges_each_purchase_at_its_own_price():
    # charged CRF(4%, 5) / 12 x its price per accelerator-month, any fleet size costs the same
    # accelerator-months, so the run waits for the lowest price: all of it bought in December
    # 2027 at 1e7 x 0.8^(11/12), charged that month (discounted 11 months) and sold in January;
    # electricity at full draw for December's 31 days
    plan = make_plan(programme({**PRICE_FALLS, "economics.view": "annuity"}))
    n, price = needed(31), PRICE * 0.8 ** (11 / 12)
    assert delivered(plan) == {"2027-12": pytest.approx(n, rel=1e-6)}
    crf = 0.04 * 1.04 ** 5 / (1.04 ** 5 - 1)
    delta = 1.04 ** (-11 / 12)
    charge = n * price * crf / 12 * delta
    energy = delta * n * 1000 * 1.2 * 31 * DAY * 20 / 3.6e6
    assert plan.economic_cost_jpy == pytest.approx(charge + energy, rel=1e-6)
    assert verify(plan) == []


def test_a_stepped_delivery_cap_holds_each_value_until_the_next():
    # 100 in January, 300 from February: 100 bought in January work 90 days, the rest bought in
    # February work 59 days
    plan = make_plan(scenario({"workload.deadline": "2027-03",
                               "accelerators.X1.delivery_cap": {"by_month": {"2027-01": "100 / month", "2027-02": "300 / month"}}}))
    rest = (1e24 - 100 * FLOPS * 90 * DAY) / (FLOPS * 59 * DAY)
    assert rest == pytest.approx(239.7991, rel=1e-6)
    assert delivered(plan) == {"2027-01": pytest.approx(100.0, rel=1e-6), "2027-02": pytest.approx(rest, rel=1e-6)}
    assert verify(plan) == []


def test_a_year_not_listed_keeps_the_last_cap_and_none_come_before_the_first():
    arrays = ScenarioArrays.of(scenario({"accelerators.X1.delivery_cap": {"by_fiscal_year": {"FY2027": "100 / month",
                                                                                             "FY2028": "300 / month"}}}))
    caps = dict(zip(arrays.month_labels, arrays.delivery_cap[0]))
    assert caps["2027-03"] == 0.0  # FY2026: before the first step
    assert caps["2027-04"] == caps["2028-03"] == 100.0
    assert caps["2028-04"] == caps["2028-12"] == 300.0  # FY2028 holds on; FY2029 would too


def test_verify_checks_the_cap_of_each_month():
    plan = make_plan(scenario({"workload.deadline": "2027-03"}))  # 257 bought in January
    capped = scenario({"workload.deadline": "2027-03",
                       "accelerators.X1.delivery_cap": {"by_month": {"2026-12": "300 / month", "2027-01": "200 / month"}}})
    problems = verify(dataclasses.replace(plan, scenario=capped))
    assert [(p.constraint, p.where, p.limit) for p in problems] == [("delivery", "X1 2027-01", 200.0)]


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"commissioning_lag": "1.5 month"}, "accelerators.X1.commissioning_lag", ["whole months from 0 to 24", "'1.5 month'"]),
        ({"commissioning_lag": "60 day"}, "accelerators.X1.commissioning_lag", ["whole months", "'60 day'"]),
        ({"commissioning_lag": "2"}, "accelerators.X1.commissioning_lag", ["a duration", "a plain number"]),
        ({"lead_time": "40 month"}, "accelerators.X1.lead_time", ["whole months from 0 to 36", "'40 month'"]),
        ({"lead_time": "-1 month"}, "accelerators.X1.lead_time", ["whole months from 0 to 36", "'-1 month'"]),
        ({"price_change": "-80 %/year", "price_month": "2027-01"}, "accelerators.X1.price_change",
         ["at least -50 %/year", "'-80 %/year'"]),
        ({"price_change": "-15 %"}, "accelerators.X1.price_change", ["'-15 %'"]),
        ({"price_change": "-15 %/year"}, "accelerators.X1", ["price_month", "beside price_change"]),
        ({"last_order": "2019-12"}, "accelerators.X1", ["last_order on or after the first order month 2020-01", "2019-12"]),
        ({"delivery_cap": {"by_fiscal_year": {"2027": "100 / month"}}}, "accelerators.X1.delivery_cap",
         ["steps named like 'FY2027'", "'2027'"]),
        ({"delivery_cap": {"by_year": {"FY2027": "100 / month"}}}, "accelerators.X1.delivery_cap", ["per month"]),
        ({"delivery_cap": {"by_fiscal_year": {"FY2027": "100 MW"}}}, "accelerators.X1.delivery_cap", ["per month", "'100 MW'"]),
        ({"delivery_cap": {"by_fiscal_year": {}}}, "accelerators.X1.delivery_cap", ["a table of steps"]),
    ],
)
def test_bad_supply_fields_are_named(changes, field, words):
    with pytest.raises(InputError) as error:
        scenario({f"accelerators.X1.{key}": value for key, value in changes.items()})
    assert error.value.field == field
    message = str(error.value)
    assert all(word in message for word in words), message


def test_price_change_compounds_by_month():
    # -15% a year from June 2024: April 2027 is 34 months on, 0.85^(34/12) of the price
    arrays = ScenarioArrays.of(scenario({"accelerators.X1.price_change": "-15 %/year", "accelerators.X1.price_month": "2024-06"}))
    assert arrays.capex[0, 0, arrays.month_labels.index("2027-04")] == pytest.approx(PRICE * math.pow(0.85, 34 / 12))

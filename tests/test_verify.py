"""verify against plans broken on purpose: a tampered table or a tightened limit gives exactly
the violations it should, named, placed and valued (the checks no other test breaks)."""

from __future__ import annotations

import dataclasses

import pytest
from builders import planned, programme, scenario
from test_hours import flexible
from test_programme import RUN_A, RUN_B, two_runs

from planner.inputs.scenario import changed
from planner.results.verify import Violation, verify

PRICE = 1e7  # JPY an X1
X2 = {"description": "a twin of X1", "peak_bf16": "1000 TFLOP/s", "gpu_power": "700 W", "it_power": "1000 W",
      "idle_fraction": 0.25, "capex": "1e7 JPY", "first_delivery": "2020-01", "scalable_unit": 8, "mfu": 0.5}
BALANCE = "the fleet is not last month's plus deliveries less retirements"
BY_VINTAGE = "retired in the fleet does not match the retirements by vintage"


@pytest.fixture(scope="module")
def half_year():
    # n X1 bought in January 2027, at work to the June deadline and sold in July
    return planned(scenario({"workload.deadline": "2027-06"}))


def fleet_with(plan, month: str, **values):
    """`plan` with its fleet row of `month` changed ({column: value}; a callable changes the value)."""
    fleet = plan.fleet.copy()
    row = fleet["month"] == month
    for column, value in values.items():
        fleet.loc[row, column] = value(fleet.loc[row, column]) if callable(value) else value
    return dataclasses.replace(plan, fleet=fleet)


def installed(plan, month: str) -> float:
    return plan.fleet.set_index("month").at[month, "installed"]


def test_a_negative_retirement_breaks_the_balance_and_the_retirements_by_vintage(half_year):
    n = installed(half_year, "2027-03")
    assert verify(fleet_with(half_year, "2027-03", retired=-1.0)) == [
        Violation("non_negative", "Alpha X1 2027-03", -1.0, 0.0, "retired is negative"),
        Violation("fleet_balance", "Alpha X1 2027-03", n, pytest.approx(n + 1, rel=1e-12), BALANCE),
        Violation("reported_totals", "Alpha X1 2027-03", -1.0, 0.0, BY_VINTAGE),
    ]


def test_a_fleet_short_of_its_work_is_caught_in_its_month_and_in_the_balance_either_side(half_year):
    n = installed(half_year, "2027-04")
    found = verify(fleet_with(half_year, "2027-04", installed=lambda value: value - 10))
    assert [v for v in found if v.constraint in ("use_within_fleet", "fleet_balance")] == [
        Violation("use_within_fleet", "Alpha X1 2027-04", n, pytest.approx(n - 10, rel=1e-12), "works more than installed"),
        Violation("fleet_balance", "Alpha X1 2027-04", pytest.approx(n - 10, rel=1e-12), n, BALANCE),
        Violation("fleet_balance", "Alpha X1 2027-05", n, pytest.approx(n - 10, rel=1e-12), BALANCE),
    ]


def test_a_delivery_before_the_type_ships_is_refused(half_year):
    later = dataclasses.replace(half_year, scenario=changed(half_year.scenario, {"accelerators.X1.first_delivery": "2027-03"}))
    assert verify(later) == [Violation("availability", "Alpha X1 2027-01", installed(half_year, "2027-01"), 0.0,
                                       "delivered before the site opens or the type ships")]


def test_the_reported_facility_power_is_checked_month_by_month(half_year):
    mw = half_year.power.set_index("month").at["2027-03", "facility_mw"]  # no reserved load: all the fleet's
    power = half_year.power.copy()
    power.loc[power["month"] == "2027-03", "facility_mw"] += 1.0
    assert verify(dataclasses.replace(half_year, power=power)) == [
        Violation("reported_totals", "power Alpha 2027-03", pytest.approx(mw + 1, rel=1e-12), pytest.approx(mw, rel=1e-9),
                  "facility MW does not match the fleet")]


def test_more_retired_than_bought_is_caught_by_vintage_and_by_month(half_year):
    n = installed(half_year, "2027-01")
    sold = half_year.retirements
    assert sold[["bought", "retired"]].values.tolist() == [["2027-01", "2027-07"]]
    doubled = dataclasses.replace(half_year, retirements=sold.assign(accelerators=sold["accelerators"] * 2))
    # what is kept is n - 2n: -n X1 at 1 - 24 / 60 of their price when the 24-month horizon ends
    assert verify(doubled) == [
        Violation("reported_totals", "Alpha X1 2027-07", pytest.approx(n, rel=1e-9), pytest.approx(2 * n, rel=1e-9), BY_VINTAGE),
        Violation("retire_within_purchase", "Alpha X1 2027-01", pytest.approx(2 * n, rel=1e-9), pytest.approx(n, rel=1e-9),
                  "more of a month's purchase retired than was bought"),
        Violation("reported_totals", "summary.residual_value_jpy", pytest.approx(0.0, abs=1.0), pytest.approx(-0.6 * n * PRICE, rel=1e-9),
                  "residual_value_jpy does not match the fleet"),
    ]


def test_training_after_the_deadline_is_outside_the_window_and_leaves_the_run_short(half_year):
    n = installed(half_year, "2027-06")
    use = half_year.use.replace({"month": {"2027-06": "2027-07"}})
    # June's 30 of the window's 181 days no longer count
    assert verify(dataclasses.replace(half_year, use=use)) == [
        Violation("training_window", "training run Alpha X1 2027-07", n, 0.0, "trains outside the run's window or types"),
        Violation("compute_requirement", "training run", pytest.approx(1e24 * 151 / 181, rel=1e-6), 1e24,
                  "training compute short of the requirement"),
    ]


def test_a_run_larger_than_the_fabric_domain_is_caught_in_each_month(half_year):
    n = installed(half_year, "2027-01")
    smaller = dataclasses.replace(half_year, scenario=changed(half_year.scenario, {"sites.Alpha.fabric_domain": 100}))
    assert verify(smaller) == [Violation("fabric", f"training run Alpha 2027-0{month}", pytest.approx(n, rel=1e-12), 100.0,
                                         "trains on more than the site's fabric domain") for month in range(1, 7)]


def test_a_run_on_two_types_without_mix_is_caught_and_counts_at_its_mix_efficiency():
    plan = planned(scenario({"workload.deadline": "2027-06", "accelerators.X2": X2}))
    assert set(plan.use["accelerator"]) == {"X1"}
    use = plan.use.copy()
    use.loc[use["month"] == "2027-03", "accelerator"] = "X2"  # the same accelerators, named the twin
    assert verify(dataclasses.replace(plan, use=use)) == [
        Violation("one_type", "training run", 2.0, 1.0, "trains on X1 and X2 without mix = true"),
        Violation("compute_requirement", "training run", pytest.approx(1e24 * plan.scenario.run.mix_efficiency, rel=1e-6), 1e24,
                  "training compute short of the requirement"),
    ]


def test_a_run_that_starts_before_the_one_it_follows_has_finished_is_caught():
    plan = planned(two_runs(A=RUN_A, B=RUN_B))  # A in November, B after it in December
    use = plan.use.copy()
    use.loc[use["workload"] == "B", "month"] = "2027-11"  # B's December fleet, in November's 30 days
    assert verify(dataclasses.replace(plan, use=use)) == [
        Violation("compute_requirement", "B", pytest.approx(1e24 * 30 / 31, rel=1e-6), 1e24, "training compute short of the requirement"),
        Violation("run_order", "B", 1.0, 0.0, "starts before A has finished"),
    ]


def test_a_stream_served_short_is_caught_in_its_month():
    # 1,500 X1 of 2,000 tokens/s serve 3e6 tokens/s from April 2027 (tests/test_programme.py)
    plan = planned(programme({"accelerators.X1.serving_throughput": "2000 token/s", "accelerators.X2": X2,
                              "workload.accelerators": ["X2"], "inference.chat": {"start": "2027-04", "demand": "3e6 token/s"}}))
    use = plan.use.copy()
    use.loc[(use["workload"] == "chat") & (use["month"] == "2027-05"), "accelerators"] /= 2
    assert verify(dataclasses.replace(plan, use=use)) == [
        Violation("serving_demand", "chat 2027-05", pytest.approx(1.5e6, rel=1e-6), 3e6, "tokens/s served short of demand")]


def test_the_throttle_left_out_puts_the_curtailment_hour_above_the_firm_limit():
    # the plan cuts training at 18:00 in December to keep the firm 1.2 MW (tests/test_hours.py)
    plan = planned(scenario(flexible("0.6 MW")))
    (cut,) = plan.throttle["it_mw"]
    assert verify(dataclasses.replace(plan, throttle=plan.throttle.iloc[:0])) == [
        Violation("grid_limit", "Alpha 2027-12 (flat day, 18:00)", pytest.approx(1.2 + 1.2 * cut, rel=1e-6), pytest.approx(1.2),
                  "facility MW above the grid import limit")]

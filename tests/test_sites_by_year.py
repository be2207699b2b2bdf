"""Site data over time (issue 13): values by fiscal year, capacity reserved with dates, and
demand charges, against answers worked out by hand; `verify` recomputes each by its own route.

X1 (tests/builders.py): 1e7 JPY, 1000 W at work, 25% of it idle, 500 TFLOP/s effective; the
site Alpha: PUE 1.2, 20 JPY/kWh, 0.5 kg/kWh, 1000 MW of grid and IT.
"""

import dataclasses

import pandas as pd
import pytest
from builders import planned, programme, scenario

from planner import make_plan
from planner.inputs.errors import InputError
from planner.lp.arrays import ScenarioArrays
from planner.results.verify import site_month, verify

FLOPS, WATTS, PRICE = 1000e12 * 0.5, 1000.0, 1e7
DAY, KWH = 86400.0, 3.6e6
DECEMBER = {"horizon.end": "2027-12", "workload.earliest_start": "2027-12", "workload.deadline": "2027-12"}


BY_YEAR = {
    # the price is quoted for FY2025 and rises 5% a fiscal year: FY2027 pays 1.05^2 = 1.1025 of it
    "sites.Alpha.electricity_price_escalation": {"per_year": 0.05, "base_year": "FY2025"},
    # 0.5 in FY2026, 0.3 in FY2028: FY2027 lies halfway, 0.4; before FY2026, carbon_intensity
    "sites.Alpha.carbon_intensity_by_fiscal_year": {"by_fiscal_year": {"FY2026": "0.5 kg/kWh", "FY2028": "0.3 kg/kWh"}},
    # the PUE falls by 0.1 from FY2027: 1.1
    "sites.Alpha.pue_adjustment": {"by_fiscal_year": {"FY2027": -0.1}},
}


def test_price_carbon_and_pue_follow_the_fiscal_year():
    # one run in December 2027 (FY2027), 31 days, on n = 1e24 / (5e14 x 31 days) X1 at work
    plan = planned(scenario({**DECEMBER, **BY_YEAR}))
    n = 1e24 / (FLOPS * 31 * DAY)
    kwh = n * WATTS * 1.1 * 31 * DAY / KWH
    summary = plan.summary()
    assert summary["energy_cost_jpy"] == pytest.approx(kwh * 20 * 1.1025, rel=1e-6)
    assert summary["co2_t"] == pytest.approx(kwh * 0.4 / 1e3, rel=1e-6)
    assert plan.power.set_index("month").loc["2027-12", "pue"] == pytest.approx(1.1)
    assert plan.power.set_index("month").loc["2027-03", "pue"] == pytest.approx(1.2)  # FY2026: no adjustment yet


def test_a_table_applies_from_its_first_year_runs_straight_between_and_holds_after():
    s = scenario({"horizon.start": "2026-01", "horizon.end": "2029-06", **BY_YEAR,
                  "sites.Alpha.electricity_price_escalation": {"by_fiscal_year": {"FY2026": 1.0, "FY2028": 1.2}}})
    arrays = ScenarioArrays.of(s)
    at = {label: t for t, label in enumerate(arrays.month_labels)}
    # FY2025 (Jan-Mar 2026): before every table; FY2027: halfway; FY2029 (Apr 2029 on): the last value held
    expected = {"2026-02": (1.0, 0.5, 1.2), "2027-06": (1.1, 0.4, 1.1), "2029-05": (1.2, 0.3, 1.1)}
    for month, (factor, carbon, pue) in expected.items():
        t = at[month]
        assert arrays.price[0, t] * KWH == pytest.approx(20 * factor)
        assert arrays.carbon[0, t] * KWH == pytest.approx(carbon)
        assert arrays.pue[0, t] == pytest.approx(pue)
        own = site_month(s.sites["Alpha"], pd.Period(month, "M"))  # verify's own reading of the fields
        assert (own.price * KWH, own.carbon * KWH, own.pue) == pytest.approx((20 * factor, carbon, pue))


def test_verify_catches_energy_costs_priced_without_the_escalation():
    plan = planned(scenario({**DECEMBER, **BY_YEAR}))
    flat = plan.energy.assign(electricity_cost_jpy=plan.energy["electricity_cost_jpy"] / 1.1025)
    assert [v.where for v in verify(dataclasses.replace(plan, energy=flat))] == ["energy.electricity_cost_jpy"]


@pytest.mark.parametrize("changes, expected, found", [
    ({"sites.Alpha.electricity_price_escalation": {"per_year": 0.02}},
     "'base_year' (the fiscal year electricity_price is quoted for) beside 'per_year'", "none"),
    ({"sites.Alpha.electricity_price_escalation": {"per_year": 0.02, "base_year": "FY2025", "by_fiscal_year": {"FY2027": 1.1}}},
     "either 'per_year' with 'base_year' or 'by_fiscal_year'", "both"),
    ({"sites.Alpha.electricity_price_escalation": {"by_fiscal_year": {"FY2027": 0}}},
     "a value more than 0 and at most 10", "0"),
    ({"sites.Alpha.carbon_intensity_by_fiscal_year": {"by_fiscal_year": {"2030": "0.37 kg/kWh"}}},
     "fiscal years named like 'FY2027'", "'2030'"),
    ({"sites.Alpha.carbon_intensity_by_fiscal_year": {"by_fiscal_year": {}}},
     "at least one fiscal year in 'by_fiscal_year'", "none"),
    ({"sites.Alpha.pue_adjustment": {"by_fiscal_year": {"FY2028": -0.5}}},
     "pue_adjustment to keep the PUE from 1 to 3 in every month", "PUE from 0.7 to 1.2"),
])
def test_bad_tables_by_fiscal_year_are_refused_naming_the_field(changes, expected, found):
    with pytest.raises(InputError) as error:
        scenario(changes)
    message = str(error.value)
    assert "sites.Alpha" in message and expected in message and found in message


# Alpha fitted out for 40 kW of IT, 40 X1: the run may train all year 2027
FORTY = {"sites.Alpha.grid_phases": [{"start": "2027-01", "grid_import": "1000 MW", "it_capacity": "40 kW"}]}
# 10 kW reserved January to June 2027 (181 days) leaves 30 X1; July to December (184 days) has 40
MOST = FLOPS * DAY * (30 * 181 + 40 * 184)
DATED = {"sites.Alpha.reserved": [{"it": "10 kW", "start": "2027-01", "end": "2027-06", "tenant": "a bank"}]}


def test_capacity_reserved_with_dates_holds_only_in_its_months():
    plan = planned(scenario({**FORTY, **DATED, "workload.compute": f"{0.999 * MOST} FLOP"}))
    power = plan.power.set_index("month")
    assert power.loc["2027-01":"2027-06", "it_mw"].max() <= 0.030 + 1e-9
    assert power.loc["2027-07":"2027-12", "it_mw"].mean() > 0.0399  # nearly 40 X1 at work (the run needs 99.9% of the most)
    assert make_plan(scenario({**FORTY, **DATED, "workload.compute": f"{1.001 * MOST} FLOP"})).status == "infeasible"
    # reserved_it holds in every month: 30 X1 all year cannot deliver the same compute
    undated = scenario({**FORTY, "sites.Alpha.reserved_it": "10 kW", "workload.compute": f"{0.999 * MOST} FLOP"})
    assert make_plan(undated).status == "infeasible"


def test_verify_counts_the_reserved_load_of_its_own_months():
    plan = planned(scenario({**FORTY, **DATED, "workload.compute": f"{0.999 * MOST} FLOP"}))
    # the facility draw reported in March includes the 10 kW reserved at PUE 1.2; September's none
    power = plan.power.set_index("month")
    assert power.loc["2027-03", "facility_mw"] == pytest.approx((power.loc["2027-03", "it_mw"] + 0.010) * 1.2)
    assert power.loc["2027-09", "facility_mw"] == pytest.approx(power.loc["2027-09", "it_mw"] * 1.2)
    undated = dataclasses.replace(plan, scenario=scenario({**FORTY, "sites.Alpha.reserved_it": "10 kW"}))
    assert "it_capacity" in {v.constraint for v in verify(undated)}  # July to December hold 40 X1


@pytest.mark.parametrize("reserved, expected", [
    ([{"it": "50 kW", "start": "2027-04"}], "0.05 MW of IT in 2027-04 against the phase from 2027-01"),
    # two overlapping reservations add up: 25 + 20 kW from 2027-05
    ([{"it": "25 kW", "start": "2027-02"}, {"it": "20 kW", "start": "2027-05", "end": "2027-08"}],
     "0.045 MW of IT in 2027-05 against the phase from 2027-01"),
    ([{"it": "5 kW", "start": "2027-04", "end": "2027-03"}], "an end on or after the start 2027-04"),
])
def test_reservations_that_cannot_fit_are_refused(reserved, expected):
    with pytest.raises(InputError) as error:
        scenario({**FORTY, "sites.Alpha.reserved": reserved})
    assert "sites.Alpha" in str(error.value) and expected in str(error.value)


def test_a_reservation_fits_when_it_ends_before_a_smaller_phase():
    # 60 kW of IT until 2027-06, then 40 kW: 50 kW reserved to 2027-06 fits the first phase only
    phases = [{"start": "2027-01", "grid_import": "1000 MW", "it_capacity": "60 kW"},
              {"start": "2027-07", "grid_import": "1000 MW", "it_capacity": "40 kW"}]
    s = scenario({"sites.Alpha.grid_phases": phases, "sites.Alpha.reserved": [{"it": "50 kW", "start": "2027-01", "end": "2027-06"}]})
    assert ScenarioArrays.of(s).reserved[0, :7].tolist() == [50e3] * 6 + [0.0]
    with pytest.raises(InputError, match="0.05 MW of IT in 2027-07 against the phase from 2027-07"):
        scenario({"sites.Alpha.grid_phases": phases, "sites.Alpha.reserved": [{"it": "50 kW", "start": "2027-01", "end": "2027-07"}]})


CHARGE = {"sites.Alpha.demand_charge": "1000 JPY/kW/month"}


def test_a_demand_charge_is_paid_on_each_months_peak_draw_and_discounted_as_energy():
    # December 2027 alone: n X1 at work draw n x 1.2 kW from the grid, charged JPY 1,000 per kW
    plan = planned(programme({**DECEMBER, **CHARGE}))
    n = 1e24 / (FLOPS * 31 * DAY)
    charge = n * 1.2 * 1000
    energy = n * WATTS * 1.2 * 31 * DAY / KWH * 20
    summary = plan.summary()
    assert summary["demand_charge_jpy"] == pytest.approx(charge, rel=1e-6)
    assert summary["total_cost_jpy"] == pytest.approx(n * PRICE + energy + charge, rel=1e-6)
    december = plan.energy.set_index("month").loc["2027-12"]
    assert december["peak_draw_mw"] == pytest.approx(n * 1.2e-3, rel=1e-6)
    assert plan.costs.set_index("fiscal_year").loc["FY2027", "demand_charge_jpy"] == pytest.approx(charge, rel=1e-6)
    # economic cost: price less the residual one month old, plus energy and the charge, all at month 11
    delta = lambda months: 1.04 ** (-months / 12)  # noqa: E731
    expected = n * PRICE * delta(11) - delta(12) * n * PRICE * 59 / 60 + delta(11) * (energy + charge)
    assert summary["economic_cost_jpy"] == pytest.approx(expected, rel=1e-6)


def test_demand_charges_count_against_the_budget():
    n = 1e24 / (FLOPS * 31 * DAY)
    cash = n * PRICE + n * WATTS * 1.2 * 31 * DAY / KWH * 20 + n * 1.2 * 1000
    assert planned(programme({**DECEMBER, **CHARGE, "budget.total": f"{1.0001 * cash} JPY"})).feasible
    assert make_plan(programme({**DECEMBER, **CHARGE, "budget.total": f"{0.9999 * cash} JPY"})).status == "infeasible"


def test_verify_recomputes_demand_charges_from_the_fleet():
    plan = planned(programme({**DECEMBER, **CHARGE}))
    wrong = plan.energy.assign(demand_charge_jpy=plan.energy["demand_charge_jpy"] * 0.99)
    assert [v.where for v in verify(dataclasses.replace(plan, energy=wrong))] == ["energy.demand_charge_jpy"]
    cheaper = dataclasses.replace(plan, scenario=programme({**DECEMBER, "sites.Alpha.demand_charge": "900 JPY/kW/month"}))
    assert {v.where for v in verify(cheaper)} >= {"costs.demand_charge_jpy", "summary.total_cost_jpy", "summary.economic_cost_jpy"}


def test_a_demand_charge_out_of_range_is_refused():
    with pytest.raises(InputError, match="sites.Alpha.demand_charge.*at most 100000 JPY/kW/month.*'1e6 JPY/kW/month'"):
        scenario({"sites.Alpha.demand_charge": "1e6 JPY/kW/month"})


def test_a_price_per_kwh_is_not_taken_for_a_demand_charge():
    # JPY/kWh and JPY/kW/month are both money per energy: 5 JPY/kWh would pass as 3,650 JPY/kW/month
    with pytest.raises(InputError, match="sites.Alpha.demand_charge.*per power per month.*found '5 JPY/kWh'"):
        scenario({"sites.Alpha.demand_charge": "5 JPY/kWh"})

"""Representative days (inputs.hours, lp.hourly, results.hours): hand-computed cases."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from planner.cli.plan import _hours_in_words
from planner.exchange.export import csv_zip_bytes, workbook_bytes
from planner.inputs.errors import InputError
from planner.inputs.scenario import build, changed, load_scenario
from planner.lp.arrays import ScenarioArrays
from planner.lp.hourly import HourArrays
from planner.results.plan import make_plan
from planner.results.verify import verify
from tests.builders import planned, scenario

FLOPS, DAY = 1000e12 * 0.5, 86400.0
DECEMBER = {"horizon.end": "2027-12", "workload.earliest_start": "2027-12", "workload.deadline": "2027-12"}
FLAT_DAYS = {"days": [{"name": "weekday", "months": list(range(1, 13)), "share": 0.7},
                      {"name": "weekend", "months": list(range(1, 13)), "share": 0.3}]}


def default_document(hours: bool) -> dict:
    """The shipped default, planned by the month or on flat representative days without flexibility."""
    document = load_scenario().document()
    document["representative_days"] = hours
    for site in document["sites"].values():
        site["hours"] = FLAT_DAYS
        site.pop("flexible_connection", None)  # the existing site has none
    return document


def test_flat_shapes_without_flexibility_give_the_monthly_answer():
    monthly = planned(build(default_document(False), "monthly")).summary()
    hourly = planned(build(default_document(True), "hourly")).summary()
    for key in ("total_cost_jpy", "capex_jpy", "energy_cost_jpy", "demand_charge_jpy", "energy_mwh", "co2_t",
                "economic_cost_jpy", "delivered_flop"):
        assert hourly[key] == pytest.approx(monthly[key], rel=1e-9), key
    assert monthly["demand_charge_jpy"] > 0  # the peak rows are in play


def test_shapes_move_the_hourly_pue_price_and_peak_but_keep_the_months_mean_price():
    s = load_scenario()
    document = s.document()
    document["representative_days"] = True
    hourly = build(document, "hourly")
    hours = HourArrays.of(hourly, ScenarioArrays.of(hourly))
    august = list(hourly.months.strftime("%Y-%m")).index("2027-08")
    sakai = hours.days[1][august]
    weight = sakai["weight"][:, None]
    # Osaka's August mean 29.8 degC is above free cooling: PUE follows the hour's temperature
    assert sakai["pue"].max() > ScenarioArrays.of(hourly).pue[1, august] > sakai["pue"].min()
    mean_price = (sakai["price"] * weight).sum() / (weight.sum() * 24)
    assert mean_price == pytest.approx(ScenarioArrays.of(hourly).price[1, august], rel=1e-12)
    assert weight.sum() == pytest.approx(31, rel=1e-15)


def flexible(extra: str) -> dict:
    return {**DECEMBER, "representative_days": True, "workload.compute": "1.5e24 FLOP",
            "sites.Alpha.grid_phases": [{"start": "2027-01", "grid_import": "1.2 MW", "it_capacity": "1000 MW"}],
            "sites.Alpha.flexible_connection": {"extra_import": extra, "windows": [{"months": [12], "hours": [18]}]}}


def test_a_flexible_connection_lets_the_site_draw_more_and_throttle_training_in_its_windows():
    # firm 1.2 MW at PUE 1.2 runs 1,000 X1 (1 kW each): 1.5e24 FLOP in December needs more
    assert make_plan(scenario(flexible("0 MW"))).status == "infeasible"
    plan = planned(scenario(flexible("0.6 MW")))
    # n X1 draw 1.2 n kW outside the window; in hour 18 of each of December's 31 days the firm
    # 1.2 MW holds: cut = 1,000 n - 1e6 W of IT, each W losing 31 h x 3,600 s x 5e14 / 750 FLOP
    month = FLOPS * 31 * DAY
    lost_per_watt = 31 * 3600 * FLOPS / 750
    n = (1.5e24 - 1e6 * lost_per_watt) / (month - 1000 * lost_per_watt)
    cut = 1000 * n - 1e6
    december = plan.curtailment.set_index("month").loc["2027-12"]
    assert december["hours_curtailed"] == pytest.approx(31)
    assert december["largest_cut_mw"] == pytest.approx(cut / 1e6, rel=1e-6)
    assert december["mw_gained"] == pytest.approx(1.2e-3 * n - 1.2, rel=1e-6)
    assert december["lost_flop"] == pytest.approx(cut * lost_per_watt, rel=1e-6)
    summary = plan.summary()
    assert summary["hours_curtailed"] == {"Alpha": pytest.approx(31)}
    assert summary["flexible_mw_gained"]["Alpha"] == pytest.approx(1.2e-3 * n - 1.2, rel=1e-6)
    assert summary["peak_hour_mw"]["Alpha"] == pytest.approx(1.2e-3 * n, rel=1e-6)


def test_the_csv_tables_carry_each_sites_hourly_load_profile_for_each_year():
    # the run in December 2027 on two day types: 8,760 hours of 2027, the year's energy in them
    plan = planned(scenario({**DECEMBER, "representative_days": True, "horizon.start": "2027-06", "sites.Alpha.hours": FLAT_DAYS}))
    with zipfile.ZipFile(io.BytesIO(csv_zip_bytes(plan))) as archive:
        profile = pd.read_csv(archive.open("load_profile_Alpha_2027.csv"))
        assert {"peak_hours.csv", "curtailment.csv", "throttle.csv"} <= set(archive.namelist())
    assert len(profile) == 8760
    assert profile["hour"].iloc[-1] == "2027-12-31 23:00"
    assert profile["facility_mw"].iloc[: 24 * 151].sum() == 0  # January to May lie before the horizon
    assert profile["facility_mw"].sum() == pytest.approx(plan.energy["energy_mwh"].sum(), rel=1e-9)
    assert plan.energy["energy_mwh"].sum() > 0


@pytest.mark.parametrize("hours, message", [
    ({"days": [{"name": "a", "months": [1], "share": 0.5}]}, "month 1's day types to sum to 1, found 0.5"),
    ({"days": [{"name": "a", "months": [1], "share": 1, "price": [1.0] * 23}]}, "expected 24 hourly values in 'price', found 23"),
    ({"days": [{"name": "a", "months": [13], "share": 1}]}, "expected calendar months 1 to 12, found [13]"),
])
def test_bad_representative_days_are_refused_with_the_field_named(hours, message):
    with pytest.raises(InputError, match="sites.Alpha.hours") as error:
        scenario({"sites.Alpha.hours": hours})
    assert message in str(error.value)


def test_the_workbook_has_an_hours_sheet_with_the_curtailment():
    plan = planned(scenario(flexible("0.6 MW")))
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(plan)))
    cells = [row for row in book["Hours"].iter_rows(values_only=True) if any(v is not None for v in row)]
    headers = [i for i, row in enumerate(cells) if row[0] == "Site"]
    assert len(headers) == 2
    december = [row for row in cells[headers[1]:] if row[1] == "2027-12"][0]
    assert december[2] == pytest.approx(31)
    assert december[5] == pytest.approx(plan.curtailment["lost_flop"].iloc[0], rel=1e-12)
    assert "Hours" not in openpyxl.load_workbook(io.BytesIO(workbook_bytes(make_plan(scenario(DECEMBER))))).sheetnames


def test_the_binding_grid_limit_names_its_hour_and_the_flexible_mw():
    plan = planned(scenario(flexible("0.6 MW")))
    grid = plan.binding[plan.binding["constraint"] == "grid_limit"]
    # only the curtailment hour binds: outside it, 1.2 n kW stays below firm + flexible 1.8 MW
    assert grid["where"].tolist() == ["Alpha 2027-12, flat day 18:00"]
    assert grid["description"].iloc[0].endswith("1.2 MW")


def test_the_command_line_tells_the_peak_hour_and_the_curtailment():
    lines = _hours_in_words(planned(scenario(flexible("0.6 MW"))))
    n = (1.5e24 - 1e6 * 31 * 3600 * FLOPS / 750) / (FLOPS * 31 * DAY - 1000 * 31 * 3600 * FLOPS / 750)
    assert lines == [f"Alpha by the hour: peak {1.2e-3 * n:.1f} MW in 2027-12 (flat day, 00:00) against 2 MW importable; "
                     f"curtailed 31 h for up to {1.2e-3 * n - 1.2:.1f} MW above the firm limit, "
                     f"{(1000 * n - 1e6) * 31 * 3600 * FLOPS / 750:.3g} FLOP of training lost"]


def ramped(ramp: str) -> dict:
    # 1,000 X1 at work in December (1.2 MW at PUE 1.2); before, the fleet can only idle (0.3 kW each)
    return {**DECEMBER, "workload.compute": f"{1000 * FLOPS * 31 * DAY} FLOP", "sites.Alpha.ramp_limit": ramp}


def test_a_ramp_limit_brings_the_fleet_in_a_month_early_to_idle():
    # December's draw is 1.2 MW; with 1 MW of ramp November must draw 0.2 MW: 666.7 X1 idling
    # (0.3 kW each) for 720 h at 20 JPY/kWh, JPY 2.88 mn; a MW more ramp saves 720 MWh of it
    plan = planned(scenario(ramped("1 MW")))
    free = planned(scenario(ramped("2 MW")))
    november = plan.energy.set_index("month").loc["2027-11"]
    assert november["energy_mwh"] == pytest.approx(0.2 * 720, rel=1e-6)
    assert free.energy.set_index("month").loc["2027-11", "energy_mwh"] == pytest.approx(0, abs=1e-6)
    assert plan.fleet.groupby("month")["installed"].sum()["2027-11"] == pytest.approx(200 / 0.3, rel=1e-6)
    assert plan.summary()["total_cost_jpy"] - free.summary()["total_cost_jpy"] == pytest.approx(2.88e6, rel=1e-6)
    ramp = plan.binding[plan.binding["constraint"] == "ramp_limit"].iloc[0]
    assert (ramp["where"], ramp["description"]) == ("Alpha 2027-11 to 2027-12", "Alpha ramp limit 1.0 MW an hour (up), 2027-11 to 2027-12")
    assert (ramp["shadow_price"], ramp["unit"]) == (pytest.approx(720e3 * 20, rel=1e-6), "JPY per MW")


def test_a_ramp_below_the_step_from_idle_to_work_has_no_plan_and_says_how_much_more():
    # all 1,000 idle in November still leaves a step of 1.2 - 0.3 = 0.9 MW into December
    plan = make_plan(scenario(ramped("0.8 MW")))
    assert plan.status == "infeasible"
    looser = plan.relaxations[plan.relaxations["limit"] == "ramp_limit"]
    assert looser["option"].tolist() == ["looser ramp limits at Alpha"]
    assert looser["amount"].iloc[0] == pytest.approx(0.1, rel=1e-6)
    assert looser["description"].iloc[0] == "Alpha ramp limit 0.8 MW an hour (up), 2027-11 to 2027-12: + 0.1 MW"


def test_a_ramp_limit_bounds_the_throttle_into_and_out_of_a_curtailment_hour():
    # flexible connection in December alone: the cut c = 1,000 n - 1e6 W at 18:00 moves the draw
    # by 1.2 c into and out of the hour; below that ramp no throttling can keep the firm limit
    lost_per_watt = 31 * 3600 * FLOPS / 750
    n = (1.5e24 - 1e6 * lost_per_watt) / (FLOPS * 31 * DAY - 1000 * lost_per_watt)
    step = 1.2 * (1000 * n - 1e6)
    december = {**flexible("0.6 MW"), "horizon.start": "2027-12"}
    assert make_plan(scenario({**december, "sites.Alpha.ramp_limit": f"{step * 0.99} W"})).status == "infeasible"
    plan = planned(scenario({**december, "sites.Alpha.ramp_limit": f"{step * 1.01} W"}))
    assert plan.curtailment["largest_cut_mw"].iloc[0] == pytest.approx(step / 1.2e6, rel=1e-6)
    tighter = dataclasses.replace(plan, scenario=changed(plan.scenario, {"sites.Alpha.ramp_limit": f"{step * 0.9} W"}))
    (found,) = verify(tighter)
    assert (found.constraint, found.where) == ("ramp_limit", "Alpha 2027-12")
    assert (found.found, found.limit) == (pytest.approx(step / 1e6, rel=1e-6), pytest.approx(0.9 * step / 1e6))
    assert found.detail == "facility draw changes by more MW than the ramp limit from hour to hour"


@pytest.mark.parametrize("ramp, message", [("-5 MW", "-5 MW"), ("0 MW", "'0 MW'"), ("50 MWh", "50 MWh")])
def test_a_bad_ramp_limit_is_refused_with_the_field_named(ramp, message):
    with pytest.raises(InputError, match="sites.Alpha.ramp_limit") as error:
        scenario({"sites.Alpha.ramp_limit": ramp})
    assert message in str(error.value)

"""Clean power (issue 16, item 3): wind and solar contracts as capacity decisions, matched to the
load hour by hour; the carbon-free share, Scope 2 both ways and a carbon-free target, by hand."""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile

import openpyxl
import pandas as pd
import pytest
from builders import planned, scenario

from planner import make_plan
from planner.cli.plan import _clean_in_words
from planner.exchange.export import csv_zip_bytes, workbook_bytes
from planner.inputs.errors import InputError
from planner.inputs.scenario import changed
from planner.results.verify import verify

FLOPS, DAY = 1000e12 * 0.5, 86400.0
DECEMBER = {"horizon.start": "2027-12", "horizon.end": "2027-12", "workload.earliest_start": "2027-12",
            "workload.deadline": "2027-12"}
LOAD_MW = 1e24 / (FLOPS * 31 * DAY) * 1.2e-3  # 746.7 X1 of 1 kW at PUE 1.2, steady through December
HOURS = 31 * 24
# blowing at night: capacity factor 0.5 on the day's mean, 0.8 from 00:00 to 11:00 and 0.2 after
WIND = {"kind": "wind", "price": "10 JPY/kWh", "capacity_factor": 0.5, "hourly": [1.6] * 12 + [0.4] * 12,
        "source": "estimate: a test shape"}


def with_wind(**changes):
    return scenario({**DECEMBER, "sites.Alpha.contracts": {"W1": dict(WIND)}, **changes})  # a copy: a dotted change edits it


def test_a_cheap_wind_contract_is_signed_up_to_the_night_load_and_matches_five_eighths():
    # at half the grid's 20 JPY/kWh, a MW is worth signing while its output is used: up to the
    # night load, C = L / 0.8. Then nights are matched whole, days at 0.2 C = L / 4: 15/24 = 62.5%
    plan = planned(with_wind())
    assert plan.contracts.set_index("contract").loc["W1", "mw"] == pytest.approx(LOAD_MW / 0.8, rel=1e-9)
    december = plan.clean.iloc[0]
    energy = LOAD_MW * HOURS
    assert december["energy_mwh"] == pytest.approx(energy, rel=1e-9)
    assert december["matched_mwh"] == pytest.approx(energy * 15 / 24, rel=1e-9)
    assert december["delivered_mwh"] == pytest.approx(LOAD_MW / 0.8 * 0.5 * HOURS, rel=1e-9)  # all used: nothing spilled
    assert december["carbon_free_share"] == pytest.approx(0.625, rel=1e-9)
    # Scope 2 at 0.5 kg/kWh: location-based on all of it, market-based on the 3/8 not matched
    assert december["scope2_location_t"] == pytest.approx(energy * 0.5, rel=1e-9)
    assert december["scope2_market_t"] == pytest.approx(energy * 0.5 * 3 / 8, rel=1e-9)
    summary = plan.summary()
    assert summary["carbon_free_share"] == {"Alpha": pytest.approx(0.625), "programme": pytest.approx(0.625)}
    assert summary["contracts_mw"] == {"Alpha.W1": pytest.approx(LOAD_MW / 0.8, rel=1e-9)}
    # the contract's 10 JPY/kWh for what it delivers replaces 20 JPY/kWh of grid energy
    grid_only = planned(scenario(DECEMBER))
    saved = energy * 15 / 24 * (20 - 10) * 1e3
    assert grid_only.summary()["total_cost_jpy"] - summary["total_cost_jpy"] == pytest.approx(saved, rel=1e-9)


def test_the_command_line_tells_the_carbon_free_share_and_scope_2_both_ways():
    energy = LOAD_MW * HOURS
    assert _clean_in_words(planned(with_wind())) == [
        f"carbon-free (matched hour by hour): 62.5% of the programme's energy; Scope 2 {energy * 0.5:,.0f} t CO2 location-based, "
        f"{energy * 0.5 * 3 / 8:,.0f} t market-based; Alpha.W1 {LOAD_MW / 0.8:,.1f} MW"]
    assert _clean_in_words(planned(scenario(DECEMBER))) == []


def test_a_carbon_free_target_signs_more_wind_than_pays_and_spills_the_night_surplus():
    # 80% matched: nights whole (12 h), days 0.2 C: 12 + 12 x 0.2 C / L = 0.8 x 24, so C = 3 L
    plan = planned(with_wind(cfe_target=0.8))
    assert plan.contracts["mw"].iloc[0] == pytest.approx(3 * LOAD_MW, rel=1e-9)
    assert plan.summary()["carbon_free_share"]["programme"] == pytest.approx(0.8, rel=1e-9)
    assert plan.clean["delivered_mwh"].iloc[0] == pytest.approx(3 * LOAD_MW * 0.5 * HOURS, rel=1e-9)
    assert make_plan(with_wind(cfe_target=0.8, **{"sites.Alpha.contracts.W1.most": f"{2.9 * LOAD_MW} MW"})).status == "infeasible"


def test_verify_recomputes_the_match_and_the_target():
    plan = planned(with_wind(cfe_target=0.8))
    greedy = plan.matched.assign(mw=plan.matched["mw"] * 1.5)  # nights: 1.5 L matched of the L drawn (2.4 L delivered)
    found = {(v.constraint, v.detail) for v in verify(dataclasses.replace(plan, matched=greedy))}
    assert ("clean_supply", "matched more MW than the programme draws") in found
    higher = dataclasses.replace(plan, scenario=changed(plan.scenario, {"cfe_target": 0.9}))
    (violation,) = [v for v in verify(higher) if v.constraint == "cfe_target"]
    assert (violation.found, violation.limit) == (pytest.approx(0.8, rel=1e-9), 0.9)
    smaller = plan.contracts.assign(mw=plan.contracts["mw"] / 4)  # 0.75 L: its nights deliver 0.6 L, less than matched
    found = {(v.constraint, v.detail) for v in verify(dataclasses.replace(plan, contracts=smaller))}
    assert ("clean_supply", "matched more MW than the contracts deliver") in found


def test_the_csv_tables_carry_the_contracts_and_the_clean_power_by_month():
    plan = planned(with_wind())
    with zipfile.ZipFile(io.BytesIO(csv_zip_bytes(plan))) as archive:
        clean = pd.read_csv(archive.open("clean.csv"))
        contracts = pd.read_csv(archive.open("contracts.csv"))
        summary = json.loads(archive.read("summary.json"))
    assert clean["carbon_free_share"].tolist() == pytest.approx([0.625])
    assert contracts[["site", "contract", "kind"]].values.tolist() == [["Alpha", "W1", "wind"]]
    assert contracts["price_jpy_per_mwh"].tolist() == pytest.approx([10000.0], rel=1e-12)
    assert summary["scope2_market_t"] == pytest.approx(LOAD_MW * HOURS * 0.5 * 3 / 8, rel=1e-9)


def test_solar_from_a_later_start_delivers_nothing_before_it():
    solar = {"kind": "solar", "price": "5 JPY/kWh", "capacity_factor": 0.15, "start": "2028-01",
             "hourly": [0.0] * 6 + [1.0] * 12 + [0.0] * 6}
    plan = planned(scenario({**DECEMBER, "sites.Alpha.contracts": {"S1": solar}}))
    assert plan.clean["delivered_mwh"].sum() == 0 and plan.summary()["carbon_free_share"]["Alpha"] == 0


BATTERY = {"power_cost": "500 JPY/kW/month", "energy_cost": "300 JPY/kWh/month", "round_trip": 1.0, "source": "estimate: a test price"}


@pytest.mark.parametrize("changes, field, message", [
    ({"sites.Alpha.contracts": {"W1": {**WIND, "kind": "hydro"}}}, "sites.Alpha.contracts.W1", "expected kind 'wind' or 'solar', found 'hydro'"),
    ({"sites.Alpha.contracts": {"W1": {**WIND, "capacity_factor": 0.7}}}, "sites.Alpha.contracts.W1",
     "expected a capacity factor of at most 1 in every hour, found 1.12"),
    ({"sites.Alpha.contracts": {"W1": {**WIND, "hourly": [1.0] * 23}}}, "sites.Alpha.contracts.W1", "expected 24 hourly factors in 'hourly', found 23"),
    ({"sites.Alpha.contracts": {"W1": {**WIND, "price": "10 JPY/kW"}}}, "sites.Alpha.contracts.W1.price", "'10 JPY/kW'"),
    ({"cfe_target": 1.5}, "cfe_target", "1.5"),
    ({"sites.Alpha.battery": BATTERY}, "test scenario", "expected representative_days = true with sites.Alpha.battery, found false"),
    ({"representative_days": True, "sites.Alpha.battery": {**BATTERY, "round_trip": 0}}, "sites.Alpha.battery.round_trip", "more than 0"),
    ({"representative_days": True, "sites.Alpha.battery": {**BATTERY, "energy_cost": "300 JPY/kW/month"}},
     "sites.Alpha.battery.energy_cost", "'300 JPY/kW/month'"),
])
def test_bad_clean_power_is_refused_with_the_field_named(changes, field, message):
    with pytest.raises(InputError, match=field.replace(".", r"\.")) as error:
        scenario({**DECEMBER, **changes})
    assert message in str(error.value)


# December is 10 degC; one day type 10 degC warmer at 14:00 only, so PUE 1.2 + 0.01 x 10 then
HOT_HOUR = {"representative_days": True, "sites.Alpha.demand_charge": "2000 JPY/kW/month", "sites.Alpha.pue": None,
            "sites.Alpha.monthly_temperature": "10 degC",
            "sites.Alpha.pue_model": {"base": 1.2, "free_cooling_below": "10 degC", "per_degree_above": "0.01 / delta_degC"},
            "sites.Alpha.hours": {"days": [{"name": "day", "months": list(range(1, 13)), "share": 1,
                                            "temperature": [0.0] * 14 + [10.0] + [0.0] * 9}]}}


def test_a_battery_shaves_the_hot_hour_down_to_the_level_it_can_refill_from():
    # IT draw P (746.7 kW) at PUE 1.2, 1.3 at 14:00. Shaving the peak to L discharges 1.3 P - L in
    # that hour and recharges it in the other 23 (each at most L): L = (1.3 + 23 x 1.2) / 24 x P.
    # Each kW shaved saves 2,000 JPY of demand charge for 500 + 300 JPY of battery, so all of it
    it = LOAD_MW / 1.2
    without = planned(scenario({**DECEMBER, **HOT_HOUR}))
    plan = planned(scenario({**DECEMBER, **HOT_HOUR, "sites.Alpha.battery": BATTERY}))
    assert without.energy["peak_draw_mw"].iloc[0] == pytest.approx(1.3 * it, rel=1e-9)
    level = (1.3 + 23 * 1.2) / 24 * it
    assert plan.energy["peak_draw_mw"].iloc[0] == pytest.approx(level, rel=1e-9)
    battery = plan.summary()["batteries"]["Alpha"]
    assert battery == {"mw": pytest.approx(1.3 * it - level, rel=1e-9), "mwh": pytest.approx(1.3 * it - level, rel=1e-9)}
    saved = (2000 - 500 - 300) * 1e3 * (1.3 * it - level)  # JPY: its round trip is lossless at a flat price
    assert without.summary()["total_cost_jpy"] - plan.summary()["total_cost_jpy"] == pytest.approx(saved, rel=1e-6)
    day = plan.battery_hours.set_index("hour")
    assert day.loc[14, "discharge_mw"] == pytest.approx(1.3 * it - level, rel=1e-9)
    assert plan.battery["discharged_mwh"].iloc[0] == pytest.approx(31 * (1.3 * it - level), rel=1e-9)


def test_a_battery_dearer_than_the_demand_charge_is_left_unbuilt():
    dear = {**BATTERY, "power_cost": "1500 JPY/kW/month", "energy_cost": "600 JPY/kWh/month"}  # 2,100 > 2,000
    plan = planned(scenario({**DECEMBER, **HOT_HOUR, "sites.Alpha.battery": dear}))
    assert plan.summary()["batteries"]["Alpha"]["mw"] == pytest.approx(0, abs=1e-9)
    assert plan.energy["peak_draw_mw"].iloc[0] == pytest.approx(1.3 * LOAD_MW / 1.2, rel=1e-9)


def test_verify_follows_each_battery_day_as_a_cycle_within_its_size():
    plan = planned(scenario({**DECEMBER, **HOT_HOUR, "sites.Alpha.battery": BATTERY}))
    doubled = plan.battery_hours.assign(discharge_mw=plan.battery_hours["discharge_mw"] * 2)
    found = {(v.constraint, v.detail) for v in verify(dataclasses.replace(plan, battery_hours=doubled))}
    assert {("battery", "battery flow above its power"), ("battery", "a day does not end with the charge it began with")} <= found
    small = plan.battery.assign(energy_mwh=plan.battery["energy_mwh"] / 2)
    found = {(v.constraint, v.detail) for v in verify(dataclasses.replace(plan, battery=small))}
    assert ("battery", "battery charge swings more than its energy") in found


def test_the_workbook_has_a_clean_power_sheet_with_the_contracts_the_match_and_the_battery():
    plan = planned(scenario({**DECEMBER, **HOT_HOUR, "sites.Alpha.battery": BATTERY, "sites.Alpha.contracts": {"W1": dict(WIND)}}))
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(plan)), data_only=True)
    cells = [row for row in book["Clean power"].iter_rows(values_only=True) if any(v is not None for v in row)]
    headers = [i for i, row in enumerate(cells) if row[0] == "Site"]
    contracts, clean, battery = (cells[i + 1] for i in headers)  # each table's first row
    assert contracts[:3] == ("Alpha", "W1", "wind") and contracts[3] == pytest.approx(plan.contracts["mw"].iloc[0], rel=1e-12)
    assert cells[headers[1]][5] == "Carbon-free share"
    assert clean[5] == pytest.approx(plan.clean["carbon_free_share"].iloc[0], rel=1e-12)
    assert battery[2] == pytest.approx(plan.battery["power_mw"].iloc[0], rel=1e-12)
    assert "Clean power" not in openpyxl.load_workbook(io.BytesIO(workbook_bytes(planned(scenario(DECEMBER))))).sheetnames

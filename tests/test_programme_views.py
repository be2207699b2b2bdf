"""The programme's results in every view but the app (issue 13, item 7): binding limits and
relaxations of the new families in planner units, the plan in words, sweeps by dotted path."""

import dataclasses

import pandas as pd
import pytest
from builders import ONE_SITE, planned, programme

from planner import make_plan
from planner.cli.plan import describe
from planner.inputs.calendar import hours_in
from planner.inputs.errors import InputError
from planner.lp.binding import ROW_TEXT, describe_row
from planner.lp.model import FAMILIES, PlanningModel, capital_recovery
from planner.results.verify import verify
from planner.studies.analysis import pareto
from planner.studies.ranges import parse_vary
from planner.studies.sweep import sweep

PRICE, WATTS = 1e7, 1000.0
JPY_PER_J = 20 / 3.6e6 * 1.2
DAY = 86400.0
SPLIT = {"budget.carry_over": False, "budget.public_share": 0.5,
         "budget.public": {"FY2027": "2e9 JPY", "FY2028": "1e15 JPY"},
         "budget.private": {"FY2027": "2e9 JPY", "FY2028": "1e15 JPY"}}
RUN = {"compute": "1e24 FLOP", "availability": 1.0, "earliest_start": "2027-12", "deadline": "2028-04"}
SERVING = {"accelerators.X1.serving_throughput": "2000 token/s",
           "inference.chat": {"start": "2027-04", "demand": "3e6 token/s"}}


def test_money_by_source_binds_in_yen_per_yen_of_each_fiscal_year():
    # 1 bn of FY2027 cash at most (0.5 public, 0.5 private): the run from December 2027 to April
    # 2028 needs about 152 X1 (1.52 bn at 1e7 each), so it cannot buy its whole fleet in FY2027,
    # and more money that year would make it cheaper
    tight = {"budget.public": {"FY2027": "5e8 JPY", "FY2028": "1e15 JPY"}, "budget.private": {"FY2027": "5e8 JPY", "FY2028": "1e15 JPY"}}
    plan = planned(programme({"workload": RUN, **SPLIT, **tight}))
    rows = plan.binding.set_index("description")
    private = rows.loc["FY2027 private money JPY 0.5 bn (none when not listed)"]
    assert (private["constraint"], private["where"], private["unit"]) == ("private_money", "FY2027", "JPY per JPY")
    assert private["shadow_price"] > 0
    assert rows.loc["public money at most 50% of FY2027 capex", "unit"] == "JPY per JPY"
    # cash is paid from the sources, no more: nothing is "paid" in a year that spends nothing
    cash = plan.costs.set_index("fiscal_year")
    assert cash.loc["FY2028", "private_jpy"] == pytest.approx(cash.loc["FY2028", "total_jpy"] - cash.loc["FY2028", "public_jpy"], abs=1.0)
    assert cash.loc["FY2026", ["total_jpy", "public_jpy", "private_jpy"]].tolist() == [0.0, 0.0, 0.0]
    inflated = plan.costs.assign(private_jpy=plan.costs["private_jpy"] + 1e12)  # as LE rows could report it
    assert {v.constraint for v in verify(dataclasses.replace(plan, costs=inflated))} >= {"cash_sources"}


def test_money_arrived_by_a_years_end_is_said_with_carry_over():
    plan = planned(programme({"workload": RUN, **SPLIT, "budget.carry_over": True,
                              "budget.public": {"FY2027": "5e8 JPY", "FY2028": "1e15 JPY"},
                              "budget.private": {"FY2027": "5e8 JPY", "FY2028": "1e15 JPY"}}))
    assert "private money arrived by the end of FY2027: JPY 0.5 bn" in set(plan.binding["description"])


def test_every_row_of_every_family_is_said_in_names_not_indices():
    # two runs in order, a serving stream, money by source, whole units; two types and two sites
    # to choose from, a fabric domain and failures (issue 15), hours, contracts and a battery
    # (issue 16): rows of every family
    s = programme({"workload": None, "runs.A": {**RUN, "deadline": "2028-01", "failure_rate": "1e-4 / hour"},
                   "runs.B": {**RUN, "earliest_start": "2028-01", "after": "A"},
                   **SPLIT, **SERVING, "solver.integer": True, "accelerators.X1.delivery_cap": "5000 / month",
                   "accelerators.X2": ONE_SITE["accelerators"]["X1"], "sites.Beta": ONE_SITE["sites"]["Alpha"],
                   "sites.Alpha.demand_charge": "1000 JPY/kW/month", "sites.Alpha.fabric_domain": 1000, "representative_days": True,
                   "sites.Alpha.flexible_connection": {"extra_import": "1 MW", "windows": [{"months": [12], "hours": [18]}]},
                   "sites.Alpha.ramp_limit": "50 MW", "cfe_target": 0.1,
                   "sites.Alpha.contracts": {"W1": {"kind": "wind", "price": "10 JPY/kWh", "capacity_factor": 0.3}},
                   "sites.Alpha.battery": {"power_cost": "500 JPY/kW/month", "energy_cost": "300 JPY/kWh/month",
                                           "round_trip": 0.9, "source": "estimate: a test price"}})
    model = PlanningModel(s)
    said = {family: [describe_row(model, family, key) for key in rows] for family, rows in model.rows.items()}
    assert {family for family, rows in said.items() if rows} == set(FAMILIES) - {"budget_fy"}
    assert set(FAMILIES) <= set(ROW_TEXT)  # no family of today falls back to its raw key
    # A may finish in December 2027 or January 2028, its window; B, from January, is gated in the
    # month the two windows share (after A's deadline A has finished: no row is needed)
    assert said["run_order"] == [("A 2027-12", "A counts as finished by 2027-12 only once its compute is in"),
                                 ("B 2028-01", "B trains in 2028-01 only after A has finished")]
    assert said["one_type"][-1] == ("B", "B trains on one accelerator type")
    assert said["one_site"][0] == ("A Alpha 2027-12", "A trains at Alpha in 2027-12 only if it chose Alpha")
    assert said["fabric"][0] == ("A Alpha 2027-12", "A at Alpha, 2027-12: at most 1,000 accelerators in one fabric domain")
    assert said["goodput"][1] == ("A X1 2027-12", "A on X1, 2027-12: accelerators lost to failures (goodput, chord 2)")
    assert said["fleet_balance"][0] == ("X1 at Alpha 2027-01", "X1 at Alpha 2027-01: last month's fleet plus deliveries less retirements, 0 existing")
    assert said["cash_sources"][1] == ("FY2027", "FY2027 cash paid from public and private money")
    assert said["serving_demand"][0] == ("chat 2027-04", "chat demand, 2027-04: 3,000,000 tokens/s")
    assert said["peak_draw"][0] == ("Alpha 2027-01, flat day 00:00",
                                    "Alpha peak draw for the demand charge is at least the draw of 2027-01, flat day 00:00")
    assert describe_row(model, "peak_draw", (0, 0)) == ("Alpha 2027-01", "Alpha peak draw for the demand charge is at least the draw of 2027-01")
    assert said["throttle_within_training"][0] == ("A at Alpha 2027-12, flat day 18:00",
                                                    "A throttled at Alpha, 2027-12, flat day 18:00: at most its IT power at work")
    assert ("Alpha 2027-01, flat day 23:00 to 2027-02, flat day 00:00",
            "Alpha ramp limit 50.0 MW an hour (up), 2027-01, flat day 23:00 to 2027-02, flat day 00:00") in said["ramp_limit"]
    assert said["clean_supply"][:2] == [("Alpha 2027-01, flat day 00:00", "Alpha clean power matched, 2027-01, flat day 00:00: at most what its contracts deliver"),
                                        ("Alpha 2027-01, flat day 00:00", "Alpha clean power matched, 2027-01, flat day 00:00: at most the programme's draw")]
    assert said["battery"][:2] == [("Alpha 2027-01, flat day 00:00", "Alpha battery, 2027-01, flat day 00:00: charge carried from the hour before"),
                                   ("Alpha 2027-01, flat day 00:00", "Alpha battery, 2027-01, flat day 00:00: charge within its energy")]
    assert said["cfe_target"] == [("programme", "carbon-free share of the programme's energy, matched hour by hour: at least 10%")]
    for family, rows in said.items():
        assert all(where and text for where, text in rows), family


def test_a_family_without_text_is_said_by_its_description(monkeypatch):
    model = PlanningModel(programme())
    monkeypatch.delitem(ROW_TEXT, "delivery")
    assert describe_row(model, "delivery", (0, 3)) == (
        "0, 3", "monthly deliveries of each accelerator type stay within its supply cap (row 0, 3)")


def test_months_gained_with_more_public_money_name_the_run():
    # the finish objective with money by source: each source's +10% is re-planned on its own
    s = programme({"workload": None, "runs.A": {**RUN, "deadline": "2028-03"}, "runs.B": {**RUN, "deadline": "2028-12"},
                   **SPLIT, "objective": "finish", "objective_run": "A"})
    gains = planned(s).binding
    gains = gains[gains["unit"] == "months earlier"].set_index("constraint")
    assert gains.loc["public_money", "description"] == "+10% public money in every fiscal year, for the A run"
    assert gains.loc["private_money", "description"] == "+10% private money in every fiscal year, for the A run"
    assert gains.loc["public_money", "shadow_price"] >= 0


def test_an_infeasible_split_budget_says_how_much_more_public_money():
    # no private money at all: the energy has nobody to pay it, and public money pays at most
    # half the capex; "more money" names the source rows that move
    s = programme({"workload.earliest_start": "2027-12", "budget.public_share": 0.5,
                   "budget.public": {"FY2027": "1e15 JPY"}})
    plan = make_plan(s)
    assert plan.status == "infeasible"
    money = plan.relaxations[plan.relaxations["option"] == "more money"]
    assert set(money["limit"]) <= {"private_money", "public_share"} and not money.empty
    assert money["amount"].notna().all()
    assert all(": + JPY " in text for text in money["description"])


def test_the_plan_in_words_shows_each_stream_served_against_demand():
    # X1 serves 2,000 tokens/s: 3e6 tokens/s from April 2027 on 1,500 X1, each charged
    # CRF(4%, 5) / 12 x 1e7 JPY a month plus 1000 W at work, to the end of 2028
    plan = planned(programme(SERVING))
    months = pd.period_range("2027-04", "2028-12", freq="M")
    seconds = hours_in(months) * 3600
    cost = 1500 * (PRICE * capital_recovery(0.04, 5) / 12 * len(months) + WATTS * seconds.sum() * JPY_PER_J)
    per_million = cost / (3e6 * seconds.sum() / 1e6)
    lines = describe(plan).splitlines()
    assert "serving (served of demand, tokens/s at the peak month; attributed cost):" in lines
    assert f"  chat: 3,000,000 of 3,000,000 in 2027-04 (from 2027-04); JPY {cost / 1e9:.2f} bn, JPY {per_million:.1f} per million tokens" in lines


# Sweeps: every new field by its dotted path, checked as a scenario file's value is
PROGRAMME = {"workload": None, "runs.A": {**RUN, "deadline": "2028-01"},
             "runs.B": {**RUN, "earliest_start": "2028-01", "after": "A"},
             **SPLIT, **SERVING, "sites.Alpha.existing_fleet": {"X1": 100}}


@pytest.mark.parametrize("text, values", [
    ("runs.A.availability=0.8..1:3", (0.8, 0.9, 1.0)),
    ("runs.B.compute=5e23 FLOP..1e24 FLOP:2", (5e23, 1e24)),
    ("runs.B.deadline=2028-04..2028-06", ("2028-04", "2028-05", "2028-06")),
    ("inference.chat.demand=-50%..+50%:3", (-50.0, 0.0, 50.0)),
    ("inference.chat.start=2027-04,2027-10", ("2027-04", "2027-10")),
    ("economics.discount_rate=0..0.08:3", (0.0, 0.04, 0.08)),
    ("economics.view=residual,annuity,cash", ("residual", "annuity", "cash")),
    ("budget.public.FY2027=-50%..+50%:2", (-50.0, 50.0)),
    ("budget.private.FY2028=1e10 JPY..2e10 JPY:2", (1e10, 2e10)),
    ("budget.public_share=0.3..0.7:3", (0.3, 0.5, 0.7)),
    ("sites.Alpha.existing_fleet.X1=0..200:3", (0.0, 100.0, 200.0)),
])
def test_sweeps_take_the_programmes_fields_by_their_paths(text, values):
    vary = parse_vary(text, programme(PROGRAMME))
    assert vary.values == pytest.approx(values) if not isinstance(values[0], str) else vary.values == values


def test_a_sweep_of_run_availability_plans_each_value():
    # A in December 2027 alone: 1e24 FLOP at 5e14 FLOP/s x availability over 31 days
    s = programme({"workload": None, "runs.A": {**RUN, "deadline": "2027-12"}})
    table = sweep(s, [parse_vary("runs.A.availability=0.5..1:2", s)])
    assert list(table["status"]) == ["optimal", "optimal"]
    assert table["accelerators_Alpha"].tolist() == pytest.approx([1e24 / (5e14 * a * 31 * DAY) for a in (0.5, 1.0)], rel=1e-6)
    assert table["economic_cost_jpy"].iloc[0] > table["economic_cost_jpy"].iloc[1]


@pytest.mark.parametrize("text, words", [
    ("runs.A.availability=0.5..1.5:3", "runs.A.availability"),
    ("runs.Z.deadline=2028-01..2028-02", "runs.Z"),
    ("inference.chat.demand=-200%..+50%:2", "inference.chat.demand"),
    ("budget.public.FY2040=1e9 JPY..2e9 JPY:2", "budget.public"),
])
def test_a_bad_range_of_a_new_field_names_it(text, words):
    with pytest.raises(InputError) as caught:
        parse_vary(text, programme(PROGRAMME))
    assert words in str(caught.value)


def test_the_pareto_front_moves_the_named_runs_deadline_and_money_by_source():
    # [runs] has no workload.deadline: the front moves runs.A's, and scales public and private money
    s = programme({"workload": None, "runs.A": {**RUN, "deadline": "2028-01"}, **SPLIT})
    front = pareto(s, parse_vary("budget.total=-10%..+10%:2", s), latest="2028-06")
    assert list(front["status"]) == ["optimal", "optimal"]
    assert front["finish_month"].notna().all()

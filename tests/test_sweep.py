"""Sweeps: ranges and samples, rows equal to one-by-one plans, reproducible on any executor,
failures kept as rows, and the analyses (tornado, Pareto front, percentiles) against hand
computation on the one-site scenario."""

import csv
import json
import math
from concurrent.futures import ThreadPoolExecutor

import distributed
import numpy as np
import openpyxl
import pandas as pd
import pytest
from builders import OLD_DEFAULT, scenario

import planner.studies.sweep
from planner import make_plan
from planner.app.sweep_charts import FRONT, distribution_chart, pareto_chart, tornado_chart
from planner.cli.main import main
from planner.inputs.errors import InputError
from planner.inputs.scenario import changed, edit, load_scenario, lookup
from planner.inputs.units import parse_quantity
from planner.results.verify import verify
from planner.studies.analysis import pareto, percentiles, tornado
from planner.studies.ranges import Vary, parse_vary
from planner.studies.sweep import design, evaluate, quick_plan, sweep

FLOPS = 1000e12 * 0.5  # X1 of the one-site scenario: peak x MFU, availability 1
DAY = 86400.0
KW_YEN_PER_SECOND = 1.2 * 20 / 3600  # 1 kW at PUE 1.2 and 20 JPY/kWh, per second

UNCERTAIN = [  # a Monte Carlo over the default scenario's uncertain assumptions
    "accelerators.B200.mfu=normal(0.40, 0.04)[0.30, 0.50]",
    "accelerators.GB200.capex=uniform(55000 USD, 80000 USD)",
    "sites.Tomakomai.electricity_price=triangular(-20%, 0%, 30%)",
    "exchange_rate=triangular(135 JPY/USD, 150 JPY/USD, 165 JPY/USD)",
]


@pytest.fixture(scope="module")
def default_scenario():
    """The former default (tests/old_default.toml), one run: these sweeps vary its window and
    budget at the scale of one run, an LP solved in well under a second a variant."""
    return load_scenario(OLD_DEFAULT)


def one_site_cost(months: int) -> float:
    """Least cost of the one-site run finishing after `months` months of 2027, by hand: every
    accelerator is bought in January (capex dominates) and trains until the finish, so the
    fleet is the compute over FLOP/s x seconds, each costing 1e7 JPY plus its energy."""
    seconds = sum(pd.Period(f"2027-{m:02d}", "M").days_in_month for m in range(1, months + 1)) * DAY
    fleet = 1e24 / (FLOPS * seconds)
    return fleet * (1e7 + KW_YEN_PER_SECOND * seconds)


def changes_of(row, varies):
    return {v.field: v.written(row[v.field]) for v in varies}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# --- ranges -----------------------------------------------------------------------------


def test_grid_values_are_evenly_spaced_in_the_ranges_unit(default_scenario):
    vary = parse_vary("budget.total=3e11..5e11 JPY:5", default_scenario)
    assert vary.values == (3e11, 3.5e11, 4e11, 4.5e11, 5e11)
    assert vary.written(3.5e11) == "350000000000 JPY"
    usd = parse_vary("accelerators.GB200.capex=50000 USD..0.08 MUSD:4", default_scenario)
    assert usd.values == pytest.approx((50000, 60000, 70000, 80000)) and usd.unit == "USD"


def test_relative_ranges_scale_the_written_value_in_its_own_unit(default_scenario):
    vary = parse_vary("sites.Tomakomai.electricity_price=-20%..+20%:3", default_scenario)
    assert vary.values == (-20.0, 0.0, 20.0) and vary.unit == "%"
    assert [parse_quantity(vary.written(v), "JPY/kWh", "") for v in vary.values] == pytest.approx([15.2, 19, 22.8])  # 19 JPY/kWh
    # a {value = ..., source = ...} wrapper: the value is scaled, the source no longer applies
    cap = parse_vary("accelerators.GB200.delivery_cap=-50%..+50%:3", default_scenario)
    assert [cap.written(v) for v in cap.values] == ["1152.0 / month", "2304.0 / month", "3456.0 / month"]
    assert changed(default_scenario, {cap.field: cap.written(50.0)}).accelerators["GB200"].delivery_cap == 3456


def test_month_ranges_and_lists(default_scenario):
    every = parse_vary("workload.deadline=2027-05..2027-09", default_scenario)
    assert every.values == ("2027-05", "2027-06", "2027-07", "2027-08", "2027-09")
    assert parse_vary("workload.deadline=2027-05..2027-09:3", default_scenario).values == ("2027-05", "2027-07", "2027-09")
    phase = parse_vary("sites.Sakai.grid_phases[1].start=2028-01..2028-03", default_scenario)
    assert changed(default_scenario, {phase.field: "2028-02"}).sites["Sakai"].grid_phases[1].start == pd.Period("2028-02", "M")
    assert parse_vary("objective=cost,finish", default_scenario).values == ("cost", "finish")
    assert parse_vary("solver.integer=true,false", default_scenario).values == (True, False)


def test_distribution_points_are_its_p10_p50_p90(default_scenario):
    vary = parse_vary("accelerators.B200.mfu=normal(0.35, 0.03)[0.25, 0.45]", default_scenario)
    # truncated at +-3.33 sd: P10 = mean + sd * z, z = inverse normal of 0.000429 + 0.1 x (1 - 2 x 0.000429) = -1.2797
    low, middle, high = vary.points()
    assert middle == pytest.approx(0.35)
    assert low == pytest.approx(0.35 - 1.2797 * 0.03, abs=2e-5) and high == pytest.approx(0.35 + 1.2797 * 0.03, abs=2e-5)


BAD_RANGES = {
    "unknown field": ("budget.totl=3e11 JPY..5e11 JPY:3", ["budget.totl", "no such field"]),
    "low above high": ("budget.total=5e11 JPY..3e11 JPY:3", ["budget.total", "LOW up to a larger HIGH"]),
    "unit not fitting the field": ("budget.total=300 MW..500 MW:3", ["budget.total", "an amount of money", "a power"]),
    "ends in different units": ("budget.total=3e11 JPY..500 MW:3", ["budget.total", "units of one kind"]),
    "outside the field's range": ("accelerators.B200.mfu=0.3..1.2:4", ["accelerators.B200.mfu", "at most 1", "1.2"]),
    "no steps": ("budget.total=3e11..5e11 JPY", ["LOW..HIGH:STEPS"]),
    "relative to nothing": ("carbon_price=-10%..+10%:3", ["carbon_price", "nothing written"]),
    "unknown distribution": ("accelerators.B200.mfu=beta(2, 5)", ["uniform, triangular, normal"]),
    "months backwards": ("workload.deadline=2027-09..2027-05", ["workload.deadline", "later or equal HIGH"]),
    "not FIELD=RANGE": ("budget.total", ["FIELD=RANGE"]),
    # issue 11: a range that would allocate terabytes, arithmetic, digits int() cannot read
    "steps beyond reason": ("budget.total=3e11 JPY..5e11 JPY:99999999999999", ["budget.total", "steps from 2 to 10,000"]),
    "steps in Arabic-Indic digits": ("budget.total=3e11 JPY..5e11 JPY:٣", ["budget.total", "steps from 2 to 10,000"]),
    "arithmetic that never ends": ("budget.total=(9**9**9) JPY..5e11 JPY:3", ["budget.total", "not a number followed by a unit"]),
    "a list too long": ("objective=" + ",".join(["cost"] * 10_001), ["objective", "at most 10,000 values", "10,001"]),
}


@pytest.mark.parametrize("case", BAD_RANGES)
def test_bad_ranges_exit_2_with_a_clear_message(capsys, case):
    text, words = BAD_RANGES[case]
    code, out, err = run(capsys, "sweep", "--vary", text, "--workers", "1")
    assert code == 2 and out == ""
    assert f"--vary {text}" in err
    for word in words:
        assert word in err


def test_samples_and_distributions_come_together(capsys):
    code, _, err = run(capsys, "sweep", "--vary", "accelerators.B200.mfu=uniform(0.3, 0.5)", "--workers", "1")
    assert code == 2 and "--samples" in err
    code, _, err = run(capsys, "sweep", "--vary", "budget.total=3e11..5e11 JPY:3", "--samples", "5", "--workers", "1")
    assert code == 2 and "distribution" in err
    code, _, err = run(capsys, "sweep", "--vary", "budget.total=3e11..5e11 JPY:3", "--out", "x.txt")
    assert code == 2 and ".csv or .xlsx" in err


@pytest.mark.parametrize("flags, words", [
    (["--samples", "1000000000000"], ["--samples", "from 1 to 1,000,000", "1,000,000,000,000"]),
    (["--samples", "10", "--seed", "-1"], ["--seed", "at least 0", "-1"]),
])
def test_samples_and_seeds_out_of_range_exit_2_naming_the_flag(capsys, flags, words):
    # issue 11: a trillion samples tried to allocate terabytes; numpy refused a negative seed with a traceback
    code, out, err = run(capsys, "sweep", "--vary", "accelerators.B200.mfu=uniform(0.3, 0.5)", *flags, "--workers", "1")
    assert code == 2 and out == "" and err.count("\n") == 1
    for word in words:
        assert word in err


def test_a_design_of_more_than_a_million_scenarios_is_refused_before_it_is_drawn():
    grids = [Vary(f"f{i}", "", "list", values=tuple(range(1001))) for i in range(2)]
    assert len(design(grids[:1])) == 1001
    with pytest.raises(InputError, match="at most 1,000,000 scenarios") as refused:
        design(grids)
    assert refused.value.found == "1,002,001 scenarios"


@pytest.mark.parametrize("cores, asked, pool", [(2, 48, 2), (64, 48, 3), (64, None, 3), (2, 1, None)])
def test_local_workers_are_capped_by_the_cores_and_the_tasks(monkeypatch, cores, asked, pool):
    # issue 11: --workers 48 forked 48 processes for 3 scenarios
    started = []

    class Recorded(ThreadPoolExecutor):
        def __init__(self, workers, initializer=None):  # a worker process's SIGINT set-up: not for threads
            started.append(workers)
            super().__init__(workers)

    monkeypatch.setattr(planner.studies.sweep, "ProcessPoolExecutor", Recorded)
    monkeypatch.setattr(planner.studies.sweep.os, "cpu_count", lambda: cores)
    rows = evaluate(scenario(), [{"budget.total": f"{total} JPY"} for total in (1e13, 1e14, 1e15)], workers=asked)
    assert list(rows["status"]) == ["optimal"] * 3
    assert started == ([] if pool is None else [pool])  # one worker plans here, in this process


# --- design -----------------------------------------------------------------------------


def test_design_crosses_grids_with_the_same_samples_and_keeps_its_seed(default_scenario):
    grid = parse_vary("budget.total=3e11..5e11 JPY:3", default_scenario)
    drawn = parse_vary("accelerators.B200.mfu=uniform(0.3, 0.5)", default_scenario)
    points = design([grid, drawn], samples=4, seed=11)
    assert len(points) == 12 and points.attrs["seed"] == 11
    by_budget = [points[points["budget.total"] == b]["accelerators.B200.mfu"].tolist() for b in grid.values]
    assert by_budget[0] == by_budget[1] == by_budget[2]  # common random numbers across the grid
    assert points.equals(design([grid, drawn], samples=4, seed=11))
    assert not points.equals(design([grid, drawn], samples=4, seed=12))
    unseeded = design([drawn], samples=3)
    assert unseeded.equals(design([drawn], samples=3, seed=unseeded.attrs["seed"]))


def test_latin_hypercube_puts_one_sample_in_each_stratum(default_scenario):
    drawn = parse_vary("accelerators.B200.mfu=uniform(0.3, 0.5)", default_scenario)
    values = design([drawn], samples=10, seed=3, latin_hypercube=True)["accelerators.B200.mfu"]
    assert sorted(np.floor((values - 0.3) / 0.02).astype(int)) == list(range(10))


def test_samples_follow_their_distributions(default_scenario):
    varies = [parse_vary(t, default_scenario) for t in (
        "accelerators.B200.mfu=triangular(0.3, 0.35, 0.5)", "workload.deadline=uniform(2027-05, 2027-07)")]
    points = design(varies, samples=6000, seed=5)
    mfu = points["accelerators.B200.mfu"]
    assert mfu.between(0.3, 0.5).all() and mfu.mean() == pytest.approx((0.3 + 0.35 + 0.5) / 3, abs=0.003)
    shares = points["workload.deadline"].value_counts(normalize=True)
    assert set(shares.index) == {"2027-05", "2027-06", "2027-07"} and shares.min() > 0.3  # a third each


# --- rows ---------------------------------------------------------------------------------


def test_sweep_rows_equal_one_by_one_plans(default_scenario):
    # deadlines change the months (a model of another shape); April to June is too short a run
    # on one type (it needs to August), to September long enough
    varies = [parse_vary(t, default_scenario) for t in [*UNCERTAIN, "workload.deadline=2027-06..2027-09:2"]]
    table = sweep(default_scenario, varies, samples=8, seed=2, workers=1)
    assert len(table) == 16 and set(table["status"]) <= {"optimal", "infeasible"}
    assert "infeasible" in set(table["status"]) and "optimal" in set(table["status"])
    for row in table.iloc[::2].to_dict("records"):
        variant = changed(default_scenario, changes_of(row, varies))
        plan = make_plan(variant)
        assert row["status"] == plan.status
        if not plan.feasible:
            assert row["reason"] == plan.message and math.isnan(row["total_cost_jpy"])
            continue
        assert verify(plan) == [] and verify(quick_plan(variant)) == []
        summary = plan.summary()
        for key in ("total_cost_jpy", "capex_jpy", "energy_cost_jpy", "energy_mwh", "co2_t"):
            assert row[key] == pytest.approx(summary[key], rel=1e-6)
        assert row["finish_month"] == summary["finish_month"]
        for site in ("Tomakomai", "Sakai"):
            assert row[f"peak_mw_{site}"] == pytest.approx(summary["peak_facility_mw"][site], rel=1e-6)
            assert row[f"accelerators_{site}"] == pytest.approx(sum(summary["accelerators"][site].values()), rel=1e-6)


def test_the_table_is_the_same_for_any_number_of_workers(default_scenario):
    varies = [parse_vary(t, default_scenario) for t in UNCERTAIN]
    alone = sweep(default_scenario, varies, samples=12, seed=8, workers=1)
    pooled = sweep(default_scenario, varies, samples=12, seed=8, workers=2)
    pd.testing.assert_frame_equal(alone, pooled, rtol=1e-9)


def test_a_dask_cluster_gives_the_same_table_as_the_local_pool(default_scenario):
    varies = [parse_vary(t, default_scenario) for t in UNCERTAIN[:2]]
    local = sweep(default_scenario, varies, samples=6, seed=4, workers=2)
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            on_cluster = sweep(default_scenario, varies, samples=6, seed=4, executor=client.get_executor())
    pd.testing.assert_frame_equal(local, on_cluster, rtol=1e-9)


def test_failed_variants_are_rows_with_their_reason(default_scenario):
    varies = [parse_vary(t, default_scenario) for t in (
        "accelerators.B200.mfu=normal(0.9, 0.2)",  # unbounded: some samples exceed 1
        # 2e10 is too little even at MFU 1: 1.2e26 FLOP in Apr-Aug 2027 (1.32e7 s) at 0.9 availability on
        # 2.5e15 FLOP/s (GB200 or GB300, BF16 dense) is 4,000 accelerators at ~8e6 JPY, 3.2e10 JPY
        "budget.total=2e10..4e11 JPY:2",
    )]
    calls = []
    table = sweep(default_scenario, varies, samples=10, seed=1, workers=1, progress=lambda *a: calls.append(a))
    assert len(table) == 20 and list(table["scenario"]) == list(range(20))
    bad = table[table["status"] == "bad input"]
    assert len(bad) > 0 and (bad["accelerators.B200.mfu"] > 1).all()
    assert bad["reason"].str.contains("accelerators.B200.mfu").all() and bad["reason"].str.contains("at most 1").all()
    poor = table[(table["budget.total"] == 2e10) & (table["accelerators.B200.mfu"] <= 1)]
    assert (poor["status"] == "infeasible").all() and (poor["reason"] != "").all()
    assert calls[-1] == (20, 20)


# --- analyses -----------------------------------------------------------------------------


def test_tornado_on_mfu_matches_the_hand_computed_cost():
    one_site = scenario()
    varies = [parse_vary("accelerators.X1.mfu=0.4..0.6:3", one_site),
              parse_vary("sites.Alpha.electricity_price=-50%..+50%:3", one_site)]
    bars = tornado(one_site, varies, workers=1)
    year = one_site_cost(12)
    assert bars.attrs["base"] == pytest.approx(year, rel=1e-6)
    mfu = bars.iloc[0]  # the widest swing: the fleet, so its capex and its energy, scales as 1/MFU
    assert mfu["field"] == "accelerators.X1.mfu"
    assert mfu["at_low"] == pytest.approx(year * 0.5 / 0.4, rel=1e-6)
    assert mfu["at_high"] == pytest.approx(year * 0.5 / 0.6, rel=1e-6)
    electricity = 1e24 / FLOPS * KW_YEN_PER_SECOND  # kW-seconds of the whole run, at 20 JPY/kWh and PUE 1.2
    price = bars.iloc[1]
    assert price["swing"] == pytest.approx(electricity, rel=1e-6)  # from -50% to +50% of the electricity


def test_pareto_front_finishes_earlier_for_more_money():
    one_site = scenario()
    budgets = parse_vary("budget.total=7e8 JPY,1.3e9 JPY,2.6e9 JPY", one_site)
    points = pareto(one_site, budgets, workers=1)
    cost = {m: one_site_cost(m) for m in range(1, 13)}
    for budget, row in zip((7e8, 1.3e9, 2.6e9), points.itertuples()):
        months = min(m for m in cost if cost[m] <= budget)  # the earliest finish the money buys
        assert row.finish_month == f"2027-{months:02d}"
        assert row.total_cost_jpy == pytest.approx(cost[months], rel=1e-6)
    assert points["on_front"].all()  # each later finish is cheaper
    assert points.attrs["latest"] == "2028-12"


def test_percentiles_by_hand():
    table = pd.DataFrame({
        "total_cost_jpy": [float(v) for v in range(1, 11)] + [np.nan],
        "finish_month": [f"2027-{m:02d}" for m in (1, 1, 2, 2, 2, 3, 3, 4, 5, 6)] + [None],
    })
    spread = percentiles(table, ["total_cost_jpy", "finish_month"]).set_index("metric")
    # 11 scenarios, the one without a plan ranked last: costs at rank 10 x P (1, 5 and 9: the
    # 2nd, 6th and 10th cost); months at the ceil(11 x P)th (2nd, 6th, 10th)
    assert spread.loc["total_cost_jpy", ["P10", "P50", "P90"]].tolist() == pytest.approx([2.0, 6.0, 10.0])
    assert spread.loc["finish_month", ["P10", "P50", "P90"]].tolist() == ["2027-01", "2027-03", "2027-06"]
    assert spread.loc["finish_month", "without_plan"] == 1
    two_more = pd.concat([table, table.tail(1), table.tail(1)], ignore_index=True)  # 3 of 13 without a plan
    spread = percentiles(two_more, ["total_cost_jpy", "finish_month"]).set_index("metric")
    assert spread.loc["total_cost_jpy", "P90"] is None  # rank 10.8: past the 10 plans
    assert spread.loc["finish_month", "P90"] is None  # the ceil(11.7) = 12th of 13


def test_charts_carry_the_analysis_numbers():
    one_site = scenario()
    bars = tornado(one_site, [parse_vary("accelerators.X1.mfu=0.4..0.6:3", one_site)], workers=1)
    spec = tornado_chart(bars).to_dict()
    drawn = next(iter(spec["datasets"].values()))
    assert sorted(d["to"] for d in drawn) == pytest.approx(sorted([bars.at[0, "at_low"] / 1e9, bars.at[0, "at_high"] / 1e9]))
    table = pd.DataFrame({"total_cost_jpy": [1e9 * v for v in range(1, 11)], "finish_month": ["2027-05"] * 10})
    rules = [d for d in distribution_chart(table).to_dict()["datasets"].values() if "level" in d[0]][0]
    assert [r["value"] for r in rules] == pytest.approx([1.9, 5.5, 9.1])
    assert distribution_chart(table).to_dict()["title"] == "Total cost: 10 of 10 scenarios with a plan"
    points = pareto(one_site, parse_vary("budget.total=7e8 JPY,2.6e9 JPY", one_site), workers=1)
    spec = pareto_chart(points).to_dict()
    assert "layer" in spec
    (drawn,) = spec["datasets"].values()
    assert [row["plan"] for row in drawn] == [FRONT[True]] * 2  # each later finish is cheaper: both on the front
    assert FRONT[True].startswith("on the front: no other plan finishes as early for less")
    assert spec["layer"][1]["encoding"]["color"]["title"] == "Plan at each budget"


# --- command line ---------------------------------------------------------------------------


def test_sweep_command_json_and_files_agree(capsys, tmp_path):
    argv = ["sweep", "--vary", "budget.total=3.5e11..4.5e11 JPY:2", "--vary", UNCERTAIN[0], "--samples", "2",
            "--seed", "9", "--workers", "1"]
    code, out, _ = run(capsys, *argv, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["kind"] == "sweep" and result["seed"] == 9 and len(result["rows"]) == 4
    assert result["units"] == {"budget.total": "JPY", "accelerators.B200.mfu": ""}
    assert {r["metric"] for r in result["percentiles"]} >= {"total_cost_jpy", "finish_month"}
    assert run(capsys, *argv, "--out", tmp_path / "sweep.xlsx")[0] == 0
    assert run(capsys, *argv, "--out", tmp_path / "sweep.csv")[0] == 0
    book = pd.read_excel(tmp_path / "sweep.xlsx", sheet_name=None)
    assert set(book) == {"Sweep", "Percentiles", "Settings"}
    csv = pd.read_csv(tmp_path / "sweep.csv")
    budgets = [r["budget.total"] for r in result["rows"]]
    costs = [np.nan if r["total_cost_jpy"] is None else r["total_cost_jpy"] for r in result["rows"]]
    assert list(csv["budget.total [JPY]"]) == budgets
    assert csv["total_cost_jpy"].tolist() == pytest.approx(costs, rel=1e-12, nan_ok=True)
    sweep_sheet = book["Sweep"]  # as the planning workbook writes money: in JPY bn, to full precision
    assert (sweep_sheet["Budget (JPY bn)"] * 1e9).tolist() == pytest.approx(budgets, rel=1e-12)
    assert (sweep_sheet["Total cost (JPY bn)"] * 1e9).tolist() == pytest.approx(costs, rel=1e-12, nan_ok=True)


def test_the_sweep_workbook_is_formatted_like_the_planning_workbook(capsys, tmp_path):
    out = tmp_path / "sweep.xlsx"
    argv = ["sweep", OLD_DEFAULT, "--vary", "accelerators.GB200.capex=-10%..+10%:2", "--vary", "description==1+1,@SUM(A1)",
            "--workers", "1", "--out", out]
    assert run(capsys, *argv)[0] == 0
    sheet = openpyxl.load_workbook(out)["Sweep"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["Scenario", "GB200 price (%)", "description", "Status"]
    assert headers[5:8] == ["Total cost (JPY bn)", "Capex (JPY bn)", "Electricity (JPY bn)"]
    assert "Peak facility power, Tomakomai (MW)" in headers and "Accelerators, Sakai (count)" in headers
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(headers)).column_letter}5"
    relative, cost = sheet["B2"], sheet["F2"]
    assert relative.value == -10 and relative.number_format == '+0.0"%";-0.0"%";0.0"%"'  # shows -10.0%
    base = load_scenario(OLD_DEFAULT)  # the engine's plan of the same variant, GB200 10% cheaper
    cheaper = changed(base, changes_of({"accelerators.GB200.capex": -10.0}, [parse_vary("accelerators.GB200.capex=-10%..+10%:2", base)]))
    assert cost.number_format == "#,##0.00"
    assert cost.value == pytest.approx(make_plan(cheaper, explain_limits=False).summary()["total_cost_jpy"] / 1e9, rel=1e-6)
    assert [sheet["C2"].value, sheet["C3"].value] == ["=1+1", "@SUM(A1)"]  # text, never a formula
    assert sheet["C2"].data_type == "s"
    assert sheet.column_dimensions["B"].width > 10  # columns fitted to their headers


def test_sweep_command_tornado_and_pareto_print_their_tables(capsys):
    code, out, _ = run(capsys, "sweep", OLD_DEFAULT, "--tornado", "--vary", "exchange_rate=140..160 JPY/USD:2", "--workers", "1")
    assert code == 0 and "exchange_rate" in out and "widest swing" in out
    code, _, err = run(capsys, "sweep", "--tornado", "--metric", "peak_mw_Osaka", "--vary", "exchange_rate=140..160 JPY/USD:2")
    assert code == 2 and "peak_mw_Sakai" in err
    code, out, _ = run(capsys, "sweep", OLD_DEFAULT, "--pareto", "3e11..4e11 JPY:2", "--workers", "1")
    assert code == 0 and "earliest finish at each budget" in out and "2027-08" in out  # its deadline, by which it can finish


@pytest.mark.parametrize("argv", [["--pareto", "-10%..+10%:2"], ["--pareto=-10%..+10%:2"]])
def test_pareto_takes_relative_budgets_after_a_space_or_an_equals_sign(capsys, argv):
    # `--pareto -10%..` was read as an unknown flag (exit 2) before
    code, out, err = run(capsys, "sweep", OLD_DEFAULT, *argv, "--workers", "1", "--json")
    table = json.loads(out)
    assert code == 0 and err == ""
    assert [row["budget.total"] for row in table["rows"]] == [-10.0, 10.0]
    assert [row["budget_jpy"] for row in table["rows"]] == pytest.approx([3.6e11, 4.4e11])  # its 4e11 JPY +-10%


def test_pareto_with_a_field_name_says_to_give_the_budgets_alone(capsys):
    code, out, err = run(capsys, "sweep", "--pareto", "budget.total=-50%..+100%:7")
    assert (code, out) == (2, "")
    assert err == (
        "error: field '--pareto': expected the budgets alone, e.g. '-50%..+100%:7' or '2e11 JPY..8e11 JPY:7' "
        "(the front varies budget.total), found 'budget.total=-50%..+100%:7'\n"
    )


def test_paths_reach_into_lists_and_name_what_is_wrong(default_scenario):
    document = default_scenario.document()
    assert lookup(document, "sites.Sakai.grid_phases[1].start") == document["sites"]["Sakai"]["grid_phases"][1]["start"]
    moved = edit(document, {"sites.Sakai.grid_phases[0].grid_import": "10 MW"})
    assert moved["sites"]["Sakai"]["grid_phases"][0]["grid_import"] == "10 MW"
    with pytest.raises(InputError, match=r"sites.Sakai.grid_phases\[7\].start.*a list of 3"):
        edit(document, {"sites.Sakai.grid_phases[7].start": "2028-01"})


def test_remembered_parses_still_name_their_own_field():
    with pytest.raises(InputError, match="field 'first'"):
        parse_quantity("3 kg", "JPY", "first")
    with pytest.raises(InputError, match="field 'second'"):
        parse_quantity("3 kg", "JPY", "second")
    assert parse_quantity("3 kJPY", "JPY", "a") == parse_quantity("3 kJPY", "JPY", "b") == 3000.0


def test_varied_text_is_written_as_text_and_negative_numbers_as_numbers(capsys, tmp_path):
    argv = ["sweep", "--vary", "name==1+1,@SUM(1)", "--vary", "description=-2+3,+cmd|' /C calc'!A0",
            "--vary", "budget.total=-20%..+20%:2", "--workers", "1"]
    assert run(capsys, *argv, "--out", tmp_path / "sweep.csv")[0] == 0
    assert run(capsys, *argv, "--out", tmp_path / "sweep.xlsx")[0] == 0
    with open(tmp_path / "sweep.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [(row["name"], row["description"], row["budget.total [%]"]) for row in rows[:4]] == [
        ("'=1+1", "'-2+3", "-20.0"),
        ("'=1+1", "'-2+3", "20.0"),
        ("'=1+1", "'+cmd|' /C calc'!A0", "-20.0"),
        ("'=1+1", "'+cmd|' /C calc'!A0", "20.0"),
    ]
    sheet = openpyxl.load_workbook(tmp_path / "sweep.xlsx")["Sweep"]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert {(cell.value, cell.data_type) for cell in cells if cell.value in ("=1+1", "-2+3")} == {("=1+1", "s"), ("-2+3", "s")}
    assert (-20, "n") in {(cell.value, cell.data_type) for cell in cells}  # budget.total -20%: a number
    assert not [cell for cell in cells if cell.data_type == "f"]  # text, never a formula

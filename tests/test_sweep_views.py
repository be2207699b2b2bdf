"""What the app's Sweeps tab shows: lines read as ranges with every bad line named, percentiles
in the headline's units (by hand), the CSV the command line writes."""

import io

import numpy as np
import pandas as pd

from planner.app import sweep_views
from planner.cli.main import main
from planner.studies.analysis import tornado_metrics
from planner.studies.ranges import parse_vary
from planner.studies.sweep import sweep


def test_every_bad_line_is_named_and_the_good_ones_are_kept(default_scenario):
    text = "\n".join(
        [
            "# uncertain prices",
            "accelerators.GB200.capex=uniform(-20%, +20%)",
            "",
            "budget.total=300 MW..500 MW:3",
            "exchange_rate=140..160 JPY/USD:3  # a grid",
            "accelerators.GB200.capex=-10%..+10%:3",
            "nonsense",
            "accelerators.B200.mfu=0.5..0.3:3",
        ]
    )
    ranges = sweep_views.read_ranges(text, default_scenario)
    assert [vary.field for vary in ranges.varies] == ["accelerators.GB200.capex", "exchange_rate"]
    assert ranges.varies[1].values == (140.0, 150.0, 160.0)
    assert ranges.problems == [
        "Line 4: budget.total: expected an amount of money (e.g. '2e12 JPY'), found '300 MW' (a power)",
        "Line 6: accelerators.GB200.capex is varied on line 2 already",
        "Line 7: expected FIELD=RANGE, e.g. 'budget.total=3e11 JPY..5e11 JPY:5', found 'nonsense'",
        "Line 8: accelerators.B200.mfu: expected a range from LOW up to a larger HIGH, found '0.5..0.3:3'",
    ]
    assert ranges.blocked() == "Correct the lines above to run."
    assert (
        sweep_views.read_ranges("  \n# nothing yet", default_scenario).blocked() == "List a field to vary above to run."
    )
    assert sweep_views.read_ranges(sweep_views.EXAMPLE, default_scenario).blocked() is None


def test_samples_apply_to_distributions_and_cross_the_grids(default_scenario):
    grids = [
        parse_vary("exchange_rate=140..160 JPY/USD:3", default_scenario),
        parse_vary("runs.1T.deadline=2027-05,2027-06", default_scenario),
    ]
    drawn = parse_vary("accelerators.B200.mfu=uniform(0.35, 0.45)", default_scenario)
    assert sweep_views.planned(grids, 200) == 6  # 3 x 2 points, no distribution to sample
    assert sweep_views.samples_for(grids, 200) is None
    assert sweep_views.planned([*grids, drawn], 8) == 48  # each of the 6 points with all 8 draws
    assert sweep_views.samples_for([*grids, drawn], 8) == 8


def test_percentiles_in_the_headlines_units_by_hand():
    table = pd.DataFrame(
        {
            "scenario": range(6),
            "status": ["optimal"] * 5 + ["infeasible"],
            "reason": [""] * 5 + ["the budget is too small"],
            "total_cost_jpy": [1e11, 2e11, 3e11, 4e11, 5e11, np.nan],
            "co2_t": [1000.0, 2000.0, 3000.0, 4000.0, 5000.0, np.nan],
            "finish_month": ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05", None],
            "peak_mw_Alpha": [10.0, 20.0, 30.0, 40.0, 50.0, np.nan],
        }
    )
    shown = sweep_views.spread(table).set_index("Measure")
    # all 6 scenarios count, the infeasible one ranked last. Money, CO2 and MW interpolate at
    # rank 5 x P: P10 halfway between the 1st and 2nd, P50 between the 3rd and 4th, P90 between
    # the 5th and the infeasible 6th, so no plan. Months are the empirical quantile: the 1st,
    # 3rd and 6th of six (ceil(6 x P)), the 6th a missed deadline.
    none = "(1 of 6 scenarios infeasible)"
    assert shown.loc["Total cost"].tolist() == ["JPY 150.0 bn", "JPY 350.0 bn", f"no plan {none}", "5 of 6"]
    assert shown.loc["CO₂"].tolist() == ["1.5 kt", "3.5 kt", f"no plan {none}", "5 of 6"]
    assert shown.loc["Training finishes"].tolist() == ["2027-01", "2027-03", f"deadline missed {none}", "5 of 6"]
    assert shown.loc["Peak draw at Alpha"].tolist() == ["15.0 MW", "35.0 MW", f"no plan {none}", "5 of 6"]
    table.attrs = {"seed": 3}
    assert sweep_views.counts(table) == "6 scenarios (seed 3): 5 optimal, 1 infeasible"
    assert sweep_views.reasons(table) == ["scenario 5: infeasible: the budget is too small"]


def test_values_read_as_in_the_headline():
    assert sweep_views.shown(391.84e9, "JPY") == "JPY 391.8 bn"
    assert sweep_views.shown(52_480.0, "t CO2") == "52.5 kt"
    assert sweep_views.shown(1_234_567.0, "MWh") == "1,234.6 GWh"
    assert sweep_views.shown(10_602.37, "accelerators") == "10,602"
    assert sweep_views.shown(-2.0, "months from the deadline") == "-2 months from the deadline"
    assert sweep_views.shown(np.nan, "JPY") == sweep_views.shown(None, "MW") == "–"


def test_every_tornado_measure_has_a_name(default_scenario):
    assert [sweep_views.metric_label(metric) for metric in tornado_metrics(default_scenario)] == [
        "Total cost",
        "Capex",
        "Electricity cost",
        "Economic cost",
        "Energy",
        "CO₂",
        "Training finishes",
        # the default's three sites, in its order (planner/data/default_scenario.toml)
        "Peak draw at Tomakomai",
        "Peak draw at Sakai",
        "Peak draw at Existing",
        "Accelerators at Tomakomai",
        "Accelerators at Sakai",
        "Accelerators at Existing",
    ]


def test_the_csv_is_the_one_the_command_line_writes(default_scenario, tmp_path, capsys):
    lines = ["accelerators.GB200.capex=uniform(-20%, +20%)", "exchange_rate=140..160 JPY/USD:2"]
    table = sweep(
        default_scenario, [parse_vary(line, default_scenario) for line in lines], samples=2, seed=5, workers=1
    )
    argv = ["sweep", "--samples", "2", "--seed", "5", "--workers", "1", "--out", str(tmp_path / "sweep.csv")]
    assert main(argv + [arg for line in lines for arg in ("--vary", line)]) == 0
    capsys.readouterr()
    ours, written = sweep_views.csv_bytes(table), (tmp_path / "sweep.csv").read_bytes()
    assert ours.splitlines()[0] == written.splitlines()[0]
    assert written.startswith(b"scenario,accelerators.GB200.capex [%],exchange_rate [JPY/USD],status,reason,")
    # the same rows; plans agree to solver precision (each run warm-starts from the model it finds)
    pd.testing.assert_frame_equal(pd.read_csv(io.BytesIO(ours)), pd.read_csv(io.BytesIO(written)), rtol=1e-6)


def test_the_apps_cap_counts_the_plans_of_each_analysis(default_scenario):
    grid = parse_vary("exchange_rate=140..160 JPY/USD:3", default_scenario)
    drawn = parse_vary("accelerators.B200.mfu=uniform(0.35, 0.45)", default_scenario)
    assert sweep_views.tornado_plans([grid, drawn]) == 1 + 3 + 3  # the scenario, 3 grid points, P10/P50/P90
    assert sweep_views.too_many(sweep_views.MAX_PLANS) is None
    assert sweep_views.too_many(sweep_views.MAX_PLANS + 1) == (
        "5,001 plans are more than the app runs at once (at most 5,000): use fewer steps or samples here, "
        "or `planner sweep`, which plans on every core or on a cluster."
    )
    text = "exchange_rate=140..160 JPY/USD:5001\nruns.1T.deadline=2027-05,2027-06"
    lines = sweep_views.read_ranges(text, default_scenario)
    assert lines.problems == [
        "Line 1: exchange_rate: expected at most 5,000 values, found 5,001 values in '140..160 JPY/USD:5001'"
    ]
    assert [vary.field for vary in lines.varies] == ["runs.1T.deadline"]


def test_percentiles_count_125_infeasible_draws_of_200():
    """75 plans costing JPY 1..75 bn (the first 30 finishing 2027-01, the rest 2027-02), 120
    infeasible draws and 5 refused as bad input: 125 of 200 without a plan."""
    plans, infeasible, refused = 75, 120, 5
    table = pd.DataFrame(
        {
            "status": ["optimal"] * plans + ["infeasible"] * infeasible + ["bad input"] * refused,
            "total_cost_jpy": [1e9 * cost for cost in range(1, plans + 1)] + [np.nan] * (infeasible + refused),
            "co2_t": [1000.0] * plans + [np.nan] * (infeasible + refused),
            "finish_month": ["2027-01"] * 30 + ["2027-02"] * 45 + [None] * (infeasible + refused),
        }
    )
    shown = sweep_views.spread(table).set_index("Measure")
    # P10: rank 199 x 0.1 = 19.9, between the 20th and 21st cheapest (JPY 20 and 21 bn); P50 at
    # rank 99.5 and P90 at 179.1 lie past the 75 plans. Months: the ceil(200 x 0.1) = 20th draw,
    # one of the first 30; the 100th and 180th have no plan.
    none = "(125 of 200 scenarios without a plan, 120 infeasible)"
    assert shown.loc["Total cost"].tolist() == ["JPY 20.9 bn", f"no plan {none}", f"no plan {none}", "75 of 200"]
    assert shown.loc["Training finishes"].tolist()[:3] == ["2027-01", f"deadline missed {none}", f"deadline missed {none}"]

    only_infeasible = table.assign(status=["optimal"] * plans + ["infeasible"] * (infeasible + refused))
    p90 = sweep_views.spread(only_infeasible).set_index("Measure").at["Total cost", "P90"]
    assert p90 == "no plan (125 of 200 scenarios infeasible)"


def test_the_scenarios_table_reads_with_names_and_units():
    table = pd.DataFrame(
        {
            "scenario": [0, 1],
            "accelerators.GB200.capex": [-12.5, 7.34],
            "budget.total": [3e11, 4.5e11],
            "workload.deadline": ["2027-05", "2027-06"],
            "status": ["optimal", "infeasible"],
            "reason": ["", "no plan meets every limit at once"],
            "total_cost_jpy": [391.84e9, np.nan],
            "energy_mwh": [111_123.4, np.nan],
            "co2_t": [52_006.0, np.nan],
            "finish_month": ["2027-05", None],
            "peak_mw_Sakai": [22.72, np.nan],
            "accelerators_Sakai": [9_809.0, np.nan],
        }
    )
    table.attrs = {"units": {"accelerators.GB200.capex": "%", "budget.total": "JPY", "workload.deadline": "month"}}
    shown = sweep_views.readable(table)
    assert list(shown.columns) == [
        "Scenario",
        "GB200 price (%)",
        "Budget (JPY bn)",
        "Deadline",
        "Status",
        "Reason",
        "Total cost (JPY bn)",
        "Energy (GWh)",
        "CO₂ (kt)",
        "Training finishes",
        "Peak draw at Sakai (MW)",
        "Accelerators at Sakai",
    ]
    assert shown.iloc[0].tolist() == [0, "-12.5%", "300.0", "2027-05", "optimal", "", "391.8", "111.1", "52.0",
                                      "2027-05", "22.7", "9,809"]
    assert shown.iloc[1].tolist() == [1, "+7.3%", "450.0", "2027-06", "infeasible", "no plan meets every limit at once",
                                      "–", "–", "–", "–", "–", "–"]


def test_a_level_without_a_plan_beside_a_month_still_says_so():
    """P50 of 6 with 3 infeasible: cost at rank 2.5 (between the 3rd plan and an infeasible
    draw), no plan; the finish month at the ceil(3)rd, a month. pandas keeps that column as
    text, where a missing cost is NaN, not None."""
    table = pd.DataFrame(
        {
            "status": ["optimal"] * 3 + ["infeasible"] * 3,
            "total_cost_jpy": [1e11, 2e11, 3e11] + [np.nan] * 3,
            "co2_t": [1e3, 2e3, 3e3] + [np.nan] * 3,
            "finish_month": ["2027-01", "2027-02", "2027-03"] + [None] * 3,
        }
    )
    p50 = sweep_views.spread(table).set_index("Measure")["P50"]
    assert p50.tolist() == ["no plan (3 of 6 scenarios infeasible)"] * 2 + ["2027-03"]

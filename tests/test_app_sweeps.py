"""The app's Sweeps tab, driven with AppTest: it shows the analyses planner.studies.analysis computes
for the scenario as edited (run here directly, on the same scenario and seed), a progress bar,
and says beside the input what is wrong with a range, without a traceback."""

import io

import pandas as pd
import pyarrow as pa
import pytest
from builders import default_with, scenario
from streamlit.testing.v1 import AppTest
from test_app import EARLIER, edit_run, errors, number, opened, started, tab, text_box, upload_small

from planner.app.sweep_views import BUDGETS, EXAMPLE, SPREAD_NOTE
from planner.studies.analysis import pareto, percentiles, tornado
from planner.studies.ranges import parse_vary
from planner.studies.sweep import sweep

RANGES = "in:sweep_ranges"


def run(at: AppTest, analysis: str) -> None:
    next(button for button in at.button if button.key == f"sweep:{analysis}:run").click().run()
    assert not at.exception


def datasets(chart) -> list[pd.DataFrame]:
    """An Altair chart's datasets, as the browser gets them."""
    return [pa.ipc.open_stream(io.BytesIO(dataset.data.data)).read_pandas() for dataset in chart.proto.datasets]


def chart_data(chart) -> list[dict]:
    """The rows of an Altair chart's one dataset."""
    (dataset,) = datasets(chart)
    return dataset.to_dict("records")


def test_monte_carlo_shows_the_percentiles_of_the_same_sweep():
    at = started()
    opened(at, "Sweeps")
    edit_run(at, "1T", {"Deadline": "2027-07"})  # an edit in the Workloads tab: the sweep is of the edited scenario
    at.number_input(key="in:sweep_samples").set_value(8)
    at.number_input(key="in:sweep_seed").set_value(11)
    at.run()
    assert next(button for button in at.button if button.key == "sweep:distribution:run").label == "Run 8 plans"
    run(at, "distribution")

    edited = default_with(EARLIER)
    table = sweep(edited, [parse_vary(line, edited) for line in EXAMPLE.splitlines()], samples=8, seed=11, workers=1)
    expected = percentiles(table).set_index("metric")
    assert expected.loc["finish_month", "P50"] <= "2027-07"  # by the edited deadline, not the default's 2027-09
    shown = tab(at, "Distribution").dataframe[0].value.set_index("Measure")
    labels = {
        "total_cost_jpy": "Total cost",
        "co2_t": "CO₂",
        "finish_month": "Training finishes",
        "peak_mw_Tomakomai": "Peak draw at Tomakomai",
        "peak_mw_Sakai": "Peak draw at Sakai",
        "peak_mw_Existing": "Peak draw at Existing",
    }
    assert list(shown.index) == [labels[metric] for metric in expected.index]
    scale = {"total_cost_jpy": 1e9, "co2_t": 1e3, "peak_mw_Tomakomai": 1.0, "peak_mw_Sakai": 1.0,
             "peak_mw_Existing": 1.0}  # bn JPY, kt, MW
    for metric, label in labels.items():
        for level in ("P10", "P50", "P90"):
            if metric == "finish_month":
                assert shown.at[label, level] == expected.at[metric, level]
            else:
                assert number(shown.at[label, level]) == pytest.approx(
                    expected.at[metric, level] / scale[metric], abs=0.05
                )
        assert shown.at[label, "With a plan"] == f"{expected.at[metric, 'with_plan']} of 8"
    # the draws move the figures: the numbers compared are not all one (the VR200s bought cost
    # tens of JPY bn, and their price is drawn within +-20%)
    spread_bn = (expected.at["total_cost_jpy", "P90"] - expected.at["total_cost_jpy", "P10"]) / 1e9
    assert spread_bn > 1
    assert any(caption.value == f"8 scenarios (seed 11): 8 optimal. {SPREAD_NOTE}" for caption in at.caption)
    (bar,) = at.get("progress")
    assert (bar.proto.value, bar.proto.text) == (100, "Planned 8 of 8")
    assert len(tab(at, "Distribution").get("vega_lite_chart")) == 2  # cost and finish month
    scenarios = tab(at, "Distribution").dataframe[1].value  # every scenario, by name and unit
    assert list(scenarios.columns[:4]) == ["Scenario", "VR200 price (%)", "Sakai electricity price (%)", "Status"]
    assert list(scenarios.columns[6:10]) == ["Capex (JPY bn)", "Electricity cost (JPY bn)", "Economic cost (JPY bn)",
                                             "Energy (GWh)"]
    drawn = [f"{value:+,.1f}%" for value in table["accelerators.VR200.capex"]]
    assert list(scenarios["VR200 price (%)"]) == drawn

    at.number_input(key="in:sweep_seed").set_value(12).run()  # other settings: the old numbers are not shown as theirs
    assert len(tab(at, "Distribution").dataframe) == 0
    assert any(info.value.startswith("The scenario or the settings changed") for info in at.info)


def test_monte_carlo_percentiles_count_the_draws_without_a_plan(default_scenario):
    at = started()
    opened(at, "Sweeps")
    line = "budget.total=uniform(1.6e11 JPY, 2e11 JPY)"  # about the JPY 180.6 bn the default pays
    at.text_area(key=RANGES).input(line)
    at.number_input(key="in:sweep_samples").set_value(8)
    at.number_input(key="in:sweep_seed").set_value(3)
    at.run()
    run(at, "distribution")
    table = sweep(default_scenario, [parse_vary(line, default_scenario)], samples=8, seed=3, workers=1)
    short = table["status"] == "infeasible"
    # less money, no plan: every draw without a plan had less money than every draw with one
    assert table.loc[short, "budget.total"].max() < table.loc[~short, "budget.total"].min()
    infeasible = int(short.sum())
    assert 2 <= infeasible < 8  # this seed: P90 (rank 6.3 of 0..7) falls past the plans
    shown = tab(at, "Distribution").dataframe[0].value.set_index("Measure")
    assert shown.at["Total cost", "P90"] == f"no plan ({infeasible} of 8 scenarios infeasible)"
    assert shown.at["Training finishes", "P90"] == f"deadline missed ({infeasible} of 8 scenarios infeasible)"
    assert shown.at["Total cost", "With a plan"] == f"{8 - infeasible} of 8"


def test_tornado_draws_a_bar_at_each_end_of_each_field(default_scenario):
    at = started()
    opened(at, "Sweeps")
    run(at, "tornado")
    bars = tornado(default_scenario, [parse_vary(line, default_scenario) for line in EXAMPLE.splitlines()], workers=1)
    assert len(bars) == 2
    (chart,) = tab(at, "Tornado").get("vega_lite_chart")
    drawn = chart_data(chart)
    for bar in bars.itertuples():
        ends = {row["input"]: row["to"] for row in drawn if row["field"] == bar.field}
        assert ends == pytest.approx({"low input": bar.at_low / 1e9, "high input": bar.at_high / 1e9})
    table = tab(at, "Tornado").dataframe[0].value
    named = {"accelerators.VR200.capex": "VR200 price", "sites.Sakai.electricity_price": "Sakai electricity price"}
    assert list(table["Field"]) == [named[field] for field in bars["field"]]  # by name, widest swing first
    # the chart names each field and its inputs, P10 and P90, with "%": uniform(-20%, +20%) gives
    # -20 + 0.1 x 40 = -16%; triangular(-20%, 0%, +20%) gives -20 + sqrt(0.1 x 40 x 20) = -11.06%
    axis = {row["name"] for row in drawn}
    assert axis == {"VR200 price, -16% to +16%", "Sakai electricity price, -11.06% to +11.06%"}
    assert [number(swing) for swing in table["Swing"]] == pytest.approx(list(bars["swing"] / 1e9), abs=0.05)


def test_pareto_front_shows_the_earliest_finish_at_each_budget():
    # on the small scenario (a point of the front on the programme default takes ~35 s): JPY 1 bn
    # for a run due by 2027-12, so the budget decides how early it can finish
    small = {"budget.total": "1e9 JPY"}
    at = started()
    upload_small(at, small)
    opened(at, "Sweeps")
    run(at, "pareto")
    uploaded = scenario(small)
    points = pareto(uploaded, parse_vary(f"budget.total={BUDGETS}", uploaded), workers=1)
    table = tab(at, "Pareto front").dataframe[0].value
    # -50% to +100% of JPY 1 bn in 7 steps, in JPY bn to one decimal
    assert [number(budget) for budget in table["Budget"]] == pytest.approx([0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0], abs=0.051)
    # By hand: X1 costs JPY 1e7 and 5e14 FLOP/s, and 1.2 kW at 20 JPY/kWh. JPY 1 bn buys 98.6 X1
    # (1e9 / (1e7 + 1.2 x 5,832 h x 20)), and 1e24 FLOP take them 1e24 / (5e14 x 98.6) = 2.03e7 s =
    # 235 days: to August 2027 (243 days; to July, 212). JPY 2 bn buys 198.6 X1 (2,880 h of power):
    # 117 days, to April (120 days; to March, 90). JPY 0.5 bn buys ~48.7 X1 (~11,300 h): 475 days,
    # past the run's deadline (the front looks to the horizon's end): to April 2028 (486 days; to March, 456)
    finishes = dict(zip(points["budget.total"], points["finish_month"]))
    assert (finishes[-50.0], finishes[0.0], finishes[100.0]) == ("2028-04", "2027-08", "2027-04")
    assert list(table["Training finishes"]) == list(points["finish_month"].fillna("–"))
    assert [number(cost) for cost in table["Total cost"]] == pytest.approx(
        list(points["total_cost_jpy"] / 1e9), abs=0.05
    )
    assert list(table["On the front"]) == list(points["on_front"])
    assert len(tab(at, "Pareto front").get("vega_lite_chart")) == 1


def test_a_bad_range_is_named_beside_the_input_and_nothing_runs():
    at = started()
    opened(at, "Sweeps")
    at.text_area(key=RANGES).input(EXAMPLE + "\nbudget.total=300 MW..500 MW:3").run()
    assert not at.exception
    message = "Line 3: budget.total: expected an amount of money (e.g. '2e12 JPY'), found '300 MW' (a power)"
    assert message in errors(at)
    runs = {button.key: button for button in at.button if str(button.key).startswith("sweep:")}
    assert runs["sweep:distribution:run"].disabled and runs["sweep:tornado:run"].disabled
    assert not runs["sweep:pareto:run"].disabled  # the front does not use these lines

    text_box(at, "Budgets").input("4e11 JPY..2e11 JPY:3").run()
    assert not at.exception
    assert "budget.total: expected a range from LOW up to a larger HIGH, found '4e11 JPY..2e11 JPY:3'" in errors(at)
    assert next(button for button in at.button if button.key == "sweep:pareto:run").disabled

    text_box(at, "Budgets").input("uniform(2e11 JPY, 4e11 JPY)").run()  # a range, but the front needs given budgets
    assert not at.exception
    expected = "a grid or list of budgets (LOW..HIGH:STEPS or a,b,c)"
    assert f"budget.total: expected {expected}, found 'uniform(2e11 JPY, 4e11 JPY)'" in errors(at)
    assert next(button for button in at.button if button.key == "sweep:pareto:run").disabled

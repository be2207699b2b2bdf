"""The Streamlit app, driven with AppTest: it shows the engine's plan for what the user entered,
says beside an input what is wrong with it, and never raises.

Expected plans come from the engine itself (make_plan on the default scenario with the same
changes written into its document), checked by planner.results.verify; the app must show them.
The default is a programme (runs 1T and 390B, a serving stream, three sites): its runs are edited
in the Workloads tab's table. Mechanics of one run (no plan, whole servers) are shown on a small
scenario uploaded as a planning workbook (builders.ONE_SITE), which plans in a fraction of a second.
"""

import re
from pathlib import Path

import pandas as pd
import pytest
from builders import default_with, edit, scenario
from streamlit.testing.v1 import AppTest

from planner import load_scenario, make_plan
from planner.app.documents import scenario_toml
from planner.exchange.export import workbook_bytes
from planner.inputs.fields import MAX_INPUT_BYTES
from planner.inputs.scenario import OBJECTIVES
from planner.results.verify import verify

APP = str(Path(__file__).parent.parent / "streamlit_app.py")


def engine(changes: dict | None = None):
    """The engine's plan for the default scenario with `changes` (dotted paths) applied."""
    plan = make_plan(default_with(changes))
    assert verify(plan) == []
    return plan


def started() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    return at


RESULT_TABS = ["Charts", "Programme", "Hours", "Limits", "Plan tables", "Sweeps", "Hedge"]  # drawn when open
INPUT_TABS = ["Workloads", "Sites and grid", "Accelerators"]  # drawn on every run


def tab(at: AppTest, label: str):
    return next(tab for tab in at.tabs if tab.label == label)


def opened(at: AppTest, label: str):
    """Open a tab as a click on it does, and run: the app draws a result tab only while it is the
    open one (the tabs' key, "tab", holds the open tab's label). The tab."""
    at.session_state["tab"] = label
    at.run()
    assert not at.exception
    return tab(at, label)


def text_box(at: AppTest, label: str):
    return next(box for box in at.text_input if box.label == label)


def number(text: str) -> float:
    return float(re.search(r"[-+]?[\d,]*\.?\d+(?:e[-+]?\d+)?", text).group().replace(",", ""))


def metrics(at: AppTest) -> dict:
    return {metric.label: metric for metric in at.metric}


def assert_shows(at: AppTest, plan) -> None:
    """The headline is the plan's: every number equal within the rounding it is shown with."""
    assert not at.exception
    shown, summary = metrics(at), plan.summary()
    expected = {
        "Total cost": summary["total_cost_jpy"] / 1e9,
        "Energy": summary["energy_mwh"] / 1e3,
        "CO₂": summary["co2_t"] / 1e3,
        **{f"Accelerators at {site}": sum(fleet.values()) for site, fleet in summary["accelerators"].items()},
        **{f"Peak draw at {site}": peak for site, peak in summary["peak_facility_mw"].items()},
    }
    if summary["objective"] == "compute":  # the question's answer: how much compute, how large a model
        assert number(shown.pop("Training compute").value) == pytest.approx(summary["delivered_flop"], rel=5e-3)
        assert number(shown.pop("Largest model").value) == pytest.approx(
            summary["largest_model_parameters"] / 1e9, abs=0.5
        )
    assert set(shown) == {*expected, "Training finishes"}
    assert shown["Training finishes"].value == summary["finish_month"]
    for label, value in expected.items():
        tolerance = 0.5 if label.startswith("Accelerators") else 0.05
        assert number(shown[label].value) == pytest.approx(value, abs=tolerance), label


def errors(at: AppTest) -> list[str]:
    return [error.value for error in at.error]


def seed_table(at: AppTest, key: str, edited_rows: dict, added_rows=()) -> None:
    """Edit a data_editor the way the browser does, before the next run."""
    at.session_state[f"in:{key}"] = {"edited_rows": edited_rows, "added_rows": list(added_rows), "deleted_rows": []}


RUN_ROWS = {"1T": 0, "390B": 1}  # the default's runs, in the Workloads tab's table as in its file
EARLIER = {"runs.1T.deadline": "2027-07"}  # the 1T run due two months before the default's 2027-09


def edit_run(at: AppTest, run: str, cells: dict) -> None:
    """Edit one run's cells in the Workloads tab's table (column label -> text), before the next run."""
    seed_table(at, "runs", {RUN_ROWS[run]: cells})


def runs_shown(at: AppTest):
    """The plan's runs table as the Plan tables tab shows it, by run."""
    next(box for box in opened(at, "Plan tables").selectbox if box.label == "Table").select("runs").run()
    return tab(at, "Plan tables").dataframe[0].value.set_index("Run")


def upload_small(at: AppTest, changes: dict) -> None:
    """Upload builders.ONE_SITE with `changes` as a planning workbook (an uploaded TOML may name
    catalog accelerators only; the workbook's Inputs sheet holds the test accelerator X1 whole)."""
    data = workbook_bytes(make_plan(scenario(changes), explain_limits=False))
    at.file_uploader[0].set_value(("small.xlsx", data, "application/octet-stream")).run()
    assert not at.exception


def test_default_run_shows_the_engines_plan(default_plan):
    at = started()
    assert verify(default_plan) == []
    assert_shows(at, default_plan)
    # site Existing holds its fleet in service and has no room for more: 4,000 B200 + 6,000 H100
    # (site_profiles/softbank_existing.toml)
    assert metrics(at)["Accelerators at Existing"].value == "10,000"
    assert errors(at) == [] and list(at.warning) == []
    charts = tab(at, "Charts")  # the tab open at first
    assert len(charts.get("vega_lite_chart")) == 8  # compute, spending, and power and fleet at each of 3 sites
    hedge = opened(at, "Hedge")  # issue 17: planned only on its button
    assert [area.label for area in hedge.text_area] == ["Uncertain fields, one FIELD=RANGE per line"]
    for label in RESULT_TABS:  # drawn one at a time, when open
        opened(at, label)
        assert errors(at) == [] and list(at.warning) == [], label


def test_deadline_change_replans_as_the_engine_does():
    at = started()
    edit_run(at, "1T", {"Deadline": "2027-07"})
    at.run()
    assert_shows(at, engine(EARLIER))
    assert metrics(at)["Training finishes"].value <= "2027-07"  # the last run, 1T, by its new deadline
    assert runs_shown(at).at["1T", "Deadline"] == "2027-07"


def test_budget_changes_replan_as_the_engine_does(default_plan):
    # the default gives its money by source (public, private), so the money table's column of
    # money from any source starts blank: FY2026's cell (the first row) says JPY 300 bn arrive
    # then (and none later)
    at = started()
    seed_table(at, "fiscal_years", {0: {"Money arriving": "3e11 JPY"}})
    at.run()
    early_money = {"budget.fiscal_years.FY2026": "3e11 JPY"}
    expected = engine(early_money)
    assert expected.costs.set_index("fiscal_year").at["FY2026", "budget_jpy"] == 3e11
    assert_shows(at, expected)
    next(box for box in opened(at, "Plan tables").selectbox if box.label == "Table").select("costs").run()
    costs = tab(at, "Plan tables").dataframe[0].value.set_index("Fiscal year")
    assert costs.at["FY2026", "Budget arriving (JPY bn)"] == "300.00"  # the app's edit reached its plan

    text_box(at, "Budget").input("1.80e11 JPY").run()  # below the JPY 180.6 bn the default pays
    less = engine({**early_money, "budget.total": "1.80e11 JPY"})
    assert default_plan.summary()["total_cost_jpy"] > 1.80e11 >= less.summary()["total_cost_jpy"] * (1 - 1e-9)
    # less money never lowers the economic cost
    assert less.economic_cost_jpy >= default_plan.economic_cost_jpy * (1 - 1e-9)
    assert_shows(at, less)


def test_an_infeasible_scenario_shows_each_relaxation_the_engine_finds():
    at = started()
    tight = {"workload.deadline": "2027-01", "budget.total": "1e9 JPY"}
    upload_small(at, tight)
    plan = make_plan(scenario(tight))
    assert plan.status == "infeasible"
    works = plan.relaxations.dropna(subset=["amount"])
    assert {"a later deadline", "more money", "a smaller run"} <= set(works["option"])
    explanation = next(error for error in errors(at) if error.startswith("**No plan: "))
    assert "Each of these alone would give one" in explanation
    for row in works.itertuples():
        assert f"**{row.option}**" in explanation and row.description in explanation
    # By hand: X1 trains at 1e15 x 0.5 = 5e14 FLOP/s and costs JPY 1e7, and 1.2 kW (1 kW x PUE
    # 1.2) at 20 JPY/kWh. All in January (744 h): 1e24 / (5e14 x 2.6784e6 s) = 746.7 X1, JPY 7.467 bn
    # + 746.7 x 1.2 x 744 x 20 = 0.013 bn: 7.4805 bn, 6.4805 bn more than the 1.0 bn, shown rounded up.
    assert "total budget JPY 1.0 bn: + JPY 6.49 bn" in explanation
    # January to August (243 days, 2.0995e7 s): 95.3 X1, JPY 0.953 bn + 0.013 bn fits; to July
    # (212 days) 109.2 X1 do not
    assert "deadline 2027-08 instead of 2027-01 (+7 months)" in explanation
    # JPY 1e9 / (1e7 + 1.2 x 744 x 20) = 99.8 X1 in January: 99.8 / 746.7 = 13.4% of the run
    assert "the largest run that fits is 13.4% of training run" in explanation
    assert list(at.metric) == [] and not at.exception


# the small scenario's run by its size, so the compute objective names the largest model: 6 x 1e10
# parameters x 2e11 tokens = 1.2e22 FLOP. (The finish objective takes ~50 s on the programme default.)
BY_SIZE = {"workload.compute": None, "workload.parameters": "1e10", "workload.tokens_per_parameter": 20}


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_each_objective_plans_as_the_engine_does(objective):
    at = started()
    upload_small(at, BY_SIZE)
    box = next(box for box in at.selectbox if box.label == "Objective")
    assert box.options == list(OBJECTIVES)
    box.select(objective).run()
    expected = make_plan(scenario({**BY_SIZE, "objective": objective}))
    assert verify(expected) == []
    assert_shows(at, expected)


def test_grid_limit_change_replans_as_the_engine_does(default_scenario, default_plan):
    at = started()
    seed_table(at, "grid", {6: {"Grid import": "20 MW"}})  # site Existing's one phase, 22 MW in the profile
    at.run()
    phases = default_scenario.document()["sites"]["Existing"]["grid_phases"]
    expected = engine({"sites.Existing.grid_phases": [{**phases[0], "grid_import": "20 MW"}]})
    # its fleet all busy draws (4,000 x 1.95 kW + 6,000 x 1.45 kW) x PUE 1.3 = 21.45 MW: the new limit binds
    assert default_plan.summary()["peak_facility_mw"]["Existing"] == pytest.approx(21.45)
    assert expected.summary()["peak_facility_mw"]["Existing"] == pytest.approx(20.0)
    assert_shows(at, expected)


def test_a_site_switched_off_and_accelerators_disallowed_replan_as_the_engine_does():
    # edits in three tables at once: the 1T run narrowed to the GB300 and given until 2027-11,
    # Tomakomai switched off, the GB200 (no run's type) disallowed
    at = started()
    edit_run(at, "1T", {"Accelerators": "GB300", "Deadline": "2027-11"})
    seed_table(at, "sites", {0: {"In plan": False}})
    seed_table(at, "accelerators", {6: {"Allowed": False}})  # GB200
    at.run()
    expected = engine({"runs.1T.accelerators": ["GB300"], "runs.1T.deadline": "2027-11", "sites.Tomakomai": None,
                       "accelerators.GB200": None})
    assert_shows(at, expected)
    assert "GB200" not in {name for fleet in expected.summary()["accelerators"].values() for name in fleet}
    # the 1T run trains on its one type at one site: Sakai, as the Existing site has no room to buy
    assert runs_shown(at).loc["1T", ["Accelerator type", "Sites"]].tolist() == ["GB300", "Sakai"]


def test_switching_off_a_site_plans_the_run_on_the_other(default_plan):
    # issue 15: there is no anchor site to name again; the run is on one site or another
    assert default_plan.runs.set_index("run").at["1T", "sites"] == "Sakai"
    at = started()
    seed_table(at, "sites", {1: {"In plan": False}})  # Sakai
    at.run()
    assert not at.exception
    assert errors(at) == []  # the Sweeps tab, closed, is not drawn
    opened(at, "Sweeps")
    (sweep_line,) = errors(at)  # only the Sweeps tab's example line, which varies the site switched off
    assert sweep_line.startswith("Line 2: sites.Sakai.electricity_price: expected a value written in the scenario")
    assert_shows(at, engine({"sites.Sakai": None}))
    assert runs_shown(at).at["1T", "Sites"] == "Tomakomai"  # of the new sites, the one left


@pytest.mark.parametrize(
    "label, value, message",
    [
        ("Budget", "350 MW", "budget.total: expected an amount of money (e.g. '2e12 JPY'), found '350 MW' (a power)"),
        ("Exchange rate", "150 JPY", "exchange_rate: expected an exchange rate (e.g. '150 JPY/USD')"),
        # cells of the 1T run in the Workloads tab's table
        ("Deadline", "May 2027", "runs.1T.deadline: expected a month as 'YYYY-MM' (e.g. '2027-04'), found 'May 2027'"),
        ("Parameters", "-1e12", "runs.1T.parameters: expected a count at least 1 and at most 1e+16"),
        ("Availability", "1.5", "runs.1T.availability: expected a fraction at least 0.01 and at most 1"),
    ],
)
def test_a_bad_value_shows_its_error_and_the_rest_keeps_working(label, value, message):
    at = started()
    if label in ("Budget", "Exchange rate"):
        text_box(at, label).input(value)
    else:
        edit_run(at, "1T", {label: value})
    text_box(at, "Planning until").input("2031-06")  # a valid change alongside: it must still apply
    at.run()
    assert not at.exception
    assert [e for e in errors(at) if message in e], errors(at)
    assert at.warning[0].value.startswith("1 input not used")
    assert_shows(at, engine({"horizon.end": "2031-06"}))


def test_negative_grid_import_in_the_table_is_refused(default_plan):
    at = started()
    seed_table(at, "grid", {3: {"Grid import": "-150 MW"}})
    at.run()
    assert any(e.startswith("sites.Sakai.grid_phases[0].grid_import: expected a value more than 0") for e in errors(at))
    assert_shows(at, default_plan)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"name = [unclosed", "expected valid TOML, found a syntax error"),
        (b"x" * (MAX_INPUT_BYTES + 1), f"expected a file of at most {MAX_INPUT_BYTES} bytes"),
        (
            scenario_toml(edit(load_scenario().document(), {"accelerators.X999": {}})).encode(),
            "accelerators.X999: expected an accelerator of the catalog",
        ),
    ],
    ids=["unparseable", "too large", "unknown accelerator"],
)
def test_a_bad_upload_is_refused_and_the_default_planned(content, message, default_plan):
    at = started()
    at.file_uploader[0].set_value(("mine.toml", content, "application/toml")).run()
    assert not at.exception
    assert [e for e in errors(at) if e.startswith("mine.toml was not loaded: ") and message in e], errors(at)
    assert_shows(at, default_plan)


def test_an_uploaded_scenario_is_planned_and_fills_the_inputs(default_plan):
    at = started()
    text_box(at, "Budget").input("5e11 JPY").run()
    changes = {**EARLIER, "budget.total": "2e11 JPY"}
    content = scenario_toml(edit(load_scenario().document(), changes)).encode()
    at.file_uploader[0].set_value(("later.toml", content, "application/toml")).run()
    runs = tab(at, "Workloads").dataframe[0].value.set_index("Run")
    assert runs.at["1T", "Deadline"] == "2027-07"
    assert text_box(at, "Budget").value == "2e11 JPY"  # the file's value, not the one typed before
    assert_shows(at, engine(changes))
    at.file_uploader[0].set_value(None).run()
    assert_shows(at, default_plan)


def test_pinned_plan_is_compared_with_the_next(default_plan):
    at = started()
    next(button for button in at.button if button.label == "Pin this plan").click().run()
    edit_run(at, "1T", {"Deadline": "2027-07"})
    at.run()
    earlier = engine(EARLIER)
    assert_shows(at, earlier)
    shown, now, before = metrics(at), earlier.summary(), default_plan.summary()
    assert number(shown["Total cost"].delta) == pytest.approx(
        (now["total_cost_jpy"] - before["total_cost_jpy"]) / 1e9, abs=0.05
    )
    months = (pd.Period(now["finish_month"], "M") - pd.Period(before["finish_month"], "M")).n
    assert months < 0 and shown["Training finishes"].delta == f"{months:+d} months"
    for site, fleet in now["accelerators"].items():
        change = sum(fleet.values()) - sum(before["accelerators"][site].values())
        assert number(shown[f"Accelerators at {site}"].delta) == pytest.approx(change, abs=0.5)
    assert any(expander.label.startswith("Compared with the pinned plan: 1 input differ") for expander in at.expander)
    next(button for button in at.button if button.label == "Unpin").click().run()
    assert all(metric.delta in (None, "") for metric in at.metric)


def test_whole_servers_and_racks_plan_as_the_engine_does():
    at = started()
    upload_small(at, {})
    next(box for box in at.checkbox if box.label == "Whole servers and racks").check().run()
    expected = make_plan(scenario({"solver.integer": True}))
    assert verify(expected) == []
    assert_shows(at, expected)
    # 1e24 FLOP over 2027 at 5e14 FLOP/s each: 1e24 / (5e14 x 3.1536e7 s) = 63.4 X1, in whole
    # servers of 8: 64
    assert metrics(at)["Accelerators at Alpha"].value == "64"
    assert any(caption.value.startswith("Whole servers and racks: MIP gap") for caption in at.caption)
    relaxation = ("Prices of the LP relaxation: servers and racks in fractions, "
                  "as a plan in whole units has no shadow prices of its own.")
    assert relaxation in [caption.value for caption in opened(at, "Limits").caption]


def test_comparing_with_the_run_rules_relaxed_shows_the_engines_alternatives(default_scenario):
    at = started()
    assert len(opened(at, "Programme").dataframe) == 0  # off: not planned
    at.toggle(key="compare rules").set_value(True).run()
    expected = make_plan(default_scenario, compare_rules=True)
    assert verify(expected) == []
    alternatives = expected.alternatives
    assert not alternatives.empty and (alternatives["status"] == "optimal").all()
    assert_shows(at, expected)  # the plan itself is the same
    shown = tab(at, "Programme").dataframe[0].value
    assert list(shown["Alternative"]) == list(alternatives["alternative"])
    assert [number(cost) for cost in shown["Economic cost (JPY bn)"]] == pytest.approx(
        list(alternatives["economic_cost_jpy"] / 1e9), abs=0.005
    )
    assert [number(cost) for cost in shown["Against this plan (JPY bn)"]] == pytest.approx(
        list(alternatives["difference_jpy"] / 1e9), abs=0.0005
    )
    # each against the plan's own economic cost
    assert list(alternatives["difference_jpy"]) == pytest.approx(
        list(alternatives["economic_cost_jpy"] - expected.economic_cost_jpy), abs=1e6
    )
    opened(at, "Charts")  # the toggle, closed with its tab, still re-plans with the rules relaxed
    assert at.session_state["compare rules"] and len(tab(at, "Programme").dataframe) == 0
    assert list(opened(at, "Programme").dataframe[0].value["Alternative"]) == list(alternatives["alternative"])


def drawn(at: AppTest) -> set[str]:
    """The app's tabs that hold something (the Sweeps tab's own tabs left out)."""
    return {tab.label for tab in at.tabs if tab.label in RESULT_TABS + INPUT_TABS and tab.children}


def test_only_the_open_result_tab_is_drawn_and_the_inputs_in_the_others_keep_their_values():
    # the app draws only the open result tab, to answer a change within 1 s (benchmarks/bench_app.py);
    # the input tabs are drawn on every run, as their tables feed the plan
    at = started()
    assert at.session_state["tab"] == "Charts" and drawn(at) == {"Charts", *INPUT_TABS}
    for label in RESULT_TABS:
        opened(at, label)
        assert drawn(at) == {label, *INPUT_TABS}, label

    values = {"table_shown": "costs", "typical_month": "2027-01", "in:sweep_ranges": "budget.total=3e11 JPY..5e11 JPY:3",
              "in:sweep_samples": 8, "in:sweep_seed": 11, "in:sweep_stratified": True, "in:sweep_metric": "co2_t",
              "in:sweep_budgets": "2e11 JPY..8e11 JPY:3", "hedge:ranges": "budget.total=uniform(1.6e11 JPY, 2e11 JPY)",
              "hedge:draws": 3, "hedge:seed": 8, "hedge:decision": "2027-06", "hedge:risk": 0.5, "hedge:alpha": 0.8,
              "hedge:late": "1e9 JPY"}
    assert all(at.session_state[key] != value for key, value in values.items())  # each tab's own, kept since drawn
    opened(at, "Plan tables").selectbox(key="table_shown").select(values["table_shown"]).run()
    opened(at, "Hours").select_slider(key="typical_month").set_value(values["typical_month"]).run()
    opened(at, "Sweeps")
    for key in ("in:sweep_samples", "in:sweep_seed"):
        at.number_input(key=key).set_value(values[key])
    at.text_area(key="in:sweep_ranges").input(values["in:sweep_ranges"])
    at.checkbox(key="in:sweep_stratified").check()
    at.selectbox(key="in:sweep_metric").select(values["in:sweep_metric"])
    at.text_input(key="in:sweep_budgets").input(values["in:sweep_budgets"]).run()
    opened(at, "Hedge")
    for key in ("hedge:draws", "hedge:seed", "hedge:risk", "hedge:alpha"):
        at.number_input(key=key).set_value(values[key])
    at.text_area(key="hedge:ranges").input(values["hedge:ranges"])
    for key in ("hedge:decision", "hedge:late"):
        at.text_input(key=key).input(values[key])
    at.run()
    assert not at.exception

    opened(at, "Workloads")  # every result tab closed, and a re-plan meanwhile
    text_box(at, "Budget").input("1.80e11 JPY").run()
    assert_shows(at, engine({"budget.total": "1.80e11 JPY"}))
    assert drawn(at) == set(INPUT_TABS)
    assert {key: at.session_state[key] for key in values} == values
    for label, keys in (("Plan tables", ["table_shown"]), ("Hours", ["typical_month"]),
                        ("Sweeps", [key for key in values if key.startswith("in:")]),
                        ("Hedge", [key for key in values if key.startswith("hedge:")])):
        opened(at, label)
        widgets = {widget.key: widget.value for widget in tab(at, label) if getattr(widget, "key", None) in keys}
        assert widgets == {key: values[key] for key in keys}, label
    assert "Fiscal year" in opened(at, "Plan tables").dataframe[0].value  # the table chosen is the one shown

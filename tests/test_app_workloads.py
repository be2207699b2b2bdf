"""The app's workloads (issue 13, item 7): the runs and serving streams edited as tables, with a
message for each bad value and never a traceback, and the programme drawn: runs against their
deadlines, cost per run, the fleet by vintage, cash by source against the money available.

Scenarios are small ones built in code, uploaded as planning workbooks (an upload names no
catalog file, and a workbook's Inputs sheet holds the accelerators whole)."""

from pathlib import Path

import pandas as pd
import pytest
from builders import planned, programme
from streamlit.testing.v1 import AppTest
from test_app import opened, tab
from test_app_sweeps import datasets
from test_workbook_programme import PROGRAMME, RUN

from planner.app import programme_charts
from planner.exchange.export import workbook_bytes

APP = str(Path(__file__).parent.parent / "streamlit_app.py")
ONE_RUN = {"workload": None, "horizon": {"start": "2027-11", "end": "2028-06"}, "runs.A": RUN}


def uploaded(changes: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.file_uploader[0].set_value(("small.xlsx", workbook_bytes(planned(programme(changes))), "application/octet-stream")).run()
    assert not at.exception
    return at


def errors(at: AppTest) -> list[str]:
    """Errors outside the Sweeps and Hedge tabs (whose example ranges name the shipped default's fields)."""
    examples = {error.value for label in ("Sweeps", "Hedge") for error in tab(at, label).error}
    return [error.value for error in at.error if error.value not in examples]


def seed(at: AppTest, key: str, edited=None, added=(), deleted=()) -> AppTest:
    """Edit a data_editor the way the browser does, then run."""
    at.session_state[f"in:{key}"] = {"edited_rows": edited or {}, "added_rows": list(added), "deleted_rows": list(deleted)}
    at.run()
    assert not at.exception
    return at


def runs_shown(at: AppTest) -> pd.DataFrame:
    next(box for box in opened(at, "Plan tables").selectbox if box.label == "Table").select("runs").run()
    return tab(at, "Plan tables").dataframe[0].value.set_index("Run")


def test_a_programme_shows_its_runs_costs_vintages_and_cash():
    at = uploaded(PROGRAMME)
    assert errors(at) == []
    assert len(opened(at, "Programme").get("vega_lite_chart")) == 4  # Gantt, cost per run, vintage, cash
    runs = tab(at, "Workloads").dataframe
    assert list(runs[0].value["Run"]) == ["A", "B"] and list(runs[1].value["Stream"]) == ["chat"]
    assert "Parameters" not in [box.label for box in at.text_input]  # the runs are edited in their table
    shown = runs_shown(at)
    expected = planned(programme(PROGRAMME)).runs.set_index("run")
    assert shown.loc["B", ["Start", "Finish", "Deadline"]].tolist() == expected.loc["B", ["start", "finish", "deadline"]].tolist()


def test_the_programme_charts_draw_the_plans_tables():
    plan = planned(programme(PROGRAMME))
    gantt = programme_charts.runs_frame(plan).set_index("run")
    # A trains in November 2027 only (deadline 2027-11): its bar and its deadline end on 1 December
    assert gantt.loc["A", ["start", "end", "deadline"]].tolist() == [pd.Timestamp("2027-11-01"), pd.Timestamp("2027-12-01"),
                                                                     pd.Timestamp("2027-12-01")]
    vintage = programme_charts.vintage_frame(plan)
    november = vintage[vintage["month"] == pd.Timestamp("2027-11-01")].set_index("bought")["accelerators"]
    # 1e24 FLOP / (5e14 FLOP/s x 30 days) = 771.6 X1 in November: the 100 existing and 671.6 bought then
    assert november["existing"] == 100
    assert november["2027-11"] == pytest.approx(1e24 / (5e14 * 30 * 86400) - 100, rel=1e-6)
    cash = programme_charts.cash_frame(plan).set_index(["fiscal_year", "source"])
    assert cash.loc[("FY2027", "public"), "arriving_bn"] == 5.0
    costs = programme_charts.run_cost_frame(plan).set_index("run")["cost_bn"]
    assert costs.tolist() == pytest.approx((plan.runs["attributed_cost_jpy"] / 1e9).tolist())


def test_money_by_source_edited_in_the_sidebar_replans_the_programme():
    # FY2027's public money (the money table's first row) cut from JPY 5 bn to 2 bn: the cash
    # chart draws the engine's plan for the same edit, with JPY 2 bn of public money arriving
    at = seed(uploaded(PROGRAMME), "fiscal_years", edited={0: {"Public money": "2e9 JPY"}})
    assert errors(at) == []
    expected = planned(programme({**PROGRAMME, "budget.public": {"FY2027": "2e9 JPY", "FY2028": "1e10 JPY"}}))
    cash = programme_charts.cash_frame(expected)
    public = cash.set_index(["fiscal_year", "source"]).loc[("FY2027", "public")]
    assert public["arriving_bn"] == 2.0 and public["paid_bn"] <= 2.0 * (1 + 1e-9)
    (chart,) = [chart for chart in opened(at, "Programme").get("vega_lite_chart") if "Cash by source" in chart.proto.spec]
    drawn = max(datasets(chart), key=len)  # the bars' (the ticks' leave out years without money)
    pd.testing.assert_frame_equal(drawn[list(cash.columns)], cash.reset_index(drop=True), check_dtype=False)


def test_a_run_added_in_the_table_is_planned_after_the_other():
    at = uploaded(ONE_RUN)
    row = {"Run": "B", "Compute": "1e24 FLOP", "Availability": "1", "Earliest start": "2027-11", "Deadline": "2027-12",
           "After": "A", "Accelerators": "X1"}
    seed(at, "runs", added=[row])
    assert errors(at) == []
    expected = planned(programme({**ONE_RUN, "runs.B": {**RUN, "deadline": "2027-12", "after": "A"}})).runs.set_index("run")
    shown = runs_shown(at)
    assert list(shown.index) == ["A", "B"]
    assert shown.loc["B", ["Start", "Finish"]].tolist() == expected.loc["B", ["start", "finish"]].tolist() == ["2027-12", "2027-12"]


def test_a_single_workload_edited_in_the_table_keeps_its_form():
    # the shipped form: one [workload]; its deadline moved in the table is the sidebar's deadline
    at = uploaded({"horizon": {"start": "2027-11", "end": "2028-06"}, "workload": RUN})
    assert list(tab(at, "Workloads").dataframe[0].value["Run"]) == ["training run"]
    seed(at, "runs", edited={0: {"Deadline": "2028-02"}})
    assert errors(at) == []
    assert runs_shown(at).loc["training run", "Deadline"] == "2028-02"


@pytest.mark.parametrize("key, edited, added, words", [
    ("runs", {0: {"Availability": "1.5"}}, [], "runs.A.availability: expected a fraction at least 0.01 and at most 1"),
    ("runs", {}, [{"Run": "A", "Compute": "1e24 FLOP"}], "runs: expected each run once, by a name, found A given twice"),
    ("runs", {0: {"After": "Z"}}, [], "expected runs.A.after to name another run ['A', 'B'], found 'Z'"),
    ("runs", {0: {"Accelerators": "X1, H999"}}, [], "expected runs.A.accelerators to list accelerators of the scenario"),
    ("runs", {0: {"Deadline": "=1+1"}}, [], "runs.A.deadline"),
    ("inference", {0: {"Demand": "lots"}}, [], "inference.chat.demand: expected a quantity"),
    ("inference", {0: {"Demand": "FY2027=1e6 token/s; soon=2e6 token/s"}}, [], "expected steps named like 'FY2027' or '2027-10'"),
    ("inference", {}, [{"Stream": "", "Start": "2028-01"}], "expected each stream once, by a name, found a row without a stream name"),
])
def test_a_bad_workload_value_is_a_message_beside_its_table(key, edited, added, words):
    at = uploaded(PROGRAMME)
    seed(at, key, edited=edited, added=added)
    assert any(words in error for error in errors(at)), errors(at)
    assert any(warning.value.startswith("1 input not used") for warning in at.warning)
    assert list(at.metric)  # the plan of the scenario without that edit is still shown


def test_removing_every_run_says_a_run_is_needed():
    at = uploaded(PROGRAMME)
    seed(at, "runs", deleted=[0, 1])
    assert any("expected either a [workload] table or [runs.NAME] tables, found neither" in e for e in errors(at)), errors(at)
    assert list(at.metric)


def test_a_sidebar_edit_of_a_workload_the_table_turns_into_runs_is_set_aside_with_a_message():
    # the [workload] becomes [runs.NAME] tables when a run is added: the sidebar's deadline, an
    # edit of the removed [workload], would be lost, so it is refused beside its box
    at = uploaded({"horizon": {"start": "2027-11", "end": "2028-06"}, "workload": RUN})
    next(box for box in at.text_input if box.label == "Deadline").input("2028-02")
    row = {"Run": "B", "Compute": "1e24 FLOP", "Availability": "1", "Earliest start": "2027-12", "Deadline": "2027-12"}
    seed(at, "runs", added=[row])
    assert any("this run's fields edited in the Workloads table" in e for e in errors(at)), errors(at)
    shown = runs_shown(at)
    assert list(shown.index) == ["training run", "B"] and shown.loc["training run", "Deadline"] == "2027-11"

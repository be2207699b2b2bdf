"""The Streamlit app, driven with AppTest: it shows the engine's plan for what the user entered,
says beside an input what is wrong with it, and never raises.

Expected plans come from the engine itself (make_plan on the default scenario with the same
changes written into its document), checked by planner.results.verify; the app must show them.
"""

import re
from pathlib import Path

import pytest
from builders import default_with, edit
from streamlit.testing.v1 import AppTest

from planner import load_scenario, make_plan
from planner.app.documents import scenario_toml
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


def test_default_run_shows_the_engines_plan(default_plan):
    at = started()
    assert verify(default_plan) == []
    assert_shows(at, default_plan)
    # issue 13: the objective is economic cost, so the cash paid fills the budget (total 4e11 JPY binds)
    assert metrics(at)["Total cost"].value == "JPY 400.0 bn"
    assert errors(at) == [] and list(at.warning) == []
    charts = next(tab for tab in at.tabs if tab.label == "Charts")
    assert len(charts.get("vega_lite_chart")) == 6  # compute, spending, power and fleet at each site
    hedge = next(tab for tab in at.tabs if tab.label == "Hedge")  # issue 17: planned only on its button
    assert [area.label for area in hedge.text_area] == ["Uncertain fields, one FIELD=RANGE per line"]


def test_deadline_change_replans_as_the_engine_does():
    at = started()
    text_box(at, "Deadline").input("2027-07").run()
    assert_shows(at, engine({"workload.deadline": "2027-07"}))
    assert metrics(at)["Training finishes"].value == "2027-07"


def test_budget_changes_replan_as_the_engine_does():
    at = started()
    seed_table(at, "fiscal_years", {0: {"Money arriving": "1.5e11 JPY"}})
    at.run()
    more_early_money = engine({"budget.fiscal_years.FY2026": "1.5e11 JPY"})
    # money arriving earlier never raises the economic cost; the app's edit reached the engine
    assert more_early_money.economic_cost_jpy <= engine().economic_cost_jpy * (1 + 1e-9)
    assert more_early_money.costs.set_index("fiscal_year").at["FY2026", "budget_jpy"] == 1.5e11
    assert_shows(at, more_early_money)

    text_box(at, "Budget").input("3e11 JPY").run()
    assert engine({"budget.fiscal_years.FY2026": "1.5e11 JPY", "budget.total": "3e11 JPY"}).status == "infeasible"
    assert not at.exception and list(at.metric) == []
    assert any(error.startswith("**No plan: ") for error in errors(at))


def test_an_infeasible_scenario_shows_each_relaxation_the_engine_finds():
    at = started()
    text_box(at, "Budget").input("3e11 JPY").run()
    plan = engine({"budget.total": "3e11 JPY"})
    assert plan.status == "infeasible"
    works = plan.relaxations.dropna(subset=["amount"])
    assert {"a later deadline", "more money"} <= set(works["option"])
    explanation = next(error for error in errors(at) if error.startswith("**No plan: "))
    assert "Each of these alone would give one" in explanation
    for row in works.itertuples():
        assert f"**{row.option}**" in explanation and row.description in explanation
    # 391.84 bn needed before the sites' demand charges and price escalation (by hand); these add
    # ~0.27 bn (JPY 1,879 per kW-month on ~72 MW for April and May 2027) and ~0.04 bn (FY2027's
    # electricity at 1.01^2 of the FY2025 price on ~2.1 bn): 392.17 bn
    assert "total budget JPY 350.0 bn: + JPY 42.17 bn" in explanation
    assert list(at.metric) == [] and not at.exception


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_each_objective_plans_as_the_engine_does(objective):
    at = started()
    box = next(box for box in at.selectbox if box.label == "Objective")
    assert box.options == list(OBJECTIVES)
    box.select(objective).run()
    assert_shows(at, engine({"objective": objective}))


def test_grid_limit_change_replans_as_the_engine_does(default_scenario):
    at = started()
    seed_table(at, "grid", {0: {"Grid import": "45 MW"}})  # Tomakomai's first phase, 50 MW in the profile
    at.run()
    phases = default_scenario.document()["sites"]["Tomakomai"]["grid_phases"]
    expected = engine({"sites.Tomakomai.grid_phases": [{**phases[0], "grid_import": "45 MW"}, *phases[1:]]})
    assert expected.summary()["peak_facility_mw"]["Tomakomai"] == pytest.approx(45.0)
    assert_shows(at, expected)


def test_a_site_switched_off_and_accelerators_disallowed_replan_as_the_engine_does():
    at = started()
    text_box(at, "Deadline").input("2027-07")
    seed_table(at, "sites", {1: {"In plan": False}})
    seed_table(at, "accelerators", {6: {"Allowed": False}, 7: {"Allowed": False}})  # GB200, GB300
    at.run()
    expected = engine(
        {"workload.deadline": "2027-07", "sites.Sakai": None, "accelerators.GB200": None, "accelerators.GB300": None}
    )
    assert_shows(at, expected)
    assert list(expected.summary()["accelerators"]["Tomakomai"]) == ["B200"]


def test_switching_off_a_site_plans_the_run_on_the_other():
    # issue 15: there is no anchor site to name again; the run is on one site or split
    at = started()
    text_box(at, "Deadline").input("2027-07")
    seed_table(at, "sites", {0: {"In plan": False}})
    at.run()
    assert not at.exception
    (sweep_line,) = errors(at)  # only the Sweeps tab's example line, which varies the site switched off
    assert sweep_line.startswith("Line 2: sites.Tomakomai.electricity_price: expected a value written in the scenario")
    assert_shows(at, engine({"sites.Tomakomai": None, "workload.deadline": "2027-07"}))


@pytest.mark.parametrize(
    "label, value, message",
    [
        ("Budget", "350 MW", "budget.total: expected an amount of money (e.g. '2e12 JPY'), found '350 MW' (a power)"),
        ("Exchange rate", "150 JPY", "exchange_rate: expected an exchange rate (e.g. '150 JPY/USD')"),
        ("Deadline", "May 2027", "workload.deadline: expected a month as 'YYYY-MM' (e.g. '2027-04'), found 'May 2027'"),
        ("Parameters", "-1e12", "workload.parameters: expected a count at least 1 and at most 1e+16"),
        ("Availability", "1.5", "workload.availability: expected a fraction at least 0.01 and at most 1"),
    ],
)
def test_a_bad_value_shows_its_error_and_the_rest_keeps_working(label, value, message):
    at = started()
    text_box(at, label).input(value)
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
    changes = {"workload.deadline": "2027-07", "budget.total": "2e11 JPY"}
    content = scenario_toml(edit(load_scenario().document(), changes)).encode()
    at.file_uploader[0].set_value(("later.toml", content, "application/toml")).run()
    assert text_box(at, "Deadline").value == "2027-07"
    assert text_box(at, "Budget").value == "2e11 JPY"  # the file's value, not the one typed before
    assert_shows(at, engine(changes))
    at.file_uploader[0].set_value(None).run()
    assert_shows(at, default_plan)


def test_pinned_plan_is_compared_with_the_next(default_plan):
    at = started()
    next(button for button in at.button if button.label == "Pin this plan").click().run()
    text_box(at, "Deadline").input("2027-07").run()
    later = engine({"workload.deadline": "2027-07"})
    assert_shows(at, later)
    shown, now, before = metrics(at), later.summary(), default_plan.summary()
    assert number(shown["Total cost"].delta) == pytest.approx(
        (now["total_cost_jpy"] - before["total_cost_jpy"]) / 1e9, abs=0.05
    )
    assert shown["Training finishes"].delta == "+2 months"
    sakai_before = sum(before["accelerators"]["Sakai"].values())
    assert number(shown["Accelerators at Sakai"].delta) == pytest.approx(-sakai_before, abs=0.5)
    assert any(expander.label.startswith("Compared with the pinned plan: 1 input differ") for expander in at.expander)
    next(button for button in at.button if button.label == "Unpin").click().run()
    assert all(metric.delta in (None, "") for metric in at.metric)


def test_whole_servers_and_racks_plan_as_the_engine_does():
    at = started()
    next(box for box in at.checkbox if box.label == "Whole servers and racks").check().run()
    expected = engine({"solver.integer": True})
    assert_shows(at, expected)
    counts = [count for fleet in expected.summary()["accelerators"].values() for count in fleet.values()]
    assert all(abs(count % 8) < 1e-6 or abs(count % 8 - 8) < 1e-6 for count in counts)  # whole 8-GPU servers at least
    assert any(caption.value.startswith("Whole servers and racks: MIP gap") for caption in at.caption)
    relaxation = ("Prices of the LP relaxation: servers and racks in fractions, "
                  "as a plan in whole units has no shadow prices of its own.")
    assert relaxation in [caption.value for caption in at.caption]

"""Hedged decisions (planner.studies.hedge, `planner hedge`): a two-future hand case with its
closed form, VSS and EVPI never negative, the shared decisions read back from the plans, and
the same futures and answer on one or two workers."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.app.documents import scenario_toml
from planner.inputs.errors import InputError
from planner.studies.hedge import (
    Case,
    Settings,
    cases_from_design,
    cases_from_file,
    cvar,
    hedge,
    solve_cases,
    variant,
    verify_hedge,
)
from planner.studies.ranges import parse_vary
from tests.builders import ONE_SITE, scenario

DAY = 86400.0
H_FLOP = 1000e12 * 0.5 * 30 * DAY  # one H in April 2027 (30 days) at 50% MFU, availability 1
H_PRICE, L_PRICE = 1e7, 5.5e7
DECISION = pd.Period("2027-02", "M")  # January and February are decided now
A, B = 400, 2800  # the futures' needs, in H working through April


def delta(months: int) -> float:
    return 1.04 ** (-months / 12)


def weight(v: int) -> float:
    """What a yen of capex bought in month v (0 = January) weighs: discounted price less the
    discounted residual value at the horizon's end (month 4), straight line over 60 months."""
    return delta(v) - delta(4) * (1 - (4 - v) / 60)


FEB, MAR, APR = weight(1), weight(2), weight(3)

NO_TIMING = {"commissioning_lag": "0 month", "lead_time": "0 month", "price_change": "0 %/year"}

# One site; a run that trains only in April 2027. H (named H100, the file route takes catalog
# names; every figure is given here) can be delivered from January, at most 1000
# a month; L (named B200), as fast but 5.5 times dearer, only from March. No electricity or carbon cost.
HAND = {
    **ONE_SITE,
    "horizon": {"start": "2027-01", "end": "2027-04"},
    # free to mix H and L at no loss (issue 15's one-type rule would keep the large future from it)
    "workload": {"compute": f"{A * H_FLOP!r} FLOP", "availability": 1.0, "earliest_start": "2027-04", "deadline": "2027-04",
                 "mix": True, "mix_efficiency": 1.0},
    "economics": {},
    "sites": {"Alpha": {**ONE_SITE["sites"]["Alpha"], "electricity_price": "0 JPY/kWh", "carbon_intensity": "0 kg/kWh"}},
    "accelerators": {  # timing given too: through a file, the catalog's lags and price changes would fill in
        "H100": {**ONE_SITE["accelerators"]["X1"], **NO_TIMING, "delivery_cap": "1000 / month"},
        "B200": {**ONE_SITE["accelerators"]["X1"], **NO_TIMING, "capex": f"{L_PRICE!r} JPY", "first_delivery": "2027-03"},
    },
}
FUTURES = [Case("small", 0.5, {}), Case("large", 0.5, {"workload.compute": f"{B * H_FLOP!r} FLOP"})]


def hand(changes: dict | None = None):
    return scenario(changes, HAND)


def orders(stage: dict) -> dict:
    """A first stage's purchases that are not zero, by (accelerator, month)."""
    return {(key[2], key[3]): round(value, 6) for key, value in stage.items() if key[0] == "buy" and value > 1e-6}


def test_the_hedged_order_is_the_small_futures_need_not_either_futures_own_plan():
    # Alone, the small future buys its 400 H in April (weight 0.0197): nothing now. The large
    # one fills March and April with H (2000) and buys its other 800 H in February, since L in
    # April costs 5.5 x 0.0197 = 0.108 of H's price against February's 0.059. Together, the
    # first 400 H bought now save the large future 0.108 - 0.059 and cost the small one
    # 0.059 - 0.0197 (so expected slope 0.5 (0.039 - 0.049) < 0); beyond 400 they are waste in
    # the small future (0.059) and expected slope 0.5 (0.059 - 0.049) > 0: the order is 400.
    base, rules = hand(), Settings(DECISION)
    small, large = (solve_cases([variant(base, case.changes, rules)], [1.0], rules) for case in FUTURES)
    assert orders(small.first_stage) == {}
    assert orders(large.first_stage) == {("H100", "2027-02"): 800.0}
    result = hedge(base, FUTURES, rules, workers=1)
    assert result.status == "optimal"
    assert [tuple(row) for row in result.orders[["accelerator", "month", "bought"]].round(6).itertuples(index=False)] == [
        ("H100", "2027-02", 400.0)]
    small_cost = 400 * H_PRICE * FEB
    large_cost = 400 * H_PRICE * FEB + 1000 * H_PRICE * (MAR + APR) + 400 * L_PRICE * APR
    assert result.outcomes["cost_jpy"].tolist() == pytest.approx([small_cost, large_cost], rel=1e-7)
    assert result.objective_jpy == pytest.approx(0.5 * (small_cost + large_cost), rel=1e-7)
    # the expected future needs 1600 H: March and April hold it, so its plan orders nothing now,
    # and the large future then buys 800 L
    assert result.expected_case.changes == {"workload.compute": f"{(A + B) / 2 * H_FLOP!r} FLOP"}
    assert result.expected_value_orders.empty
    eev = 0.5 * (400 * H_PRICE * APR + 1000 * H_PRICE * (MAR + APR) + 800 * L_PRICE * APR)
    assert result.eev_jpy == pytest.approx(eev, rel=1e-7)
    assert result.vss_jpy == pytest.approx(eev - result.objective_jpy, rel=1e-6)
    ws = 0.5 * (400 * H_PRICE * APR + 800 * H_PRICE * FEB + 1000 * H_PRICE * (MAR + APR))
    assert result.ws_jpy == pytest.approx(ws, rel=1e-7)
    assert result.evpi_jpy == pytest.approx(result.objective_jpy - ws, rel=1e-6)
    assert verify_hedge(result) == []


def test_a_risk_weight_orders_more_now_for_the_costly_future():
    # With CVaR at alpha 0.5 the large future is the worst half: lambda = 1 weighs it 1.5 to the
    # small one's 0.5, so H now saves 1.5 x 0.049 against 0.5 x 0.059 of waste: order all 800.
    result = hedge(hand(), FUTURES, Settings(DECISION, risk_weight=1.0, alpha=0.5), workers=1)
    assert result.orders["bought"].sum() == pytest.approx(800.0, rel=1e-7)
    costs = result.outcomes["cost_jpy"].to_numpy()
    assert result.cvar_jpy == pytest.approx(costs.max(), rel=1e-9)
    assert result.objective_jpy == pytest.approx(costs.mean() + costs.max(), rel=1e-7)


def test_priced_deadlines_charge_the_penalty_per_month_late_on_each_share_of_compute():
    # Without L, and needing 4500 H-months when at most 4000 H (1000 a month) can be in service
    # in April, the large future has no plan by its deadline; priced, it trains into May and
    # June, and its charge is the penalty x months late x share of its compute, read from the plan.
    base = hand({"accelerators.B200.first_delivery": "2030-01", "horizon.end": "2027-06"})
    futures = [FUTURES[0], Case("large", 0.5, {"workload.compute": f"{4500 * H_FLOP!r} FLOP"})]
    assert hedge(base, futures, Settings(DECISION), workers=1).status == "infeasible"
    penalty = 3e9
    result = hedge(base, futures, Settings(DECISION, late_penalty=penalty), workers=1)
    assert result.status == "optimal" and verify_hedge(result) == []
    outcomes = result.outcomes.set_index("case")
    for case, plan in zip(result.cases, result.plans):
        compute = plan.compute.set_index("month")["delivered_flop"]
        months_late = {"2027-05": 1, "2027-06": 2}
        expected = penalty * sum(n * compute.get(month, 0.0) for month, n in months_late.items()) / compute.sum()
        assert outcomes.loc[case.name, "late_charge_jpy"] == pytest.approx(expected, rel=1e-6, abs=1e-3)
    assert outcomes.loc["large", "late_charge_jpy"] > 0 and outcomes.loc["large", "months_late"] >= 1
    assert outcomes.loc["large", "cost_jpy"] == pytest.approx(
        outcomes.loc["large", "economic_cost_jpy"] + outcomes.loc["large", "late_charge_jpy"], rel=1e-9)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(large=st.integers(1200, 3600), l_price=st.sampled_from([3e7, 5.5e7, 9e7]), p=st.sampled_from([0.2, 0.5, 0.8]),
       risk=st.sampled_from([0.0, 0.7]))
def test_the_stochastic_solution_and_perfect_information_are_worth_zero_or_more(large, l_price, p, risk):
    base = hand({"accelerators.B200.capex": f"{l_price!r} JPY"})
    futures = [Case("small", p, {}), Case("large", 1 - p, {"workload.compute": f"{large * H_FLOP!r} FLOP"})]
    result = hedge(base, futures, Settings(DECISION, risk_weight=risk), workers=1)
    slack = 1e-6 * abs(result.objective_jpy)
    assert result.evpi_jpy >= -slack
    assert (result.vss_jpy is None and "no plan" in result.vss_note) or result.vss_jpy >= -slack


def test_verify_reads_the_shared_decisions_from_the_plans_and_names_one_that_differs():
    result = hedge(hand(), FUTURES, Settings(DECISION), workers=1)
    fleet = result.plans[1].fleet
    feb = (fleet["accelerator"] == "H100") & (fleet["month"] == "2027-02")
    fleet.loc[feb, "delivered"] += 1.0
    problems = verify_hedge(result)
    assert any("large: delivered at Alpha H100 2027-02 is 401" in problem and "small has 400" in problem for problem in problems)


def test_the_same_seed_gives_the_same_futures_and_answer_on_one_or_two_workers_or_a_dask_cluster():
    base = hand()
    varies = [parse_vary("workload.compute=uniform(5e23 FLOP, 3.6e24 FLOP)", base)]
    cases, seed = cases_from_design(varies, 3, 11)
    assert seed == 11 and cases == cases_from_design(varies, 3, 11)[0]
    one = hedge(base, cases, Settings(DECISION), workers=1)
    two = hedge(base, cases, Settings(DECISION), workers=2)
    pd.testing.assert_frame_equal(one.orders, two.orders)
    pd.testing.assert_frame_equal(one.outcomes, two.outcomes)
    pd.testing.assert_frame_equal(one.wait_and_see, two.wait_and_see)
    assert one.evpi_jpy == two.evpi_jpy and one.vss_jpy == two.vss_jpy
    import distributed

    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            on_cluster = hedge(base, cases, Settings(DECISION), executor=client.get_executor())
    pd.testing.assert_frame_equal(one.wait_and_see, on_cluster.wait_and_see)
    assert one.evpi_jpy == on_cluster.evpi_jpy


def test_cvar_is_the_mean_of_the_worst_tail():
    assert cvar([1.0, 2.0, 3.0, 4.0], [0.25] * 4, 0.5) == pytest.approx(3.5)
    assert cvar([1.0, 5.0], [0.9, 0.1], 0.95) == pytest.approx(5.0)
    assert cvar([1.0, 5.0], [0.5, 0.5], 0.0) == pytest.approx(3.0)


def test_a_cases_file_takes_quoted_or_nested_paths_and_refuses_probabilities_that_do_not_sum_to_one(tmp_path):
    path = tmp_path / "cases.toml"
    path.write_text('[cases.slow]\nprobability = 0.3\naccelerators.H100.mfu = 0.4\n'
                    '[cases.fast]\nprobability = 0.7\n"accelerators.H100.mfu" = 0.6\n')
    cases = cases_from_file(path)
    assert cases == [Case("slow", 0.3, {"accelerators.H100.mfu": 0.4}), Case("fast", 0.7, {"accelerators.H100.mfu": 0.6})]
    with pytest.raises(InputError, match="case probabilities that sum to 1, found a sum of 0.9"):
        hedge(hand(), [Case("a", 0.3, {}), Case("b", 0.6, {})], Settings(DECISION), workers=1)
    with pytest.raises(InputError, match="field 'objective'.*case 'b' varies it"):
        hedge(hand(), [Case("a", 0.5, {}), Case("b", 0.5, {"objective": "finish"})], Settings(DECISION), workers=1)
    path.write_text('[cases.slow]\nprobability = "half"\n')
    with pytest.raises(InputError, match=r"cases.toml: field 'cases.slow.probability': expected a probability above 0"):
        cases_from_file(path)


def run(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_planner_hedge_prints_one_json_document_and_refuses_a_decision_outside_the_horizon(tmp_path):
    (tmp_path / "hand.toml").write_text(scenario_toml(hand().document()))
    (tmp_path / "cases.toml").write_text('[cases.small]\nprobability = 0.5\n'
                                         f'[cases.large]\nprobability = 0.5\n"workload.compute" = "{B * H_FLOP!r} FLOP"\n')
    done = run("hedge", "hand.toml", "--cases", "cases.toml", "--decision", "2027-02", "--workers", "1", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [(o["accelerator"], o["month"], round(o["bought"], 6)) for o in answer["orders"]] == [("H100", "2027-02", 400.0)]
    assert answer["vss_jpy"] > 0 and answer["evpi_jpy"] > 0
    bad = run("hedge", "hand.toml", "--cases", "cases.toml", "--decision", "2031-02", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip() == "error: field '--decision': expected a month of the horizon, 2027-01 to 2027-04, found 2031-02"


def test_the_app_tab_plans_a_hedge_and_shows_a_bad_decision_month_on_screen():
    from streamlit.testing.v1 import AppTest

    def app():
        from planner.app.hedge_view import draw_hedge
        from planner.app.sweep_views import read_ranges
        from tests.test_hedge import hand

        draw_hedge(hand(), "hand", lambda text: read_ranges(text, hand()))

    at = AppTest.from_function(app, default_timeout=120).run()
    assert at.text_input(key="hedge:decision").value == "2027-03"  # the end of the first fiscal year
    assert at.button(key="hedge:run").disabled  # the example's VR200 is not in this scenario
    assert at.error[0].value.startswith("Line 1: accelerators.VR200.")
    at.text_area(key="hedge:ranges").set_value("workload.compute=uniform(5e23 FLOP, 3.6e24 FLOP)")
    at.number_input(key="hedge:draws").set_value(2)
    at.text_input(key="hedge:decision").set_value("2031-02").run()
    at.button(key="hedge:run").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Decision month: expected a month of the horizon, 2027-01 to 2027-04, found 2031-02"]
    at.text_input(key="hedge:decision").set_value("2027-02")
    at.button(key="hedge:run").click().run()
    assert not at.exception and not at.error
    assert [m.label for m in at.metric] == ["Expected cost", "Value of the stochastic solution", "Value of perfect information"]
    assert at.metric[0].value.startswith("JPY ")


def test_a_distribution_without_draws_is_refused_under_the_flag_hedge_calls_it(capsys):
    from planner.cli.main import main

    assert main(["hedge", "--vary", "accelerators.GB200.mfu=uniform(0.3, 0.45)", "--decision", "2027-03"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("error: field '--draws': expected a number of draws for the distributions of "
                            "accelerators.GB200.mfu, found none\n")


def test_the_hedge_sheet_holds_the_headline_the_shared_orders_and_each_future(tmp_path):
    import io

    import openpyxl

    from planner.exchange.hedge_sheet import hedge_workbook_bytes

    result = hedge(hand(), FUTURES, Settings(DECISION), workers=1)
    sheet = openpyxl.load_workbook(io.BytesIO(hedge_workbook_bytes(result.summary(), result.orders, result.outcomes)))["Hedge"]
    rows = [row for row in sheet.iter_rows(values_only=True) if any(cell is not None for cell in row)]
    headline = {row[0]: row[1] for row in rows[:20]}
    assert headline["decision"] == "2027-02" and headline["deadlines"] == "hard"
    assert headline["objective (JPY bn)"] == pytest.approx(result.objective_jpy / 1e9, rel=1e-12)
    assert headline["vss (JPY bn)"] == pytest.approx(result.vss_jpy / 1e9, rel=1e-12)
    assert [row[:4] for row in rows if row[0] == "Alpha"] == [("Alpha", "H100", "2027-02", pytest.approx(400.0))]
    futures = {row[0]: row for row in rows if row[0] in ("small", "large")}
    assert futures["large"][3] == pytest.approx(result.outcomes["cost_jpy"][1] / 1e9, rel=1e-12)

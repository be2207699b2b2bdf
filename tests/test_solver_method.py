"""HiGHS's method chosen by the LP's size (issue 14, item 2): simplex below IPM_FROM_COLUMNS (warm
starts in sweeps), the interior-point method with crossover from there on; the plan says which."""

import subprocess
import sys

import pandas as pd
import pytest
from builders import old_default_with

from planner import make_plan
from planner.inputs.scenario import changed
from planner.lp import solve
from planner.lp.model import PlanningModel
from planner.results.verify import verify


@pytest.fixture(scope="module")
def lp():
    """An LP: the former default's one run on B200 at Tomakomai alone, by March 2028 (a choice of
    type or site is a binary, and the programme default's run choices and order make a MIP)."""
    return old_default_with({"workload.accelerators": ["B200"], "sites.Sakai": None, "workload.deadline": "2028-03"})


@pytest.fixture(scope="module")
def lp_plan(lp):
    return make_plan(lp)


def test_simplex_below_the_threshold_and_interior_point_with_crossover_from_it(monkeypatch):
    assert solve.lp_method(solve.IPM_FROM_COLUMNS - 1) == {}
    monkeypatch.setattr(solve, "_hipo_installed", lambda: False)
    assert solve.lp_method(solve.IPM_FROM_COLUMNS) == {"solver": "ipm", "run_crossover": "on"}
    monkeypatch.setattr(solve, "_hipo_installed", lambda: True)
    assert solve.lp_method(10 * solve.IPM_FROM_COLUMNS) == {"solver": "hipo", "run_crossover": "on"}


def test_hipo_is_asked_for_only_when_this_highspy_accepts_it():
    import highspy

    accepts = highspy.Highs().setOptionValue("solver", "hipo") == highspy.HighsStatus.kOk
    assert solve._hipo_installed() is accepts


def test_an_lp_says_simplex_and_the_default_its_rounded_relaxation_in_its_summary_and_its_text(lp_plan, default_plan):
    assert lp_plan.summary()["solver_method"] == "simplex"
    # each run's type, site and order: binaries, decided by rounding the relaxation (tests/test_rounded_relaxation.py)
    method = "LP relaxation rounded, within the MIP gap (simplex)"
    assert default_plan.summary()["solver_method"] == method
    text = subprocess.run([sys.executable, "-m", "planner.cli", "plan"], capture_output=True, text=True, check=True).stdout
    assert f"solver: highs, {method})" in text.splitlines()[1]


def test_both_methods_reach_the_same_optimum_and_prices_on_an_lp(lp, lp_plan, monkeypatch):
    model = PlanningModel(lp)
    monkeypatch.setattr(solve, "IPM_FROM_COLUMNS", model.problem.columns - 1)
    solve.solve(model)
    assert model.problem.highs.getInfo().ipm_iteration_count > 0  # HiGHS did run the interior-point method
    by_ipm = make_plan(lp)
    assert by_ipm.summary()["solver_method"] == "interior point (ipm) with crossover"
    assert by_ipm.status == lp_plan.status == "optimal"
    assert by_ipm.economic_cost_jpy == pytest.approx(lp_plan.economic_cost_jpy, rel=1e-9)
    assert verify(by_ipm) == []
    # crossover ends at a vertex, though not always the simplex method's: the LP is dual
    # degenerate (a site's fit-out may bind in one month or the next), so only unique prices are compared
    assert not by_ipm.binding.empty
    unique = ["compute_requirement"]
    prices = [plan.binding.set_index("constraint").loc[unique, "shadow_price"] for plan in (by_ipm, lp_plan)]
    pd.testing.assert_series_equal(*prices, rtol=1e-6)


def test_whole_servers_are_branch_and_bound(default_scenario):
    plan = make_plan(changed(default_scenario, {"solver.integer": True}))
    assert plan.summary()["solver_method"] == "branch and bound"


def test_a_stalled_simplex_method_is_reported_as_the_interior_point_method_after_it(lp, monkeypatch):
    monkeypatch.setattr(solve, "SIMPLEX_EFFORT", 0)  # 0 iterations: the simplex method stops at once, as a stall would
    plan = make_plan(lp)
    assert plan.status == "optimal"
    assert plan.summary()["solver_method"] == "interior point (ipm) with crossover, after the simplex method stalled"

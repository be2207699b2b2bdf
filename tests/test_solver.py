"""Honest solver status: stand-ins, time limits and failures are said, never hidden."""

import pulp
import pytest

from builders import scenario
from planner import make_plan, solve
from planner.cli import main
from planner.verify import verify


def test_missing_highs_falls_back_to_cbc_with_a_notice(monkeypatch):
    monkeypatch.setattr(solve, "available_solvers", lambda: ["cbc"])
    plan = make_plan(scenario())
    assert plan.solver == "cbc"
    assert any("'highs' is not available" in notice for notice in plan.notices)
    assert verify(plan) == []
    assert make_plan(scenario()).summary()["total_cost_jpy"] == pytest.approx(plan.summary()["total_cost_jpy"], rel=1e-6)


def test_no_solver_at_all_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setattr(solve, "available_solvers", lambda: [])
    assert main(["plan"]) == 3
    assert "no LP solver is available" in capsys.readouterr().err


def test_a_solver_crash_is_a_clear_error_not_a_plan(monkeypatch, capsys):
    def crash(self, problem):
        raise pulp.PulpSolverError("simulated crash")

    monkeypatch.setattr(pulp.HiGHS, "actualSolve", crash)
    assert main(["plan"]) == 3
    err = capsys.readouterr().err
    assert "highs failed" in err and "simulated crash" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "status, solution_status, integer, words",
    [
        (pulp.LpStatusOptimal, pulp.LpSolutionOptimal, False, "optimal"),
        # HiGHS reports a time limit as "optimal" with an integer-feasible solution
        (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, True, "feasible"),
        (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible, False, "not solved"),
        (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible, False, "infeasible"),
        (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound, True, "not solved"),
        (pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded, False, "unbounded"),
    ],
)
def test_status_words(status, solution_status, integer, words):
    assert solve._status(status, solution_status, integer, 10.0)[0] == words


def test_time_limit_on_integer_sizing_is_marked_not_proven(monkeypatch):
    # Force HiGHS's time-limit answer: a plan is returned, marked "feasible", and still verified.
    real = pulp.HiGHS.findSolutionValues

    def stopped_by_time_limit(self, lp):
        real(self, lp)
        return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible

    monkeypatch.setattr(pulp.HiGHS, "findSolutionValues", stopped_by_time_limit)
    plan = make_plan(scenario({"solver.integer": True, "solver.time_limit": "5 s"}))
    assert plan.status == "feasible" and plan.feasible
    assert "time limit" in plan.message and "proved" in plan.message
    assert verify(plan) == []


def test_time_limit_on_an_lp_gives_no_plan(monkeypatch, capsys):
    real = pulp.HiGHS.findSolutionValues

    def stopped_by_time_limit(self, lp):
        real(self, lp)
        return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible

    monkeypatch.setattr(pulp.HiGHS, "findSolutionValues", stopped_by_time_limit)
    plan = make_plan(scenario())
    assert plan.status == "not solved" and not plan.feasible
    assert plan.fleet["installed"].abs().sum() == 0  # nothing half-solved is shown as a plan
    assert main(["plan"]) == 3
    assert "time limit" in capsys.readouterr().out

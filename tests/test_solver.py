"""Honest solver status: stand-ins, time limits and failures are said, never hidden."""

import highspy
import numpy as np
import pulp
import pytest
from builders import OLD_DEFAULT, scenario

from planner import DEFAULT_SCENARIO, make_plan
from planner.app.documents import scenario_toml
from planner.cli.main import main
from planner.inputs.scenario import edit, load_scenario
from planner.lp import solve
from planner.lp.highs import HighsSolver
from planner.results.verify import verify


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
    def crash(self):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(highspy.Highs, "run", crash)
    assert main(["plan"]) == 3
    err = capsys.readouterr().err
    assert "highs failed" in err and "simulated crash" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "ended, integer, words",
    [
        ("optimal", False, "optimal"),
        ("stopped", True, "feasible"),  # a time limit with a plan in hand
        ("stopped", False, "not solved"),
        ("infeasible", False, "infeasible"),
        ("none", True, "not solved"),
        ("unbounded", False, "unbounded"),
    ],
)
def test_status_words(ended, integer, words):
    assert solve._status(ended, integer, 10.0)[0] == words


def stopped_by_time_limit(monkeypatch):
    """HiGHS says every solve ran into its time limit (with the plan it found)."""
    monkeypatch.setattr(highspy.Highs, "getModelStatus", lambda self: highspy.HighsModelStatus.kTimeLimit)


def test_time_limit_on_integer_sizing_is_marked_not_proven(monkeypatch):
    # Force HiGHS's time-limit answer: a plan is returned, marked "feasible", and still verified.
    stopped_by_time_limit(monkeypatch)
    plan = make_plan(scenario({"solver.integer": True, "solver.time_limit": "5 s"}))
    assert plan.status == "feasible" and plan.feasible
    assert "time limit" in plan.message and "proved" in plan.message
    assert verify(plan) == []


def test_time_limit_on_an_lp_gives_no_plan(monkeypatch, capsys, tmp_path):
    stopped_by_time_limit(monkeypatch)
    plan = make_plan(scenario())
    assert plan.status == "not solved" and not plan.feasible
    assert plan.fleet["installed"].abs().sum() == 0  # nothing half-solved is shown as a plan
    lp = tmp_path / "lp.toml"  # an LP: one type at one site (a run with a choice of either is a MILP)
    lp.write_text(scenario_toml(edit(load_scenario(OLD_DEFAULT).document(), {"workload.accelerators": ["B200"], "sites.Sakai": None})))
    assert main(["plan", str(lp)]) == 3
    assert "time limit" in capsys.readouterr().out


@pytest.mark.parametrize(
    "highs_status, status, words",
    [
        ("kSolveError", "not solved", "numerical trouble"),
        ("kPresolveError", "not solved", "numerical trouble"),
        ("kUnbounded", "unbounded", "a limit is missing"),
    ],
)
def test_a_solve_without_an_answer_is_said_and_never_shown_as_a_plan(monkeypatch, capsys, highs_status, status, words):
    # HiGHS itself reports the failure (as it does for numerical trouble); the planner reads it
    monkeypatch.setattr(highspy.Highs, "getModelStatus", lambda self: getattr(highspy.HighsModelStatus, highs_status))
    plan = make_plan(scenario())
    assert plan.status == status and not plan.feasible
    assert words in plan.message
    assert plan.fleet[["installed", "training"]].abs().sum().sum() == 0
    assert plan.relaxations.empty  # nothing to relax: the scenario was not found infeasible
    assert main(["plan"]) == 3
    out = capsys.readouterr().out
    assert f"status: {status}" in out and words in out and "training finishes" not in out


@pytest.mark.parametrize(
    "corrupt, violation",
    [
        (lambda value: value * 0.5, "compute_requirement"),  # half of every value: the run falls short
        (lambda value: float("nan") if value else value, "finite"),  # NaN, which sums would skip
    ],
)
def test_a_plan_the_check_rejects_is_a_solver_error_not_a_plan(monkeypatch, capsys, corrupt, violation):
    real = HighsSolver.read

    def corrupted(highs, program):
        ended = real(highs, program)
        program.values = np.array([corrupt(value) for value in program.values])
        return ended

    monkeypatch.setattr(HighsSolver, "read", staticmethod(corrupted))
    plan = make_plan(scenario())
    assert plan.status == "optimal"  # the solver's word...
    assert violation in {problem.constraint for problem in verify(plan)}  # ...which the check refutes
    assert main(["plan"]) == 3
    out, err = capsys.readouterr()
    assert out == "" and "fails verification" in err and "Traceback" not in err


@pytest.mark.parametrize("cbc", ["/nonexistent/cbc", "/bin/false", "/bin/true"])
def test_a_missing_or_broken_cbc_binary_is_a_clear_error(monkeypatch, capsys, tmp_path, cbc):
    monkeypatch.setattr(solve, "make_solver", lambda name, time_limit, gap: pulp.COIN_CMD(msg=False, path=cbc))
    path = tmp_path / "cbc.toml"
    path.write_text(DEFAULT_SCENARIO.read_text(encoding="utf-8").replace('name = "highs"', 'name = "cbc"'))
    assert main(["plan", str(path)]) == 3
    out, err = capsys.readouterr()
    assert out == "" and "cbc failed" in err and "Traceback" not in err


def test_any_failure_inside_the_solver_is_a_clear_error(monkeypatch, capsys):
    def out_of_memory(self):
        raise MemoryError()

    monkeypatch.setattr(highspy.Highs, "run", out_of_memory)
    assert main(["plan"]) == 3
    out, err = capsys.readouterr()
    assert out == "" and "highs failed: MemoryError" in err and "Traceback" not in err


def test_when_the_simplex_method_stops_without_an_answer_the_interior_point_method_is_tried(monkeypatch):
    real = highspy.Highs.getModelStatus
    methods = set()

    def simplex_fails(self):
        method = self.getOptionValue("solver")[1]
        methods.add(method)
        return real(self) if method == "ipm" else highspy.HighsModelStatus.kSolveError

    monkeypatch.setattr(highspy.Highs, "getModelStatus", simplex_fails)
    plan = make_plan(scenario())
    assert methods == {"choose", "ipm"}
    assert plan.status == "optimal" and verify(plan) == []
    assert any("interior-point" in notice for notice in plan.notices)
    monkeypatch.undo()
    assert plan.summary()["total_cost_jpy"] == pytest.approx(make_plan(scenario()).summary()["total_cost_jpy"], rel=1e-9)


def test_a_stalled_simplex_method_hands_over_to_the_interior_point_method(monkeypatch):
    # an effort of 0 iterations stops the simplex method at once, as a stall would after many
    monkeypatch.setattr(solve, "SIMPLEX_EFFORT", 0)
    plan = make_plan(scenario({"sites.Alpha.grid_phases": [
        {"start": "2027-01", "grid_import": "10 MW", "it_capacity": "20 MW"}]}))
    assert plan.status == "optimal" and verify(plan) == []
    assert any("interior-point" in notice for notice in plan.notices)

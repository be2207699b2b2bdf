"""One formulation, two routes: the LP handed to HiGHS as arrays, and the PuLP objects built from
the same arrays (what CBC and LP files get), are the same LP.

The LPs here are degenerate (sites and types that tie), so two solves of the same LP may end at
different optimal vertices with different duals. What must agree is what an LP's optimum fixes:
the optimal value, and duals that prove it. So the arrays' solution is checked against the PuLP
objects alone: its values meet every PuLP constraint, the PuLP objective at them is the optimum
PuLP's own HiGHS route finds, and its duals price every PuLP column to the reduced costs HiGHS
reported, with a dual objective equal to that optimum (strong duality), which proves them optimal
duals of the PuLP objects' LP.
"""

from __future__ import annotations

import numpy as np
import pulp
import pytest
from hypothesis import given
from test_properties import documents

from planner.inputs.scenario import build
from planner.lp.model import COMPUTE, PlanningModel
from planner.lp.program import EQ, GE, LE, LinearProgram
from planner.lp.solve import solve

TOLERANCE = 1e-6  # HiGHS's primal and dual feasibility tolerance, in model units


def lp_of(scenario) -> PlanningModel:
    """The scenario's least-cost LP: its run choices relaxed."""
    model = PlanningModel(scenario)
    model.relax_run_choices()
    return model


def check_against_pulp(model: PlanningModel) -> str:
    """Solve `model` by the arrays, then check its answer against the PuLP objects built from them."""
    solution = solve(model)
    problem, variables, constraints = model.problem.to_pulp(mip=False)
    assert pulp.HiGHS(msg=False).available()
    status = problem.solve(pulp.HiGHS(msg=False))
    if solution.status != "optimal":
        assert status != pulp.LpStatusOptimal or solution.status == "unbounded"
        return solution.status
    assert status == pulp.LpStatusOptimal
    optimum = pulp.value(problem.objective)
    values = model.problem.values
    for variable, value in zip(variables, values):
        variable.varValue = value
    scale = max(1.0, abs(optimum))
    assert pulp.value(problem.objective) == pytest.approx(optimum, rel=1e-7, abs=1e-7 * scale)
    assert solution.objective == pytest.approx(optimum, rel=1e-7, abs=1e-7 * scale)
    for variable in variables:
        low, high = variable.lowBound, variable.upBound
        assert (low is None or variable.varValue >= low - TOLERANCE) and (high is None or variable.varValue <= high + TOLERANCE)
    duals, reduced = model.problem.row_duals, model.problem.column_duals
    index = {variable.name: j for j, variable in enumerate(variables)}
    priced = np.array([problem.objective.get(variable, 0.0) for variable in variables])
    dual_objective = 0.0
    for constraint, dual in zip(constraints, duals):
        activity = sum(a * variable.varValue for variable, a in constraint.items())
        rhs = -constraint.constant
        if constraint.sense == pulp.LpConstraintLE:
            assert activity <= rhs + TOLERANCE * max(1.0, abs(rhs)) and dual <= TOLERANCE
        elif constraint.sense == pulp.LpConstraintGE:
            assert activity >= rhs - TOLERANCE * max(1.0, abs(rhs)) and dual >= -TOLERANCE
        else:
            assert activity == pytest.approx(rhs, abs=TOLERANCE * max(1.0, abs(rhs)))
        for variable, a in constraint.items():
            priced[index[variable.name]] -= a * dual
        dual_objective += dual * rhs
    assert np.allclose(priced, reduced, atol=1e-7 * max(1.0, np.abs(priced).max()))
    for variable, d in zip(variables, reduced):
        if abs(d) > 1e-9:
            bound = variable.lowBound if d > 0 else variable.upBound
            assert bound is not None  # a column priced away from an infinite bound would make the dual unbounded
            dual_objective += d * bound
    assert dual_objective == pytest.approx(optimum, rel=1e-6, abs=1e-6 * scale)
    return "optimal"


def test_the_default_lp_by_arrays_is_the_lp_of_its_pulp_objects(default_scenario):
    assert check_against_pulp(lp_of(default_scenario)) == "optimal"


def test_the_default_with_its_choices_fixed_by_arrays_is_the_lp_of_its_pulp_objects(default_scenario):
    # the LP whose duals price the default's limits: rows scaled and penalties dropped after the build
    model = lp_of(default_scenario)
    solve(model)
    model.round_run_choices()
    model.fix_run_choices()
    assert check_against_pulp(model) == "optimal"


@given(documents())
def test_random_lps_by_arrays_are_the_lps_of_their_pulp_objects(document):
    check_against_pulp(lp_of(build(document, "random scenario")))


def test_rows_added_one_by_one_and_in_blocks_make_one_matrix_with_repeats_summed():
    # min x + 2y  s.t.  x + y >= 3 (written x + 0.5y + 0.5y), x - y <= 1, y <= 5
    program = LinearProgram()
    x = program.add_column("x")
    y = program.add_columns("y", [(0,)], upper=5.0)[0]
    program.add_row("demand", (), [x, y, y], [1.0, 0.5, 0.5], GE, 3.0)
    program.add_rows("gap", [(0,), (1,)], np.array([0, 0, 1]), np.array([x, y, x]), np.array([1.0, -1.0, 0.0]), LE, [1.0, 10.0])
    program.set_objective([x, y], [1.0, 2.0])
    rows, columns, values = program.matrix()
    assert rows.tolist() == [0, 0, 1, 1] and columns.tolist() == [0, 1, 0, 1] and values.tolist() == [1.0, 1.0, 1.0, -1.0]
    assert program.column_names() == ["x", "y_0"] and program.row_names() == ["demand", "gap_0", "gap_1"]
    problem, variables, _ = program.to_pulp()
    problem.solve(pulp.HiGHS(msg=False))
    # by hand: the cheapest point has x - y = 1 and x + y = 3, so x = 2, y = 1, cost 4
    assert [v.varValue for v in variables] == pytest.approx([2.0, 1.0]) and pulp.value(problem.objective) == pytest.approx(4.0)
    from planner.lp.highs import HighsSolver

    assert HighsSolver().solve(program, mip=False) == "optimal"
    assert program.values.tolist() == pytest.approx([2.0, 1.0]) and program.objective_value() == pytest.approx(4.0)
    # duals by hand: y = 1 costs 2 and moves both rows: y_demand + y_gap = 1, y_demand - y_gap = 2
    assert program.row_duals.tolist() == pytest.approx([1.5, -0.5, 0.0])


def test_an_equality_row_changed_after_the_build_is_solved_as_changed():
    program = LinearProgram()
    x = program.add_column("x")
    row = program.add_row("fixed", (), [x], [1.0], EQ, 2.0)
    program.set_objective([x], [1.0])
    program.set_row(row, EQ, 7.0)
    from planner.lp.highs import HighsSolver

    assert HighsSolver().solve(program, mip=False) == "optimal" and program.values.tolist() == [7.0]


def test_a_run_requirement_rescaled_after_the_build_is_priced_by_its_dual(default_scenario):
    # fix_run_choices divides the requirement rows by 1 + their penalties' share after the build:
    # each row's dual is then what one more model unit (1e24 FLOP) of its run costs, as a re-solve
    # with the row's limit moved shows
    model = lp_of(default_scenario)
    solve(model)
    model.round_run_choices()
    model.fix_run_choices()
    for r in range(len(model.arrays.runs)):
        solution = solve(model)
        row, step = model.rows["compute_requirement"][(r,)], 1e-4
        required = model.arrays.required[r] / COMPUTE
        model.problem.set_row(row, GE, required + step)
        moved = solve(model)
        model.problem.set_row(row, GE, required)
        assert (moved.objective - solution.objective) / step == pytest.approx(solution.duals["compute_requirement"][(r,)], rel=1e-3)


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_the_lp_file_is_the_lp_the_planner_solves(tmp_path, capsys, default_plan, suffix):
    # HiGHS reads the file on its own and finds the default's optimum: the least-cost LP as built
    # (each run's choices whole), in model units (billions of yen)
    import highspy

    from planner.cli.main import main

    path = tmp_path / f"plan{suffix}"
    assert main(["plan", "--lp", str(path)]) == 0
    assert f"wrote {path}" in capsys.readouterr().err
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", 1e-9)
    highs.readModel(str(path))
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert highs.getInfo().objective_function_value * 1e9 == pytest.approx(default_plan.economic_cost_jpy, rel=1e-8)
    assert (highs.getNumCol(), highs.getNumRow()) == (4602, 3098)


def test_an_lp_file_of_another_kind_is_refused_before_the_solve(tmp_path, capsys):
    from planner.cli.main import main

    assert main(["plan", "--lp", str(tmp_path / "plan.txt")]) == 2
    assert "--lp" in (err := capsys.readouterr().err) and "expected a path ending in .lp or .mps" in err
    assert not (tmp_path / "plan.txt").exists()


@pytest.mark.parametrize("rhs, ended", [(1e-3, "infeasible"), (0.0, "optimal"), (-1.0, "optimal")])
def test_an_lp_without_columns_is_decided_by_its_rows(rhs, ended):
    # HiGHS calls a model with no columns empty and leaves it unsolved; a scenario whose only
    # accelerator arrives after the horizon has none, and a run that needs compute cannot be met
    from planner.lp.highs import HighsSolver

    program = LinearProgram()
    program.add_row("compute_requirement", (0,), [], [], GE, rhs)
    program.set_objective([], [])
    assert HighsSolver().solve(program, mip=False) == ended

"""A least-cost plan whose only binaries are the runs' choices (type, site, order) comes from the
LP relaxation rounded, kept only when it is within the MIP gap of the relaxation's bound (which
proves it as branch and bound would), else from branch and bound (objectives.relaxed_and_rounded)."""

import pytest
from builders import scenario

from planner import make_plan
from planner.lp.model import PlanningModel
from planner.lp.solve import solve, warm_solver
from planner.results.verify import verify

TWICE_THE_PRICE = {
    "description": "test accelerator: X1 at twice its price", "peak_bf16": "1000 TFLOP/s", "gpu_power": "700 W",
    "it_power": "1000 W", "idle_fraction": 0.25, "capex": "2e7 JPY", "first_delivery": "2020-01", "scalable_unit": 8,
    "mfu": 0.5,
}


def branch_and_bound(s):
    """The MILP as HiGHS solves it, with its own proven bound."""
    model = PlanningModel(s)
    solution = solve(model)
    assert model.integer and solution.status == "optimal"
    return model, solution, model.problem.highs.getInfo().mip_dual_bound


def test_the_default_is_the_rounded_relaxation_with_branch_and_bounds_choices_and_cost(default_scenario, default_plan):
    model, milp, bound = branch_and_bound(default_scenario)
    assert default_plan.summary()["solver_method"] == "LP relaxation rounded, within the MIP gap (simplex)"
    cost = default_plan.economic_cost_jpy / 1e9  # model units: 1e9 JPY
    # no plan costs less than HiGHS's proven bound, and this one is within the gap of it
    assert bound * (1 - 1e-12) <= cost <= bound * (1 + default_scenario.solver.mip_gap)
    assert abs(cost - milp.objective) <= default_scenario.solver.mip_gap * milp.objective
    assert 0 <= default_plan.mip_gap <= default_scenario.solver.mip_gap
    chosen = {(r, g) for (r, g), kind in model.kind.items() if model.value(kind) > 0.5}
    types = {(model.arrays.runs[r], model.arrays.accelerators[g]) for r, g in chosen}
    assert set(zip(default_plan.runs.run, default_plan.runs.accelerator)) == types
    assert verify(default_plan) == []


def test_a_rounding_that_cannot_train_the_run_falls_back_to_branch_and_bound():
    """X1 is cheap but 250 a month at most: 250 bought in January work January and February, 250
    bought in February work February, 250 x 5e14 FLOP/s x (2,678,400 + 2 x 2,419,200 s) = 9.4e23
    FLOP < 1e24. So the relaxation trains 94% on X1 and tops up with X2, and rounded to X1 alone
    the run cannot finish. Branch and bound trains on X2 alone, bought in January:
    1e24 / (5e14 FLOP/s x (2,678,400 + 2,419,200 s)) = 392.3 accelerators."""
    s = scenario({"workload.deadline": "2027-02", "accelerators.X1.delivery_cap": "250 / month",
                  "accelerators.X2": TWICE_THE_PRICE})
    model = PlanningModel(s)
    model.relax_run_choices()
    assert solve(model).status == "optimal"
    model.round_run_choices()
    assert [model.arrays.accelerators[g] for (_, g), kind in model.kind.items() if model.value(kind) == 1] == ["X1"]

    plan = make_plan(s)
    assert plan.status == "optimal" and plan.summary()["solver_method"] == "branch and bound"
    at_work = plan.fleet[plan.fleet.training > 0]
    assert set(at_work.accelerator) == {"X2"}
    assert at_work.training.tolist() == pytest.approx([1e24 / (5e14 * (2_678_400 + 2_419_200))] * 2, rel=1e-6)
    assert verify(plan) == []


def test_a_rounding_outside_the_gap_falls_back_to_branch_and_bound(default_scenario):
    """The default's rounding is 9e-6 above the relaxation: with a gap of 1e-6 it is not proof enough."""
    tight = default_scenario.model_copy(update={"solver": default_scenario.solver.model_copy(update={"mip_gap": 1e-6})})
    plan = make_plan(tight, explain_limits=False)
    assert plan.summary()["solver_method"] == "branch and bound"
    assert plan.mip_gap <= 1e-6


def test_the_fixed_lp_starts_from_the_relaxations_basis(default_scenario):
    warm, cold = PlanningModel(default_scenario), PlanningModel(default_scenario)
    highs = warm_solver(warm)
    for model, solver in ((warm, highs), (cold, None)):
        model.relax_run_choices()
        solve(model, solver)
        model.round_run_choices()
        model.fix_run_choices()
    iterations = []
    for model, solver in ((warm, highs), (cold, None)):
        assert solve(model, solver).status == "optimal"
        iterations.append(model.problem.highs.getInfo().simplex_iteration_count)
    assert highs.warm_starts == 1
    assert iterations[0] < iterations[1] / 10  # measured: 7 against 1,941

"""The planner's questions as optimisation problems.

cost     least economic cost (+ CO2 at the carbon price) with every run finished by its deadline
finish   earliest finish month of the named run (`objective_run`, else the first) within the
         limits, the others by their deadlines; then least cost for that month
compute  most training compute for the named run by its deadline within the limits, the others
         finished by theirs; then least cost for it
carbon   least CO2 with every run finished by its deadline, then least cost for it

Second stages hold the first stage's optimum (to a relative 1e-7) and minimise cost, so every
plan is also the cheapest way to reach its objective. Where the solver finds no plan that close
to it, the hold is 1e-4, and failing that the first stage's plan is the answer; a notice says so
(_then_least_cost).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner.inputs.calendar import months_between
from planner.inputs.scenario import Scenario
from planner.lp.model import PlanningModel, Terms
from planner.lp.program import GE, LE
from planner.lp.solve import Solution, make_solver, solve, warm_solver

HOLD = 1e-7  # relative slack on a first stage's optimum when the second stage minimises cost
# ...plus this much in model units (10 g CO2, 1e16 FLOP): a hold row whose limit is near zero
# sinks into the solver's feasibility tolerance (1e-7), and HiGHS may stop without an answer
HOLD_ABSOLUTE = 1e-8
HOLD_SCALE_FLOOR = 1e-4  # the hold row is scaled up at most 1e4 times, for the solver's numerics
HOLD_RETRY = 1e-4  # relative slack when HiGHS calls the held problem infeasible (_then_least_cost)


@dataclass
class Outcome:
    """A solved model and the scenario it planned (for `finish`, with the deadline moved to the
    finish month, so the model's months end when training does). `dual_objective` says what the
    duals price: "cost", or the first stage's "compute" or "carbon"."""

    scenario: Scenario
    model: PlanningModel
    solution: Solution
    dual_objective: str = "cost"


def optimise(scenario: Scenario, highs=None) -> Outcome:
    """Answer the scenario's objective. `highs`: a HiGHS solver kept warm between least-cost
    LPs (a sweep's); the staged objectives build their own."""
    if scenario.objective == "cost":
        return least_cost(scenario, highs)
    return {"finish": earliest_finish, "compute": most_compute, "carbon": least_carbon}[scenario.objective](scenario)


def least_cost(scenario: Scenario, highs=None) -> Outcome:
    model = PlanningModel(scenario)
    if model.integer and not scenario.solver.integer:  # a MILP only for its run choices
        rounded = relaxed_and_rounded(model, highs or warm_solver(model))
        if rounded is not None:
            return Outcome(scenario, model, rounded)
        model = PlanningModel(scenario)
    return Outcome(scenario, model, solve(model, None if model.integer else highs))


def relaxed_and_rounded(model: PlanningModel, highs) -> Solution | None:
    """Solve the LP relaxation, round its run choices (round_run_choices) and solve again with
    them fixed. The relaxation bounds every plan's cost, so a rounded plan within the MIP gap of
    it is proven as branch and bound proves one; None when rounding misses (branch and bound then
    decides). On the default the relaxation is 9e-6 below the optimum: the two LPs take 0.13 s
    where HiGHS's MIP spent 0.3 s in cuts and heuristics at its root before it found the same
    plan, and its LP with the choices fixed (for the duals) 0.1 s more. An infeasible relaxation
    is the answer: no whole choice meets the limits either. `highs`: a warm HiGHS solver, so the
    second LP starts from the first one's basis (7 simplex iterations, not 1,900)."""
    model.relax_run_choices()
    relaxed = solve(model, highs)
    if relaxed.status == "infeasible":
        relaxed.method = f"LP relaxation ({relaxed.method})"
        return relaxed
    if not relaxed.has_plan:
        return None
    model.round_run_choices()
    model.fix_run_choices()
    rounded = solve(model, highs)
    if not rounded.has_plan:
        return None
    gap = (rounded.objective - relaxed.objective) / max(abs(rounded.objective), 1e-9)
    if gap > model.scenario.solver.mip_gap:
        return None
    rounded.mip_gap = max(gap, 0.0)
    rounded.seconds += relaxed.seconds
    methods = relaxed.method if relaxed.method == rounded.method else f"{relaxed.method}, then {rounded.method}"
    rounded.method = f"LP relaxation rounded, within the MIP gap ({methods})"
    rounded.notices = [*relaxed.notices, *rounded.notices]
    return rounded


def least_carbon(scenario: Scenario) -> Outcome:
    model = PlanningModel(scenario)
    model.set_objective(model.emission_terms())
    return _then_least_cost(model, solve(model), model.emission_terms(), LE, "carbon")


def most_compute(scenario: Scenario) -> Outcome:
    """A mixed or split run's compute counts at its efficiency, a product of a choice and the
    compute (not linear): each shape the run may take (whole, mixed, split, both) is planned with
    the shape fixed and its compute at that shape's efficiency, and the most compute wins (the
    earlier shape on a tie). Unfixed, the objective counted a split run whole: a plan with more
    money split its run and delivered a quarter less (found by the more-budget property)."""
    model = PlanningModel(scenario)
    r = model.arrays.runs.index(scenario.run.name)
    shapes = [(mixed, split) for mixed in (False, True)[:1 + (r in model.mixed)] for split in (False, True)[:1 + (r in model.split)]]
    best = None
    for mixed, split in shapes:
        model = model if best is None else PlanningModel(scenario)
        terms = model.compute_terms(r) * model.fix_shape(r, mixed, split)
        model.release_requirement(r)
        model.set_objective(terms, maximise=True)
        first = solve(model)
        if best is None or (first.has_plan and (not best[1].has_plan or first.objective > best[1].objective * (1 + 1e-9))):
            best = model, first, terms
    model, first, terms = best
    return _then_least_cost(model, first, terms, GE, "compute")


def earliest_finish(scenario: Scenario) -> Outcome:
    """Least-cost plan for the earliest month by which the named run can finish (the deadline's
    plan when no earlier month works)."""
    at_deadline = least_cost(scenario)
    if not at_deadline.solution.has_plan:
        return at_deadline
    earlier = months_between(scenario.run.earliest_start, scenario.run.deadline)[:-1]
    return earliest_feasible(scenario, earlier) or at_deadline


def earliest_feasible(scenario: Scenario, deadlines: pd.PeriodIndex) -> Outcome | None:
    """The least-cost plan for the first of `deadlines` that admits a plan, or None.

    Bisection: a later deadline never removes a plan (the model plans the whole horizon, and a
    run's fleet may be retired from any month of its window on, so the earlier deadline's plan
    stays a plan), so feasibility is monotone in the deadline.
    """
    if not len(deadlines) or not least_cost(with_deadline(scenario, deadlines[-1])).solution.has_plan:
        return None  # the latest is tried first: none is enough alone, as often, for one solve
    best, low, high = None, 0, len(deadlines)
    while low < high:
        middle = (low + high) // 2
        outcome = least_cost(with_deadline(scenario, deadlines[middle]))
        if outcome.solution.has_plan:
            best, high = outcome, middle
        else:
            low = middle + 1
    return best


def with_deadline(scenario: Scenario, deadline: pd.Period) -> Scenario:
    """`scenario` with the named run's deadline moved."""
    work = scenario.run.model_copy(update={"deadline": deadline})
    if scenario.workload is not None:
        moved = scenario.model_copy(update={"workload": work})
    else:
        moved = scenario.model_copy(update={"runs": {**scenario.runs, work.name: work}})
    moved._document = scenario.document()
    return moved


def _then_least_cost(model: PlanningModel, first: Solution, level_terms: Terms, sense: int, objective: str) -> Outcome:
    """Hold the first stage's optimum and minimise cost. The limits are priced by the first
    stage (what one more MW is worth in compute or CO2); a MILP has no duals (integer plans are
    priced by their LP relaxation, plan.py)."""
    if not first.has_plan:
        return Outcome(model.scenario, model, first, objective)
    level = first.objective
    # The solver holds a row to 1e-6 of its unit: scaled to the level (below one model unit), the
    # hold keeps a millionth of it. Unscaled, a 0.28 t CO2 plan rose 7e-4 t while its cost fell.
    scale = 1.0 / min(max(abs(level), HOLD_SCALE_FLOOR), 1.0)
    held = model.problem.add_row("objective_level", (), *(level_terms * scale), sense, 0.0)
    model.set_objective(model.cost_objective())
    # The first stage's plan meets the held level, so this has a plan, yet HiGHS can call it
    # infeasible: its presolve, when the held terms are tiny (1e-9 t CO2 per accelerator-month at
    # 1e-8 kg/kWh), and even without presolve when a MILP's first stage leaned on the MIP's
    # feasibility tolerance (1e-6 of a model unit on each row: 3e-5 of a small run's compute, more
    # than the hold spares). Both found by the property tests: each is tried in turn.
    final = _held_at(model, (held, sense), level, scale, HOLD)
    if final.status == "infeasible" and final.solver == "highs":
        final = _held_at(model, (held, sense), level, scale, HOLD, presolve="off")
    if final.status == "infeasible":
        final = _held_at(model, (held, sense), level, scale, HOLD_RETRY, **({"presolve": "off"} if final.solver == "highs" else {}))
        final.notices.append(f"the least-cost plan holds the {objective} to {HOLD_RETRY:.0e} of its optimum, "
                             "not 1e-7: the solver found no plan closer to it")
    if final.status == "infeasible":  # still none: the first stage's own plan, not the cheapest of its level
        _hold(model, (held, sense), level, scale, 1.0)  # a whole level to spare: never binding on the first stage
        model.set_objective(level_terms, maximise=sense == GE)
        first = solve(model)
        first.notices.append(f"the plan holding this {objective} at the least cost was not found; "
                             f"this is the plan with the best {objective}, which may cost more")
        return Outcome(model.scenario, model, first, objective)
    if model.integer or not final.has_plan:
        return Outcome(model.scenario, model, final)
    final.duals = first.duals
    return Outcome(model.scenario, model, final, objective)


def _held_at(model: PlanningModel, held: tuple[int, int], level: float, scale: float, share: float, **options) -> Solution:
    """The least-cost plan with the first stage's `level` held to `share` of itself; `options`
    are HiGHS's (given only where HiGHS solved before). `held`: the hold row and its sense."""
    _hold(model, held, level, scale, share)
    settings = model.scenario.solver
    return solve(model, make_solver("highs", settings.time_limit, settings.mip_gap, **options) if options else None)


def _hold(model: PlanningModel, held: tuple[int, int], level: float, scale: float, share: float) -> None:
    """Hold the first stage's `level` to `share` of itself, plus HOLD_ABSOLUTE, on the hold row."""
    row, sense = held
    slack = share * abs(level) + HOLD_ABSOLUTE
    model.problem.set_row(row, sense, (level + slack if sense == LE else level - slack) * scale)

"""Solver choice and the honest status of a solve: HiGHS by default, CBC when HiGHS is missing.

Status words: "optimal"; "feasible" (a plan that meets every limit, but the time limit stopped
the solver before it proved the plan optimal: integer sizing only); "infeasible"; "unbounded";
"not solved" (no plan: the time limit came first, or the solver could not decide).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from planner.lp.model import COUNT, J_PER_MWH, MONEY, POWER, PlanningModel
from planner.lp.program import LinearProgram

# Columns from which an LP goes to HiGHS's interior-point method (with crossover, so the duals
# stay those of a vertex) instead of its dual simplex method: benchmarks/README.md, "Solver method"
IPM_FROM_COLUMNS = 400_000
SIMPLEX_EFFORT = 5  # simplex iterations per row and column (solves here take under 1) before an LP counts as stalled
UNDECIDED = {"kNotset", "kUnknown", "kSolveError", "kIterationLimit"}  # HiGHS ended an LP without deciding it


class SolverError(RuntimeError):
    """The solver failed to run; never shown as a plan."""


@dataclass
class Solution:
    """What the solver said. Fleet arrays in accelerators: installed, bought and training (on any
    run) (S, G, T); use (S, G, T, W) by workload; retired (S, G, V, M): bought in month V, sold
    from month M. peak: W of each site's peak draw by month (S, T), where it is charged. throttle:
    W of IT cut from each run in each curtailment hour (lp.model). money:
    JPY paid by (source, fiscal year). Duals in model units."""

    status: str
    solver: str
    seconds: float
    installed: np.ndarray
    training: np.ndarray
    bought: np.ndarray = None
    use: np.ndarray = None
    retired: np.ndarray = None
    peak: np.ndarray | None = None  # (S, T); zeros when left out
    throttle: dict[tuple[int, int, int, int, int], float] = field(default_factory=dict)  # W by (s, t, d, h, run)
    contract: dict[tuple[int, int], float] = field(default_factory=dict)  # W of each site's clean contract k
    match: dict[tuple[int, int, int, int], float] = field(default_factory=dict)  # W of contracted output matched by (s, t, d, h)
    battery: dict[int, tuple[float, float]] = field(default_factory=dict)  # (W, J) of each site's battery
    charge: dict[tuple[int, int, int, int], float] = field(default_factory=dict)  # W into a battery by (s, t, d, h)
    discharge: dict[tuple[int, int, int, int], float] = field(default_factory=dict)  # W out of it
    money: dict[tuple[str, int], float] = field(default_factory=dict)
    objective: float | None = None
    mip_gap: float | None = None
    message: str = ""
    notices: list[str] = field(default_factory=list)
    method: str = ""  # the solver's method, in words (lp_method)
    duals: dict[str, dict[tuple, float]] = field(default_factory=dict)
    reduced_costs: dict[str, np.ndarray] = field(default_factory=dict)  # "installed", "buy" (S, G, T), "use" (S, G, T, W); 0 where no column
    slacks: dict[str, dict[tuple, float]] = field(default_factory=dict)

    def __post_init__(self):
        if self.peak is None:
            self.peak = np.zeros(self.installed.shape[::2])

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")


def available_solvers() -> list[str]:
    """The solvers installed here, HiGHS first."""
    found = {"highs": _highs_installed(), "cbc": cbc_binary() is not None}
    return [name for name, installed in found.items() if installed]


@cache
def _highs_installed() -> bool:
    try:  # tried, not looked up: an installed highspy may fail to load
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def cbc_binary() -> str | None:
    """The CBC binary the `pulp[cbc]` extra installs (package cbcbox), found from the package
    itself: PuLP would look for `cbc` on PATH, which lacks the venv's bin/ unless it is activated."""
    try:
        import cbcbox
    except ImportError:
        return None
    try:
        with contextlib.redirect_stdout(sys.stderr):  # CBCBOX_VERBOSE=1 prints the build it picks
            path = cbcbox.cbc_bin_path()
    except (RuntimeError, ValueError):  # CBCBOX_BUILD names a build not installed: no CBC here
        return None
    return path if os.access(path, os.X_OK) else None


def pick_solver(requested: str) -> tuple[str, list[str]]:
    """The solver to use, and a notice when the requested one is missing and another stands in."""
    available = available_solvers()
    if requested in available:
        return requested, []
    if not available:
        raise SolverError("no LP solver is available: install highspy (pip install highspy)")
    stand_in = available[0]
    return stand_in, [f"solver '{requested}' is not available here; solved with '{stand_in}' instead"]


def lp_method(columns: int) -> dict[str, str]:
    """HiGHS options choosing its method for an LP of `columns` columns: none (HiGHS's simplex,
    which a sweep restarts warm from the last basis) below IPM_FROM_COLUMNS, else the
    interior-point method with crossover, HiPO where the installed HiGHS has it."""
    if columns < IPM_FROM_COLUMNS:
        return {}
    return {"solver": "hipo" if _hipo_installed() else "ipm", "run_crossover": "on"}


@cache
def _hipo_installed() -> bool:
    import highspy  # asked only once HiGHS solves a large LP

    from planner.lp.highs import SilentModel

    return SilentModel().setOptionValue("solver", "hipo") == highspy.HighsStatus.kOk


def method_words(name: str, integer: bool, options: dict[str, str]) -> str:
    """The method `options` choose, as the plan reports it."""
    if integer:
        return "branch and bound"
    if name == "highs" and options.get("solver") in ("ipm", "hipo"):
        return f"interior point ({options['solver']}) with crossover"
    return "simplex"


def make_solver(name: str, time_limit: float, mip_gap: float, warm: bool = False, **options):
    """A HiGHS solver on the LP's arrays (planner.lp.highs), `options` HiGHS's own (e.g.
    solver="ipm"), and with `warm` one that keeps its model and basis from one solve to the next
    (planner.lp.warm); or PuLP's CBC, given PuLP objects built from the same arrays."""
    if name == "highs":
        from planner.lp.highs import HighsSolver  # needs highspy: imported only when HiGHS solves
        from planner.lp.warm import WarmHighs

        return (WarmHighs if warm else HighsSolver)(time_limit=time_limit, mip_gap=mip_gap, **options)
    import pulp  # only where CBC solves

    return pulp.COIN_CMD(msg=False, timeLimit=time_limit, gapRel=mip_gap, path=cbc_binary())


def warm_solver(model: PlanningModel):
    """A warm HiGHS solver for LPs like `model`, its method chosen as `solve` chooses it, for LPs
    that follow one another with small changes; None where HiGHS does not solve."""
    settings = model.scenario.solver
    if pick_solver(settings.name)[0] != "highs":
        return None
    return make_solver("highs", settings.time_limit, settings.mip_gap, warm=True, **_lp_options(model))


def solve(model: PlanningModel, highs=None) -> Solution:
    """Solve `model` as it stands (objective and rows may have been changed since it was built).
    `highs`: a HiGHS solver (planner.lp.highs) to use when the scenario asks for HiGHS, in place of a fresh
    one (a sweep passes one that keeps its model warm between scenarios)."""
    settings = model.scenario.solver
    lp_by_highs = settings.name == "highs" and not model.integer
    if highs is not None and settings.name == "highs":  # a HiGHS instance in hand: HiGHS is available
        name, notices, solver = "highs", [], highs
    else:
        name, notices = pick_solver(settings.name)
        lp_by_highs = lp_by_highs and name == "highs"
        solver = make_solver(name, settings.time_limit, settings.mip_gap, **(_lp_options(model) if lp_by_highs else {}))
    options = getattr(solver, "options", {}) if name == "highs" else {}
    method = method_words(name, model.integer, options)
    started = time.perf_counter()
    status = _run(model, solver, name)
    left = settings.time_limit - (time.perf_counter() - started)
    if lp_by_highs and method == "simplex" and _undecided(model) and left > 0:
        # On a highly degenerate LP (identical sites or types, zero prices) HiGHS's dual simplex
        # can stall for minutes or end "Unknown" (found by the property tests); its
        # interior-point method, with crossover to a vertex so duals stay exact, does not
        status = _run(model, make_solver(name, left, settings.mip_gap, solver="ipm"), name)
        method = "interior point (ipm) with crossover, after the simplex method stalled"
        if not _undecided(model):
            notices = [*notices, "HiGHS's simplex method stopped without an answer; its interior-point method found one"]
    seconds = time.perf_counter() - started
    words, message = _status(status, model.integer, settings.time_limit)
    S, G, T = shape = model.arrays.installable.shape
    solution = Solution(words, name, seconds, np.zeros(shape), np.zeros(shape), np.zeros(shape),
                        np.zeros((S, G, T, len(model.workloads))), np.zeros((S, G, T, T)), message=message, notices=notices,
                        method=method)
    if solution.has_plan:
        read_values(model, solution, name)
    return solution


def _lp_options(model: PlanningModel) -> dict:
    """HiGHS's options for `model` as an LP: its method, and the simplex's iteration limit."""
    return lp_method(model.problem.columns) or {"simplex_iteration_limit": SIMPLEX_EFFORT * _size(model)}


def _size(model: PlanningModel) -> int:
    return model.problem.rows + model.problem.columns


def _undecided(model: PlanningModel) -> bool:
    highs = model.problem.highs  # None where no columns left HiGHS nothing to solve
    return highs is not None and highs.getModelStatus().name in UNDECIDED


def _run(model: PlanningModel, solver, name: str) -> str:
    """How the solve ended (planner.lp.highs.HighsSolver.solve's words)."""
    try:
        if name == "highs":
            return solver.solve(model.problem, model.integer)
        return _by_pulp(model.problem, model.integer, solver)
    except Exception as error:  # whatever breaks inside a solver, the user gets a message, not a trace
        raise SolverError(f"{name} failed: {str(error) or type(error).__name__}") from None


def _by_pulp(program: LinearProgram, mip: bool, solver) -> str:
    """Solve `program` with a PuLP solver (CBC), on PuLP objects built from its arrays; values
    and duals back into it."""
    import pulp

    problem, variables, constraints = program.to_pulp(mip)
    status = problem.solve(solver)
    program.values = np.array([v.varValue or 0.0 for v in variables], dtype=float)  # None: a column in no row
    duals = [row.pi for row in constraints]
    priced = bool(constraints) and None not in duals
    program.row_duals = np.array(duals, dtype=float) if priced else None
    program.column_duals = np.array([v.dj or 0.0 for v in variables], dtype=float) if priced else None
    if status == pulp.LpStatusOptimal:
        return "optimal" if problem.sol_status == pulp.LpSolutionOptimal else "stopped"
    return {pulp.LpStatusInfeasible: "infeasible", pulp.LpStatusUnbounded: "unbounded"}.get(status, "none")


def _status(ended: str, integer: bool, time_limit: float) -> tuple[str, str]:
    if ended == "optimal":
        return "optimal", ""
    if ended == "stopped":
        if integer:
            return "feasible", f"the {time_limit:g} s time limit stopped the solver before it proved this plan optimal"
        # an LP stopped early holds no trustworthy plan: simplex iterates need not be feasible
        return "not solved", f"the {time_limit:g} s time limit came before the solver found an optimal plan"
    if ended == "infeasible":
        return "infeasible", "no plan meets every limit at once"
    if ended == "unbounded":
        return "unbounded", "the objective is unbounded: a limit is missing from the scenario"
    return "not solved", "the solver stopped without a plan (time limit or numerical trouble)"


def read_values(model: PlanningModel, solution: Solution, solver: str) -> None:
    """The solved values of `model`'s variables and rows into `solution` (also for a model
    solved as part of a larger problem, planner.studies.hedge)."""
    program = model.problem
    values = program.values
    for table, variables in ((solution.installed, model.installed), (solution.bought, model.buy),
                             (solution.use, model.use), (solution.retired, model.retire), (solution.peak, model.peak)):
        if variables:
            table[tuple(variables.keys_array.T)] = values[variables.columns] * (POWER if variables is model.peak else COUNT)
    _drop_unchosen(model, solution.use)
    solution.throttle, solution.contract, solution.match, solution.charge, solution.discharge = (
        _by_key(variables, values, POWER) for variables in (model.throttle, model.contract, model.match, model.charge, model.discharge))
    solution.battery = {s: (values[power] * POWER, values[model.battery_energy[s]] * J_PER_MWH)
                        for s, power in model.battery_power.items()}
    solution.training = model.arrays.training(solution.use)
    solution.money = _by_key(model.money, values, MONEY)
    solution.objective = program.objective_value()
    duals = program.row_duals
    solution.duals = {family: {} if duals is None else dict(zip(rows, duals[list(rows.values())].tolist()))
                      for family, rows in model.rows.items()}
    reduced = program.column_duals  # None without duals (a MILP): zeros
    solution.reduced_costs = {name: np.zeros(table.shape) for name, table in
                              (("installed", solution.installed), ("buy", solution.bought), ("use", solution.use))}
    for name, variables in (("installed", model.installed), ("buy", model.buy), ("use", model.use)):
        if reduced is not None:
            solution.reduced_costs[name][tuple(variables.keys_array.T)] = reduced[variables.columns]
    solution.slacks = {family: {key: float(values[column]) for key, column in slacks.items()} for family, slacks in model.slacks.items()}
    if model.integer and solver == "highs":
        solution.mip_gap = float(program.highs.getInfo().mip_gap)


def _by_key(variables: dict, values: np.ndarray, scale: float) -> dict:
    """{key: value x scale} of a variable table."""
    return dict(zip(variables, (values[list(variables.values())] * scale).tolist())) if variables else {}


def _drop_unchosen(model: PlanningModel, use: np.ndarray) -> None:
    """Zero a run's use of a type or site it did not choose: that is the solver's feasibility
    tolerance on its one-type and one-site rows (up to a thousandth of an accelerator a month),
    not training, and left in it would count the run as mixed or split and charge it their
    efficiency (found by the reordering property: 0.0065 accelerator-months cost 15%)."""
    for (r, g), kind in model.kind.items():
        if model.value(kind) < 0.5:
            use[:, g, :, r] = 0.0
    for (r, s), place in model.place.items():
        if model.value(place) < 0.5:
            use[s, :, :, r] = 0.0

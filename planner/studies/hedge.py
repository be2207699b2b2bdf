"""Hedged decisions: the orders to place before a decision month that do best across the
futures that can still happen (a two-stage stochastic programme, solved in extensive form).

Each case w (probability p_w) is the scenario with dotted-path changes, planned by its own copy
of the programme LP (planner.lp.model.PlanningModel); the copies share one LP (planner.lp.program; each
copy's variables and rows renamed with a prefix). Non-anticipativity: purchases buy[s,g,t] and
retirements retire[s,g,v,m] of every month up to and including the decision month are equal in
every case, matched by site, accelerator and month names. A purchase some case cannot make (its
type not yet delivered there in that case) is held at zero in every case: one order is placed
for all futures. Builds are not decisions of the LP (grid and fit-out arrive as each scenario
says), and the fleet's work (use) may differ by case before the date: it commits no money.

Objective (model money units):  sum_w p_w C_w + lambda * CVaR_alpha(C), where C_w is the case's
economic cost (`cost_objective`) plus its lateness charge, and CVaR is the Rockafellar-Uryasev
linearisation  eta + 1/(1 - alpha) sum_w p_w z_w,  z_w >= C_w - eta,  z_w >= 0,  eta free.

Deadlines hold in every case, or are priced (`late_penalty`, JPY per month late): every run may
then train up to `late_months` past its deadline (within the horizon), and a share f of its
compute delivered k months after its deadline is charged f * k * penalty, the compute-weighted
months late. It equals the finish
month's lateness when the late compute arrives in one month, and understates it when a small
tail trails (docs/hedging.md); each case's finish month is reported as planned.

Reported: the hedged orders; each case's outcome; the value of the stochastic solution (VSS:
the plan for the expected case, its orders held, each case adapting after the date, less the
hedged objective) and the expected value of perfect information (EVPI: the hedged objective
less the wait-and-see plans', each case planned alone, on any executor via the sweep's path).
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from planner.inputs.calendar import label, parse_month
from planner.inputs.errors import InputError
from planner.inputs.fields import read_toml
from planner.inputs.scenario import Scenario, changed, lookup
from planner.inputs.units import Unreadable, as_quantity, split_number
from planner.lp.model import COUNT, MONEY, PlanningModel, Terms
from planner.lp.program import EQ, GE, INF
from planner.lp.solve import Solution, SolverError, read_values, solve
from planner.results.plan import Plan, tabulate
from planner.results.verify import verify
from planner.studies.ranges import Vary
from planner.studies.sweep import MAX_SCENARIOS, ONE_AT_A_TIME, Progress, design, evaluate

REFUSED = ("objective", "solver", "horizon")  # a case varies the world, not the question, the solver or the months
PROBABILITY_SUM = 1e-6  # how far the listed probabilities may sum from 1
MAX_LATE_MONTHS = 120  # each month late lengthens every run's window in every case: the LP grows with it
HELD = 1e-6  # accelerators: less is no order
SAME = 1e-3  # accelerators: decisions this close are the same (the solver's tolerance, 1e-6 of a model unit, is 1e-3)
WAIT_AND_SEE = ["status", "reason", "cost_jpy"]  # a case planned alone, knowing its future


@dataclass(frozen=True)
class Case:
    """One future: the scenario with `changes` (dotted path: value as written), and its probability."""

    name: str
    probability: float
    changes: dict


@dataclass(frozen=True)
class Settings:
    decision: pd.Period  # the last month whose purchases and retirements every case shares
    risk_weight: float = 0.0  # lambda
    alpha: float = 0.9  # CVaR's level: the mean of the worst (1 - alpha) of cost
    late_penalty: float | None = None  # JPY per month late (compute-weighted); None: deadlines hard
    late_months: int = 6  # with a penalty, how many months past its deadline a run may train


@dataclass
class Variant:
    """A case's scenario as planned (every run's window `late_months` longer, within the horizon,
    when deadlines are priced), and each run's own deadline."""

    scenario: Scenario
    deadlines: dict[str, pd.Period]


@dataclass
class Program:
    """The extensive form: `models[0]` holds the shared problem (every case's columns after its
    own, case w's from offsets[w]: its first column and row); costs[w] and late[w] are C_w's parts (model money units), on
    the shared problem's columns."""

    models: list[PlanningModel]
    offsets: list[tuple[int, int]]
    costs: list[Terms]
    late: list[Terms]
    blocked: list[int] = field(default_factory=list)  # cases that cannot follow fixed orders


@dataclass
class Solved:
    status: str
    message: str
    solver: str
    seconds: float
    costs: list[float] = field(default_factory=list)  # C_w in JPY
    late: list[float] = field(default_factory=list)  # lateness charge in JPY
    solutions: list[Solution] = field(default_factory=list)
    objective: float | None = None  # JPY
    first_stage: dict = field(default_factory=dict)  # key: accelerators, of case 0 (every case's)
    models: list[PlanningModel] = field(default_factory=list)

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")


@dataclass
class Hedge:
    """The hedged decision and what it is worth. Money in JPY."""

    settings: Settings
    cases: list[Case]
    status: str
    message: str
    orders: pd.DataFrame  # site, accelerator, month, bought, retired: months up to the decision
    outcomes: pd.DataFrame  # per case: case, probability, changes, status, cost_jpy, ..., months_late
    plans: list[Plan]
    objective_jpy: float | None = None
    expected_cost_jpy: float | None = None
    cvar_jpy: float | None = None
    expected_case: Case | None = None
    expected_value_orders: pd.DataFrame = field(default_factory=pd.DataFrame)
    eev_jpy: float | None = None  # the expected-value plan's orders held, each case adapting
    vss_jpy: float | None = None
    vss_note: str = ""
    wait_and_see: pd.DataFrame = field(default_factory=pd.DataFrame)
    ws_jpy: float | None = None
    evpi_jpy: float | None = None
    notices: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict:
        """Headline numbers, JSON-ready."""
        return {
            "status": self.status, "message": self.message, "decision": label(self.settings.decision),
            "risk_weight": self.settings.risk_weight, "alpha": self.settings.alpha,
            "deadlines": "hard" if self.settings.late_penalty is None else "priced",
            "late_penalty_jpy_per_month": self.settings.late_penalty, "cases": len(self.cases),
            "objective_jpy": self.objective_jpy, "expected_cost_jpy": self.expected_cost_jpy, "cvar_jpy": self.cvar_jpy,
            "eev_jpy": self.eev_jpy, "vss_jpy": self.vss_jpy, "vss_note": self.vss_note,
            "ws_jpy": self.ws_jpy, "evpi_jpy": self.evpi_jpy, "extensive_form_seconds": self.seconds,
            "notices": self.notices,
        }


def hedge(scenario: Scenario, cases: list[Case], settings: Settings, executor: Executor | None = None,
          workers: int | None = None, progress: Progress | None = None) -> Hedge:
    """The hedged orders for `cases`, each case's outcome, VSS and EVPI (the wait-and-see plans on
    `executor`, or a local pool of `workers` processes)."""
    check(scenario, cases, settings)
    notices = [] if scenario.objective == "cost" else [
        f"hedging minimises expected economic cost; the scenario's objective '{scenario.objective}' is not used"]
    variants = [variant(scenario, case.changes, settings, f"case '{case.name}'") for case in cases]
    probabilities = [case.probability for case in cases]
    solved = solve_cases(variants, probabilities, settings)
    waits = evaluate(scenario, [case.changes for case in cases], executor, workers, progress,
                     task=partial(wait_and_see_chunk, settings)).reindex(columns=WAIT_AND_SEE)
    waits.insert(0, "case", [case.name for case in cases])
    result = Hedge(settings, cases, solved.status, solved.message, _orders(solved),
                   _outcomes(cases, variants, solved), [], wait_and_see=waits, notices=notices, seconds=solved.seconds)
    if not solved.has_plan:
        alone = [f"{row.case} ({row.status})" for row in waits.itertuples() if row.status not in ("optimal", "feasible")]
        if alone:
            result.message = f"{solved.message}; without a plan on their own: {', '.join(alone)}"
        return result
    result.plans = [tabulate(v.scenario, m.arrays, s, 0.0) for v, m, s in zip(variants, solved.models, solved.solutions)]
    problems = verify_hedge(result)
    if problems:  # as verified_plan: a plan that breaks a limit or its shared orders is a solver fault
        raise RuntimeError("the solver's hedged plan fails verification: " + "; ".join(problems[:5]))
    result.objective_jpy = solved.objective
    result.expected_cost_jpy = float(np.dot(probabilities, solved.costs))
    result.cvar_jpy = cvar(solved.costs, probabilities, settings.alpha)
    _value_of_the_stochastic_solution(result, scenario, variants, probabilities)
    if (waits["status"].isin(["optimal", "feasible"])).all():
        costs = waits["cost_jpy"].to_numpy(dtype=float)
        result.ws_jpy = float(np.dot(probabilities, costs)) + settings.risk_weight * cvar(costs, probabilities, settings.alpha)
        result.evpi_jpy = result.objective_jpy - result.ws_jpy
    return result


def verify_hedge(result: Hedge) -> list[str]:
    """What is wrong with a hedged plan, read from its plans' tables (not the model): each future's
    plan checked by `verify`, and each future's deliveries and retirements up to the decision
    month against the first future's. An empty list for a sound hedge."""
    problems = [f"{case.name}: {violation}" for case, plan in zip(result.cases, result.plans) for violation in verify(plan)]
    shared = [_shared(plan, label(result.settings.decision)) for plan in result.plans]
    for case, table in zip(result.cases[1:], shared[1:]):
        both = shared[0].join(table, how="outer", suffixes=("_first", "")).fillna(0.0)
        for column in ("delivered", "retired"):
            first, mine = both[f"{column}_first"], both[column]
            for where in both.index[(mine - first).abs() > SAME]:
                problems.append(f"{case.name}: {column} at {' '.join(where)} is {mine[where]:.6g}, "
                                f"{result.cases[0].name} has {first[where]:.6g} (decided before the date, shared)")
    return problems


def _shared(plan: Plan, decision: str) -> pd.DataFrame:
    """A plan's deliveries and retirements per site, type and month up to the decision month."""
    fleet = plan.fleet[plan.fleet["month"] <= decision]
    return fleet.set_index(["site", "accelerator", "month"])[["delivered", "retired"]]


def check(scenario: Scenario, cases: list[Case], settings: Settings) -> None:
    first, last = scenario.horizon.start, scenario.horizon.end
    if not first <= settings.decision <= last:
        raise InputError("--decision", f"a month of the horizon, {label(first)} to {label(last)}", label(settings.decision))
    if not 0 <= settings.alpha < 1:
        raise InputError("--alpha", "a level from 0 up to (not including) 1, e.g. 0.9", repr(settings.alpha))
    if not 0 <= settings.risk_weight < float("inf"):
        raise InputError("--risk-weight", "a weight of 0 or more on CVaR", repr(settings.risk_weight))
    if settings.late_penalty is not None and not 0 <= settings.late_penalty < float("inf"):
        raise InputError("--late-penalty", "JPY per month late, 0 or more", repr(settings.late_penalty))
    if not 1 <= settings.late_months <= MAX_LATE_MONTHS:
        raise InputError("--late-months", f"a whole number of months from 1 to {MAX_LATE_MONTHS}", repr(settings.late_months))
    if not 1 <= len(cases) <= MAX_SCENARIOS:
        raise InputError("--cases", f"from 1 to {MAX_SCENARIOS:,} cases", f"{len(cases):,}")
    total = sum(case.probability for case in cases)
    if abs(total - 1) > PROBABILITY_SUM:
        raise InputError("probability", "case probabilities that sum to 1", f"a sum of {total:.9g}")
    for case in cases:
        for path in case.changes:
            if path.split(".")[0] in REFUSED:
                raise InputError(path, f"a field outside {', '.join(REFUSED)} (every case plans the same months, "
                                 "for least expected cost, with one solver)", f"case '{case.name}' varies it")


def cases_from_design(varies: list[Vary], draws: int | None, seed: int | None) -> tuple[list[Case], int | None]:
    """Equally likely cases: the sweep's design of `varies` (grids, lists, `draws` Monte Carlo
    samples from `seed`). Returns the cases and the seed used."""
    points = design(varies, draws, seed)
    rows = points.to_dict("records")
    cases = [Case(f"draw {i + 1}", 1 / len(rows), {v.field: v.written(row[v.field]) for v in varies})
             for i, row in enumerate(rows)]
    return cases, points.attrs["seed"]


def cases_from_file(path) -> list[Case]:
    """Cases listed in a TOML file, each a table [cases.NAME] with `probability` and the fields it
    changes by dotted path ("accelerators.B200.mfu" = 0.3, quoted or as nested tables)."""
    document = read_toml(path, "--cases")
    table = document.get("cases")
    if not isinstance(table, dict) or not table or set(document) != {"cases"}:
        raise InputError("cases", "tables [cases.NAME], each with a probability and the fields it changes",
                         f"top-level keys {sorted(document)}", str(path))
    cases = []
    for name, entry in table.items():
        where = f"cases.{name}"
        if not isinstance(entry, dict):
            raise InputError(where, "a table with a probability and the fields it changes", repr(entry), str(path))
        changes = _dotted(entry)
        probability = changes.pop("probability", None)
        if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 < probability <= 1:
            raise InputError(f"{where}.probability", "a probability above 0 and at most 1", repr(probability), str(path))
        cases.append(Case(name, float(probability), changes))
    return cases


def _dotted(entry: dict, prefix: str = "") -> dict:
    """Nested tables as dotted paths; a table with `value` or `by_month` is one value."""
    flat = {}
    for key, value in entry.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and not ({"value", "by_month"} & set(value)):
            flat.update(_dotted(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def expected_case(scenario: Scenario, cases: list[Case]) -> Case:
    """The expected-value case: each field at its probability-weighted mean (numbers, quantities
    in the first case's unit, months rounded to the nearest), or its most likely value where no
    mean exists (names, true/false, monthly profiles). A case that leaves a field alone counts
    with the value the scenario writes for it (with the cases that set it alone where the
    scenario leaves it at its default)."""
    document = scenario.document()
    fields = list(dict.fromkeys(path for case in cases for path in case.changes))
    changes = {}
    for path in fields:
        written = lookup(document, path)
        present = [(case.changes.get(path, written), case.probability) for case in cases
                   if path in case.changes or written is not None]
        changes[path] = _mean([v for v, _ in present], np.array([p for _, p in present]), path)
    return Case("expected value", 1.0, changes)


def _mean(values: list, weights: np.ndarray, path: str):
    weights = weights / weights.sum()
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return float(np.dot(weights, values))
    if all(isinstance(v, str) for v in values):
        try:
            months = [parse_month(v, path).ordinal for v in values]
            return label(pd.Period(ordinal=int(round(float(np.dot(weights, months)))), freq="M"))
        except InputError:
            pass
        try:
            unit = split_number(values[0])[1]
            numbers = [float(as_quantity(v).to(as_quantity(values[0]).units).magnitude) for v in values]
            return f"{float(np.dot(weights, numbers))!r} {unit}".strip()
        except (Unreadable, TypeError, ValueError, ArithmeticError, AttributeError):
            pass
    likely: dict = {}
    for value, weight in zip(values, weights):
        key = repr(value)
        likely[key] = (likely.get(key, (value, 0.0))[0], likely.get(key, (value, 0.0))[1] + weight)
    return max(likely.values(), key=lambda pair: pair[1])[0]


def variant(scenario: Scenario, changes: dict, settings: Settings, where: str = "case") -> Variant:
    """A case's scenario as planned: deadlines `late_months` later (within the horizon) when they are priced."""
    case = changed(scenario, changes, where) if changes else scenario
    deadlines = {name: work.deadline for name, work in case.training_runs.items()}
    if settings.late_penalty is None:
        return Variant(case, deadlines)

    def later(work):
        return work.model_copy(update={"deadline": min(work.deadline + settings.late_months, case.horizon.end)})

    if case.workload is not None:
        moved = case.model_copy(update={"workload": later(case.workload)})
    else:
        moved = case.model_copy(update={"runs": {name: later(work) for name, work in case.runs.items()}})
    moved._document = case.document()
    return Variant(moved, deadlines)


def extensive_form(variants: list[Variant], probabilities: list[float], settings: Settings,
                   fixed: dict | None = None) -> Program:
    """One problem for every case: non-anticipative orders up to the decision month (or, with
    `fixed`, the orders given: key -> accelerators), objective E[C] + lambda CVaR_alpha(C)."""
    models = [PlanningModel(v.scenario) for v in variants]
    host = models[0].problem
    offsets = [(0, 0)] + [host.append(model.problem, f"case{k}_") for k, model in enumerate(models[1:], 1)]
    costs = [_shifted(model.cost_objective(), offset) for model, (offset, _) in zip(models, offsets)]
    late = [_shifted(_lateness(model, v.deadlines, settings.late_penalty), offset)
            for model, v, (offset, _) in zip(models, variants, offsets)]
    stages = [{key: column + offset for key, column in first_stage(model, settings.decision).items()}
              for model, (offset, _) in zip(models, offsets)]
    program = Program(models, offsets, costs, late)
    if fixed is None:
        _nonanticipative(host, stages)
    else:
        program.blocked = _fix(host, stages, fixed)
    totals = [cost + charge for cost, charge in zip(costs, late)]
    objective = Terms()
    for p, total in zip(probabilities, totals):
        objective += total * p
    if settings.risk_weight > 0:
        eta = host.add_column("cvar_eta", lower=-INF)
        excess = [host.add_column(f"cvar_excess_{w}") for w in range(len(models))]
        for w, (z, total) in enumerate(zip(excess, totals)):
            host.add_row("cvar_excess", (w,), *(Terms([z, eta], [1.0, 1.0]) + total * -1.0), GE, 0.0)
        share = settings.risk_weight / (1 - settings.alpha)
        objective += Terms([eta, *excess], [settings.risk_weight, *(share * p for p in probabilities)])
    host.set_objective(*objective)
    models[0].integer = any(model.integer for model in models)
    return program


def _shifted(terms: Terms, offset: int) -> Terms:
    """`terms` of a case's own columns on the shared problem's."""
    return Terms(terms[0] + offset, terms[1])


def first_stage(model: PlanningModel, decision: pd.Period) -> dict:
    """The decisions every case shares: purchases and retirements up to the decision month, by
    ("buy", site, accelerator, month) and ("retire", site, accelerator, bought, month); their columns."""
    a = model.arrays
    before = a.months <= decision
    stage = {("buy", a.sites[s], a.accelerators[g], a.month_labels[t]): column
             for (s, g, t), column in model.buy.items() if before[t]}
    stage.update({("retire", a.sites[s], a.accelerators[g], a.month_labels[v], a.month_labels[m]): column
                  for (s, g, v, m), column in model.retire.items() if before[m]})
    return stage


def _nonanticipative(host, stages: list[dict]) -> None:
    keys = list(dict.fromkeys(key for stage in stages for key in stage))
    for index, key in enumerate(keys):
        present = [stage[key] for stage in stages if key in stage]
        if len(present) < len(stages):  # some case cannot make it: no case does
            for k, column in enumerate(present):
                host.add_row("nonanticipative", (index, k), [column], [1.0], EQ, 0.0)
            continue
        for k, column in enumerate(present[1:], 1):
            host.add_row("nonanticipative", (index, k), [column, present[0]], [1.0, -1.0], EQ, 0.0)


def _fix(host, stages: list[dict], fixed: dict) -> list[int]:
    """Hold every case's first stage at `fixed`; the cases that lack a decision it makes."""
    blocked = []
    for w, stage in enumerate(stages):
        for key, column in stage.items():
            host.fix([column], fixed.get(key, 0.0) / COUNT)
        if any(value > HELD and key not in stage for key, value in fixed.items()):
            blocked.append(w)
    return blocked


def _lateness(model: PlanningModel, deadlines: dict[str, pd.Period], penalty: float | None) -> Terms:
    """The lateness charge: penalty x months after the run's own deadline x share of its compute."""
    if penalty is None:
        return Terms()
    a = model.arrays
    due = np.array([a.months.get_loc(deadlines[name]) for name in a.runs] + [len(a.months)] * len(a.streams))
    s, g, t, w = model.use.keys_array.T
    late = t > due[w]  # serving streams are never late
    s, g, t, w = s[late], g[late], t[late], w[late]
    return Terms(model.use.columns[late], penalty / MONEY * (t - due[w]) * a.run_flop[w, s, g, t] * COUNT / a.required[w])


def solve_cases(variants: list[Variant], probabilities: list[float], settings: Settings,
                fixed: dict | None = None) -> Solved:
    """Build and solve the extensive form; each case's solution read from the shared problem."""
    program = extensive_form(variants, probabilities, settings, fixed)
    if program.blocked:
        return Solved("infeasible", "the orders given cannot be delivered in every case", "", 0.0)
    host = program.models[0]
    shared = solve(host)
    solved = Solved(shared.status, shared.message, shared.solver, shared.seconds, models=program.models)
    if not shared.has_plan:
        return solved
    every = host.problem
    for model, offset, cost, charge in zip(program.models, program.offsets, program.costs, program.late):
        _take_solution(model.problem, every, offset)
        solution = _case_solution(model, shared)
        solution.objective = _value(cost, every) + _value(charge, every)
        solved.solutions.append(solution)
        solved.costs.append(solution.objective * MONEY)
        solved.late.append(_value(charge, every) * MONEY)
    solved.objective = every.objective_value() * MONEY
    stage = first_stage(host, settings.decision)
    solved.first_stage = {key: every.value(column) * COUNT for key, column in stage.items()}
    return solved


def _value(terms: Terms, program) -> float:
    return float(program.values[terms[0]] @ terms[1])


def _take_solution(own, shared, offset: tuple[int, int]) -> None:
    """A case's values and duals from the shared problem's (case 0 is the shared problem)."""
    if own is shared:
        return
    columns, rows = slice(offset[0], offset[0] + own.columns), slice(offset[1], offset[1] + own.rows)
    own.values = shared.values[columns]
    own.row_duals = None if shared.row_duals is None else shared.row_duals[rows]
    own.column_duals = None if shared.column_duals is None else shared.column_duals[columns]
    own.highs = shared.highs


def _case_solution(model: PlanningModel, shared: Solution) -> Solution:
    S, G, T = shape = model.arrays.installable.shape
    solution = Solution(shared.status, shared.solver, shared.seconds, np.zeros(shape), np.zeros(shape), np.zeros(shape),
                        np.zeros((S, G, T, len(model.workloads))), np.zeros((S, G, T, T)), message=shared.message,
                        notices=shared.notices, mip_gap=shared.mip_gap)
    read_values(model, solution, "extensive form")  # the MIP gap is the shared problem's
    return solution


def cvar(costs, probabilities, alpha: float) -> float:
    """CVaR_alpha of a discrete distribution: min over eta of eta + E[(C - eta)+] / (1 - alpha),
    reached at one of the costs."""
    costs, probabilities = np.asarray(costs, dtype=float), np.asarray(probabilities, dtype=float)
    return float(min(eta + np.dot(probabilities, np.maximum(costs - eta, 0.0)) / (1 - alpha) for eta in costs))


def _orders(solved: Solved) -> pd.DataFrame:
    """The hedged decision: accelerators bought and retired (by the month they leave) per site,
    type and month up to the decision month."""
    columns = ["site", "accelerator", "month", "bought", "retired"]
    if not solved.has_plan:
        return pd.DataFrame(columns=columns)
    return _stage_table(solved.first_stage, columns)


def _stage_table(stage: dict, columns: list[str]) -> pd.DataFrame:
    rows: dict[tuple, dict] = {}
    for key, value in stage.items():
        kind, site, accelerator, *months = key
        where = (site, accelerator, months[-1])
        row = rows.setdefault(where, {"site": site, "accelerator": accelerator, "month": months[-1], "bought": 0.0, "retired": 0.0})
        row["bought" if kind == "buy" else "retired"] += value
    kept = [row for row in rows.values() if row["bought"] > HELD or row["retired"] > HELD]
    return pd.DataFrame(kept, columns=columns).sort_values(["month", "site", "accelerator"], ignore_index=True)


def _outcomes(cases: list[Case], variants: list[Variant], solved: Solved) -> pd.DataFrame:
    rows = []
    for w, (case, v) in enumerate(zip(cases, variants)):
        row = {"case": case.name, "probability": case.probability, **case.changes, "status": solved.status}
        if solved.has_plan:
            plan = tabulate(v.scenario, solved.models[w].arrays, solved.solutions[w], 0.0)
            summary = plan.headline()
            late = [(parse_month(r.finish, "finish") - v.deadlines[r.run]).n if r.finish else None for r in plan.runs.itertuples()]
            row.update({"cost_jpy": solved.costs[w], "economic_cost_jpy": solved.costs[w] - solved.late[w],
                        "late_charge_jpy": solved.late[w], "capex_jpy": summary["capex_jpy"],
                        "finish_month": summary["finish_month"],
                        "months_late": None if None in late else max([0, *late])})
        rows.append(row)
    return pd.DataFrame(rows)


def _value_of_the_stochastic_solution(result: Hedge, scenario: Scenario, variants: list[Variant],
                                      probabilities: list[float]) -> None:
    """The plan for the expected case; its orders held in every case (EEV); VSS = EEV - hedged."""
    settings = result.settings
    result.expected_case = expected_case(scenario, result.cases)
    mean = variant(scenario, result.expected_case.changes, settings, "the expected case")
    planned = solve_cases([mean], [1.0], settings)
    if not planned.has_plan:
        result.vss_note = f"the expected case has no plan of its own ({planned.status})"
        return
    result.expected_value_orders = _stage_table(planned.first_stage, list(result.orders.columns))
    held = solve_cases(variants, probabilities, settings, fixed=planned.first_stage)
    if held.has_plan:
        result.eev_jpy = held.objective
        result.vss_jpy = held.objective - result.objective_jpy
        return
    failing = [case.name for case, v in zip(result.cases, variants)
               if not solve_cases([v], [1.0], settings, fixed=planned.first_stage).has_plan]
    result.vss_note = ("the expected-value plan's orders leave no plan in "
                       f"{', '.join(failing) or 'the cases together'} (VSS unbounded: hedging is needed to have a plan at all)")


def wait_and_see_chunk(settings: Settings, scenario: Scenario, chunk: list[dict]) -> list[dict]:
    """The sweep executor's task: each case planned alone, knowing its future (a module-level
    function, so it travels to process pools and Dask workers)."""
    with ONE_AT_A_TIME:
        return [_alone(scenario, changes, settings) for changes in chunk]


def _alone(scenario: Scenario, changes: dict, settings: Settings) -> dict:
    try:
        solved = solve_cases([variant(scenario, changes, settings)], [1.0], settings)
    except InputError as error:
        return {"status": "bad input", "reason": str(error)}
    except SolverError as error:
        return {"status": "solver error", "reason": str(error)}
    if not solved.has_plan:
        return {"status": solved.status, "reason": solved.message}
    return {"status": solved.status, "reason": "", "cost_jpy": solved.costs[0]}

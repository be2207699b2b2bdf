"""The planning LP built straight from numpy arrays and handed to highspy in one call.

Two jobs: the speed baseline for the PuLP model (planner.lp.model), and an independent check of
its formulation. The rows are written here from the formulation (planner/lp/model.py docstrings,
the design page) as whole-array operations, not by calling the PuLP model's code, so a
mistake in either shows up as a different optimum. Only the model units (COUNT, POWER, MONEY,
COMPUTE) are shared, so HiGHS sees the same well-scaled numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from planner.inputs.scenario import Budget, Scenario
from planner.lp.arrays import ScenarioArrays
from planner.lp.model import COMPUTE, COUNT, MONEY, POWER
from planner.lp.solve import Solution
from planner.results.plan import Plan, tabulate

INF = highspy.kHighsInf

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
}


@dataclass
class RawResult:
    status: str  # "optimal", "infeasible", "unbounded", "not solved"
    objective_jpy: float  # NaN unless optimal
    installed: np.ndarray  # (S, G, T) accelerators, zeros unless optimal
    training: np.ndarray  # (S, G, T) accelerators, zeros unless optimal
    columns: int
    rows: int
    nonzeros: int


@dataclass
class _Rows:
    """Rows gathered block by block as (row, column, value) triplets with their bounds."""

    lower: list = field(default_factory=list)
    upper: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    count: int = 0

    def add(self, lower, upper, rows, columns, values) -> None:
        """Append len(lower) rows; `rows` numbers them from 0 within this block."""
        lower, upper = np.atleast_1d(lower).astype(float), np.atleast_1d(upper).astype(float)
        self.lower.append(lower)
        self.upper.append(upper)
        self.entries.append((np.asarray(rows) + self.count, np.asarray(columns), np.asarray(values, dtype=float)))
        self.count += len(lower)

    def add_dense(self, coefficients: np.ndarray, lower: float, upper: float) -> None:
        """One row given as a full coefficient vector over the columns."""
        columns = np.flatnonzero(coefficients)
        self.add(lower, upper, np.zeros(len(columns), dtype=int), columns, coefficients[columns])

    def rowwise(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR arrays (start, index, value); no (row, column) pair is ever added twice."""
        rows, columns, values = (np.concatenate(part) for part in zip(*self.entries))
        order = np.argsort(rows, kind="stable")
        start = np.searchsorted(rows[order], np.arange(self.count + 1))
        return start.astype(np.int32), columns[order].astype(np.int32), values[order]


def build(arrays: ScenarioArrays, budget: Budget) -> tuple[int, np.ndarray, _Rows]:
    """Columns, objective and rows of the least-cost LP, in model units."""
    S, G, T = arrays.installable.shape
    fleet_mask, train_mask = _column_masks(arrays)
    n_fleet, n_train = int(fleet_mask.sum()), int(train_mask.sum())
    fleet = np.full((S, G, T), -1)
    fleet[fleet_mask] = np.arange(n_fleet)
    train = np.full((S, G, T), -1)
    train[train_mask] = n_fleet + np.arange(n_train)
    columns = n_fleet + n_train

    # Per accelerator in a month: W drawn at the meter while idle / while training, and the yen that costs.
    facility_w = arrays.pue[:, None, :] * arrays.power[None, :, None]
    idle_w = facility_w * arrays.idle[None, :, None]
    active_w = facility_w * (1 - arrays.idle)[None, :, None]
    yen_per_w = (arrays.price * arrays.seconds)[:, None, :]
    unit_capex = arrays.capex * COUNT / MONEY

    def spending(through: int, since: int | None = None) -> np.ndarray:
        """Capex of the fleet grown after `since` up to `through`, plus electricity in those months."""
        cost = np.zeros(columns)
        window = np.zeros(T, dtype=bool)
        window[0 if since is None else since + 1 : through + 1] = True
        in_window = fleet_mask & window
        cost[fleet[in_window]] += (idle_w * yen_per_w)[in_window] * COUNT / MONEY
        in_window = train_mask & window
        cost[train[in_window]] += (active_w * yen_per_w)[in_window] * COUNT / MONEY
        for month, sign in ((through, 1.0), (since, -1.0)):
            if month is not None:
                present = fleet_mask[:, :, month]
                cost[fleet[:, :, month][present]] += sign * unit_capex[present]
        return cost

    rows = _Rows()
    # compute_requirement
    rows.add(
        arrays.required_flop / COMPUTE, INF, np.zeros(n_train, dtype=int), train[train_mask],
        arrays.flop_per_month[train_mask] * COUNT / COMPUTE,
    )
    # training_within_fleet: training - installed <= 0
    pair = np.arange(n_train)
    rows.add(
        np.full(n_train, -INF), np.zeros(n_train), np.concatenate([pair, pair]),
        np.concatenate([train[train_mask], fleet[train_mask]]), np.repeat([1.0, -1.0], n_train),
    )
    # fleet_kept: installed[t] - installed[t-1] >= 0 where both exist
    kept = fleet_mask[:, :, 1:] & fleet_mask[:, :, :-1]
    k = int(kept.sum())
    pair = np.arange(k)
    rows.add(
        np.zeros(k), np.full(k, INF), np.concatenate([pair, pair]),
        np.concatenate([fleet[:, :, 1:][kept], fleet[:, :, :-1][kept]]), np.repeat([1.0, -1.0], k),
    )
    # grid_limit and it_capacity: one row per site-month holding any accelerator
    site_month = fleet_mask.any(axis=1)
    row_of = np.full((S, T), -1)
    row_of[site_month] = np.arange(int(site_month.sum()))
    fleet_row = np.broadcast_to(row_of[:, None, :], (S, G, T))
    headroom = arrays.grid - arrays.pue * arrays.reserved[:, None]
    rows.add(
        np.full(int(site_month.sum()), -INF), headroom[site_month] / POWER,
        np.concatenate([fleet_row[fleet_mask], fleet_row[train_mask]]),
        np.concatenate([fleet[fleet_mask], train[train_mask]]),
        np.concatenate([idle_w[fleet_mask], active_w[train_mask]]) * COUNT / POWER,
    )
    room = arrays.it_capacity - arrays.reserved[:, None]
    it_w = np.broadcast_to(arrays.power[None, :, None], (S, G, T))
    rows.add(
        np.full(int(site_month.sum()), -INF), room[site_month] / POWER,
        fleet_row[fleet_mask], fleet[fleet_mask], it_w[fleet_mask] * COUNT / POWER,
    )
    # delivery: growth of the fleet summed over sites, per capped accelerator and month
    held_before = np.zeros_like(fleet_mask)
    held_before[:, :, 1:] = fleet_mask[:, :, :-1]
    capped = np.isfinite(arrays.delivery_cap)
    accel_month = (fleet_mask | held_before).any(axis=0) & capped[:, None]
    row_of = np.full((G, T), -1)
    row_of[accel_month] = np.arange(int(accel_month.sum()))
    delivery_row = np.broadcast_to(row_of[None, :, :], (S, G, T))
    now = fleet_mask & capped[None, :, None]
    before = held_before & capped[None, :, None]
    rows.add(
        np.full(int(accel_month.sum()), -INF),
        np.broadcast_to(arrays.delivery_cap[:, None], (G, T))[accel_month] / COUNT,
        np.concatenate([delivery_row[now], delivery_row[before]]),
        np.concatenate([fleet[now], fleet[:, :, :-1][before[:, :, 1:]]]),
        np.concatenate([np.ones(int(now.sum())), -np.ones(int(before.sum()))]),
    )
    # budget
    last = T - 1
    rows.add_dense(spending(last), -INF, budget.total / MONEY)
    # budget_fy: spending to each fiscal year's end within the money arrived so far (carry-over),
    # or that year's spending within that year's money
    by_year = budget.by_fiscal_year()
    years = sorted(by_year)
    money = np.array([by_year[year] for year in years])
    for year, limit in zip(years, np.cumsum(money) if budget.carry_over else money):
        months = np.flatnonzero(arrays.fiscal_year == year)
        if len(months):
            since = None if budget.carry_over or months[0] == 0 else int(months[0]) - 1
            rows.add_dense(spending(int(months[-1]), since), -INF, limit / MONEY)
    return columns, spending(last), rows


def _column_masks(arrays: ScenarioArrays) -> tuple[np.ndarray, np.ndarray]:
    """Where installed and training columns exist; columns are numbered installed first, each in C order."""
    return arrays.installable, arrays.installable & arrays.trainable[None, None, :]


def load(arrays: ScenarioArrays, budget: Budget, time_limit: float = 60.0) -> highspy.Highs:
    """A quiet HiGHS instance holding the LP, passed as one CSR model."""
    columns, cost, rows = build(arrays, budget)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = columns, rows.count
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, np.zeros(columns), np.full(columns, INF)
    lp.row_lower_, lp.row_upper_ = np.concatenate(rows.lower), np.concatenate(rows.upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = rows.rowwise()
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit))
    highs.passModel(lp)
    return highs


def run(highs: highspy.Highs, arrays: ScenarioArrays) -> RawResult:
    """Solve, and read the fleet back in accelerators. A time limit is "not solved" (PuLP would say optimal)."""
    highs.run()
    status = _STATUS.get(highs.getModelStatus(), "not solved")
    fleet_mask, train_mask = _column_masks(arrays)
    installed, training = np.zeros(fleet_mask.shape), np.zeros(fleet_mask.shape)
    objective = float("nan")
    if status == "optimal":
        objective = highs.getInfo().objective_function_value * MONEY
        values = np.asarray(highs.getSolution().col_value) * COUNT
        installed[fleet_mask] = values[: int(fleet_mask.sum())]
        training[train_mask] = values[int(fleet_mask.sum()) :]
    return RawResult(status, objective, installed, training, highs.getNumCol(), highs.getNumRow(), highs.getNumNz())


def model(scenario: Scenario) -> tuple[ScenarioArrays, highspy.Highs]:
    """What PlanningModel(scenario) does, by this route: the arrays, then the LP handed to HiGHS."""
    arrays = ScenarioArrays.of(scenario)
    return arrays, load(arrays, scenario.budget, scenario.solver.time_limit)


def solve_raw(scenario: Scenario) -> RawResult:
    arrays, highs = model(scenario)
    return run(highs, arrays)


def raw_plan(scenario: Scenario) -> Plan:
    """`make_plan` with this LP in place of the PuLP model: same arrays, same tables."""
    started = time.perf_counter()
    arrays, highs = model(scenario)
    built = time.perf_counter()
    result = run(highs, arrays)
    solution = Solution(result.status, "highspy", time.perf_counter() - built, result.installed, result.training)
    return tabulate(scenario, arrays, solution, built - started)

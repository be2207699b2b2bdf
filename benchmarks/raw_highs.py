"""The planning LP built straight from numpy arrays and handed to highspy in one call.

Two jobs: the speed baseline for the planner's model (planner.lp.model), and an independent check of
its formulation. The rows are written here from the formulation (planner/lp/model.py docstrings,
docs/input-files.md, the design page /programme-model) as whole-array operations over index
arrays, not by calling the planner's model code, so a mistake in either shows up as a different
optimum. Only the model units (COUNT, POWER, MONEY, COMPUTE, TOKENS) are shared, so HiGHS sees
the same well-scaled numbers.

The copy covers the programme over the whole horizon: purchases, the fleet by month, retirements
by vintage, use per workload (runs inside their windows, serving streams), the three economic
views, the total budget and money by fiscal year. It leaves out what needs more than an LP or a
second set of money columns: `after` chains (binaries), public and private money, and whole
servers (integer sizing); `build` refuses such a scenario.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from planner.inputs.scenario import Scenario
from planner.lp.arrays import ScenarioArrays
from planner.lp.model import COMPUTE, COUNT, MONEY, POWER, TOKENS
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
    objective_jpy: float  # the economic cost in the scenario's view; NaN unless optimal
    solution: Solution  # the fleet arrays in accelerators, zeros unless optimal
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


@dataclass
class Columns:
    """Column numbers by index, -1 where there is no column: installed (S, G, T), buy (S, G, T),
    use (S, G, T, W) with runs first, retire (S, G, V, M), peak (S, T) where a demand charge applies."""

    installed: np.ndarray
    buy: np.ndarray
    use: np.ndarray
    retire: np.ndarray
    peak: np.ndarray
    count: int

    @classmethod
    def of(cls, arrays: ScenarioArrays) -> "Columns":
        S, G, T = arrays.installable.shape
        # the fleet exists once a delivery could have come, or from the start with an existing fleet
        held = np.logical_or.accumulate(arrays.installable, axis=2) | (arrays.existing > 0)[:, :, None]
        run_use = (arrays.run_flop > 0).transpose(1, 2, 3, 0)  # (S, G, T, R)
        stream_use = (arrays.demand.T[:, None, :] > 0) & (arrays.serving.T[None, :, :] > 0)  # (T, G, K)
        stream_use = np.broadcast_to(stream_use.transpose(1, 0, 2)[None], (S, G, T, len(arrays.streams)))
        use = np.concatenate([run_use, stream_use], axis=3) & held[..., None]
        later = np.arange(T)[None, :] > np.arange(T)[:, None]  # (V, M): m after v
        retire = arrays.installable[..., None] & (later & arrays.retire_months[None, :])[None, None]
        charged = held.any(axis=1) & (arrays.demand_charge > 0)[:, None]
        count, numbered = 0, []
        for mask in (held, arrays.installable, use, retire, charged):
            index = np.full(mask.shape, -1)
            index[mask] = count + np.arange(int(mask.sum()))
            count += int(mask.sum())
            numbered.append(index)
        return cls(*numbered, count)


def build(scenario: Scenario, arrays: ScenarioArrays) -> tuple[Columns, np.ndarray, float, _Rows]:
    """Columns, objective (and its constant) and rows of the least-economic-cost LP, in model units."""
    if any(first is not None for first in arrays.after) or scenario.budget.by_source() or scenario.solver.integer:
        raise NotImplementedError("the raw copy has no `after` chains, public/private money or whole servers")
    S, G, T = arrays.installable.shape
    R = len(arrays.runs)
    col = Columns.of(arrays)
    fleet, buy, use, retire = col.installed, col.buy, col.use, col.retire
    held, bought, working, sold = fleet >= 0, buy >= 0, use >= 0, retire >= 0

    # Per accelerator in a month, in model units: facility W idle / at work, and joules drawn so.
    facility_w = arrays.pue[:, None, :] * arrays.power[None, :, None] * COUNT  # (S, G, T)
    idle_w = facility_w * arrays.idle[None, :, None]
    active_w = facility_w * (1 - arrays.idle)[None, :, None]
    seconds = arrays.seconds[None, None, :]
    capex = arrays.capex * COUNT / MONEY  # (S, G, T) by delivery month
    order = np.arange(T)[None, :] - arrays.lead[:, None]  # (G, T) order month of a delivery

    def energy(per_joule: np.ndarray, months: np.ndarray) -> np.ndarray:
        """Objective-like vector: `per_joule` (S, T) x the energy of each column in `months`."""
        vector = np.zeros(col.count)
        per_w = (per_joule[:, None, :] * seconds / MONEY) * months[None, None, :]
        np.add.at(vector, fleet[held], (idle_w * per_w)[held])
        use_w = np.broadcast_to((active_w * per_w)[..., None], use.shape)
        np.add.at(vector, use[working], use_w[working])
        return vector

    def demand(months: np.ndarray) -> np.ndarray:
        """Objective-like vector: the demand charge on each peak column, weighted by `months` (T,)."""
        vector = np.zeros(col.count)
        charged = col.peak >= 0
        per_mw = arrays.demand_charge[:, None] * POWER / MONEY * months[None, :]
        vector[col.peak[charged]] = per_mw[charged]
        return vector

    def spending(months: np.ndarray) -> np.ndarray:
        """Cash paid in `months` (a (T,) mask): capex at order, electricity and demand charges."""
        vector = energy(arrays.price, months.astype(float)) + demand(months.astype(float))
        in_months = bought & ((order >= 0) & months[np.clip(order, 0, T - 1)])[None]
        vector[buy[in_months]] += capex[in_months]
        return vector

    cost, constant = _objective(scenario, arrays, col, capex, energy)
    cost += demand(np.ones(T) if scenario.economics.view == "cash" else (1 + scenario.economics.discount_rate) ** (-np.arange(T) / 12))
    rows = _Rows()
    # compute_requirement: each run's FLOP inside its window
    r_index = np.broadcast_to(np.arange(use.shape[3])[None, None, None, :], use.shape)
    is_run = working & (r_index < R)
    flop = np.moveaxis(arrays.run_flop, 0, 3) * COUNT / COMPUTE  # (S, G, T, R)
    rows.add(arrays.required / COMPUTE, np.full(R, INF), r_index[is_run], use[is_run],
             flop[is_run[..., :R]])
    # serving_demand: each stream's tokens per second in each month it has demand
    K = len(arrays.streams)
    demand_row = np.full((K, T), -1)
    needed = arrays.demand > 0
    demand_row[needed] = np.arange(int(needed.sum()))
    is_stream = working & (r_index >= R)
    s_, g_, t_, w_ = np.nonzero(is_stream)
    rows.add(arrays.demand[needed] / TOKENS, np.full(int(needed.sum()), INF), demand_row[w_ - R, t_],
             use[s_, g_, t_, w_], arrays.serving[w_ - R, g_] * COUNT / TOKENS)
    # use_within_fleet: sum over workloads of use - installed <= 0, where any workload may work
    any_use = working.any(axis=3)
    n = int(any_use.sum())
    row_of = np.full((S, G, T), -1)
    row_of[any_use] = np.arange(n)
    s_, g_, t_, w_ = np.nonzero(working)
    # not yet commissioned in row t: deliveries of v > t - lag, less their retirements from m <= t
    young_rows, young_cols, young_coef = [], [], []
    b_s, b_g, b_v = np.nonzero(bought)
    r_s, r_g, r_v, r_m = np.nonzero(sold)
    for k in range(int(arrays.lag.max(initial=0))):
        b = (k < arrays.lag[b_g]) & (b_v + k < T)
        b &= any_use[b_s, b_g, np.minimum(b_v + k, T - 1)]
        young_rows.append(row_of[b_s[b], b_g[b], b_v[b] + k])
        young_cols.append(buy[b_s[b], b_g[b], b_v[b]])
        young_coef.append(np.ones(int(b.sum())))
        r = (k < arrays.lag[r_g]) & (r_v + k < T) & (r_m <= r_v + k)
        r &= any_use[r_s, r_g, np.minimum(r_v + k, T - 1)]
        young_rows.append(row_of[r_s[r], r_g[r], r_v[r] + k])
        young_cols.append(retire[r_s[r], r_g[r], r_v[r], r_m[r]])
        young_coef.append(-np.ones(int(r.sum())))
    rows.add(np.full(n, -INF), np.zeros(n), np.concatenate([row_of[s_, g_, t_], row_of[any_use], *young_rows]),
             np.concatenate([use[s_, g_, t_, w_], fleet[any_use], *young_cols]),
             np.concatenate([np.ones(len(s_)), -np.ones(n), *young_coef]))
    # fleet_balance: installed[t] - installed[t-1] - buy[t] + retired from t = existing (t = 0) or 0
    n = int(held.sum())
    row_of = np.full((S, G, T), -1)
    row_of[held] = np.arange(n)
    before = held.copy()
    before[:, :, 0] = False
    before[:, :, 1:] &= held[:, :, :-1]
    s_, g_, v_, m_ = np.nonzero(sold)
    rhs = np.where(np.arange(T)[None, None, :] == 0, arrays.existing[:, :, None] / COUNT, 0.0)[held]
    rows.add(rhs, rhs,
             np.concatenate([row_of[held], row_of[before], row_of[bought], row_of[s_, g_, m_]]),
             np.concatenate([fleet[held], np.roll(fleet, 1, axis=2)[before], buy[bought], retire[sold]]),
             np.concatenate([np.ones(n), -np.ones(int(before.sum())), -np.ones(int(bought.sum())), np.ones(len(s_))]))
    # retire_within_purchase: no more of a vintage sold than was bought
    vintage = sold.any(axis=3)
    n = int(vintage.sum())
    row_of = np.full((S, G, T), -1)
    row_of[vintage] = np.arange(n)
    rows.add(np.full(n, -INF), np.zeros(n), np.concatenate([row_of[s_, g_, v_], row_of[vintage]]),
             np.concatenate([retire[sold], buy[vintage]]), np.concatenate([np.ones(len(s_)), -np.ones(n)]))
    # grid_limit and it_capacity: one row per site-month holding any accelerator
    site_month = held.any(axis=1)
    n = int(site_month.sum())
    row_of = np.full((S, T), -1)
    row_of[site_month] = np.arange(n)
    s_, g_, t_, w_ = np.nonzero(working)
    headroom = arrays.grid - arrays.pue * arrays.reserved
    fleet_row = np.broadcast_to(row_of[:, None, :], (S, G, T))
    rows.add(np.full(n, -INF), headroom[site_month] / POWER,
             np.concatenate([fleet_row[held], row_of[s_, t_]]), np.concatenate([fleet[held], use[s_, g_, t_, w_]]),
             np.concatenate([idle_w[held], active_w[s_, g_, t_]]) / POWER)
    # peak_draw: the facility draw of each charged site-month, less its peak column, at most 0
    charged = col.peak >= 0
    peak_of = np.full((S, T), -1)
    peak_of[charged] = np.arange(int(charged.sum()))
    fleet_in = held & charged[:, None, :]
    s_, g_, t_, w_ = np.nonzero(working & charged[:, None, :, None])
    rows.add(np.full(int(charged.sum()), -INF), np.zeros(int(charged.sum())),
             np.concatenate([np.broadcast_to(peak_of[:, None, :], (S, G, T))[fleet_in], peak_of[s_, t_], peak_of[charged]]),
             np.concatenate([fleet[fleet_in], use[s_, g_, t_, w_], col.peak[charged]]),
             np.concatenate([idle_w[fleet_in], active_w[s_, g_, t_], -np.full(int(charged.sum()), POWER)]) / POWER)
    room = arrays.it_capacity - arrays.reserved
    it_w = np.broadcast_to(arrays.power[None, :, None] * COUNT / POWER, (S, G, T))
    rows.add(np.full(n, -INF), room[site_month] / POWER, fleet_row[held], fleet[held], it_w[held])
    # delivery: purchases summed over sites, per capped accelerator and month
    capped = bought & np.isfinite(arrays.delivery_cap)[None]
    accel_month = capped.any(axis=0)
    n = int(accel_month.sum())
    row_of = np.full((G, T), -1)
    row_of[accel_month] = np.arange(n)
    s_, g_, t_ = np.nonzero(capped)
    rows.add(np.full(n, -INF), arrays.delivery_cap[accel_month] / COUNT,
             row_of[g_, t_], buy[s_, g_, t_], np.ones(len(s_)))
    # budget: all cash over the horizon
    rows.add_dense(spending(np.ones(T, dtype=bool)), -INF, scenario.budget.total / MONEY)
    # budget_fy: every fiscal year of the horizon; a year not listed brings no money. Carried
    # over: all cash to the year's end within all money arrived by then; else the year's own.
    by_year = scenario.budget.by_fiscal_year()
    if by_year:
        arrived = 0.0
        for year in np.unique(arrays.fiscal_year):
            arrived += by_year.get(int(year), 0.0)
            in_year = arrays.fiscal_year == year
            if scenario.budget.carry_over:
                months, limit = np.arange(T) <= np.flatnonzero(in_year)[-1], arrived
            else:
                months, limit = in_year, by_year.get(int(year), 0.0)
            rows.add_dense(spending(months), -INF, limit / MONEY)
    return col, cost, constant, rows


def _objective(scenario: Scenario, arrays: ScenarioArrays, col: Columns, capex: np.ndarray, energy) -> tuple[np.ndarray, float]:
    """The economic cost (model money units) in the scenario's view, and its constant.

    residual: capex discounted at delivery, less the discounted resale of what is retired (at
    `resale` x straight-line book value) and the discounted book value of what is left at the end;
    annuity: CRF(rate, life) / 12 x capex of each purchase, discounted, every month from its
    delivery until it is retired or the horizon ends (the existing fleet is sunk); cash: capex and energy undiscounted. Energy is priced
    at electricity plus the carbon price, discounted but in the cash view."""
    economics, T = scenario.economics, len(arrays.months)
    rate = economics.discount_rate
    delta = (1 + rate) ** (-np.arange(T + 1) / 12)
    life = economics.useful_life * 12
    book = lambda v, m: np.clip(1 - (m - v) / life, 0, 1)  # noqa: E731
    weight = np.ones(T) if economics.view == "cash" else delta[:T]
    cost = energy(arrays.price + scenario.carbon_price * arrays.carbon, weight)
    bought, sold = col.buy >= 0, col.retire >= 0
    v = np.arange(T)
    if economics.view == "cash":
        cost[col.buy[bought]] += capex[bought]
        return cost, 0.0
    if economics.view == "annuity":
        growth = (1 + rate) ** economics.useful_life
        crf = rate * growth / (growth - 1) if rate else 1 / economics.useful_life
        months_left = np.cumsum(delta[T - 1::-1])[::-1]  # (T,) discounted months from t to the end
        cost[col.buy[bought]] += (capex * crf / 12 * months_left[None, None, :])[bought]
        s_, g_, v_, m_ = np.nonzero(sold)
        cost[col.retire[sold]] -= capex[s_, g_, v_] * crf / 12 * months_left[m_]
        return cost, 0.0
    kept_value = delta[T] * book(v, T)  # (V,)
    cost[col.buy[bought]] += (capex * (delta[:T] - kept_value)[None, None, :])[bought]
    resold = economics.resale_of_book_value * delta[None, :T] * book(v[:, None], v[None, :])  # (V, M)
    s_, g_, v_, m_ = np.nonzero(sold)
    cost[col.retire[sold]] += capex[s_, g_, v_] * (kept_value[v_] - resold[v_, m_])
    return cost, 0.0


def load(scenario: Scenario, arrays: ScenarioArrays) -> tuple[Columns, highspy.Highs]:
    """A quiet HiGHS instance holding the LP, passed as one CSR model."""
    col, cost, constant, rows = build(scenario, arrays)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = col.count, rows.count
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, np.zeros(col.count), np.full(col.count, INF)
    lp.offset_ = constant
    lp.row_lower_, lp.row_upper_ = np.concatenate(rows.lower), np.concatenate(rows.upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = rows.rowwise()
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(scenario.solver.time_limit))
    highs.passModel(lp)
    return col, highs


def run(highs: highspy.Highs, arrays: ScenarioArrays, col: Columns) -> RawResult:
    """Solve, and read the fleet back in accelerators. A time limit is "not solved" (PuLP would say optimal)."""
    started = time.perf_counter()
    highs.run()
    status = _STATUS.get(highs.getModelStatus(), "not solved")
    S, G, T = arrays.installable.shape
    tables = [np.zeros(index.shape) for index in (col.installed, col.buy, col.use, col.retire)]
    objective = float("nan")
    if status == "optimal":
        objective = highs.getInfo().objective_function_value * MONEY
        values = np.asarray(highs.getSolution().col_value) * COUNT
        for table, index in zip(tables, (col.installed, col.buy, col.use, col.retire)):
            table[index >= 0] = values[index[index >= 0]]
    installed, bought, use, retired = tables
    peak = np.zeros(col.peak.shape)
    if status == "optimal":
        peak[col.peak >= 0] = np.asarray(highs.getSolution().col_value)[col.peak[col.peak >= 0]] * POWER
    solution = Solution(status, "highspy", time.perf_counter() - started, installed, arrays.training(use),
                        bought, use, retired, peak)
    return RawResult(status, objective, solution, highs.getNumCol(), highs.getNumRow(), highs.getNumNz())


def model(scenario: Scenario) -> tuple[ScenarioArrays, Columns, highspy.Highs]:
    """What PlanningModel(scenario) does, by this route: the arrays, then the LP handed to HiGHS."""
    arrays = ScenarioArrays.of(scenario)
    return arrays, *load(scenario, arrays)


def solve_raw(scenario: Scenario) -> RawResult:
    arrays, col, highs = model(scenario)
    return run(highs, arrays, col)


def raw_plan(scenario: Scenario) -> Plan:
    """`make_plan` with this LP in place of the planner's model: same arrays, same tables."""
    started = time.perf_counter()
    arrays, col, highs = model(scenario)
    built = time.perf_counter()
    result = run(highs, arrays, col)
    return tabulate(scenario, arrays, result.solution, built - started)

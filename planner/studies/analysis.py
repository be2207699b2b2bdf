"""What a sweep says: which assumptions matter (tornado), what finishing earlier costs
(Pareto front), and the spread of outcomes (P10/P50/P90). Tables here; charts in
planner.app.sweep_charts.
"""

from __future__ import annotations

from concurrent.futures import Executor

import numpy as np
import pandas as pd

from planner.inputs.calendar import label, parse_month
from planner.inputs.errors import InputError
from planner.inputs.inputs_table import format_path
from planner.inputs.scenario import Scenario, lookup
from planner.inputs.units import parse_quantity
from planner.studies.ranges import Vary, scaled
from planner.studies.sweep import Progress, evaluate

METRICS = {  # metric: (unit, what it is)
    "total_cost_jpy": ("JPY", "total cost: capex and electricity"),
    "capex_jpy": ("JPY", "capex"),
    "energy_cost_jpy": ("JPY", "electricity cost"),
    "economic_cost_jpy": ("JPY", "economic cost: the objective's view of the programme"),
    "energy_mwh": ("MWh", "energy"),
    "co2_t": ("t CO2", "emissions"),
    "finish_month": ("month", "finish month"),
}
FINISH_SHIFT = "months from the deadline"  # the tornado's unit for finish_month
LEVELS = (10, 50, 90)
TORNADO_COLUMNS = ["field", "range", "unit", "input_low", "input_high", "at_low", "at_high", "low", "high", "swing",
                   "without_plan"]


def tornado(scenario: Scenario, varies: list[Vary], metric: str = "total_cost_jpy", executor: Executor | None = None,
            workers: int | None = None, progress: Progress | None = None) -> pd.DataFrame:
    """One-at-a-time sensitivity: each field alone at each of its points (grid or list values; a
    distribution's P10, P50, P90), every other field as in `scenario`. One bar per field, widest
    swing first: `at_low`/`at_high` = the metric at the field's first and last point, `low`/`high`
    = its least and greatest over all points. finish_month is measured in months from the
    scenario's deadline. attrs: metric, unit, base (the scenario's own value)."""
    _check_metric(metric, tornado_metrics(scenario))
    points = [(vary, point) for vary in varies for point in vary.points()]
    outcomes = evaluate(scenario, [{}] + [{v.field: v.written(p)} for v, p in points], executor, workers, progress)
    values = metric_values(outcomes, metric, scenario)
    bars = []
    for vary in varies:
        mine = [i + 1 for i, (v, _) in enumerate(points) if v is vary]
        found = values.iloc[mine]
        bars.append({
            "field": vary.field, "range": vary.text, "unit": vary.unit,
            "input_low": points[mine[0] - 1][1], "input_high": points[mine[-1] - 1][1],
            "at_low": found.iloc[0], "at_high": found.iloc[-1], "low": found.min(), "high": found.max(),
            "swing": found.max() - found.min(), "without_plan": int(found.isna().sum()),
        })
    table = pd.DataFrame(bars, columns=TORNADO_COLUMNS).sort_values("swing", ascending=False, ignore_index=True)
    unit = FINISH_SHIFT if metric == "finish_month" else metric_unit(metric)
    table.attrs = {"metric": metric, "unit": unit, "base": values.iloc[0]}
    return table


def tornado_metrics(scenario: Scenario) -> list[str]:
    """The measures a tornado can take: the METRICS, and each site's peak MW and accelerators."""
    return [*METRICS, *(f"{kind}_{site}" for kind in ("peak_mw", "accelerators") for site in scenario.sites)]


def metric_values(table: pd.DataFrame, metric: str, scenario: Scenario) -> pd.Series:
    """A metric as numbers (NaN without a plan): finish months as months from the deadline."""
    if metric != "finish_month":
        return pd.to_numeric(table[metric], errors="coerce") if metric in table else pd.Series(np.nan, table.index)
    deadline = scenario.run.deadline.ordinal
    return table[metric].map(lambda m: parse_month(m, metric).ordinal - deadline if isinstance(m, str) else np.nan)


def pareto(scenario: Scenario, budgets: Vary, latest: str | None = None, executor: Executor | None = None,
           workers: int | None = None, progress: Progress | None = None) -> pd.DataFrame:
    """Cost against finish month: the earliest finish (objective `finish`) at each budget of
    `budgets` (a grid or list over budget.total: absolute, or relative like -20%..+60%:9), every
    fiscal year's money scaled with the total. The finish may move to `latest` (the horizon end
    by default; the scenario's deadline is one point on the way). `on_front`: no other plan
    finishes as early for less."""
    if budgets.sampled or budgets.field != "budget.total":
        raise InputError("--pareto", "a grid or list of budget totals (e.g. '3e11 JPY..8e11 JPY:6')", budgets.text)
    latest = latest or label(scenario.horizon.end)
    document = scenario.document()
    # every fiscal year's money, in all and by source, scales with the total
    years = {f"budget.{table}.{y}": v for table in ("fiscal_years", "public", "private")
             for y, v in (lookup(document, f"budget.{table}") or {}).items()}
    # the named run's deadline, as the scenario writes its runs
    deadline = "workload.deadline" if scenario.workload is not None else format_path(("runs", scenario.run.name, "deadline"))
    totals = [parse_quantity(budgets.written(v), "JPY", "budget.total", scenario.exchange_rate) for v in budgets.values]
    changes = []
    for value, total in zip(budgets.values, totals):
        factor = total / scenario.budget.total
        change = {"objective": "finish", deadline: latest, "budget.total": budgets.written(value)}
        change.update({path: scaled(v, factor, path) for path, v in years.items()})
        changes.append(change)
    outcomes = evaluate(scenario, changes, executor, workers, progress)
    table = pd.concat([pd.DataFrame({"budget.total": list(budgets.values), "budget_jpy": totals}), outcomes], axis=1)
    table["on_front"] = _on_front(table)
    table.attrs = {"unit": budgets.unit, "latest": latest}
    return table


def _on_front(table: pd.DataFrame) -> pd.Series:
    """Plans no other plan beats on both finish and cost (ties stay on the front)."""
    finish = table["finish_month"].map(lambda m: parse_month(m, "finish_month").ordinal if isinstance(m, str) else np.nan)
    cost = pd.to_numeric(table["total_cost_jpy"], errors="coerce")
    front = []
    for f, c in zip(finish, cost):
        if np.isnan(f) or np.isnan(c):
            front.append(False)
            continue
        beaten = ((finish <= f) & (cost <= c) & ((finish < f) | (cost < c))).any()
        front.append(not beaten)
    return pd.Series(front, index=table.index)


def percentiles(table: pd.DataFrame, metrics: list[str] | None = None, levels=LEVELS) -> pd.DataFrame:
    """P10, P50, P90 (by default) of each metric over every scenario of the sweep, a scenario
    without a plan (infeasible, or refused) counting as worse than any plan: a level that falls
    on one is None, "no plan" (for the finish month: the deadline missed). Percentiles of the
    plans alone would hide how often there is none. Finish months are the empirical quantile
    (always a month some scenario reached); the rest interpolate. `with_plan`/`without_plan`
    count the scenarios, `infeasible` those among the ones without a plan."""
    metrics = metrics or ["total_cost_jpy", "co2_t", "finish_month", *[c for c in table if c.startswith("peak_mw_")]]
    infeasible = int((table["status"] == "infeasible").sum()) if "status" in table else 0
    rows = []
    for metric in metrics:
        _check_metric(metric, table.columns)
        values = table[metric].dropna()
        row = {"metric": metric, "unit": metric_unit(metric), "with_plan": len(values),
               "without_plan": len(table) - len(values), "infeasible": infeasible}
        for level in levels:
            row[f"P{level}"] = _quantile(values, len(table), level / 100)
        rows.append(row)
    columns = ["metric", "unit", *[f"P{level}" for level in levels], "with_plan", "without_plan", "infeasible"]
    return pd.DataFrame(rows, columns=columns)


def _quantile(values: pd.Series, total: int, q: float):
    """The q-quantile of `total` scenarios, `values` those with a plan and the rest ranked after
    them; None where it falls on (or between a plan and) a scenario without one."""
    if len(values) == 0:
        return None
    months = values.map(lambda v: isinstance(v, str)).all()
    if months:
        ordered = np.sort(values.map(lambda m: parse_month(m, "finish_month").ordinal).to_numpy())
    else:
        ordered = np.sort(values.to_numpy(dtype=float))
    rank = float(np.quantile(np.arange(total), q, method="inverted_cdf" if months else "linear"))
    low, high = int(np.floor(rank)), int(np.ceil(rank))
    if high >= len(ordered):
        return None
    if months:
        return label(pd.Period(ordinal=int(ordered[low]), freq="M"))
    return float(ordered[low] + (rank - low) * (ordered[high] - ordered[low]))


def metric_unit(metric: str) -> str:
    if metric.startswith("peak_mw_"):
        return "MW"
    if metric.startswith("accelerators_"):
        return "accelerators"
    return METRICS[metric][0]


def _check_metric(metric: str, known) -> None:
    if metric not in known:
        raise InputError("--metric", f"one of {', '.join(known)}", repr(metric))

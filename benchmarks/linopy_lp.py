"""The raw highspy copy of the planning LP (benchmarks/raw_highs.py), expressed in linopy, for the
scale benchmark (bench_scale.py): the same columns, rows and coefficients, one linopy constraint
per constraint family with its rows padded to the family's longest row (linopy's own layout of a
linear expression), solved by linopy's direct highspy interface, which reads values and duals back
into the model. It adds no formulation: a mistake in raw_highs.py would show in both."""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from benchmarks import raw_highs
from planner.inputs.scenario import Scenario
from planner.lp.arrays import ScenarioArrays
from planner.lp.model import MONEY

INF = raw_highs.INF


def model(scenario: Scenario) -> tuple[linopy.Model, float]:
    """The linopy model of the least-economic-cost LP, and the objective's constant (model units)."""
    arrays = ScenarioArrays.of(scenario)
    col, cost, constant, rows = raw_highs.build(scenario, arrays)
    lp = linopy.Model()
    x = lp.add_variables(lower=0, coords=[pd.RangeIndex(col.count, name="column")], name="x")
    first = 0  # the block's first row: raw_highs numbers rows across blocks
    for block, (lower, upper, (row, column, value)) in enumerate(zip(rows.lower, rows.upper, rows.entries)):
        expression = _padded(lp, x, row - first, column, value, len(lower))
        first += len(lower)
        for sign, chosen, rhs in (("=", lower == upper, lower), ("<=", (lower == -INF) & (upper < INF), upper),
                                  (">=", (upper == INF) & (lower > -INF), lower)):
            if chosen.any():
                rhs = xr.DataArray(np.where(chosen, rhs, 0.0), dims="row")
                lp.add_constraints(expression, sign, rhs, name=f"block{block}{sign}", mask=xr.DataArray(chosen, dims="row"))
    lp.add_objective(linopy.LinearExpression(xr.Dataset({"coeffs": ("_term", cost), "vars": ("_term", x.labels.values)}), lp))
    return lp, constant


def _padded(lp: linopy.Model, x: linopy.Variable, row: np.ndarray, column: np.ndarray, value: np.ndarray, count: int):
    """A linear expression over `count` rows from (row, column, value) triplets, padded to the longest row."""
    order = np.argsort(row, kind="stable")
    row, column, value = row[order], column[order], value[order]
    start = np.searchsorted(row, np.arange(count))
    term = np.arange(len(row)) - start[row]
    width = int(term.max()) + 1 if len(row) else 1
    labels, coefficients = np.full((count, width), -1), np.zeros((count, width))
    labels[row, term] = x.labels.values[column]
    coefficients[row, term] = value
    dims = ("row", "_term")
    return linopy.LinearExpression(xr.Dataset({"coeffs": (dims, coefficients), "vars": (dims, labels)}), lp)


def solve(lp: linopy.Model, constant: float, time_limit: float) -> tuple[str, float]:
    """Solve by linopy's direct highspy interface: status and the objective in JPY."""
    status, _ = lp.solve(solver_name="highs", io_api="direct", output_flag=False, time_limit=time_limit)
    return status, (float(lp.objective.value) + constant) * MONEY if status == "ok" else float("nan")

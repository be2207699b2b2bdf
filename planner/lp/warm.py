"""PuLP's HiGHS interface, keeping one HiGHS model warm from one solve to the next.

PuLP's own interface builds a fresh highspy model for every solve, one column and one row at
a time. A sweep solves thousands of LPs of the same shape (same sites, accelerators and
months): here, when the next problem has the same columns, rows and nonzero pattern as the
last, only the costs, bounds and changed coefficients are passed in, and HiGHS starts from the
last optimal basis. A problem of another shape replaces the model (and starts cold).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import pulp

from planner.lp.highs import SilentHiGHS

INF = highspy.kHighsInf


@dataclass
class _Arrays:
    """One PuLP problem as HiGHS arrays: columns in `lp.variables()` order, rows in insertion order."""

    shape: tuple  # column names, row names, integrality and nonzero pattern: what must match to reuse
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    rows: np.ndarray  # (nonzeros,) row of each coefficient, row-major
    columns: np.ndarray
    values: np.ndarray
    integer: np.ndarray  # (columns,) bool


def _arrays(lp: pulp.LpProblem, mip: bool) -> _Arrays:
    variables = lp.variables()  # once per solve: see WarmHighs.actualSolve
    for index, variable in enumerate(variables):
        variable.index = index
    lengths, columns, values = [], [], []
    row_lower, row_upper = [], []
    constraints = lp.constraints()  # a list in insertion order (PuLP 4's API)
    for index, constraint in enumerate(constraints):
        constraint.index = index
        lengths.append(len(constraint))
        columns.extend([variable.index for variable in constraint])
        values.extend(constraint.values())
        lower, upper = constraint.getLb(), constraint.getUb()
        row_lower.append(-INF if lower is None else lower)
        row_upper.append(INF if upper is None else upper)
    rows = np.repeat(np.arange(len(constraints), dtype=np.int32), lengths)
    columns, values = np.array(columns, dtype=np.int32), np.array(values, dtype=float)
    nonzero = values != 0
    rows, columns, values = rows[nonzero], columns[nonzero], values[nonzero]
    sign = -1.0 if lp.sense == pulp.LpMaximize else 1.0
    integer = np.array([mip and v.cat == pulp.LpInteger for v in variables], dtype=bool)
    shape = (
        tuple(v.name for v in variables), tuple(c.name for c in constraints), integer.tobytes(), rows.tobytes(),
        columns.tobytes(),
    )
    return _Arrays(
        shape=shape,
        cost=np.array([sign * lp.objective.get(v, 0.0) for v in variables], dtype=float),
        col_lower=np.array([-INF if v.lowBound is None else v.lowBound for v in variables], dtype=float),
        col_upper=np.array([INF if v.upBound is None else v.upBound for v in variables], dtype=float),
        row_lower=np.array(row_lower, dtype=float),
        row_upper=np.array(row_upper, dtype=float),
        rows=rows,
        columns=columns,
        values=values,
        integer=integer,
    )


class WarmHighs(SilentHiGHS):
    """A PuLP HiGHS solver whose highspy model outlives each solve; use one per process (or
    thread), for one problem after another. Solutions and statuses are read back by PuLP's own
    HiGHS interface, so callers see exactly what `pulp.HiGHS` gives them."""

    def __init__(self, **options):
        super().__init__(**options)
        self.highs: highspy.Highs | None = None
        self._last: _Arrays | None = None
        self.warm_starts = 0  # solves that reused the model and its basis

    def actualSolve(self, lp):
        # PuLP's `variables()` walks every constraint and sorts the columns by name on each call,
        # and one solve calls it four times (half of a warm solve's time); the columns cannot
        # change during a solve, so the first call's list serves them all
        lp.variables = lambda listed=lp.variables(): listed
        try:
            return super().actualSolve(lp)
        finally:
            del lp.variables

    def createAndConfigureSolver(self, lp):
        if self.highs is None:
            super().createAndConfigureSolver(lp)
            self.highs = lp.solverModel
        lp.solverModel = self.highs
        if self.timeLimit is not None:  # may change between scenarios
            self.highs.setOptionValue("time_limit", float(self.timeLimit))

    def buildSolverModel(self, lp):
        new = _arrays(lp, self.mip)
        last, highs = self._last, self.highs
        if last is not None and last.shape == new.shape:
            everything = np.arange(len(new.cost), dtype=np.int32)
            highs.changeColsCost(len(everything), everything, new.cost)
            highs.changeColsBounds(len(everything), everything, new.col_lower, new.col_upper)
            moved = (new.row_lower != last.row_lower) | (new.row_upper != last.row_upper)
            for i in np.flatnonzero(moved):  # one row at a time: highspy before 1.12 has no changeRowsBounds
                highs.changeRowBounds(int(i), float(new.row_lower[i]), float(new.row_upper[i]))
            for k in np.flatnonzero(new.values != last.values):
                highs.changeCoeff(int(new.rows[k]), int(new.columns[k]), float(new.values[k]))
            self.warm_starts += 1
        else:
            highs.passModel(_highs_lp(new))
        self._last = new


def _highs_lp(arrays: _Arrays) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(arrays.cost), len(arrays.row_lower)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = arrays.cost, arrays.col_lower, arrays.col_upper
    lp.row_lower_, lp.row_upper_ = arrays.row_lower, arrays.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.searchsorted(arrays.rows, np.arange(lp.num_row_ + 1)).astype(np.int32)
    lp.a_matrix_.index_ = arrays.columns
    lp.a_matrix_.value_ = arrays.values
    if arrays.integer.any():
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in arrays.integer]
    return lp

"""PuLP's HiGHS solver, silent on standard output with every supported highspy (1.7 and later).

highspy 1.16 writes a two-line banner to file descriptor 1 the first time a `Highs` object is
made: its constructor registers callbacks, HiGHS logs its header then, and PuLP switches output
off only afterwards. One stray line breaks `planner plan --json`, so output is off here before
the callbacks are registered (older highspy logged nothing before a solve).

Import this module only where HiGHS solves: without highspy the planner runs on CBC
(planner.lp.solve). Checked with highspy 1.7.2, 1.11.0, 1.15.1 and 1.16.0 (tests/test_fresh_machine.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import pulp

INF = highspy.kHighsInf


class SilentModel(highspy.Highs):
    """A highspy model that never writes to the console."""

    def __init__(self):
        super().__init__()
        self.setOptionValue("output_flag", False)  # highspy before 1.11 registers no callbacks in __init__

    def enableCallbacks(self):
        # highspy 1.11+ calls this from __init__, where highspy 1.16 logs its banner
        self.setOptionValue("output_flag", False)
        super().enableCallbacks()


class SilentHiGHS(pulp.HiGHS):
    """`pulp.HiGHS(msg=False, ...)` on a SilentModel, given the problem whole; `options` as
    pulp.HiGHS takes them. Solutions and statuses are read back by PuLP's own HiGHS interface."""

    def __init__(self, **options):
        super().__init__(msg=False, **options)

    def actualSolve(self, lp):
        # PuLP's `variables()` walks every constraint and sorts the columns by name on each call,
        # and one solve calls it four times (half of a warm sweep solve's time); the columns
        # cannot change during a solve, so the first call's list serves them all
        lp.variables = lambda listed=lp.variables(): listed
        try:
            return super().actualSolve(lp)
        finally:
            del lp.variables

    def buildSolverModel(self, lp):
        # the matrix in one call: PuLP's own adds a column and a row at a time, three times as
        # long on the default (16 ms against 47 ms)
        lp.solverModel.passModel(highs_lp(lp_arrays(lp, self.mip)))

    def createAndConfigureSolver(self, lp):
        # pulp.HiGHS's own method, but on a model made silent before its constructor logs
        lp.solverModel = SilentModel()
        # one thread unless asked: HiGHS's thread pool, once a MIP has started it, does not survive
        # the fork of a sweep's or a hedge's worker processes (they spun without end)
        settings = {"mip_rel_gap": self.gapRel, "mip_abs_gap": self.gapAbs, "threads": self.threads or 1}
        settings["time_limit"] = None if self.timeLimit is None else float(self.timeLimit)
        for name, value in {**settings, **self.optionsDict}.items():
            if value is not None:
                lp.solverModel.setOptionValue(name, value)


@dataclass
class LpArrays:
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


def lp_arrays(lp: pulp.LpProblem, mip: bool) -> LpArrays:
    variables = lp.variables()  # once per solve: see SilentHiGHS.actualSolve
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
    return LpArrays(
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


def highs_lp(arrays: LpArrays) -> highspy.HighsLp:
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

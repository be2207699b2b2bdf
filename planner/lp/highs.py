"""HiGHS on the LP's arrays (lp.program), silent on standard output with every supported highspy
(1.7 and later).

highspy 1.16 writes a two-line banner to file descriptor 1 the first time a `Highs` object is
made: its constructor registers callbacks, and HiGHS logs its header then. One stray line breaks
`planner plan --json`, so output is off here before the callbacks are registered (older highspy
logged nothing before a solve).

Import this module only where HiGHS solves: without highspy the planner runs on CBC
(planner.lp.solve). Checked with highspy 1.7.2, 1.11.0, 1.15.1 and 1.16.0 (tests/test_fresh_machine.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from planner.lp.program import INF, LinearProgram

STOPPED = {"kObjectiveBound", "kObjectiveTarget", "kInterrupt", "kTimeLimit", "kIterationLimit"}
FEASIBLE = 1e-7  # HiGHS's primal feasibility tolerance


class SilentModel(highspy.Highs):
    """A highspy model that never writes to the console."""

    def __init__(self):
        super().__init__()
        self.setOptionValue("output_flag", False)  # highspy before 1.11 registers no callbacks in __init__

    def enableCallbacks(self):
        # highspy 1.11+ calls this from __init__, where highspy 1.16 logs its banner
        self.setOptionValue("output_flag", False)
        super().enableCallbacks()


@dataclass
class LpArrays:
    """A LinearProgram as HiGHS takes it: rows sorted, one coefficient per (row, column), costs
    signed for minimisation."""

    shape: tuple  # size, integrality and nonzero pattern: what must match to reuse a model
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    rows: np.ndarray  # (nonzeros,) row of each coefficient, row-major
    columns: np.ndarray
    values: np.ndarray
    integer: np.ndarray  # (columns,) bool


def lp_arrays(program: LinearProgram, mip: bool) -> LpArrays:
    rows, columns, values = program.matrix()
    col_lower, col_upper, row_lower, row_upper = program.bounds()
    integer = program.integer.array() & mip
    rows, columns = rows.astype(np.int32), columns.astype(np.int32)
    shape = (program.columns, program.rows, integer.tobytes(), rows.tobytes(), columns.tobytes())
    cost = -program.cost if program.maximise else program.cost
    return LpArrays(shape, cost.copy(), col_lower.copy(), col_upper.copy(), row_lower.copy(), row_upper.copy(),
                    rows, columns, values, integer.copy())


def highs_lp(arrays: LpArrays) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(arrays.cost), len(arrays.row_lower)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = arrays.cost, arrays.col_lower, arrays.col_upper
    lp.row_lower_, lp.row_upper_ = arrays.row_lower, arrays.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.searchsorted(arrays.rows, np.arange(lp.num_row_ + 1)).astype(np.int32)
    lp.a_matrix_.index_ = arrays.columns
    lp.a_matrix_.value_ = arrays.values
    return lp


def pass_lp(highs: highspy.Highs, arrays: LpArrays) -> None:
    """Give `highs` the LP whole; integer columns by index (a list of 300k enums takes 0.1 s)."""
    highs.passModel(highs_lp(arrays))
    whole = np.flatnonzero(arrays.integer).astype(np.int32)
    if len(whole):
        highs.changeColsIntegrality(len(whole), whole, np.ones(len(whole), dtype=np.uint8))


class HighsSolver:
    """HiGHS given the LP whole, as arrays, on a fresh silent model for every solve. `options`
    are HiGHS options (e.g. solver="ipm")."""

    name = "highs"

    def __init__(self, time_limit: float | None = None, mip_gap: float | None = None, threads: int | None = None, **options):
        self.time_limit, self.mip_gap, self.threads = time_limit, mip_gap, threads
        self.options = options

    def solve(self, program: LinearProgram, mip: bool) -> str:
        """Solve `program`, its values and duals into it; how it ended: "optimal", "stopped"
        (a limit came first, with a plan), "infeasible", "unbounded" or "none"."""
        if not program.columns:  # HiGHS calls a model without columns empty, not solved: its rows decide
            return _without_columns(program)
        highs = self.model()
        self.load(highs, lp_arrays(program, mip))
        highs.run()
        program.highs = highs
        return self.read(highs, program)

    def model(self) -> highspy.Highs:
        highs = SilentModel()
        # one thread unless asked: HiGHS's thread pool, once a MIP has started it, does not survive
        # the fork of a sweep's or a hedge's worker processes (they spun without end)
        settings = {"mip_rel_gap": self.mip_gap, "threads": self.threads or 1,
                    "time_limit": None if self.time_limit is None else float(self.time_limit)}
        for name, value in {**settings, **self.options}.items():
            if value is not None:
                highs.setOptionValue(name, value)
        return highs

    def load(self, highs: highspy.Highs, arrays: LpArrays) -> None:
        pass_lp(highs, arrays)

    @staticmethod
    def read(highs: highspy.Highs, program: LinearProgram) -> str:
        status = highs.getModelStatus().name
        solution = highs.getSolution()
        program.values = np.array(solution.col_value, dtype=float)
        dual = solution.dual_valid and len(solution.row_dual) == program.rows
        program.row_duals = np.array(solution.row_dual, dtype=float) if dual else None
        program.column_duals = np.array(solution.col_dual, dtype=float) if dual else None
        if status == "kOptimal":
            return "optimal"
        if status in ("kInfeasible", "kUnboundedOrInfeasible"):
            return "infeasible"
        if status == "kUnbounded":
            return "unbounded"
        if status in STOPPED and highs.getObjectiveValue() != INF and solution.value_valid:
            return "stopped"
        return "none"


def _without_columns(program: LinearProgram) -> str:
    """An LP with no columns (no accelerator can be had in the horizon): optimal if every row
    holds at zero, else infeasible. Its duals are zero."""
    program.highs, program.values = None, np.zeros(0)
    program.row_duals, program.column_duals = np.zeros(program.rows), np.zeros(0)
    lower, upper = program.row_lower.array(), program.row_upper.array()
    return "optimal" if bool(np.all((lower <= FEASIBLE) & (upper >= -FEASIBLE))) else "infeasible"

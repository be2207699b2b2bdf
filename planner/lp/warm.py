"""PuLP's HiGHS interface, keeping one HiGHS model warm from one solve to the next.

SilentHiGHS gives HiGHS a fresh model, whole, for every solve. A sweep solves thousands of LPs of the same shape (same sites, accelerators and
months): here, when the next problem has the same columns, rows and nonzero pattern as the
last, only the costs, bounds and changed coefficients are passed in, and HiGHS starts from the
last optimal basis. A problem with the same columns and rows but other nonzeros (a run's
choices fixed after the relaxation was solved) replaces the model and starts from that basis;
one of another shape replaces the model and starts cold.
"""

from __future__ import annotations

import highspy
import numpy as np

from planner.lp.highs import LpArrays, SilentHiGHS, highs_lp, lp_arrays


class WarmHighs(SilentHiGHS):
    """A PuLP HiGHS solver whose highspy model outlives each solve; use one per process (or
    thread), for one problem after another. Solutions and statuses are read back by PuLP's own
    HiGHS interface, so callers see exactly what `pulp.HiGHS` gives them."""

    def __init__(self, **options):
        super().__init__(**options)
        self.highs: highspy.Highs | None = None
        self._last: LpArrays | None = None
        self.warm_starts = 0  # solves that reused the model and its basis

    def createAndConfigureSolver(self, lp):
        if self.highs is None:
            super().createAndConfigureSolver(lp)
            self.highs = lp.solverModel
        lp.solverModel = self.highs
        if self.timeLimit is not None:  # may change between scenarios
            self.highs.setOptionValue("time_limit", float(self.timeLimit))

    def buildSolverModel(self, lp):
        new = lp_arrays(lp, self.mip)
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
            same_names = last is not None and last.shape[:2] == new.shape[:2]
            basis = highs.getBasis() if same_names else None
            highs.passModel(highs_lp(new))
            if basis is not None and basis.valid and highs.setBasis(basis) == highspy.HighsStatus.kOk:
                self.warm_starts += 1  # same columns and rows, other coefficients: from the last basis
        self._last = new

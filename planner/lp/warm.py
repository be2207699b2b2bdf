"""HiGHS keeping one model warm from one solve to the next.

HighsSolver gives HiGHS a fresh model, whole, for every solve. A sweep solves thousands of LPs of
the same shape (same sites, accelerators and months): here, when the next problem has the same
size, integrality and nonzero pattern as the last, only the costs, bounds and changed
coefficients are passed in, and HiGHS starts from the last optimal basis. A problem of the same
size with other nonzeros (a run's choices fixed after the relaxation was solved) replaces the
model and starts from that basis; one of another size replaces the model and starts cold.
"""

from __future__ import annotations

import highspy
import numpy as np

from planner.lp.highs import HighsSolver, LpArrays, pass_lp


class WarmHighs(HighsSolver):
    """A HiGHS solver whose highspy model outlives each solve; use one per process (or thread),
    for one problem after another."""

    def __init__(self, **options):
        super().__init__(**options)
        self.highs: highspy.Highs | None = None
        self._last: LpArrays | None = None
        self.warm_starts = 0  # solves that reused the model and its basis

    def model(self) -> highspy.Highs:
        if self.highs is None:
            self.highs = super().model()
        if self.time_limit is not None:  # may change between scenarios
            self.highs.setOptionValue("time_limit", float(self.time_limit))
        return self.highs

    def load(self, highs: highspy.Highs, new: LpArrays) -> None:
        last = self._last
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
            same_size = last is not None and last.shape[:2] == new.shape[:2]
            basis = highs.getBasis() if same_size else None
            pass_lp(highs, new)
            if basis is not None and basis.valid and highs.setBasis(basis) == highspy.HighsStatus.kOk:
                self.warm_starts += 1  # same columns and rows, other coefficients: from the last basis
        self._last = new

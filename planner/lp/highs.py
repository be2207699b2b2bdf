"""PuLP's HiGHS solver, silent on standard output with every supported highspy (1.7 and later).

highspy 1.16 writes a two-line banner to file descriptor 1 the first time a `Highs` object is
made: its constructor registers callbacks, HiGHS logs its header then, and PuLP switches output
off only afterwards. One stray line breaks `planner plan --json`, so output is off here before
the callbacks are registered (older highspy logged nothing before a solve).

Import this module only where HiGHS solves: without highspy the planner runs on CBC
(planner.lp.solve). Checked with highspy 1.7.2, 1.11.0, 1.15.1 and 1.16.0 (tests/test_fresh_machine.py).
"""

from __future__ import annotations

import highspy
import pulp


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
    """`pulp.HiGHS(msg=False, ...)` on a SilentModel; `options` as pulp.HiGHS takes them."""

    def __init__(self, **options):
        super().__init__(msg=False, **options)

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

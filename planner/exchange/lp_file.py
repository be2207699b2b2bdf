"""The planning LP as a file any LP solver reads: LP or MPS format, written by PuLP from the
objects built from the model's arrays (planner.lp.program), so the file is the LP HiGHS solves.

The file holds the least-cost problem as built, in model units (thousands of accelerators, MW,
billions of yen, 1e24 FLOP: planner.lp.model), each run's choices whole (a MILP where they are).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

from planner.inputs.errors import InputError
from planner.inputs.files import check_writable, write_file
from planner.inputs.scenario import Scenario

WRITERS = {".lp": "writeLP", ".mps": "writeMPS"}  # PuLP's methods


def lp_file_writer(path: Path, flag: str = "--lp") -> Callable[[Scenario], None]:
    """A function that writes a scenario's LP to `path` (.lp or .mps); asked for before planning,
    so a wrong path fails before the solve."""
    path = Path(path)
    method = WRITERS.get(path.suffix.lower())
    if method is None:
        raise InputError(flag, "a path ending in .lp or .mps", repr(str(path)))
    check_writable(path, flag)

    def write(scenario: Scenario) -> None:
        from planner.lp.model import PlanningModel

        model = PlanningModel(scenario)
        problem, _, _ = model.problem.to_pulp(mip=model.integer)
        with tempfile.TemporaryDirectory() as folder:
            written = Path(folder) / f"plan{path.suffix.lower()}"
            getattr(problem, method)(str(written))
            write_file(path, written.read_bytes(), flag)

    return write

"""Solver choice and the honest status of a solve: HiGHS by default, CBC when HiGHS is missing."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pulp

from planner.model import COUNT, PlanningModel


@dataclass
class Solution:
    """What the solver said, in base units: fleet arrays (S, G, T) and the status in words."""

    status: str  # "optimal", "infeasible", "unbounded", "not solved"
    solver: str
    seconds: float
    installed: np.ndarray
    training: np.ndarray
    notices: list[str] = field(default_factory=list)


def available_solvers() -> list[str]:
    names = pulp.listSolvers(onlyAvailable=True)
    return [name for name, key in (("highs", "HiGHS"), ("cbc", "COIN_CMD")) if key in names]


def pick_solver(requested: str) -> tuple[str, list[str]]:
    """The solver to use, and a notice when the requested one is missing and another stands in."""
    available = available_solvers()
    if requested in available:
        return requested, []
    if not available:
        raise RuntimeError("no LP solver is available: install highspy (pip install highspy)")
    stand_in = available[0]
    return stand_in, [f"solver '{requested}' is not available here; solved with '{stand_in}' instead"]


def make_solver(name: str, time_limit: float):
    if name == "highs":
        return pulp.HiGHS(msg=False, timeLimit=time_limit)
    return pulp.COIN_CMD(msg=False, timeLimit=time_limit)


_STATUS = {
    pulp.LpStatusOptimal: "optimal",
    pulp.LpStatusInfeasible: "infeasible",
    pulp.LpStatusUnbounded: "unbounded",
    pulp.LpStatusNotSolved: "not solved",
    pulp.LpStatusUndefined: "not solved",
}


def solve(model: PlanningModel) -> Solution:
    settings = model.scenario.solver
    name, notices = pick_solver(settings.name)
    started = time.perf_counter()
    status = model.problem.solve(make_solver(name, settings.time_limit))
    seconds = time.perf_counter() - started
    words = _STATUS.get(status, "not solved")
    shape = model.arrays.installable.shape
    installed, training = np.zeros(shape), np.zeros(shape)
    if words == "optimal":
        for key, variable in model.installed.items():
            installed[key] = variable.value() * COUNT
        for key, variable in model.training.items():
            training[key] = variable.value() * COUNT
    return Solution(words, name, seconds, installed, training, notices)

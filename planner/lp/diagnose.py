"""Why a scenario has no plan, and the least relaxation of each limit that would give it one.

Each option moves one kind of limit and keeps every other as it is, so each is a way out on
its own: a later deadline (found by re-planning), more money, more grid and fit-out at one
site, more deliveries, or a smaller run. The amounts come from an elastic model: the same LP
with a non-negative, priced slack on the rows that may move, minimising the total slack
(GenX keeps infeasible policies solvable the same way).
"""

from __future__ import annotations

import math

import pandas as pd

from planner.inputs.calendar import label, months_between
from planner.inputs.scenario import Scenario
from planner.lp.binding import describe_row
from planner.lp.model import ROW_UNITS, PlanningModel, linear
from planner.lp.objectives import earliest_feasible
from planner.lp.solve import solve

RELAXATION_COLUMNS = ["option", "limit", "description", "amount", "unit"]
MOVES = 1e-7  # slack (model units) below this is solver noise

def explain(scenario: Scenario) -> pd.DataFrame:
    """Every way out, one row per limit to move; amount is NaN where an option cannot help alone."""
    rows = _later_deadline(scenario)
    rows += _elastic(scenario, "more money", {"budget", "budget_fy"})
    for site in scenario.sites:
        rows += _elastic(scenario, f"more grid and fit-out at {site}", {"grid_limit", "it_capacity"}, site)
    if any(acc.delivery_cap is not None for acc in scenario.accelerators.values()):
        rows += _elastic(scenario, "more deliveries", {"delivery"})
    rows += _elastic(scenario, "a smaller run", {"compute_requirement"})
    return pd.DataFrame(rows, columns=RELAXATION_COLUMNS)


def _later_deadline(scenario: Scenario) -> list[dict]:
    deadline, end = scenario.workload.deadline, scenario.horizon.end
    later = months_between(deadline + 1, end) if deadline < end else months_between(end, end)[:0]
    found = earliest_feasible(scenario, later)
    if found is None:
        return [_cannot("a later deadline", "deadline", f"no deadline up to the horizon end {label(end)} is enough alone")]
    month = found.scenario.workload.deadline
    months = (month - deadline).n
    return [
        {"option": "a later deadline", "limit": "deadline", "amount": float(months), "unit": "months",
         "description": f"deadline {label(month)} instead of {label(deadline)} (+{months} months)"}
    ]


def _elastic(scenario: Scenario, option: str, families: set[str], site: str | None = None) -> list[dict]:
    model = PlanningModel(scenario, elastic=frozenset(families))
    if site is not None:  # only this site's rows may move
        s = model.arrays.sites.index(site)
        for family in families:
            for key, slack in model.slacks[family].items():
                if key[0] != s:
                    slack.upBound = 0.0
    slacks = [slack for family in families for slack in model.slacks[family].values()]
    if not slacks:
        return []
    model.problem.setObjective(linear([(slack, 1.0) for slack in slacks]))
    solution = solve(model)
    if not solution.has_plan:
        return [_cannot(option, "/".join(sorted(families)), f"{option} cannot make the plan feasible on its own")]
    rows = []
    for family in sorted(families):
        unit, scale = ROW_UNITS[family]
        for key, value in sorted(solution.slacks[family].items()):
            if value > MOVES:
                rows.append(_row(model, option, family, key, value * scale, unit))
    return rows


def _row(model: PlanningModel, option: str, family: str, key: tuple, amount: float, unit: str) -> dict:
    _, limit = describe_row(model, family, key)
    if family == "compute_requirement":
        required = model.arrays.required_flop
        share = (required - amount * 1e24) / required
        text = f"train {amount * 1e24:.3g} FLOP less: the largest run that fits is {share:.1%} of {limit}"
    elif unit == "JPY":
        text = f"{limit}: + JPY {amount / 1e9:,.2f} bn"
    else:
        text = f"{limit}: + {amount:,.1f} {unit}"
    return {"option": option, "limit": family, "description": text, "amount": amount, "unit": unit}


def _cannot(option: str, limit: str, text: str) -> dict:
    return {"option": option, "limit": limit, "description": text, "amount": math.nan, "unit": ""}

"""Why a scenario has no plan, and the least relaxation of each limit that would give it one.

Each option moves one kind of limit and keeps every other as it is, so each is a way out on
its own: a later deadline (found by re-planning), more money, more grid and fit-out (at the
sites that need it), more deliveries, or a smaller run. The amounts come from an elastic
model: the same LP with a non-negative, priced slack on the rows that may move, minimising
the total slack (GenX keeps infeasible policies solvable the same way). One elastic LP per
option, whatever the number of sites: an LP per site grew with the square of the sites.
"""

from __future__ import annotations

import math

import pandas as pd

from planner.inputs.calendar import label, months_between
from planner.inputs.scenario import Scenario
from planner.lp.binding import describe_row
from planner.lp.model import ROW_UNITS, PlanningModel, Terms
from planner.lp.objectives import earliest_feasible
from planner.lp.solve import solve

RELAXATION_COLUMNS = ["option", "limit", "description", "amount", "unit"]
MOVES = 1e-7  # slack (model units) below this is solver noise
NAMED_SITES = 3
# every limit on money: the total, by fiscal year, and by source (public money's share of capex included)
MONEY_FAMILIES = {"budget", "budget_fy", "public_money", "private_money", "public_share"}  # an option names up to this many sites, and counts more


def explain(scenario: Scenario) -> pd.DataFrame:
    """Every way out, one row per limit to move; amount is NaN where an option cannot help alone."""
    rows = _later_deadline(scenario)
    rows += _elastic(scenario, "more money", MONEY_FAMILIES)
    rows += _elastic(scenario, "more grid and fit-out", {"grid_limit", "it_capacity"}, at_sites=True)
    if any(site.ramp_limit is not None for site in scenario.sites.values()):
        rows += _elastic(scenario, "looser ramp limits", {"ramp_limit"}, at_sites=True)
    if any(acc.delivery_cap is not None for acc in scenario.accelerators.values()):
        rows += _elastic(scenario, "more deliveries", {"delivery"})
    rows += _elastic(scenario, "a smaller run", {"compute_requirement"})
    if scenario.inference:
        rows += _elastic(scenario, "less serving", {"serving_demand"})
    return pd.DataFrame(rows, columns=RELAXATION_COLUMNS)


def _later_deadline(scenario: Scenario) -> list[dict]:
    deadline, end = scenario.run.deadline, scenario.horizon.end  # the named run's ([workload] or the first of [runs])
    later = months_between(deadline + 1, end) if deadline < end else months_between(end, end)[:0]
    found = earliest_feasible(scenario, later)
    if found is None:
        return [_cannot("a later deadline", "deadline", f"no deadline up to the horizon end {label(end)} is enough alone")]
    month = found.scenario.run.deadline
    months = (month - deadline).n
    return [
        {"option": "a later deadline", "limit": "deadline", "amount": float(months), "unit": "months",
         "description": f"deadline {label(month)} instead of {label(deadline)} (+{months} months)"}
    ]


def _elastic(scenario: Scenario, option: str, families: set[str], at_sites: bool = False) -> list[dict]:
    """The least total slack on the rows of `families` that gives a plan; with `at_sites`
    (rows keyed by site first), the option names the sites whose rows move."""
    model = PlanningModel(scenario, elastic=frozenset(families))
    slacks = [slack for family in families for slack in model.slacks[family].values()]
    if not slacks:
        return []
    model.set_objective(Terms(slacks, [1.0] * len(slacks)))
    solution = solve(model)
    moved = {
        family: [(key, value) for key, value in sorted(solution.slacks[family].items()) if value > MOVES]
        for family in sorted(families)
    } if solution.has_plan else {}
    if at_sites:
        where = {key[0] for pairs in moved.values() for key, _ in pairs} or range(len(model.arrays.sites))
        option = f"{option} at {_sites(model.arrays.sites[s] for s in sorted(where))}"
    if not solution.has_plan:
        return [_cannot(option, "/".join(sorted(families)), f"{option} cannot make the plan feasible on its own")]
    rows = []
    for family, pairs in moved.items():
        unit, scale = ROW_UNITS[family]
        rows += [_row(model, option, family, key, value * scale, unit) for key, value in pairs]
    return rows


def _sites(names) -> str:
    """'Sakai', 'Sakai and Tomakomai', 'A, B and C', '12 sites'."""
    names = list(names)
    if len(names) > NAMED_SITES:
        return f"{len(names)} sites"
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]]))


def _row(model: PlanningModel, option: str, family: str, key: tuple, amount: float, unit: str) -> dict:
    _, limit = describe_row(model, family, key)
    if family == "compute_requirement":
        required = model.arrays.required_flop
        share = (required - amount * 1e24) / required
        text = f"train {amount * 1e24:.3g} FLOP less: the largest run that fits is {share:.1%} of {limit}"
    elif family == "serving_demand":
        text = f"serve {amount:,.0f} tokens/s less: {limit}"
    elif unit == "JPY":
        text = f"{limit}: + JPY {_up(amount / 1e9, 2):,.2f} bn"
    else:
        text = f"{limit}: + {_up(amount, 1):,.1f} {unit}"
    return {"option": option, "limit": family, "description": text, "amount": amount, "unit": unit}


def _up(value: float, places: int) -> float:
    """`value` rounded up at `places` decimals, so that the amount as shown is enough when applied
    as written (rounded to the nearest it could fall short of the least relaxation)."""
    return math.ceil(round(value * 10**places, 9)) / 10**places


def _cannot(option: str, limit: str, text: str) -> dict:
    return {"option": option, "limit": limit, "description": text, "amount": math.nan, "unit": ""}

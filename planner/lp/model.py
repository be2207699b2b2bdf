"""The planning LP: variables, one named function per constraint family, the objective.

Decisions, per site s, accelerator g and month t (only where the site is open, the accelerator
is delivered and the site has fit-out capacity):
    installed[s,g,t] >= 0   accelerators on site; never shrinks, so delivered = month-on-month growth
    training[s,g,t]  >= 0   of those, accelerators working on the run (only inside its window)

Model units keep every coefficient within a few decades, so the solver sees a well-scaled
matrix (HiGHS warns on raw yen): counts in thousands of accelerators, power in MW, money in
billions of yen, compute in 1e24 FLOP. Everything entering or leaving this module is in base
units; only the rows and columns are scaled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pulp

from planner.inputs.scenario import Scenario
from planner.lp.arrays import ScenarioArrays

COUNT = 1e3  # accelerators per model unit
POWER = 1e6  # W per model unit (MW)
MONEY = 1e9  # JPY per model unit
COMPUTE = 1e24  # FLOP per model unit
EMISSIONS = 1e6  # kg of CO2 per model unit (kt)

# One model unit of each limit's row, and of each objective, in the planner's units
ROW_UNITS = {
    "grid_limit": ("MW", POWER / 1e6),
    "it_capacity": ("MW", POWER / 1e6),
    "delivery": ("accelerator", COUNT),
    "budget": ("JPY", MONEY),
    "budget_fy": ("JPY", MONEY),
    "compute_requirement": ("1e24 FLOP", COMPUTE / 1e24),
}
OBJECTIVE_UNITS = {"cost": ("JPY", MONEY), "compute": ("FLOP", COMPUTE), "carbon": ("t CO2", EMISSIONS / 1e3)}


@dataclass(frozen=True)
class Family:
    """A constraint family: its name is what a user sees when it binds."""

    name: str
    description: str
    build: Callable[["PlanningModel"], None]


FAMILIES: dict[str, Family] = {}


def family(description: str):
    """Register a constraint-building function under its own name with a one-line description."""

    def register(build):
        FAMILIES[build.__name__] = Family(build.__name__, description, build)
        return build

    return register


class PlanningModel:
    """The LP of one scenario, built once; `rows[family][key]` holds each named constraint.

    `elastic` names families whose rows get a non-negative slack (`slacks[family][key]`), for
    finding the least relaxation of an infeasible scenario. With `scenario.solver.integer`,
    accelerators come in whole scalable units (a MILP).
    """

    def __init__(self, scenario: Scenario, elastic: frozenset[str] = frozenset()):
        self.scenario = scenario
        self.arrays = ScenarioArrays.of(scenario)
        self.integer = scenario.solver.integer
        self.elastic = elastic
        self.problem = pulp.LpProblem("capacity_plan", pulp.LpMinimize)
        self.rows: dict[str, dict[tuple, pulp.LpConstraint]] = {name: {} for name in FAMILIES}
        self.slacks: dict[str, dict[tuple, pulp.LpVariable]] = {name: {} for name in elastic}
        self.installed: dict[tuple[int, int, int], pulp.LpVariable] = {}
        self.training: dict[tuple[int, int, int], pulp.LpVariable] = {}
        self.units: dict[tuple[int, int, int], pulp.LpVariable] = {}
        self._add_variables()
        for item in FAMILIES.values():
            item.build(self)
        self.problem.setObjective(self.cost_objective())

    def _add_variables(self) -> None:
        arrays = self.arrays
        for s, g, t in zip(*np.nonzero(arrays.installable)):
            key = (int(s), int(g), int(t))
            self.installed[key] = self.problem.add_variable(f"installed_{s}_{g}_{t}", lowBound=0)
            if arrays.trainable[t]:
                self.training[key] = self.problem.add_variable(f"training_{s}_{g}_{t}", lowBound=0)

    def add(self, name: str, key: tuple, terms: list, sense: int, rhs: float) -> None:
        """Add row `name[key]`: sum of (variable, coefficient) terms `sense` rhs."""
        row_name = f"{name}_{'_'.join(map(str, key))}"
        if name in self.elastic:
            slack = self.problem.add_variable(f"slack_{row_name}", lowBound=0)
            terms = [*terms, (slack, -1.0 if sense == pulp.LpConstraintLE else 1.0)]
            self.slacks[name][key] = slack
        row = pulp.LpConstraint(linear(terms), sense, rhs=rhs, name=row_name)
        self.problem.addConstraint(row)
        self.rows[name][key] = row

    def fleet_at(self, s: int, g: int, t: int) -> pulp.LpVariable | None:
        """installed[s,g,t], or None before the accelerator can be on site."""
        return self.installed.get((s, g, t))

    # Costs, in model money units, shared by the objective and the budget rows.
    def capex_terms(self, through: int, since: int | None = None) -> list:
        """Capex of accelerators installed after month `since` up to month `through`."""
        arrays, terms = self.arrays, []
        for s in range(len(arrays.sites)):
            for g in range(len(arrays.accelerators)):
                unit_cost = arrays.capex[s, g] * COUNT / MONEY
                end = self.fleet_at(s, g, through)
                if end is not None:
                    terms.append((end, unit_cost))
                start = self.fleet_at(s, g, since) if since is not None else None
                if start is not None:
                    terms.append((start, -unit_cost))
        return terms

    def energy_terms(self, per_joule: np.ndarray, scale: float, months: range | None = None) -> list:
        """Energy drawn in `months` (all when None), weighted per joule by `per_joule[s, t]`:
        electricity price for cost, carbon intensity for emissions. Idle share on the fleet,
        the rest on accelerators training."""
        arrays, terms = self.arrays, []
        for (s, g, t), variable in self.installed.items():
            if months is None or t in months:
                per_watt = per_joule[s, t] * arrays.pue[s, t] * arrays.seconds[t] * COUNT / scale
                terms.append((variable, per_watt * arrays.power[g] * arrays.idle[g]))
                if (s, g, t) in self.training:
                    terms.append((self.training[s, g, t], per_watt * arrays.power[g] * (1 - arrays.idle[g])))
        return terms

    def spending_terms(self, through: int, since: int | None = None) -> list:
        """Capex and electricity cost after month `since` up to month `through`."""
        first = 0 if since is None else since + 1
        months = range(first, through + 1)
        return self.capex_terms(through, since) + self.energy_terms(self.arrays.price, MONEY, months)

    def emission_terms(self) -> list:
        return self.energy_terms(self.arrays.carbon, EMISSIONS)

    def compute_terms(self) -> list:
        flop = self.arrays.flop_per_month
        return [(variable, flop[key] * COUNT / COMPUTE) for key, variable in self.training.items()]

    def cost_objective(self) -> pulp.LpAffineExpression:
        """Capex + electricity up to the deadline, plus CO2 at the scenario's carbon price."""
        terms = self.spending_terms(len(self.arrays.months) - 1)
        carbon_price = self.scenario.carbon_price * EMISSIONS / MONEY
        if carbon_price:
            terms += [(variable, coefficient * carbon_price) for variable, coefficient in self.emission_terms()]
        return linear(terms)


def linear(terms: list) -> pulp.LpAffineExpression:
    """Sum (variable, coefficient) terms; a variable named twice gets the sum of its coefficients
    (LpAffineExpression alone would keep only the last)."""
    combined: dict = {}
    for variable, coefficient in terms:
        combined[variable] = combined.get(variable, 0.0) + coefficient
    return pulp.LpAffineExpression(combined)


@family("the run's training compute is delivered by the deadline")
def compute_requirement(model: PlanningModel) -> None:
    model.add("compute_requirement", (), model.compute_terms(), pulp.LpConstraintGE, model.arrays.required_flop / COMPUTE)


@family("accelerators train only where they are installed")
def training_within_fleet(model: PlanningModel) -> None:
    for key, variable in model.training.items():
        model.add("training_within_fleet", key, [(variable, 1.0), (model.installed[key], -1.0)], pulp.LpConstraintLE, 0.0)


@family("installed accelerators stay until the deadline (deliveries are never negative)")
def fleet_kept(model: PlanningModel) -> None:
    for (s, g, t), variable in model.installed.items():
        before = model.fleet_at(s, g, t - 1)
        if before is not None:
            model.add("fleet_kept", (s, g, t), [(variable, 1.0), (before, -1.0)], pulp.LpConstraintGE, 0.0)


@family("facility draw (IT power x PUE, reserved load included) stays within the grid import limit")
def grid_limit(model: PlanningModel) -> None:
    arrays = model.arrays
    for s in range(len(arrays.sites)):
        for t in range(len(arrays.months)):
            terms = []
            for g in range(len(arrays.accelerators)):
                per_unit = arrays.pue[s, t] * arrays.power[g] * COUNT / POWER
                if (s, g, t) in model.installed:
                    terms.append((model.installed[s, g, t], per_unit * arrays.idle[g]))
                if (s, g, t) in model.training:
                    terms.append((model.training[s, g, t], per_unit * (1 - arrays.idle[g])))
            if terms:
                headroom = arrays.grid[s, t] - arrays.pue[s, t] * arrays.reserved[s]
                model.add("grid_limit", (s, t), terms, pulp.LpConstraintLE, headroom / POWER)


@family("installed IT power (reserved load included) stays within the site's fitted-out IT capacity")
def it_capacity(model: PlanningModel) -> None:
    arrays = model.arrays
    for s in range(len(arrays.sites)):
        for t in range(len(arrays.months)):
            terms = [
                (model.installed[s, g, t], arrays.power[g] * COUNT / POWER)
                for g in range(len(arrays.accelerators))
                if (s, g, t) in model.installed
            ]
            if terms:
                room = arrays.it_capacity[s, t] - arrays.reserved[s]
                model.add("it_capacity", (s, t), terms, pulp.LpConstraintLE, room / POWER)


@family("accelerators delivered in a month, over all sites, stay within the supply cap")
def delivery(model: PlanningModel) -> None:
    arrays = model.arrays
    for g in np.flatnonzero(np.isfinite(arrays.delivery_cap)):
        for t in range(len(arrays.months)):
            terms = []
            for s in range(len(arrays.sites)):
                now, before = model.fleet_at(s, g, t), model.fleet_at(s, g, t - 1)
                if now is not None:
                    terms.append((now, 1.0))
                if before is not None:
                    terms.append((before, -1.0))
            if terms:
                model.add("delivery", (int(g), t), terms, pulp.LpConstraintLE, arrays.delivery_cap[g] / COUNT)


@family("capex and electricity cost up to the deadline stay within the total budget")
def budget(model: PlanningModel) -> None:
    last = len(model.arrays.months) - 1
    model.add("budget", (), model.spending_terms(last), pulp.LpConstraintLE, model.scenario.budget.total / MONEY)


@family("spending stays within the money that has arrived by each fiscal year's end")
def budget_fy(model: PlanningModel) -> None:
    arrays, money = model.arrays, model.scenario.budget
    by_year = money.by_fiscal_year()
    arrived = 0.0
    for year in sorted(by_year):
        arrived += by_year[year]
        months = np.flatnonzero(arrays.fiscal_year == year)
        if not len(months):
            continue
        if money.carry_over:
            terms, limit = model.spending_terms(int(months[-1])), arrived
        else:
            since = int(months[0]) - 1 if months[0] > 0 else None
            terms, limit = model.spending_terms(int(months[-1]), since), by_year[year]
        model.add("budget_fy", (year,), terms, pulp.LpConstraintLE, limit / MONEY)


@family("accelerators are bought in whole servers or racks (integer sizing only)")
def scalable_units(model: PlanningModel) -> None:
    if not model.integer:
        return
    for (s, g, t), variable in model.installed.items():
        units = model.problem.add_variable(f"units_{s}_{g}_{t}", lowBound=0, cat=pulp.LpInteger)
        model.units[s, g, t] = units
        size = model.arrays.scalable_unit[g] / COUNT
        model.add("scalable_units", (s, g, t), [(variable, 1.0), (units, -size)], pulp.LpConstraintEQ, 0.0)

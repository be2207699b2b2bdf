"""The planning LP over the whole horizon: variables, one named function per constraint family, the objective.

Decisions, per site s, accelerator g and month t (only where the site is open, the accelerator
is delivered and the site has fit-out capacity):
    buy[s,g,t]       >= 0  accelerators delivered; ordered (and paid for) the type's lead time
                           earlier, and at work only after its commissioning lag
    installed[s,g,t] >= 0  accelerators in service: the existing fleet, plus purchases, less retirements
    retire[s,g,v,m]  >= 0  of those bought in month v, accelerators sold from month m on; m only
                           inside or just after a run's window (see arrays._retire_months), so the
                           columns by vintage stay as few as the windows are long
    use[s,g,t,w]     >= 0  accelerators working on workload w (a run inside its window, or a
                           serving stream); the rest of the fleet idles at its idle draw
    done[r,t] in {0,1}     run r has finished by month t (only for runs another run comes `after`)
    peak[s,t]        >= 0  the month's peak facility draw of the programme, charged at the site's
                           demand charge (only at sites that have one). A steady month's peak is
                           its facility draw; with representative days, its highest hour.
    kind[r,g] in {0,1}     run r trains on type g (only where it has more than one to choose from)
    place[r,s] in {0,1}    run r trains at site s (likewise)
    mixed[r], split[r] in {0,1}  run r mixes types (only when its `mix` allows) / is split between
                           sites; both[r] >= 0 is their product, so the two efficiencies multiply
    lost[r,g,t] >= 0       accelerators of type g that run r's failures cost it in month t (only
                           with a failure rate): goodput, piecewise-linear in the run's size
    throttle[s,t,d,h,r] >= 0  MW of IT power cut from run r in curtailment hour h of representative
                           day d (only with representative days, where a flexible connection lets
                           the site import more outside the windows); the run loses the FLOP that
                           energy would have done (lp.hourly), its energy is still counted

    contract[s,k]    >= 0  MW of site s's clean contract k (wind or solar, inputs.clean), for the horizon
    match[s,t,d,h]   >= 0  MW of contracted output serving the programme's draw in hour h of day d
                           (only where a contract delivers then); the rest of the output is spilled
    battery_power[s], battery_energy[s] >= 0  MW and MWh of site s's battery (with representative days)
    charge, discharge, stored[s,t,d,h] >= 0  its MW in and out in hour h of day d, and MWh stored at
                           the hour's end; the grid sees the draw less discharge plus charge

Hours (lp.hourly, inputs.hours): the grid and peak rows hold in each curtailment hour and in the
month's highest-PUE hour outside them; energy is priced hour by hour on the representative days.
A site's ramp limit bounds the change of its draw between the pairs of consecutive hours that can
set it (lp.hourly.ramp_pairs), by the month the step from one month's draw to the next.

Time and supply. A type with a lead time L is ordered L months before it is delivered: a
delivery in month t is possible only if its order month t - L lies inside the horizon (and not
after the type's `last_order`). An accelerator delivered in month v fills IT capacity and draws
idle power from v, but works (on any workload) only from v + lag, its commissioning lag; the
existing fleet is commissioned. Capex is the type's price for its delivery month (`price_change`
a year) plus the site's fit-out; deliveries stay within the type's cap of that month.

Cash rows (budget, fiscal years, public and private money) count what is paid: capex in the
order month (delivery less lead time), electricity as drawn and demand charges, undiscounted. The
objective values the programme by `scenario.economics.view` (see inputs.scenario.Economics) and
values capex at delivery, when the asset enters service, as PyPSA and GenX annuitise at build: the
price is fixed by the delivery month, and paying it early is a cash limit, not a cost of its own.

Model units keep every coefficient within a few decades, so the solver sees a well-scaled
matrix (HiGHS warns on raw yen): counts in thousands of accelerators, power in MW, money in
billions of yen, compute in 1e24 FLOP. Everything entering or leaving this module is in base
units; only the rows and columns are scaled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pulp

from planner.inputs.goodput import loss_chords
from planner.inputs.scenario import Scenario
from planner.lp.arrays import SECONDS_PER_HOUR, ScenarioArrays
from planner.lp.hourly import HourArrays

ELASTIC_MARGIN = 10.0  # a diagnosis bounds a run's choices by its whole compute in a month, ten times over
J_PER_MWH = 3.6e9
TINY = 1e-6  # a relaxed choice, or a share of a run's compute, below this is the solver's tolerance
COUNT = 1e3  # accelerators per model unit
POWER = 1e6  # W per model unit (MW)
MONEY = 1e9  # JPY per model unit
COMPUTE = 1e24  # FLOP per model unit
EMISSIONS = 1e6  # kg of CO2 per model unit (kt)
TOKENS = 1e6  # tokens per second per model unit

# One model unit of each limit's row, and of each objective, in the planner's units
ROW_UNITS = {
    "grid_limit": ("MW", POWER / 1e6),
    "ramp_limit": ("MW", POWER / 1e6),
    "it_capacity": ("MW", POWER / 1e6),
    "delivery": ("accelerator", COUNT),
    "budget": ("JPY", MONEY),
    "budget_fy": ("JPY", MONEY),
    "compute_requirement": ("1e24 FLOP", COMPUTE / 1e24),
    "serving_demand": ("token/s", TOKENS),
    "public_money": ("JPY", MONEY),
    "private_money": ("JPY", MONEY),
    "public_share": ("JPY", MONEY),
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
        self.hours = HourArrays.of(scenario, self.arrays)
        self.integer = scenario.solver.integer
        self.elastic = elastic
        self.problem = pulp.LpProblem("capacity_plan", pulp.LpMinimize)
        self.rows: dict[str, dict[tuple, pulp.LpConstraint]] = {name: {} for name in FAMILIES}
        self.slacks: dict[str, dict[tuple, pulp.LpVariable]] = {name: {} for name in elastic}
        self.buy: dict[tuple[int, int, int], pulp.LpVariable] = {}
        self.installed: dict[tuple[int, int, int], pulp.LpVariable] = {}
        self.retire: dict[tuple[int, int, int, int], pulp.LpVariable] = {}
        self.use: dict[tuple[int, int, int, int], pulp.LpVariable] = {}
        self.done: dict[tuple[int, int], pulp.LpVariable] = {}
        self.peak: dict[tuple[int, int], pulp.LpVariable] = {}
        self.kind: dict[tuple[int, int], pulp.LpVariable] = {}
        self.place: dict[tuple[int, int], pulp.LpVariable] = {}
        self.mixed: dict[int, pulp.LpVariable] = {}
        self.split: dict[int, pulp.LpVariable] = {}
        self.both: dict[int, pulp.LpVariable] = {}
        self.lost: dict[tuple[int, int, int], pulp.LpVariable] = {}
        self.throttle: dict[tuple[int, int, int, int, int], pulp.LpVariable] = {}
        self.contract: dict[tuple[int, int], pulp.LpVariable] = {}
        self.match: dict[tuple[int, int, int, int], pulp.LpVariable] = {}
        self.battery_power: dict[int, pulp.LpVariable] = {}
        self.battery_energy: dict[int, pulp.LpVariable] = {}
        self.charge: dict[tuple[int, int, int, int], pulp.LpVariable] = {}
        self.discharge: dict[tuple[int, int, int, int], pulp.LpVariable] = {}
        self.stored: dict[tuple[int, int, int, int], pulp.LpVariable] = {}
        self.money: dict[tuple[str, int], pulp.LpVariable] = {}
        self.units: dict[tuple, pulp.LpVariable] = {}
        self._add_variables()
        self._add_clean_variables()
        self._add_battery_variables()
        self._add_run_choices()
        self.integer = self.integer or bool(self.done) or bool(self.kind) or bool(self.place)  # a MILP
        self.choices_fixed = False
        for item in FAMILIES.values():
            item.build(self)
        self.problem.setObjective(self.cost_objective())

    @property
    def workloads(self) -> list[str]:
        """Runs first, then serving streams: the last index of `use`."""
        return [*self.arrays.runs, *self.arrays.streams]

    def _add_variables(self) -> None:
        arrays, add = self.arrays, self.problem.add_variable
        S, G, T = arrays.installable.shape
        held = (np.cumsum(arrays.installable, axis=2) > 0) | (arrays.existing > 0)[:, :, None]
        runs = len(arrays.runs)
        for s, g, t in zip(*np.nonzero(held)):
            key = (int(s), int(g), int(t))
            self.installed[key] = add(f"installed_{s}_{g}_{t}", lowBound=0)
            if arrays.installable[key]:
                self.buy[key] = add(f"buy_{s}_{g}_{t}", lowBound=0)
            for r in np.flatnonzero(arrays.run_flop[:, s, g, t] > 0):
                self.use[(*key, int(r))] = add(f"use_{s}_{g}_{t}_{r}", lowBound=0)
            for k in np.flatnonzero((arrays.demand[:, t] > 0) & (arrays.serving[:, g] > 0)):
                self.use[(*key, runs + int(k))] = add(f"use_{s}_{g}_{t}_{runs + k}", lowBound=0)
        for s, g, v in self.buy:
            for m in np.flatnonzero(arrays.retire_months[v + 1:]) + v + 1:
                self.retire[s, g, v, int(m)] = add(f"retire_{s}_{g}_{v}_{m}", lowBound=0)
        for s, t in sorted({(s, t) for s, _, t in self.installed if arrays.demand_charge[s] > 0}):
            self.peak[s, t] = add(f"peak_{s}_{t}", lowBound=0)
        training = {(s, t, w) for s, _, t, w in self.use if w < runs}
        for s, t, r in sorted(training):
            for d, h in self.hours.throttled_hours(s, t):
                self.throttle[s, t, d, h, r] = add(f"throttle_{s}_{t}_{d}_{h}_{r}", lowBound=0)
        for first in {r for r in arrays.after if r is not None}:
            for t in range(*self.order_window(first)):  # before it, not finished; from its end, finished
                self.done[first, t] = add(f"done_{first}_{t}", cat=pulp.LpBinary)
        years = sorted(set(arrays.fiscal_year.tolist()))
        for source in self.scenario.budget.by_source():
            for year in years:
                self.money[source, year] = add(f"{source}_{year}", lowBound=0)

    def _add_clean_variables(self) -> None:
        """Each clean contract's MW (up to its `most`), and the MW of its output matched to the
        programme's draw in each hour a contract delivers, in months the site has a fleet."""
        add = self.problem.add_variable
        for s, names in enumerate(self.hours.contracts):
            for k in range(len(names)):
                most = self.contract_of(s, k).most
                self.contract[s, k] = add(f"contract_{s}_{k}", lowBound=0, upBound=None if most is None else most / POWER)
        for s, t in sorted({(s, t) for s, _, t in self.installed if self.hours.contracts[s]}):
            day = self.hours.days[s][t]
            for d in range(len(day["weight"])):
                for h in np.flatnonzero(day["cf"].sum(axis=0) > 0):
                    self.match[s, t, d, int(h)] = add(f"match_{s}_{t}_{d}_{h}", lowBound=0)

    def _add_battery_variables(self) -> None:
        """Each battery's MW and MWh (up to its limits), and its hourly flows and charge in the
        months its site has a fleet."""
        add = self.problem.add_variable
        for s, has in enumerate(self.hours.battery):
            if not has:
                continue
            battery = self.scenario.sites[self.arrays.sites[s]].battery
            self.battery_power[s] = add(f"battery_mw_{s}", lowBound=0, upBound=_scaled(battery.most_power, POWER))
            self.battery_energy[s] = add(f"battery_mwh_{s}", lowBound=0, upBound=_scaled(battery.most_energy, J_PER_MWH))
            for t in sorted({t for s_, _, t in self.installed if s_ == s}):
                for d, h in np.ndindex(self.hours.days[s][t]["pue"].shape):
                    for name, table in (("charge", self.charge), ("discharge", self.discharge), ("stored", self.stored)):
                        table[s, t, d, h] = add(f"{name}_{s}_{t}_{d}_{h}", lowBound=0)

    def battery_terms(self, per_joule: str, scale: float, months: range, weight: np.ndarray | None = None) -> list:
        """The batteries' grid energy in `months` (charge less discharge), each hour's J valued
        at the day's `per_joule` ("price" or "carbon") and weighted by `weight[t]`, in `scale` units."""
        terms = []
        for (s, t, d, h), charge in self.charge.items():
            if t in months:
                day = self.hours.days[s][t]
                value = day[per_joule][d, h] * day["weight"][d] * SECONDS_PER_HOUR * POWER / scale * (1.0 if weight is None else weight[t])
                terms += [(charge, value), (self.discharge[s, t, d, h], -value)]
        return terms

    def battery_money(self, months: range, weight: np.ndarray | None = None) -> list:
        """The batteries' monthly charges for their MW and MWh in `months`, and the grid energy
        they cycle at the hour's price (model money units)."""
        held = sum(1.0 if weight is None else weight[t] for t in months)
        terms = []
        for s, power in self.battery_power.items():
            battery = self.scenario.sites[self.arrays.sites[s]].battery
            terms += [(power, battery.power_cost * POWER / MONEY * held),
                      (self.battery_energy[s], battery.energy_cost * J_PER_MWH / MONEY * held)]
        return terms + self.battery_terms("price", MONEY, months, weight)

    def import_terms(self, s: int, t: int, d: int, h: int, pue: float) -> list:
        """What the grid sees at site s in hour h of month t's day d (MW): the programme's draw,
        less a battery's discharge, plus its charge."""
        flows = [(self.discharge[s, t, d, h], -1.0), (self.charge[s, t, d, h], 1.0)] if (s, t, d, h) in self.charge else []
        return self.hour_terms(s, t, d, h, pue) + flows

    def contract_of(self, s: int, k: int):
        """Site s's clean contract k (inputs.clean.Contract)."""
        return self.scenario.sites[self.arrays.sites[s]].contracts[self.hours.contracts[s][k]]

    def clean_terms(self, months: range, weight: np.ndarray | None = None) -> list:
        """Clean contracts' money in `months`, weighted by `weight[t]` (model money units): each
        MW paid for all it delivers, less the grid energy its matched MW displace at the hour's price."""
        terms, per_mw = [], SECONDS_PER_HOUR * POWER / MONEY
        for (s, k), variable in self.contract.items():
            price = self.contract_of(s, k).price
            delivered = [self.hours.days[s][t]["cf"][k].sum() * self.hours.days[s][t]["weight"].sum()
                         * (1.0 if weight is None else weight[t]) for t in months]
            terms.append((variable, price * per_mw * sum(delivered)))
        for (s, t, d, h), variable in self.match.items():
            if t in months:
                day = self.hours.days[s][t]
                terms.append((variable, -day["price"][d, h] * day["weight"][d] * per_mw * (1.0 if weight is None else weight[t])))
        return terms

    def _add_run_choices(self) -> None:
        """Each run's choice of type and of site where it has more than one, whether it mixes
        or splits, and the accelerators its failures cost it."""
        add = self.problem.add_variable
        for r, work in enumerate(self.scenario.training_runs.values()):
            keys = [key for key in self.use if key[3] == r]
            types, sites = sorted({g for _, g, _, _ in keys}), sorted({s for s, _, _, _ in keys})
            if len(types) > 1:
                self.kind.update({(r, g): add(f"kind_{r}_{g}", cat=pulp.LpBinary) for g in types})
                if work.mix:
                    self.mixed[r] = add(f"mixed_{r}", cat=pulp.LpBinary)
            if len(sites) > 1:
                self.place.update({(r, s): add(f"place_{r}_{s}", cat=pulp.LpBinary) for s in sites})
                if work.split:
                    self.split[r] = add(f"split_{r}", cat=pulp.LpBinary)
            if r in self.mixed and r in self.split:
                self.both[r] = add(f"both_{r}", lowBound=0)
            if work.failure_rate is not None:
                for g, t in sorted({(g, t) for _, g, t, _ in keys}):
                    self.lost[r, g, t] = add(f"lost_{r}_{g}_{t}", lowBound=0)

    def release_requirement(self, r: int) -> None:
        """Hold run r to no compute, its mixing and splitting penalties gone too: the compute
        objective maximises what it counts instead."""
        row = self.rows["compute_requirement"][r,]
        for variable, _ in self.penalty_terms(r):
            del row.expr[variable]
        row.changeRHS(0.0)

    def fix_shape(self, r: int, mixed: bool, split: bool) -> float:
        """Fix whether run r mixes types and splits between sites (where it may); the share of
        its compute that then counts."""
        for choices, value in ((self.mixed, mixed), (self.split, split), (self.both, mixed and split)):
            if r in choices:
                choices[r].lowBound = choices[r].upBound = float(value)
        work = self.scenario.training_runs[self.arrays.runs[r]]
        return (work.mix_efficiency if mixed else 1.0) * (self.arrays.split_efficiency[r] if split else 1.0)

    @property
    def run_choices(self) -> list[pulp.LpVariable]:
        """The binaries of each run's type, site, mixing and splitting, and of the months by
        which runs others come after have finished."""
        return [*self.kind.values(), *self.place.values(), *self.mixed.values(), *self.split.values(), *self.done.values()]

    def relax_run_choices(self) -> None:
        """Let the run choices take fractions: the LP relaxation, whose optimum bounds the plan's."""
        for variable in self.run_choices:
            variable.cat = pulp.LpContinuous
        self.integer = self.scenario.solver.integer

    def round_run_choices(self) -> None:
        """Round the relaxation's run choices to whole ones (fix_run_choices then fixes them):
        each run on the type and the site that deliver most of its compute, or free to use every
        one where it mixes or splits (at least half in the relaxation, or at no cost), and a run
        others come after finished by the first month one of them waited on it, so their
        schedule stands."""
        arrays = self.arrays
        compute = np.zeros((len(arrays.runs), len(arrays.sites), len(arrays.accelerators)))
        for (s, g, t, r), variable in self.use.items():
            if r < len(arrays.runs):  # serving streams come after the runs
                compute[r, s, g] += (variable.value() or 0.0) * arrays.run_flop[r, s, g, t]
        costless = {variable.name for r in range(len(arrays.runs)) for variable, cost in self.penalty_terms(r) if not cost}
        for choices, delivered, many in ((self.kind, compute.sum(axis=1), self.mixed), (self.place, compute.sum(axis=2), self.split)):
            for r in {r for r, _ in choices}:
                options = [i for r_, i in choices if r_ == r]
                several = r in many and (many[r].name in costless or (many[r].value() or 0.0) >= 0.5)
                chosen = options if several else [max(options, key=lambda i: delivered[r, i])]
                for i in options:
                    choices[r, i].varValue = float(i in chosen)
                if r in many:
                    many[r].varValue = float(several)
        finished: dict[int, bool] = {}
        for (first, t), done in sorted(self.done.items()):
            finished[first] = finished.get(first, False) or (done.value() or 0.0) > TINY
            done.varValue = float(finished[first])

    def fix_run_choices(self) -> None:
        """Fix each run's type, site, mixing and splitting, and the months by which runs others
        come after have finished, as the last solve chose them, leaving an LP (unless whole units
        keep it a MILP) whose duals price the limits."""
        for variable in self.run_choices:
            value = variable.value() or 0.0
            value = round(value) if math.isfinite(value) else 0  # a NaN from the solver fails verify, not here
            variable.lowBound = variable.upBound = value
            variable.cat = pulp.LpContinuous
        self.integer = self.scenario.solver.integer
        self.choices_fixed = True
        for r in range(len(self.arrays.runs)):
            self._requirement_per_flop(r)

    def _requirement_per_flop(self, r: int) -> None:
        """Run r's requirement row with its mixing and splitting fixed: compute / k >= R, k the
        share more it needs (R (1 + sum of penalties) / R), in place of compute + penalties >= R,
        so the row's dual prices one more FLOP of the run, penalties included."""
        row, required = self.rows["compute_requirement"][r,], self.arrays.required[r] / COMPUTE
        penalties = self.penalty_terms(r)
        extra = sum(-coefficient * round(variable.value() or 0.0) for variable, coefficient in penalties) / required
        for variable, _ in penalties:
            row.expr.pop(variable, None)  # gone already where the requirement was released
        for variable in list(row.expr):
            row.expr[variable] /= 1.0 + extra

    def choice_bound(self, r: int, axis: int) -> np.ndarray:
        """The most of run r one type ((G, T), axis 0) or one site ((S, T), axis 1) could hold:
        what the sites could install; in a diagnosis, whose limits may grow, the whole run in
        one month at a tenth of its efficiency."""
        own_types = self.arrays.run_flop[r].any(axis=(0, 2))
        most = (self.arrays.most_of_type() if axis == 0 else self.arrays.most_at_site(own_types)) / COUNT
        if not self.elastic:
            return most
        flop = self.arrays.run_flop[r]
        return np.full_like(most, self.arrays.required[r] / flop[flop > 0].min() * ELASTIC_MARGIN / COUNT)

    def run_size(self, r: int, g: int, t: int) -> list:
        """(use, 1) of run r on type g in month t at every site."""
        return [(self.use[s, g, t, r], 1.0) for s in range(len(self.arrays.sites)) if (s, g, t, r) in self.use]

    def order_window(self, first: int) -> tuple[int, int]:
        """(first month run `first` can train, its last): it can have finished by the end of a
        month in between (a binary each), has not before, and has by its last (its deadline)."""
        months = np.flatnonzero(self.arrays.run_flop[first].any(axis=(0, 1)))
        return (int(months[0]), int(months[-1])) if len(months) else (0, 0)

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

    def working(self, s: int, g: int, t: int) -> list:
        """use[s,g,t,w] for every workload w that may use the accelerator then."""
        return [self.use[s, g, t, w] for w in range(len(self.workloads)) if (s, g, t, w) in self.use]

    # Costs, in model money units, shared by the objective and the cash rows.
    def capex_terms(self, months: range, at_order: bool = False) -> list:
        """Capex of accelerators delivered in `months`, or with `at_order` ordered (paid) in them."""
        capex, lead = self.arrays.capex * COUNT / MONEY, self.arrays.lead
        return [(variable, capex[s, g, t]) for (s, g, t), variable in self.buy.items()
                if (t - lead[g] if at_order else t) in months]

    def energy_terms(self, per_joule: np.ndarray, scale: float, months: range | None = None,
                     weight: np.ndarray | None = None) -> list:
        """Energy drawn in `months` (all when None), weighted per joule of IT energy by
        `per_joule[s, t]` (hours.price_pue for cost, hours.carbon_pue for emissions: PUE
        included) and by `weight[t]`. Idle share on the fleet, the rest on accelerators at work."""
        arrays, terms = self.arrays, []
        for (s, g, t), variable in self.installed.items():
            if months is None or t in months:
                per_watt = per_joule[s, t] * arrays.seconds[t] * COUNT / scale
                per_watt *= 1.0 if weight is None else weight[t]
                terms.append((variable, per_watt * arrays.power[g] * arrays.idle[g]))
                terms += [(use, per_watt * arrays.power[g] * (1 - arrays.idle[g])) for use in self.working(s, g, t)]
        return terms

    def demand_terms(self, months: range, weight: np.ndarray | None = None) -> list:
        """Demand charges on each month's peak draw in `months`, weighted by `weight[t]`; paid monthly."""
        charge = self.arrays.demand_charge * POWER / MONEY
        return [(variable, charge[s] * (1.0 if weight is None else weight[t]))
                for (s, t), variable in self.peak.items() if t in months]

    def spending_terms(self, months: range) -> list:
        """Cash paid in `months`: capex at order, electricity (clean contracts' net cost included) and demand charges."""
        return (self.capex_terms(months, at_order=True) + self.energy_terms(self.hours.price_pue, MONEY, months)
                + self.demand_terms(months) + self.clean_terms(months) + self.battery_money(months))

    def facility_terms(self, s: int, t: int, pue: float | None = None) -> list:
        """The programme's facility draw at site s in month t (MW): IT power x PUE (the month's,
        or `pue`), idle share on the fleet, the rest on accelerators at work."""
        arrays, terms = self.arrays, []
        pue = arrays.pue[s, t] if pue is None else pue
        for g in range(len(arrays.accelerators)):
            per_unit = pue * arrays.power[g] * COUNT / POWER
            if (s, g, t) in self.installed:
                terms.append((self.installed[s, g, t], per_unit * arrays.idle[g]))
                terms += [(use, per_unit * (1 - arrays.idle[g])) for use in self.working(s, g, t)]
        return terms

    def emission_terms(self) -> list:
        return self.energy_terms(self.hours.carbon_pue, EMISSIONS) + self.battery_terms("carbon", EMISSIONS, range(len(self.arrays.months)))

    def compute_terms(self, r: int) -> list:
        """Run r's training compute: its accelerators at work, less those its failures cost it
        and what throttling cost it."""
        flop, lost = self.arrays.run_flop[r], self.hours.flop_per_joule[r]
        terms = [(variable, flop[s, g, t] * COUNT / COMPUTE) for (s, g, t, w), variable in self.use.items() if w == r]
        terms += [(variable, -flop[:, g, t].max() * COUNT / COMPUTE) for (r_, g, t), variable in self.lost.items() if r_ == r]
        return terms + [(variable, -lost[s, t] * self.hours.hour_seconds(s, t, d) * POWER / COMPUTE)
                        for (s, t, d, h, w), variable in self.throttle.items() if w == r]

    def penalty_terms(self, r: int) -> list:
        """The compute a mixed or split run must add to its requirement, R (1 / e - 1) for each
        efficiency e, and their product when both: the whole run counts at e_mix x e_split."""
        work, required = self.scenario.training_runs[self.arrays.runs[r]], self.arrays.required[r] / COMPUTE
        extra = {"mixed": 1 / work.mix_efficiency - 1, "split": 1 / self.arrays.split_efficiency[r] - 1}
        terms = [(variable[r], -required * extra[name]) for name, variable in (("mixed", self.mixed), ("split", self.split))
                 if r in variable]
        if r in self.both:
            terms.append((self.both[r], -required * extra["mixed"] * extra["split"]))
        return terms

    def hour_terms(self, s: int, t: int, d: int, h: int, pue: float) -> list:
        """Facility draw (MW) at site s in hour h of month t's representative day d: the month's
        IT draw at the hour's PUE, less what training throttles then."""
        cut = [(v, -pue) for (s_, t_, d_, h_, _), v in self.throttle.items() if (s_, t_, d_, h_) == (s, t, d, h)]
        return self.facility_terms(s, t, pue) + cut

    def draw_terms(self, s: int, t: int, d: int, h: int) -> tuple[list, float]:
        """What the grid sees at site s in hour h of month t's day d: the programme's terms (MW,
        a battery's flows included), and the reserved load's draw (W, a constant)."""
        pue = float(self.hours.days[s][t]["pue"][d, h])
        return self.import_terms(s, t, d, h, pue), pue * self.arrays.reserved[s, t]

    def capital_terms(self) -> list:
        """The capital part of the objective in the scenario's economic view (model money units)."""
        arrays, economics = self.arrays, self.scenario.economics
        capex, delta, book = arrays.capex * COUNT / MONEY, arrays.discount, arrays.book
        end = len(arrays.months)
        if economics.view == "cash":
            return self.capex_terms(range(end))
        if economics.view == "annuity":  # each purchase charged from delivery until retired or the end; the existing fleet is sunk
            held = capital_recovery(economics.discount_rate, economics.useful_life) / 12 * np.cumsum(delta[end - 1::-1])[::-1]
            terms = [(variable, capex[s, g, v] * held[v]) for (s, g, v), variable in self.buy.items()]
            return terms + [(variable, -capex[s, g, v] * held[m]) for (s, g, v, m), variable in self.retire.items()]
        resale = economics.resale_of_book_value
        terms = [(variable, capex[s, g, v] * (delta[v] - delta[end] * book[v, end])) for (s, g, v), variable in self.buy.items()]
        terms += [(variable, capex[s, g, v] * (delta[end] * book[v, end] - resale * delta[m] * book[v, m]))
                  for (s, g, v, m), variable in self.retire.items()]
        return terms

    def cost_objective(self) -> pulp.LpAffineExpression:
        """The economic cost of the programme in the scenario's view: capital, electricity (clean
        contracts' net cost included), demand charges, and CO2 (location-based) at the scenario's
        carbon price (discounted but in the cash view)."""
        weight = None if self.scenario.economics.view == "cash" else self.arrays.discount
        terms = self.capital_terms() + self.energy_terms(self.hours.price_pue, MONEY, weight=weight)
        every = range(len(self.arrays.months))
        terms += self.demand_terms(every, weight) + self.clean_terms(every, weight) + self.battery_money(every, weight)
        carbon_price = self.scenario.carbon_price * EMISSIONS / MONEY
        if carbon_price:
            emissions = self.energy_terms(self.hours.carbon_pue, EMISSIONS, weight=weight)
            emissions += self.battery_terms("carbon", EMISSIONS, every, weight)
            terms += [(variable, coefficient * carbon_price) for variable, coefficient in emissions]
        return linear(terms)

    def capex_weight(self, v: int) -> float:
        """What one yen of capex of a purchase in month v, held to the horizon's end, weighs in the objective."""
        arrays, economics = self.arrays, self.scenario.economics
        end = len(arrays.months)
        if economics.view == "cash":
            return 1.0
        if economics.view == "annuity":
            return capital_recovery(economics.discount_rate, economics.useful_life) / 12 * arrays.discount[v:end].sum()
        return arrays.discount[v] - arrays.discount[end] * arrays.book[v, end]


def capital_recovery(rate: float, years: float) -> float:
    """CRF(i, n) = i (1 + i)^n / ((1 + i)^n - 1): the yearly payment that repays 1 over n years."""
    if rate == 0:
        return 1.0 / years
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


def _scaled(value: float | None, unit: float) -> float | None:
    return None if value is None else value / unit


def linear(terms: list) -> pulp.LpAffineExpression:
    """Sum (variable, coefficient) terms; a variable named twice gets the sum of its coefficients
    (LpAffineExpression alone would keep only the last)."""
    combined: dict = {}
    for variable, coefficient in terms:
        combined[variable] = combined.get(variable, 0.0) + coefficient
    return pulp.LpAffineExpression(combined)


@family("each run's training compute is delivered inside its window")
def compute_requirement(model: PlanningModel) -> None:
    for r in range(len(model.arrays.runs)):
        terms = model.compute_terms(r) + model.penalty_terms(r)
        model.add("compute_requirement", (r,), terms, pulp.LpConstraintGE, model.arrays.required[r] / COMPUTE)


@family("each run trains on one accelerator type, unless its `mix` allows types at its mix efficiency")
def one_type(model: PlanningModel) -> None:
    for (r, g), kind in model.kind.items():
        most = model.choice_bound(r, axis=0)
        for t in range(len(model.arrays.months)):
            size = model.run_size(r, g, t)
            if size:
                model.add("one_type", (r, g, t), [*size, (kind, -most[g, t])], pulp.LpConstraintLE, 0.0)
    for r in sorted({r for r, _ in model.kind}):
        kinds = [(kind, 1.0) for (r_, _), kind in model.kind.items() if r_ == r]
        mixing = [(model.mixed[r], 1.0 - len(kinds))] if r in model.mixed else []
        model.add("one_type", (r,), kinds + mixing, pulp.LpConstraintLE, 1.0)


@family("each run trains at one site, or is split between sites at its split efficiency (the link's cost)")
def one_site(model: PlanningModel) -> None:
    by_row: dict[tuple, list] = {}
    for (s, g, t, w), variable in model.use.items():
        by_row.setdefault((s, t, w), []).append((variable, 1.0))
    for (r, s), place in model.place.items():
        most = model.choice_bound(r, axis=1)
        for t in range(len(model.arrays.months)):
            here = by_row.get((s, t, r))
            if here:
                model.add("one_site", (r, s, t), [*here, (place, -most[s, t])], pulp.LpConstraintLE, 0.0)
    for r in sorted({r for r, _ in model.place}):
        places = [(place, 1.0) for (r_, _), place in model.place.items() if r_ == r]
        splitting = [(model.split[r], 1.0 - len(places))] if r in model.split else []
        model.add("one_site", (r,), places + splitting, pulp.LpConstraintLE, 1.0)
    for r, both in model.both.items():  # both >= mixed + split - 1
        model.add("one_site", ("both", r), [(both, 1.0), (model.mixed[r], -1.0), (model.split[r], -1.0)],
                  pulp.LpConstraintGE, -1.0)


@family("a run trains at a site on no more accelerators than the site's largest non-blocking fabric domain holds")
def fabric(model: PlanningModel) -> None:
    domains = [site.fabric_domain for site in model.scenario.sites.values()]
    by_row: dict[tuple, list] = {}
    for (s, g, t, w), variable in model.use.items():
        if w < len(model.arrays.runs) and domains[s] is not None:
            by_row.setdefault((w, s, t), []).append((variable, 1.0))
    for key, terms in by_row.items():
        model.add("fabric", key, terms, pulp.LpConstraintLE, domains[key[1]] / COUNT)


@family("a run's failures cost it accelerators that grow faster than its size (goodput at the Young/Daly interval)")
def goodput(model: PlanningModel) -> None:
    most = model.arrays.most_of_type()
    runs = list(model.scenario.training_runs.values())
    for (r, g, t), lost in model.lost.items():
        work = runs[r]
        if most[g, t] <= 0:
            continue
        for k, (intercept, slope) in enumerate(loss_chords(most[g, t], work.failure_rate, work.checkpoint_time, work.restart_time)):
            terms = [(lost, 1.0)] + [(use, -slope) for use, _ in model.run_size(r, g, t)]
            model.add("goodput", (r, g, t, k), terms, pulp.LpConstraintGE, intercept / COUNT)


@family("each serving stream's tokens per second are served every month")
def serving_demand(model: PlanningModel) -> None:
    arrays, runs = model.arrays, len(model.arrays.runs)
    for k in range(len(arrays.streams)):
        for t in np.flatnonzero(arrays.demand[k] > 0):
            terms = [(variable, arrays.serving[k, g] * COUNT / TOKENS)
                     for (s, g, t_, w), variable in model.use.items() if w == runs + k and t_ == t]
            model.add("serving_demand", (k, int(t)), terms, pulp.LpConstraintGE, arrays.demand[k, t] / TOKENS)


@family("accelerators work only where they are in service and commissioned (the rest idle)")
def use_within_fleet(model: PlanningModel) -> None:
    sold: dict[tuple, list] = {}
    for (s, g, v, m), variable in model.retire.items():
        sold.setdefault((s, g), []).append((v, m, variable))
    for key, variable in model.installed.items():
        working = model.working(*key)
        if working:
            terms = [(use, 1.0) for use in working] + [(variable, -1.0)] + commissioning(model, key, sold)
            model.add("use_within_fleet", key, terms, pulp.LpConstraintLE, 0.0)


def commissioning(model: PlanningModel, key: tuple, sold: dict[tuple, list]) -> list:
    """Accelerators at (s, g) in month t still within their commissioning lag: delivered in
    the lag's months up to t, less what of those deliveries has left service by t (`sold`:
    retirements (v, m, variable) by site and type)."""
    s, g, t = key
    first = t - int(model.arrays.lag[g]) + 1
    terms = [(model.buy[s, g, v], 1.0) for v in range(max(first, 0), t + 1) if (s, g, v) in model.buy]
    return terms + [(variable, -1.0) for v, m, variable in sold.get((s, g), []) if v >= first and m <= t]


@family("the fleet in service is last month's, plus deliveries, less retirements (the existing fleet at the start)")
def fleet_balance(model: PlanningModel) -> None:
    leaving: dict[tuple, list] = {}
    for (s, g, v, m), variable in model.retire.items():
        leaving.setdefault((s, g, m), []).append((variable, 1.0))
    existing = model.arrays.existing
    for (s, g, t), variable in model.installed.items():
        terms = [(variable, 1.0), *leaving.get((s, g, t), [])]
        before = model.fleet_at(s, g, t - 1)
        if before is not None:
            terms.append((before, -1.0))
        if (s, g, t) in model.buy:
            terms.append((model.buy[s, g, t], -1.0))
        rhs = existing[s, g] / COUNT if t == 0 else 0.0
        model.add("fleet_balance", (s, g, t), terms, pulp.LpConstraintEQ, rhs)


@family("no more of a month's purchase is retired than was bought")
def retire_within_purchase(model: PlanningModel) -> None:
    sold: dict[tuple, list] = {}
    for (s, g, v, m), variable in model.retire.items():
        sold.setdefault((s, g, v), []).append((variable, 1.0))
    for key, terms in sold.items():
        model.add("retire_within_purchase", key, [*terms, (model.buy[key], -1.0)], pulp.LpConstraintLE, 0.0)


@family("a run given `after` another starts only once the other has finished")
def run_order(model: PlanningModel) -> None:
    arrays = model.arrays
    if not any(first is not None for first in arrays.after):
        return
    most = arrays.most_of_type().sum(axis=0) / COUNT  # (T,) the most accelerators that could be at work
    flop = arrays.run_flop * COUNT / COMPUTE
    for (first, t), done in model.done.items():  # done only once the run's compute is in
        progress = [(v, -flop[first, s, g, t_]) for (s, g, t_, w), v in model.use.items() if w == first and t_ <= t]
        model.add("run_order", ("finished", first, t), [(done, arrays.required[first] / COMPUTE), *progress],
                  pulp.LpConstraintLE, 0.0)
    for r, first in enumerate(arrays.after):
        if first is None:
            continue
        finished = model.order_window(first)[1]
        for t in range(min(finished + 1, len(arrays.months))):  # from the month after its last, no limit
            done = model.done.get((first, t - 1))
            gated = done is not None and most[t] > 0
            share = 1.0 / most[t] if gated else 1.0  # a share of the most that could work: coefficients near 1
            working = [(v, share) for (s, g, t_, w), v in model.use.items() if w == r and t_ == t]
            if working:
                gate = [(done, -1.0)] if gated else []
                model.add("run_order", (r, t), working + gate, pulp.LpConstraintLE, 0.0)


@family("facility draw (IT power x PUE, reserved load included) stays within the grid import limit "
        "(every hour with representative days: firm in curtailment windows, firm + flexible outside)")
def grid_limit(model: PlanningModel) -> None:
    arrays = model.arrays
    for s in range(len(arrays.sites)):
        for t in range(len(arrays.months)):
            if not model.facility_terms(s, t):
                continue
            if not model.hours.hourly:
                headroom = arrays.grid[s, t] - arrays.pue[s, t] * arrays.reserved[s, t]
                model.add("grid_limit", (s, t), model.facility_terms(s, t), pulp.LpConstraintLE, headroom / POWER)
                continue
            for d, h, pue, extra, _ in model.hours.limit_hours(s, t):
                headroom = arrays.grid[s, t] + extra - pue * arrays.reserved[s, t]
                model.add("grid_limit", (s, t, d, h), model.import_terms(s, t, d, h, pue), pulp.LpConstraintLE, headroom / POWER)


@family("each month's peak draw, charged at the site's demand charge, is at least its facility draw in every hour (reserved load not included)")
def peak_draw(model: PlanningModel) -> None:
    for (s, t), peak in model.peak.items():
        if not model.hours.hourly:
            model.add("peak_draw", (s, t), [*model.facility_terms(s, t), (peak, -1.0)], pulp.LpConstraintLE, 0.0)
            continue
        for d, h, pue, _, _ in model.hours.limit_hours(s, t):
            model.add("peak_draw", (s, t, d, h), [*model.import_terms(s, t, d, h, pue), (peak, -1.0)], pulp.LpConstraintLE, 0.0)


@family("training throttled in a curtailment hour is at most the run's IT power at work there")
def throttle_within_training(model: PlanningModel) -> None:
    arrays = model.arrays
    active = arrays.power * (1 - arrays.idle) * COUNT / POWER
    for (s, t, d, h, r), variable in model.throttle.items():
        working = [(use, -active[g]) for (s_, g, t_, w), use in model.use.items() if (s_, t_, w) == (s, t, r)]
        model.add("throttle_within_training", (s, t, d, h, r), [(variable, 1.0), *working], pulp.LpConstraintLE, 0.0)


@family("a site's facility draw (reserved load included) changes by at most its ramp limit from one hour to the next "
        "(within each representative day, and from a month's last hour to the next month's first)")
def ramp_limit(model: PlanningModel) -> None:
    for s, limit in enumerate(model.hours.ramp):
        for t in range(len(model.arrays.months) if limit is not None else 0):
            for pair in model.hours.ramp_pairs(s, t):
                (before, held_before), (after, held_after) = model.draw_terms(s, *pair[:3]), model.draw_terms(s, t, *pair[3:])
                if not before and not after:
                    continue
                for sense, sign in (("up", 1.0), ("down", -1.0)):
                    terms = [(v, sign * c) for v, c in after] + [(v, -sign * c) for v, c in before]
                    rhs = (limit - sign * (held_after - held_before)) / POWER
                    model.add("ramp_limit", (s, *pair[:3], t, *pair[3:], sense), terms, pulp.LpConstraintLE, rhs)


@family("a clean contract's output matched to the programme's draw in an hour is at most what the site's contracts deliver then, and at most the draw")
def clean_supply(model: PlanningModel) -> None:
    for (s, t, d, h), match in model.match.items():
        day = model.hours.days[s][t]
        output = [(model.contract[s, k], -day["cf"][k, h]) for k in range(len(model.hours.contracts[s]))]
        model.add("clean_supply", (s, t, d, h, "output"), [(match, 1.0), *output], pulp.LpConstraintLE, 0.0)
        draw = [(v, -c) for v, c in model.hour_terms(s, t, d, h, float(day["pue"][d, h]))]
        model.add("clean_supply", (s, t, d, h, "draw"), [(match, 1.0), *draw], pulp.LpConstraintLE, 0.0)


@family("a battery's charge carries from hour to hour (a day ends as it began), within its energy, and it charges and discharges within its power")
def battery(model: PlanningModel) -> None:
    for (s, t, d, h), stored in model.stored.items():
        rate = model.scenario.sites[model.arrays.sites[s]].battery.round_trip
        before = model.stored[s, t, d, (h - 1) % 24]
        flows = [(stored, 1.0), (before, -1.0), (model.charge[s, t, d, h], -rate), (model.discharge[s, t, d, h], 1.0)]
        model.add("battery", (s, t, d, h, "carry"), flows, pulp.LpConstraintEQ, 0.0)
        model.add("battery", (s, t, d, h, "energy"), [(stored, 1.0), (model.battery_energy[s], -1.0)], pulp.LpConstraintLE, 0.0)
        for name, flow in (("charge", model.charge), ("discharge", model.discharge)):
            model.add("battery", (s, t, d, h, name), [(flow[s, t, d, h], 1.0), (model.battery_power[s], -1.0)], pulp.LpConstraintLE, 0.0)


@family("clean contracts match at least the scenario's carbon-free share of the programme's energy, hour by hour")
def cfe_target(model: PlanningModel) -> None:
    target = model.scenario.cfe_target
    if target is None:
        return
    matched = [(v, model.hours.days[s][t]["weight"][d]) for (s, t, d, h), v in model.match.items()]  # MWh
    energy = [(v, -target * c) for v, c in model.energy_terms(model.hours.energy_pue, J_PER_MWH)]
    model.add("cfe_target", (), matched + energy, pulp.LpConstraintGE, 0.0)


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
                room = arrays.it_capacity[s, t] - arrays.reserved[s, t]
                model.add("it_capacity", (s, t), terms, pulp.LpConstraintLE, room / POWER)


@family("monthly deliveries of each accelerator type stay within its supply cap")
def delivery(model: PlanningModel) -> None:
    arrays = model.arrays
    for g, t in zip(*np.nonzero(np.isfinite(arrays.delivery_cap))):
        terms = [(model.buy[s, g, t], 1.0) for s in range(len(arrays.sites)) if (s, g, t) in model.buy]
        if terms:
            model.add("delivery", (int(g), int(t)), terms, pulp.LpConstraintLE, arrays.delivery_cap[g, t] / COUNT)


@family("capex, electricity and demand charges paid over the horizon stay within the total budget")
def budget(model: PlanningModel) -> None:
    months = range(len(model.arrays.months))
    model.add("budget", (), model.spending_terms(months), pulp.LpConstraintLE, model.scenario.budget.total / MONEY)


def fiscal_year_limits(model: PlanningModel, by_year: dict[int, float]):
    """(year, months paid against the limit, money) for every fiscal year of the horizon: with
    carry-over, all months up to the year's end against all money arrived by then; without, the
    year's own months against its own money. A year not listed brings no new money."""
    arrays, arrived = model.arrays, 0.0
    for year in sorted(set(arrays.fiscal_year.tolist())):
        months = np.flatnonzero(arrays.fiscal_year == year)
        arrived += by_year.get(year, 0.0)
        if model.scenario.budget.carry_over:
            yield year, range(0, int(months[-1]) + 1), arrived
        else:
            yield year, range(int(months[0]), int(months[-1]) + 1), by_year.get(year, 0.0)


@family("cash paid stays within the money that has arrived by each fiscal year's end (none in a year not listed)")
def budget_fy(model: PlanningModel) -> None:
    by_year = model.scenario.budget.by_fiscal_year()
    if not by_year:
        return
    for year, months, limit in fiscal_year_limits(model, by_year):
        model.add("budget_fy", (year,), model.spending_terms(months), pulp.LpConstraintLE, limit / MONEY)


@family("each fiscal year's cash is paid from public and private money, no more and no less")
def cash_sources(model: PlanningModel) -> None:
    for year in sorted({y for _, y in model.money}):
        terms = model.spending_terms(range_of(model, year)) + [(model.money[name, year], -1.0) for name in ("public", "private")]
        model.add("cash_sources", (year,), terms, pulp.LpConstraintEQ, 0.0)


@family("public money pays at most its stated share of each fiscal year's capex")
def public_share(model: PlanningModel) -> None:
    share = model.scenario.budget.public_share
    for (source, year), variable in model.money.items():
        if source == "public":
            terms = [(variable, 1.0)] + [(v, -c * share) for v, c in model.capex_terms(range_of(model, year), at_order=True)]
            model.add("public_share", (year,), terms, pulp.LpConstraintLE, 0.0)


@family("public money spent stays within the subsidy arrived by each fiscal year's end (none in a year not listed)")
def public_money(model: PlanningModel) -> None:
    _source_limits(model, "public")


@family("private money spent stays within the operator's money arrived by each fiscal year's end (none in a year not listed)")
def private_money(model: PlanningModel) -> None:
    _source_limits(model, "private")


def _source_limits(model: PlanningModel, source: str) -> None:
    by_source = model.scenario.budget.by_source()
    if not by_source:
        return
    fiscal_year = model.arrays.fiscal_year
    for year, months, limit in fiscal_year_limits(model, by_source[source]):
        years = sorted({int(fiscal_year[t]) for t in months})
        terms = [(model.money[source, y], 1.0) for y in years]
        model.add(f"{source}_money", (year,), terms, pulp.LpConstraintLE, limit / MONEY)


def range_of(model: PlanningModel, year: int) -> range:
    months = np.flatnonzero(model.arrays.fiscal_year == year)
    return range(int(months[0]), int(months[-1]) + 1)


@family("accelerators are bought in whole servers or racks (integer sizing only)")
def scalable_units(model: PlanningModel) -> None:
    if not model.scenario.solver.integer:
        return
    for key, variable in [*model.buy.items(), *model.retire.items()]:  # sold as they were bought
        units = model.problem.add_variable(f"units_{'_'.join(map(str, key))}", lowBound=0, cat=pulp.LpInteger)
        model.units[key] = units
        size = model.arrays.scalable_unit[key[1]] / COUNT
        model.add("scalable_units", key, [(variable, 1.0), (units, -size)], pulp.LpConstraintEQ, 0.0)

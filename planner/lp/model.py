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

The LP is arrays (lp.program): variable tables map keys to columns, and a family adds its rows
one at a time or, where they are many, as one block from whole arrays; HiGHS takes the arrays as
they are, other solvers PuLP objects built from them.

Model units keep every coefficient within a few decades, so the solver sees a well-scaled
matrix (HiGHS warns on raw yen): counts in thousands of accelerators, power in MW, money in
billions of yen, compute in 1e24 FLOP. Everything entering or leaving this module is in base
units; only the rows and columns are scaled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable

import numpy as np

from planner.inputs.goodput import loss_chords
from planner.inputs.scenario import Scenario
from planner.lp.arrays import SECONDS_PER_HOUR, ScenarioArrays
from planner.lp.hourly import HourArrays
from planner.lp.program import EQ, GE, INF, LE, LinearProgram

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


class Terms(tuple):
    """(columns, coefficients) of a linear expression, as two arrays; `+` joins two."""

    def __new__(cls, columns=(), values=()):
        return super().__new__(cls, (np.asarray(columns, dtype=np.int64), np.asarray(values, dtype=float)))

    @classmethod
    def of(cls, pairs) -> "Terms":
        """From (column, coefficient) pairs."""
        pairs = list(pairs)
        return cls([c for c, _ in pairs], [v for _, v in pairs])

    def __add__(self, other) -> "Terms":
        return Terms(np.concatenate((self[0], other[0])), np.concatenate((self[1], other[1])))

    def __mul__(self, factor) -> "Terms":
        return Terms(self[0], self[1] * factor)

    def __bool__(self) -> bool:
        return len(self[0]) > 0

    def where(self, keep: np.ndarray) -> "Terms":
        return Terms(self[0][keep], self[1][keep])


class Table(Mapping):
    """key -> index (of a column or a row), filled one key at a time or by blocks of keys as
    arrays; made a dict only when first read by key, so a block costs nothing per key until then."""

    def __init__(self):
        self._dict: dict[tuple, int] = {}
        self._blocks: list[tuple[np.ndarray, np.ndarray]] = []

    def __setitem__(self, key, index: int) -> None:
        self._flush()  # in order of insertion
        self._dict[key] = index

    def add_block(self, keys: np.ndarray, indices: np.ndarray) -> None:
        self._blocks.append((keys, indices))

    def _flush(self) -> dict:
        for keys, indices in self._blocks:
            self._dict.update(zip(map(tuple, keys.tolist()) if isinstance(keys, np.ndarray) else keys, indices.tolist()))
        self._blocks = []
        return self._dict

    def __getitem__(self, key) -> int:
        return self._flush()[key]

    def __iter__(self):
        return iter(self._flush())

    def __len__(self) -> int:
        return len(self._dict) + sum(len(indices) for _, indices in self._blocks)

    def keys(self):
        return self._flush().keys()

    def values(self):
        return self._flush().values()

    def items(self):
        return self._flush().items()


class Variables(Table):
    """key -> column of one kind of variable, keys `width` integers; `keys_array` (n, width) and
    `columns` (n,) the same as arrays."""

    def __init__(self, width: int, keys: np.ndarray | None = None, columns: np.ndarray | None = None):
        super().__init__()
        self.width = width
        self._arrays = None
        if keys is not None:
            self.add_block(keys, columns)
            self._arrays = (len(keys), keys, columns)

    @property
    def keys_array(self) -> np.ndarray:
        return self._cached()[0]

    @property
    def columns(self) -> np.ndarray:
        return self._cached()[1]

    def _cached(self) -> tuple[np.ndarray, np.ndarray]:
        if self._arrays is None or self._arrays[0] != len(self):
            mapping = self._flush()
            keys = np.array(list(mapping), dtype=np.int64).reshape(len(mapping), self.width)
            self._arrays = (len(mapping), keys, np.array(list(mapping.values()), dtype=np.int64))
        return self._arrays[1:]


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
    """The LP of one scenario, built once; `rows[family][key]` holds each named constraint's row
    in `problem` (a LinearProgram), and each variable table (`buy`, `use`, ...) its columns.

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
        self.problem = LinearProgram()
        self.rows: dict[str, Table] = {name: Table() for name in FAMILIES}
        self.slacks: dict[str, Table] = {name: Table() for name in elastic}
        for name, width in (("done", 2), ("peak", 2), ("kind", 2), ("place", 2), ("mixed", 1), ("split", 1), ("both", 1),
                            ("lost", 3), ("throttle", 5), ("contract", 2), ("match", 4), ("battery_power", 1),
                            ("battery_energy", 1), ("charge", 4), ("discharge", 4), ("stored", 4), ("money", 2)):
            setattr(self, name, Variables(width))
        self.units: dict[tuple, int] = {}  # whole servers or racks of each purchase and sale (integer sizing)
        self._add_variables()
        self._add_clean_variables()
        self._add_battery_variables()
        self._add_run_choices()
        self.integer = self.integer or bool(self.done) or bool(self.kind) or bool(self.place)  # a MILP
        self.choices_fixed = False
        self._draw = _Grouped(self._it_power_terms(), self.installed_and_use_months(), self.arrays.pue.shape)
        for item in FAMILIES.values():
            item.build(self)
        self.set_objective(self.cost_objective())

    @property
    def workloads(self) -> list[str]:
        """Runs first, then serving streams: the last index of `use`."""
        return [*self.arrays.runs, *self.arrays.streams]

    def columns(self, name: str, keys: np.ndarray, **bounds) -> Variables:
        """Variables `name` for the rows of `keys`, as a block of columns."""
        return Variables(keys.shape[1], keys, self.problem.add_columns(name, keys, **bounds))

    def variable(self, table: Variables, name: str, key, lower: float = 0.0, upper: float | None = None,
                 integer: bool = False) -> int:
        """One variable `name_key` into `table` under `key`."""
        column = self.problem.add_column(f"{name}_{'_'.join(map(str, key if isinstance(key, tuple) else (key,)))}",
                                         lower, INF if upper is None else upper, integer)
        table[key] = column
        return column

    def value(self, column: int) -> float:
        """A column's value in the last solve (0 where it has none)."""
        return float(self.problem.values[column]) if self.problem.values is not None else 0.0

    def set_objective(self, terms: Terms, maximise: bool = False) -> None:
        self.problem.set_objective(*terms, maximise=maximise)

    def _add_variables(self) -> None:
        arrays = self.arrays
        held = (np.cumsum(arrays.installable, axis=2) > 0) | (arrays.existing > 0)[:, :, None]
        keys = np.argwhere(held)
        self.installed = self.columns("installed", keys)
        self.buy = self.columns("buy", keys[arrays.installable[tuple(keys.T)]])
        runs = np.moveaxis(arrays.run_flop > 0, 0, 3)  # (S, G, T, R)
        streams = (arrays.demand.T > 0)[None, None, :, :] & (arrays.serving.T > 0)[None, :, None, :]
        streams = np.broadcast_to(streams, (*held.shape, len(arrays.streams)))
        self.use = self.columns("use", np.argwhere(np.concatenate((runs, streams), axis=3) & held[..., None]))
        buys = self.buy.keys_array
        T = len(arrays.months)
        later = arrays.retire_months[None, :] & (np.arange(T)[None, :] > buys[:, 2:3])
        i, m = np.nonzero(later)
        self.retire = self.columns("retire", np.column_stack((buys[i], m)).reshape(-1, 4))
        charged = keys[arrays.demand_charge[keys[:, 0]] > 0]
        self.peak = self.columns("peak", distinct(charged[:, [0, 2]], arrays.pue.shape)[0])
        uses = self.use.keys_array
        training = distinct(uses[uses[:, 3] < len(arrays.runs)][:, [0, 2, 3]], (*arrays.pue.shape, len(arrays.runs)))[0]
        for s, t, r in training.tolist():
            for d, h in self.hours.throttled_hours(s, t):
                self.variable(self.throttle, "throttle", (s, t, d, h, r))
        for first in {r for r in arrays.after if r is not None}:
            for t in range(*self.order_window(first)):  # before it, not finished; from its end, finished
                self.variable(self.done, "done", (first, t), upper=1.0, integer=True)
        years = sorted(set(arrays.fiscal_year.tolist()))
        for source in self.scenario.budget.by_source():
            for year in years:
                self.variable(self.money, "money", (source, year))

    def installed_and_use_months(self) -> np.ndarray:
        """(s, t) of each installed column, then of each use column: the month each draws in."""
        return np.concatenate((self.installed.keys_array[:, [0, 2]], self.use.keys_array[:, [0, 2]]))

    def _it_power_terms(self) -> Terms:
        """The programme's IT draw (MW): idle share on the fleet, the rest on accelerators at work;
        in the order of installed_and_use_months."""
        arrays = self.arrays
        per_unit = arrays.power * COUNT / POWER
        g_installed, g_use = self.installed.keys_array[:, 1], self.use.keys_array[:, 1]
        return Terms(np.concatenate((self.installed.columns, self.use.columns)),
                     np.concatenate((per_unit[g_installed] * arrays.idle[g_installed], per_unit[g_use] * (1 - arrays.idle[g_use]))))

    def _add_clean_variables(self) -> None:
        """Each clean contract's MW (up to its `most`), and the MW of its output matched to the
        programme's draw in each hour a contract delivers, in months the site has a fleet."""
        for s, names in enumerate(self.hours.contracts):
            for k in range(len(names)):
                most = self.contract_of(s, k).most
                self.variable(self.contract, "contract", (s, k), upper=None if most is None else most / POWER)
        for s, t in self.fleet_months().tolist():
            if not self.hours.contracts[s]:
                continue
            day = self.hours.days[s][t]
            for d in range(len(day["weight"])):
                for h in np.flatnonzero(day["cf"].sum(axis=0) > 0):
                    self.variable(self.match, "match", (s, t, d, int(h)))

    def fleet_months(self) -> np.ndarray:
        """(s, t) of every month a site has a fleet (installed columns), in order."""
        return distinct(self.installed.keys_array[:, [0, 2]], self.arrays.pue.shape)[0]

    def _add_battery_variables(self) -> None:
        """Each battery's MW and MWh (up to its limits), and its hourly flows and charge in the
        months its site has a fleet."""
        for s, has in enumerate(self.hours.battery):
            if not has:
                continue
            battery = self.scenario.sites[self.arrays.sites[s]].battery
            self.variable(self.battery_power, "battery_mw", s, upper=_scaled(battery.most_power, POWER))
            self.variable(self.battery_energy, "battery_mwh", s, upper=_scaled(battery.most_energy, J_PER_MWH))
            months = self.fleet_months()
            for t in months[months[:, 0] == s, 1].tolist():
                for d, h in np.ndindex(self.hours.days[s][t]["pue"].shape):
                    for name in ("charge", "discharge", "stored"):
                        self.variable(getattr(self, name), name, (s, t, d, h))

    def battery_terms(self, per_joule: str, scale: float, months: range, weight: np.ndarray | None = None) -> Terms:
        """The batteries' grid energy in `months` (charge less discharge), each hour's J valued
        at the day's `per_joule` ("price" or "carbon") and weighted by `weight[t]`, in `scale` units."""
        terms = []
        for (s, t, d, h), charge in self.charge.items():
            if t in months:
                day = self.hours.days[s][t]
                value = day[per_joule][d, h] * day["weight"][d] * SECONDS_PER_HOUR * POWER / scale * (1.0 if weight is None else weight[t])
                terms += [(charge, value), (self.discharge[s, t, d, h], -value)]
        return Terms.of(terms)

    def battery_money(self, months: range, weight: np.ndarray | None = None) -> Terms:
        """The batteries' monthly charges for their MW and MWh in `months`, and the grid energy
        they cycle at the hour's price (model money units)."""
        held = sum(1.0 if weight is None else weight[t] for t in months)
        terms = []
        for s, power in self.battery_power.items():
            battery = self.scenario.sites[self.arrays.sites[s]].battery
            terms += [(power, battery.power_cost * POWER / MONEY * held),
                      (self.battery_energy[s], battery.energy_cost * J_PER_MWH / MONEY * held)]
        return Terms.of(terms) + self.battery_terms("price", MONEY, months, weight)

    def import_terms(self, s: int, t: int, d: int, h: int, pue: float) -> Terms:
        """What the grid sees at site s in hour h of month t's day d (MW): the programme's draw,
        less a battery's discharge, plus its charge."""
        flows = [(self.discharge[s, t, d, h], -1.0), (self.charge[s, t, d, h], 1.0)] if (s, t, d, h) in self.charge else []
        return self.hour_terms(s, t, d, h, pue) + Terms.of(flows)

    def contract_of(self, s: int, k: int):
        """Site s's clean contract k (inputs.clean.Contract)."""
        return self.scenario.sites[self.arrays.sites[s]].contracts[self.hours.contracts[s][k]]

    def clean_terms(self, months: range, weight: np.ndarray | None = None) -> Terms:
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
        return Terms.of(terms)

    def _add_run_choices(self) -> None:
        """Each run's choice of type and of site where it has more than one, whether it mixes
        or splits, and the accelerators its failures cost it."""
        uses = self.use.keys_array
        for r, work in enumerate(self.scenario.training_runs.values()):
            keys = uses[uses[:, 3] == r]
            types, sites = np.unique(keys[:, 1]).tolist(), np.unique(keys[:, 0]).tolist()
            if len(types) > 1:
                for g in types:
                    self.variable(self.kind, "kind", (r, g), upper=1.0, integer=True)
                if work.mix:
                    self.variable(self.mixed, "mixed", r, upper=1.0, integer=True)
            if len(sites) > 1:
                for s in sites:
                    self.variable(self.place, "place", (r, s), upper=1.0, integer=True)
                if work.split:
                    self.variable(self.split, "split", r, upper=1.0, integer=True)
            if r in self.mixed and r in self.split:
                self.variable(self.both, "both", r)
            if work.failure_rate is not None:
                for g, t in distinct(keys[:, [1, 2]], self.arrays.delivery_cap.shape)[0].tolist():
                    self.variable(self.lost, "lost", (r, g, t))

    def release_requirement(self, r: int) -> None:
        """Hold run r to no compute, its mixing and splitting penalties gone too: the compute
        objective maximises what it counts instead."""
        row = self.rows["compute_requirement"][r,]
        self._drop(row, self.penalty_terms(r)[0])
        self.problem.set_row(row, GE, 0.0)

    def _drop(self, row: int, columns: np.ndarray) -> None:
        """Take `columns` out of row `row`."""
        entries = self.problem.row_entries(row)
        self.problem.entry_values.array()[entries[np.isin(self.problem.entry_columns.array()[entries], columns)]] = 0.0

    def fix_shape(self, r: int, mixed: bool, split: bool) -> float:
        """Fix whether run r mixes types and splits between sites (where it may); the share of
        its compute that then counts."""
        for choices, value in ((self.mixed, mixed), (self.split, split), (self.both, mixed and split)):
            if r in choices:
                self.problem.fix([choices[r]], float(value))
        work = self.scenario.training_runs[self.arrays.runs[r]]
        return (work.mix_efficiency if mixed else 1.0) * (self.arrays.split_efficiency[r] if split else 1.0)

    @property
    def run_choices(self) -> list[int]:
        """The binaries of each run's type, site, mixing and splitting, and of the months by
        which runs others come after have finished."""
        return [*self.kind.values(), *self.place.values(), *self.mixed.values(), *self.split.values(), *self.done.values()]

    def relax_run_choices(self) -> None:
        """Let the run choices take fractions: the LP relaxation, whose optimum bounds the plan's."""
        self.problem.integer.array()[self.run_choices] = False
        self.integer = self.scenario.solver.integer

    def round_run_choices(self) -> None:
        """Round the relaxation's run choices to whole ones (fix_run_choices then fixes them):
        each run on the type and the site that deliver most of its compute, or free to use every
        one where it mixes or splits (at least half in the relaxation, or at no cost), and a run
        others come after finished by the first month one of them waited on it, so their
        schedule stands."""
        arrays, values = self.arrays, self.problem.values
        compute = np.zeros((len(arrays.runs), len(arrays.sites), len(arrays.accelerators)))
        s, g, t, r = self.use.keys_array.T
        training = r < len(arrays.runs)  # serving streams come after the runs
        np.add.at(compute, (r[training], s[training], g[training]),
                  values[self.use.columns[training]] * arrays.run_flop[r[training], s[training], g[training], t[training]])
        costless = {column for r in range(len(arrays.runs)) for column, cost in zip(*self.penalty_terms(r)) if not cost}
        for choices, delivered, many in ((self.kind, compute.sum(axis=1), self.mixed), (self.place, compute.sum(axis=2), self.split)):
            for r in {r for r, _ in choices}:
                options = [i for r_, i in choices if r_ == r]
                several = r in many and (many[r] in costless or values[many[r]] >= 0.5)
                chosen = options if several else [max(options, key=lambda i: delivered[r, i])]
                for i in options:
                    values[choices[r, i]] = float(i in chosen)
                if r in many:
                    values[many[r]] = float(several)
        finished: dict[int, bool] = {}
        for (first, t), done in sorted(self.done.items()):
            finished[first] = finished.get(first, False) or values[done] > TINY
            values[done] = float(finished[first])

    def fix_run_choices(self) -> None:
        """Fix each run's type, site, mixing and splitting, and the months by which runs others
        come after have finished, as the last solve chose them, leaving an LP (unless whole units
        keep it a MILP) whose duals price the limits."""
        choices = np.array(self.run_choices, dtype=np.int64)
        values = self.problem.values[choices] if self.problem.values is not None else np.zeros(len(choices))
        # a NaN from the solver fails verify, not here
        self.problem.fix(choices, np.where(np.isfinite(values), np.round(values), 0.0))
        self.integer = self.scenario.solver.integer
        self.choices_fixed = True
        for r in range(len(self.arrays.runs)):
            self._requirement_per_flop(r)

    def _requirement_per_flop(self, r: int) -> None:
        """Run r's requirement row with its mixing and splitting fixed: compute / k >= R, k the
        share more it needs (R (1 + sum of penalties) / R), in place of compute + penalties >= R,
        so the row's dual prices one more FLOP of the run, penalties included."""
        row, required = self.rows["compute_requirement"][r,], self.arrays.required[r] / COMPUTE
        columns, coefficients = self.penalty_terms(r)
        extra = float(-(coefficients * np.round(self.problem.values[columns])).sum()) / required
        self._drop(row, columns)  # gone already where the requirement was released
        self.problem.entry_values.array()[self.problem.row_entries(row)] /= 1.0 + extra

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

    def uses_of(self, w: int) -> tuple[np.ndarray, np.ndarray]:
        """(keys (n, 4), columns) of workload w's use."""
        keys = self.use.keys_array
        mine = keys[:, 3] == w
        return keys[mine], self.use.columns[mine]

    def order_window(self, first: int) -> tuple[int, int]:
        """(first month run `first` can train, its last): it can have finished by the end of a
        month in between (a binary each), has not before, and has by its last (its deadline)."""
        months = np.flatnonzero(self.arrays.run_flop[first].any(axis=(0, 1)))
        return (int(months[0]), int(months[-1])) if len(months) else (0, 0)

    def add(self, name: str, key: tuple, terms: Terms, sense: int, rhs: float) -> None:
        """Add row `name[key]`: sum of terms `sense` rhs."""
        if name in self.elastic:
            slack = self.variable(self.slacks[name], f"slack_{name}", key)
            terms = terms + Terms([slack], [-1.0 if sense == LE else 1.0])
        self.rows[name][key] = self.problem.add_row(name, key, terms[0], terms[1], sense, rhs)

    def add_block(self, name: str, keys: np.ndarray, rows: np.ndarray, terms: Terms, sense: int, rhs) -> None:
        """Add rows `name[key]` for the rows of `keys` (an array) at once: term i goes into row rows[i]."""
        columns, values = terms
        if name in self.elastic:
            slacks = self.problem.add_columns(f"slack_{name}", keys)
            self.slacks[name].add_block(keys, slacks)
            rows = np.concatenate((rows, np.arange(len(keys))))
            columns = np.concatenate((columns, slacks))
            values = np.concatenate((values, np.full(len(keys), -1.0 if sense == LE else 1.0)))
        indices = self.problem.add_rows(name, keys, rows, columns, values, sense, rhs)
        self.rows[name].add_block(keys, indices)

    # Costs, in model money units, shared by the objective and the cash rows.
    def capex_terms(self, months: range, at_order: bool = False) -> Terms:
        """Capex of accelerators delivered in `months`, or with `at_order` ordered (paid) in them."""
        capex, lead = self.arrays.capex * COUNT / MONEY, self.arrays.lead
        s, g, t = self.buy.keys_array.T
        paid = t - lead[g] if at_order else t
        return Terms(self.buy.columns, capex[s, g, t]).where((paid >= months.start) & (paid < months.stop))

    def energy_terms(self, per_joule: np.ndarray, scale: float, months: range | None = None,
                     weight: np.ndarray | None = None) -> Terms:
        """Energy drawn in `months` (all when None), weighted per joule of IT energy by
        `per_joule[s, t]` (hours.price_pue for cost, hours.carbon_pue for emissions: PUE
        included) and by `weight[t]`. Idle share on the fleet, the rest on accelerators at work."""
        arrays = self.arrays
        s, t = self._draw.months.T
        per_watt = per_joule[s, t] * arrays.seconds[t] * POWER / scale * (1.0 if weight is None else weight[t])
        terms = Terms(self._draw.columns, self._draw.values * per_watt)
        return terms if months is None else terms.where((t >= months.start) & (t < months.stop))

    def demand_terms(self, months: range, weight: np.ndarray | None = None) -> Terms:
        """Demand charges on each month's peak draw in `months`, weighted by `weight[t]`; paid monthly."""
        charge = self.arrays.demand_charge * POWER / MONEY
        s, t = self.peak.keys_array.T
        terms = Terms(self.peak.columns, charge[s] * (1.0 if weight is None else weight[t]))
        return terms.where((t >= months.start) & (t < months.stop))

    def spending_terms(self, months: range) -> Terms:
        """Cash paid in `months`: capex at order, electricity (clean contracts' net cost included) and demand charges."""
        return (self.capex_terms(months, at_order=True) + self.energy_terms(self.hours.price_pue, MONEY, months)
                + self.demand_terms(months) + self.clean_terms(months) + self.battery_money(months))

    def facility_terms(self, s: int, t: int, pue: float | None = None) -> Terms:
        """The programme's facility draw at site s in month t (MW): IT power x PUE (the month's,
        or `pue`), idle share on the fleet, the rest on accelerators at work."""
        return self._draw.at(s, t) * (self.arrays.pue[s, t] if pue is None else pue)

    def emission_terms(self) -> Terms:
        return self.energy_terms(self.hours.carbon_pue, EMISSIONS) + self.battery_terms("carbon", EMISSIONS, range(len(self.arrays.months)))

    def compute_terms(self, r: int) -> Terms:
        """Run r's training compute: its accelerators at work, less those its failures cost it
        and what throttling cost it."""
        flop, lost = self.arrays.run_flop[r], self.hours.flop_per_joule[r]
        keys, columns = self.uses_of(r)
        terms = Terms(columns, flop[keys[:, 0], keys[:, 1], keys[:, 2]] * COUNT / COMPUTE)
        terms += Terms.of((variable, -flop[:, g, t].max() * COUNT / COMPUTE) for (r_, g, t), variable in self.lost.items() if r_ == r)
        return terms + Terms.of((variable, -lost[s, t] * self.hours.hour_seconds(s, t, d) * POWER / COMPUTE)
                                for (s, t, d, h, w), variable in self.throttle.items() if w == r)

    def penalty_terms(self, r: int) -> Terms:
        """The compute a mixed or split run must add to its requirement, R (1 / e - 1) for each
        efficiency e, and their product when both: the whole run counts at e_mix x e_split."""
        work, required = self.scenario.training_runs[self.arrays.runs[r]], self.arrays.required[r] / COMPUTE
        extra = {"mixed": 1 / work.mix_efficiency - 1, "split": 1 / self.arrays.split_efficiency[r] - 1}
        terms = [(variable[r], -required * extra[name]) for name, variable in (("mixed", self.mixed), ("split", self.split))
                 if r in variable]
        if r in self.both:
            terms.append((self.both[r], -required * extra["mixed"] * extra["split"]))
        return Terms.of(terms)

    def hour_terms(self, s: int, t: int, d: int, h: int, pue: float) -> Terms:
        """Facility draw (MW) at site s in hour h of month t's representative day d: the month's
        IT draw at the hour's PUE, less what training throttles then."""
        cut = [(v, -pue) for (s_, t_, d_, h_, _), v in self.throttle.items() if (s_, t_, d_, h_) == (s, t, d, h)]
        return self.facility_terms(s, t, pue) + Terms.of(cut)

    def draw_terms(self, s: int, t: int, d: int, h: int) -> tuple[Terms, float]:
        """What the grid sees at site s in hour h of month t's day d: the programme's terms (MW,
        a battery's flows included), and the reserved load's draw (W, a constant)."""
        pue = float(self.hours.days[s][t]["pue"][d, h])
        return self.import_terms(s, t, d, h, pue), pue * self.arrays.reserved[s, t]

    def capital_terms(self) -> Terms:
        """The capital part of the objective in the scenario's economic view (model money units)."""
        arrays, economics = self.arrays, self.scenario.economics
        capex, delta, book = arrays.capex * COUNT / MONEY, arrays.discount, arrays.book
        end = len(arrays.months)
        if economics.view == "cash":
            return self.capex_terms(range(end))
        s, g, v = self.buy.keys_array.T
        rs, rg, rv, rm = self.retire.keys_array.T
        if economics.view == "annuity":  # each purchase charged from delivery until retired or the end; the existing fleet is sunk
            held = capital_recovery(economics.discount_rate, economics.useful_life) / 12 * np.cumsum(delta[end - 1::-1])[::-1]
            return Terms(self.buy.columns, capex[s, g, v] * held[v]) + Terms(self.retire.columns, -capex[rs, rg, rv] * held[rm])
        resale = economics.resale_of_book_value
        bought = Terms(self.buy.columns, capex[s, g, v] * (delta[v] - delta[end] * book[v, end]))
        return bought + Terms(self.retire.columns,
                              capex[rs, rg, rv] * (delta[end] * book[rv, end] - resale * delta[rm] * book[rv, rm]))

    def cost_objective(self) -> Terms:
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
            terms += emissions * carbon_price
        return terms

    def capex_weight(self, v: int) -> float:
        """What one yen of capex of a purchase in month v, held to the horizon's end, weighs in the objective."""
        arrays, economics = self.arrays, self.scenario.economics
        end = len(arrays.months)
        if economics.view == "cash":
            return 1.0
        if economics.view == "annuity":
            return capital_recovery(economics.discount_rate, economics.useful_life) / 12 * arrays.discount[v:end].sum()
        return arrays.discount[v] - arrays.discount[end] * arrays.book[v, end]


class _Grouped:
    """Terms grouped by (site, month): `at(s, t)` those of one month; `months` (n, 2) of each term."""

    def __init__(self, terms: Terms, months: np.ndarray, shape: tuple[int, int]):
        self.columns, self.values = terms
        self.months = months
        flat = months[:, 0] * shape[1] + months[:, 1] if len(months) else np.zeros(0, dtype=np.int64)
        self.order = np.argsort(flat, kind="stable")
        self.starts = np.searchsorted(flat[self.order], np.arange(shape[0] * shape[1] + 1))
        self.shape = shape

    def at(self, s: int, t: int) -> Terms:
        i = s * self.shape[1] + t
        chosen = self.order[self.starts[i]:self.starts[i + 1]]
        return Terms(self.columns[chosen], self.values[chosen])

    def block(self) -> tuple[np.ndarray, np.ndarray, Terms]:
        """(keys (k, 2) of the months with terms, row of each term in that order, terms), for a block of rows by month."""
        return *distinct(self.months, self.shape), Terms(self.columns, self.values)


def capital_recovery(rate: float, years: float) -> float:
    """CRF(i, n) = i (1 + i)^n / ((1 + i)^n - 1): the yearly payment that repays 1 over n years."""
    if rate == 0:
        return 1.0 / years
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


def _scaled(value: float | None, unit: float) -> float | None:
    return None if value is None else value / unit


def distinct(keys: np.ndarray, shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of `keys` (column i below shape[i]), sorted, and each row's position
    among them: np.unique(axis=0) on integers, ten times faster than on rows."""
    flat = np.ravel_multi_index(tuple(keys.T), shape) if len(keys) else np.zeros(0, dtype=np.int64)
    found, at = np.unique(flat, return_inverse=True)
    return np.column_stack(np.unravel_index(found, shape)).reshape(-1, len(shape)), at.reshape(-1)


def _index(variables: Variables, shape: tuple) -> np.ndarray:
    """variables' columns laid out densely by key (-1 where there is none)."""
    dense = np.full(shape, -1, dtype=np.int64)
    if len(variables):
        dense[tuple(variables.keys_array.T)] = variables.columns
    return dense


@family("each run's training compute is delivered inside its window")
def compute_requirement(model: PlanningModel) -> None:
    for r in range(len(model.arrays.runs)):
        terms = model.compute_terms(r) + model.penalty_terms(r)
        model.add("compute_requirement", (r,), terms, GE, model.arrays.required[r] / COMPUTE)


def _choice_rows(model: PlanningModel, name: str, choices: Variables, many: Variables, axis: int, position: int) -> None:
    """Rows of `name` for run choices (r, i) (i a type at `position` 1 of a use's key, or a site
    at 0): run r's use of option i in a month is at most the choice times the most option i
    could hold; and each run picks one option, or several with `many` (mixing or splitting)."""
    bounds: dict[int, np.ndarray] = {}
    for (r, i), choice in choices.items():
        if r not in bounds:
            bounds[r] = model.choice_bound(r, axis=axis)
        most = bounds[r]
        keys, columns = model.uses_of(r)
        mine = keys[:, position] == i
        months, rows = np.unique(keys[mine, 2], return_inverse=True)
        terms = Terms(columns[mine], np.ones(mine.sum())) + Terms(np.full(len(months), choice), -most[i, months])
        block = np.column_stack((np.full(len(months), r), np.full(len(months), i), months))
        model.add_block(name, block, np.concatenate((rows.reshape(-1), np.arange(len(months)))), terms, LE, 0.0)
    for r in sorted({r for r, _ in choices}):
        options = [(choice, 1.0) for (r_, _), choice in choices.items() if r_ == r]
        several = [(many[r], 1.0 - len(options))] if r in many else []
        model.add(name, (r,), Terms.of(options + several), LE, 1.0)


@family("each run trains on one accelerator type, unless its `mix` allows types at its mix efficiency")
def one_type(model: PlanningModel) -> None:
    _choice_rows(model, "one_type", model.kind, model.mixed, axis=0, position=1)


@family("each run trains at one site, or is split between sites at its split efficiency (the link's cost)")
def one_site(model: PlanningModel) -> None:
    _choice_rows(model, "one_site", model.place, model.split, axis=1, position=0)
    for r, both in model.both.items():  # both >= mixed + split - 1
        model.add("one_site", ("both", r), Terms([both, model.mixed[r], model.split[r]], [1.0, -1.0, -1.0]), GE, -1.0)


@family("a run trains at a site on no more accelerators than the site's largest non-blocking fabric domain holds")
def fabric(model: PlanningModel) -> None:
    domains = np.array([np.inf if site.fabric_domain is None else site.fabric_domain for site in model.scenario.sites.values()])
    keys, columns = model.use.keys_array, model.use.columns
    bounded = (keys[:, 3] < len(model.arrays.runs)) & np.isfinite(domains[keys[:, 0]])
    if not bounded.any():
        return
    rows, at = distinct(keys[bounded][:, [3, 0, 2]], (len(model.workloads), *model.arrays.pue.shape))
    model.add_block("fabric", rows, at, Terms(columns[bounded], np.ones(bounded.sum())), LE, domains[rows[:, 1]] / COUNT)


@family("a run's failures cost it accelerators that grow faster than its size (goodput at the Young/Daly interval)")
def goodput(model: PlanningModel) -> None:
    most = model.arrays.most_of_type()
    runs = list(model.scenario.training_runs.values())
    sizes: dict[tuple, list] = {}
    for r in {r for r, _, _ in model.lost}:
        keys, columns = model.uses_of(r)
        for (s, g, t, _), column in zip(keys.tolist(), columns.tolist()):
            sizes.setdefault((r, g, t), []).append(column)
    for (r, g, t), lost in model.lost.items():
        work = runs[r]
        if most[g, t] <= 0:
            continue
        for k, (intercept, slope) in enumerate(loss_chords(most[g, t], work.failure_rate, work.checkpoint_time, work.restart_time)):
            size = sizes.get((r, g, t), [])
            terms = Terms([lost, *size], [1.0, *[-slope] * len(size)])
            model.add("goodput", (r, g, t, k), terms, GE, intercept / COUNT)


@family("each serving stream's tokens per second are served every month")
def serving_demand(model: PlanningModel) -> None:
    arrays, runs = model.arrays, len(model.arrays.runs)
    needed = np.argwhere(arrays.demand > 0)
    if not len(needed):
        return
    row_of = np.full(arrays.demand.shape, -1)
    row_of[tuple(needed.T)] = np.arange(len(needed))
    keys, columns = model.use.keys_array, model.use.columns
    serving = keys[:, 3] >= runs
    k, g, t = keys[serving, 3] - runs, keys[serving, 1], keys[serving, 2]
    terms = Terms(columns[serving], arrays.serving[k, g] * COUNT / TOKENS)
    model.add_block("serving_demand", needed, row_of[k, t], terms, GE, arrays.demand[tuple(needed.T)] / TOKENS)


@family("accelerators work only where they are in service and commissioned (the rest idle)")
def use_within_fleet(model: PlanningModel) -> None:
    """Use of (s, g, t) <= installed, less what was delivered within the commissioning lag up to
    t and is still in service (delivered in v > t - lag, not retired by t)."""
    shape, lag = model.arrays.installable.shape, model.arrays.lag.astype(int)
    uses = model.use.keys_array
    worked = np.zeros(shape, dtype=bool)
    worked[tuple(uses[:, :3].T)] = True
    keys = model.installed.keys_array[worked[tuple(model.installed.keys_array.T)]]
    row_of = np.full(shape, -1)
    row_of[tuple(keys.T)] = np.arange(len(keys))
    rows = [row_of[tuple(uses[:, :3].T)], row_of[tuple(keys.T)]]
    columns = [model.use.columns, _index(model.installed, shape)[tuple(keys.T)]]
    values = [np.ones(len(uses)), -np.ones(len(keys))]
    buys, retires = model.buy.keys_array, model.retire.keys_array
    for offset in range(int(lag.max(initial=0))):
        for found, column, sign, bound in ((buys, model.buy.columns, 1.0, buys[:, 2]), (retires, model.retire.columns, -1.0, retires[:, 3])):
            s, g, t = found[:, 0], found[:, 1], bound + offset
            # a delivery of v counts in t = v .. v + lag - 1; its retirement from m, in t = m .. v + lag - 1
            inside = (offset < lag[g]) & (t <= found[:, 2] + lag[g] - 1) & (t < shape[2])
            row = np.where(inside, row_of[s, g, np.minimum(t, shape[2] - 1)], -1)
            kept = row >= 0
            rows.append(row[kept])
            columns.append(column[kept])
            values.append(np.full(kept.sum(), sign))
    model.add_block("use_within_fleet", keys, np.concatenate(rows), Terms(np.concatenate(columns), np.concatenate(values)), LE, 0.0)


@family("the fleet in service is last month's, plus deliveries, less retirements (the existing fleet at the start)")
def fleet_balance(model: PlanningModel) -> None:
    shape = model.arrays.installable.shape
    keys, columns = model.installed.keys_array, model.installed.columns
    row_of = np.full(shape, -1)
    row_of[tuple(keys.T)] = np.arange(len(keys))
    s, g, t = keys.T
    installed = _index(model.installed, shape)
    before = np.where(t > 0, installed[s, g, np.maximum(t - 1, 0)], -1)
    bought = _index(model.buy, shape)[s, g, t]
    retires = model.retire.keys_array
    rows = np.concatenate((np.arange(len(keys)), row_of[retires[:, 0], retires[:, 1], retires[:, 3]],
                           np.flatnonzero(before >= 0), np.flatnonzero(bought >= 0)))
    terms = Terms(np.concatenate((columns, model.retire.columns, before[before >= 0], bought[bought >= 0])),
                  np.concatenate((np.ones(len(keys)), np.ones(len(retires)), -np.ones((before >= 0).sum()), -np.ones((bought >= 0).sum()))))
    rhs = np.where(t == 0, model.arrays.existing[s, g] / COUNT, 0.0)
    model.add_block("fleet_balance", keys, rows, terms, EQ, rhs)


@family("no more of a month's purchase is retired than was bought")
def retire_within_purchase(model: PlanningModel) -> None:
    retires = model.retire.keys_array
    if not len(retires):
        return
    keys, rows = distinct(retires[:, :3], model.arrays.installable.shape)
    bought = _index(model.buy, model.arrays.installable.shape)[tuple(keys.T)]
    terms = Terms(np.concatenate((model.retire.columns, bought)), np.concatenate((np.ones(len(retires)), -np.ones(len(keys)))))
    model.add_block("retire_within_purchase", keys, np.concatenate((rows, np.arange(len(keys)))), terms, LE, 0.0)


@family("a run given `after` another starts only once the other has finished")
def run_order(model: PlanningModel) -> None:
    arrays = model.arrays
    if not any(first is not None for first in arrays.after):
        return
    most = arrays.most_of_type().sum(axis=0) / COUNT  # (T,) the most accelerators that could be at work
    flop = arrays.run_flop * COUNT / COMPUTE
    for (first, t), done in model.done.items():  # done only once the run's compute is in
        keys, columns = model.uses_of(first)
        early = keys[:, 2] <= t
        progress = Terms(columns[early], -flop[first, keys[early, 0], keys[early, 1], keys[early, 2]])
        model.add("run_order", ("finished", first, t), Terms([done], [arrays.required[first] / COMPUTE]) + progress, LE, 0.0)
    for r, first in enumerate(arrays.after):
        if first is None:
            continue
        finished = model.order_window(first)[1]
        keys, columns = model.uses_of(r)
        for t in range(min(finished + 1, len(arrays.months))):  # from the month after its last, no limit
            done = model.done.get((first, t - 1))
            gated = done is not None and most[t] > 0
            share = 1.0 / most[t] if gated else 1.0  # a share of the most that could work: coefficients near 1
            working = columns[keys[:, 2] == t]
            if len(working):
                gate = Terms([done], [-1.0]) if gated else Terms()
                model.add("run_order", (r, t), Terms(working, np.full(len(working), share)) + gate, LE, 0.0)


@family("facility draw (IT power x PUE, reserved load included) stays within the grid import limit "
        "(every hour with representative days: firm in curtailment windows, firm + flexible outside)")
def grid_limit(model: PlanningModel) -> None:
    arrays = model.arrays
    if not model.hours.hourly:
        keys, rows, terms = model._draw.block()
        s, t = keys.T
        pue = arrays.pue[tuple(model._draw.months.T)]
        model.add_block("grid_limit", keys, rows, terms * pue, LE, (arrays.grid[s, t] - arrays.pue[s, t] * arrays.reserved[s, t]) / POWER)
        return
    for s in range(len(arrays.sites)):
        for t in range(len(arrays.months)):
            if not model.facility_terms(s, t):
                continue
            for d, h, pue, extra, _ in model.hours.limit_hours(s, t):
                headroom = arrays.grid[s, t] + extra - pue * arrays.reserved[s, t]
                model.add("grid_limit", (s, t, d, h), model.import_terms(s, t, d, h, pue), LE, headroom / POWER)


@family("each month's peak draw, charged at the site's demand charge, is at least its facility draw in every hour (reserved load not included)")
def peak_draw(model: PlanningModel) -> None:
    for (s, t), peak in model.peak.items():
        if not model.hours.hourly:
            model.add("peak_draw", (s, t), model.facility_terms(s, t) + Terms([peak], [-1.0]), LE, 0.0)
            continue
        for d, h, pue, _, _ in model.hours.limit_hours(s, t):
            model.add("peak_draw", (s, t, d, h), model.import_terms(s, t, d, h, pue) + Terms([peak], [-1.0]), LE, 0.0)


@family("training throttled in a curtailment hour is at most the run's IT power at work there")
def throttle_within_training(model: PlanningModel) -> None:
    arrays = model.arrays
    active = arrays.power * (1 - arrays.idle) * COUNT / POWER
    for (s, t, d, h, r), variable in model.throttle.items():
        keys, columns = model.uses_of(r)
        here = (keys[:, 0] == s) & (keys[:, 2] == t)
        working = Terms(columns[here], -active[keys[here, 1]])
        model.add("throttle_within_training", (s, t, d, h, r), Terms([variable], [1.0]) + working, LE, 0.0)


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
                    rhs = (limit - sign * (held_after - held_before)) / POWER
                    model.add("ramp_limit", (s, *pair[:3], t, *pair[3:], sense), after * sign + before * -sign, LE, rhs)


@family("a clean contract's output matched to the programme's draw in an hour is at most what the site's contracts deliver then, and at most the draw")
def clean_supply(model: PlanningModel) -> None:
    for (s, t, d, h), match in model.match.items():
        day = model.hours.days[s][t]
        output = Terms.of((model.contract[s, k], -day["cf"][k, h]) for k in range(len(model.hours.contracts[s])))
        model.add("clean_supply", (s, t, d, h, "output"), Terms([match], [1.0]) + output, LE, 0.0)
        draw = model.hour_terms(s, t, d, h, float(day["pue"][d, h])) * -1.0
        model.add("clean_supply", (s, t, d, h, "draw"), Terms([match], [1.0]) + draw, LE, 0.0)


@family("a battery's charge carries from hour to hour (a day ends as it began), within its energy, and it charges and discharges within its power")
def battery(model: PlanningModel) -> None:
    for (s, t, d, h), stored in model.stored.items():
        rate = model.scenario.sites[model.arrays.sites[s]].battery.round_trip
        before = model.stored[s, t, d, (h - 1) % 24]
        flows = Terms([stored, before, model.charge[s, t, d, h], model.discharge[s, t, d, h]], [1.0, -1.0, -rate, 1.0])
        model.add("battery", (s, t, d, h, "carry"), flows, EQ, 0.0)
        model.add("battery", (s, t, d, h, "energy"), Terms([stored, model.battery_energy[s]], [1.0, -1.0]), LE, 0.0)
        for name, flow in (("charge", model.charge), ("discharge", model.discharge)):
            model.add("battery", (s, t, d, h, name), Terms([flow[s, t, d, h], model.battery_power[s]], [1.0, -1.0]), LE, 0.0)


@family("clean contracts match at least the scenario's carbon-free share of the programme's energy, hour by hour")
def cfe_target(model: PlanningModel) -> None:
    target = model.scenario.cfe_target
    if target is None:
        return
    matched = Terms.of((v, model.hours.days[s][t]["weight"][d]) for (s, t, d, h), v in model.match.items())  # MWh
    energy = model.energy_terms(model.hours.energy_pue, J_PER_MWH) * -target
    model.add("cfe_target", (), matched + energy, GE, 0.0)


@family("installed IT power (reserved load included) stays within the site's fitted-out IT capacity")
def it_capacity(model: PlanningModel) -> None:
    arrays = model.arrays
    keys = model.installed.keys_array
    months, rows = distinct(keys[:, [0, 2]], arrays.pue.shape)
    terms = Terms(model.installed.columns, arrays.power[keys[:, 1]] * COUNT / POWER)
    room = arrays.it_capacity[tuple(months.T)] - arrays.reserved[tuple(months.T)]
    model.add_block("it_capacity", months, rows, terms, LE, room / POWER)


@family("monthly deliveries of each accelerator type stay within its supply cap")
def delivery(model: PlanningModel) -> None:
    arrays = model.arrays
    keys = model.buy.keys_array
    capped = np.isfinite(arrays.delivery_cap[keys[:, 1], keys[:, 2]])
    if not capped.any():
        return
    rows, at = distinct(keys[capped][:, [1, 2]], arrays.delivery_cap.shape)
    terms = Terms(model.buy.columns[capped], np.ones(capped.sum()))
    model.add_block("delivery", rows, at, terms, LE, arrays.delivery_cap[tuple(rows.T)] / COUNT)


@family("capex, electricity and demand charges paid over the horizon stay within the total budget")
def budget(model: PlanningModel) -> None:
    months = range(len(model.arrays.months))
    model.add("budget", (), model.spending_terms(months), LE, model.scenario.budget.total / MONEY)


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
        model.add("budget_fy", (year,), model.spending_terms(months), LE, limit / MONEY)


@family("each fiscal year's cash is paid from public and private money, no more and no less")
def cash_sources(model: PlanningModel) -> None:
    for year in sorted({y for _, y in model.money}):
        sources = Terms.of((model.money[name, year], -1.0) for name in ("public", "private"))
        model.add("cash_sources", (year,), model.spending_terms(range_of(model, year)) + sources, EQ, 0.0)


@family("public money pays at most its stated share of each fiscal year's capex")
def public_share(model: PlanningModel) -> None:
    share = model.scenario.budget.public_share
    for (source, year), variable in model.money.items():
        if source == "public":
            terms = Terms([variable], [1.0]) + model.capex_terms(range_of(model, year), at_order=True) * -share
            model.add("public_share", (year,), terms, LE, 0.0)


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
        model.add(f"{source}_money", (year,), Terms.of((model.money[source, y], 1.0) for y in years), LE, limit / MONEY)


def range_of(model: PlanningModel, year: int) -> range:
    months = np.flatnonzero(model.arrays.fiscal_year == year)
    return range(int(months[0]), int(months[-1]) + 1)


@family("accelerators are bought in whole servers or racks (integer sizing only)")
def scalable_units(model: PlanningModel) -> None:
    if not model.scenario.solver.integer:
        return
    for variables in (model.buy, model.retire):  # sold as they were bought
        keys = variables.keys_array
        units = model.problem.add_columns("units", keys.tolist(), integer=True)
        model.units.update(zip(map(tuple, keys.tolist()), units.tolist()))
        size = model.arrays.scalable_unit[keys[:, 1]] / COUNT
        terms = Terms(np.concatenate((variables.columns, units)), np.concatenate((np.ones(len(keys)), -size)))
        model.add_block("scalable_units", keys, np.concatenate((np.arange(len(keys)),) * 2), terms, EQ, 0.0)

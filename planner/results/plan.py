"""The Plan: tidy tables a planner reads, and a summary; built from a solved model."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.inputs.calendar import MONTHS_EARLIER, label, months_between
from planner.inputs.goodput import checkpoint_interval, expected_interruptions, goodput, mean_time_between_failures
from planner.inputs.scenario import Scenario
from planner.lp.arrays import ScenarioArrays
from planner.lp.binding import BINDING_COLUMNS, ENTRY_COLUMNS, NEGLIGIBLE, binding_table, entry_prices
from planner.lp.diagnose import RELAXATION_COLUMNS, explain
from planner.lp.hourly import HourArrays
from planner.lp.model import MONEY, capital_recovery
from planner.lp.objectives import Outcome, least_cost, optimise
from planner.lp.solve import Solution, solve
from planner.results.clean import (
    BATTERY_COLUMNS,
    BATTERY_HOUR_COLUMNS,
    CLEAN_COLUMNS,
    CONTRACT_COLUMNS,
    MATCHED_COLUMNS,
    battery_hours,
    battery_table,
    clean_summary,
    clean_table,
    contract_table,
    matched_table,
)
from planner.results.hours import (
    CURTAILMENT_COLUMNS,
    PEAK_COLUMNS,
    THROTTLE_COLUMNS,
    curtailment_table,
    peak_table,
    throttle_table,
)

J_PER_MWH = 3.6e9
RELAXATION_PRICES = "LP relaxation: servers and racks in fractions, as a plan in whole units has no shadow prices of its own"


@dataclass
class Plan:
    """A plan for one scenario. Tables are tidy (one row per site/accelerator/month etc.).

    fleet:   site, accelerator, month, installed, delivered, retired, training, serving
             (retired: leaving service that month; training / serving: at work on runs / streams)
    use:     site, accelerator, month, workload, accelerators  (non-zero rows only)
    power:   site, month, pue, it_mw, facility_mw, grid_limit_mw, it_capacity_mw, headroom_mw
    energy:  site, month, energy_mwh, electricity_cost_jpy, co2_t, peak_draw_mw, demand_charge_jpy
             (peak_draw_mw: the programme's peak facility draw, charged at the site's demand charge)
    costs:   fiscal_year, capex_jpy, energy_cost_jpy, demand_charge_jpy, total_jpy, budget_jpy (arrived that year),
             public_jpy, private_jpy (paid from each source; NaN when the budget does not split)
    compute: month, delivered_flop, cumulative_flop  (the named run: `scenario.run`)
    retirements: site, accelerator, bought, retired, accelerators  (by vintage: bought in one month,
             leaving service from another; non-zero rows only)
    runs:    run, start, finish, deadline, required_flop, delivered_flop, accelerators (peak at
             work), accelerator_months, attributed_cost_jpy, accelerator (the type or types it
             trained on), sites, efficiency (mix x split: the share of its compute that counts),
             goodput (the share of its accelerator time that made progress), interruptions
             (expected, with a failure rate), checkpoint_interval_s (Young/Daly, at its peak size)
    alternatives: alternative, status, economic_cost_jpy, difference_jpy  (the least-cost plan
             with every run allowed to mix types, and with every run on one site: what the
             one-type rule costs, and what splitting saves)
    inference: stream, month, demand_tokens_per_s, served_tokens_per_s, attributed_cost_jpy,
               cost_per_million_tokens_jpy
    binding: constraint, description, where, shadow_price, unit  (limits that bind, and their worth)
    entry:   accelerator, price_cut_jpy, capex_jpy, cut_share  (types left out: the cut that brings them in)
             (both priced by the LP relaxation for whole servers and racks: `prices_note`)
    relaxations: option, limit, description, amount, unit  (infeasible: each way to a plan, on its own)
    peak_hours: each site's highest hour by month (results.hours.PEAK_COLUMNS)
    curtailment: months a site throttled training (results.hours.CURTAILMENT_COLUMNS)
    throttle: site, month, day, hour, workload, it_mw  (training cut in curtailment hours; non-zero rows only)
    clean:   by site and month, clean contracts' energy, carbon-free share and Scope 2 (results.clean.CLEAN_COLUMNS;
             their net cost is in the energy table's electricity_cost_jpy)
    contracts: site, contract, kind, mw, price_jpy_per_mwh  (the clean contracts signed)
    matched: site, month, day, hour, mw  (contracted output matched to the programme's draw; non-zero rows only)
    battery: by site with a battery and month, its size, energy cycled and costs (results.clean.BATTERY_COLUMNS; its costs
             are in electricity_cost_jpy, its CO2 in co2_t)
    battery_hours: site, month, day, hour, charge_mw, discharge_mw  (rows with a flow only)
    """

    scenario: Scenario
    status: str
    solver: str
    fleet: pd.DataFrame
    power: pd.DataFrame
    energy: pd.DataFrame
    costs: pd.DataFrame
    compute: pd.DataFrame
    build_seconds: float
    solve_seconds: float
    use: pd.DataFrame = field(default_factory=pd.DataFrame)
    retirements: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RETIREMENT_COLUMNS))
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)
    inference: pd.DataFrame = field(default_factory=pd.DataFrame)
    economic_cost_jpy: float = 0.0
    residual_value_jpy: float = 0.0
    message: str = ""
    solver_method: str = ""  # how the solver solved it: lp.solve.method_words
    notices: list[str] = field(default_factory=list)
    mip_gap: float | None = None
    integer_gap: float | None = None
    binding: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BINDING_COLUMNS))
    entry: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ENTRY_COLUMNS))
    relaxations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RELAXATION_COLUMNS))
    alternatives: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ALTERNATIVE_COLUMNS))
    peak_hours: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PEAK_COLUMNS))
    curtailment: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CURTAILMENT_COLUMNS))
    throttle: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=THROTTLE_COLUMNS))
    clean: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CLEAN_COLUMNS))
    contracts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CONTRACT_COLUMNS))
    matched: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MATCHED_COLUMNS))
    battery: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BATTERY_COLUMNS))
    battery_hours: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BATTERY_HOUR_COLUMNS))

    @property
    def feasible(self) -> bool:
        """A plan that meets every limit ("feasible" = not proven optimal within the time limit)."""
        return self.status in ("optimal", "feasible")

    @property
    def finish_month(self) -> str | None:
        """The month cumulative compute of the named run first reaches its requirement."""
        required = self.scenario.run.required_flop
        reached = self.compute[self.compute["cumulative_flop"] >= required * (1 - 1e-7)]
        return None if reached.empty or not self.feasible else str(reached["month"].iloc[0])

    @property
    def prices_note(self) -> str:
        """Says whose prices the binding limits and prices to enter are, when not this plan's own."""
        return RELAXATION_PRICES if self.scenario.solver.integer else ""

    def largest_grid_limits_mw(self) -> dict[str, float]:
        """Each site's largest grid import limit over the whole horizon (not just to the deadline)."""
        horizon = months_between(self.scenario.horizon.start, self.scenario.horizon.end)
        return {name: float(site.limits(horizon)[0].max()) / 1e6 for name, site in self.scenario.sites.items()}

    def by_site(self, table: pd.DataFrame, column: str, how: str) -> dict[str, float]:
        """`column` of an hourly table aggregated by site, 0 for a site not in it."""
        grouped = table.groupby("site")[column].agg(how) if not table.empty else pd.Series(dtype=float)
        return {site: float(grouped.get(site, 0.0)) for site in self.scenario.sites}

    @property
    def total_cost_jpy(self) -> float:
        """Capex, electricity and demand charges over the horizon, from the costs table (the
        summary's total; verify reads it without building the whole summary)."""
        costs = self.costs
        return float(costs["capex_jpy"].sum()) + float(costs["energy_cost_jpy"].sum()) + float(costs["demand_charge_jpy"].sum())

    def summary(self) -> dict:
        """Headline numbers and the tables a reader needs beside them; the `--json` output of `planner plan`."""
        return {
            **self.headline(),
            "binding": json_records(self.binding),
            "price_to_enter": json_records(self.entry),
            "relaxations": json_records(self.relaxations),
            "runs": json_records(self.runs),
            "alternatives": json_records(self.alternatives),
            "inference": json_records(self.inference),
            "cash_by_fiscal_year": json_records(self.costs),
        }

    def headline(self) -> dict:
        """The summary's numbers without its tables (a sweep's row needs no more)."""
        costs, energy, fleet, power = self.costs, self.energy, self.fleet, self.power
        capex = float(costs["capex_jpy"].sum())
        electricity = float(costs["energy_cost_jpy"].sum())
        demand = float(costs["demand_charge_jpy"].sum())
        peak = fleet.groupby(["site", "accelerator"])["installed"].max()
        return {
            "scenario": self.scenario.name,
            "status": self.status,
            "message": self.message,
            "objective": self.scenario.objective,
            "solver": self.solver,
            "solver_method": self.solver_method,
            "integer": self.scenario.solver.integer,
            "mip_gap": self.mip_gap,
            "integer_gap": self.integer_gap,
            "total_cost_jpy": self.total_cost_jpy,
            "capex_jpy": capex,
            "energy_cost_jpy": electricity,
            "demand_charge_jpy": demand,
            "energy_mwh": float(energy["energy_mwh"].sum()),
            "co2_t": float(energy["co2_t"].sum()),
            "finish_month": self.finish_month,
            "deadline": label(self.scenario.run.deadline),
            "required_flop": self.scenario.run.required_flop,
            "delivered_flop": float(self.compute["delivered_flop"].sum()),
            "budget_jpy": self.scenario.budget.total,
            "accelerators": {
                site: {acc: float(peak[site, acc]) for acc in self.scenario.accelerators if peak[site, acc] > NEGLIGIBLE}
                for site in self.scenario.sites
            },
            "peak_facility_mw": power.groupby("site")["facility_mw"].max().reindex(list(self.scenario.sites)).to_dict(),
            "grid_limit_mw": self.largest_grid_limits_mw(),
            "peak_hour_mw": self.by_site(self.peak_hours, "facility_mw", "max"),
            "hours_curtailed": self.by_site(self.curtailment, "hours_curtailed", "sum"),
            "flexible_mw_gained": self.by_site(self.curtailment, "mw_gained", "max"),
            **clean_summary(self.clean, self.contracts, self.battery, self.scenario.sites),
            "largest_model_parameters": self.largest_model_parameters(),
            "build_seconds": self.build_seconds,
            "solve_seconds": self.solve_seconds,
            "notices": list(self.notices),
            "prices_from": "LP relaxation" if self.prices_note else "this plan",
            "economic_cost_jpy": self.economic_cost_jpy,
            "residual_value_jpy": self.residual_value_jpy,
            "economic_view": self.scenario.economics.view,
        }

    def largest_model_parameters(self) -> float | None:
        """Total parameters of the largest model the delivered compute trains at the scenario's
        tokens per parameter: C = k x (active share x N) x (tokens per parameter x N)."""
        work = self.scenario.run
        delivered = float(self.compute["delivered_flop"].sum())
        if not self.feasible or work.parameters is None:
            return None
        tokens_per_parameter = work.training_tokens / work.parameters
        active_share = (work.active_parameters or work.parameters) / work.parameters
        return (delivered / (work.flop_per_parameter_token * tokens_per_parameter * active_share)) ** 0.5


def json_records(table: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts (json_value)."""
    return [{k: json_value(v) for k, v in row.items()} for row in table.to_dict("records")]


def json_value(value):
    """JSON-ready: NaN as null, numpy numbers as Python ones."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def make_plan(scenario: Scenario, highs=None, explain_limits: bool = True,
              compare_rules: bool = False) -> Plan:
    """Answer the scenario's objective: solve, lay the answer out as tables, and say what binds
    (or, for an infeasible scenario, what would make it feasible). A sweep passes a warm HiGHS
    solver and leaves out `explain_limits`, which only a single plan shows. `compare_rules` also
    re-plans with the run rules relaxed (the alternatives table): two more MILPs, so on request."""
    started = time.perf_counter()
    outcome = optimise(scenario, highs)
    solution = outcome.solution
    plan = tabulate(scenario, outcome.model.arrays, solution, time.perf_counter() - started - solution.seconds)
    if not explain_limits:
        return plan
    if solution.has_plan:
        priced = outcome
        if scenario.solver.integer:
            priced = _fractional(outcome.scenario, "cost" if scenario.objective == "finish" else scenario.objective)
            if priced.scenario.objective == "cost":  # a compute or CO2 plan spends to its level: no cost to compare
                plan.integer_gap = _integer_gap(solution, priced.solution)
        if priced.model.run_choices and not priced.model.choices_fixed:
            priced = _choices_fixed(priced)
        if priced.solution.has_plan:
            plan.binding = binding_table(priced.model, priced.solution, priced.dual_objective)
            plan.entry = _outside_the_rule(plan, priced.model, entry_prices(priced.model, priced.solution))
        if scenario.objective == "finish":
            plan.binding = pd.concat([plan.binding, finish_gains(scenario, plan.finish_month)], ignore_index=True)
        if compare_rules:
            plan.alternatives = alternatives(scenario, outcome)
    elif solution.status == "infeasible":
        plan.relaxations = explain(scenario)
    return plan


def finish_gains(scenario: Scenario, finish: str) -> pd.DataFrame:
    """Months the finish moves earlier with 10% more grid and fit-out at a site, or 10% more money
    (re-planned, not read off duals: the finish month is a step, not a slope)."""
    rows = []
    for name, site in scenario.sites.items():
        phases = [p.model_copy(update={"grid_import": p.grid_import * 1.1, "it_capacity": p.it_capacity * 1.1})
                  for p in site.grid_phases]
        sites = {**scenario.sites, name: site.model_copy(update={"grid_phases": phases})}
        more = f"+10% grid and fit-out at {name}"
        rows.append(_months_gained(scenario, scenario.model_copy(update={"sites": sites}), finish, "grid_limit", name, more))
    rows.append(_months_gained(scenario, _more_money(scenario, ("fiscal_years", "public", "private"), total=True),
                               finish, "budget", "total", "+10% budget in every fiscal year"))
    for source in ("public", "private") if scenario.budget.by_source() else ():
        what = f"+10% {source} money in every fiscal year"
        if len(scenario.training_runs) > 1:
            what += f", for the {scenario.run.name} run"
        rows.append(_months_gained(scenario, _more_money(scenario, (source,)), finish, f"{source}_money", source, what))
    return pd.DataFrame(rows, columns=BINDING_COLUMNS)


def _more_money(scenario: Scenario, tables: tuple[str, ...], total: bool = False) -> Scenario:
    """`scenario` with 10% more money in every fiscal year of the budget's `tables` (and in the total)."""
    budget = scenario.budget
    update = {table: {y: v * 1.1 for y, v in getattr(budget, table).items()} for table in tables}
    if total:
        update["total"] = budget.total * 1.1
    return scenario.model_copy(update={"budget": budget.model_copy(update=update)})


def _months_gained(scenario: Scenario, changed: Scenario, finish: str, family: str, where: str, what: str) -> dict:
    outcome = optimise(changed)
    earlier = outcome.scenario.run.deadline if outcome.solution.has_plan else None
    gained = 0 if earlier is None else (pd.Period(finish, "M") - earlier).n
    return {"constraint": family, "description": what, "where": where, "shadow_price": float(gained), "unit": MONTHS_EARLIER}


ALTERNATIVE_COLUMNS = ["alternative", "status", "economic_cost_jpy", "difference_jpy"]


def alternatives(scenario: Scenario, outcome: Outcome) -> pd.DataFrame:
    """The least-cost plan with every run free to mix types (at its mix efficiency), and with
    every run kept to one site, against this plan's cost: re-planned, as a choice between whole
    alternatives has no dual. Only for the cost objective, and only where the rule could bind."""
    model, rows = outcome.model, []
    if scenario.objective != "cost":
        return pd.DataFrame(columns=ALTERNATIVE_COLUMNS)
    cost = outcome.solution.objective * MONEY
    if model.kind and len(model.mixed) < len({r for r, _ in model.kind}):
        rows.append(_alternative("types mixed in every run", with_runs(scenario, mix=True), cost))
    if model.split:
        rows.append(_alternative("every run on one site", with_runs(scenario, split=False), cost))
    return pd.DataFrame(rows, columns=ALTERNATIVE_COLUMNS)


def _alternative(name: str, changed: Scenario, cost: float) -> dict:
    solution = least_cost(changed).solution
    other = solution.objective * MONEY if solution.has_plan else None
    return {"alternative": name, "status": solution.status, "economic_cost_jpy": other,
            "difference_jpy": None if other is None else other - cost}


def with_runs(scenario: Scenario, **fields) -> Scenario:
    """`scenario` with `fields` set on every run."""
    runs = {name: work.model_copy(update=fields) for name, work in scenario.training_runs.items()}
    if scenario.workload is not None:
        return scenario.model_copy(update={"workload": next(iter(runs.values()))})
    return scenario.model_copy(update={"runs": runs})


def _outside_the_rule(plan: Plan, model, entry: pd.DataFrame) -> pd.DataFrame:
    """The price to enter of the types no run turned down: one a run could have chosen instead
    of its own type would enter only by replacing it, which no dual prices (the alternatives
    re-plan that instead)."""
    turned_down = {model.arrays.accelerators[g] for (_, g), kind in model.kind.items() if not round(model.value(kind))}
    if turned_down & set(entry["accelerator"]):
        plan.notices.append(f"no price to enter for {', '.join(sorted(turned_down))}: a run trains on one type, "
                            "so each would enter only in place of the type the run chose")
    return entry[~entry["accelerator"].isin(turned_down)].reset_index(drop=True)


def _choices_fixed(outcome: Outcome) -> Outcome:
    """The plan's own problem with each run's type and site fixed as chosen, solved again as an
    LP: its duals price the limits (a MILP has none)."""
    outcome.model.fix_run_choices()
    return Outcome(outcome.scenario, outcome.model, solve(outcome.model), outcome.dual_objective)


def _fractional(scenario: Scenario, objective: str) -> Outcome:
    """The LP relaxation: `scenario` with servers and racks bought in fractions, for `objective`.
    Its duals are the prices an integer plan shows: a MILP has none, and those of the LP with the
    fleet fixed at the plan's values price little but electricity (JPY 1.3e7 against the
    relaxation's 3.9e9 per 1e24 FLOP on the default) and lose the limits the fleet sizing meets."""
    solver = scenario.solver.model_copy(update={"integer": False})
    return optimise(scenario.model_copy(update={"solver": solver, "objective": objective}))


def _integer_gap(whole: Solution, fractional: Solution) -> float:
    """How much whole servers and racks add to the cost of the same plan in fractions."""
    lp = fractional.objective
    return (whole.objective - lp) / abs(lp) if lp else 0.0


def tabulate(scenario: Scenario, arrays: ScenarioArrays, solution: Solution, build_seconds: float) -> Plan:
    installed, training, bought, use = solution.installed, solution.training, solution.bought, solution.use
    sites, accelerators, months = arrays.sites, arrays.accelerators, arrays.month_labels
    S, G, T = installed.shape
    retired = solution.retired.sum(axis=2)  # (S, G, M): leaving service from month M
    working = arrays.working(use)
    fleet = pd.DataFrame(
        {
            "site": np.repeat(sites, G * T),
            "accelerator": np.tile(np.repeat(accelerators, T), S),
            "month": np.tile(months, S * G),
            "installed": installed.ravel(),
            "delivered": bought.ravel(),
            "retired": retired.ravel(),
            "training": training.ravel(),
            "serving": (working - training).ravel(),
        }
    )
    it_watts = arrays.it_power(installed, working)
    hours = HourArrays.of(scenario, arrays)
    facility_watts = (it_watts + arrays.reserved) * arrays.pue
    demand_charges = solution.peak * arrays.demand_charge[:, None]
    energy_joules = it_watts * hours.energy_pue * arrays.seconds  # facility energy over the month's hours
    it_joules = it_watts * arrays.seconds
    site_month = {"site": np.repeat(sites, T), "month": np.tile(months, S)}
    power = pd.DataFrame(
        {
            **site_month,
            "pue": arrays.pue.ravel(),
            "it_mw": it_watts.ravel() / 1e6,
            "facility_mw": facility_watts.ravel() / 1e6,
            "grid_limit_mw": arrays.grid.ravel() / 1e6,
            "it_capacity_mw": arrays.it_capacity.ravel() / 1e6,
            "headroom_mw": (arrays.grid - facility_watts).ravel() / 1e6,
        }
    )
    energy = pd.DataFrame(
        {
            **site_month,
            "energy_mwh": energy_joules.ravel() / J_PER_MWH,
            "electricity_cost_jpy": (it_joules * hours.price_pue).ravel(),
            "co2_t": (it_joules * hours.carbon_pue).ravel() / 1e3,
            "peak_draw_mw": solution.peak.ravel() / 1e6,
            "demand_charge_jpy": demand_charges.ravel(),
        }
    )
    battery = battery_table(scenario, hours, arrays, solution)
    cycled = energy[["site", "month"]].merge(battery, on=["site", "month"], how="left")
    battery_jpy = (cycled["capacity_cost_jpy"] + cycled["energy_cost_jpy"]).astype(float).fillna(0.0).to_numpy()
    battery_t = cycled["co2_t"].astype(float).fillna(0.0).to_numpy()
    energy["electricity_cost_jpy"] += battery_jpy
    energy["co2_t"] += battery_t
    clean = clean_table(scenario, hours, arrays, energy, solution.contract, solution.match)
    net_clean = (clean["contract_cost_jpy"] - clean["grid_cost_saved_jpy"]).to_numpy()
    energy["electricity_cost_jpy"] += net_clean
    capex_by_month = paid_at_order(arrays, bought)
    energy_cost_by_month = (it_joules * hours.price_pue).sum(axis=0) + net_clean.reshape(S, T).sum(axis=0)
    energy_cost_by_month += battery_jpy.reshape(S, T).sum(axis=0)
    delivered_flop = run_delivered(scenario, arrays, use, arrays.runs.index(scenario.run.name))
    compute = pd.DataFrame(
        {"month": months, "delivered_flop": delivered_flop, "cumulative_flop": np.cumsum(delivered_flop)}
    )
    carbon_cost = ((it_joules * hours.carbon_pue).sum(axis=0) + battery_t.reshape(S, T).sum(axis=0) * 1e3) * scenario.carbon_price
    demand_by_month = demand_charges.sum(axis=0)
    economic, residual = economic_cost(scenario, arrays, solution, energy_cost_by_month + carbon_cost + demand_by_month)
    unit_capex = fleet_unit_capex(arrays, solution)
    return Plan(
        scenario=scenario,
        status=solution.status,
        solver=solution.solver,
        solver_method=solution.method,
        fleet=fleet,
        power=power,
        energy=energy,
        costs=cash_table(scenario, arrays, solution, capex_by_month, energy_cost_by_month, demand_by_month),
        compute=compute,
        build_seconds=build_seconds,
        solve_seconds=solution.seconds,
        use=use_table(arrays, use),
        retirements=retirement_table(arrays, solution.retired),
        runs=runs_table(scenario, arrays, use, unit_capex),
        inference=inference_table(scenario, arrays, use, unit_capex),
        economic_cost_jpy=economic,
        residual_value_jpy=residual,
        message=solution.message,
        notices=solution.notices,
        mip_gap=solution.mip_gap,
        peak_hours=peak_table(hours, arrays, it_watts, solution.throttle),
        curtailment=curtailment_table(hours, arrays, it_watts, solution.throttle),
        throttle=throttle_table(hours, arrays, solution.throttle),
        clean=clean,
        contracts=contract_table(scenario, hours, arrays, solution.contract),
        matched=matched_table(arrays, solution.match),
        battery=battery,
        battery_hours=battery_hours(arrays, solution),
    )


def paid_at_order(arrays: ScenarioArrays, bought: np.ndarray) -> np.ndarray:
    """(T,) capex paid by month: each delivery's price in its order month (delivery less the
    type's lead time, inside the horizon by construction)."""
    paid = np.zeros(len(arrays.months))
    for g, lead in enumerate(arrays.lead):
        spend = (bought[:, g] * arrays.capex[:, g]).sum(axis=0)
        paid[: len(paid) - lead] += spend[lead:]
    return paid


def cash_table(scenario: Scenario, arrays: ScenarioArrays, solution: Solution, capex: np.ndarray, energy: np.ndarray,
               demand: np.ndarray) -> pd.DataFrame:
    """Cash paid by fiscal year, what arrived that year, and (for a split budget) from which source."""
    costs = (
        pd.DataFrame({"fiscal_year": arrays.fiscal_year, "capex_jpy": capex, "energy_cost_jpy": energy,
                      "demand_charge_jpy": demand})
        .groupby("fiscal_year", as_index=False)
        .sum()
    )
    costs["total_jpy"] = costs["capex_jpy"] + costs["energy_cost_jpy"] + costs["demand_charge_jpy"]
    costs["budget_jpy"] = costs["fiscal_year"].map(scenario.budget.by_fiscal_year())
    for source in ("public", "private"):
        costs[f"{source}_jpy"] = costs["fiscal_year"].map(
            lambda year: solution.money.get((source, year), np.nan) if solution.money else np.nan)
    costs["fiscal_year"] = "FY" + costs["fiscal_year"].astype(str)
    return costs


def economic_cost(scenario: Scenario, arrays: ScenarioArrays, solution: Solution, running: np.ndarray) -> tuple[float, float]:
    """(economic cost in the scenario's view, residual value at the horizon's end), in JPY.
    `running`: electricity, demand charge and carbon cost by month (undiscounted)."""
    economics, T = scenario.economics, len(arrays.months)
    capex = arrays.capex  # (S, G, V) by delivery month
    kept = solution.bought - solution.retired.sum(axis=3)  # (S, G, V) still held at the end
    residual = float((kept * capex * arrays.book[:T, T][None, None, :]).sum())
    if economics.view == "cash":
        return float((solution.bought * capex).sum() + running.sum()), residual
    delta = arrays.discount
    if economics.view == "annuity":  # each purchase charged from delivery until retired; the existing fleet is sunk
        charge = capital_recovery(economics.discount_rate, economics.useful_life) / 12
        held = held_value(arrays, solution.bought, solution.retired)
        return float((held * charge * delta[:T]).sum() + (running * delta[:T]).sum()), residual
    resale = economics.resale_of_book_value * (solution.retired * capex[:, :, :, None]
                                               * arrays.book[:T, :T][None, None] * delta[:T][None, None, None, :]).sum()
    paid = (solution.bought * capex * delta[:T]).sum()
    return float(paid - resale - delta[T] * residual + (running * delta[:T]).sum()), residual


def held_value(arrays: ScenarioArrays, bought: np.ndarray, retired: np.ndarray) -> np.ndarray:
    """(S, G, T) purchase price of the bought accelerators in service each month, each at the
    price of its delivery month (retired (S, G, V, M): leaving from month M)."""
    bought_value = np.cumsum(bought * arrays.capex, axis=2)
    left_value = np.cumsum((retired * arrays.capex[..., None]).sum(axis=2), axis=2)
    return bought_value - left_value


def fleet_unit_capex(arrays: ScenarioArrays, solution: Solution) -> np.ndarray:
    """(S, G, T) mean price of the accelerators in service each month, over their vintages (the
    existing fleet at the horizon's first price); where none are, that month's price."""
    value = held_value(arrays, solution.bought, solution.retired) + (arrays.existing * arrays.capex[:, :, 0])[:, :, None]
    held = solution.installed
    return np.divide(value, held, out=arrays.capex.copy(), where=held > NEGLIGIBLE)


def use_table(arrays: ScenarioArrays, use: np.ndarray) -> pd.DataFrame:
    """Every non-zero use, however small: `verify` recomputes each run's compute from these rows,
    and many rows below NEGLIGIBLE can add up to more than the solver's tolerance."""
    s, g, t, w = np.nonzero(use)
    workloads = [*arrays.runs, *arrays.streams]
    return pd.DataFrame({
        "site": np.array(arrays.sites)[s], "accelerator": np.array(arrays.accelerators)[g],
        "month": np.array(arrays.month_labels)[t], "workload": np.array(workloads, dtype=object)[w],
        "accelerators": use[s, g, t, w]}, columns=USE_COLUMNS)


USE_COLUMNS = ["site", "accelerator", "month", "workload", "accelerators"]
RETIREMENT_COLUMNS = ["site", "accelerator", "bought", "retired", "accelerators"]


def retirement_table(arrays: ScenarioArrays, retired: np.ndarray) -> pd.DataFrame:
    """Every non-zero retirement by vintage (S, G, V, M): `verify` values resale and what is left
    at the horizon's end from these rows."""
    s, g, v, m = np.nonzero(retired)
    months = np.array(arrays.month_labels)
    return pd.DataFrame({
        "site": np.array(arrays.sites)[s], "accelerator": np.array(arrays.accelerators)[g],
        "bought": months[v], "retired": months[m], "accelerators": retired[s, g, v, m]}, columns=RETIREMENT_COLUMNS)
RUN_COLUMNS = ["run", "start", "finish", "deadline", "required_flop", "delivered_flop", "accelerators",
               "accelerator_months", "attributed_cost_jpy", "accelerator", "sites", "efficiency", "goodput",
               "interruptions", "checkpoint_interval_s"]


def run_efficiency(scenario: Scenario, arrays: ScenarioArrays, use: np.ndarray, r: int) -> float:
    """The share of run r's compute that counts: its mix efficiency if it trained on more than
    one type, times its split efficiency if at more than one site."""
    work, busy = scenario.training_runs[arrays.runs[r]], use[..., r].sum(axis=2) > NEGLIGIBLE  # (S, G)
    mixed = work.mix_efficiency if busy.any(axis=0).sum() > 1 else 1.0
    return mixed * (arrays.split_efficiency[r] if busy.any(axis=1).sum() > 1 else 1.0)


def run_goodput(scenario: Scenario, arrays: ScenarioArrays, use: np.ndarray, r: int) -> np.ndarray:
    """(G, T) goodput of run r on each type each month, at its size on that type then (1 without a
    failure rate: run_flop holds the availability)."""
    work = scenario.training_runs[arrays.runs[r]]
    if work.failure_rate is None:
        return np.ones(use.shape[1:3])
    return goodput(use[..., r].sum(axis=0), work.failure_rate, work.checkpoint_time, work.restart_time)


def run_delivered(scenario: Scenario, arrays: ScenarioArrays, use: np.ndarray, r: int) -> np.ndarray:
    """(T,) FLOP run r delivers each month: accelerators at work x goodput x its efficiency."""
    gross = use[..., r] * arrays.run_flop[r]  # (S, G, T)
    net = (gross * run_goodput(scenario, arrays, use, r)[None]).sum(axis=(0, 1))
    return net * run_efficiency(scenario, arrays, use, r)


def _interruptions(work, arrays: ScenarioArrays, at_work: np.ndarray) -> tuple[float | None, float | None]:
    """(expected interruptions, Young/Daly interval [s] at the peak size) of a run with `at_work`
    (T,) accelerators; None for both without a failure rate."""
    if work.failure_rate is None:
        return None, None
    hours = arrays.seconds / 3600.0
    mtbf = mean_time_between_failures(at_work.max(), work.failure_rate)
    interval = checkpoint_interval(work.checkpoint_time, mtbf) if at_work.max() > NEGLIGIBLE else None
    return float(sum(expected_interruptions(n, h, work.failure_rate) for n, h in zip(at_work, hours))), interval


def attributed_cost(scenario: Scenario, arrays: ScenarioArrays, working: np.ndarray, unit_capex: np.ndarray) -> np.ndarray:
    """(T,) JPY attributed by month to a workload that keeps `working` (S, G, T) accelerators at
    work: the capital charge (CRF(rate, life) / 12 x capex, undiscounted) of those
    accelerator-months, plus the electricity they draw at work (full power). What no workload
    uses (idle accelerators: their charge and idle draw) is attributed to none. `unit_capex`
    (S, G, T): the mean price of the fleet in service (`fleet_unit_capex`)."""
    economics = scenario.economics
    charge = capital_recovery(economics.discount_rate, economics.useful_life) / 12 * unit_capex
    joules = (working * arrays.power[None, :, None]).sum(axis=1) * arrays.pue * arrays.seconds
    return (working * charge).sum(axis=(0, 1)) + (joules * arrays.price).sum(axis=0)


def runs_table(scenario: Scenario, arrays: ScenarioArrays, use: np.ndarray, unit_capex: np.ndarray) -> pd.DataFrame:
    """Each run: when it trained and finished, on how many accelerators, at what attributed cost
    (`attributed_cost`)."""
    rows = []
    for r, (name, work) in enumerate(scenario.training_runs.items()):
        flop = run_delivered(scenario, arrays, use, r)
        done = np.cumsum(flop) >= arrays.required[r] * (1 - 1e-7)
        at_work = use[..., r].sum(axis=(0, 1))
        busy = np.flatnonzero(at_work > NEGLIGIBLE)
        gross = (use[..., r] * arrays.run_flop[r]).sum()
        goodput_share = flop.sum() / run_efficiency(scenario, arrays, use, r) / gross if gross > 0 else None
        interruptions, interval = _interruptions(work, arrays, at_work)
        used = use[..., r].sum(axis=2) > NEGLIGIBLE  # (S, G)
        rows.append({
            "run": name,
            "start": arrays.month_labels[busy[0]] if len(busy) else None,
            "finish": arrays.month_labels[np.argmax(done)] if done.any() else None,
            "deadline": label(work.deadline),
            "required_flop": work.required_flop,
            "delivered_flop": float(flop.sum()),
            "accelerators": float(use[..., r].sum(axis=(0, 1)).max()),
            "accelerator_months": float(use[..., r].sum()),
            "attributed_cost_jpy": float(attributed_cost(scenario, arrays, use[..., r], unit_capex).sum()),
            "accelerator": "+".join(np.array(arrays.accelerators)[used.any(axis=0)]),
            "sites": "+".join(np.array(arrays.sites)[used.any(axis=1)]),
            "efficiency": run_efficiency(scenario, arrays, use, r),
            "goodput": (work.availability if work.failure_rate is None else goodput_share) if gross > 0 else None,
            "interruptions": interruptions,
            "checkpoint_interval_s": interval,
        })
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def inference_table(scenario: Scenario, arrays: ScenarioArrays, use: np.ndarray, unit_capex: np.ndarray) -> pd.DataFrame:
    """Each serving stream by month: demand, tokens served, the cost attributed to it
    (`attributed_cost`) and that cost per million tokens served (NaN in a month serving none)."""
    runs, rows = len(arrays.runs), []
    for k, name in enumerate(arrays.streams):
        served = (use[..., runs + k] * arrays.serving[k][None, :, None]).sum(axis=(0, 1))
        cost = attributed_cost(scenario, arrays, use[..., runs + k], unit_capex)
        millions = served * arrays.seconds / 1e6
        per_million = np.divide(cost, millions, out=np.full_like(cost, np.nan), where=millions > 0)
        rows += [{"stream": name, "month": month, "demand_tokens_per_s": arrays.demand[k, t],
                  "served_tokens_per_s": served[t], "attributed_cost_jpy": cost[t],
                  "cost_per_million_tokens_jpy": per_million[t]}
                 for t, month in enumerate(arrays.month_labels)]
    return pd.DataFrame(rows, columns=["stream", "month", "demand_tokens_per_s", "served_tokens_per_s",
                                       "attributed_cost_jpy", "cost_per_million_tokens_jpy"])

"""The Plan: tidy tables a planner reads, and a summary; built from a solved model."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.arrays import ScenarioArrays
from planner.calendar import label, months_between
from planner.model import PlanningModel
from planner.scenario import Scenario
from planner.solve import Solution, solve

J_PER_MWH = 3.6e9
BINDING_COLUMNS = ["constraint", "description", "where", "shadow_price", "unit"]
RELAXATION_COLUMNS = ["limit", "description", "amount", "unit"]


@dataclass
class Plan:
    """A plan for one scenario. Tables are tidy (one row per site/accelerator/month etc.).

    fleet:   site, accelerator, month, installed, delivered, training
    power:   site, month, pue, it_mw, facility_mw, grid_limit_mw, it_capacity_mw, headroom_mw
    energy:  site, month, energy_mwh, electricity_cost_jpy, co2_t
    costs:   fiscal_year, capex_jpy, energy_cost_jpy, total_jpy, budget_jpy (arrived that year)
    compute: month, delivered_flop, cumulative_flop
    binding: constraint, description, where, shadow_price, unit  (limits that bind, and their worth)
    relaxations: limit, description, amount, unit  (for an infeasible plan: what would make it feasible)
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
    notices: list[str] = field(default_factory=list)
    binding: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BINDING_COLUMNS))
    relaxations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RELAXATION_COLUMNS))

    @property
    def feasible(self) -> bool:
        return self.status == "optimal"

    @property
    def finish_month(self) -> str | None:
        """The month cumulative compute first reaches the requirement."""
        required = self.scenario.workload.required_flop
        reached = self.compute[self.compute["cumulative_flop"] >= required * (1 - 1e-7)]
        return None if reached.empty or not self.feasible else str(reached["month"].iloc[0])

    def largest_grid_limits_mw(self) -> dict[str, float]:
        """Each site's largest grid import limit over the whole horizon (not just to the deadline)."""
        horizon = months_between(self.scenario.horizon.start, self.scenario.horizon.end)
        return {name: float(site.limits(horizon)[0].max()) / 1e6 for name, site in self.scenario.sites.items()}

    def summary(self) -> dict:
        """Headline numbers; the `--json` output of `planner plan`."""
        costs, energy, fleet, power = self.costs, self.energy, self.fleet, self.power
        capex = float(costs["capex_jpy"].sum())
        electricity = float(costs["energy_cost_jpy"].sum())
        peak = fleet.groupby(["site", "accelerator"])["installed"].max()
        return {
            "scenario": self.scenario.name,
            "status": self.status,
            "objective": self.scenario.objective,
            "solver": self.solver,
            "total_cost_jpy": capex + electricity,
            "capex_jpy": capex,
            "energy_cost_jpy": electricity,
            "energy_mwh": float(energy["energy_mwh"].sum()),
            "co2_t": float(energy["co2_t"].sum()),
            "finish_month": self.finish_month,
            "deadline": label(self.scenario.workload.deadline),
            "required_flop": self.scenario.workload.required_flop,
            "delivered_flop": float(self.compute["delivered_flop"].sum()),
            "budget_jpy": self.scenario.budget.total,
            "accelerators": {
                site: {acc: float(peak[site, acc]) for acc in self.scenario.accelerators if peak[site, acc] > 1e-6}
                for site in self.scenario.sites
            },
            "peak_facility_mw": power.groupby("site")["facility_mw"].max().reindex(list(self.scenario.sites)).to_dict(),
            "grid_limit_mw": self.largest_grid_limits_mw(),
            "build_seconds": self.build_seconds,
            "solve_seconds": self.solve_seconds,
            "notices": list(self.notices),
        }


def make_plan(scenario: Scenario) -> Plan:
    """Build the LP for `scenario`, solve it and lay the answer out as tables."""
    started = time.perf_counter()
    model = PlanningModel(scenario)
    build_seconds = time.perf_counter() - started
    solution = solve(model)
    return tabulate(scenario, model.arrays, solution, build_seconds)


def tabulate(scenario: Scenario, arrays: ScenarioArrays, solution: Solution, build_seconds: float) -> Plan:
    installed, training = solution.installed, solution.training
    sites, accelerators, months = arrays.sites, arrays.accelerators, arrays.month_labels
    S, G, T = installed.shape
    fleet = pd.DataFrame(
        {
            "site": np.repeat(sites, G * T),
            "accelerator": np.tile(np.repeat(accelerators, T), S),
            "month": np.tile(months, S * G),
            "installed": installed.ravel(),
            "delivered": arrays.delivered(installed).ravel(),
            "training": training.ravel(),
        }
    )
    it_watts = arrays.it_power(installed, training)
    facility_watts = (it_watts + arrays.reserved[:, None]) * arrays.pue
    energy_joules = it_watts * arrays.pue * arrays.seconds
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
            "electricity_cost_jpy": (energy_joules * arrays.price).ravel(),
            "co2_t": (energy_joules * arrays.carbon).ravel() / 1e3,
        }
    )
    capex_by_month = (arrays.delivered(installed) * arrays.capex[:, :, None]).sum(axis=(0, 1))
    energy_cost_by_month = (energy_joules * arrays.price).sum(axis=0)
    years = pd.Series(arrays.fiscal_year)
    costs = (
        pd.DataFrame({"fiscal_year": years, "capex_jpy": capex_by_month, "energy_cost_jpy": energy_cost_by_month})
        .groupby("fiscal_year", as_index=False)
        .sum()
    )
    costs["total_jpy"] = costs["capex_jpy"] + costs["energy_cost_jpy"]
    costs["budget_jpy"] = costs["fiscal_year"].map(scenario.budget.by_fiscal_year())
    costs["fiscal_year"] = "FY" + costs["fiscal_year"].astype(str)
    delivered_flop = (training * arrays.flop_per_month).sum(axis=(0, 1))
    compute = pd.DataFrame(
        {"month": months, "delivered_flop": delivered_flop, "cumulative_flop": np.cumsum(delivered_flop)}
    )
    return Plan(
        scenario=scenario,
        status=solution.status,
        solver=solution.solver,
        fleet=fleet,
        power=power,
        energy=energy,
        costs=costs,
        compute=compute,
        build_seconds=build_seconds,
        solve_seconds=solution.seconds,
        notices=solution.notices,
    )

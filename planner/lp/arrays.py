"""A scenario laid out as numpy arrays over sites x accelerators x months, in base units.

The model takes its coefficients from here, and the plan its accounting; `verify` does not
(it recomputes from the scenario by its own route, so the two can check each other).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inputs.calendar import fiscal_years, hours_in, label
from planner.inputs.scenario import Scenario

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class ScenarioArrays:
    sites: list[str]
    accelerators: list[str]
    months: pd.PeriodIndex
    month_labels: list[str]
    fiscal_year: np.ndarray  # (T,) fiscal year of each month
    seconds: np.ndarray  # (T,) seconds in each month
    pue: np.ndarray  # (S, T)
    price: np.ndarray  # (S, T) JPY/J
    carbon: np.ndarray  # (S, T) kg/J
    grid: np.ndarray  # (S, T) W, import limit
    it_capacity: np.ndarray  # (S, T) W, fit-out limit
    reserved: np.ndarray  # (S,) W of IT load kept for other work
    efficiency: np.ndarray  # (S,) share of compute that counts (cross-site link)
    power: np.ndarray  # (G,) W of IT power per accelerator at full load
    idle: np.ndarray  # (G,) share of it power drawn while idle
    capex: np.ndarray  # (S, G) JPY per accelerator installed, site fit-out included
    delivery_cap: np.ndarray  # (G,) per month, inf where uncapped
    scalable_unit: np.ndarray  # (G,) accelerators per server or rack
    flop_per_month: np.ndarray  # (S, G, T) FLOP one training accelerator delivers in a month
    installable: np.ndarray  # (S, G, T) may hold accelerators
    trainable: np.ndarray  # (T,) inside the training window
    required_flop: float

    @classmethod
    def of(cls, scenario: Scenario) -> "ScenarioArrays":
        months = scenario.months
        sites = list(scenario.sites.values())
        accelerators = list(scenario.accelerators.values())
        seconds = hours_in(months) * SECONDS_PER_HOUR
        limits = [site.limits(months) for site in sites]
        grid = np.array([g for g, _ in limits]).reshape(len(sites), len(months))
        it_capacity = np.array([i for _, i in limits]).reshape(len(sites), len(months))
        work = scenario.workload
        trainable = np.asarray((months >= work.earliest_start) & (months <= work.deadline))
        efficiency = np.array([scenario.site_efficiency(site.name) for site in sites])
        flops = np.array([acc.effective_flops for acc in accelerators]) * work.availability
        installable = np.array(
            [
                [(months >= max(site.opening, acc.first_delivery)) & (capacity > 0) for acc in accelerators]
                for site, capacity in zip(sites, it_capacity)
            ]
        ).reshape(len(sites), len(accelerators), len(months))
        power = np.array([acc.it_power for acc in accelerators])
        return cls(
            sites=[site.name for site in sites],
            accelerators=[acc.name for acc in accelerators],
            months=months,
            month_labels=[label(m) for m in months],
            fiscal_year=fiscal_years(months),
            seconds=seconds,
            pue=np.array([site.by_month(site.monthly_pue(), months) for site in sites]),
            price=np.array([site.by_month(site.electricity_price, months) for site in sites]),
            carbon=np.array([site.by_month(site.carbon_intensity, months) for site in sites]),
            grid=grid,
            it_capacity=it_capacity,
            reserved=np.array([site.reserved_it for site in sites]),
            efficiency=efficiency,
            power=power,
            idle=np.array([acc.idle_fraction for acc in accelerators]),
            capex=np.array([[acc.capex + site.fitout_cost * acc.it_power for acc in accelerators] for site in sites]),
            delivery_cap=np.array([acc.delivery_cap if acc.delivery_cap is not None else np.inf for acc in accelerators]),
            scalable_unit=np.array([acc.scalable_unit for acc in accelerators]),
            flop_per_month=efficiency[:, None, None] * flops[None, :, None] * seconds[None, None, :]
            * trainable[None, None, :],
            installable=installable,
            trainable=trainable,
            required_flop=work.required_flop,
        )

    def it_power(self, installed: np.ndarray, training: np.ndarray) -> np.ndarray:
        """(S, T) IT power [W] drawn by the programme: idle share on all installed, the rest on training."""
        idle = (self.power * self.idle)[None, :, None]
        active = (self.power * (1 - self.idle))[None, :, None]
        return (idle * installed + active * training).sum(axis=1)

    def delivered(self, installed: np.ndarray) -> np.ndarray:
        """(S, G, T) accelerators arriving each month: the month-on-month growth of the fleet."""
        return np.diff(installed, axis=2, prepend=0.0)

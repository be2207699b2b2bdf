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
    pue: np.ndarray  # (S, T), the fiscal year's adjustment included
    price: np.ndarray  # (S, T) JPY/J, escalated by fiscal year
    carbon: np.ndarray  # (S, T) kg/J, on the fiscal year's trajectory
    demand_charge: np.ndarray  # (S,) JPY per W of a month's peak facility draw
    grid: np.ndarray  # (S, T) W, import limit
    it_capacity: np.ndarray  # (S, T) W, fit-out limit
    reserved: np.ndarray  # (S, T) W of IT load kept for other tenants
    power: np.ndarray  # (G,) W of IT power per accelerator at full load
    idle: np.ndarray  # (G,) share of it power drawn while idle
    capex: np.ndarray  # (S, G, T) JPY per accelerator delivered in month t, site fit-out included
    delivery_cap: np.ndarray  # (G, T) per month, inf where uncapped
    lag: np.ndarray  # (G,) months from delivery to first useful work (commissioning)
    lead: np.ndarray  # (G,) months from order (when capex is paid) to delivery
    scalable_unit: np.ndarray  # (G,) accelerators per server or rack
    installable: np.ndarray  # (S, G, T) may take deliveries (ordered inside the horizon, by the last order month)
    existing: np.ndarray  # (S, G) accelerators in service from the horizon's start, sunk
    budget: float  # JPY, the programme's total budget
    runs: list[str]
    run_flop: np.ndarray  # (R, S, G, T) FLOP one accelerator gives run r in a month (0 outside its window or types)
    required: np.ndarray  # (R,) FLOP each run needs
    after: list[int | None]  # (R,) the run each must follow
    split_efficiency: np.ndarray  # (R,) share of a run's compute that counts when it is split between sites
    retire_months: np.ndarray  # (T,) a month from which a purchase may be retired (a run's window has begun)
    streams: list[str]
    demand: np.ndarray  # (K, T) tokens/s each serving stream needs
    serving: np.ndarray  # (K, G) tokens/s one accelerator serves for each stream (0 where it may not)
    discount: np.ndarray  # (T + 1,) present value of a yen paid at the start of each month (and at the end)
    book: np.ndarray  # (T + 1, T + 1) straight-line book share of a purchase of month v at month m: book[v, m]

    @classmethod
    def of(cls, scenario: Scenario) -> "ScenarioArrays":
        months = scenario.months
        sites = list(scenario.sites.values())
        accelerators = list(scenario.accelerators.values())
        seconds = hours_in(months) * SECONDS_PER_HOUR
        limits = [site.limits(months) for site in sites]
        grid = np.array([g for g, _ in limits]).reshape(len(sites), len(months))
        it_capacity = np.array([i for _, i in limits]).reshape(len(sites), len(months))
        runs = scenario.training_runs
        installable = np.array(
            [[_deliverable(site, acc, months) & (capacity > 0) for acc in accelerators] for site, capacity in zip(sites, it_capacity)]
        ).reshape(len(sites), len(accelerators), len(months))
        power = np.array([acc.it_power for acc in accelerators])
        streams = scenario.inference
        run_flop = np.array([_run_flop(scenario, work, seconds) for work in runs.values()])
        windows = [(months >= work.earliest_start) & (months <= work.deadline) for work in runs.values()]
        return cls(
            sites=[site.name for site in sites],
            accelerators=[acc.name for acc in accelerators],
            months=months,
            month_labels=[label(m) for m in months],
            fiscal_year=fiscal_years(months),
            seconds=seconds,
            pue=np.array([site.pue_by_month(months) for site in sites]),
            price=np.array([site.price_by_month(months) for site in sites]),
            carbon=np.array([site.carbon_by_month(months) for site in sites]),
            demand_charge=np.array([site.demand_charge for site in sites]),
            grid=grid,
            it_capacity=it_capacity,
            reserved=np.array([site.reserved_by_month(months) for site in sites]),
            power=power,
            idle=np.array([acc.idle_fraction for acc in accelerators]),
            capex=np.array([[acc.price(months) + site.fitout_cost * acc.it_power for acc in accelerators] for site in sites])
            .reshape(len(sites), len(accelerators), len(months)),
            delivery_cap=np.array([acc.delivery_caps(months) for acc in accelerators]).reshape(len(accelerators), len(months)),
            lag=np.array([acc.commissioning_lag for acc in accelerators], dtype=int),
            lead=np.array([acc.lead_time for acc in accelerators], dtype=int),
            scalable_unit=np.array([acc.scalable_unit for acc in accelerators]),
            installable=installable,
            existing=np.array([[site.existing_fleet.get(acc.name, 0.0) for acc in accelerators] for site in sites]),
            budget=scenario.budget.total,
            runs=list(runs),
            run_flop=run_flop.reshape(len(runs), len(sites), len(accelerators), len(months)),
            required=np.array([work.required_flop for work in runs.values()]),
            after=[list(runs).index(work.after) if work.after else None for work in runs.values()],
            split_efficiency=np.array([scenario.split_efficiency(work) for work in runs.values()]),
            retire_months=_retire_months(windows, len(months)),
            streams=list(streams),
            demand=np.array([stream.by_month(months) for stream in streams.values()]).reshape(len(streams), len(months)),
            serving=np.array(
                [[(acc.serving_throughput or 0.0) * _allowed(acc.name, stream.accelerators) for acc in accelerators]
                 for stream in streams.values()]
            ).reshape(len(streams), len(accelerators)),
            discount=(1 + scenario.economics.discount_rate) ** (-np.arange(len(months) + 1) / 12),
            book=_book(len(months), scenario.economics.useful_life * 12),
        )

    @property
    def required_flop(self) -> float:
        """FLOP all runs need together."""
        return float(self.required.sum())

    def training(self, use: np.ndarray) -> np.ndarray:
        """(S, G, T) accelerators at work on any run, from use (S, G, T, W): runs come first."""
        return use[..., : len(self.runs)].sum(axis=3)

    def working(self, use: np.ndarray) -> np.ndarray:
        """(S, G, T) accelerators at work on any workload."""
        return use.sum(axis=3)

    def most_of_type(self) -> np.ndarray:
        """(G, T) the most of each type all sites together could hold each month: as many as
        their fit-out takes, no more than the existing fleet plus every delivery the type's cap
        (for all sites) allows, and no more than the whole budget buys. The bound of the
        one-type rows."""
        room, deliveries, affordable = self._limits_on_purchases()
        limit = np.minimum(np.minimum(room.sum(axis=0), deliveries.max(axis=0)), affordable.max(axis=0))
        return self.existing.sum(axis=0)[:, None] + limit

    def most_at_site(self, types: np.ndarray | None = None) -> np.ndarray:
        """(S, T) the most accelerators of the `types` (a (G,) mask; all by default) together a
        site could hold each month: the bound of the one-site rows (fit-out and budget are shared
        between types, caps are not). Only a run's own types keep the bound, and the MIP's
        relaxation, tight."""
        room, deliveries, affordable = (limit[:, types] if types is not None else limit for limit in self._limits_on_purchases())
        existing = self.existing if types is None else self.existing[:, types]
        shared = np.minimum(room.max(axis=1, initial=0.0), affordable.max(axis=1, initial=0.0))
        return existing.sum(axis=1)[:, None] + np.minimum(shared, deliveries.sum(axis=1))

    def _limits_on_purchases(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(S, G, T) purchases each limit allows alone: fit-out room, deliveries so far, budget."""
        room = np.clip(self.it_capacity - self.reserved, 0.0, None)[:, None, :] / self.power[None, :, None]
        deliveries = np.cumsum(np.where(self.installable, self.delivery_cap[None, :, :], 0.0), axis=2)
        cheapest = np.minimum.accumulate(self.capex, axis=2)  # the lowest price of any delivery so far
        affordable = self.budget / cheapest  # capex is paid from the budget
        return room, deliveries, affordable

    def it_power(self, installed: np.ndarray, training: np.ndarray) -> np.ndarray:
        """(S, T) IT power [W] drawn by the programme: idle share on all installed, the rest on
        accelerators at work (`training`: on any workload)."""
        idle = (self.power * self.idle)[None, :, None]
        active = (self.power * (1 - self.idle))[None, :, None]
        return (idle * installed + active * training).sum(axis=1)



def _deliverable(site, acc, months: pd.PeriodIndex) -> np.ndarray:
    """(T,) months a delivery may arrive: the site is open, the type ships, and its order month
    (delivery less lead time) lies inside the horizon and not after the type's last order."""
    ordered = np.arange(len(months)) >= acc.lead_time
    if acc.last_order is not None:
        ordered &= np.asarray(months - acc.lead_time <= acc.last_order)
    return np.asarray(months >= max(site.opening, acc.first_delivery)) & ordered


def _allowed(name: str, names: list[str] | None) -> float:
    return 1.0 if names is None or name in names else 0.0


def _run_flop(scenario: Scenario, work, seconds: np.ndarray) -> np.ndarray:
    """(S, G, T) FLOP one accelerator gives `work` in each month of its window, on the types it
    may use, at its availability; with a failure rate, before the losses that grow with its size
    (the LP's goodput rows), so at full time."""
    months = scenario.months
    window = np.asarray((months >= work.earliest_start) & (months <= work.deadline))
    flops = np.array([acc.training_flops(work.precision) * _allowed(name, work.accelerators)
                      for name, acc in scenario.accelerators.items()])
    share = 1.0 if work.failure_rate is not None else work.availability
    per_month = flops[:, None] * (share * seconds * window)[None, :]
    return np.broadcast_to(per_month, (len(scenario.sites), *per_month.shape)).copy()


def _retire_months(windows: list[np.ndarray], months: int) -> np.ndarray:
    """Months from which a purchase may leave service: every month after a run's window has
    begun, up to the month after its deadline (so a run's fleet may go as soon as it finishes,
    whatever the deadline). Retiring only here keeps the vintage columns to the windows' length."""
    allowed = np.zeros(months, dtype=bool)
    for window in windows:
        inside = np.flatnonzero(window)
        if len(inside):
            allowed[inside[0] + 1: min(inside[-1] + 2, months)] = True
    return allowed


def _book(months: int, life_months: float) -> np.ndarray:
    """book[v, m]: the straight-line share of its price a purchase of month v is worth at the
    start of month m (1 when new, 0 after its useful life; m = months is the horizon's end)."""
    age = np.arange(months + 1)[None, :] - np.arange(months + 1)[:, None]
    return np.clip(1.0 - age / life_months, 0.0, 1.0)

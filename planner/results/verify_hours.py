"""verify, by the hour: each representative hour's draw from the plan's fleet and throttling,
against the grid limit of that hour, its peak (the demand charge), and the progress throttling
cost each run. Recomputed from the scenario's fields (inputs.hours), never from the model's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inputs.calendar import hours_in
from planner.inputs.hours import HOURS, day_types, day_weights, site_days

THROTTLED_W = 1e-3  # a throttle below a milliwatt is solver noise


def rows_of(table: pd.DataFrame):
    """The table's rows as named tuples: itertuples costs a third of a millisecond even on an
    empty table, as these hourly tables mostly are."""
    return table.itertuples() if not table.empty else iter(())


@dataclass(frozen=True)
class SiteHours:
    """One site's month on its representative days: (D, 24) programme draw (W, throttling
    included, reserved load not), a battery's charge less discharge (W), and the day's PUE,
    window, weights and extra import."""

    draw: np.ndarray
    day: dict
    battery: np.ndarray | float = 0.0

    @property
    def imported(self) -> np.ndarray:
        """What the grid sees of the programme: its draw, less a battery's discharge, plus its charge."""
        return self.draw + self.battery


def month_days(scenario, site, periods: list[pd.Period], values: list) -> list[dict]:
    """The representative days of `site` (inputs.hours.site_days) in each of `periods`, from
    their SiteMonth `values`: one call for a site's months, not one a month."""
    months = pd.PeriodIndex(periods)
    if scenario.representative_days:
        return site_days(site, months, np.array([v.pue for v in values]), np.array([v.price for v in values]),
                         np.array([v.carbon for v in values]))
    # a steady month: one flat day, no flexible connection; of its representative days only their names and days are kept
    kinds = [day_types(site, month) for month in months.month]
    return [{"names": [day.name for day in types], "weight": np.array([day_weights(types, days).sum()]),
             "pue": np.full((1, 24), v.pue), "price": np.full((1, 24), v.price), "carbon": np.full((1, 24), v.carbon),
             "window": np.zeros((1, 24), dtype=bool), "extra": 0.0} for types, days, v in zip(kinds, hours_in(months) / HOURS, values)]


def hour_means(day: dict) -> tuple[float, float, float]:
    """Per J of IT energy over the month's weighted hours: facility J (the mean PUE), JPY and kg."""
    weight, hours = day["weight"][:, None], day["weight"].sum() * 24
    return tuple(float((per * day["pue"] * weight).sum() / hours) for per in (1.0, day["price"], day["carbon"]))


def site_hours(plan, it_w: dict, days: dict) -> dict[tuple[str, pd.Period], SiteHours]:
    """Every site-month's hourly draw: its IT W (`it_w` by (site, period)) less the plan's
    throttling, at each hour's PUE."""
    cut: dict[tuple, dict] = {}  # W by (day, hour), by site and month
    for row in rows_of(plan.throttle):
        hours = cut.setdefault((row.site, pd.Period(row.month, freq="M")), {})
        hours[int(row.day), int(row.hour)] = hours.get((int(row.day), int(row.hour)), 0.0) + row.it_mw * 1e6
    flows: dict[tuple, list] = {}
    for row in rows_of(plan.battery_hours):
        flows.setdefault((row.site, pd.Period(row.month, freq="M")), []).append((int(row.day), int(row.hour), row.charge_mw - row.discharge_mw))
    out = {}
    for (name, period), watts in it_w.items():
        day = days[name, period]
        it = np.full(day["pue"].shape, float(watts))
        for (d, h), w in cut.get((name, period), {}).items():
            it[d, h] -= w
        battery = np.zeros(day["pue"].shape)
        for d, h, mw in flows.get((name, period), []):
            battery[d, h] += mw * 1e6
        out[name, period] = SiteHours(it * day["pue"], day, battery)
    return out


def battery_rules(plan, drawn: dict) -> list[tuple[str, str, float, float, str]]:
    """Each battery's flows within its power, each day a cycle (it ends with the charge it
    began with, losses taken as it charges) whose charge stays within its energy."""
    if plan.battery_hours.empty:  # no flows, so nothing to follow (and no sizes to read)
        return []
    found = []
    size = plan.battery.groupby("site")[["power_mw", "energy_mwh"]].first()
    for row in plan.battery_hours.itertuples():
        if max(row.charge_mw, row.discharge_mw) > size.loc[row.site, "power_mw"] * (1 + 1e-6) + 1e-6:
            found.append(("battery", f"{row.site} {row.month} day {row.day} {row.hour:02d}:00", max(row.charge_mw, row.discharge_mw),
                          size.loc[row.site, "power_mw"], "battery flow above its power"))
    for (name, period), hours in drawn.items():
        battery = plan.scenario.sites[name].battery
        if battery is None or not np.any(hours.battery):
            continue
        charge, discharge = np.clip(hours.battery, 0, None), np.clip(-hours.battery, 0, None)
        stored = np.cumsum(battery.round_trip * charge - discharge, axis=1) / 1e6  # MWh over each day from its start
        where = f"{name} {period.strftime('%Y-%m')}"
        if np.abs(stored[:, -1]).max() > 1e-6:
            found.append(("battery", where, float(np.abs(stored[:, -1]).max()), 0.0, "a day does not end with the charge it began with"))
        swing = float((np.maximum(stored.max(axis=1), 0) - np.minimum(stored.min(axis=1), 0)).max())
        if swing > size.loc[name, "energy_mwh"] * (1 + 1e-6) + 1e-6:
            found.append(("battery", where, swing, size.loc[name, "energy_mwh"], "battery charge swings more than its energy"))
    return found


def throttle_rules(plan, days: dict) -> list[tuple[str, str, float, float, str]]:
    """Throttling only in a curtailment hour of a site with a flexible connection, and no more
    than the run's IT power at work there: (constraint, where, found, limit, detail) each."""
    scenario, found = plan.scenario, []
    if plan.throttle.empty:  # nothing throttled, so no work at risk to sum
        return found
    use = plan.use.assign(active=[scenario.accelerators[a].it_power * (1 - scenario.accelerators[a].idle_fraction) * n
                                  for a, n in zip(plan.use["accelerator"], plan.use["accelerators"])])
    active = use.groupby(["site", "month", "workload"])["active"].sum() if not use.empty else pd.Series(dtype=float)
    for row in plan.throttle.itertuples():
        day = days.get((row.site, pd.Period(row.month, freq="M")))
        where = f"{row.site} {row.month} day {row.day} {row.hour:02d}:00 {row.workload}"
        if day is None or day["extra"] <= 0 or not day["window"][row.day, row.hour]:
            found.append(("throttle", where, row.it_mw, 0.0, "training throttled outside a curtailment window"))
        elif row.it_mw * 1e6 > active.get((row.site, row.month, row.workload), 0.0) * (1 + 1e-6) + THROTTLED_W:
            found.append(("throttle", where, row.it_mw, active.get((row.site, row.month, row.workload), 0.0) / 1e6,
                          "throttled more IT MW than the run had at work"))
    return found


def lost_flop(plan, days: dict) -> pd.Series:
    """FLOP each run lost to throttling: each cut W for its hours, at the FLOP per J of active
    IT power of the run's most efficient type allowed (as the planner charges it), before the
    run's mix and split efficiencies, which `_compute` applies to what is left."""
    scenario, lost = plan.scenario, {}
    runs = scenario.training_runs
    for row in rows_of(plan.throttle):
        work, period = runs[row.workload], pd.Period(row.month, freq="M")
        allowed = [acc for name, acc in scenario.accelerators.items() if work.accelerators is None or name in work.accelerators]
        per_joule = max(acc.training_flops(work.precision) / (acc.it_power * (1 - acc.idle_fraction)) for acc in allowed)
        per_joule *= work.availability if work.failure_rate is None else 1.0  # goodput's losses are its own rows
        seconds = days[row.site, period]["weight"][row.day] * 3600.0
        lost[row.workload] = lost.get(row.workload, 0.0) + row.it_mw * 1e6 * seconds * per_joule
    return pd.Series(lost, dtype=float)


def battery_costs(plan, drawn: dict) -> dict[tuple[str, pd.Period], tuple[float, float]]:
    """(JPY, kg CO2) of each battery by site and month: its monthly charges for the MW and MWh
    the plan sized, and the grid energy it cycled (charge less discharge) at the hour's price
    and intensity."""
    if plan.battery.empty:  # no battery sized, so none to pay for
        return {}
    size = plan.battery.groupby("site")[["power_mw", "energy_mwh"]].first()
    costs = {}
    for (name, period), hours in drawn.items():
        battery = plan.scenario.sites[name].battery
        if battery is None or name not in size.index:
            continue
        held = battery.power_cost * size.loc[name, "power_mw"] * 1e6 + battery.energy_cost * size.loc[name, "energy_mwh"] * 3.6e9
        joules = hours.battery * hours.day["weight"][:, None] * 3600.0
        costs[name, period] = (held + float((joules * hours.day["price"]).sum()), float((joules * hours.day["carbon"]).sum()))
    return costs

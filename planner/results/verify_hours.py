"""verify, by the hour: each representative hour's draw from the plan's fleet and throttling,
against the grid limit of that hour, its peak (the demand charge), and the progress throttling
cost each run. Recomputed from the scenario's fields (inputs.hours), never from the model's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inputs.hours import site_days

THROTTLED_W = 1e-3  # a throttle below a milliwatt is solver noise


@dataclass(frozen=True)
class SiteHours:
    """One site's month on its representative days: (D, 24) programme draw (W, throttling
    included, reserved load not), PUE, window, and the day's weights and extra import."""

    draw: np.ndarray
    day: dict


def month_days(scenario, site, period: pd.Period, values) -> dict:
    """The month's representative days of `site` (inputs.hours.site_days) from its SiteMonth `values`."""
    (day,) = site_days(site, pd.PeriodIndex([period]), np.array([values.pue]), np.array([values.price]),
                       np.array([values.carbon]))
    if not scenario.representative_days:  # a steady month: one flat day, no flexible connection
        day = {**day, "pue": np.full((1, 24), values.pue), "weight": np.array([day["weight"].sum()]),
               "window": np.zeros((1, 24), dtype=bool), "extra": 0.0, "price": np.full((1, 24), values.price),
               "carbon": np.full((1, 24), values.carbon)}
    return day


def hour_means(day: dict) -> tuple[float, float, float]:
    """Per J of IT energy over the month's weighted hours: facility J (the mean PUE), JPY and kg."""
    weight, hours = day["weight"][:, None], day["weight"].sum() * 24
    return tuple(float(np.sum(per * day["pue"] * weight) / hours) for per in (1.0, day["price"], day["carbon"]))


def site_hours(plan, it_w: pd.Series, days: dict) -> dict[tuple[str, pd.Period], SiteHours]:
    """Every site-month's hourly draw: its IT W (`it_w` by site and period) less the plan's
    throttling, at each hour's PUE."""
    cut: dict[tuple, float] = {}
    for row in plan.throttle.itertuples():
        key = (row.site, pd.Period(row.month, freq="M"), int(row.day), int(row.hour))
        cut[key] = cut.get(key, 0.0) + row.it_mw * 1e6
    out = {}
    for (name, period), watts in it_w.items():
        day = days[name, period]
        it = np.full(day["pue"].shape, float(watts))
        for (site, month, d, h), w in cut.items():
            if (site, month) == (name, period):
                it[d, h] -= w
        out[name, period] = SiteHours(it * day["pue"], day)
    return out


def throttle_rules(plan, days: dict) -> list[tuple[str, str, float, float, str]]:
    """Throttling only in a curtailment hour of a site with a flexible connection, and no more
    than the run's IT power at work there: (constraint, where, found, limit, detail) each."""
    scenario, found = plan.scenario, []
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
    for row in plan.throttle.itertuples():
        work, period = runs[row.workload], pd.Period(row.month, freq="M")
        allowed = [acc for name, acc in scenario.accelerators.items() if work.accelerators is None or name in work.accelerators]
        per_joule = max(acc.training_flops(work.precision) / (acc.it_power * (1 - acc.idle_fraction)) for acc in allowed)
        per_joule *= work.availability if work.failure_rate is None else 1.0  # goodput's losses are its own rows
        seconds = days[row.site, period]["weight"][row.day] * 3600.0
        lost[row.workload] = lost.get(row.workload, 0.0) + row.it_mw * 1e6 * seconds * per_joule
    return pd.Series(lost, dtype=float)

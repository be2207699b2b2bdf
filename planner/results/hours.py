"""A plan by the hour: peak hours, curtailment, and a year's hourly load profile per site.

Every hour of a month's representative day d draws the month's IT power (idle share on the
fleet, the rest on accelerators at work) less what training throttles then, times the hour's
PUE (lp.hourly, inputs.hours). Without representative days a month is one flat day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.inputs.hours import HOURS
from planner.lp.arrays import ScenarioArrays
from planner.lp.hourly import HourArrays

PEAK_COLUMNS = ["site", "month", "day", "hour", "pue", "programme_mw", "facility_mw", "firm_limit_mw", "importable_mw"]
CURTAILMENT_COLUMNS = ["site", "month", "hours_curtailed", "largest_cut_mw", "mw_gained", "lost_flop"]
THROTTLED = 1e-3  # W: a throttle below a milliwatt is solver noise
J_PER_KWH = 3.6e6


def hourly_draw(hours: HourArrays, it_watts: np.ndarray, reserved: np.ndarray, throttle: dict, s: int, t: int) -> np.ndarray:
    """(D, 24) facility W at site s in month t, reserved load included."""
    day = hours.days[s][t]
    it = np.full(day["pue"].shape, it_watts[s, t] + reserved[s, t])
    for (s_, t_, d, h, _), cut in throttle.items():
        if (s_, t_) == (s, t):
            it[d, h] -= cut
    return it * day["pue"]


def peak_table(hours: HourArrays, arrays, it_watts: np.ndarray, throttle: dict) -> pd.DataFrame:
    """Each site's highest hour of each month, against its firm and importable limit then."""
    rows = []
    for s, site in enumerate(arrays.sites):
        for t, month in enumerate(arrays.month_labels):
            draw, day = hourly_draw(hours, it_watts, arrays.reserved, throttle, s, t), hours.days[s][t]
            d, h = np.unravel_index(int(np.argmax(draw)), draw.shape)
            extra = 0.0 if day["window"][d, h] else day["extra"] * hours.hourly
            rows.append({"site": site, "month": month, "day": day["names"][d], "hour": int(h), "pue": day["pue"][d, h],
                         "programme_mw": (draw[d, h] - arrays.reserved[s, t] * day["pue"][d, h]) / 1e6,
                         "facility_mw": draw[d, h] / 1e6, "firm_limit_mw": arrays.grid[s, t] / 1e6,
                         "importable_mw": (arrays.grid[s, t] + extra) / 1e6})
    return pd.DataFrame(rows, columns=PEAK_COLUMNS)


def curtailment_table(hours: HourArrays, arrays, it_watts: np.ndarray, throttle: dict) -> pd.DataFrame:
    """Months a site throttled training: hours curtailed (weighted: a representative hour
    stands for its day's weight in days), the largest cut (MW of IT), the MW drawn above the
    firm limit outside the windows (what the flexible connection gained), the FLOP lost."""
    rows = []
    for s, t in sorted({(s, t) for s, t, *_ in throttle}):
        day, cut = hours.days[s][t], np.zeros(hours.days[s][t]["pue"].shape)
        lost = 0.0
        for (s_, t_, d, h, r), watts in throttle.items():
            if (s_, t_) == (s, t):
                cut[d, h] += watts
                lost += watts * hours.hour_seconds(s, t, d) * hours.flop_per_joule[r, s, t]
        draw = hourly_draw(hours, it_watts, arrays.reserved, throttle, s, t)
        outside = np.where(day["window"], 0.0, draw).max()
        curtailed = (cut > THROTTLED) * day["weight"][:, None]
        rows.append({"site": arrays.sites[s], "month": arrays.month_labels[t], "hours_curtailed": float(curtailed.sum()),
                     "largest_cut_mw": cut.max() / 1e6, "mw_gained": max(0.0, outside - arrays.grid[s, t]) / 1e6,
                     "lost_flop": lost})
    return pd.DataFrame(rows, columns=CURTAILMENT_COLUMNS)


def load_profile(hours: HourArrays, arrays, it_watts: np.ndarray, throttle: dict, site: str, year: int) -> pd.DataFrame:
    """A calendar year's 8,760 (8,784) hours of facility MW at `site`, for the utility: the
    days of each month take its representative days in order, each for its share of the
    month's days (rounded so the month's days are all given); months outside the horizon are 0."""
    s, rows = arrays.sites.index(site), []
    for month in pd.period_range(f"{year}-01", f"{year}-12", freq="M"):
        t = _month_index(arrays, month)
        if t is None:
            rows.append(np.zeros((month.days_in_month, HOURS)))
            continue
        draw, weight = hourly_draw(hours, it_watts, arrays.reserved, throttle, s, t), hours.days[s][t]["weight"]
        ends = np.round(np.cumsum(weight)).astype(int)
        rows.append(draw[np.searchsorted(ends, np.arange(month.days_in_month), side="right")])
    megawatts = np.concatenate(rows).ravel() / 1e6
    stamps = pd.date_range(f"{year}-01-01", periods=len(megawatts), freq="h")
    return pd.DataFrame({"hour": stamps.strftime("%Y-%m-%d %H:00"), "facility_mw": megawatts})


def _month_index(arrays, month: pd.Period) -> int | None:
    found = np.flatnonzero(arrays.months == month)
    return int(found[0]) if len(found) else None


THROTTLE_COLUMNS = ["site", "month", "day", "hour", "workload", "it_mw"]


def throttle_table(hours: HourArrays, arrays, throttle: dict) -> pd.DataFrame:
    """MW of IT throttled from each run in each curtailment hour (non-zero rows only); `day`
    is the representative day's index in its month (`peak_hours` names them)."""
    rows = [{"site": arrays.sites[s], "month": arrays.month_labels[t], "day": d, "hour": h, "workload": arrays.runs[r],
             "it_mw": watts / 1e6} for (s, t, d, h, r), watts in sorted(throttle.items()) if watts > THROTTLED]
    return pd.DataFrame(rows, columns=THROTTLE_COLUMNS)


def _plan_hours(plan) -> tuple[ScenarioArrays, HourArrays, np.ndarray, dict]:
    """A plan's arrays, its hours, its IT W (S, T) and its throttling W by (s, t, d, h, run)."""
    arrays = ScenarioArrays.of(plan.scenario)
    hours = HourArrays.of(plan.scenario, arrays)
    it_watts = plan.power["it_mw"].to_numpy().reshape(len(arrays.sites), len(arrays.months)) * 1e6
    index = {(site, month): (s, t) for s, site in enumerate(arrays.sites) for t, month in enumerate(arrays.month_labels)}
    runs = {name: r for r, name in enumerate(arrays.runs)}
    throttle = {(*index[row.site, row.month], int(row.day), int(row.hour), runs[row.workload]): row.it_mw * 1e6
                for row in plan.throttle.itertuples()}
    return arrays, hours, it_watts, throttle


def plan_load_profiles(plan) -> dict[str, pd.DataFrame]:
    """Each site's hourly load profile for each calendar year of the plan's horizon, by the
    file name it is written under (`load_profile_SITE_YEAR.csv`)."""
    arrays, hours, it_watts, throttle = _plan_hours(plan)
    return {f"load_profile_{site}_{year}.csv": load_profile(hours, arrays, it_watts, throttle, site, year)
            for site in arrays.sites for year in sorted(set(arrays.months.year))}


TYPICAL_DAY_COLUMNS = ["site", "month", "hour", "load_mw", "contracts_mw", "battery_mw", "grid_mw", "charging_mw", "price_jpy_per_kwh"]


def typical_days(plan, month: str | None = None) -> pd.DataFrame:
    """Each site's typical day of each month (or of `month` alone, "YYYY-MM"): the mean over
    the month's representative days, weighted by the days each stands for, of every hour's
    facility draw (reserved load included), the clean contracts' output matched to it, a
    battery's discharge, the grid import that serves the rest and the battery's charging (so
    the supplies stack to the load plus the charging), and the electricity price."""
    arrays, hours, it_watts, throttle = _plan_hours(plan)
    flows: dict = {}
    for row in plan.matched.itertuples():
        flows.setdefault((row.site, row.month), []).append((int(row.day), int(row.hour), row.mw, 0.0, 0.0))
    for row in plan.battery_hours.itertuples():
        flows.setdefault((row.site, row.month), []).append((int(row.day), int(row.hour), 0.0, row.discharge_mw, row.charge_mw))
    frames = []
    for s, site in enumerate(arrays.sites):
        for t, label in enumerate(arrays.month_labels):
            if month is not None and label != month:
                continue
            day = hours.days[s][t]
            share = day["weight"][:, None] / day["weight"].sum()
            load = (hourly_draw(hours, it_watts, arrays.reserved, throttle, s, t) * share).sum(axis=0) / 1e6
            clean, out, into = (np.zeros(day["pue"].shape) for _ in range(3))
            for d, h, matched, discharge, charge in flows.get((site, label), []):
                clean[d, h] += matched
                out[d, h] += discharge
                into[d, h] += charge
            clean, out, into = ((values * share).sum(axis=0) for values in (clean, out, into))
            frames.append(pd.DataFrame({"site": site, "month": label, "hour": np.arange(HOURS), "load_mw": load,
                                        "contracts_mw": clean, "battery_mw": out, "grid_mw": load - clean - out + into,
                                        "charging_mw": into, "price_jpy_per_kwh": (day["price"] * share).sum(axis=0) * J_PER_KWH}))
    return pd.concat(frames, ignore_index=True)[TYPICAL_DAY_COLUMNS] if frames else pd.DataFrame(columns=TYPICAL_DAY_COLUMNS)

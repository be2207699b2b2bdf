"""A scenario's hours as arrays: representative days per site and month (inputs.hours).

Without `scenario.representative_days` every month is one flat day at its monthly PUE, price
and carbon, so every coefficient is today's. With it, the model needs only a few hours of each
month: the IT draw is steady within a month, so the hour of highest PUE outside curtailment
windows bounds all of them (one grid row and one peak row), and each curtailment hour gets its
own row, where training may be throttled. Ramp limits likewise need only the hour pairs that
can set the largest change (`ramp_pairs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs.hours import HOURS, site_days
from planner.inputs.scenario import Scenario
from planner.lp.arrays import SECONDS_PER_HOUR, ScenarioArrays


@dataclass(frozen=True)
class HourArrays:
    hourly: bool
    days: list[list[dict]]  # [s][t]: the month's representative days (inputs.hours.site_days)
    energy_pue: np.ndarray  # (S, T) facility J per J of IT energy over the month
    price_pue: np.ndarray  # (S, T) JPY per J of IT energy: hourly price x hourly PUE, averaged
    carbon_pue: np.ndarray  # (S, T) kg per J of IT energy
    flop_per_joule: np.ndarray  # (R, S, T) FLOP lost per J of IT energy throttled from run r
    ramp: tuple[float | None, ...]  # (S,) W the draw may change from one hour to the next (None: no limit)
    contracts: list[list[str]]  # [s]: the site's clean contracts by name (inputs.clean); days[s][t]["cf"] (K, 24) their factors
    battery: tuple[bool, ...] = ()  # (S,) a battery may be sized there (inputs.clean; with representative days only)

    @classmethod
    def of(cls, scenario: Scenario, arrays: ScenarioArrays) -> "HourArrays":
        hourly, ramp = scenario.representative_days, tuple(site.ramp_limit for site in scenario.sites.values())
        contracts = [list(site.contracts) for site in scenario.sites.values()]
        if not hourly:  # a steady month: today's coefficients exactly
            days = [[{"weight": np.array([s / 86400.0]), "pue": np.full((1, HOURS), arrays.pue[i, t]),
                      "price": np.full((1, HOURS), arrays.price[i, t]), "carbon": np.full((1, HOURS), arrays.carbon[i, t]),
                      "window": np.zeros((1, HOURS), dtype=bool), "extra": 0.0, "names": ["month"]}
                     for t, s in enumerate(arrays.seconds)] for i in range(len(arrays.sites))]
            _add_contracts(days, scenario)
            return cls(False, days, arrays.pue, arrays.price * arrays.pue, arrays.carbon * arrays.pue, _flop_per_joule(arrays), ramp,
                       contracts)
        days = [site_days(site, scenario.months, arrays.pue[i], arrays.price[i], arrays.carbon[i])
                for i, site in enumerate(scenario.sites.values())]
        _add_contracts(days, scenario)
        return cls(True, days, _mean(days, lambda day: day["pue"]), _mean(days, lambda day: day["price"] * day["pue"]),
                   _mean(days, lambda day: day["carbon"] * day["pue"]), _flop_per_joule(arrays), ramp, contracts,
                   tuple(site.battery is not None for site in scenario.sites.values()))

    def throttled_hours(self, s: int, t: int) -> list[tuple[int, int]]:
        """(d, h) of the curtailment hours where training may be throttled (only where the
        site may import more outside them)."""
        day = self.days[s][t]
        if not self.hourly or day["extra"] <= 0:
            return []
        return [(int(d), int(h)) for d, h in zip(*np.nonzero(day["window"]))]

    def limit_hours(self, s: int, t: int) -> list[tuple[int, int, float, float, bool]]:
        """The hours that bound the month's draw: (d, h, PUE, W importable, throttled) for each
        curtailment hour, and the hour of highest PUE outside them."""
        day, throttled = self.days[s][t], self.throttled_hours(s, t)
        if self.battery and self.battery[s]:  # a battery moves the import hour by hour: every hour can bind
            extra = float(day["extra"]) if throttled else 0.0
            return [(int(d), int(h), float(day["pue"][d, h]), 0.0 if day["window"][d, h] else extra, (int(d), int(h)) in throttled)
                    for d, h in np.ndindex(day["pue"].shape)]
        rows = [(d, h, float(day["pue"][d, h]), 0.0, True) for d, h in throttled]
        free = np.where(day["window"] & bool(throttled), -np.inf, day["pue"])
        if np.isfinite(free).any():
            d, h = np.unravel_index(int(np.argmax(free)), free.shape)
            rows.append((int(d), int(h), float(day["pue"][d, h]), float(day["extra"]) if throttled else 0.0, False))
        return rows

    def ramp_pairs(self, s: int, t: int) -> list[tuple[int, int, int, int, int]]:
        """(t_from, d_from, h_from, d, h): the pairs of consecutive hours, the second in month
        t's day d, whose change in draw a ramp limit must bound. Within a day (hour 23 runs on
        to hour 0 of the same day, as the day repeats) the IT draw is steady, so the draw
        changes by dPUE x (IT + reserved) between hours no throttling touches: only the pair of
        largest |dPUE| can bind; a pair with a curtailment hour gets its own rows. From month
        t - 1 (its hour 23 to month t's hour 0, whichever days meet there) only the days of
        highest and lowest PUE in those hours can bind, unless the hour is a curtailment hour."""
        day, throttled = self.days[s][t], self.throttled_hours(s, t)
        step = np.abs(np.roll(day["pue"], -1, axis=1) - day["pue"])  # (D, 24) from hour h to h + 1
        if self.battery and self.battery[s]:  # a battery moves the import hour by hour: every pair can bind
            throttled = list(np.ndindex(day["pue"].shape))
        touched = sorted({(d, (h + k) % HOURS) for d, h in throttled for k in (-1, 0)})  # pairs into and out of a curtailment hour
        pairs = [(t, d, h, d, (h + 1) % HOURS) for d, h in touched]
        for d, h in touched:
            step[d, h] = 0.0
        if step.max() > 0:
            d, h = (int(i) for i in np.unravel_index(int(np.argmax(step)), step.shape))
            pairs.append((t, d, h, d, (h + 1) % HOURS))
        if t > 0:
            pairs += [(t - 1, a, HOURS - 1, b, 0) for a in self._boundary_days(s, t - 1, HOURS - 1)
                      for b in self._boundary_days(s, t, 0)]
        return pairs

    def _boundary_days(self, s: int, t: int, h: int) -> list[int]:
        """Days of month t whose hour h can set a ramp across a month boundary: those of highest
        and lowest PUE then, or all where h is a curtailment hour."""
        pue = self.days[s][t]["pue"][:, h]
        if any(h_ == h for _, h_ in self.throttled_hours(s, t)) or (self.battery and self.battery[s]):
            return list(range(len(pue)))
        return sorted({int(np.argmax(pue)), int(np.argmin(pue))})

    def hour_seconds(self, s: int, t: int, d: int) -> float:
        return float(self.days[s][t]["weight"][d]) * SECONDS_PER_HOUR


def _add_contracts(days: list[list[dict]], scenario: Scenario) -> None:
    """Each month's "cf": (K, 24) capacity factor of the site's contracts by hour (0 before a
    contract's start), the same on each of the month's days."""
    for site, months in zip(scenario.sites.values(), days):
        for period, day in zip(scenario.months, months):
            day["cf"] = np.array([contract.factors(period.month) * (contract.start is None or period >= contract.start)
                                  for contract in site.contracts.values()]).reshape(len(site.contracts), HOURS)


def _mean(days: list[list[dict]], value) -> np.ndarray:
    """(S, T) mean over each month's weighted hours."""
    return np.array([[float(np.sum(value(day) * day["weight"][:, None]) / (day["weight"].sum() * HOURS)) for day in site]
                     for site in days])


def _flop_per_joule(arrays: ScenarioArrays) -> np.ndarray:
    """(R, S, T) FLOP per J of active IT energy of the run's most efficient type at the site:
    throttled energy is charged at it, so the progress lost is never understated."""
    active = arrays.power * (1 - arrays.idle)  # (G,) W of an accelerator at work above idle
    per_joule = arrays.run_flop / (active[None, None, :, None] * arrays.seconds[None, None, None, :])
    return per_joule.max(axis=2) if per_joule.size else np.zeros((0, len(arrays.sites), len(arrays.months)))

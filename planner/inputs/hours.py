"""Hours inside a month: representative days, hourly shapes and flexible connection.

A site may describe its typical days (`[[hours.days]]` in its profile): each day type names the
calendar months it stands for and its `share` of each such month's days (the shares of a month
sum to 1), with 24 hourly values, hour 0 = 00:00-01:00 local time:
    price        factors on the month's electricity price
    carbon       factors on the month's carbon intensity
    temperature  degC above (or below) the month's mean temperature
A month no day type names has one flat day. A representative day d of month t weighs
w[d] = share[d] x days in t, so the weights of a month sum to its days and its hours to its hours.

Aggregation, and what it keeps. The monthly decisions hold through the month, so the IT draw is
the same every hour; only the PUE (from the hour's temperature) and the throttling in curtailment
windows change it. The month's energy is the weighted sum of its hours, so it is kept exactly;
its peak is the highest hour of any representative day, kept as long as the hottest
(highest-PUE) hour is in a day type, as it is with a day type for the month's hot days.
Price and carbon factors are scaled so their mean over the month's weighted hours is 1: the
month's mean price and intensity stay what the profile says, and flat shapes give today's
monthly answer exactly.

Hourly PUE. The profile's PUE model is applied to the hour's temperature:
    PUE(h) = PUE(month) + per_degree_above x (max(0, T + dT(h) - free_cooling_below) - max(0, T - free_cooling_below))
(estimate: the cooling plant follows the outside air within the hour; a site given `pue` by
month, without a temperature model, keeps its monthly PUE every hour).

Flexible connection (`[flexible_connection]`): the utility lets the site import `extra_import`
above its firm limit in every hour outside the curtailment windows (`[[flexible_connection.windows]]`:
`hours` of the `months` named); inside them the firm limit holds, and the model may throttle
training to stay within it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import model_validator

from planner.inputs.calendar import hours_in
from planner.inputs.fields import Record, Text, quantity

HOURS = 24
MAX_DAY_TYPES = 48  # four a month: more says nothing a representative day should
MAX_SHAPE_FACTOR = 10.0  # an hour ten times the month's mean price or intensity: a typo beyond it
MAX_SWING = 30.0  # degC from the month's mean: beyond the largest diurnal range anywhere inhabited
SHARES_SUM = 1e-6  # shares of a month's days must sum to 1 within this


def _months(months: list[int]) -> list[int]:
    if not months or any(not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 12 for m in months):
        raise ValueError(f"expected calendar months 1 to 12, found {months!r}")
    if len(set(months)) != len(months):
        raise ValueError(f"expected each month once, found {months!r}")
    return months


def _hours(name: str, values: list[float]) -> None:
    if len(values) != HOURS:
        raise ValueError(f"expected {HOURS} hourly values in '{name}', found {len(values)}")


Factor = quantity("dimensionless", low=0, low_open=True, high=MAX_SHAPE_FACTOR)
Swing = quantity("dimensionless", low=-MAX_SWING, high=MAX_SWING)  # degC, written as plain numbers like the month's


class DayType(Record):
    """One representative day: the months it stands for, its share of their days, its shapes."""

    name: Text
    months: list[int]
    share: quantity("dimensionless", low=0, low_open=True, high=1)
    price: list[Factor] = [1.0] * HOURS
    carbon: list[Factor] = [1.0] * HOURS
    temperature: list[Swing] = [0.0] * HOURS
    source: Text | None = None

    @model_validator(mode="after")
    def _shaped(self):
        _months(self.months)
        for name in ("price", "carbon", "temperature"):
            _hours(name, getattr(self, name))
        return self


class HourShapes(Record):
    """A site's representative days (see the module's docstring)."""

    days: list[DayType]
    source: Text | None = None

    @model_validator(mode="after")
    def _shares(self):
        if len(self.days) > MAX_DAY_TYPES:
            raise ValueError(f"expected at most {MAX_DAY_TYPES} day types in 'hours.days', found {len(self.days):,}")
        for month in range(1, 13):
            shares = [day.share for day in self.days if month in day.months]
            if shares and abs(sum(shares) - 1) > SHARES_SUM:
                raise ValueError(f"expected the shares of month {month}'s day types to sum to 1, found {sum(shares):.6g}")
        return self

    def of_month(self, month: int) -> list[DayType]:
        return [day for day in self.days if month in day.months] or [FLAT]


FLAT = DayType(name="flat", months=list(range(1, 13)), share=1.0)


class Window(Record):
    """Curtailment hours (0-23, hour h = h:00 to h+1:00) in the calendar months named."""

    months: list[int]
    hours: list[int]
    source: Text | None = None

    @model_validator(mode="after")
    def _window(self):
        _months(self.months)
        if not self.hours or any(not isinstance(h, int) or isinstance(h, bool) or not 0 <= h < HOURS for h in self.hours):
            raise ValueError(f"expected curtailment hours 0 to 23, found {self.hours!r}")
        if len(set(self.hours)) != len(self.hours):
            raise ValueError(f"expected each curtailment hour once, found {self.hours!r}")
        return self


class FlexibleConnection(Record):
    """`extra_import` above the firm grid limit outside the curtailment `windows`."""

    extra_import: quantity("W", low=0, high="100 GW")
    windows: list[Window]
    source: Text | None = None

    @model_validator(mode="after")
    def _some(self):
        if not 1 <= len(self.windows) <= MAX_DAY_TYPES:
            raise ValueError(f"expected 1 to {MAX_DAY_TYPES} curtailment windows, found {len(self.windows)}")
        return self

    def window(self, month: int) -> np.ndarray:
        """(24,) True in the month's curtailment hours."""
        inside = np.zeros(HOURS, dtype=bool)
        for window in self.windows:
            if month in window.months:
                inside[window.hours] = True
        return inside


def site_days(site, months: pd.PeriodIndex, pue: np.ndarray, price: np.ndarray, carbon: np.ndarray) -> list[dict]:
    """For each month of `months`, the site's representative days as arrays (D, 24): weight
    (days), pue, price (JPY/J), carbon (kg/J), window (curtailment hours), and extra (W the
    site may import above its firm limit outside the windows). `pue`, `price`, `carbon`: (T,)
    monthly values, the fiscal year's included."""
    flexible = site.flexible_connection
    days_in = hours_in(months) / HOURS
    out = []
    for t, month in enumerate(months.month):
        kinds = day_types(site, month)
        weight = day_weights(kinds, days_in[t])
        out.append({
            "names": [day.name for day in kinds],
            "weight": weight,
            "pue": np.array([hourly_pue(site, month, pue[t], day.temperature) for day in kinds]),
            "price": price[t] * _mean_one(np.array([day.price for day in kinds]), weight),
            "carbon": carbon[t] * _mean_one(np.array([day.carbon for day in kinds]), weight),
            "window": np.array([flexible.window(month) if flexible else np.zeros(HOURS, dtype=bool) for _ in kinds]),
            "extra": flexible.extra_import if flexible else 0.0,
        })
    return out


def day_types(site, month: int) -> list[DayType]:
    """The site's representative days of calendar `month` (one flat day without shapes)."""
    return site.hours.of_month(month) if site.hours is not None else [FLAT]


def day_weights(kinds: list[DayType], days: float) -> np.ndarray:
    """Each day type's weight in a month of `days` days: its share of them."""
    return np.array([day.share for day in kinds]) * days


def _mean_one(factors: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Factors (D, 24) scaled so their mean over the weighted hours is 1."""
    return factors / (np.sum(factors * weight[:, None]) / (weight.sum() * HOURS))


def hourly_pue(site, month: int, monthly: float, swing: list[float]) -> np.ndarray:
    """(24,) PUE of each hour: the month's, moved by the hour's temperature (module docstring)."""
    model = site.pue_model
    if model is None or site.pue is not None or not any(swing):
        return np.full(HOURS, monthly)
    mean = site.monthly_temperature[month - 1]
    above = np.maximum(0.0, mean + np.asarray(swing) - model.free_cooling_below) - max(0.0, mean - model.free_cooling_below)
    return monthly + model.per_degree_above * above

"""Clean power a site may contract: wind and solar power purchase agreements (issue 16, item 3).

A contract (`[contracts.NAME]` in a site's profile or scenario) is a capacity decision: the plan
chooses its MW, up to `most`, for the whole horizon from `start`. Each MW delivers its capacity
factor in every hour: the month's `capacity_factor` shaped by the day's `hourly` factors (scaled
so their mean is 1, so the month's mean stays the capacity factor):
    CF(month, h) = capacity_factor[month] x hourly[h] / mean(hourly), at most 1.
The contract is paid for all it delivers at its `price` (pay as produced). It reaches the site
through the grid, so it leaves the grid import limit and the peak as they are; in each hour its
output serves the programme's draw up to that draw, displacing grid energy at the hour's price,
and what is left over is spilled unpaid (conservative: no resale is counted).

A battery (`[battery]`, with representative days) is sized by the plan, its power and energy
each charged by the month. It sits behind the site's meter: it charges from the grid and
discharges to the load, so the grid sees the draw less discharge plus charge in every hour
(import limit, peak and demand charge, ramp, energy cost, location-based CO2). Each
representative day is a cycle: the day ends with the charge it began with. Round-trip losses
are taken as it charges (a MWh charged stores `round_trip` MWh).
"""

from __future__ import annotations

import numpy as np
from pydantic import model_validator

from planner.inputs.fields import Month, Record, Text, monthly, quantity

HOURS = 24
CONTRACT_KINDS = ("wind", "solar")
MAX_CONTRACT = "100 GW"  # the site limit's order: beyond it a typo


class Contract(Record):
    """A wind or solar contract: its kind, price per MWh delivered, capacity-factor shape."""

    kind: Text
    price: quantity("JPY/J", high="1e6 JPY/MWh")
    capacity_factor: monthly("dimensionless", low=0, high=1)
    hourly: list[quantity("dimensionless", low=0, high=100)] = [1.0] * HOURS
    most: quantity("W", low=0, high=MAX_CONTRACT) | None = None
    start: Month | None = None
    source: Text | None = None

    @model_validator(mode="after")
    def _shaped(self):
        if self.kind not in CONTRACT_KINDS:
            raise ValueError(f"expected kind 'wind' or 'solar', found {self.kind!r}")
        if len(self.hourly) != HOURS:
            raise ValueError(f"expected {HOURS} hourly factors in 'hourly', found {len(self.hourly)}")
        if sum(self.hourly) <= 0:
            raise ValueError("expected some hourly factor above 0, found all 0")
        highest = max(self.capacity_factor) * max(self.hourly) / np.mean(self.hourly)
        if highest > 1 + 1e-12:
            raise ValueError(f"expected a capacity factor of at most 1 in every hour, found {highest:.3g} "
                             "(the month's capacity factor x the highest hourly factor / their mean)")
        return self

    def factors(self, month: int) -> np.ndarray:
        """(24,) capacity factor of each hour of calendar month `month` (1-12)."""
        shape = np.asarray(self.hourly, dtype=float)
        return self.capacity_factor[month - 1] * shape / shape.mean()


class Battery(Record):
    """A battery the plan may size at a site: its power and energy, each charged by the month
    (a lease or a capital charge), and its round-trip efficiency (lost as it charges)."""

    power_cost: quantity("JPY/W/month", high="1e6 JPY/kW/month")
    energy_cost: quantity("JPY/J/month", high="1e6 JPY/kWh/month")
    round_trip: quantity("dimensionless", low=0, low_open=True, high=1)
    most_power: quantity("W", low=0, high=MAX_CONTRACT) | None = None
    most_energy: quantity("J", low=0, high="1e9 MWh") | None = None
    source: Text | None = None

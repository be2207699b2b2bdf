"""Site profiles: grid and fit-out phases, climate-driven PUE, prices and carbon, by month."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import model_validator

from planner.calendar import label
from planner.fields import Month, Record, Text, monthly, quantity


def profile_dir() -> Path:
    """site_profiles/ inside an installed package, else beside the package in a clone."""
    packaged = Path(__file__).parent / "site_profiles"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "site_profiles"


class Phase(Record):
    """From `start` on, the site may import `grid_import` and host `it_capacity` of IT load."""

    start: Month
    grid_import: quantity("W", low=0, low_open=True)
    it_capacity: quantity("W", low=0, low_open=True)
    source: Text | None = None


class PueModel(Record):
    """PUE from outside air: `base` while free cooling suffices, rising above a temperature.

    PUE(month) = base + per_degree_above x max(0, mean temperature - free_cooling_below).
    """

    base: quantity("dimensionless", low=1)
    free_cooling_below: quantity("degC", low=None)
    per_degree_above: quantity("1/delta_degC", low=0)
    source: Text | None = None


class Site(Record):
    """One site, values in base units: W, JPY/J, kg/J, JPY/W; monthly values January first."""

    name: str
    description: Text
    opening: Month
    grid_phases: list[Phase]
    reserved_it: quantity("W") = 0.0
    monthly_temperature: monthly("degC", low=-60, high=60) | None = None
    pue_model: PueModel | None = None
    pue: monthly("dimensionless", low=1, high=3) | None = None
    electricity_price: monthly("JPY/J")
    carbon_intensity: monthly("kg/J")
    fitout_cost: quantity("JPY/W") = 0.0

    @model_validator(mode="after")
    def _consistent(self):
        if not self.grid_phases:
            raise ValueError("expected at least one grid phase, found none")
        starts = [phase.start for phase in self.grid_phases]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError(f"expected grid phases in date order, found starts {[label(s) for s in starts]}")
        if starts[0] < self.opening:
            raise ValueError(
                f"expected grid phases to start on or after the opening month {label(self.opening)}, "
                f"found one starting {label(starts[0])}"
            )
        if self.pue is None and (self.pue_model is None or self.monthly_temperature is None):
            raise ValueError("expected either 'pue' or both 'pue_model' and 'monthly_temperature', found neither")
        return self

    def monthly_pue(self) -> np.ndarray:
        """PUE for January..December: given directly, or derived from the monthly climate."""
        if self.pue is not None:
            return np.array(self.pue)
        model = self.pue_model
        warm = np.maximum(0.0, np.array(self.monthly_temperature) - model.free_cooling_below)
        return model.base + model.per_degree_above * warm

    def limits(self, months: pd.PeriodIndex) -> tuple[np.ndarray, np.ndarray]:
        """Grid import and IT fit-out limits [W] in each month: the latest phase begun by then."""
        grid, it = np.zeros(len(months)), np.zeros(len(months))
        for phase in self.grid_phases:
            begun = months >= phase.start
            grid[begun], it[begun] = phase.grid_import, phase.it_capacity
        return grid, it

    def by_month(self, values, months: pd.PeriodIndex) -> np.ndarray:
        """A January..December profile laid over `months`."""
        return np.asarray(values)[months.month - 1]

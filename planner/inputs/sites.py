"""Site profiles: grid and fit-out phases, climate-driven PUE, prices and carbon, by month."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import model_validator

from planner.inputs import PACKAGE
from planner.inputs.calendar import label
from planner.inputs.fields import Month, Record, Text, monthly, quantity

MAX_SITE_POWER = "100 GW"  # ten times the largest campus announced anywhere
MAX_PUE = 3.0  # an air-cooled room from the 2000s; worse is a mistake
MAX_GRID_PHASES = 240  # one a month over the longest horizon
MAX_CARBON_INTENSITY = "2 kg/kWh"  # lignite, the dirtiest, is ~1.2


def profile_dir() -> Path:
    """site_profiles/ inside an installed package, else beside the package in a clone."""
    packaged = PACKAGE / "site_profiles"
    return packaged if packaged.is_dir() else PACKAGE.parent / "site_profiles"


class Phase(Record):
    """From `start` on, the site may import `grid_import` and host `it_capacity` of IT load."""

    start: Month
    grid_import: quantity("W", low=0, low_open=True, high=MAX_SITE_POWER)
    it_capacity: quantity("W", low=0, low_open=True, high=MAX_SITE_POWER)
    source: Text | None = None


class PueModel(Record):
    """PUE from outside air: `base` while free cooling suffices, rising above a temperature.

    PUE(month) = base + per_degree_above x max(0, mean temperature - free_cooling_below).
    """

    base: quantity("dimensionless", low=1, high=MAX_PUE)
    free_cooling_below: quantity("degC", low="-60 degC", high="60 degC")
    per_degree_above: quantity("1/delta_degC", low=0, high="0.1 / delta_degC")
    source: Text | None = None


class Site(Record):
    """One site, values in base units: W, JPY/J, kg/J, JPY/W; monthly values January first."""

    name: str
    description: Text
    opening: Month
    grid_phases: list[Phase]
    reserved_it: quantity("W", high=MAX_SITE_POWER) = 0.0
    monthly_temperature: monthly("degC", low="-60 degC", high="60 degC") | None = None
    pue_model: PueModel | None = None
    pue: monthly("dimensionless", low=1, high=MAX_PUE) | None = None
    electricity_price: monthly("JPY/J", high="1000 JPY/kWh")
    carbon_intensity: monthly("kg/J", high=MAX_CARBON_INTENSITY)
    fitout_cost: quantity("JPY/W", high="1e11 JPY/MW") = 0.0
    # accelerators in the site's largest non-blocking fabric domain: the most one run trains on
    # there (None: the fabric spans the site)
    fabric_domain: quantity("dimensionless", low=1, high=1e8) | None = None
    # accelerators already in service at the horizon's start, by type: sunk, never bought or sold
    existing_fleet: dict[str, quantity("dimensionless", high=1e8)] = {}

    @model_validator(mode="after")
    def _consistent(self):
        if not self.grid_phases:
            raise ValueError("expected at least one grid phase, found none")
        if len(self.grid_phases) > MAX_GRID_PHASES:
            raise ValueError(f"expected at most {MAX_GRID_PHASES} grid phases, found {len(self.grid_phases):,}")
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
        if self.monthly_pue().max() > MAX_PUE:
            raise ValueError(f"expected a PUE of at most {MAX_PUE:g} in every month, found {self.monthly_pue().max():.3g}")
        for phase in self.grid_phases:  # the reserved load must fit, or no month of the phase has a plan
            if self.reserved_it > phase.it_capacity or self.reserved_it * self.monthly_pue().max() > phase.grid_import:
                raise ValueError(
                    f"expected reserved_it to fit every grid phase, found {self.reserved_it / 1e6:g} MW of IT "
                    f"against the phase from {label(phase.start)} ({phase.it_capacity / 1e6:g} MW of IT, "
                    f"{phase.grid_import / 1e6:g} MW from the grid at a PUE up to {self.monthly_pue().max():.3g})"
                )
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

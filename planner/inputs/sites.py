"""Site profiles: grid and fit-out phases, climate-driven PUE, prices and carbon, by month.

Some values may change by fiscal year (April to March): the electricity price escalates, the
grid's carbon intensity follows the utility's trajectory, the PUE improves. A table by fiscal
year applies from its first listed year; between listed years it is interpolated linearly,
after the last listed year its last value holds, and every month of a fiscal year takes the
year's value. Capacity kept for other tenants may be reserved with dates.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import field_validator, model_validator

from planner.inputs import PACKAGE
from planner.inputs.calendar import fiscal_years, label
from planner.inputs.clean import Battery, Contract
from planner.inputs.fields import FiscalYearName, Month, Record, Text, fiscal_year_number, monthly, quantity
from planner.inputs.hours import FlexibleConnection, HourShapes

MAX_SITE_POWER = "100 GW"  # ten times the largest campus announced anywhere
MAX_PUE = 3.0  # an air-cooled room from the 2000s; worse is a mistake
MAX_GRID_PHASES = 240  # one a month over the longest horizon
MAX_CARBON_INTENSITY = "2 kg/kWh"  # lignite, the dirtiest, is ~1.2
MAX_RESERVATIONS = 240  # one a month over the longest horizon
MAX_YEARS_LISTED = 50  # fiscal years in one table: far beyond any horizon (20 years)
MAX_PRICE_FACTOR = 10.0  # electricity ten times dearer than today: a typo beyond it
MAX_PUE_CHANGE = 1.0  # a PUE adjustment of a whole unit would turn 1.1 into 2.1
# Extra-high-voltage basic charges in Japan are ~JPY 1,000-2,500 per kW-month; 100 times that is a typo
MAX_DEMAND_CHARGE = "100000 JPY/kW/month"


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


class Reservation(Record):
    """`it` of the site's IT capacity kept for another tenant from `start` to `end` (both
    included; without `end`, to the horizon's end)."""

    it: quantity("W", low=0, low_open=True, high=MAX_SITE_POWER)
    start: Month
    end: Month | None = None
    tenant: Text | None = None
    source: Text | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.end is not None and self.end < self.start:
            raise ValueError(f"expected an end on or after the start {label(self.start)}, found {label(self.end)}")
        return self

    def held(self, months: pd.PeriodIndex) -> np.ndarray:
        """(T,) W reserved in each month."""
        inside = (months >= self.start) & ((months <= self.end) if self.end is not None else True)
        return np.where(inside, self.it, 0.0)


def _years_listed(table: dict) -> None:
    if not table:
        raise ValueError("expected at least one fiscal year in 'by_fiscal_year' (e.g. { FY2030 = ... }), found none")
    if len(table) > MAX_YEARS_LISTED:
        raise ValueError(f"expected at most {MAX_YEARS_LISTED} fiscal years in 'by_fiscal_year', found {len(table):,}")


def along_years(table: dict[str, float], years: np.ndarray, before) -> np.ndarray:
    """Values of a table by fiscal year for each of `years`: `before` until its first listed
    year, then linear between listed years, the last value held after the last."""
    listed = sorted((fiscal_year_number(name), value) for name, value in table.items())
    first = listed[0][0]
    path = np.interp(years, [year for year, _ in listed], [value for _, value in listed])
    return np.where(years < first, before, path)


class Escalation(Record):
    """The electricity price by fiscal year, as a factor on `electricity_price`: `per_year`
    compounding from `base_year` (the fiscal year the price is quoted for: factor
    (1 + per_year)^(year - base_year), below 1 before it), or factors `by_fiscal_year`."""

    per_year: quantity("dimensionless", low=-0.5, high=1) | None = None
    base_year: FiscalYearName | None = None
    by_fiscal_year: dict[FiscalYearName, quantity("dimensionless", low=0, low_open=True, high=MAX_PRICE_FACTOR)] | None = None
    source: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_form(self):
        if (self.per_year is None) == (self.by_fiscal_year is None):
            found = "both" if self.per_year is not None else "neither"
            raise ValueError(f"expected either 'per_year' with 'base_year' or 'by_fiscal_year', found {found}")
        if self.per_year is not None and self.base_year is None:
            raise ValueError("expected 'base_year' (the fiscal year electricity_price is quoted for) beside 'per_year', found none")
        if self.by_fiscal_year is not None:
            if self.base_year is not None:
                raise ValueError("expected 'base_year' only with 'per_year', found it with 'by_fiscal_year'")
            _years_listed(self.by_fiscal_year)
        return self

    def factors(self, years: np.ndarray) -> np.ndarray:
        if self.per_year is not None:
            return (1 + self.per_year) ** (years - fiscal_year_number(self.base_year))
        return along_years(self.by_fiscal_year, years, 1.0)


class _YearTable(Record):
    """A table `by_fiscal_year` (declared by each kind) with its source."""

    source: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _listed(self):
        _years_listed(self.by_fiscal_year)
        return self


class CarbonPath(_YearTable):
    """The grid's carbon intensity by fiscal year (e.g. the utility's 2030 target)."""

    by_fiscal_year: dict[FiscalYearName, quantity("kg/J", high=MAX_CARBON_INTENSITY)]


class PueAdjustment(_YearTable):
    """Added to the month's PUE by fiscal year (negative: a better design takes over)."""

    by_fiscal_year: dict[FiscalYearName, quantity("dimensionless", low=-MAX_PUE_CHANGE, high=MAX_PUE_CHANGE)]


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
    reserved_it: quantity("W", high=MAX_SITE_POWER) = 0.0  # in every month
    reserved: list[Reservation] = []  # with dates, on top of reserved_it
    monthly_temperature: monthly("degC", low="-60 degC", high="60 degC") | None = None
    pue_model: PueModel | None = None
    pue: monthly("dimensionless", low=1, high=MAX_PUE) | None = None
    electricity_price: monthly("JPY/J", high="1000 JPY/kWh")
    carbon_intensity: monthly("kg/J", high=MAX_CARBON_INTENSITY)
    electricity_price_escalation: Escalation | None = None
    carbon_intensity_by_fiscal_year: CarbonPath | None = None
    pue_adjustment: PueAdjustment | None = None
    # JPY per W of each month's peak facility draw, per month (a tariff's basic charge per kW-month)
    demand_charge: quantity("JPY/W/month", high=MAX_DEMAND_CHARGE) = 0.0
    fitout_cost: quantity("JPY/W", high="1e11 JPY/MW") = 0.0
    # accelerators in the site's largest non-blocking fabric domain: the most one run trains on
    # there (None: the fabric spans the site)
    fabric_domain: quantity("dimensionless", low=1, high=1e8) | None = None
    # accelerators already in service at the horizon's start, by type: sunk, never bought or sold
    existing_fleet: dict[str, quantity("dimensionless", high=1e8)] = {}
    # representative days and curtailment windows, used when the scenario plans by the hour (inputs.hours)
    hours: HourShapes | None = None
    flexible_connection: FlexibleConnection | None = None
    # the most the facility draw (reserved load included) may change from one hour to the next
    # (None: no limit); with representative days, within each day and across month boundaries
    ramp_limit: quantity("W", low=0, low_open=True, high=MAX_SITE_POWER) | None = None
    # wind and solar contracts the plan may sign, by name (inputs.clean)
    contracts: dict[str, Contract] = {}
    # a battery behind the meter the plan may size (inputs.clean; with representative days)
    battery: Battery | None = None

    @field_validator("demand_charge", mode="before")
    @classmethod
    def _per_month(cls, value):
        """A charge per kW-month and a price per kWh share a dimension (money per energy): a
        price written here by mistake must not pass as a charge 730 times its number."""
        text = value.get("value") if isinstance(value, dict) else value
        if isinstance(text, str) and "month" not in text:
            raise ValueError(f"expected a charge per power per month such as '792 JPY/kW/month', found {text!r}")
        return value

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
        if len(self.reserved) > MAX_RESERVATIONS:
            raise ValueError(f"expected at most {MAX_RESERVATIONS} entries in 'reserved', found {len(self.reserved):,}")
        self._check_pue_adjustment()
        self._check_reserved()
        return self

    def _check_pue_adjustment(self) -> None:
        if self.pue_adjustment is None:
            return
        changes = self.pue_adjustment.by_fiscal_year.values()
        lowest, highest = self.monthly_pue().min() + min(changes), self.highest_pue()
        if lowest < 1 or highest > MAX_PUE:
            raise ValueError(
                f"expected pue_adjustment to keep the PUE from 1 to {MAX_PUE:g} in every month, "
                f"found PUE from {lowest:.3g} to {highest:.3g}"
            )

    def _check_reserved(self) -> None:
        """The reserved load must fit in every month of every phase it overlaps, or that month has
        no plan. It changes only where a reservation starts, so those months and each phase's
        first month are the ones to check, at the highest PUE of any month."""
        pue = self.highest_pue()
        ends = [phase.start for phase in self.grid_phases[1:]] + [None]
        for phase, end in zip(self.grid_phases, ends):
            starts = {phase.start} | {r.start for r in self.reserved if r.start > phase.start and (end is None or r.start < end)}
            months = pd.PeriodIndex(sorted(starts))
            held = self.reserved_by_month(months)
            worst = int(np.argmax(held))
            if held[worst] > phase.it_capacity or held[worst] * pue > phase.grid_import:
                raise ValueError(
                    f"expected the reserved IT load (reserved_it and reserved) to fit every grid phase, found "
                    f"{held[worst] / 1e6:g} MW of IT in {label(months[worst])} against the phase from "
                    f"{label(phase.start)} ({phase.it_capacity / 1e6:g} MW of IT, "
                    f"{phase.grid_import / 1e6:g} MW from the grid at a PUE up to {pue:.3g})"
                )

    def highest_pue(self) -> float:
        """The highest PUE of any month of any fiscal year."""
        worst = self.monthly_pue().max()
        if self.pue_adjustment is not None:
            worst += max(0.0, *self.pue_adjustment.by_fiscal_year.values())
        return float(worst)

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

    def pue_by_month(self, months: pd.PeriodIndex) -> np.ndarray:
        """(T,) PUE in each month: the climate's, plus the fiscal year's adjustment."""
        pue = self.by_month(self.monthly_pue(), months)
        if self.pue_adjustment is None:
            return pue
        return pue + along_years(self.pue_adjustment.by_fiscal_year, fiscal_years(months), 0.0)

    def price_by_month(self, months: pd.PeriodIndex) -> np.ndarray:
        """(T,) JPY/J in each month: the monthly price, escalated by fiscal year."""
        price = self.by_month(self.electricity_price, months)
        if self.electricity_price_escalation is None:
            return price
        return price * self.electricity_price_escalation.factors(fiscal_years(months))

    def carbon_by_month(self, months: pd.PeriodIndex) -> np.ndarray:
        """(T,) kg/J in each month: the fiscal year's trajectory from its first year, before it the monthly profile."""
        carbon = self.by_month(self.carbon_intensity, months)
        if self.carbon_intensity_by_fiscal_year is None:
            return carbon
        return along_years(self.carbon_intensity_by_fiscal_year.by_fiscal_year, fiscal_years(months), carbon)

    def reserved_by_month(self, months: pd.PeriodIndex) -> np.ndarray:
        """(T,) W of IT load kept for other tenants in each month."""
        return self.reserved_it + sum((r.held(months) for r in self.reserved), np.zeros(len(months)))

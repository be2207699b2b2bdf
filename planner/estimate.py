"""How long a training run takes on a fleet of one accelerator type, and its energy and CO2.

Compute is counted as the plan counts it (arrays.py): each accelerator delivers
peak x MFU x availability model FLOP/s (`Performance.effective_flops` x availability) and draws
its IT power for all the wall-clock time the run holds it, downtime included. So

    accelerator-seconds = C / (peak x MFU x availability)
    IT energy           = accelerator-seconds x power per accelerator
    facility energy     = IT energy x PUE;  CO2 = facility energy x grid intensity

MFU and `flop_per_parameter_token` must share a basis: the catalog's MFU counts model FLOP
(6ND); an efficiency quoted on hardware FLOP (8ND, recomputation included, as Megatron-LM
and BLOOM report) goes with 8 FLOP per parameter-token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BeforeValidator

from planner.catalog import MAX_FLOPS, MAX_POWER, MIN_FLOPS, MIN_POWER, Performance, catalog_entries, catalog_performance
from planner.errors import InputError
from planner.fields import Fraction, Record, Text, quantity
from planner.sites import MAX_CARBON_INTENSITY, MAX_PUE
from planner.units import Q_, parse_quantity
from planner.workload import TrainingRun

SECONDS_PER_DAY = 86400.0


MAX_ACCELERATORS = 1e9  # a thousand times the largest clusters yet
MIN_DURATION, MAX_DURATION = "1 hour", "100 year"  # a run's wall-clock time, from a short test to a lifetime


def _whole_count(value):
    if isinstance(value, dict) and "value" in value:
        value = value["value"]
    number = parse_quantity(value, "dimensionless", "")
    if not 1 <= number <= MAX_ACCELERATORS or number != int(number):
        raise ValueError(f"expected a whole number of accelerators, at least 1 and at most {MAX_ACCELERATORS:g}, found {value!r}")
    return int(number)


AcceleratorCount = Annotated[int, BeforeValidator(_whole_count)]


class Fleet(Record):
    """The accelerators a run trains on: a catalog type (or one described in full), how many or
    for how long, and what they draw. Unset figures come from the catalog."""

    accelerator: Text
    peak_bf16: quantity("FLOP/s", MIN_FLOPS, high=MAX_FLOPS) | None = None
    mfu: Fraction | None = None
    power: quantity("W", MIN_POWER, high=MAX_POWER) | None = None
    count: AcceleratorCount | None = None
    duration: quantity("s", MIN_DURATION, high=MAX_DURATION) | None = None
    availability: Fraction = 1.0
    pue: quantity("dimensionless", low=1, high=MAX_PUE) = 1.0
    carbon_intensity: quantity("kg/J", high=MAX_CARBON_INTENSITY) = 0.0

    def performance(self) -> Performance:
        """The catalog's figures for the accelerator with this fleet's overrides; an accelerator
        outside the catalog must give peak, MFU and power itself."""
        overrides = {"peak_bf16": self.peak_bf16, "mfu": self.mfu, "it_power": self.power}
        given = {key: value for key, value in overrides.items() if value is not None}
        if self.accelerator in catalog_entries():
            return catalog_performance(self.accelerator).model_copy(update=given)
        if len(given) < len(overrides):
            raise InputError(
                "accelerator",
                f"an accelerator of the catalog ({', '.join(catalog_entries())}), "
                "or 'peak_bf16', 'mfu' and 'power' for one outside it",
                repr(self.accelerator),
            )
        return Performance.model_construct(name=self.accelerator, scalable_unit=1, **given)

    def compute(self) -> float:
        """Model FLOP `count` accelerators deliver in `duration` [FLOP]."""
        if self.count is None or self.duration is None:
            missing = "duration" if self.count is not None else "count"
            raise InputError(missing, "both 'count' (accelerators) and 'duration'", f"no '{missing}'")
        return self.count * self.performance().effective_flops * self.availability * self.duration


@dataclass(frozen=True)
class Estimate:
    """A run on a fleet: time, accelerator-hours, power, energy and CO2 (base units inside)."""

    training_flop: float
    accelerator: Performance
    count: int
    accelerator_seconds: float
    availability: float
    pue: float
    carbon_intensity: float  # kg/J
    target_days: float | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def accelerator_hours(self) -> float:
        return self.accelerator_seconds / 3600.0

    @property
    def days(self) -> float:
        return self.accelerator_seconds / self.count / SECONDS_PER_DAY

    @property
    def it_energy(self) -> float:
        return self.accelerator_seconds * self.accelerator.it_power

    @property
    def facility_energy(self) -> float:
        return self.it_energy * self.pue

    @property
    def co2(self) -> float:
        return self.facility_energy * self.carbon_intensity

    @property
    def facility_power(self) -> float:
        return self.count * self.accelerator.it_power * self.pue

    def summary(self) -> dict:
        """Headline numbers in the units a planner reads (the `--json` output)."""
        return {
            "training_flop": self.training_flop,
            "accelerator": self.accelerator.name,
            "peak_flops": self.accelerator.peak_bf16,
            "mfu": self.accelerator.mfu,
            "availability": self.availability,
            "count": self.count,
            "days": self.days,
            "target_days": self.target_days,
            "accelerator_hours": self.accelerator_hours,
            "power_per_accelerator_w": self.accelerator.it_power,
            "pue": self.pue,
            "carbon_intensity_kg_per_kwh": Q_(self.carbon_intensity, "kg/J").m_as("kg/kWh"),
            "it_energy_mwh": Q_(self.it_energy, "J").m_as("MWh"),
            "facility_energy_mwh": Q_(self.facility_energy, "J").m_as("MWh"),
            "co2_t": Q_(self.co2, "kg").m_as("t"),
            "facility_mw": Q_(self.facility_power, "W").m_as("MW"),
            "notices": list(self.notices),
        }


def estimate(training_flop: float, fleet: Fleet) -> Estimate:
    """Time, energy and CO2 of `training_flop` on `fleet`: its count gives the days; its days
    give the count, rounded up to whole scalable units (servers or racks)."""
    accelerator = fleet.performance()
    if (fleet.count is None) == (fleet.duration is None):
        found = "both" if fleet.count is not None else "neither"
        raise InputError("count", "either 'count' (accelerators) or 'duration' (then the count follows)", found)
    accelerator_seconds = training_flop / (accelerator.effective_flops * fleet.availability)
    notices = []
    count = fleet.count
    if count is None:
        exact = accelerator_seconds / fleet.duration
        unit = accelerator.scalable_unit
        count = unit * math.ceil(exact / unit * (1 - 1e-12))
        if count != exact:
            notices.append(
                f"{exact:,.1f} accelerators would take exactly {fleet.duration / SECONDS_PER_DAY:g} days; "
                f"rounded up to {count:,} ({count // unit:,} units of {unit})"
            )
    return Estimate(
        training_flop=training_flop,
        accelerator=accelerator,
        count=count,
        accelerator_seconds=accelerator_seconds,
        availability=fleet.availability,
        pue=fleet.pue,
        carbon_intensity=fleet.carbon_intensity,
        target_days=None if fleet.duration is None else fleet.duration / SECONDS_PER_DAY,
        notices=notices,
    )


def basis_notice(run: TrainingRun, fleet: Fleet) -> list[str]:
    """A warning when the catalog's MFU (model FLOP, 6ND) meets compute counted another way."""
    if fleet.mfu is None and run.compute is None and run.flop_per_parameter_token != 6:
        return [
            f"{run.flop_per_parameter_token:g} FLOP per parameter-token with the catalog's MFU (a 6ND figure) "
            "counts recomputation twice; give an MFU on the same basis"
        ]
    return []

"""How long a training run takes on a fleet of one accelerator type, and its energy and CO2.

Compute is counted as the plan counts it (arrays.py): each accelerator delivers
peak x MFU x availability model FLOP/s (`Performance.effective_flops` x availability) and draws
its IT power for all the wall-clock time the run holds it, downtime included. So

    accelerator-seconds = C / (peak x MFU x availability)
    IT energy           = accelerator-seconds x power per accelerator
    facility energy     = IT energy x PUE;  CO2 = facility energy x grid intensity

None of these needs the fleet's size: only the days and the draw in MW do. Without a PUE the
figures stay at the IT load (CO2 then counts IT energy alone); without a grid intensity there
is no CO2. Availability defaults to the plan's (DEFAULT_AVAILABILITY).

MFU and `flop_per_parameter_token` must share a basis: the catalog's MFU counts model FLOP
(6ND); an efficiency quoted on hardware FLOP (8ND, recomputation included, as Megatron-LM
and BLOOM report) goes with 8 FLOP per parameter-token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BeforeValidator

from planner.inputs.catalog import MAX_FLOPS, MAX_POWER, MIN_FLOPS, MIN_POWER, Performance, catalog_entries, catalog_performance
from planner.inputs.errors import InputError
from planner.inputs.fields import Fraction, Record, Text, quantity
from planner.inputs.sites import MAX_CARBON_INTENSITY, MAX_PUE
from planner.inputs.units import Q_, parse_quantity
from planner.inputs.workload import DEFAULT_AVAILABILITY, TrainingRun

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
    availability: Fraction = DEFAULT_AVAILABILITY
    pue: quantity("dimensionless", low=1, high=MAX_PUE) | None = None
    carbon_intensity: quantity("kg/J", high=MAX_CARBON_INTENSITY) | None = None

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
    """A run on a fleet: time, accelerator-hours, power, energy and CO2 (base units inside).
    A figure that needs what was not given (a count or days, a PUE, a grid intensity) is None."""

    training_flop: float
    accelerator: Performance
    count: int | None
    accelerator_seconds: float
    availability: float
    pue: float | None
    carbon_intensity: float | None  # kg/J
    target_days: float | None = None
    notices: list[str] = field(default_factory=list)

    @property
    def accelerator_hours(self) -> float:
        return self.accelerator_seconds / 3600.0

    @property
    def days(self) -> float | None:
        return None if self.count is None else self.accelerator_seconds / self.count / SECONDS_PER_DAY

    @property
    def it_energy(self) -> float:
        return self.accelerator_seconds * self.accelerator.it_power

    @property
    def facility_energy(self) -> float | None:
        return None if self.pue is None else self.it_energy * self.pue

    @property
    def co2(self) -> float | None:
        """Of the facility's energy; of the IT energy alone when no PUE was given."""
        if self.carbon_intensity is None:
            return None
        return (self.it_energy if self.pue is None else self.facility_energy) * self.carbon_intensity

    @property
    def it_power(self) -> float | None:
        return None if self.count is None else self.count * self.accelerator.it_power

    @property
    def facility_power(self) -> float | None:
        return None if self.it_power is None or self.pue is None else self.it_power * self.pue

    def summary(self) -> dict:
        """Headline numbers in the units a planner reads (the `--json` output); null where the
        figure needs a flag that was not given."""
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
            "it_kwh_per_accelerator_hour": _in(self.accelerator.it_power * 3600.0, "J", "kWh"),
            "pue": self.pue,
            "carbon_intensity_kg_per_kwh": _in(self.carbon_intensity, "kg/J", "kg/kWh"),
            "it_energy_mwh": _in(self.it_energy, "J", "MWh"),
            "facility_energy_mwh": _in(self.facility_energy, "J", "MWh"),
            "co2_t": _in(self.co2, "kg", "t"),
            "it_mw": _in(self.it_power, "W", "MW"),
            "facility_mw": _in(self.facility_power, "W", "MW"),
            "notices": list(self.notices),
        }


def _in(value: float | None, unit: str, shown: str) -> float | None:
    return None if value is None else Q_(value, unit).m_as(shown)


def estimate(training_flop: float, fleet: Fleet) -> Estimate:
    """Time, energy and CO2 of `training_flop` on `fleet`: its count gives the days; its days
    give the count, rounded up to whole scalable units (servers or racks); with neither, the
    accelerator-hours and energy, which need no count."""
    accelerator = fleet.performance()
    if fleet.count is not None and fleet.duration is not None:
        raise InputError("count", "either 'count' (accelerators) or 'duration' (then the count follows)", "both")
    accelerator_seconds = training_flop / (accelerator.effective_flops * fleet.availability)
    notices = []
    count = fleet.count
    if count is None and fleet.duration is not None:
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

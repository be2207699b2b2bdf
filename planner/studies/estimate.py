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

With a failure rate, goodput at the fleet's size (inputs.goodput: the Young/Daly interval)
takes availability's place, and the estimate gives the interruptions to expect and the
checkpoint interval; it needs the fleet's size, so a count or days. With days, the count is
the smallest in whole units whose goodput still finishes in time. In FP8 the catalog's FP8
peak counts at its MFU x the FP8 derate.

MFU and `flop_per_parameter_token` must share a basis: the catalog's MFU counts model FLOP
(6ND); an efficiency quoted on hardware FLOP (8ND, recomputation included, as Megatron-LM
and BLOOM report) goes with 8 FLOP per parameter-token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import BeforeValidator

from planner.inputs.catalog import (
    MAX_FLOPS,
    MAX_POWER,
    MIN_FLOPS,
    MIN_POWER,
    Performance,
    catalog_entries,
    catalog_fp8,
    catalog_performance,
)
from planner.inputs.errors import InputError
from planner.inputs.fields import Fraction, Record, Text, quantity
from planner.inputs.goodput import checkpoint_interval, expected_interruptions, goodput, mean_time_between_failures
from planner.inputs.sites import MAX_CARBON_INTENSITY, MAX_PUE
from planner.inputs.units import Q_, parse_quantity
from planner.inputs.workload import DEFAULT_AVAILABILITY, DEFAULT_CHECKPOINT_TIME, DEFAULT_RESTART_TIME, TrainingRun

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
    precision: Literal["bf16", "fp8"] = "bf16"
    failure_rate: quantity("1/s", high="0.01 / hour") | None = None
    checkpoint_time: quantity("s", high="1 day") = DEFAULT_CHECKPOINT_TIME
    restart_time: quantity("s", high="1 day") = DEFAULT_RESTART_TIME
    pue: quantity("dimensionless", low=1, high=MAX_PUE) | None = None
    carbon_intensity: quantity("kg/J", high=MAX_CARBON_INTENSITY) | None = None

    def performance(self) -> Performance:
        """The catalog's figures for the accelerator with this fleet's overrides; an accelerator
        outside the catalog must give peak, MFU and power itself."""
        overrides = {"peak_bf16": self.peak_bf16, "mfu": self.mfu, "it_power": self.power}
        given = {key: value for key, value in overrides.items() if value is not None}
        if self.precision == "fp8":
            return self._fp8(given)
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

    def _fp8(self, given: dict) -> Performance:
        """The catalog's FP8 peak (as the peak) at its MFU x FP8 derate (as the MFU)."""
        fp8 = catalog_fp8(self.accelerator) if self.accelerator in catalog_entries() else None
        if fp8 is None or fp8.peak_fp8 is None or "peak_bf16" in given:
            found = "--peak-flops given" if "peak_bf16" in given else f"{self.accelerator!r}, which has none"
            raise InputError("precision", "an accelerator with an FP8 peak in the catalog (fp8 takes no 'peak_bf16')", found)
        base = catalog_performance(self.accelerator).model_copy(update=given)
        return base.model_copy(update={"peak_bf16": fp8.peak_fp8, "mfu": base.mfu * fp8.fp8_mfu_derate})

    def share(self, count: float) -> float:
        """The share of wall time a fleet of `count` makes progress: goodput with a failure rate, else availability."""
        if self.failure_rate is None:
            return self.availability
        return float(goodput(count, self.failure_rate, self.checkpoint_time, self.restart_time))

    def compute(self) -> float:
        """Model FLOP `count` accelerators deliver in `duration` [FLOP]."""
        if self.count is None or self.duration is None:
            missing = "duration" if self.count is not None else "count"
            raise InputError(missing, "both 'count' (accelerators) and 'duration'", f"no '{missing}'")
        return self.count * self.performance().effective_flops * self.share(self.count) * self.duration


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
    precision: str = "bf16"
    failure_rate: float | None = None  # per accelerator-second: then availability is the goodput
    checkpoint_time: float = DEFAULT_CHECKPOINT_TIME

    @property
    def interruptions(self) -> float | None:
        """Interruptions to expect over the run's wall time (with a failure rate and a count)."""
        if self.failure_rate is None or self.count is None:
            return None
        return expected_interruptions(self.count, self.days * 24.0, self.failure_rate)

    @property
    def checkpoint_interval(self) -> float | None:
        """The Young/Daly interval [s] at the fleet's size."""
        if self.failure_rate is None or self.count is None:
            return None
        return checkpoint_interval(self.checkpoint_time, mean_time_between_failures(self.count, self.failure_rate))

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
            "precision": self.precision,
            "goodput": self.availability if self.failure_rate is not None and self.count is not None else None,
            "interruptions": self.interruptions,
            "checkpoint_interval_s": self.checkpoint_interval,
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
    notices = []
    count = fleet.count
    if count is None and fleet.duration is not None:
        count, exact = _count_for(training_flop, fleet, accelerator)
        unit = accelerator.scalable_unit
        if count != exact:
            notices.append(
                f"{exact:,.1f} accelerators would take exactly {fleet.duration / SECONDS_PER_DAY:g} days; "
                f"rounded up to {count:,} ({count // unit:,} units of {unit})"
            )
    if fleet.failure_rate is not None and count is None:
        notices.append("goodput needs the fleet's size (--count or --days): availability used instead")
    share = fleet.availability if count is None else fleet.share(count)
    accelerator_seconds = training_flop / (accelerator.effective_flops * share)
    return Estimate(
        training_flop=training_flop,
        accelerator=accelerator,
        count=count,
        accelerator_seconds=accelerator_seconds,
        availability=share,
        pue=fleet.pue,
        carbon_intensity=fleet.carbon_intensity,
        target_days=None if fleet.duration is None else fleet.duration / SECONDS_PER_DAY,
        notices=notices,
        precision=fleet.precision,
        failure_rate=fleet.failure_rate if count is not None else None,
        checkpoint_time=fleet.checkpoint_time,
    )


MAX_SIZING_STEPS = 100


def _count_for(training_flop: float, fleet: Fleet, accelerator: Performance) -> tuple[int, float]:
    """(the count in whole units that finishes in `fleet.duration`, the exact count that would):
    with a failure rate the count raises the loss, so it grows until its goodput keeps up."""
    unit, exact = accelerator.scalable_unit, 0.0
    count = 0
    for _ in range(MAX_SIZING_STEPS):
        share = fleet.share(max(count, 1))
        if share <= 0:
            break
        exact = training_flop / (accelerator.effective_flops * share * fleet.duration)
        rounded = unit * math.ceil(exact / unit * (1 - 1e-12))
        if rounded <= count:
            return count, exact
        count = rounded
    raise InputError("duration", "days a fleet can finish in despite its failures (more accelerators fail more often)",
                     f"{fleet.duration / SECONDS_PER_DAY:g} days")


def basis_notice(run: TrainingRun, fleet: Fleet) -> list[str]:
    """A warning when the catalog's MFU (model FLOP, 6ND) meets compute counted another way."""
    if fleet.mfu is None and run.compute is None and run.flop_per_parameter_token != 6:
        return [
            f"{run.flop_per_parameter_token:g} FLOP per parameter-token with the catalog's MFU (a 6ND figure) "
            "counts recomputation twice; give an MFU on the same basis"
        ]
    return []

"""The accelerator catalog: specs of the accelerators a scenario may buy (data in accelerators.toml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from planner.errors import InputError
from planner.fields import Fraction, Month, Record, Text, Whole, quantity, read, read_toml

CATALOG_FILE = Path(__file__).parent / "data" / "accelerators.toml"


class Performance(Record):
    """What training on an accelerator needs of it: throughput, utilisation, power, unit of purchase.

    A training estimate needs only this; TPUs of published runs are described by it alone.
    """

    name: str
    peak_bf16: quantity("FLOP/s", low=0, low_open=True)
    mfu: Fraction
    it_power: quantity("W", low=0, low_open=True)
    scalable_unit: Whole = 1

    @property
    def effective_flops(self) -> float:
        """Model FLOP/s one accelerator sustains while training: peak dense BF16 x MFU."""
        return self.peak_bf16 * self.mfu


class Accelerator(Performance):
    """One accelerator type a plan may buy, all values in base units (FLOP/s, W, JPY)."""

    description: Text
    peak_fp8: quantity("FLOP/s", low=0, low_open=True) | None = None
    memory: quantity("GB", low=0, low_open=True) | None = None
    gpu_power: quantity("W", low=0, low_open=True)
    idle_fraction: quantity("dimensionless", low=0, high=1)
    capex: quantity("JPY", low=0, low_open=True)
    first_delivery: Month
    scalable_unit: Whole
    delivery_cap: quantity("1/month", low=0) | None = None


@cache
def catalog_entries(path: Path = CATALOG_FILE) -> dict[str, dict]:
    """The raw catalog tables by accelerator name (validated when a scenario uses them)."""
    return read_toml(path)


def catalog_performance(name: str, field: str = "accelerator", path: Path = CATALOG_FILE) -> Performance:
    """The performance figures of catalog accelerator `name` (prices need an exchange rate; this does not)."""
    entries = catalog_entries(path)
    if name not in entries:
        raise InputError(field, f"an accelerator of the catalog ({', '.join(entries)})", repr(name))
    known = {key: entries[name][key] for key in Performance.model_fields if key in entries[name]}
    return read(Performance, {**known, "name": name}, path, prefix=name)

"""The accelerator catalog: specs of the accelerators a scenario may buy (data in accelerators.toml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from planner.fields import Fraction, Month, Record, Text, Whole, quantity, read_toml

CATALOG_FILE = Path(__file__).parent / "data" / "accelerators.toml"


class Accelerator(Record):
    """One accelerator type, all values in base units (FLOP/s, W, JPY)."""

    name: str
    description: Text
    peak_bf16: quantity("FLOP/s", low=0, low_open=True)
    peak_fp8: quantity("FLOP/s", low=0, low_open=True) | None = None
    memory: quantity("GB", low=0, low_open=True) | None = None
    gpu_power: quantity("W", low=0, low_open=True)
    it_power: quantity("W", low=0, low_open=True)
    idle_fraction: quantity("dimensionless", low=0, high=1)
    capex: quantity("JPY", low=0, low_open=True)
    first_delivery: Month
    scalable_unit: Whole
    mfu: Fraction
    delivery_cap: quantity("1/month", low=0) | None = None

    @property
    def effective_flops(self) -> float:
        """Model FLOP/s one accelerator sustains: peak dense BF16 x MFU."""
        return self.peak_bf16 * self.mfu


@cache
def catalog_entries(path: Path = CATALOG_FILE) -> dict[str, dict]:
    """The raw catalog tables by accelerator name (validated when a scenario uses them)."""
    return read_toml(path)

"""The accelerator catalog: specs of the accelerators a scenario may buy (data in accelerators.toml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import model_validator

from planner.fields import Fraction, Month, Record, Text, Whole, quantity, read_toml

CATALOG_FILE = Path(__file__).parent / "data" / "accelerators.toml"


class Accelerator(Record):
    """One accelerator type, all values in base units (FLOP/s, W, JPY)."""

    # upper limits leave room for an "accelerator" that is a whole rack (NVL72: ~180 PFLOP/s, ~130 kW)
    name: str
    description: Text
    peak_bf16: quantity("FLOP/s", low=0, low_open=True, high="1e18 FLOP/s")
    peak_fp8: quantity("FLOP/s", low=0, low_open=True, high="1e18 FLOP/s") | None = None
    memory: quantity("GB", low=0, low_open=True, high="1e6 GB") | None = None
    gpu_power: quantity("W", low=0, low_open=True, high="1 MW")
    it_power: quantity("W", low=0, low_open=True, high="1 MW")
    idle_fraction: quantity("dimensionless", low=0, high=1)
    capex: quantity("JPY", low=0, low_open=True, high="1e11 JPY")
    first_delivery: Month
    scalable_unit: Whole
    mfu: Fraction
    delivery_cap: quantity("1/month", low=0, high="1e8 / month") | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if self.it_power < self.gpu_power:
            raise ValueError(
                f"expected it_power (all in: server, fabric, storage) at least gpu_power ({self.gpu_power:g} W), "
                f"found {self.it_power:g} W"
            )
        return self

    @property
    def effective_flops(self) -> float:
        """Model FLOP/s one accelerator sustains: peak dense BF16 x MFU."""
        return self.peak_bf16 * self.mfu


def catalog_entries(path: Path = CATALOG_FILE, field: str = "catalog") -> dict[str, dict]:
    """The raw catalog tables by accelerator name (validated when a scenario uses them). The
    shipped catalog is read once; a user's catalog every time, as it may have been edited."""
    return _shipped_catalog() if Path(path) == CATALOG_FILE else read_toml(path, field)


@cache
def _shipped_catalog() -> dict[str, dict]:
    return read_toml(CATALOG_FILE)

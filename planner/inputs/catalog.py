"""The accelerator catalog: specs of the accelerators a scenario may buy (data in accelerators.toml)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import model_validator

from planner.inputs import DATA
from planner.inputs.calendar import label
from planner.inputs.errors import InputError
from planner.inputs.fields import Fraction, Month, Record, Steps, Text, Whole, quantity, read, read_toml, stepped, whole_months

CATALOG_FILE = DATA / "accelerators.toml"

# Upper limits leave room for an "accelerator" that is a whole rack (NVL72: ~180 PFLOP/s, ~130 kW);
# lower ones for an old CPU, and keep a run's accelerator-seconds and energy finite.
MIN_FLOPS, MAX_FLOPS = "1e9 FLOP/s", "1e18 FLOP/s"
MIN_POWER, MAX_POWER = "1 W", "1 MW"
# Supply timing: a commissioning lag beyond two years, or an order three years ahead, is a typo
MAX_LAG_MONTHS, MAX_LEAD_MONTHS = 24, 36
# Price change per year: GPU price per FLOP has fallen ~30%/year at most (Epoch AI); a price
# halving or rising by half in a year is beyond any record
MIN_PRICE_CHANGE, MAX_PRICE_CHANGE = "-50 %/year", "50 %/year"


class Performance(Record):
    """What training on an accelerator needs of it: throughput, utilisation, power, unit of purchase.

    A training estimate needs only this; TPUs of published runs are described by it alone.
    """

    name: str
    peak_bf16: quantity("FLOP/s", MIN_FLOPS, high=MAX_FLOPS)
    mfu: Fraction
    it_power: quantity("W", MIN_POWER, high=MAX_POWER)
    scalable_unit: Whole = 1

    @property
    def effective_flops(self) -> float:
        """Model FLOP/s one accelerator sustains while training: peak dense BF16 x MFU."""
        return self.peak_bf16 * self.mfu


# estimate: FP8 training runs 1.3-1.5x faster end to end than BF16 on H100 (NVIDIA Transformer
# Engine and published FP8 runs), against a 2x dense peak: the BF16 MFU x 0.7 on the FP8 peak
DEFAULT_FP8_MFU_DERATE = 0.7


class Accelerator(Performance):
    """One accelerator type a plan may buy, all values in base units (FLOP/s, W, JPY)."""

    description: Text
    peak_fp8: quantity("FLOP/s", MIN_FLOPS, high=MAX_FLOPS) | None = None
    fp8_mfu_derate: Fraction = DEFAULT_FP8_MFU_DERATE
    memory: quantity("GB", low=0, low_open=True, high="1e6 GB") | None = None
    gpu_power: quantity("W", MIN_POWER, high=MAX_POWER)
    idle_fraction: quantity("dimensionless", low=0, high=1)
    capex: quantity("JPY", "1 JPY", high="1e11 JPY")  # below a yen, accelerators are free by a typo
    first_delivery: Month
    # the last month an order may be placed (None: orders stay open)
    last_order: Month | None = None
    scalable_unit: Whole
    # most deliveries a month, all sites together: one cap, or steps by fiscal year or month
    delivery_cap: stepped("1/month", low=0, high="1e8 / month") | None = None
    # months from delivery to first useful work (installation, burn-in, acceptance): on site and
    # drawing idle power meanwhile
    commissioning_lag: whole_months(MAX_LAG_MONTHS) = 0
    # months from order to delivery; capex is paid at order
    lead_time: whole_months(MAX_LEAD_MONTHS) = 0
    # the hardware price (`capex`) is quoted for `price_month` and changes by `price_change` a year
    price_change: quantity("1/year", MIN_PRICE_CHANGE, high=MAX_PRICE_CHANGE) = 0.0
    price_month: Month | None = None
    # tokens per second one accelerator serves (decode and prefill together); None: it does not serve
    serving_throughput: quantity("token/s", low=0, low_open=True, high="1e9 token/s") | None = None

    def training_flops(self, precision: str) -> float:
        """Model FLOP/s one accelerator sustains training at `precision`: BF16 peak x MFU, or the
        FP8 peak x MFU x the FP8 derate (0 for a type without an FP8 peak)."""
        if precision == "fp8":
            return (self.peak_fp8 or 0.0) * self.mfu * self.fp8_mfu_derate
        return self.effective_flops

    @model_validator(mode="after")
    def _consistent(self):
        if self.it_power < self.gpu_power:
            raise ValueError(
                f"expected it_power (all in: server, fabric, storage) at least gpu_power ({self.gpu_power:g} W), "
                f"found {self.it_power:g} W"
            )
        if self.price_change and self.price_month is None:
            raise ValueError("expected price_month (the month capex is quoted for) beside price_change, found none")
        first_order = self.first_delivery - self.lead_time
        if self.last_order is not None and self.last_order < first_order:
            raise ValueError(
                f"expected last_order on or after the first order month {label(first_order)} "
                f"(first_delivery less lead_time), found {label(self.last_order)}"
            )
        return self

    def price(self, months: pd.PeriodIndex) -> np.ndarray:
        """Hardware price (JPY) of a delivery in each of `months`: `capex` at `price_month`,
        compounding by `price_change` a year."""
        if not self.price_change:
            return np.full(len(months), self.capex)
        years = (months.asi8 - self.price_month.ordinal) / 12
        return self.capex * (1 + self.price_change) ** years

    def delivery_caps(self, months: pd.PeriodIndex) -> np.ndarray:
        """Most deliveries in each of `months` (inf: no cap; none ahead of a stepped cap's first step)."""
        if self.delivery_cap is None:
            return np.full(len(months), np.inf)
        if isinstance(self.delivery_cap, Steps):
            return self.delivery_cap.by_month(months)
        return np.full(len(months), self.delivery_cap)


def catalog_entries(path: Path = CATALOG_FILE, field: str = "catalog") -> dict[str, dict]:
    """The raw catalog tables by accelerator name (validated when a scenario uses them). The
    shipped catalog is read once; a user's catalog every time, as it may have been edited."""
    return _shipped_catalog() if Path(path) == CATALOG_FILE else read_toml(path, field)


@cache
def _shipped_catalog() -> dict[str, dict]:
    return read_toml(CATALOG_FILE)


_TAG = re.compile(r"#\s+\[([A-Z][A-Z0-9-]*)\]\s+(.*)")  # "#  [IDLE] estimate: an idle GPU draws ..."
TAG = re.compile(r"\[([A-Z][A-Z0-9-]*)\]")  # a tag as a source cites it: "estimate: [IDLE]"


@cache
def source_tags(path: Path = CATALOG_FILE) -> dict[str, str]:
    """The shared bases the catalog's sources cite by tag, from its header comments: a line
    "#  [TAG] text" and the more indented comment lines that continue it."""
    tags, current = {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break  # the header ends at the first line that is not a comment
        tag = _TAG.fullmatch(line)
        if tag:
            current = tag[1]
            tags[current] = tag[2].strip()
        elif current and line.startswith("#   "):
            tags[current] += " " + line.lstrip("# ").strip()
        else:
            current = None
    return tags


def catalog_entry(entries: dict, name: str, field: str, path, asked_in=None) -> dict:
    """The table for accelerator `name` in the catalog at `path`, or an InputError naming `field`
    (and `asked_in`, the file that asked for an accelerator the catalog lacks)."""
    if name not in entries:
        known = ", ".join(entries) or "which is empty"
        raise InputError(field, f"an accelerator of the catalog ({known})", repr(name), asked_in and str(asked_in))
    if not isinstance(entries[name], dict):
        raise InputError(field, "a table in the catalog", repr(entries[name]), str(path))
    return entries[name]


class Fp8(Record):
    """An accelerator's FP8 figures alone: read without prices, as estimates need no exchange rate."""

    peak_fp8: quantity("FLOP/s", MIN_FLOPS, high=MAX_FLOPS) | None = None
    fp8_mfu_derate: Fraction = DEFAULT_FP8_MFU_DERATE


def catalog_fp8(name: str, path: Path = CATALOG_FILE) -> Fp8:
    """Catalog accelerator `name`'s FP8 peak (None without one) and MFU derate."""
    entry = catalog_entry(catalog_entries(path), name, "accelerator", path)
    return read(Fp8, {key: entry[key] for key in Fp8.model_fields if key in entry}, path, prefix=name)


def catalog_performance(name: str, field: str = "accelerator", path: Path = CATALOG_FILE) -> Performance:
    """The performance figures of catalog accelerator `name` (prices need an exchange rate; this does not)."""
    entry = catalog_entry(catalog_entries(path), name, field, path)
    known = {key: entry[key] for key in Performance.model_fields if key in entry}
    return read(Performance, {**known, "name": name}, path, prefix=name)

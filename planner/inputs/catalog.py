"""The accelerator catalog: specs of the accelerators a scenario may buy (data in accelerators.toml)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pydantic import model_validator

from planner.inputs import DATA
from planner.inputs.errors import InputError
from planner.inputs.fields import Fraction, Month, Record, Text, Whole, quantity, read, read_toml

CATALOG_FILE = DATA / "accelerators.toml"

# Upper limits leave room for an "accelerator" that is a whole rack (NVL72: ~180 PFLOP/s, ~130 kW);
# lower ones for an old CPU, and keep a run's accelerator-seconds and energy finite.
MIN_FLOPS, MAX_FLOPS = "1e9 FLOP/s", "1e18 FLOP/s"
MIN_POWER, MAX_POWER = "1 W", "1 MW"


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
    scalable_unit: Whole
    delivery_cap: quantity("1/month", low=0, high="1e8 / month") | None = None
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
        return self


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

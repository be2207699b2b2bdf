"""Calibration: `planner estimate` against the published training runs of published_runs.toml.

`python -m planner.studies.calibration > docs/calibration.md` writes the page; the tests build it again
and compare, so the page cannot drift from the code or the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from planner.inputs import DATA
from planner.inputs.catalog import catalog_entries
from planner.inputs.fields import Count, Record, Text, quantity, read, read_toml
from planner.inputs.goodput import expected_interruptions
from planner.inputs.units import Q_, parse_quantity
from planner.inputs.workload import LLAMA3_FAILURE_RATE, MAX_FLOP, TrainingRun
from planner.results.words import scaled
from planner.studies.estimate import MAX_DURATION, MIN_DURATION, SECONDS_PER_DAY, Estimate, Fleet, estimate

RUNS_FILE = DATA / "published_runs.toml"


class Published(Record):
    """Figures a run's publishers reported, in base units (energy as they counted it)."""

    training_flop: quantity("FLOP", low=0, low_open=True, high=f"{MAX_FLOP:g} FLOP") | None = None
    accelerator_hours: Count | None = None
    days: quantity("s", MIN_DURATION, high=MAX_DURATION) | None = None
    energy: quantity("J", low=0, low_open=True, high="1e18 J") | None = None  # a third of Japan's yearly use
    co2: quantity("kg", low=0, low_open=True, high="1e10 kg") | None = None


class PublishedRun(Record):
    name: Text
    note: Text | None = None
    size: TrainingRun
    fleet: Fleet
    published: Published


# figure: (label, base unit, unit shown, its suffix in the table, the estimate's value in the base unit)
FIGURES = {
    "training_flop": ("training compute", "FLOP", "FLOP", " FLOP", lambda e: e.training_flop),
    "accelerator_hours": ("accelerator-hours", "dimensionless", "dimensionless", "", lambda e: e.accelerator_hours),
    "days": ("days", "s", "day", "", lambda e: e.days * SECONDS_PER_DAY),
    "energy": ("energy", "J", "MWh", " MWh", lambda e: e.facility_energy),
    "co2": ("CO2", "kg", "t", " t", lambda e: e.co2),
}


@dataclass(frozen=True)
class Comparison:
    """One published figure of one run beside the planner's estimates of it (base units)."""

    run: str
    figure: str
    published: float
    estimate: float
    catalog_estimate: float | None  # with the catalog's MFU on 6ND, where the accelerator is in it

    @property
    def error(self) -> float:
        return self.estimate / self.published - 1

    @property
    def catalog_error(self) -> float | None:
        return None if self.catalog_estimate is None else self.catalog_estimate / self.published - 1


@cache
def published_runs(path: Path = RUNS_FILE) -> tuple[tuple[PublishedRun, dict], ...]:
    """Each run validated, with its raw table (for the sources written beside the values)."""
    raw = read_toml(path)
    return tuple(
        (read(PublishedRun, table, path, prefix=f"runs[{i}]"), table) for i, table in enumerate(raw.get("runs", []))
    )


def estimate_run(run: PublishedRun) -> Estimate:
    """The planner's estimate from the run's own inputs."""
    return estimate(run.size.required_flop, run.fleet)


def estimate_with_catalog_mfu(run: PublishedRun) -> Estimate | None:
    """The estimate a planner gets from the catalog's MFU, which counts model FLOP as 6ND."""
    if run.fleet.accelerator not in catalog_entries():
        return None
    size = run.size if run.size.compute is not None else run.size.model_copy(update={"flop_per_parameter_token": 6.0})
    return estimate(size.required_flop, run.fleet.model_copy(update={"mfu": None}))


def comparisons() -> list[Comparison]:
    rows = []
    for run, _ in published_runs():
        own, catalog = estimate_run(run), estimate_with_catalog_mfu(run)
        for figure, (*_, value_of) in FIGURES.items():
            published = getattr(run.published, figure)
            if published is not None:
                rows.append(
                    Comparison(run.name, figure, published, value_of(own), None if catalog is None else value_of(catalog))
                )
    return rows


class PublishedInterruptions(Record):
    """Interruptions a run's publishers reported over a stretch of its training."""

    name: Text
    accelerator: Text
    count: Count
    days: quantity("s", MIN_DURATION, high=MAX_DURATION)
    published: Count
    what: Text


@cache
def published_interruptions(path: Path = RUNS_FILE) -> tuple[PublishedInterruptions, ...]:
    raw = read_toml(path)
    return tuple(read(PublishedInterruptions, table, path, prefix=f"interruptions[{i}]")
                 for i, table in enumerate(raw.get("interruptions", [])))


def predicted_interruptions(run: PublishedInterruptions) -> float:
    """The planner's figure: its default failure rate (Llama 3's) x accelerators x hours."""
    return expected_interruptions(run.count, run.days / 3600.0, parse_quantity(LLAMA3_FAILURE_RATE, "1/s", "failure_rate"))


def _interruptions_table() -> str:
    lines = ["| run | accelerators | days | published | planner | error |", "|---|---:|---:|---|---:|---:|"]
    for run in published_interruptions():
        predicted = predicted_interruptions(run)
        lines.append(f"| {run.name} | {run.count:,.0f} {run.accelerator} | {run.days / SECONDS_PER_DAY:g} "
                     f"| {run.published:,.0f} {run.what} | {predicted:,.1f} | {predicted / run.published - 1:+.0%} |")
    return "\n".join(lines)


def page() -> str:
    """docs/calibration.md."""
    return "\n".join([_INTRO, _inputs_table(), "", _FIGURES_INTRO, _figures_table(), "", _INTERRUPTIONS_INTRO,
                      _interruptions_table(), "", _SOURCES_INTRO, *_sources(), _READING])


_INTERRUPTIONS_INTRO = """## Interruptions against the failure rate

A run with a `failure_rate` expects rate x accelerators x hours interruptions, and loses to
them the checkpoints and restarts of the Young/Daly interval (docs/input-files.md). The rate,
1.97e-5 per accelerator-hour, is Llama 3's own count, so its row comes back by construction: it
checks the arithmetic and the units. OPT-175B is a test: its A100 cluster failed more often
than Llama 3's H100, and its published figure is a lower bound (at least 35 manual restarts,
while over 100 hosts were cycled), so the planner's rate is a best case for an older or
first-of-a-kind cluster.
"""


_INTRO = """# Calibration: `planner estimate` against published training runs

Generated by `python -m planner.studies.calibration > docs/calibration.md` from
`planner/data/published_runs.toml` (copied, with sources, from the reference notes on published
runs); `tests/test_estimate.py` builds it again and fails if this page differs. Do not edit it by hand.

The estimate counts compute as the plan does:

- training compute C = k x N_active x D (k = 6 for a dense transformer, 8 with full
  recomputation; a mixture of experts counts its active parameters), or C given;
- accelerator-hours = C / (peak x MFU x availability) / 3600, days = accelerator-hours / count / 24;
- IT energy = accelerator-hours x power per accelerator; facility energy = IT energy x PUE;
  CO2 = facility energy x grid intensity.

MFU and k share a basis: Megatron-LM and BLOOM report hardware FLOP/s counting recomputation,
so they run with k = 8 and that throughput as MFU. Availability is 1 where the published time is
itself step time (compute / (accelerators x measured throughput)), the published share where
there is one (Llama 3: more than 90%), and otherwise the planner's default of 0.9, so each row
shows how a plan would have fared.

## Runs and their inputs
"""

_FIGURES_INTRO = """## Estimates against the published figures

`estimate` uses the run's own inputs above. `catalog MFU` replaces the run's efficiency by the
catalog's default MFU for that accelerator (with k = 6, the catalog's basis), everything else
the same: it tests the defaults a plan uses. Error = estimate / published - 1.
"""

_SOURCES_INTRO = "## Where each input comes from\n"

_READING = """
## Reading the errors

- Runs whose published time is step time (GPT-3, Megatron-LM, Switch Transformer) come back
  within a fraction of a percent: their publishers did the same arithmetic.
- Whole-run figures (BLOOM, Llama 3.1, PaLM) depend on availability. BLOOM and Llama 3.1 land
  within a few percent at 0.9. PaLM does not: at its 46.2% MFU the steps fill about two thirds of
  its published chip-hours, so its CO2 comes out about a quarter low. A first-of-a-kind run on a
  new site should plan with less than 0.9.
- The catalog's MFU is a figure while training. It reproduces the Llama 3.1 run on H100 and
  Megatron-LM's benchmark on A100 (its source), but runs fast on GPT-3's V100 and on BLOOM's
  A100, whose measured throughput was below the catalog's basis: an estimate with the catalog's
  MFU is a best case for those two.
"""


def _inputs_table() -> str:
    lines = [
        "| run | size | training compute [FLOP] | accelerator (peak) | count | MFU | availability "
        "| power per accelerator | PUE | grid [kg/kWh] |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run, _ in published_runs():
        size, fleet, hardware = run.size, run.fleet, run.fleet.performance()
        grid = None if fleet.carbon_intensity is None else Q_(fleet.carbon_intensity, "kg/J").m_as("kg/kWh")
        if size.compute is None:
            described = f"{scaled(size.active, 4)} x {scaled(size.training_tokens, 4)} tokens x {size.flop_per_parameter_token:g}"
        else:
            described = "compute given"
        lines.append(
            f"| {run.name} | {described} | {size.required_flop:.3g} | {hardware.name} ({hardware.peak_bf16 / 1e12:g} TFLOP/s) "
            f"| {fleet.count:,} | {hardware.mfu:.1%} | {fleet.availability:g} | {hardware.it_power:g} W "
            f"| {_given(fleet.pue, 'g')} | {_given(grid, '.4g')} |"
        )
    return "\n".join(lines)


def _given(value: float | None, spec: str) -> str:
    """An input as the table shows it; "-" where the run gives none (its figures need none)."""
    return "-" if value is None else format(value, spec)


def _figures_table() -> str:
    lines = [
        "| run | figure | published | estimate | error | catalog MFU | error |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in comparisons():
        label, base, shown, suffix, _ = FIGURES[row.figure]
        published, own = (Q_(value, base).m_as(shown) for value in (row.published, row.estimate))
        catalog = "-" if row.catalog_estimate is None else _number(Q_(row.catalog_estimate, base).m_as(shown)) + suffix
        catalog_error = "-" if row.catalog_error is None else f"{row.catalog_error:+.1%}"
        lines.append(
            f"| {row.run} | {label} | {_number(published, 6)}{suffix} | {_number(own)}{suffix} | {row.error:+.1%} "
            f"| {catalog} | {catalog_error} |"
        )
    return "\n".join(lines)


def _sources() -> list[str]:
    lines = []
    for run, table in published_runs():
        lines.append(f"**{run.name}.** {run.note or ''}".rstrip())
        lines.append("")
        for part in ("size", "fleet", "published"):
            for field, value in table.get(part, {}).items():
                if isinstance(value, dict):
                    lines.append(f"- {part}.{field} = {value['value']}: {value.get('source', '')}")
        lines.append("")
    return lines


def _number(value: float, digits: int = 4) -> str:
    """`digits` significant figures, with thousands separators; powers of ten for the very large."""
    if abs(value) >= 1e10:
        return f"{value:.3g}"
    rounded = float(f"{value:.{digits}g}")
    return f"{rounded:,.0f}" if abs(rounded) >= 1000 else f"{rounded:g}"


if __name__ == "__main__":
    print(page(), end="")

"""`planner estimate`: command-line flags -> TrainingRun and Fleet -> estimate and sizes -> words or JSON.

Without --optimal: the run's size (or compute) on a fleet given by its count or its days;
with neither, what needs no fleet size: training FLOP, accelerator-hours and energy.
With --optimal: the compute-optimal model for --compute, or for what a fleet delivers in
--count accelerators x --days; with a fleet, also its time, energy and CO2.
"""

from __future__ import annotations

import json
import re

from planner.cli.exits import EXIT_PLAN
from planner.cli.terminal import say
from planner.inputs.errors import InputError
from planner.inputs.fields import read
from planner.inputs.workload import DEFAULT_AVAILABILITY, SIZE_FIELDS, TrainingRun
from planner.results.words import scaled
from planner.studies.estimate import Fleet, basis_notice, estimate
from planner.studies.sizing import BESIROGLU_2024, HOFFMANN_2022, compute_optimal

# flag: (field it fills, metavar, help, the unit a bare number is taken in)
SIZE_FLAGS = {
    "--params": ("parameters", "N", "total parameters, e.g. 1e12", None),
    "--active-params": ("active_parameters", "N", "parameters active per token, for a mixture of experts (default: all)", None),
    "--tokens": ("tokens", "D", "training tokens, e.g. 20e12", "token"),
    "--tokens-per-param": ("tokens_per_parameter", "R", "tokens per parameter instead of --tokens (default 20)", None),
    "--flop-per-param-token": ("flop_per_parameter_token", "K", "6 for a dense transformer (default), 8 with full recomputation", None),
    "--compute": ("compute", "C", "training compute in FLOP instead of the size, e.g. 1.2e26", "FLOP"),
}
FLEET_FLAGS = {
    "--accelerator": ("accelerator", "NAME", "accelerator type from the catalog, e.g. H100", None),
    "--peak-flops": ("peak_bf16", "F", "peak dense FLOP/s per accelerator, e.g. '275 TFLOP/s' (default: the catalog's)", None),
    "--mfu": ("mfu", "U", "model FLOP utilisation while training, above 0 and at most 1 (default: the catalog's)", None),
    "--count": ("count", "N", "accelerators in the fleet (or give --days; with neither, no days or MW)", None),
    "--days": ("duration", "T", "days the run may take: the count follows, in whole servers or racks (or give --count)", "day"),
    "--availability": ("availability", "A", f"share of wall time that makes progress (default {DEFAULT_AVAILABILITY:g}, as plans "
                       "assume; 1 for step time alone)", None),
    "--precision": ("precision", "P", "bf16 (default) or fp8: the catalog's FP8 peak at its MFU x FP8 derate", None),
    "--failure-rate": ("failure_rate", "L", "failures per accelerator-hour, e.g. 1.97e-5 (Llama 3): goodput at the fleet's "
                       "size replaces --availability", "/ hour"),
    "--checkpoint-time": ("checkpoint_time", "S", "seconds one checkpoint write takes (default 30, with --failure-rate)", "s"),
    "--restart-time": ("restart_time", "S", "seconds a restart after a failure takes (default 300, with --failure-rate)", "s"),
    "--power-per-accelerator": ("power", "W", "IT power per accelerator, e.g. '700 W' (default: the catalog's it_power)", None),
    "--pue": ("pue", "P", "power usage effectiveness of the facility (without it: IT energy and power only)", None),
    "--carbon-intensity": ("carbon_intensity", "I", "grid carbon intensity, e.g. '0.4 kg/kWh' (without it: no CO2)", None),
}
FLAGS = {**SIZE_FLAGS, **FLEET_FLAGS}
FLAG_OF = {field: flag for flag, (field, *_) in FLAGS.items()}
UNIT_OF = {field: unit for field, *_, unit in FLAGS.values()}
_BARE_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def add_arguments(parser) -> None:
    parser.description = __doc__
    for flag, (field, metavar, help_text, _) in FLAGS.items():
        parser.add_argument(flag, dest=field, metavar=metavar, help=help_text)
    parser.add_argument("--optimal", action="store_true",
                        help="compute-optimal parameters and tokens for --compute, or for --count accelerators x --days")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def command(args) -> int:
    result = run(vars(args))
    say(json.dumps(result, indent=2) if args.json else describe(result))
    return EXIT_PLAN


def run(values: dict) -> dict:
    """The estimate (and, with 'optimal', the compute-optimal sizes) for the flags' `values` by field."""
    given = {field: _with_unit(field, values[field]) for field in FLAG_OF if values.get(field) is not None}
    size = {field: text for field, text in given.items() if field in (*SIZE_FIELDS, "compute")}
    fleet_values = {field: text for field, text in given.items() if field not in size}
    if not values.get("optimal"):
        training, fleet = _read(TrainingRun, size), _read(Fleet, fleet_values)
        result = _estimate(training.required_flop, fleet, basis_notice(training, fleet))
        return {"training_flop_from": "compute" if training.compute else "size", **_size_summary(training), **result}
    fleet = _read(Fleet, fleet_values) if fleet_values else None
    sized = [FLAG_OF[field] for field in size if field != "compute"]
    if sized or (not size and (fleet is None or fleet.count is None or fleet.duration is None)):
        found = ", ".join(sized) if sized else "no --compute and no complete fleet"
        raise InputError("--optimal", "--compute, or --accelerator with --count and --days", found)
    if size:
        compute, source = _read(TrainingRun, size).required_flop, "compute"
        result = _estimate(compute, fleet) if fleet is not None else {}
    else:
        compute, source = _flags(fleet.compute), "fleet"
        result = _estimate(compute, fleet.model_copy(update={"duration": None}))
    sizes = [sizing.summary() for sizing in compute_optimal(compute)]
    return {"training_flop_from": source, "training_flop": compute, **result, "compute_optimal": sizes}


def _estimate(training_flop: float, fleet: Fleet, notices: list[str] = ()) -> dict:
    summary = _flags(estimate, training_flop, fleet).summary()
    summary["notices"] = [*notices, *_default_availability(fleet), *summary["notices"]]
    return summary


def _default_availability(fleet: Fleet) -> list[str]:
    if "availability" in fleet.model_fields_set or fleet.failure_rate is not None:
        return []
    return [f"availability {DEFAULT_AVAILABILITY:g} is the default, as plans assume; --availability 1 counts step time alone"]


def _size_summary(training: TrainingRun) -> dict:
    return {
        "parameters": training.parameters,
        "active_parameters": training.active,
        "tokens": training.training_tokens,
        "flop_per_parameter_token": None if training.compute is not None else training.flop_per_parameter_token,
    }


def _with_unit(field: str, text: str) -> str:
    """A bare number means the unit its flag names (--tokens 15e12 is tokens, --days 90 days)."""
    unit = UNIT_OF[field]
    return f"{text} {unit}" if unit and _BARE_NUMBER.match(text) else text


def _read(model, values: dict):
    return _flags(read, model, values, "command line")


def _flags(function, *args):
    """Call `function`; an InputError comes back naming flags, not fields (no file: it is the command line)."""
    try:
        return function(*args)
    except InputError as error:
        expected = re.sub(r"'(\w+)'", lambda m: FLAG_OF.get(m.group(1), m.group(0)), error.expected)
        raise InputError(FLAG_OF.get(error.field, error.field), expected, error.found) from None


def describe(result: dict) -> str:
    """The estimate in words, for the terminal."""
    lines = []
    if "count" in result:
        lines += _describe_run(result)
    if "compute_optimal" in result:
        lines += _describe_sizes(result)
    lines += [f"notice: {notice}" for notice in result.get("notices", [])]
    return "\n".join(lines)


def _describe_run(r: dict) -> list[str]:
    if r["training_flop_from"] == "size":
        size = (f"{r['flop_per_parameter_token']:g} x {scaled(r['active_parameters'])} active parameters "
                f"x {scaled(r['tokens'])} tokens")
    else:
        size = {"compute": "as given", "fleet": "what this fleet delivers in the days given"}[r["training_flop_from"]]
    sustained = r["peak_flops"] * r["mfu"] * r["availability"]
    fleet = r["accelerator"] if r["count"] is None else f"{r['count']:,} {r['accelerator']}"
    share = "availability" if r["goodput"] is None else "goodput at this size"
    failures = [] if r["interruptions"] is None else [
        f"expects {r['interruptions']:,.0f} interruptions; checkpoint every {r['checkpoint_interval_s'] / 60:,.1f} min (Young/Daly)"]
    return [
        f"training compute {r['training_flop']:.3g} FLOP ({size})",
        f"on {fleet} in {r['precision'].upper()}: {r['peak_flops'] / 1e12:,.0f} TFLOP/s peak x MFU {r['mfu']:.3g} "
        f"x {share} {r['availability']:.3g} = {sustained / 1e12:,.1f} TFLOP/s each",
        _time(r),
        *failures,
        *_energy(r),
    ]


def _time(r: dict) -> str:
    hours = f"{scaled(r['accelerator_hours'])} accelerator-hours"
    if r["count"] is None:
        return f"takes {hours}; days and MW not asked for (give --count or --days)"
    power = f"{r['it_mw']:,.2f} MW IT ({r['count']:,} x {r['power_per_accelerator_w']:,.0f} W)"
    if r["pue"] is not None:
        power += f", {r['facility_mw']:,.2f} MW facility"
    return f"takes {r['days']:,.1f} days, {hours}; draws {power}"


def _energy(r: dict) -> list[str]:
    """Energy per accelerator-hour and in all, then CO2; each part not asked for is said to be so."""
    per_hour = f"{r['it_kwh_per_accelerator_hour']:.3g} kWh IT"
    total = f"{r['it_energy_mwh']:,.0f} MWh IT"
    if r["pue"] is None:
        per_hour += " (PUE not asked for: give --pue for the facility)"
    else:
        per_hour += f" x PUE {r['pue']:.3g} = {r['it_kwh_per_accelerator_hour'] * r['pue']:.3g} kWh facility"
        total += f", {r['facility_energy_mwh']:,.0f} MWh facility"
    if r["carbon_intensity_kg_per_kwh"] is None:
        co2 = "CO2 not asked for (give --carbon-intensity)"
    else:
        basis = "" if r["pue"] is not None else " on IT energy alone"
        co2 = f"CO2 {r['co2_t']:,.1f} t at {r['carbon_intensity_kg_per_kwh']:.3g} kg/kWh{basis}"
    return [f"energy per accelerator-hour {per_hour}", f"energy {total}; {co2}"]


def _describe_sizes(r: dict) -> list[str]:
    fleet = f" ({r['count']:,} {r['accelerator']} for {r['days']:,.1f} days)" if r.get("count") is not None else ""
    lines = [
        f"compute-optimal model for {r['training_flop']:.3g} FLOP{fleet}:",
        f"  {'method':<38}{'parameters':>12}{'tokens':>12}{'tokens/param':>14}"
        f"{'loss (Hoffmann)':>17}{'loss (Besiroglu)':>18}",
    ]
    for s in r["compute_optimal"]:
        loss = s["predicted_loss"]
        lines.append(
            f"  {s['label']:<38}{scaled(s['parameters']):>12}{scaled(s['tokens']):>12}{s['tokens_per_parameter']:>14.1f}"
            f"{loss[HOFFMANN_2022.key]:>17.4f}{loss[BESIROGLU_2024.key]:>18.4f}"
        )
    lines.append(
        "  Hoffmann et al.'s published (rounded) fit disagrees with their own ~20 tokens per parameter; "
        "Besiroglu et al. 2024 refit the same data and agree with it"
    )
    return lines


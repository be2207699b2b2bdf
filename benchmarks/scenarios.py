"""The shipped default scenario, stretched to show how the model grows with months and types, and
programme scenarios of chosen size written as scenario files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import tomli_w

from planner import load_scenario
from planner.inputs.calendar import fiscal_year, label
from planner.inputs.catalog import catalog_entries
from planner.inputs.scenario import DEFAULT_SCENARIO, Scenario, build

RUN_SIZE = ("parameters", "active_parameters", "tokens", "tokens_per_parameter", "flop_per_parameter_token")
FLOP_PER_TRAINING_MONTH = 5e25  # keeps the fleet growing with the window, so grid and supply limits bind
BUDGET_JPY = 1e13


def stretched(training_months: int) -> Scenario:
    """The default's 1T run alone (no serving, one budget) with every catalog accelerator and a
    training window of `training_months` from April 2027, training FLOP_PER_TRAINING_MONTH per
    month of the window (the run's size in parameters and tokens gives way to that compute)."""
    document = load_scenario().document()
    run = document.pop("runs")["1T"]
    document.pop("inference", None)
    document["workload"] = {**run, "earliest_start": "2027-04", "after": None}
    document["budget"] = {"total": document["budget"]["total"]}
    document["accelerators"] = {name: dict(entry) for name, entry in catalog_entries().items()} | document[
        "accelerators"
    ]
    deadline = pd.Period(document["workload"]["earliest_start"], "M") + training_months - 1
    horizon_end = pd.Period(document["horizon"]["end"], "M")
    document["horizon"]["end"] = label(max(deadline, horizon_end))
    document["workload"] = {
        **{key: value for key, value in document["workload"].items() if key not in (*RUN_SIZE, "after")},
        "compute": f"{FLOP_PER_TRAINING_MONTH * training_months:g} FLOP",
        "deadline": label(deadline),
        # free to mix types at no loss and to split at no cost: the optimum of the raw LP copy,
        # which has no binary choice of type or site (issue 15)
        "mix": True, "mix_efficiency": 1.0, "cross_site_efficiency": 1.0,
    }
    document["budget"]["total"] = f"{BUDGET_JPY:g} JPY"
    return build(document, DEFAULT_SCENARIO)


SERVING = {"H100": "2000 token/s", "H200": "3000 token/s", "B200": "6000 token/s"}  # estimate: benchmark figures only
RUN_COMPUTE = "1e26 FLOP"
RUN_MONTHS = 3
YEARLY_MONEY_PER_RUN = 2e11  # JPY a fiscal year per run a year
# (sites, years, runs, serving streams) giving about 5k, 70k and 300k columns
PROGRAMMES = {"5k": (2, 5, 3, 1), "70k": (6, 10, 7, 3), "300k": (11, 12, 14, 4)}


def programme_file(folder: Path, sites: int, years: int, runs: int, streams: int) -> Path:
    """A programme scenario written as a TOML file in `folder`: the default with every catalog
    accelerator, `sites` copies of its two sites, a horizon of `years` from April 2026, `runs`
    training runs of RUN_COMPUTE in RUN_MONTHS-month windows spread over the years after the
    first, `streams` serving streams of 1e6 token/s starting six months apart, and money by fiscal year."""
    document = load_scenario().document()
    document["accelerators"] = {name: dict(entry) for name, entry in catalog_entries().items()} | document[
        "accelerators"
    ]
    for name, throughput in SERVING.items():
        document["accelerators"][name]["serving_throughput"] = throughput
    shipped = [site for name, site in document["sites"].items() if name != "Existing"]  # the two new sites
    document["sites"] = {f"Site{i + 1}": dict(shipped[i % len(shipped)]) for i in range(sites)}
    start = pd.Period(document["horizon"]["start"], "M")
    end = start + 12 * years - 1
    document["horizon"]["end"] = label(end)
    # each run as the default's 1T run on any type, free to mix types and to split at no loss:
    # the raw and linopy copies have no binary choice of type or site (issue 15)
    skip = (*RUN_SIZE, "name", "after", "accelerators")
    workload = {key: value for key, value in document.pop("runs")["1T"].items() if key not in skip}
    workload |= {"mix": True, "mix_efficiency": 1.0, "cross_site_efficiency": 1.0}
    span = 12 * (years - 1)
    document["runs"] = {}
    for r in range(runs):
        first = start + 12 + (r * span) // runs
        document["runs"][f"run{r + 1}"] = {**workload, "compute": RUN_COMPUTE, "earliest_start": label(first),
                                           "deadline": label(min(first + RUN_MONTHS - 1, end))}
    document["inference"] = {
        f"stream{k + 1}": {"start": label(start + 12 + 6 * k), "demand": "1e6 token/s", "accelerators": list(SERVING)}
        for k in range(streams)
    }
    # money arrives by fiscal year (as in the default), enough for the runs but binding in some years
    yearly = f"{YEARLY_MONEY_PER_RUN * runs / (years - 1):g} JPY"
    first_year = fiscal_year(start)
    document["budget"] = {"total": f"{BUDGET_JPY * 10:g} JPY", "carry_over": True,
                          "fiscal_years": {f"FY{first_year + i}": yearly for i in range(years)}}
    document["solver"]["time_limit"] = "1200 s"  # the largest takes minutes on a shared machine
    path = folder / "programme.toml"
    path.write_bytes(tomli_w.dumps(document).encode())
    return path

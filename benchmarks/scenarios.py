"""The shipped default scenario, stretched to show how the model grows with months and types."""

from __future__ import annotations

import pandas as pd

from planner import load_scenario
from planner.inputs.calendar import label
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
    }
    document["budget"]["total"] = f"{BUDGET_JPY:g} JPY"
    return build(document, DEFAULT_SCENARIO)

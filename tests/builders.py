"""Small scenarios built in code, for hand-computed tests."""

from __future__ import annotations

from pathlib import Path

from planner.inputs.scenario import build, edit, load_scenario
from planner.results.plan import make_plan
from planner.results.verify import verify

ONE_SITE = {
    "name": "one site, one accelerator",
    "exchange_rate": "150 JPY/USD",
    "horizon": {"start": "2027-01", "end": "2028-12"},
    "workload": {
        "compute": "1e24 FLOP",
        "availability": 1.0,
        "earliest_start": "2027-01",
        "deadline": "2027-12",
    },
    "budget": {"total": "1e15 JPY"},
    # the money spent, undiscounted: the limits' hand-computed tests price capex at delivery in
    # full; tests/test_programme.py works the economic views out by hand
    "economics": {"view": "cash"},
    "sites": {
        "Alpha": {
            "description": "test site",
            "opening": "2027-01",
            "grid_phases": [{"start": "2027-01", "grid_import": "1000 MW", "it_capacity": "1000 MW"}],
            "pue": "1.2",
            "electricity_price": "20 JPY/kWh",
            "carbon_intensity": "0.5 kg/kWh",
        }
    },
    "accelerators": {
        "X1": {
            "description": "test accelerator",
            "peak_bf16": "1000 TFLOP/s",
            "gpu_power": "700 W",
            "it_power": "1000 W",
            "idle_fraction": 0.25,
            "capex": "1e7 JPY",
            "first_delivery": "2020-01",
            "scalable_unit": 8,
            "mfu": 0.5,
        }
    },
}


def scenario(changes: dict | None = None, base: dict = ONE_SITE):
    """A Scenario from `base` with `changes` applied ({"workload.deadline": "2027-06", ...})."""
    return build(edit(base, changes or {}), "test scenario")


def default_with(changes: dict | None = None):
    """The shipped default Scenario with `changes` applied to its resolved document."""
    return build(edit(load_scenario().document(), changes or {}), "default scenario with changes")


OLD_DEFAULT = Path(__file__).parent / "old_default.toml"


def old_default_with(changes: dict | None = None):
    """The former shipped default (one [workload], a 1T run from April to August 2027) with `changes`:
    for single-run mechanics that the programme default, with its runs, no longer spells."""
    return build(edit(load_scenario(OLD_DEFAULT).document(), changes or {}), "former default with changes")


def programme(changes: dict | None = None):
    """ONE_SITE valued as a programme (the residual view, the default), from `changes`."""
    return scenario({"economics": {}, **(changes or {})})


def planned(s):
    """The plan of `s`, which must have one, checked by verify."""
    plan = make_plan(s)
    assert plan.feasible, plan.message
    assert verify(plan) == []
    return plan

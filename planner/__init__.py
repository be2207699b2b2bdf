"""Capacity planner for sovereign AI data centers.

files -> Scenario -> LP -> Plan -> views (screen, workbook, command line).
"""

from importlib import import_module

# Each public name loads its module on first use (PEP 562), so importing any planner module
# (planner.inputs.scenario for `planner validate`) does not also import PuLP and HiGHS.
_HOMES = {
    "DEFAULT_SCENARIO": "planner.inputs.scenario",
    "InputError": "planner.inputs.errors",
    "Plan": "planner.results.plan",
    "Scenario": "planner.inputs.scenario",
    "load_scenario": "planner.inputs.scenario",
    "make_plan": "planner.results.plan",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value  # found once; later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])

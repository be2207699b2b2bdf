"""Capacity planner for sovereign AI data centers.

files -> Scenario -> LP -> Plan -> views (screen, workbook, command line).
"""

from planner.inputs.errors import InputError
from planner.inputs.scenario import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.results.plan import Plan, make_plan

__all__ = ["DEFAULT_SCENARIO", "InputError", "Plan", "Scenario", "load_scenario", "make_plan"]

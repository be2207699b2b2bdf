"""Capacity planner for sovereign AI data centers.

files -> Scenario -> LP -> Plan -> views (screen, workbook, command line).
"""

from planner.errors import InputError
from planner.plan import Plan, make_plan
from planner.scenario import DEFAULT_SCENARIO, Scenario, load_scenario

__all__ = ["DEFAULT_SCENARIO", "InputError", "Plan", "Scenario", "load_scenario", "make_plan"]

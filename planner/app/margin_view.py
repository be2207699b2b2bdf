"""The knife edge in the app, as plain data: for each lever (availability, MFU, deliveries,
money), the smallest single change that leaves the scenario without a plan
(planner.studies.margin). Each lever takes several least-cost solves, so the app computes
the table when asked, not on every edit."""

from __future__ import annotations

import pandas as pd

from planner.inputs.scenario import Scenario
from planner.studies.margin import LEVERS, margins

CAPTION = (
    "How far each lever may move, on its own, before the scenario has no plan: availability of every "
    "run, MFU of every type, every delivery cap and all money scaled down together (to half a "
    "percentage point, by bisection on the least-cost plan)."
)


def margin_table(scenario: Scenario) -> pd.DataFrame:
    """One row a lever: its name, the fields it moves, and the smallest change with no plan."""
    return pd.DataFrame(
        [{"Lever": m.lever.name, "Fields": ", ".join(m.paths) or ", ".join(m.lever.fields),
          "Smallest change with no plan": m.describe()} for m in margins(scenario, LEVERS)]
    )

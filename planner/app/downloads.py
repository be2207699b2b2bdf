"""Files to take a plan to the meeting: the planning workbook, the plan's tables as CSV, and
the scenario that made it.

Each entry of DOWNLOADS is one button in the app: a label, a file-name suffix, a media type
and the function that writes the bytes. A new file type is one more entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from planner.app.documents import scenario_toml
from planner.exchange.export import csv_zip_bytes, workbook_bytes
from planner.results.plan import Plan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Download:
    label: str
    suffix: str
    mime: str
    write: Callable[[Plan], bytes]

    def file_name(self, plan: Plan) -> str:
        """The scenario's name made safe for a file name, with this download's suffix."""
        return file_stem(plan.scenario.name) + self.suffix


def file_stem(name: str) -> str:
    """A scenario's name as the start of a file name: letters, digits and dashes."""
    return re.sub(r"[^A-Za-z0-9]+", "-", name).lower()[:80].strip("-") or "plan"


def scenario_file(plan: Plan) -> bytes:
    return scenario_toml(plan.scenario.document()).encode("utf-8")


DOWNLOADS = (
    Download("Planning workbook (xlsx)", "-plan.xlsx", XLSX, workbook_bytes),
    Download("Plan tables (CSV, zip)", "-tables.zip", "application/zip", csv_zip_bytes),
    Download("Scenario (TOML)", "-scenario.toml", "application/toml", scenario_file),
)

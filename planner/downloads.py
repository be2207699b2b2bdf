"""Files to take a plan to the meeting: the scenario that made it and the plan's tables.

Each entry of DOWNLOADS is one button in the app: a label, a file-name suffix, a media type
and the function that writes the bytes. A new file type is one more entry.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Callable

from planner.documents import scenario_toml
from planner.plan import Plan

TABLES = ("fleet", "power", "energy", "costs", "compute", "binding", "relaxations")


@dataclass(frozen=True)
class Download:
    label: str
    suffix: str
    mime: str
    write: Callable[[Plan], bytes]

    def file_name(self, plan: Plan) -> str:
        """The scenario's name made safe for a file name, with this download's suffix."""
        stem = re.sub(r"[^A-Za-z0-9]+", "-", plan.scenario.name).lower()[:80].strip("-") or "plan"
        return stem + self.suffix


def tables_zip(plan: Plan) -> bytes:
    """Every tidy table of the plan as CSV, and the headline numbers as JSON, in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in TABLES:
            archive.writestr(f"{name}.csv", getattr(plan, name).to_csv(index=False))
        archive.writestr("summary.json", json.dumps(plan.summary(), indent=2))
    return buffer.getvalue()


def scenario_file(plan: Plan) -> bytes:
    return scenario_toml(plan.scenario.document()).encode("utf-8")


DOWNLOADS = (
    Download("Plan tables (CSV, zip)", "-tables.zip", "application/zip", tables_zip),
    Download("Scenario (TOML)", "-scenario.toml", "application/toml", scenario_file),
)

"""The workloads as two tables the app edits: training runs ([runs.NAME], or a file's single
[workload]) and serving streams ([inference.NAME]). Rows may be added, removed and edited;
what a user enters becomes `Edit`s of the scenario document, judged by the scenario's own
validation (planner.app.edits), so a bad value is a message beside the table, never a crash.
Nothing here knows Streamlit.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pandas as pd

from planner.app.documents import FieldPath, display, typed
from planner.app.edits import Edit
from planner.app.forms import cell_text
from planner.inputs.errors import InputError
from planner.inputs.workload import Workload

RUN, STREAM = "Run", "Stream"
LIST_KEYS = ("accelerators",)  # cells holding a list: names separated by commas


@dataclass(frozen=True)
class WorkloadTable:
    """A group of named workloads as a table: one row per entry, `columns` (label -> field)."""

    group: str
    name: str  # the label of the name column
    columns: dict[str, str]
    help: dict[str, str]

    def entries(self, document: dict) -> dict[str, dict]:
        return dict(document.get(self.group) or {})

    def path(self, document: dict, name: str) -> FieldPath:
        """Where the entry `name` is in the document."""
        return (self.group, name)

    def frame(self, document: dict) -> pd.DataFrame:
        rows = [{self.name: name, **{label: shown(entry.get(key), key) for label, key in self.columns.items()}}
                for name, entry in self.entries(document).items()]
        return pd.DataFrame(rows, columns=[self.name, *self.columns])

    def edits(self, document: dict, table: pd.DataFrame) -> list[Edit]:
        """Per row that differs from `document`: its cells set, the row added, or removed."""
        rows, problem = self.rows(table)
        return [problem] if problem else self.changes(document, rows)

    def rows(self, table: pd.DataFrame) -> tuple[pd.DataFrame, Edit | None]:
        """The table's non-blank rows as text, or an Edit saying why they name no workloads."""
        rows = table.map(cell_text)
        rows = rows[(rows != "").any(axis=1)]
        names = rows[self.name].tolist()
        if "" in names or len(set(names)) != len(names):
            twice = sorted({name for name in names if names.count(name) > 1})
            found = f"{', '.join(twice)} given twice" if twice else f"a row without a {self.name.lower()} name"
            return rows, Edit(self.group, (), InputError(self.group, f"each {self.name.lower()} once, by a name", found))
        return rows, None

    def changes(self, document: dict, rows: pd.DataFrame) -> list[Edit]:
        old, names = self.entries(document), set(rows[self.name])
        edits = [Edit(f"{self.group}:{name}", ((self.path(document, name), None),)) for name in old if name not in names]
        for _, row in rows.iterrows():
            name = row[self.name]
            if name not in old:
                edits.append(Edit(f"{self.group}:{name}", ((self.path(document, name), self.added(row)),)))
                continue
            where = self.path(document, name)
            changes = tuple(((*where, key), entered(row[label], key)) for label, key in self.columns.items()
                            if row[label] != shown(old[name].get(key), key))
            if changes:
                edits.append(Edit(f"{self.group}:{name}", changes))
        return edits

    def added(self, row: pd.Series, base: dict | None = None) -> dict:
        """An entry from a row's cells, over `base` (its other fields, kept)."""
        entry = copy.deepcopy(base) if base is not None else {}
        for label, key in self.columns.items():
            value = entered(row[label], key)
            if value is None:
                entry.pop(key, None)
            elif base is None or row[label] != shown(base.get(key), key):
                entry[key] = value
        return entry


class RunTable(WorkloadTable):
    """Training runs: [runs.NAME] tables, or a file's one [workload] under its name. A
    [workload] file keeps its form while the table holds that one run by that name; another
    row, a removal or a new name turns it into [runs.NAME] tables, in one edit that applies whole."""

    def entries(self, document: dict) -> dict[str, dict]:
        workload = document.get("workload")
        if workload is None:
            return super().entries(document)
        return {workload.get("name", Workload.model_fields["name"].default): workload}

    def path(self, document: dict, name: str) -> FieldPath:
        return ("workload",) if document.get("workload") is not None else super().path(document, name)

    def edits(self, document: dict, table: pd.DataFrame) -> list[Edit]:
        rows, problem = self.rows(table)
        if problem or document.get("workload") is None or list(rows[self.name]) == list(self.entries(document)):
            return [problem] if problem else self.changes(document, rows)
        old = self.entries(document)
        runs = {}
        for _, row in rows.iterrows():
            base = old.get(row[self.name])
            runs[row[self.name]] = self.added(row, {k: v for k, v in base.items() if k != "name"} if base else None)
        return [Edit(self.group, ((("workload",), None), (("runs",), runs)))]


def shown(value, key: str) -> str:
    """A cell's text: lists as names separated by commas, demand steps as 'FY2027=...; FY2028=...'."""
    if key in LIST_KEYS and isinstance(value, list):
        return ", ".join(map(str, value))
    if key == "demand" and isinstance(value, dict) and ({"by_month", "by_fiscal_year"} & set(value)):
        steps = value.get("by_fiscal_year", value.get("by_month"))
        if isinstance(steps, dict):
            return "; ".join(f"{step}={display(rate)}" for step, rate in steps.items())
    return display(value)


def entered(text: str, key: str):
    """A cell as a document value (None when blank): a list for list cells, demand steps as a
    table by fiscal year or month (the scenario judges the names and rates)."""
    if not text:
        return None
    if key in LIST_KEYS:
        return [part.strip() for part in text.split(",")]
    if key == "demand" and "=" in text:
        steps = dict(step.partition("=")[::2] for step in text.split(";") if step.strip())
        steps = {step.strip(): typed(rate) for step, rate in steps.items()}
        by = "by_fiscal_year" if all(step.startswith("FY") for step in steps) else "by_month"
        return {by: steps}
    return typed(text)


RUNS = RunTable(
    group="runs",
    name=RUN,
    columns={
        "Parameters": "parameters",
        "Active parameters": "active_parameters",
        "Tokens per parameter": "tokens_per_parameter",
        "Tokens": "tokens",
        "Compute": "compute",
        "Availability": "availability",
        "Earliest start": "earliest_start",
        "Deadline": "deadline",
        "After": "after",
        "Accelerators": "accelerators",
    },
    help={
        "Parameters": "Total parameters, e.g. 1e12; or give Compute instead",
        "Compute": "Training compute, e.g. 1.2e26 FLOP, instead of the size",
        "Availability": "Share of wall time the run makes progress, e.g. 0.9",
        "Earliest start": "First month it may train, YYYY-MM",
        "Deadline": "It must finish by the end of this month, YYYY-MM",
        "After": "A run that must finish before this one starts (blank: none)",
        "Accelerators": "Types it may train on, separated by commas (blank: every type)",
    },
)

STREAMS = WorkloadTable(
    group="inference",
    name=STREAM,
    columns={"Start": "start", "Demand": "demand", "Accelerators": "accelerators"},
    help={
        "Start": "First month it is served, YYYY-MM",
        "Demand": "Tokens per second, e.g. 3e6 token/s, or steps: FY2027=1e6 token/s; FY2028=2e6 token/s",
        "Accelerators": "Types that may serve it, separated by commas (blank: every type with a serving throughput)",
    },
)


def with_runs_converted(edits: list[Edit]) -> list[Edit]:
    """`edits`, where the runs table turns a [workload] into [runs.NAME] tables, with every
    other edit of the [workload]'s fields set aside with a message: once the table holds runs
    by name, their fields are edited there (written into the removed [workload], they would be lost)."""
    converts = any(path == ("workload",) and value is None for edit in edits for path, value in edit.changes)
    if not converts:
        return edits
    moot = InputError("", "this run's fields edited in the Workloads table, which now holds the runs by name",
                      "an edit of the single [workload]")
    return [Edit(edit.input, (), moot) if edit.input != RUNS.group and any(path[0] == "workload" for path, _ in edit.changes)
            else edit for edit in edits]

"""Edits to a scenario document, each checked exactly as a scenario file is.

The app never makes a Scenario any other way: it takes the resolved document of the loaded
file (`Scenario.document()`), writes the user's edits into it and `build()`s the result, so
an edited value passes the same validation, with the same messages, as one in a file. An edit
that fails is set aside with its InputError while the others still apply: one bad value never
hides the effect of the rest, and the screen says which input was not used and why.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from planner.app.documents import FieldPath, display, value_at
from planner.inputs.errors import InputError
from planner.inputs.scenario import Scenario, build


@dataclass(frozen=True)
class Edit:
    """What one input changes: values to set at document paths (None deletes the entry).

    `input` names the input (a field path, or a table and row) so a failure can be shown
    beside it. `problem` is set when the input cannot even be written into a document
    (a table row without a site, a fiscal year given twice).
    """

    input: str
    changes: tuple[tuple[FieldPath, Any], ...]
    problem: InputError | None = None


@dataclass
class Edited:
    """The edited document, its Scenario, and the edits set aside (input -> why)."""

    document: dict
    scenario: Scenario
    rejected: dict[str, InputError] = field(default_factory=dict)


def apply_edits(base: Scenario, edits: list[Edit], origin: str) -> Edited:
    """`base` with every edit that validates; `origin` names the document in error messages.

    All edits are tried together first (the usual case: one build). If that fails, edits are
    added one at a time, repeating while any is accepted, so edits that are only valid together
    (an earlier deadline and an earlier start) still both apply whatever their order.
    """
    rejected = {edit.input: edit.problem for edit in edits if edit.problem is not None}
    pending = [edit for edit in edits if edit.problem is None]
    document = base.document()
    if not pending:
        return Edited(document, base, rejected)
    try:
        together = with_edits(document, pending)
        return Edited(together, build(together, origin), rejected)
    except InputError:
        pass
    scenario, accepted = base, True
    while pending and accepted:
        accepted = False
        for edit in list(pending):
            candidate = with_edits(document, [edit])
            try:
                scenario = build(candidate, origin)
            except InputError as error:
                rejected[edit.input] = error
                continue
            document = candidate
            pending.remove(edit)
            rejected.pop(edit.input, None)
            accepted = True
    return Edited(document, scenario, rejected)


def with_edits(document: dict, edits: list[Edit]) -> dict:
    """A copy of `document` with the edits written in (not validated). A change under an entry
    that is not there (a cell of a site switched off) is moot and left out."""
    result = copy.deepcopy(document)
    for edit in edits:
        for path, value in edit.changes:
            *parents, last = path
            table = value_at(result, tuple(parents))
            if not isinstance(table, dict):
                continue
            if value is None:
                table.pop(last, None)
            else:
                table[last] = with_provenance(table.get(last), value)
    return result


def with_provenance(old, new):
    """A value set in the app keeps a trace of the value it replaced and that value's source,
    so a scenario saved from the app still says where every number came from."""
    source = old.get("source") if isinstance(old, dict) else None
    if source is None:
        return new
    note = f"set in the planner app, replacing {display(old)} ({source})"
    return {**new, "source": note} if isinstance(new, dict) else {"value": new, "source": note}

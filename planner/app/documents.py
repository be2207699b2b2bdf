"""Scenario documents as data: a canonical text to key caches, TOML out, an uploaded file in.

A document is the resolved scenario dict (`Scenario.document()`): profiles and catalog entries
inlined, every value as written with its source. Written out as TOML it is a self-contained
scenario file that `planner plan` reads back to the same plan.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import tomli_w

from planner.inputs.errors import InputError
from planner.inputs.fields import MAX_INPUT_BYTES, parse_toml
from planner.inputs.scenario import Scenario, build, resolve

FieldPath = tuple[str, ...]  # keys from the document root, e.g. ("budget", "total")


def canonical(document: dict) -> str:
    """One text per content: documents that differ only in key order give the same text."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)


def scenario_toml(document: dict) -> str:
    """The document as a scenario file."""
    return tomli_w.dumps(document)


ZIP = b"PK\x03\x04"  # how every .xlsx file begins: it is a zip archive
MAX_NAME = 100  # characters of an uploaded file's name kept for messages


def upload_name(name: str) -> str:
    """An uploaded file's name as messages show it: its last part only (never a path on this
    server), control characters made visible, at most MAX_NAME characters."""
    base = Path(str(name)).name
    visible = "".join("?" if unicodedata.category(c).startswith("C") else c for c in base)
    return visible[:MAX_NAME] or "uploaded file"


def read_upload(data: bytes, name: str) -> Scenario:
    """An uploaded scenario, resolved and validated, or an InputError naming the file.

    What the file holds decides how it is read, not its name: a planning workbook (.xlsx, a zip
    archive) by its Inputs sheet, anything else as a scenario file in TOML. The size is checked
    here too, whatever limit the browser applied. An upload has no folder of its own, so it may
    name shipped site profiles only (by name, or by a path into site_profiles/ from the app's
    working directory), never other files on the server.
    """
    from planner.exchange.workbook_import import scenario_from_workbook  # openpyxl loads only for a workbook

    shown = upload_name(name)
    if len(data) > MAX_INPUT_BYTES:
        raise InputError("", f"a file of at most {MAX_INPUT_BYTES} bytes", f"{len(data):,} bytes", shown)
    if data.startswith(ZIP):
        return scenario_from_workbook(data, shown)
    path = Path(shown)
    return build(resolve(parse_toml(data, path), path, own_folder=False), path)


def value_at(document: dict, path: FieldPath):
    """The value at `path`, or None where the document has none."""
    node = document
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def display(value) -> str:
    """A document value as it reads in an input box; `typed()` turns the text back."""
    if value is None:
        return ""
    if isinstance(value, dict) and "value" in value:
        return display(value["value"])
    if isinstance(value, dict) and isinstance(value.get("by_month"), list):
        months = ", ".join(display(number) for number in value["by_month"])
        return f"[{months}] {value.get('unit', '')}".strip()
    steps = _steps_of(value)
    if steps is not None:
        return "; ".join(f"{first}: {display(step)}" for first, step in steps.items())
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value)


_BY_MONTH = re.compile(r"^\[(.*)\]\s*(.*)$")
_STEP = re.compile(r"^\s*(FY\d{4}|\d{4}-\d{2})\s*:\s*(.+?)\s*$")  # "FY2027: 1000 / month" or "2027-10: ..."


def _steps_of(value) -> dict | None:
    """The steps of a table by fiscal year or month ({ by_fiscal_year = {...} }), else None."""
    if not isinstance(value, dict):
        return None
    steps = value.get("by_fiscal_year", value.get("by_month"))
    return steps if isinstance(steps, dict) else None


def _typed_steps(text: str) -> dict | None:
    """"FY2026: 1000 / month; FY2028: 2000 / month" as { by_fiscal_year = {...} } (months:
    by_month); None unless every part is such a step, all fiscal years or all months."""
    parts = [_STEP.match(part) for part in text.split(";")]
    if not all(parts):
        return None
    steps = {part[1]: typed(part[2]) for part in parts}
    fiscal = [first.startswith("FY") for first in steps]
    if all(fiscal):
        return {"by_fiscal_year": steps}
    return None if any(fiscal) else {"by_month": steps}


def typed(text) -> Any:
    """What a user typed, as a document value: blank is None, numbers are numbers, a list of
    twelve numbers with a unit ("[20, 21, ...] JPY/kWh") is a by-month profile, steps
    ("FY2026: 1000 / month; FY2028: 2000 / month") a table by fiscal year or month, else text."""
    text = "" if text is None else str(text).strip()
    if not text:
        return None
    by_month = _BY_MONTH.match(text)
    if by_month:
        numbers, unit = by_month.groups()
        profile = {"by_month": [typed(part) for part in numbers.split(",")]}
        return {**profile, "unit": unit} if unit else profile
    steps = _typed_steps(text)
    if steps is not None:
        return steps
    plain = unicodedata.normalize("NFKC", text)  # full-width digits, as quantities take them
    if not plain.isascii():  # int() and float() would read other scripts' digits, which files refuse
        return text
    for number in (int, float):
        try:
            return number(plain)
        except ValueError:
            pass
    return text


def differences(before, after, field: str = "") -> list[tuple[str, str, str]]:
    """Each value that differs between two documents, as (field, before, after) in words;
    sources and notes aside. A table only one side has is one difference, not one per value."""
    if _is_table(before) and _is_table(after):
        keys = [*before, *(key for key in after if key not in before)]
        return [
            found
            for key in keys
            if key not in ("source", "note")
            for found in differences(before.get(key), after.get(key), f"{field}.{key}" if field else key)
        ]
    if _is_rows(before) and _is_rows(after) and len(before) == len(after):
        return [
            found for index, pair in enumerate(zip(before, after)) for found in differences(*pair, f"{field}[{index}]")
        ]
    old, new = _brief(before), _brief(after)
    return [] if old == new else [(field, old, new)]


def _is_table(node) -> bool:
    return isinstance(node, dict) and "value" not in node and "by_month" not in node


def _is_rows(node) -> bool:
    return isinstance(node, list) and all(_is_table(item) for item in node)


def _brief(node) -> str:
    if node is None:
        return "left out"
    if _is_table(node):
        return "included"
    if _is_rows(node):
        return "; ".join(", ".join(display(v) for k, v in row.items() if k not in ("source", "note")) for row in node)
    return display(node)

"""A scenario document as rows, one value per row, and back: the workbook's Inputs sheet.

A row is (field, value, unit, source, note). `field` is the value's place in the resolved
scenario document, written the way build() names fields in its errors ("budget.total",
"sites.Sakai.grid_phases[0].grid_import"); a key holding '.', '[', ']' or '"' is quoted
(sites."St. Louis".opening). Quantities are split into a number and a unit, so a spreadsheet
shows and edits a number ("300 MW" -> 300 and "MW"); a monthly profile becomes twelve rows,
by_month[0] (January) to by_month[11], sharing one unit and source.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from planner.inputs.errors import InputError
from planner.inputs.fields import LONE_SURROGATE
from planner.inputs.units import check_unit

# Free text: kept verbatim even when it reads like a quantity (a run named "3 days").
TEXT_KEYS = frozenset({"name", "description", "anchor_site", "after", "objective", "objective_run", "source", "note", "tenant",
                       "precision", "view"})
PROFILE_KEY = "by_month"
COLUMNS = ("Field", "Value", "Unit", "Source", "Note")  # as the Inputs sheet heads them
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*((?:[A-Za-z/%].*?)?)\s*$")
_BARE_KEY = re.compile(r'^[^.\[\]"\s](?:[^.\[\]"]*[^.\[\]"\s])?$')
_PATH_PART = re.compile(r'\[(\d+)\]|(?:^|\.)(?:"((?:[^"\\]|\\.)*)"|([^.\[\]"]+))')

Key = str | int
Value = str | int | float | bool


@dataclass(frozen=True)
class InputRow:
    field: str
    value: Value | datetime.date | None
    unit: str = ""
    source: str = ""
    note: str = ""


# Where a row's cell is, for error messages: (row index, column name) -> e.g. "Inputs!B12".
Locate = Callable[[int, str], str]


def document_rows(document: dict) -> list[InputRow]:
    """Every value of a resolved scenario document, in document order."""
    return list(_rows((), document))


def _rows(keys: tuple[Key, ...], node):
    if isinstance(node, dict) and PROFILE_KEY in node and isinstance(node[PROFILE_KEY], list):
        extra = {"unit": str(node.get("unit", "")), "source": node.get("source", ""), "note": node.get("note", "")}
        for month, number in enumerate(node[PROFILE_KEY]):
            yield InputRow(format_path((*keys, PROFILE_KEY, month)), number, **extra)
    elif isinstance(node, dict) and "value" in node:
        value, unit = _split(keys[-1], node["value"])
        yield InputRow(format_path(keys), value, unit, node.get("source", ""), node.get("note", ""))
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from _rows((*keys, key), child)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _rows((*keys, index), child)
    else:
        yield InputRow(format_path(keys), *_split(keys[-1], node))


def _split(key: Key, value) -> tuple[Value, str]:
    """ "300 MW" -> (300, "MW"); "1e12" -> (1e12, ""); text, months and numbers as they are."""
    if isinstance(value, str) and key not in TEXT_KEYS:
        match = _QUANTITY.match(value)
        if match:
            number = float(match.group(1))
            return (int(number) if number.is_integer() and abs(number) < 1e16 else number), match.group(2)
    return value, ""


def rows_document(rows: list[InputRow], locate: Locate) -> dict:
    """The scenario document the rows describe (the inverse of `document_rows`).

    Raises InputError naming the cell (via `locate`) and what was expected there.
    """
    placed: dict[tuple, int] = {}
    for index, row in enumerate(rows):
        keys = parse_path(row.field, locate(index, "field"))
        if keys in placed:
            raise InputError(
                f"{locate(index, 'field')} ({row.field})",
                f"each field once (it is also in {locate(placed[keys], 'field')})",
                "it again",
            )
        placed[keys] = index
    for keys, index in placed.items():
        holder = next((keys[:n] for n in range(1, len(keys)) if keys[:n] in placed), None)
        if holder is not None:
            raise InputError(
                f"{locate(index, 'field')} ({rows[index].field})",
                f"a field that is not inside the value of {format_path(holder)} ({locate(placed[holder], 'field')})",
                "one inside it",
            )
    tree: dict = {}
    for keys, index in placed.items():
        row = rows[index]
        value = _cell_value(row, index, locate)
        if len(keys) >= 2 and keys[-2] == PROFILE_KEY and isinstance(keys[-1], int):
            _place_month(_table(tree, keys[:-2]), keys[-1], row, value, index, locate)
            continue
        value = _with_unit(value, row, index, locate)
        _table(tree, keys[:-1])[keys[-1]] = {"value": value, **_extras(row)} if row.source or row.note else value
    return _with_lists(tree, (), placed, locate)


def _table(tree: dict, keys: tuple) -> dict:
    for key in keys:
        tree = tree.setdefault(key, {})
    return tree


def _cell_value(row: InputRow, index: int, locate: Locate) -> Value:
    """The Value cell as the document writes it (a date typed in a spreadsheet -> "2027-04")."""
    value = row.value
    if value is None or value == "":
        raise InputError(
            f"{locate(index, 'value')} ({row.field})",
            "a value (delete the whole row to leave the field out)",
            "an empty cell, or a formula whose value was never saved",
        )
    if isinstance(value, datetime.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return int(value)
    return value


def _with_unit(value: Value, row: InputRow, index: int, locate: Locate) -> Value:
    """A number and its unit as one quantity: 300 and "MW" -> "300 MW"."""
    if not row.unit:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(
            f"{locate(index, 'value')} ({row.field})", "a number (its unit goes in the Unit column)", repr(value)
        )
    check_unit(row.unit, f"{locate(index, 'unit')} ({row.field})")
    return f"{value!r} {row.unit}"


def _extras(row: InputRow) -> dict:
    return {key: text for key, text in (("source", row.source), ("note", row.note)) if text}


def _place_month(profile: dict, month: int, row: InputRow, value, index: int, locate: Locate) -> None:
    """One month of a profile: the number into by_month; unit, source and note onto the profile."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(
            f"{locate(index, 'value')} ({row.field})",
            "a plain number (its unit goes in the Unit column)",
            repr(row.value),
        )
    if row.unit:
        check_unit(row.unit, f"{locate(index, 'unit')} ({row.field})")
    profile.setdefault(PROFILE_KEY, {})[month] = value
    for column, text in (("unit", row.unit), ("source", row.source), ("note", row.note)):
        if text and profile.setdefault(column, text) != text:
            raise InputError(
                f"{locate(index, column)} ({row.field})",
                f"the same {column} for every month of this profile ({profile[column]!r})",
                repr(text),
            )


def _with_lists(node, keys: tuple, placed: dict, locate: Locate):
    """Tables numbered [0], [1], ... become lists; numbering must start at 0 without gaps."""
    if not isinstance(node, dict):
        return node
    numbered = sorted(key for key in node if isinstance(key, int))
    if numbered and numbered != list(range(len(node))):
        first = min(index for path, index in placed.items() if path[: len(keys)] == keys)
        where = format_path(keys)
        raise InputError(
            f"{locate(first, 'field')} ({where})",
            f"the items of {where} numbered [0], [1], [2] ... without gaps, and nothing else under it",
            ", ".join(f"[{key}]" if isinstance(key, int) else repr(key) for key in node),
        )
    children = {key: _with_lists(child, (*keys, key), placed, locate) for key, child in node.items()}
    return [children[index] for index in numbered] if numbered else children


def format_path(keys: tuple[Key, ...]) -> str:
    """("sites", "Sakai", "grid_phases", 0, "start") -> 'sites.Sakai.grid_phases[0].start'."""
    parts = []
    for key in keys:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            text = key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)
            parts.append(f".{text}" if parts else text)
    return "".join(parts)


def error_field(keys: tuple[Key, ...]) -> str:
    """A field as build() names it in errors: keys joined by dots, list items as [n]."""
    return "".join(f"[{key}]" if isinstance(key, int) else (f".{key}" if n else key) for n, key in enumerate(keys))


def parse_path(text, where: str) -> tuple[Key, ...]:
    """The inverse of `format_path`; an InputError naming `where` if `text` is not a field path."""
    keys: list[Key] = []
    text = text.strip() if isinstance(text, str) else text
    position = 0
    while isinstance(text, str) and position < len(text):
        match = _PATH_PART.match(text, position)
        if not match or (position == 0 and match.group(1) is not None):
            break
        index, quoted, bare = match.groups()
        try:
            keys.append(
                int(index) if index is not None else json.loads(f'"{quoted}"') if quoted is not None else bare.strip()
            )
        except ValueError:
            break
        position = match.end()
    expected = "a field path such as 'budget.total' or 'sites.Sakai.grid_phases[0].grid_import'"
    if keys and position == len(text):
        if any(isinstance(key, str) and LONE_SURROGATE.search(key) for key in keys):  # "\ud800" decodes to one
            raise InputError(where, f"{expected}, in Unicode characters", f"{text!r} (a lone surrogate)")
        return tuple(keys)
    raise InputError(where, expected, repr(text))

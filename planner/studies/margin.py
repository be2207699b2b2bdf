"""How far the scenario is from the knife edge: for each lever, the smallest single change that
leaves no plan.

A lever is data: the fields it moves (dotted paths of the scenario document, where `*` stands
for every entry of a table: "runs.*.availability"), which way (-1 down, +1 up), and whether it
scales them (a relative change, `value x (1 -/+ r)`) or adds whole units to them (`value +/- n`,
e.g. months of commissioning lag). `margin()` finds, by bisection on the least-cost plan, the
smallest r (or n) at which the scenario has no plan. A lever whose fields the scenario does not
write is reported as absent; one that stays feasible over its whole range, as "beyond".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from planner.inputs.errors import InputError
from planner.inputs.scenario import Scenario, build, edit, lookup
from planner.results.plan import make_plan

MAX_DOWN = 0.9  # a lever scaled down by more than 90% is no longer a margin but another programme
MAX_UP = 9.0  # ten times the value
MAX_STEPS = 24  # whole units added (24 months of lag)
TOLERANCE = 0.005  # bisection stops when the edge is known to half a percentage point
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(.*)$", re.S)


@dataclass(frozen=True)
class Lever:
    """One way the scenario may go wrong: `fields` (dotted paths, `*` for every entry of a table)
    move together in `direction`, scaled (relative change) or, with `whole`, by whole units."""

    name: str
    fields: tuple[str, ...]
    direction: int = -1
    whole: bool = False
    unit: str = ""


LEVERS = (
    Lever("availability", ("runs.*.availability", "workload.availability")),
    Lever("MFU", ("accelerators.*.mfu",)),
    Lever("deliveries", ("accelerators.*.delivery_cap",)),
    Lever("money", ("budget.total", "budget.fiscal_years.*", "budget.public.*", "budget.private.*")),
)


@dataclass(frozen=True)
class Margin:
    """A lever's edge: `change` is the smallest relative change (or whole units) that leaves no
    plan, None when the scenario keeps a plan over the lever's whole range (`beyond`) or does
    not write the lever's fields (`paths` empty)."""

    lever: Lever
    paths: tuple[str, ...]
    change: float | None
    beyond: float

    def describe(self) -> str:
        if not self.paths:
            return "not in this scenario"
        if self.change == 0:
            return "no plan as written"
        if self.change is None and self.beyond == 0:
            return "at the end of its valid range"
        sign = "+" if self.lever.direction > 0 else "-"
        if self.lever.whole:
            amount = f"{sign}{self.change:g} {self.lever.unit}" if self.change is not None else None
            return amount or f"a plan still at {sign}{self.beyond:g} {self.lever.unit}"
        if self.change is None:
            return f"a plan still at {sign}{self.beyond:.0%}"
        return f"{sign}{self.change:.1%}"


def path_lever(dotted: str, direction: int) -> Lever:
    """A lever of one field given by its dotted path, moved up (+1) or down (-1)."""
    if direction not in (-1, 1):
        raise InputError("direction", "-1 (down) or +1 (up)", repr(direction))
    return Lever(f"{dotted} {'up' if direction > 0 else 'down'}", (dotted,), direction)


def margins(scenario: Scenario, levers=LEVERS) -> list[Margin]:
    """Each lever's margin, solving the least-cost plan of the scenario as written."""
    return [margin(scenario, lever) for lever in levers]


def margin(scenario: Scenario, lever: Lever) -> Margin:
    document = edit(scenario.document(), {"objective": "cost"})
    paths = expand(document, lever.fields)
    if not paths:
        return Margin(lever, (), None, 0.0)
    if not _has_plan(document, paths, lever, 0):
        return Margin(lever, paths, 0.0, 0.0)
    high = _valid_range(document, paths, lever)
    if high == 0 or _has_plan(document, paths, lever, high):
        return Margin(lever, paths, None, high)
    low = 0.0
    step = 1 if lever.whole else TOLERANCE
    while high - low > step:
        middle = (low + high) // 2 if lever.whole else (low + high) / 2
        if _has_plan(document, paths, lever, middle):
            low = middle
        else:
            high = middle
    return Margin(lever, paths, high, high)


def has_plan_after(scenario: Scenario, lever: Lever, amount: float) -> bool:
    """Whether the scenario, with `lever` moved by `amount`, still has a least-cost plan."""
    document = edit(scenario.document(), {"objective": "cost"})
    return _has_plan(document, expand(document, lever.fields), lever, amount)


def expand(document: dict, patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The dotted paths a lever's patterns name in `document`, where a value is written."""
    found = []
    for pattern in patterns:
        head, star, tail = pattern.partition(".*")
        if not star:
            found += [pattern] if lookup(document, pattern) is not None else []
            continue
        table = lookup(document, head)
        for key in table if isinstance(table, dict) else ():
            found += expand(document, (f"{head}.{key}{tail}",)) if tail else [f"{head}.{key}"]
    return tuple(found)


_TEXTS = ("source", "unit", "note")  # the parts of a written value that are not numbers


def moved(value, lever: Lever, amount: float):
    """`value` as written moved by `amount`: a number, a quantity ("4000 / month"), or a table or
    list of them ({ value = ..., source = ... }, { by_fiscal_year = { ... } }, by_month lists)."""
    if isinstance(value, dict):
        return {key: item if key in _TEXTS else moved(item, lever, amount) for key, item in value.items()}
    if isinstance(value, list):
        return [moved(item, lever, amount) for item in value]
    number, unit = (value, "") if isinstance(value, (int, float)) else _split(value)
    change = lever.direction * amount
    result = number + change if lever.whole else number * (1 + change)
    if lever.whole and float(result).is_integer():
        result = int(result)  # whole units stay whole: "2 month", not "2.0 month"
    if isinstance(value, (int, float)):
        return result
    return f"{result!r}{unit}"


def _split(text) -> tuple[float, str]:
    match = _NUMBER.match(str(text))
    if match is None:
        raise InputError("lever", "a number, or a quantity that starts with one", repr(text))
    return float(match.group(1)), match.group(2)


def _changed(document: dict, paths: tuple[str, ...], lever: Lever, amount: float) -> Scenario:
    changes = {path: moved(lookup(document, path), lever, amount) for path in paths}
    return build(edit(document, changes), f"{lever.name} {amount:g}")


def _has_plan(document: dict, paths: tuple[str, ...], lever: Lever, amount: float) -> bool:
    return make_plan(_changed(document, paths, lever, amount), explain_limits=False).feasible


def _valid_range(document: dict, paths: tuple[str, ...], lever: Lever) -> float:
    """The lever's largest move, shortened (halved) while a field would leave its valid range
    (availability above 1, say): beyond it there is no scenario, so no edge to find."""
    high = MAX_STEPS if lever.whole else (MAX_UP if lever.direction > 0 else MAX_DOWN)
    while high >= (1 if lever.whole else TOLERANCE):
        try:
            _changed(document, paths, lever, high)
            return high
        except InputError:
            high = math.floor(high / 2) if lever.whole else high / 2
    return 0.0


def markdown(found: list[Margin]) -> str:
    """The margins as the README's table: one row a lever."""
    rows = ["| lever | fields moved together | smallest change with no plan |", "|---|---|---|"]
    rows += [f"| {m.lever.name} | {', '.join(m.lever.fields)} | {m.describe()} |" for m in found]
    return "\n".join(rows)


if __name__ == "__main__":  # the README's table for the shipped default: python -m planner.studies.margin
    from planner.inputs.scenario import load_scenario

    print(markdown(margins(load_scenario())))

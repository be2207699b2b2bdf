"""What a sweep varies: one scenario field, by its dotted path, over a grid, a list or a
probability distribution. The grammar (docs/sweeps.md), after `FIELD=`:

    LOW..HIGH:STEPS            evenly spaced, both ends included: 3e11 JPY..5e11 JPY:5, 0.3..0.45:4
    -20%..+20%:5               relative to the value the scenario gives the field
    2027-05..2027-09[:STEPS]   months: every month, or STEPS evenly spaced whole months
    a,b,c                      these values: cost,finish  true,false  300 MW,450 MW
    uniform(LOW, HIGH)         Monte Carlo (with --samples): any of the above kinds of value
    triangular(LOW, MODE, HIGH)
    normal(MEAN, SD)[LOW, HIGH]   truncated to [LOW, HIGH]; without bounds, samples the field
                                  refuses become failed rows

A unit given on one end applies to a bare number on the other ("0..300 MW:4"). The sweep's
table shows each field in the terms of its range: numbers in the range's unit, percentages
for relative ranges, months as YYYY-MM, list items as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.inputs.calendar import label, parse_month
from planner.inputs.errors import InputError
from planner.inputs.scenario import Scenario, changed, lookup
from planner.inputs.units import Q_, DimensionalityError, Unreadable, as_quantity, split_number

_GRID = re.compile(r"^(?P<low>.+?)\s*\.\.\s*(?P<high>.+?)\s*(?::\s*(?P<steps>\S+))?$")
_DISTRIBUTION = re.compile(r"^(?P<name>[a-z]+)\s*\((?P<args>[^()]*)\)\s*(?:\[(?P<bounds>[^\[\]]*)\])?$")
_PERCENT = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*%$", re.ASCII)
_MONTH = re.compile(r"^\d{4}-\d{2}$", re.ASCII)
_ARGUMENTS = {"uniform": ("LOW", "HIGH"), "triangular": ("LOW", "MODE", "HIGH"), "normal": ("MEAN", "SD")}
TAIL = (0.1, 0.5, 0.9)  # one-at-a-time points of a distribution: its P10, P50 and P90
MAX_STEPS = 10_000  # values of one range or list: each is validated as a scenario when the range is read


@dataclass(frozen=True)
class Vary:
    """One field's range. `values` (grid or list) or `distribution` (scipy, over table numbers;
    month ordinals for months) gives the table values; `written()` turns one into what the
    scenario document gets."""

    field: str
    text: str
    kind: str  # "number", "relative", "month" or "list"
    unit: str = ""  # of the table values: a unit, "%", "month" or "" (plain numbers, list items)
    values: tuple = ()
    distribution: object = None
    ends: tuple = ()  # a distribution's bounds (a normal's mean when unbounded), checked at parse time
    current: object = None  # the field's written value, for relative ranges

    @property
    def sampled(self) -> bool:
        return self.distribution is not None

    def sample(self, uniform: np.ndarray) -> list:
        """Table values for draws from the unit interval (the inverse-CDF transform, so random
        and Latin-hypercube draws give the same distribution)."""
        drawn = self.distribution.ppf(uniform)
        return [_table_value(self.kind, x) for x in drawn]

    def points(self) -> tuple:
        """Values for one-at-a-time sensitivity: the grid or list, or the distribution's P10, P50, P90."""
        return tuple(dict.fromkeys(self.sample(np.array(TAIL)))) if self.sampled else self.values

    def written(self, value):
        """The document value for a table value."""
        if self.kind == "relative":
            return scaled(self.current, 1 + value / 100, self.field)
        if self.kind == "number":
            number = int(value) if float(value).is_integer() else float(value)
            return f"{number!r} {self.unit}" if self.unit else number
        return value


def _table_value(kind: str, x: float):
    """A drawn number as a table value: months from their ordinals, rounded to the nearest."""
    if kind == "month":
        return label(pd.Period(ordinal=int(np.rint(x)), freq="M"))
    return float(x)


def parse_vary(text: str, scenario: Scenario, most: int = MAX_STEPS) -> Vary:
    """`FIELD=RANGE` as a Vary, checked against `scenario`: its values (a distribution's bounds)
    must give a valid scenario, so an unknown field, a wrong unit or a value out of the field's
    range is an InputError naming the --vary. More than `most` values are refused before they
    are checked (each check builds a scenario)."""
    field, equals, spec = text.partition("=")
    field, spec = field.strip(), unicodedata.normalize("NFKC", spec).strip()  # full-width as quantities take it
    where = f"--vary {text}"
    if not equals or not field or not spec:
        raise InputError("", "FIELD=RANGE, e.g. 'budget.total=3e11 JPY..5e11 JPY:5'", repr(text), where)
    try:
        vary = _parse_spec(field, spec, scenario)
        if len(vary.values) > most:
            raise InputError(field, f"at most {most:,} values", f"{len(vary.values):,} values in {spec!r}")
        for value in vary.ends if vary.sampled else vary.values:
            changed(scenario, {field: vary.written(value)}, where)
    except InputError as error:
        raise error if error.file == where else error.in_file(where) from None
    return vary


def _parse_spec(field: str, spec: str, scenario: Scenario) -> Vary:
    distribution = _DISTRIBUTION.match(spec)
    if distribution:
        return _parse_distribution(field, spec, distribution, scenario)
    grid = _GRID.match(spec)
    if grid:
        return _parse_grid(field, spec, grid, scenario)
    items = tuple(_item(part.strip()) for part in spec.split(","))
    if any(item == "" for item in items):
        raise InputError(field, "a range (LOW..HIGH:STEPS), a distribution or a list of values a,b,c", repr(spec))
    if len(items) > MAX_STEPS:
        raise InputError(field, f"a list of at most {MAX_STEPS:,} values", f"{len(items):,} values")
    return Vary(field, spec, "list", values=items)


def _parse_grid(field: str, spec: str, match: re.Match, scenario: Scenario) -> Vary:
    kind, unit, (low, high), current = _numbers(field, [match["low"], match["high"]], scenario)
    steps = match["steps"]
    if kind == "month":
        if not low <= high:
            raise InputError(field, "a range from LOW to a later or equal HIGH", repr(spec))
        count = int(high - low) + 1 if steps is None else _steps(field, steps, spec)
        ordinals = np.rint(np.linspace(low, high, count)).astype(int)
        if len(set(ordinals)) < len(ordinals):
            raise InputError(field, f"at most {int(high - low) + 1} steps between these months", repr(spec))
        return Vary(field, spec, kind, "month", tuple(label(pd.Period(ordinal=o, freq="M")) for o in ordinals))
    if steps is None:
        raise InputError(field, "a number of steps after the range: LOW..HIGH:STEPS", repr(spec))
    if not low < high:
        raise InputError(field, "a range from LOW up to a larger HIGH", repr(spec))
    values = tuple(float(v) for v in np.linspace(low, high, _steps(field, steps, spec)))
    return Vary(field, spec, kind, unit, values, current=current)


def _parse_distribution(field: str, spec: str, match: re.Match, scenario: Scenario) -> Vary:
    name = match["name"]
    if name not in _ARGUMENTS:
        raise InputError(field, f"a distribution among {', '.join(_ARGUMENTS)}", repr(spec))
    arguments = [a.strip() for a in match["args"].split(",")]
    bounds = [b.strip() for b in match["bounds"].split(",")] if match["bounds"] is not None else []
    expected = _ARGUMENTS[name]
    if len(arguments) != len(expected) or (bounds and (name != "normal" or len(bounds) != 2)):
        form = f"{name}({', '.join(expected)})" + ("[LOW, HIGH]" if name == "normal" else "")
        raise InputError(field, f"the form {form}", repr(spec))
    kind, unit, numbers, current = _numbers(field, arguments + bounds, scenario, spread=name == "normal")
    ends = numbers[2:] if name == "normal" else [numbers[0], numbers[-1]]
    return Vary(field, spec, kind, unit, distribution=_distribution(field, spec, name, numbers, kind),
                ends=tuple(_table_value(kind, x) for x in ends or numbers[:1]), current=current)


def _distribution(field: str, spec: str, name: str, numbers: list[float], kind: str):
    """A frozen scipy distribution; months are sampled over ordinals and rounded, so a uniform
    range reaches half a month beyond each end and every month is equally likely."""
    from scipy import stats  # here, not at the top: importing it costs the command line ~1 s

    if name == "normal":
        mean, sd, *bounds = numbers
        if not sd > 0:
            raise InputError(field, "a standard deviation above zero", repr(spec))
        if not bounds:
            return stats.norm(mean, sd)
        low, high = bounds
        if not low <= mean <= high or not low < high:
            raise InputError(field, "bounds LOW < HIGH around the mean", repr(spec))
        widen = 0.5 if kind == "month" else 0.0
        return stats.truncnorm((low - widen - mean) / sd, (high + widen - mean) / sd, loc=mean, scale=sd)
    low, *mode, high = numbers
    if not low < high or (mode and not low <= mode[0] <= high):
        raise InputError(field, "LOW < HIGH (and LOW <= MODE <= HIGH)", repr(spec))
    if kind == "month":
        low, high = low - 0.5, high + 0.5
    if name == "uniform":
        return stats.uniform(low, high - low)
    return stats.triang((mode[0] - low) / (high - low), loc=low, scale=high - low)


def _numbers(field: str, texts: list[str], scenario: Scenario, spread: bool = False):
    """The numbers a range or distribution is written with, all of one kind: (kind, unit of
    the table values, numbers, the field's current value for relative ranges). With `spread`,
    the second number is a width (a standard deviation): months take it as a number of months."""
    if all(_PERCENT.match(t) for t in texts):
        current = _current(field, scenario)
        return "relative", "%", [float(t.rstrip("% ")) for t in texts], current
    if all(_MONTH.match(t) for i, t in enumerate(texts) if not (spread and i == 1)):
        months = [parse_month(t, field).ordinal if not (spread and i == 1) else _plain(field, t)
                  for i, t in enumerate(texts)]
        return "month", "month", months, None
    if any(_PERCENT.match(t) or _MONTH.match(t) for t in texts):
        raise InputError(field, "values of one kind: all quantities, all percentages or all months", repr(", ".join(texts)))
    quantities = [_quantity(field, t) for t in texts]
    units = [q.units for q, t in zip(quantities, texts) if not q.unitless]
    unit_text = next((split_number(t)[1] for t, q in zip(texts, quantities) if not q.unitless and split_number(t)), "")
    if not units:
        return "number", "", [float(q.magnitude) for q in quantities], None
    try:
        numbers = [float((q.to(units[0]) if not q.unitless else q).magnitude) for q in quantities]
    except DimensionalityError:
        raise InputError(field, "values in units of one kind", repr(", ".join(texts))) from None
    except OverflowError:  # "1 W..1 YW^9*YW^9*...": no double holds the second in watts
        raise InputError(field, "values of a size a double holds in the first one's unit", repr(", ".join(texts))) from None
    return "number", unit_text or f"{units[0]}", numbers, None


def _quantity(field: str, text: str) -> Q_:
    try:
        return as_quantity(text)
    except Unreadable as why:
        raise InputError(field, "a number or a quantity with its unit (e.g. '300 MW')", f"{text!r} ({why})") from None


def _plain(field: str, text: str) -> float:
    quantity = _quantity(field, text)
    if not quantity.unitless:
        raise InputError(field, "a standard deviation in months, as a plain number", repr(text))
    return float(quantity.magnitude)


def _steps(field: str, text: str, spec: str) -> int:
    """The STEPS of a grid: checked before any value is made, so a huge count is refused, not allocated."""
    if not re.fullmatch(r"[0-9]{1,9}", text) or not 2 <= int(text) <= MAX_STEPS:
        expected = f"a whole number of steps from 2 to {MAX_STEPS:,} after ':' (one value: write it alone)"
        raise InputError(field, expected, repr(spec))
    return int(text)


def _current(field: str, scenario: Scenario):
    value = lookup(scenario.document(), field)
    if isinstance(value, dict) and "value" in value:
        value = value["value"]
    if value is None:
        raise InputError(field, "a value written in the scenario for a relative range to scale "
                         "(fields left at their defaults take absolute ranges)", "nothing written there")
    scaled(value, 1.0, field)
    return value


def scaled(value, factor: float, field: str):
    """A written value times `factor`, in its own unit: a number, a quantity text, a
    {value = ...} wrapper or a by_month profile (each month scaled)."""
    factor = float(factor)  # a numpy number would write itself as "np.float64(...)"
    if isinstance(value, dict) and "value" in value:
        value = value["value"]
    if isinstance(value, dict) and isinstance(value.get("by_month"), list):
        return {**{k: v for k, v in value.items() if k != "source"}, "by_month": [m * factor for m in value["by_month"]]}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value * factor
    if isinstance(value, str) and split_number(value):
        number, unit = split_number(value)
        return f"{number * factor!r} {unit}".strip()
    raise InputError(field, "a number or a quantity for a relative range to scale", repr(value))


def _item(text: str):
    """A list item: true/false, a plain number, or the text as written (quantities, months, names)."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and re.fullmatch(r"[-+]?\d+", text) else number



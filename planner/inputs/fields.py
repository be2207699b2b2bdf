"""Field types for input files: quantities with units, months, fractions, monthly profiles.

Each is a pydantic annotated type whose validator turns what a user wrote into a plain float
(base units) or a month, or fails with "expected ..., found ...". `read()` runs a pydantic
model over a TOML table and turns any failure into an InputError naming file and field.

A value may be written plainly ("50 MW") or with its source: { value = "50 MW", source = "..." }.
A monthly profile is one value for every month, or twelve values, January to December:
{ by_month = [...], unit = "JPY/kWh", source = "..." }.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import pandas as pd
import pydantic
from pydantic import BeforeValidator, ConfigDict, ValidationInfo

from planner.inputs.calendar import parse_month
from planner.inputs.errors import InputError
from planner.inputs.files import read_file
from planner.inputs.units import parse_quantity


class Record(pydantic.BaseModel):
    """Base of every input model: unknown fields are errors, values never change after load."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _unwrap(value):
    """{ value = ..., source = ... } -> value; anything else as it is. The source and note are
    texts like any other (`_text`): they travel into the workbook."""
    if isinstance(value, dict) and "value" in value:
        unknown = set(value) - {"value", "source", "note"}
        if unknown:
            raise ValueError(f"expected only 'value', 'source' and 'note', found {sorted(unknown)}")
        _check_notes(value)
        return value["value"]
    return value


def _check_notes(table: dict) -> None:
    for key in ("source", "note"):
        if key in table:
            checked_text(table[key], f"'{key}' to be ")


def _fx(info: ValidationInfo) -> float | None:
    return (info.context or {}).get("fx_jpy_per_usd")


Bound = float | str  # a range limit: a number in the field's unit, or a quantity ("100 GW")


def _bound(limit: Bound, unit: str) -> tuple[float, str]:
    """A range limit as (value in `unit`, the words an error message shows)."""
    if isinstance(limit, str):
        return parse_quantity(limit, unit, "range limit"), limit
    return float(limit), f"{limit:g}"


def _check_range(value: float, low, high, low_open: bool, text) -> float:
    if value < low[0] or (low_open and value == low[0]) or value > high[0]:
        lower = f"more than {low[1]}" if low_open else f"at least {low[1]}"
        raise ValueError(f"expected a value {lower} and at most {high[1]}, found {text!r}")
    return value


def quantity(unit: str, low: Bound = 0.0, *, high: Bound, low_open: bool = False):
    """A quantity converted to `unit`, within [low, high] (low excluded when `low_open`).

    Every quantity has both limits (docs/input-files.md): they keep values a planner could
    mean, and the LP's numbers within the range its scaling is built for (docs/numerics.md).
    Beyond them a value is a typo, not a scenario: "1e-300 JPY/USD" would make every dollar
    price free. A limit above zero is where a smaller value would blow others up."""
    low, high = _bound(low, unit), _bound(high, unit)

    def validate(value, info: ValidationInfo):
        value = _unwrap(value)
        number = parse_quantity(value, unit, "", _fx(info))
        return _check_range(number, low, high, low_open, value)

    return Annotated[float, BeforeValidator(validate)]


def monthly(unit: str, low: Bound = 0.0, *, high: Bound):
    """Twelve values, January to December, in `unit`: one value for all months, or by_month."""
    low, high = _bound(low, unit), _bound(high, unit)

    def validate(value, info: ValidationInfo):
        if isinstance(value, dict) and "by_month" in value:
            unknown = set(value) - {"by_month", "unit", "source", "note"}
            if unknown:
                raise ValueError(f"expected by_month, unit and source, found also {sorted(unknown)}")
            _check_notes(value)
            values = value["by_month"]
            if not isinstance(values, list) or len(values) != 12:
                raise ValueError(f"expected 'by_month' to be a list of 12 values (January to December), found {values!r}")
            given_unit = value.get("unit", unit)
            if not isinstance(given_unit, str):
                raise ValueError(f"expected 'unit' to be a unit such as {unit!r}, found {given_unit!r}")
            parsed = []
            for number in values:
                if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
                    raise ValueError(f"expected 'by_month' to hold finite numbers in '{given_unit}', found {number!r}")
                parsed.append(parse_quantity(f"{number!r} {given_unit}", unit, "", _fx(info)))
            return tuple(_check_range(v, low, high, False, v) for v in parsed)
        value = _unwrap(value)
        number = parse_quantity(value, unit, "", _fx(info))
        return (_check_range(number, low, high, False, value),) * 12

    return Annotated[tuple[float, ...], BeforeValidator(validate)]


def _month(value):
    return parse_month(_unwrap(value), "")


def whole_months(high: int):
    """A whole number of months from 0 to `high`, written with its unit ("2 month", "1 year")."""

    def validate(value):
        value = _unwrap(value)
        number = parse_quantity(value, "month", "")
        if abs(number - round(number)) > 1e-9 or not 0 <= number <= high:
            raise ValueError(f"expected whole months from 0 to {high} (e.g. '2 month'), found {value!r}")
        return int(round(number))

    return Annotated[int, BeforeValidator(validate)]


@dataclass(frozen=True)
class Steps:
    """Values by month, each holding from its first month until the next step's: what
    { by_fiscal_year = { FY2027 = ..., FY2029 = ... } } or { by_month = { "2027-10" = ... } } says."""

    steps: tuple[tuple[pd.Period, float], ...]

    def by_month(self, months: pd.PeriodIndex, before: float = 0.0) -> np.ndarray:
        """The value in each of `months`: `before` ahead of the first step."""
        values = np.full(len(months), before, dtype=float)
        for first, value in self.steps:
            values[np.asarray(months >= first)] = value
        return values


def step_table(value, parse_one) -> dict[pd.Period, float] | None:
    """{first month of each step: parse_one(value)} for a table by_fiscal_year or by_month (an
    optional source beside it); None when `value` is not such a table."""
    if not isinstance(value, dict) or not ({"by_month", "by_fiscal_year"} & set(value)):
        return None
    unknown = set(value) - {"by_month", "by_fiscal_year", "source", "note"}
    if unknown or len({"by_month", "by_fiscal_year"} & set(value)) != 1:
        raise ValueError(f"expected one of 'by_month' or 'by_fiscal_year' (and a source), found {sorted(value)}")
    _check_notes(value)
    steps = value.get("by_month", value.get("by_fiscal_year"))
    if not isinstance(steps, dict) or not steps:
        raise ValueError(f"expected a table of steps such as {{ FY2027 = ... }}, found {steps!r}")
    return {_step_month(name): parse_one(one) for name, one in steps.items()}


def _step_month(name) -> pd.Period:
    """"FY2027" -> 2027-04 (the fiscal year's first month); "2027-10" -> 2027-10."""
    if isinstance(name, str) and name.startswith("FY") and name[2:].isdigit() and len(name) == 6:
        return pd.Period(f"{name[2:]}-04", freq="M")
    try:
        return parse_month(name, "")
    except InputError:
        raise ValueError(f"expected steps named like 'FY2027' or '2027-10', found {name!r}") from None


def stepped(unit: str, low: Bound = 0.0, *, high: Bound):
    """A quantity in `unit` for all months, or Steps of them by fiscal year or month."""
    one = quantity(unit, low, high=high)
    parse = pydantic.TypeAdapter(one)

    def validate(value, info: ValidationInfo):
        steps = step_table(value, lambda v: parse.validate_python(v, context=info.context))
        if steps is None:
            return parse.validate_python(value, context=info.context)
        return Steps(tuple(sorted(steps.items())))

    return Annotated[float | Steps, BeforeValidator(validate)]


MAX_COUNT = 1e16  # parameters: 5,000 times the largest models yet (~2e12)


def _count(value):
    value = _unwrap(value)
    number = parse_quantity(value, "dimensionless", "")
    if not 1 <= number <= MAX_COUNT:
        raise ValueError(f"expected a count at least 1 and at most {MAX_COUNT:g} (e.g. '1e12'), found {value!r}")
    return number


# MFU, availability, cross-site efficiency: below 1% nothing trains, and a smaller share
# would make the accelerator-hours of a run overflow
MIN_FRACTION = 0.01


def _fraction(value):
    value = _unwrap(value)
    number = parse_quantity(value, "dimensionless", "")
    if not MIN_FRACTION <= number <= 1:
        raise ValueError(f"expected a fraction at least {MIN_FRACTION:g} and at most 1 (e.g. 0.4), found {value!r}")
    return number


MAX_WHOLE = 1_000_000  # accelerators in one server or rack: thousands at the very most


def _whole(value):
    value = _unwrap(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WHOLE:
        raise ValueError(f"expected a whole number from 1 to {MAX_WHOLE:,}, found {value!r}")
    return value


LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # half a UTF-16 pair: no file or terminal can write one
MAX_TEXT_CHARS = 2000  # a paragraph; the longest shipped source is 250, and a workbook cell holds 32,767


def _text(value):
    return checked_text(_unwrap(value))


def checked_text(value, what: str = "") -> str:
    """`value` if it is a non-empty text of at most MAX_TEXT_CHARS characters, each one UTF-8 can
    write (a workbook cell may hold a lone surrogate, which no file or terminal takes); else
    ValueError saying what `what` (e.g. "'source' to be ") was expected."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected {what}a non-empty text, found {_describe(value)}")
    if len(value) > MAX_TEXT_CHARS:
        raise ValueError(f"expected {what}a text of at most {MAX_TEXT_CHARS:,} characters, found {len(value):,} characters")
    if LONE_SURROGATE.search(value):
        raise ValueError(f"expected {what}a text of Unicode characters, found {_describe(value)} (a lone surrogate)")
    return value


_FISCAL_YEAR = re.compile(r"^FY(\d{4})$")


def _fiscal_year_name(name):
    if not isinstance(name, str) or not _FISCAL_YEAR.match(name):
        raise ValueError(f"expected fiscal years named like 'FY2027', found {name!r}")
    return name


def fiscal_year_number(name: str) -> int:
    """'FY2027' -> 2027 (a name FiscalYearName has checked)."""
    return int(name[2:])


Month = Annotated[pd.Period, BeforeValidator(_month)]
FiscalYearName = Annotated[str, BeforeValidator(_fiscal_year_name)]
Count = Annotated[float, BeforeValidator(_count)]
Fraction = Annotated[float, BeforeValidator(_fraction)]
Whole = Annotated[int, BeforeValidator(_whole)]
Text = Annotated[str, BeforeValidator(_text)]


def read(model: type[pydantic.BaseModel], data: Any, file, prefix: str = "", **context):
    """Validate `data` as `model`; a failure becomes one InputError naming file and field."""
    try:
        return model.model_validate(data, context=context)
    except pydantic.ValidationError as failure:
        errors = failure.errors()
        raise _as_input_error(errors[0], file, prefix, errors[1:]) from None


def _as_input_error(error: dict, file, prefix: str, others: list[dict] = ()) -> InputError:
    field = ".".join(
        f"[{part}]" if isinstance(part, int) else str(part) for part in (*filter(None, [prefix]), *error["loc"])
    ).replace(".[", "[")
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, InputError):
        return InputError(field, cause.expected, cause.found, str(file))
    kind = error["type"]
    given = error.get("input")
    if kind == "missing":  # a misspelt field shows as missing and unknown at once: say both
        beside = [e["loc"][-1] for e in others if e["type"] == "extra_forbidden" and e["loc"][:-1] == error["loc"][:-1]]
        hint = f" (but an unknown field {beside[0]!r} beside it: misspelt?)" if beside else ""
        return InputError(field, "this field (it is required)", "nothing" + hint, str(file))
    if kind == "extra_forbidden":
        return InputError(field, "no such field (check its spelling)", f"an unknown field {field!r}", str(file))
    message = str(cause) if cause is not None else _PLAIN.get(kind, error["msg"].removeprefix("Input should be "))
    expected, _, found = message.removeprefix("expected ").partition(", found ")
    if not found:
        expected, found = message, _describe(given)
    return InputError(field, expected, found, str(file))


# pydantic's own failures, in the words of a TOML file
_PLAIN = {
    "model_type": "a table",
    "dict_type": "a table",
    "list_type": "a list",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}


def _describe(value) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


MAX_INPUT_BYTES = 1 << 20  # scenario and profile files are small; anything larger is a mistake


def read_toml(path, field: str = "") -> dict:
    """A TOML file as a dict, or an InputError saying why it cannot be read; `field` names the
    scenario field that referred to the file, if any."""
    return parse_toml(read_file(path, MAX_INPUT_BYTES, "a readable TOML file", field), path, field)


def parse_toml(data: bytes, path, field: str = "") -> dict:
    """TOML content (read from `path`, or uploaded under that name) as a dict, or an InputError."""
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(field, f"a file of at most {MAX_INPUT_BYTES} bytes", "a larger file", str(path))
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(field, "a UTF-8 text file in TOML", "binary or non-UTF-8 content", str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(field, "valid TOML", f"a syntax error: {error}", str(path)) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise InputError(field, "valid TOML", "arrays or tables nested too deeply to read", str(path)) from None

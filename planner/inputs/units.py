"""One pint registry for the package, and parsing of quantities at the boundary.

Inside the planner every quantity is a plain float in base units (W, J, s, JPY, kg, FLOP).
Quantities enter as strings such as "300 MW", "989 TFLOP/s" or "2e12 JPY"; US dollars are
a dimension of their own and are turned into yen at the scenario's exchange rate.
"""

from __future__ import annotations

import functools
import math
import re

import pint

from planner.inputs.errors import InputError

# Building a registry costs ~0.2 s; pint's disk cache cuts that to ~20 ms for the CLI.
ureg = pint.UnitRegistry(cache_folder=":auto:")
ureg.define("FLOP = [computation] = flop")
ureg.define("token = [text]")
ureg.define("JPY = [currency] = yen")
ureg.define("USD = [usd_currency] = usd")
Q_ = ureg.Quantity

# How error messages name what a unit measures, with an example a user can copy.
_KINDS = {
    "W": ("a power", "300 MW"),
    "J": ("an energy", "500 MWh"),
    "JPY": ("an amount of money", "2e12 JPY"),
    "JPY/W": ("a cost per power", "1.3e9 JPY/MW"),
    "JPY/J": ("a price of energy", "20 JPY/kWh"),
    "JPY/kg": ("a price of emissions", "10000 JPY/t"),
    "kg/J": ("a carbon intensity", "0.5 kg/kWh"),
    "kg": ("a mass", "1 t"),
    "FLOP": ("a compute amount", "1.2e26 FLOP"),
    "FLOP/s": ("a compute rate", "989 TFLOP/s"),
    "token": ("a token count", "20e12 token"),
    "s": ("a duration", "60 s"),
    "1/month": ("a number per month", "2000 / month"),
    "JPY/USD": ("an exchange rate", "150 JPY/USD"),
    "degC": ("a temperature", "10 degC"),
    "1/delta_degC": ("a change per degree", "0.006 / delta_degC"),
    "GB": ("an amount of memory", "80 GB"),
    "dimensionless": ("a plain number", "0.4"),
}
_KIND_BY_DIMENSION = {Q_(1, unit).dimensionality: kind for unit, (kind, _) in _KINDS.items()}


def _kind(dimensionality) -> str:
    return _KIND_BY_DIMENSION.get(dimensionality, f"a quantity of dimension {dimensionality}")


def parse_quantity(text, unit: str, field: str, fx_jpy_per_usd: float | None = None) -> float:
    """Parse `text` (a string, number or pint quantity) and return its magnitude in `unit`.

    Dollar amounts become yen at `fx_jpy_per_usd`; without a rate, dollars are refused.
    Raises InputError naming `field`, the unit expected and what was found.
    """
    try:
        remembered = isinstance(text, (str, int, float)) and not isinstance(text, bool)
        magnitude, usd_power, mismatch = _remembered(text, unit) if remembered else _reading(text, unit)
    except InputError as error:
        raise InputError(field, error.expected, error.found) from None
    if usd_power and fx_jpy_per_usd is None:
        raise InputError(field, _wanted(unit) + "; dollars need an exchange rate", repr(str(text)))
    if mismatch:
        raise InputError(field, _wanted(unit), mismatch)
    number = magnitude * fx_jpy_per_usd**usd_power if usd_power else magnitude
    if not math.isfinite(number):  # "1e308 MW" is finite as written, not in watts
        raise InputError(field, f"a finite number: {_wanted(unit)}", f"{str(text)!r} (too large in {unit})")
    return number


@functools.lru_cache(maxsize=8192)
def _remembered(text, unit: str) -> tuple[float | None, int, str | None]:
    """Memoised `_reading`: a scenario is validated again after every edit (a sweep rebuilds
    thousands), its texts repeat, and pint spends ~0.2 ms on each."""
    return _reading(text, unit)


def _reading(text, unit: str) -> tuple[float | None, int, str | None]:
    """(magnitude in `unit` with dollars taken at 1 JPY/USD, the power of dollars to convert at
    the real rate, what was found when the dimension is wrong); InputError when unreadable."""
    if isinstance(text, bool):
        raise InputError("", _wanted(unit), repr(text))
    try:
        quantity = text if isinstance(text, pint.Quantity) else as_quantity(text)
    except Exception:
        raise InputError("", _wanted(unit), repr(text)) from None
    if not isinstance(quantity, pint.Quantity):
        quantity = Q_(quantity, "dimensionless")
    if not math.isfinite(float(quantity.magnitude)):
        raise InputError("", f"a finite number: {_wanted(unit)}", repr(str(text)))
    expected = Q_(1, unit)
    # dollars turn into yen, except where dollars are what is asked for (the exchange rate itself)
    usd_power = 0 if expected.dimensionality.get("[usd_currency]", 0) else quantity.dimensionality.get("[usd_currency]", 0)
    if usd_power:
        quantity = quantity * Q_(1.0, "JPY/USD") ** usd_power
    if quantity.dimensionality != expected.dimensionality:
        return None, usd_power, f"{str(text)!r} ({_kind(quantity.dimensionality)})"
    return float(quantity.m_as(unit)), usd_power, None


def _wanted(unit: str) -> str:
    kind, example = _KINDS.get(unit, (_kind(Q_(1, unit).dimensionality), f"1 {unit}"))
    return f"{kind} (e.g. '{example}')"


def check_unit(text: str, field: str) -> None:
    """Raise InputError naming `field` unless `text` is a unit ("MW", "JPY/kWh", "/ month")."""
    try:
        as_quantity(f"1 {text}")
    except Exception:
        raise InputError(field, "a unit such as 'MW', 'JPY/kWh', 'degC' or '/ month'", repr(text)) from None


_NUMBER_AND_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def split_number(text: str) -> tuple[float, str] | None:
    """"300 MW" -> (300.0, "MW"), the unit as written ("" for none); None when `text` does not
    start with a number."""
    match = _NUMBER_AND_UNIT.match(text)
    return (float(match.group(1)), match.group(2)) if match else None


def as_quantity(text) -> pint.Quantity:
    """A number, or a text such as "300 MW", as a pint quantity. Number then unit, split first
    so offset units ("-3 degC") parse as a temperature; raises what pint raises."""
    if isinstance(text, (int, float)):
        return Q_(text, "dimensionless")
    split = split_number(text)
    if split:
        number, unit = split
        unit = "1" + unit if unit.startswith("/") else unit
        return Q_(number, unit or "dimensionless")
    return Q_(text)

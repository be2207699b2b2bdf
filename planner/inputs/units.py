"""One pint registry for the package, and parsing of quantities at the boundary.

Inside the planner every quantity is a plain float in base units (W, J, s, JPY, kg, FLOP).
Quantities enter as strings such as "300 MW", "989 TFLOP/s" or "2e12 JPY"; US dollars are
a dimension of their own and are turned into yen at the scenario's exchange rate.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import unicodedata
from contextlib import contextmanager

from planner.inputs.errors import InputError


@contextmanager
def _uninstalled(module: str):
    """`module` looks uninstalled within the block: importlib.util.find_spec returns None for a
    name whose sys.modules entry is None. Outside it, `module` imports as usual."""
    if module in sys.modules:  # already imported: too late to hide, and nothing to hide it from
        yield
        return
    sys.modules[module] = None
    try:
        yield
    finally:
        del sys.modules[module]


# pint imports dask.base at its own import whenever dask is installed (pint.compat:
# HAS_DASK = find_spec("dask") is not None), ~150 ms of CPU for dask arrays of quantities,
# which the planner never makes; the sweep's Dask cluster imports dask itself when it is
# asked for. This module is the package's only `import pint`, so that the guard holds.
with _uninstalled("dask"):
    import pint
    from pint import DimensionalityError  # noqa: F401 (for studies.ranges: pint is imported here only)

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
    try:
        number = magnitude * fx_jpy_per_usd**usd_power if usd_power else magnitude
    except OverflowError:  # dollars to a power no double holds ("USD^9*USD^9*...")
        number = math.inf
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
    except Unreadable as why:
        raise InputError("", _wanted(unit), f"{text!r} ({why})") from None
    if not math.isfinite(float(quantity.magnitude)):
        raise InputError("", f"a finite number: {_wanted(unit)}", repr(str(text)))
    expected = Q_(1, unit)
    # dollars turn into yen, except where dollars are what is asked for (the exchange rate itself)
    usd_power = 0 if expected.dimensionality.get("[usd_currency]", 0) else quantity.dimensionality.get("[usd_currency]", 0)
    if usd_power:
        quantity = quantity * Q_(1.0, "JPY/USD") ** usd_power
    if quantity.dimensionality != expected.dimensionality:
        return None, usd_power, f"{str(text)!r} ({_kind(quantity.dimensionality)})"
    try:
        return float(quantity.m_as(unit)), usd_power, None
    except OverflowError:  # a unit whose factor no double holds ("YW^9*YW^9/W^9...")
        return math.inf, usd_power, None


def _wanted(unit: str) -> str:
    kind, example = _KINDS.get(unit, (_kind(Q_(1, unit).dimensionality), f"1 {unit}"))
    return f"{kind} (e.g. '{example}')"


def check_unit(text: str, field: str) -> None:
    """Raise InputError naming `field` unless `text` is a unit ("MW", "JPY/kWh", "/ month")."""
    try:
        as_quantity(f"1 {text}")
    except Unreadable:
        raise InputError(field, "a unit such as 'MW', 'JPY/kWh', 'degC' or '/ month'", repr(text)) from None


# The grammar of a quantity a user writes: a number, then a unit made of unit names joined by
# '*', '/' or a space, each with an optional one-digit power ('^2', '**-1'). No numbers in the
# unit and no parentheses: pint's own parser evaluates arithmetic ("(9**9**9) MW" never ends),
# so only text this grammar accepts ever reaches it.
MAX_QUANTITY_CHARS = 100  # "1.234567890123456e+26 FLOP" is 26; longer is pasted text, not a value
_NUMBER = r"[-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|(?i:inf(?:inity)?|nan))"
_FACTOR = r"(?:[A-Za-z_\u03bc]+|%)(?:\s*(?:\^|\*\*)\s*-?[0-9])?"  # \u03bc: micro, once NFKC-normalised
_UNIT = re.compile(rf"(?:1?\s*/\s*)?{_FACTOR}(?:(?:\s*[*/]\s*|\s+){_FACTOR})*")
_NUMBER_AND_UNIT = re.compile(rf"^\s*({_NUMBER})\s*(.*?)\s*$", re.DOTALL)


class Unreadable(ValueError):
    """A text that is not a quantity by the grammar above; says why."""


def _readable(text: str) -> str:
    """`text` with full-width forms made plain (NFKC: "１５０ ＭＷ" is "150 MW", as a Japanese input
    method types it), or Unreadable when it is too long or holds a control character."""
    if len(text) > MAX_QUANTITY_CHARS:
        raise Unreadable(f"{len(text)} characters, more than the {MAX_QUANTITY_CHARS} a quantity may have")
    hidden = next((c for c in text if unicodedata.category(c)[0] == "C" and c not in " \t"), None)
    if hidden is not None:
        raise Unreadable(f"the control character U+{ord(hidden):04X}")
    return unicodedata.normalize("NFKC", text)


def split_number(text: str) -> tuple[float, str] | None:
    """"300 MW" -> (300.0, "MW"), the unit as written ("" for none); None when `text` is no
    quantity (`_readable`) or does not start with a number."""
    try:
        match = _NUMBER_AND_UNIT.match(_readable(text))
    except Unreadable:
        return None
    return (float(match.group(1)), match.group(2)) if match else None


def as_quantity(text) -> pint.Quantity:
    """A number, or a text "NUMBER UNIT" ("300 MW", "-3 degC", "2000 / month"), as a pint
    quantity, read by the grammar above, or Unreadable saying why not. The number is split off
    first so offset units parse as a temperature."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        try:
            return Q_(float(text), "dimensionless")
        except OverflowError:  # a whole number of thousands of digits, typed in the app
            raise Unreadable("a number too large to be a quantity") from None
    if not isinstance(text, str):
        raise Unreadable(f"a {type(text).__name__}, not a number or a text")
    match = _NUMBER_AND_UNIT.match(_readable(text))
    if match is None:
        raise Unreadable("not a number followed by a unit")
    number, unit = float(match.group(1)), match.group(2)
    if unit and not _UNIT.fullmatch(unit):
        raise Unreadable("a unit joins unit names with '*', '/' and one-digit powers only: no numbers or brackets")
    try:
        return Q_(number, ureg.parse_units("1" + unit if unit.startswith("/") else unit) if unit else "dimensionless")
    except Exception:  # pint raises several kinds of error for a unit it does not know
        raise Unreadable(f"no unit {unit!r} is known") from None

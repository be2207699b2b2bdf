"""Planning months and Japanese fiscal years (April to March: FY2026 = Apr 2026 - Mar 2027)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from planner.inputs.errors import InputError

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$", re.ASCII)
MONTHS_EARLIER = "months earlier"  # the unit of the finish objective's re-planned gains (results.plan)


def parse_month(text, field: str) -> pd.Period:
    """A calendar month written "YYYY-MM" (full-width digits too, as quantities take them)."""
    if isinstance(text, pd.Period):
        return text.asfreq("M")
    expected = "a month as 'YYYY-MM' (e.g. '2027-04')"
    plain = unicodedata.normalize("NFKC", text).strip() if isinstance(text, str) else None
    if plain is None or not _MONTH.match(plain):
        raise InputError(field, expected, repr(text))
    try:
        return pd.Period(plain, freq="M")
    except ValueError as error:  # year 0000
        raise InputError(field, expected, f"{text!r} ({error})") from None


def months_between(first: pd.Period, last: pd.Period) -> pd.PeriodIndex:
    """Every month from `first` to `last`, both included."""
    return pd.period_range(first, last, freq="M")


def fiscal_year(month: pd.Period) -> int:
    return month.year if month.month >= 4 else month.year - 1


def fiscal_years(months: pd.PeriodIndex) -> np.ndarray:
    return np.where(months.month >= 4, months.year, months.year - 1)


def hours_in(months: pd.PeriodIndex) -> np.ndarray:
    return months.days_in_month.to_numpy(dtype=float) * 24.0


def label(month: pd.Period) -> str:
    return month.strftime("%Y-%m")

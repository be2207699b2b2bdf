"""Numbers as people read them, the same on the screen, in the workbook's words and in the
terminal: yen in billions as the headline writes them, shadow prices per unit of their limit,
large counts with a suffix."""

from __future__ import annotations

from planner.inputs.calendar import MONTHS_EARLIER

BN = 1e9


def money(jpy: float) -> str:
    """Yen as the headline writes them, in billions ("JPY 391.8 bn"), with three figures at
    least ("JPY 1.57 bn"), in millions below a billion ("JPY 1.03 mn"), in yen below that."""
    size = abs(jpy)
    if size >= 1e6:
        number, suffix = (jpy / BN, "bn") if size >= BN else (jpy / 1e6, "mn")
        return f"JPY {number:,.{1 if abs(number) >= 10 else 2}f} {suffix}"
    return f"JPY {jpy:,.0f}" if size >= 100 else f"JPY {jpy:.3g}"


def per_unit(value: float, unit: str) -> str:
    """An amount per unit of a limit, a shadow price: "JPY 1.57 bn per MW" for money (as
    `money`), other amounts ("FLOP per MW", "t CO2 per JPY") to three or more figures."""
    amount, _, per = unit.partition(" per ")
    if amount == "JPY":
        return f"{money(value)} per {per}"
    return f"{value:,.0f} {unit}" if 1e3 <= abs(value) < 1e9 else f"{value:.3g} {unit}"


def worth_in_words(shadow_price: float, unit: str) -> str:
    """What one more unit of a limit is worth, as a line ends: "JPY 1.57 bn per MW", or for a
    finish gain "finishes 1 month earlier" and "finishes no earlier"."""
    if unit != MONTHS_EARLIER:
        return per_unit(shadow_price, unit)
    months = round(shadow_price)
    return f"finishes {months} month{'s' * (months != 1)} earlier" if months else "finishes no earlier"


def scaled(number: float, digits: int = 3) -> str:
    """1.56e13 -> '15.6T', 4.05e11 -> '405B', 3.08e7 -> '30.8M'."""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(number) >= scale:
            return f"{number / scale:,.{digits}g}{suffix}"
    return f"{number:,.0f}"

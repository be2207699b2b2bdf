"""The Hedge sheet: a hedged plan's settings and headline (objective, VSS, EVPI), the orders every
future shares, and each future's outcome, written as the planning workbook writes its sheets."""

from __future__ import annotations

import io

import pandas as pd
import xlsxwriter

from planner.exchange.export import JPY_BN, WORKBOOK_OPTIONS, Column, Sheet, Styles, write_table

ORDERS = (
    Column("site", "Site"),
    Column("accelerator", "Accelerator"),
    Column("month", "Month"),
    Column("bought", "Delivered (count)", "count", total=True),
    Column("retired", "Retired (count)", "count", total=True),
)
OUTCOMES = (
    Column("case", "Future"),
    Column("probability", "Probability", "ratio"),
    Column("status", "Status"),
    Column("cost_jpy", "Cost with lateness (JPY bn)", "jpy_bn", JPY_BN),
    Column("economic_cost_jpy", "Economic cost (JPY bn)", "jpy_bn", JPY_BN),
    Column("late_charge_jpy", "Lateness charge (JPY bn)", "jpy_bn", JPY_BN),
    Column("capex_jpy", "Capex paid (JPY bn)", "jpy_bn", JPY_BN),
    Column("finish_month", "Finish month"),
    Column("months_late", "Months late", "count"),
)
MONEY_KEYS = ("objective_jpy", "expected_cost_jpy", "cvar_jpy", "eev_jpy", "vss_jpy", "ws_jpy", "evpi_jpy")


def hedge_sheet(workbook: xlsxwriter.Workbook, styles: Styles, summary: dict, orders: pd.DataFrame,
                outcomes: pd.DataFrame) -> None:
    """Add the Hedge sheet: headline rows, then the shared orders, then each future's outcome."""
    sheet = Sheet(workbook, styles, "Hedge")
    headline = pd.DataFrame([(key.removesuffix("_jpy") + (" (JPY bn)" if key in MONEY_KEYS else ""), _shown(key, value))
                             for key, value in summary.items()], columns=["Setting", "Value"])
    below = write_table(sheet, headline, ()).end + 2
    sheet.text(below, 0, "Orders every future shares (up to the decision month)", "header")
    below = write_table(sheet, orders, ORDERS, top=below + 1).end + 2
    sheet.text(below, 0, "Each future with these orders", "header")
    write_table(sheet, outcomes, OUTCOMES, top=below + 1)
    sheet.sheet.freeze_panes(1, 0)  # each table froze its own header: the sheet keeps the first
    sheet.fit()


def hedge_workbook_bytes(summary: dict, orders: pd.DataFrame, outcomes: pd.DataFrame) -> bytes:
    """A workbook holding the Hedge sheet alone (`planner hedge --out FILE.xlsx`)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties({"title": "Hedge", "comments": "Written by planner hedge"})
    hedge_sheet(workbook, Styles(workbook), summary, orders, outcomes)
    workbook.close()
    return buffer.getvalue()


def _shown(key: str, value):
    if key in MONEY_KEYS and value is not None:
        return float(value) * JPY_BN
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else value

"""A site's typical day in a month as a Vega-Lite spec: what supplies each hour, stacked (clean
contracts matched to the load, a battery's discharge, grid import: above the load line while the
battery charges), against the site's load, with the
electricity price drawn over it on its own axis. As in planner.app.charts, the chart's structure
is written with Altair once, with named datasets, and a plan only fills in the data."""

from __future__ import annotations

from functools import cache

import altair as alt
import pandas as pd

from planner.app.charts import chart_spec, filled_spec
from planner.results.hours import typical_days
from planner.results.plan import Plan

SUPPLIES = {"contracts_mw": "clean contracts", "battery_mw": "battery", "grid_mw": "grid import"}  # typical_days' supply columns, stacked in this order


def typical_day_frames(plan: Plan, month: str) -> dict[str, pd.DataFrame]:
    """`month`'s typical day at every site: "supply" (site, hour, source, mw), long, and "day"
    (site, hour, load_mw, price_jpy_per_kwh)."""
    days = typical_days(plan, month)
    supply = days.melt(id_vars=["site", "hour"], value_vars=list(SUPPLIES), var_name="source", value_name="mw")
    supply["source"] = supply["source"].map(SUPPLIES)
    return {"supply": supply, "day": days[["site", "hour", "load_mw", "price_jpy_per_kwh"]]}


def typical_day_chart(frames: dict[str, pd.DataFrame], site: str, month: str) -> dict:
    """One site's typical day from `typical_day_frames`: supply stacked by hour, the load as a
    black line, the price as an orange line on the right-hand axis."""
    data = {name: frame[frame["site"] == site] for name, frame in frames.items()}
    return filled_spec(_typical_day_template(), data, f"{site}, a typical day in {month}")


@cache
def _typical_day_template() -> dict:
    hour = alt.X("hour:O", title="hour", axis=alt.Axis(labelAngle=0))
    supply = alt.Chart(alt.NamedData("supply")).mark_bar().encode(
        x=hour, y=alt.Y("mw:Q", stack="zero", title="MW"),
        color=alt.Color("source:N", title="supplied by", sort=list(SUPPLIES.values())),
        tooltip=["hour:O", "source:N", alt.Tooltip("mw:Q", format=",.1f", title="MW")],
    )
    day = alt.Chart(alt.NamedData("day"))
    load = day.mark_line(color="black", point=True).encode(
        x=hour, y=alt.Y("load_mw:Q", title="MW"),
        tooltip=["hour:O", alt.Tooltip("load_mw:Q", format=",.1f", title="load (MW)")],
    )
    price = day.mark_line(color="#F58518", strokeDash=[4, 2]).encode(
        x=hour, y=alt.Y("price_jpy_per_kwh:Q", title="price (JPY/kWh, dashed)", axis=alt.Axis(orient="right")),
        tooltip=["hour:O", alt.Tooltip("price_jpy_per_kwh:Q", format=",.2f", title="price (JPY/kWh)")],
    )
    return chart_spec(alt.layer(alt.layer(supply, load), price).resolve_scale(y="independent"))

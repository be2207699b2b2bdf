"""Altair charts of a plan, with a pinned plan drawn over it (dashed) when one is given.

Each function takes the current plan and optionally a pinned one; the data comes from
planner.views, so what the charts draw is the same data the tests check.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from planner import views
from planner.plan import Plan
from planner.views import CURRENT, PINNED

HEIGHT = 240
MONTH = alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m"))


def _both(view, current: Plan, pinned: Plan | None) -> pd.DataFrame:
    """A view of the current plan, and of the pinned plan below it when that plan has one."""
    frames = [view(current, CURRENT)]
    if pinned is not None and pinned.feasible:
        frames.append(view(pinned, PINNED))
    return pd.concat(frames, ignore_index=True)


def _dash(pinned: Plan | None) -> alt.StrokeDash:
    """Solid for the current plan, dashed for the pinned one (with a legend only when compared)."""
    scale = alt.Scale(domain=[CURRENT, PINNED], range=[[1, 0], [5, 3]])
    compared = pinned is not None and pinned.feasible
    return alt.StrokeDash("plan:N", title="plan", scale=scale, legend=alt.Legend() if compared else None)


def _site(frame: pd.DataFrame, site: str) -> pd.DataFrame:
    return frame[frame["site"] == site]


def fleet_chart(current: Plan, pinned: Plan | None, site: str) -> alt.LayerChart:
    """Accelerators installed at `site` each month, stacked by type; the pinned plan's total dashed."""
    bars = (
        alt.Chart(_site(views.fleet_by_month(current), site))
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):O", title=None),
            y=alt.Y("installed:Q", stack="zero", title="accelerators installed"),
            color=alt.Color("accelerator:N", title="accelerator"),
            tooltip=[alt.Tooltip("yearmonth(month):O", title="month"), "accelerator:N", alt.Tooltip("installed:Q", format=",.0f")],
        )
    )
    layers = [bars]
    if pinned is not None and pinned.feasible:
        total = (
            alt.Chart(_site(views.fleet_totals(pinned, PINNED), site))
            .mark_line(color="black", interpolate="step-after")
            .encode(x=alt.X("yearmonth(month):O"), y="installed:Q", strokeDash=_dash(pinned))
        )
        layers.append(total)
    return alt.layer(*layers).properties(title=f"Fleet at {site}", height=HEIGHT, width="container")


def power_chart(current: Plan, pinned: Plan | None, site: str) -> alt.Chart:
    """Facility draw at `site` against its grid import limit, MW by month."""
    frame = _site(_both(views.power_by_month, current, pinned), site)
    long = frame.melt(
        id_vars=["site", "month", "plan"], value_vars=["facility_mw", "grid_limit_mw"], var_name="quantity", value_name="mw"
    )
    long["quantity"] = long["quantity"].map({"facility_mw": "facility draw", "grid_limit_mw": "grid limit"})
    return (
        alt.Chart(long)
        .mark_line(interpolate="step-after")
        .encode(
            x=MONTH,
            y=alt.Y("mw:Q", title="MW"),
            color=alt.Color(
                "quantity:N", title=None, scale=alt.Scale(domain=["facility draw", "grid limit"], range=["#1f77b4", "#d62728"])
            ),
            strokeDash=_dash(pinned),
            tooltip=["plan:N", "quantity:N", alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("mw:Q", format=",.1f")],
        )
        .properties(title=f"Power at {site}", height=HEIGHT, width="container")
    )


def compute_chart(current: Plan, pinned: Plan | None) -> alt.LayerChart:
    """Cumulative training compute against the requirement, with the deadline marked."""
    curve = (
        alt.Chart(_both(views.compute_by_month, current, pinned))
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", title="end of month", axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("cumulative_flop:Q", title="training compute (FLOP)", axis=alt.Axis(format=".1e")),
            strokeDash=_dash(pinned),
            tooltip=["plan:N", alt.Tooltip("month:T", format="%Y-%m", title="end of month"), alt.Tooltip("cumulative_flop:Q", format=".3e")],
        )
    )
    due = pd.DataFrame([views.requirement(current)])
    required = alt.Chart(due).mark_rule(color="#d62728").encode(y="required_flop:Q")
    required_label = (
        alt.Chart(due)
        .mark_text(align="left", dy=-7, color="#d62728")
        .encode(x=alt.value(4), y="required_flop:Q", text=alt.value("required"))
    )
    deadline = alt.Chart(due).mark_rule(color="black", strokeDash=[2, 2]).encode(x="deadline:T")
    deadline_label = (
        alt.Chart(due)
        .mark_text(align="right", dx=-4, dy=8, color="black")
        .encode(x="deadline:T", y=alt.value(0), text=alt.value("deadline"))
    )
    return alt.layer(curve, required, required_label, deadline, deadline_label).properties(
        title="Training compute", height=HEIGHT, width="container"
    )


def spending_chart(current: Plan, pinned: Plan | None) -> alt.LayerChart:
    """Capex and electricity by fiscal year (bars, the pinned plan beside), money arriving (ticks)."""
    frame = _both(views.spending_by_year, current, pinned)
    offset = {"xOffset": alt.XOffset("plan:N", sort=[CURRENT, PINNED])} if frame["plan"].nunique() > 1 else {}
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("fiscal_year:N", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("spent_bn:Q", stack="zero", title="JPY bn"),
            color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=["capex", "electricity"], range=["#4c78a8", "#f58518"])),
            opacity=alt.Opacity("plan:N", scale=alt.Scale(domain=[CURRENT, PINNED], range=[1.0, 0.45]), legend=None),
            tooltip=["plan:N", "fiscal_year:N", "kind:N", alt.Tooltip("spent_bn:Q", format=",.2f")],
            **offset,
        )
    )
    arriving = frame.drop_duplicates(["fiscal_year", "plan"]).dropna(subset=["arriving_bn"])
    ticks = (
        alt.Chart(arriving)
        .mark_tick(color="black", thickness=3)
        .encode(
            x="fiscal_year:N",
            y="arriving_bn:Q",
            tooltip=["plan:N", "fiscal_year:N", alt.Tooltip("arriving_bn:Q", title="money arriving (JPY bn)", format=",.1f")],
            **offset,
        )
    )
    return alt.layer(bars, ticks).properties(
        title="Spending by fiscal year (ticks: money arriving)", height=HEIGHT, width="container"
    )

"""Charts of a plan as Vega-Lite specs, with a pinned plan drawn over it when one is given.

Each chart's structure is written with Altair once (and validated once) with named datasets;
a plan only fills in the data. Building and validating Altair objects costs 50-200 ms per chart
and the app redraws six on every change, so doing that per plan would take most of the
one-second budget for a replan. The data comes from planner.app.views.
"""

from __future__ import annotations

import copy
import json
from functools import cache

import altair as alt
import pandas as pd

from planner.app import views
from planner.app.views import CURRENT, PINNED
from planner.results.plan import Plan

HEIGHT = 240
BOTH = [CURRENT, PINNED]


def fleet_chart(current: Plan, pinned: Plan | None, site: str) -> dict:
    """Accelerators installed at `site` each month, stacked by type; with a pinned plan, both
    plans' totals as lines (the pinned one dashed)."""
    data = {"fleet": _site(views.fleet_by_month(current), site)}
    if _compared(pinned):
        data["totals"] = _site(_both(views.fleet_totals, current, pinned), site)
    return filled_spec(_fleet_template(_compared(pinned)), data, f"Fleet at {site}")


def power_chart(current: Plan, pinned: Plan | None, site: str) -> dict:
    """Facility draw at `site` against its grid import limit, MW by month."""
    frame = _site(_both(views.power_by_month, current, pinned), site)
    long = frame.melt(
        id_vars=["site", "month", "plan"],
        value_vars=["facility_mw", "grid_limit_mw"],
        var_name="quantity",
        value_name="mw",
    )
    long["quantity"] = long["quantity"].map({"facility_mw": "facility draw", "grid_limit_mw": "grid limit"})
    return filled_spec(_power_template(_compared(pinned)), {"power": long}, f"Power at {site}")


def compute_chart(current: Plan, pinned: Plan | None) -> dict:
    """Cumulative training compute against the requirement, with the deadline marked."""
    data = {
        "compute": _both(views.compute_by_month, current, pinned),
        "due": pd.DataFrame([views.requirement(current)]),
    }
    return filled_spec(_compute_template(_compared(pinned)), data, "Training compute")


def spending_chart(current: Plan, pinned: Plan | None) -> dict:
    """Capex and electricity by fiscal year (bars, the pinned plan's beside), money arriving (ticks)."""
    frame = _both(views.spending_by_year, current, pinned)
    data = {
        "spending": frame,
        "arriving": frame.drop_duplicates(["fiscal_year", "plan"]).dropna(subset=["arriving_bn"]),
    }
    return filled_spec(_spending_template(_compared(pinned)), data, "Spending by fiscal year (ticks: money arriving)")


def _compared(pinned: Plan | None) -> bool:
    """Whether there is a pinned plan to draw (an infeasible one has nothing to draw)."""
    return pinned is not None and pinned.feasible


def _both(view, current: Plan, pinned: Plan | None) -> pd.DataFrame:
    """A view of the current plan, and of the pinned plan below it when that plan has one."""
    frames = [view(current, CURRENT)]
    if _compared(pinned):
        frames.append(view(pinned, PINNED))
    return pd.concat(frames, ignore_index=True)


def _site(frame: pd.DataFrame, site: str) -> pd.DataFrame:
    return frame[frame["site"] == site]


def filled_spec(template: dict, data: dict[str, pd.DataFrame], title: str) -> dict:
    """A copy of a chart template with its named datasets filled in and its title set."""
    spec = copy.deepcopy(template)
    spec["title"] = title
    spec["datasets"] = {
        name: json.loads(frame.to_json(orient="records", date_format="iso")) for name, frame in data.items()
    }
    return spec


def chart_spec(chart) -> dict:
    return chart.properties(height=HEIGHT, width="container").to_dict()


def _dash(compared: bool) -> alt.StrokeDash:
    """Solid for the current plan, dashed for the pinned one (with a legend only when compared)."""
    scale = alt.Scale(domain=BOTH, range=[[1, 0], [5, 3]])
    return alt.StrokeDash("plan:N", title="plan", scale=scale, legend=alt.Legend() if compared else None)


MONTH = alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m"))
MONTH_BANDS = alt.X("yearmonth(month):O", title=None)


@cache
def _fleet_template(compared: bool) -> dict:
    bars = (
        alt.Chart(alt.NamedData("fleet"))
        .mark_bar()
        .encode(
            x=MONTH_BANDS,
            y=alt.Y("installed:Q", stack="zero", title="accelerators installed"),
            color=alt.Color("accelerator:N", title="accelerator"),
            tooltip=[
                alt.Tooltip("yearmonth(month):O", title="month"),
                "accelerator:N",
                alt.Tooltip("installed:Q", format=",.0f"),
            ],
        )
    )
    if not compared:
        return chart_spec(bars)
    totals = (
        alt.Chart(alt.NamedData("totals"))
        .mark_line(color="black", interpolate="step-after")
        .encode(x=MONTH_BANDS, y="installed:Q", strokeDash=_dash(compared))
    )
    return chart_spec(alt.layer(bars, totals))


@cache
def _power_template(compared: bool) -> dict:
    colours = alt.Scale(domain=["facility draw", "grid limit"], range=["#1f77b4", "#d62728"])
    lines = (
        alt.Chart(alt.NamedData("power"))
        .mark_line(interpolate="step-after")
        .encode(
            x=MONTH,
            y=alt.Y("mw:Q", title="MW"),
            color=alt.Color("quantity:N", title=None, scale=colours),
            strokeDash=_dash(compared),
            tooltip=[
                "plan:N",
                "quantity:N",
                alt.Tooltip("month:T", format="%Y-%m"),
                alt.Tooltip("mw:Q", format=",.1f"),
            ],
        )
    )
    return chart_spec(lines)


@cache
def _compute_template(compared: bool) -> dict:
    curve = (
        alt.Chart(alt.NamedData("compute"))
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", title="end of month", axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("cumulative_flop:Q", title="training compute (FLOP)", axis=alt.Axis(format=".1e")),
            strokeDash=_dash(compared),
            tooltip=[
                "plan:N",
                alt.Tooltip("month:T", format="%Y-%m", title="end of month"),
                alt.Tooltip("cumulative_flop:Q", format=".3e"),
            ],
        )
    )
    due = alt.Chart(alt.NamedData("due"))
    required = due.mark_rule(color="#d62728").encode(y="required_flop:Q")
    required_label = due.mark_text(align="left", dy=-7, color="#d62728").encode(
        x=alt.value(4), y="required_flop:Q", text=alt.value("required")
    )
    deadline = due.mark_rule(color="black", strokeDash=[2, 2]).encode(x="deadline:T")
    deadline_label = due.mark_text(align="right", dx=-4, dy=8, color="black").encode(
        x="deadline:T", y=alt.value(0), text=alt.value("deadline")
    )
    return chart_spec(alt.layer(curve, required, required_label, deadline, deadline_label))


@cache
def _spending_template(compared: bool) -> dict:
    beside = {"xOffset": alt.XOffset("plan:N", sort=BOTH)} if compared else {}
    bars = (
        alt.Chart(alt.NamedData("spending"))
        .mark_bar()
        .encode(
            x=alt.X("fiscal_year:N", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("spent_bn:Q", stack="zero", title="JPY bn"),
            color=alt.Color(
                "kind:N", title=None,
                scale=alt.Scale(domain=["capex", "electricity", "demand charges"], range=["#4c78a8", "#f58518", "#54a24b"]),
            ),
            opacity=alt.Opacity(
                "plan:N",
                title="plan",
                scale=alt.Scale(domain=BOTH, range=[1.0, 0.45]),
                legend=alt.Legend() if compared else None,
            ),
            tooltip=["plan:N", "fiscal_year:N", "kind:N", alt.Tooltip("spent_bn:Q", format=",.2f")],
            **beside,
        )
    )
    ticks = (
        alt.Chart(alt.NamedData("arriving"))
        .mark_tick(color="black", thickness=3)
        .encode(
            x="fiscal_year:N",
            y="arriving_bn:Q",
            tooltip=[
                "plan:N",
                "fiscal_year:N",
                alt.Tooltip("arriving_bn:Q", title="money arriving (JPY bn)", format=",.1f"),
            ],
            **beside,
        )
    )
    return chart_spec(alt.layer(bars, ticks))

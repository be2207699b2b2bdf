"""Charts of the programme as Vega-Lite specs: runs against their deadlines (a Gantt chart),
the fleet by vintage, cash by source against the money available, and the cost attributed to
each run. As in planner.app.charts, each chart's structure is written with Altair once, with
named datasets, and a plan only fills in the data (building an Altair chart per plan costs some
0.25 s a chart). Money in billions of yen; months as dates (a month bar ends where it ends)."""

from __future__ import annotations

from functools import cache

import altair as alt
import pandas as pd

from planner.app.charts import chart_spec, filled_spec
from planner.results.plan import Plan
from planner.results.programme import EXISTING, cash_by_source, fleet_by_vintage

BILLION = 1e9


def _start(months) -> pd.Series:
    return pd.Series(pd.PeriodIndex(months, freq="M").to_timestamp())


def _end(months) -> pd.Series:
    """The end of each month: the next month's first day."""
    return pd.Series((pd.PeriodIndex(months, freq="M") + 1).to_timestamp())


def runs_frame(plan: Plan) -> pd.DataFrame:
    """Each run from its first month at work to the end of its finish month (to the horizon's
    end, marked unfinished, when it does not finish), and the end of its deadline month."""
    runs = plan.runs.dropna(subset=["start"]).reset_index(drop=True)
    last = str(plan.compute["month"].iloc[-1])
    return pd.DataFrame({
        "run": runs["run"],
        "start": _start(runs["start"]),
        "end": _end(runs["finish"].fillna(last)),
        "deadline": _end(runs["deadline"]),
        "state": ["finished" if isinstance(f, str) else "not finished" for f in runs["finish"]],
        "finish": runs["finish"].fillna("not finished"),
        "accelerators": runs["accelerators"],
    })


def gantt_chart(plan: Plan) -> dict:
    """Each run's months at work as a bar, its deadline as a red tick at the end of its month."""
    return filled_spec(_gantt_template(), {"runs": runs_frame(plan)}, "Runs against their deadlines (red: each deadline's end)")


@cache
def _gantt_template() -> dict:
    runs = alt.Chart(alt.NamedData("runs"))
    bars = runs.mark_bar(height=16).encode(
        y=alt.Y("run:N", sort=None, title=None),
        x=alt.X("start:T", title=None, axis=alt.Axis(format="%Y-%m")),
        x2="end:T",
        color=alt.Color("state:N", title=None, scale=alt.Scale(domain=["finished", "not finished"], range=["#4C78A8", "#E45756"])),
        tooltip=["run:N", alt.Tooltip("start:T", format="%Y-%m", title="start"), "finish:N",
                 alt.Tooltip("deadline:T", format="%Y-%m", title="deadline (end of the month before)"),
                 alt.Tooltip("accelerators:Q", format=",.0f", title="most accelerators at work")],
    )
    deadlines = runs.mark_tick(color="#C00000", thickness=3, size=26).encode(y=alt.Y("run:N", sort=None), x="deadline:T")
    return chart_spec(alt.layer(bars, deadlines))

def vintage_frame(plan: Plan) -> pd.DataFrame:
    """Accelerators in service by month bought, all sites and types together, by month; `order`
    puts the existing fleet first, then purchases by month."""
    vintages = fleet_by_vintage(plan).groupby(["bought", "month"], as_index=False, sort=False)["accelerators"].sum()
    order = vintages["bought"].map(lambda bought: -1 if bought == EXISTING else pd.Period(bought, "M").ordinal)
    return vintages.assign(month=_start(vintages["month"]), order=order)

def vintage_chart(plan: Plan) -> dict:
    return filled_spec(_vintage_template(), {"vintages": vintage_frame(plan)}, "Fleet by vintage: accelerators in service by month bought")


@cache
def _vintage_template() -> dict:
    return chart_spec(alt.Chart(alt.NamedData("vintages")).mark_area(interpolate="step-after").encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m")),
        y=alt.Y("accelerators:Q", stack="zero", title="accelerators in service"),
        color=alt.Color("bought:N", title="bought", sort=alt.EncodingSortField("order", op="min"),
                        scale=alt.Scale(scheme="viridis")),
        order=alt.Order("order:Q"),
        tooltip=["bought:N", alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("accelerators:Q", format=",.0f")],
    ))

def cash_frame(plan: Plan) -> pd.DataFrame:
    cash = cash_by_source(plan)
    return cash.assign(paid_bn=cash["paid_jpy"] / BILLION, arriving_bn=cash["arriving_jpy"] / BILLION,
                       arrived_to_date_bn=cash["arrived_to_date_jpy"] / BILLION)


def cash_chart(plan: Plan) -> dict:
    """Cash paid by fiscal year from each source (bars side by side), the money arriving that
    year from it (black ticks)."""
    data = cash_frame(plan)
    data = {"cash": data, "arriving": data.dropna(subset=["arriving_bn"])}
    return filled_spec(_cash_template(), data, "Cash by source against the money arriving (ticks)")


@cache
def _cash_template() -> dict:
    x = alt.X("fiscal_year:N", title=None, axis=alt.Axis(labelAngle=0))
    bars = alt.Chart(alt.NamedData("cash")).mark_bar().encode(
        x=x, xOffset="source:N", y=alt.Y("paid_bn:Q", title="JPY bn"), color=alt.Color("source:N", title="paid from"),
        tooltip=["fiscal_year:N", "source:N", alt.Tooltip("paid_bn:Q", format=",.2f", title="paid (JPY bn)"),
                 alt.Tooltip("arriving_bn:Q", format=",.2f", title="arriving (JPY bn)"),
                 alt.Tooltip("arrived_to_date_bn:Q", format=",.2f", title="arrived to date (JPY bn)")])
    ticks = alt.Chart(alt.NamedData("arriving")).mark_tick(color="black", thickness=2).encode(
        x=x, xOffset="source:N", y="arriving_bn:Q")
    return chart_spec(alt.layer(bars, ticks))

def run_cost_frame(plan: Plan) -> pd.DataFrame:
    runs = plan.runs
    return pd.DataFrame({"run": runs["run"], "cost_bn": runs["attributed_cost_jpy"] / BILLION,
                         "accelerator_months": runs["accelerator_months"]})


def run_cost_chart(plan: Plan) -> dict:
    """The cost attributed to each run: the capital charge of the accelerator-months it used, and its energy."""
    return filled_spec(_run_cost_template(), {"costs": run_cost_frame(plan)},
                   "Cost per run (capital charge of its accelerator-months, and its energy)")


@cache
def _run_cost_template() -> dict:
    return chart_spec(alt.Chart(alt.NamedData("costs")).mark_bar().encode(
        y=alt.Y("run:N", sort=None, title=None),
        x=alt.X("cost_bn:Q", title="attributed cost (JPY bn)"),
        tooltip=["run:N", alt.Tooltip("cost_bn:Q", format=",.3f", title="JPY bn"),
                 alt.Tooltip("accelerator_months:Q", format=",.0f", title="accelerator-months")],
    ))

"""Altair charts of the programme: runs against their deadlines (a Gantt chart), the fleet by
vintage, cash by source against the money available, and the cost attributed to each run. The
data are the plan's tables as planner.results.programme and the views shape them; money in
billions of yen, months as dates (a month bar ends where the month ends)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from planner.results.plan import Plan
from planner.results.programme import EXISTING, cash_by_source, fleet_by_vintage

WIDTH = 560
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


def gantt_chart(plan: Plan) -> alt.Chart:
    """Each run's months at work as a bar, its deadline as a red tick at the end of its month."""
    data = runs_frame(plan)
    order = list(data["run"])
    bars = alt.Chart(data).mark_bar(height=16).encode(
        y=alt.Y("run:N", sort=order, title=None),
        x=alt.X("start:T", title="month", timeUnit="yearmonth"),
        x2="end:T",
        color=alt.Color("state:N", title=None, scale=alt.Scale(domain=["finished", "not finished"], range=["#4C78A8", "#E45756"])),
        tooltip=["run", alt.Tooltip("start:T", timeUnit="yearmonth", title="start"), "finish",
                 alt.Tooltip("deadline:T", timeUnit="yearmonth", title="deadline (end of the month before)"),
                 alt.Tooltip("accelerators:Q", format=",.0f", title="most accelerators at work")],
    )
    deadlines = alt.Chart(data).mark_tick(color="#C00000", thickness=3, size=26).encode(
        y=alt.Y("run:N", sort=order), x="deadline:T")
    return alt.layer(bars, deadlines).properties(width=WIDTH, title="Runs against their deadlines (red: each deadline's end)")


def vintage_frame(plan: Plan) -> pd.DataFrame:
    """Accelerators in service by month bought, all sites and types together, by month."""
    vintages = fleet_by_vintage(plan).groupby(["bought", "month"], as_index=False, sort=False)["accelerators"].sum()
    return vintages.assign(month=_start(vintages["month"]))


def vintage_chart(plan: Plan) -> alt.Chart:
    data = vintage_frame(plan)
    order = [EXISTING] + sorted(v for v in data["bought"].unique() if v != EXISTING)
    return alt.Chart(data).mark_area().encode(
        x=alt.X("month:T", title="month", timeUnit="yearmonth"),
        y=alt.Y("accelerators:Q", stack="zero", title="accelerators in service"),
        color=alt.Color("bought:O", sort=order, title="bought", scale=alt.Scale(scheme="viridis")),
        order=alt.Order("bought:O"),
        tooltip=["bought", alt.Tooltip("month:T", timeUnit="yearmonth"), alt.Tooltip("accelerators:Q", format=",.0f")],
    ).properties(width=WIDTH, title="Fleet by vintage: accelerators in service by month bought")


def cash_frame(plan: Plan) -> pd.DataFrame:
    cash = cash_by_source(plan)
    return cash.assign(paid_bn=cash["paid_jpy"] / BILLION, arriving_bn=cash["arriving_jpy"] / BILLION,
                       arrived_to_date_bn=cash["arrived_to_date_jpy"] / BILLION)


def cash_chart(plan: Plan) -> alt.Chart:
    """Cash paid by fiscal year from each source (bars side by side), the money arriving that
    year from it (black ticks)."""
    data = cash_frame(plan)
    base = alt.Chart(data).encode(x=alt.X("fiscal_year:N", title="fiscal year"), xOffset="source:N")
    bars = base.mark_bar().encode(
        y=alt.Y("paid_bn:Q", title="JPY bn"), color=alt.Color("source:N", title="paid from"),
        tooltip=["fiscal_year", "source", alt.Tooltip("paid_bn:Q", format=",.2f", title="paid (JPY bn)"),
                 alt.Tooltip("arriving_bn:Q", format=",.2f", title="arriving (JPY bn)"),
                 alt.Tooltip("arrived_to_date_bn:Q", format=",.2f", title="arrived to date (JPY bn)")])
    ticks = base.transform_filter("isValid(datum.arriving_bn)").mark_tick(color="black", thickness=2).encode(y="arriving_bn:Q")
    return alt.layer(bars, ticks).properties(width=WIDTH, title="Cash by source against the money arriving (ticks)")


def run_cost_frame(plan: Plan) -> pd.DataFrame:
    runs = plan.runs
    return pd.DataFrame({"run": runs["run"], "cost_bn": runs["attributed_cost_jpy"] / BILLION,
                         "accelerator_months": runs["accelerator_months"]})


def run_cost_chart(plan: Plan) -> alt.Chart:
    """The cost attributed to each run: the capital charge of the accelerator-months it used, and its energy."""
    data = run_cost_frame(plan)
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("run:N", sort=list(data["run"]), title=None),
        x=alt.X("cost_bn:Q", title="attributed cost (JPY bn)"),
        tooltip=["run", alt.Tooltip("cost_bn:Q", format=",.3f", title="JPY bn"),
                 alt.Tooltip("accelerator_months:Q", format=",.0f", title="accelerator-months")],
    ).properties(width=WIDTH, title="Cost per run (capital charge of its accelerator-months, and its energy)")

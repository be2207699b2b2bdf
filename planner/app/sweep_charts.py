"""Altair charts of a sweep's analyses (planner.studies.analysis): tornado, Pareto front, distribution.
Money is drawn in billions of yen; months as dates."""

from __future__ import annotations

import altair as alt
import pandas as pd

from planner.app.forms import field_label
from planner.app.sweep_views import metric_label
from planner.studies.analysis import METRICS, metric_unit, percentiles

WIDTH = 560
BILLION = 1e9
FRONT = {  # the Pareto chart's legend: what a plan on or off the front means
    True: "on the front: no other plan finishes as early for less (joined by the line)",
    False: "off the front: another plan finishes as early or earlier for no more money",
}


def tornado_chart(bars: pd.DataFrame) -> alt.Chart:
    """The classic tornado: for each field, widest swing on top, a bar from the scenario's own
    value to the metric at the field's low input and one to its high input, coloured by which."""
    metric, unit, base = bars.attrs["metric"], bars.attrs["unit"], bars.attrs["base"]
    scale = BILLION if unit == "JPY" else 1.0
    name = METRICS.get(metric, (None, metric))[1]
    names = {r.field: _named(r) for r in bars.itertuples()}
    segments = pd.DataFrame([
        {"field": r.field, "name": names[r.field], "input": f"{end} input",
         "value": _input(getattr(r, f"input_{end}"), r.unit),
         "from": (base if pd.notna(base) else getattr(r, f"at_{end}")) / scale, "to": getattr(r, f"at_{end}") / scale}
        for r in bars.itertuples() for end in ("low", "high")
    ]).dropna(subset=["to"])
    chart = alt.Chart(segments).mark_bar().encode(
        y=alt.Y("name:N", sort=list(names.values()), title=None, axis=alt.Axis(labelLimit=400)),
        x=alt.X("from:Q", title=f"{name} ({'JPY bn' if scale != 1 else unit})", scale=alt.Scale(zero=False)),
        x2="to:Q",
        color=alt.Color("input:N", title=None, sort=["low input", "high input"]),
        tooltip=[alt.Tooltip("name:N", title="field"), "input", "value", alt.Tooltip("to:Q", format=",.4g", title=name)],
    )
    return chart.properties(width=WIDTH, title=f"What moves the {name} (one assumption at a time)")


def pareto_chart(points: pd.DataFrame) -> alt.Chart:
    """Each budget's plan as cost against finish month; the front joined by a line."""
    data = points.dropna(subset=["finish_month"]).assign(
        finish=lambda t: pd.to_datetime(t["finish_month"]), cost_bn=lambda t: t["total_cost_jpy"] / BILLION,
        budget_bn=lambda t: t["budget_jpy"] / BILLION, plan=lambda t: t["on_front"].map(FRONT),
    )
    base = alt.Chart(data).encode(
        x=alt.X("finish:T", title="finish month", timeUnit="yearmonth"),
        y=alt.Y("cost_bn:Q", title="total cost (JPY bn)", scale=alt.Scale(zero=False)),
    )
    dots = base.mark_point(filled=True, size=70).encode(
        color=alt.Color("plan:N", title="Plan at each budget", sort=list(FRONT.values()),
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=500)),
        tooltip=[alt.Tooltip("budget_bn:Q", format=",.1f", title="budget (JPY bn)"), "finish_month",
                 alt.Tooltip("cost_bn:Q", format=",.1f", title="cost (JPY bn)")],
    )
    line = base.transform_filter(alt.datum.on_front).mark_line()
    return alt.layer(line, dots).properties(width=WIDTH, title="Earliest finish at each budget: cost against finish")


def distribution_chart(table: pd.DataFrame, metric: str = "total_cost_jpy") -> alt.Chart:
    """How the scenarios with a plan spread over `metric`: a histogram (months counted one by
    one) with P10, P50 and P90 as rules."""
    spread = percentiles(table, [metric])
    levels = [c for c in spread if c.startswith("P") and spread.at[0, c] is not None]  # None: no plan, no rule
    months = metric == "finish_month"  # months as categories: one month is one bar, not the whole axis
    scale = BILLION if metric_unit(metric) == "JPY" else 1.0
    shown = (lambda v: v) if months else (lambda v: v / scale)
    data = pd.DataFrame({"value": shown(table[metric].dropna())})
    marks = pd.DataFrame({"level": levels, "value": [shown(spread.at[0, p]) for p in levels]}, columns=["level", "value"])
    marks = marks.groupby("value", sort=False)["level"].agg("/".join).reset_index()  # "P10/P50" where they meet
    title = metric_label(metric) if months else f"{metric_label(metric)} ({'JPY bn' if scale != 1 else metric_unit(metric)})"
    x = alt.X("value:O", title=title, sort="ascending") if months else alt.X("value:Q", bin=alt.Bin(maxbins=30), title=title)
    rule_x = alt.X("value:O" if months else "value:Q")
    bars = alt.Chart(data).mark_bar().encode(x=x, y=alt.Y("count():Q", title="scenarios"))
    rules = alt.Chart(marks).mark_rule(color="black", strokeDash=[4, 3]).encode(x=rule_x, tooltip=["level", "value"])
    text = alt.Chart(marks).mark_text(align="left", dx=3, dy=-5, baseline="top").encode(x=rule_x, y=alt.value(0), text="level")
    with_plan = int(spread.at[0, "with_plan"])
    title = f"{metric_label(metric)}: {with_plan} of {len(table)} scenarios with a plan"
    return alt.layer(bars, rules, text).properties(width=WIDTH, title=title)


def _named(bar) -> str:
    """A tornado bar's label: the field by name and its inputs at each end ("GB200 price, -20% to +20%")."""
    return f"{field_label(bar.field)}, {_input(bar.input_low, bar.unit)} to {_input(bar.input_high, bar.unit)}"


def _input(value, unit: str) -> str:
    if isinstance(value, float):
        shown = f"{value:+.4g}%" if unit == "%" else f"{value:.4g}"
        return shown if unit in ("%", "") else f"{shown} {unit}"
    return str(value)

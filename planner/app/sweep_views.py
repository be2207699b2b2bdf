"""What the app's Sweeps tab shows, as plain data: the lines a user typed read as ranges (each
bad line with its message), P10/P50/P90 and the analysis tables in the headline's units, and
a sweep's table as a file. Nothing here knows Streamlit; the analyses are planner.studies.analysis."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from planner.app.forms import field_label, message
from planner.inputs.errors import InputError
from planner.inputs.files import csv_text
from planner.inputs.scenario import Scenario
from planner.results.words import BN
from planner.studies.analysis import metric_unit, percentiles
from planner.studies.ranges import Vary, parse_vary

# the price of the type the default's 1T run trains on and serves with, and the power of its site
EXAMPLE = "accelerators.VR200.capex=uniform(-20%, +20%)\nsites.Sakai.electricity_price=triangular(-20%, 0%, +20%)"
BUDGETS = "-50%..+100%:7"  # the Pareto front's budgets: half the scenario's to twice it
MAX_PLANS = 5_000  # the most plans one analysis runs in the app (docs/sweeps.md)
GRAMMAR = f"""\
One `FIELD=RANGE` per line; a field is its dotted path, as error messages spell it
(`budget.total`, `accelerators.B200.mfu`, `sites.Sakai.grid_phases[1].start`).

- `LOW..HIGH:STEPS`: a grid, both ends included (`3e11 JPY..5e11 JPY:5`)
- `-20%..+20%:5`: relative to the scenario's own value
- `2027-05..2027-09`: every month
- `a,b,c`: these values (`cost,finish`)
- `uniform(LOW, HIGH)`, `triangular(LOW, MODE, HIGH)`, `normal(MEAN, SD)[LOW, HIGH]`: Monte Carlo draws

`#` starts a comment. The app runs at most {MAX_PLANS:,} plans an analysis; more with `planner sweep`.
More in docs/sweeps.md.
"""
LABELS = {
    "total_cost_jpy": "Total cost",
    "capex_jpy": "Capex",
    "energy_cost_jpy": "Electricity cost",
    "economic_cost_jpy": "Economic cost",
    "energy_mwh": "Energy",
    "co2_t": "CO₂",
    "finish_month": "Training finishes",
}
NOTHING = "–"


@dataclass(frozen=True)
class Ranges:
    """The ranges of the lines that read, and a message for each line that does not."""

    varies: list[Vary]
    problems: list[str]

    def blocked(self) -> str | None:
        """Why a sweep of these lines cannot run yet, if it cannot."""
        if self.problems:
            return "Correct the lines above to run."
        if not self.varies:
            return "List a field to vary above to run."
        return None


def read_ranges(text: str, scenario: Scenario) -> Ranges:
    """Each non-blank line as a range of `scenario` (parse_vary): every bad line is reported,
    not just the first, and a field varied twice is an error on its second line."""
    varies, problems, first_line = [], [], {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.partition("#")[0].strip()
        if not line:
            continue
        try:
            vary = parse_vary(line, scenario, MAX_PLANS)
        except InputError as error:
            problems.append(f"Line {number}: {message(error)}")
            continue
        if vary.field in first_line:
            problems.append(f"Line {number}: {vary.field} is varied on line {first_line[vary.field]} already")
            continue
        first_line[vary.field] = number
        varies.append(vary)
    return Ranges(varies, problems)


def read_budgets(text: str, scenario: Scenario) -> Vary:
    """The Pareto front's budgets: a grid or list over budget.total; InputError if bad, a
    distribution included (the front is planned at given budgets, not sampled ones)."""
    budgets = parse_vary(f"budget.total={text.strip()}", scenario, MAX_PLANS)
    if budgets.sampled:
        raise InputError("budget.total", "a grid or list of budgets (LOW..HIGH:STEPS or a,b,c)", repr(text.strip()))
    return budgets


def samples_for(varies, samples: int) -> int | None:
    """Samples apply to distributions; a design of grids and lists alone is planned once per point."""
    return samples if any(vary.sampled for vary in varies) else None


def planned(varies, samples: int) -> int:
    """How many plans a sweep of `varies` makes: every grid point with every sample."""
    return math.prod(len(vary.values) for vary in varies if not vary.sampled) * (samples_for(varies, samples) or 1)


def tornado_plans(varies) -> int:
    """How many plans a tornado of `varies` makes: the scenario's own, then each field's points."""
    return 1 + sum(len(vary.points()) for vary in varies)


def too_many(plans: int) -> str | None:
    """Why an analysis of `plans` plans does not run in the app, if it is too large: the app
    plans in its own process, one plan at a time, for every user of the server."""
    if plans <= MAX_PLANS:
        return None
    return (
        f"{plans:,} plans are more than the app runs at once (at most {MAX_PLANS:,}): use fewer steps or "
        "samples here, or `planner sweep`, which plans on every core or on a cluster."
    )


def metric_label(metric: str) -> str:
    for prefix, label in (("peak_mw_", "Peak draw at"), ("accelerators_", "Accelerators at")):
        if metric.startswith(prefix):
            return f"{label} {metric.removeprefix(prefix)}"
    return LABELS[metric]


IN_TABLES = {  # a metric's unit: (the unit it is shown in, the divisor to get there, the number format)
    "JPY": ("JPY bn", BN, ",.1f"),
    "t CO2": ("kt", 1e3, ",.1f"),
    "MWh": ("GWh", 1e3, ",.1f"),
    "MW": ("MW", 1.0, ",.1f"),
    "accelerators": ("", 1.0, ",.0f"),
}


def shown(value, unit: str) -> str:
    """A value in the headline's terms: yen in billions, CO2 in kt, energy in GWh."""
    if isinstance(value, str):
        return value
    if value is None or math.isnan(value):
        return NOTHING
    if unit in IN_TABLES:
        head, scale, form = IN_TABLES[unit]
        number = format(value / scale, form)
        return f"JPY {number} bn" if unit == "JPY" else f"{number} {head}".strip()
    return f"{value:,.4g} {unit}"


def readable(table: pd.DataFrame) -> pd.DataFrame:
    """A sweep's table as a planner reads it: inputs and measures by name with their units in
    the headers ("GB200 price (%)", "Total cost (JPY bn)"), thousands separators, percentages
    with "%". The CSV keeps the command line's columns (`headed`)."""
    units, columns = table.attrs.get("units", {}), {}
    for column in table:
        if column in units:
            header, cells = _varied(field_label(column), units[column], table[column])
        elif column in ("scenario", "status", "reason"):
            header, cells = column.capitalize(), table[column].fillna("")
        else:
            header, cells = _measure(column, table[column])
        columns[header] = list(cells)
    return pd.DataFrame(columns)


def _varied(label: str, unit: str, values: pd.Series) -> tuple[str, list]:
    """A varied field's column: percentages as "+12.5%", yen in billions, other numbers with
    separators, months and list items as written."""
    if unit == "%":
        return f"{label} (%)", [f"{v:+,.1f}%" for v in values]
    if unit in ("", "month") or not pd.api.types.is_numeric_dtype(values):
        return label, [v if isinstance(v, str) else f"{v:,.6g}" for v in values]
    if unit == "JPY":
        return f"{label} (JPY bn)", [f"{v / BN:,.1f}" for v in values]
    return f"{label} ({unit})", [f"{v:,.6g}" for v in values]


def _measure(metric: str, values: pd.Series) -> tuple[str, list]:
    """An outcome's column in the headline's units; a scenario without a plan shows a dash."""
    label = metric_label(metric)
    if metric == "finish_month":
        return label, list(values.fillna(NOTHING))
    head, scale, form = IN_TABLES[metric_unit(metric)]
    cells = [NOTHING if pd.isna(v) else format(v / scale, form) for v in values]
    return (f"{label} ({head})" if head else label), cells


def spread(table: pd.DataFrame) -> pd.DataFrame:
    """P10, P50 and P90 of cost, CO2, finish month and each site's peak draw over every scenario
    (one without a plan counts as worse than any: see planner.studies.analysis.percentiles), and how
    many had a plan."""
    levels = percentiles(table)
    rows = [
        {
            "Measure": metric_label(row["metric"]),
            **{level: level_text(row[level], row) for level in ("P10", "P50", "P90")},
            "With a plan": f"{row['with_plan']} of {row['with_plan'] + row['without_plan']}",
        }
        for _, row in levels.iterrows()
    ]
    return pd.DataFrame(rows, columns=["Measure", "P10", "P50", "P90", "With a plan"])


SPREAD_NOTE = "Percentiles over every scenario: one without a plan counts as worse than any plan."


def level_text(value, row: pd.Series) -> str:
    """A percentile of `percentiles()`'s `row` as the headline writes it; where it falls on
    scenarios without a plan, that (for the finish month, a missed deadline) and how many."""
    if not pd.isna(value):  # a missing level may arrive as None or NaN, as the column's dtype has it
        return shown(value, row["unit"])
    missing, infeasible = row["without_plan"], row["infeasible"]
    why = "infeasible" if infeasible == missing else f"without a plan, {infeasible:,} infeasible"
    what = "deadline missed" if row["metric"] == "finish_month" else "no plan"
    return f"{what} ({missing:,} of {row['with_plan'] + missing:,} scenarios {why})"


def counts(table: pd.DataFrame) -> str:
    """How many scenarios, the seed, and how many ended in each status."""
    statuses = ", ".join(f"{n:,} {status}" for status, n in table["status"].value_counts().items())
    seed = f" (seed {table.attrs['seed']})" if table.attrs.get("seed") is not None else ""
    return f"{len(table):,} scenarios{seed}: {statuses}"


def reasons(table: pd.DataFrame, most: int = 5) -> list[str]:
    """The first scenarios with a reason (why there is no plan, or a solver's warning), one per reason."""
    said = table[table["reason"].fillna("") != ""].drop_duplicates("reason").head(most)
    return [f"scenario {row.scenario}: {row.status}: {row.reason}" for row in said.itertuples()]


def tornado_base(bars: pd.DataFrame) -> str:
    """The measure with every field as in the scenario, the point the bars start from."""
    base = shown(bars.attrs["base"], bars.attrs["unit"])
    return f"{metric_label(bars.attrs['metric'])} with every field as in the scenario: {base}"


def tornado_rows(bars: pd.DataFrame) -> pd.DataFrame:
    """The tornado's bars as a table: the measure at each end of each field's range, its swing."""
    unit = bars.attrs["unit"]
    return pd.DataFrame(
        {
            "Field": [field_label(field) for field in bars["field"]],
            "Range": bars["range"],
            "At low input": [shown(v, unit) for v in bars["at_low"]],
            "At high input": [shown(v, unit) for v in bars["at_high"]],
            "Swing": [shown(v, unit) for v in bars["swing"]],
            "Without a plan": bars["without_plan"],
        }
    )


def front_rows(points: pd.DataFrame) -> pd.DataFrame:
    """The Pareto sweep as a table: each budget's earliest finish, its cost, and whether it is on the front."""
    return pd.DataFrame(
        {
            "Budget": [shown(v, "JPY") for v in points["budget_jpy"]],
            "Status": points["status"],
            "Training finishes": points["finish_month"].fillna(NOTHING),
            "Total cost": [shown(v, "JPY") for v in points["total_cost_jpy"]],
            "On the front": points["on_front"],
        }
    )


def headed(table: pd.DataFrame, in_billions: bool = False) -> pd.DataFrame:
    """Varied fields headed with their unit ("budget.total [JPY]"), yen in billions if asked."""
    units = {f: u for f, u in table.attrs.get("units", {}).items() if u}
    if in_billions:
        table = table.assign(**{f: table[f] / 1e9 for f, u in units.items() if u == "JPY"})
        units = {f: "JPY bn" if u == "JPY" else u for f, u in units.items()}
    return table.rename(columns={f: f"{f} [{u}]" for f, u in units.items()})


def csv_bytes(table: pd.DataFrame) -> bytes:
    """The table as `planner sweep --out FILE.csv` writes it."""
    return csv_text(headed(table)).encode("utf-8")


def sweep_workbook(table: pd.DataFrame, kind: str) -> bytes:
    """A sweep's table as `planner sweep --out FILE.xlsx` writes it, named as the screen names it."""
    from planner.exchange.export import SweepWords, sweep_workbook_bytes  # xlsxwriter loads only for a workbook

    percentiles = spread(table) if kind == "sweep" else None
    return sweep_workbook_bytes(table, kind, SweepWords(field_label, metric_label, percentiles))

"""What the app shows of a plan, as plain data: headline numbers, their change against a pinned
plan, tidy tables for the charts, and the limits in words. Nothing here knows Streamlit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from planner.inputs.calendar import parse_month
from planner.results.plan import Plan
from planner.results.words import BN, money, per_unit, worth_in_words

CURRENT, PINNED = "current", "pinned"


@dataclass(frozen=True)
class Metric:
    """One headline number: `value` for comparing, `text` for showing, `unit` for the change."""

    label: str
    value: float
    text: str
    unit: str
    detail: str = ""
    lower_is_better: bool | None = True  # None: a change is neither good nor bad
    digits: int = 1  # decimals of a change


def headline(plan: Plan) -> list[Metric]:
    """Total cost, finish month, energy, CO2, and accelerators and peak draw per site; for the
    `compute` objective also the compute delivered and the largest model it trains."""
    s = plan.headline()
    finish = s["finish_month"]
    metrics = [
        Metric(
            "Total cost",
            s["total_cost_jpy"] / BN,
            f"JPY {s['total_cost_jpy'] / BN:,.1f} bn",
            "bn JPY",
            f"capex {s['capex_jpy'] / BN:,.1f} + electricity {s['energy_cost_jpy'] / BN:,.2f} "
            + (f"+ demand charges {s['demand_charge_jpy'] / BN:,.2f} " if s["demand_charge_jpy"] else "")
            + f"of a {s['budget_jpy'] / BN:,.1f} bn budget",
        ),
        Metric(
            "Training finishes",
            parse_month(finish, "finish_month").ordinal if finish else math.nan,
            finish or "not reached",
            "months",
            f"deadline {s['deadline']}",
            digits=0,
        ),
        Metric(
            "Energy",
            s["energy_mwh"] / 1e3,
            f"{s['energy_mwh'] / 1e3:,.1f} GWh",
            "GWh",
            "facility energy to the deadline",
        ),
        Metric("CO₂", s["co2_t"] / 1e3, f"{s['co2_t'] / 1e3:,.1f} kt", "kt", "from the grid's carbon intensity"),
    ]
    if s["objective"] == "compute":
        delivered, largest = s["delivered_flop"], s["largest_model_parameters"]
        metrics.append(
            Metric(
                "Training compute",
                delivered / 1e24,
                f"{delivered:.3g} FLOP",
                "e24 FLOP",
                f"required {s['required_flop']:.3g}",
                False,
            )
        )
        if largest is not None:
            metrics.append(
                Metric(
                    "Largest model",
                    largest / 1e9,
                    f"{largest / 1e9:,.0f} bn parameters",
                    "bn parameters",
                    "at the scenario's tokens per parameter",
                    False,
                    0,
                )
            )
    for site, fleet in s["accelerators"].items():
        count = sum(fleet.values())
        mix = ", ".join(f"{number:,.0f} {name}" for name, number in fleet.items()) or "none"
        metrics.append(Metric(f"Accelerators at {site}", count, f"{count:,.0f}", "accelerators", mix, None, 0))
    for site, rows in plan.power.groupby("site", sort=False):
        peak = rows.loc[rows["facility_mw"].idxmax()]
        used = peak.facility_mw > 1e-6
        detail = f"in {peak.month}, against a {peak.grid_limit_mw:,.0f} MW grid limit" if used else "not used"
        draw = float(peak.facility_mw)
        metrics.append(Metric(f"Peak draw at {site}", draw, f"{draw:,.1f} MW", "MW", detail, None))
    return metrics


def change(current: Metric, pinned: Metric | None) -> str | None:
    """The change from the pinned plan's number to this one, in the metric's unit."""
    if pinned is None or math.isnan(current.value) or math.isnan(pinned.value):
        return None
    return f"{current.value - pinned.value:+,.{current.digits}f} {current.unit}"


def sizing_note(plan: Plan) -> str | None:
    """How far the plan is from its MIP's bound, and integer sizing (whole servers and racks)
    from the fractional plan."""
    if plan.mip_gap is None:
        return None
    if not plan.scenario.solver.integer:  # binaries for each run's type, site and order make the MIP
        return f"Runs' types, sites and order: MIP gap {plan.mip_gap:.2%}."
    above = "" if plan.integer_gap is None else f", {plan.integer_gap:.2%} above the fractional plan"
    return f"Whole servers and racks: MIP gap {plan.mip_gap:.2%}{above}."


def monthly(table: pd.DataFrame, name: str = CURRENT) -> pd.DataFrame:
    """A plan table with its months as dates (for time axes) and the plan it belongs to."""
    return table.assign(month=pd.PeriodIndex(table["month"], freq="M").to_timestamp(), plan=name)


def fleet_by_month(plan: Plan, name: str = CURRENT) -> pd.DataFrame:
    """Installed accelerators by site, type and month; types the plan never buys left out."""
    fleet = plan.fleet[plan.fleet.groupby("accelerator")["installed"].transform("max") > 0.5]
    return monthly(fleet[["site", "accelerator", "month", "installed"]], name)


def fleet_totals(plan: Plan, name: str = CURRENT) -> pd.DataFrame:
    """Installed accelerators of all types by site and month."""
    totals = plan.fleet.groupby(["site", "month"], as_index=False)["installed"].sum()
    return monthly(totals, name)


def power_by_month(plan: Plan, name: str = CURRENT) -> pd.DataFrame:
    """Facility draw and grid limit by site and month, in MW."""
    return monthly(plan.power[["site", "month", "facility_mw", "grid_limit_mw"]], name)


def compute_by_month(plan: Plan, name: str = CURRENT) -> pd.DataFrame:
    """Cumulative training compute in FLOP at the end of each month (dated the next month's
    first day, so the curve meets the deadline where the deadline month ends)."""
    ends = (pd.PeriodIndex(plan.compute["month"], freq="M") + 1).to_timestamp()
    return pd.DataFrame({"month": ends, "cumulative_flop": plan.compute["cumulative_flop"].to_numpy(), "plan": name})


def requirement(plan: Plan) -> dict:
    """The compute the run needs and when it is due: the end of the deadline month."""
    workload = plan.scenario.run  # the named run: [workload], or the first of [runs]
    return {"required_flop": workload.required_flop, "deadline": (workload.deadline + 1).to_timestamp()}


def spending_by_year(plan: Plan, name: str = CURRENT) -> pd.DataFrame:
    """Capex, electricity and demand charges by fiscal year in JPY bn (long form: one row per kind), with the
    money arriving that year (`arriving_bn`, empty where the scenario gives none)."""
    costs = plan.costs.assign(arriving_bn=plan.costs["budget_jpy"] / BN)
    spent = costs.melt(
        id_vars=["fiscal_year", "arriving_bn"],
        value_vars=["capex_jpy", "energy_cost_jpy", "demand_charge_jpy"],
        var_name="kind",
        value_name="jpy",
    )
    spent["kind"] = spent["kind"].map({"capex_jpy": "capex", "energy_cost_jpy": "electricity",
                                       "demand_charge_jpy": "demand charges"})
    return spent.assign(spent_bn=spent.pop("jpy") / BN, plan=name)


def plan_tables() -> dict[str, tuple[str, tuple]]:
    """The plan's tables (planner.exchange.export.CSV_TABLES) by name: the planning workbook's sheet
    title and its columns (headers with units, scales and number formats)."""
    from planner.exchange import export  # xlsxwriter loads with it; the app has it loaded already

    return {
        "fleet": ("Fleet", export.FLEET),
        "power": ("Power", export.POWER),
        "energy": ("Energy and emissions", export.ENERGY),
        "costs": ("Costs", export.COSTS),
        "compute": ("Compute", export.COMPUTE),
        "runs": ("Runs", export.RUNS),
        "inference": ("Inference", export.INFERENCE),
        "alternatives": ("Alternatives", export.ALTERNATIVES),
        "binding": ("Binding constraints", export.BINDING),
        "entry": ("Price to enter", export.ENTRY),
        "relaxations": ("Relaxations", export.RELAXATIONS),
    }


def plan_table(plan: Plan, name: str) -> pd.DataFrame:
    """A plan table as the workbook shows it: headers a planner reads, with units ("Facility
    power (MW)", "Capex (JPY bn)"), numbers scaled and written with thousands separators."""
    from planner.exchange.export import STYLES

    table, columns = getattr(plan, name), plan_tables()[name][1]
    shown = pd.DataFrame(
        {
            column.header: [_written(value, column.scale, STYLES[column.style][1]) for value in table[column.key]]
            for column in columns
            if column.key in table
        }
    )
    if name == "binding":  # shadow prices as the Limits tab writes them, their unit included
        worth = [per_unit(row.shadow_price, row.unit) for row in table.itertuples()]
        numbers = [column.header for column in columns if column.key in ("shadow_price", "unit")]
        shown = shown.drop(columns=numbers).assign(**{"One more unit is worth": worth})
    return shown


def _written(value, scale: float, form: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return form.format(value * scale)


def budget_rule(plan: Plan) -> str:
    """How the fiscal-year money limits spending, in words."""
    budget = plan.scenario.budget
    total = f"JPY {budget.total / BN:,.1f} bn in all"
    if not (budget.fiscal_years or budget.by_source()):
        return f"The budget is {total}, with no limit by fiscal year."
    if budget.by_source():
        total += ", public and private by fiscal year"
        if budget.public_share is not None:
            total += f" (public money pays at most {budget.public_share:.0%} of a year's capex)"
    if budget.carry_over:
        return f"The budget is {total}; money unspent in a fiscal year carries over to later years."
    return f"The budget is {total}; each fiscal year's spending is capped by that year's money."


def binding_in_words(plan: Plan) -> list[str]:
    """Each binding limit and what one more unit of it is worth (its shadow price)."""
    return [f"**{row.description}**: {worth_in_words(row.shadow_price, row.unit)}" for row in plan.binding.itertuples()]


def entry_in_words(plan: Plan) -> list[str]:
    """Accelerator types the plan leaves out, and the price cut that would bring each in."""
    return [
        f"**{row.accelerator}** would enter at {money(row.price_cut_jpy)} less per accelerator "
        f"({row.cut_share:.0%} of its cost)"
        for row in plan.entry.itertuples()
    ]


def relaxations_in_words(plan: Plan, shown: int = 12) -> tuple[dict[str, list[str]], list[str]]:
    """For an infeasible plan: each option that alone gives a plan with what it takes (at most
    `shown` lines each), and the options that cannot on their own."""
    works, cannot = {}, []
    for option, rows in plan.relaxations.groupby("option", sort=False):
        if rows["amount"].isna().all():
            cannot.append(option)
            continue
        lines = rows["description"].head(shown).tolist()
        if len(rows) > shown:
            lines.append(f"... and {len(rows) - shown} more in the plan tables (relaxations)")
        works[option] = lines
    return works, cannot


INFEASIBLE = (
    "No plan meets every limit at once: grid and fit-out capacity, accelerator deliveries, the "
    "budget and the deadline. Relax one of them: a later deadline, a larger budget, more grid "
    "capacity earlier, or more accelerator types allowed."
)

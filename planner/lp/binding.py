"""What binds, and what it is worth, in a planner's units.

A binding limit's shadow price is the money one more unit of it would save: JPY per MW of
grid at a site in a month (and over a whole grid phase), JPY per JPY of budget, JPY per
accelerator of monthly supply, JPY per 1e24 FLOP less training compute. Accelerator types
the plan leaves out get the price cut that would bring them in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.inputs.calendar import label
from planner.lp.model import COUNT, MONEY, OBJECTIVE_UNITS, ROW_UNITS, PlanningModel
from planner.lp.solve import Solution

BINDING_COLUMNS = ["constraint", "description", "where", "shadow_price", "unit"]
ENTRY_COLUMNS = ["accelerator", "price_cut_jpy", "capex_jpy", "cut_share"]
BINDS = 1e-9  # a dual below this (model units) is degenerate noise, not a binding limit
NEGLIGIBLE = 1e-3  # accelerators: fleet values below this are solver noise


def binding_table(model: PlanningModel, solution: Solution, objective: str = "cost") -> pd.DataFrame:
    """Binding limits, most valuable first, with phase totals for the grid and fit-out.

    Shadow prices are in units of `objective` (the objective the duals came from: JPY for
    cost, 1e24 FLOP for compute, t CO2 for carbon) per unit of the limit, as the worth of
    relaxing the limit by one unit.
    """
    gained, per_gain = OBJECTIVE_UNITS[objective]
    rows = []
    for family, (unit, per_row) in ROW_UNITS.items():
        for key, dual in solution.duals.get(family, {}).items():
            worth = abs(dual)  # LE rows of a minimisation have duals <= 0, the GE row >= 0
            if worth > BINDS:
                where, limit = describe_row(model, family, key)
                rows.append(
                    {"constraint": family, "description": limit, "where": where,
                     "shadow_price": worth * per_gain / per_row, "unit": f"{gained} per {unit}", "key": key}
                )
    table = pd.DataFrame(rows, columns=[*BINDING_COLUMNS, "key"])
    table = pd.concat([table, _phase_totals(model, table)], ignore_index=True)
    return table.drop(columns="key").sort_values("shadow_price", ascending=False, ignore_index=True)


def describe_row(model: PlanningModel, family: str, key: tuple) -> tuple[str, str]:
    """Where a row applies, and its limit in words ("Tomakomai grid limit, 2027-08: 50.0 MW")."""
    arrays, scenario = model.arrays, model.scenario
    if family in ("grid_limit", "it_capacity"):
        s, t = key
        limit = (arrays.grid if family == "grid_limit" else arrays.it_capacity)[s, t] / 1e6
        what = "grid limit" if family == "grid_limit" else "IT fit-out"
        return f"{arrays.sites[s]} {arrays.month_labels[t]}", f"{arrays.sites[s]} {what}, {arrays.month_labels[t]}: {limit:,.1f} MW"
    if family == "delivery":
        g, t = key
        cap = arrays.delivery_cap[g, t]
        return f"{arrays.accelerators[g]} {arrays.month_labels[t]}", f"{arrays.accelerators[g]} deliveries, {arrays.month_labels[t]}: {cap:,.0f} a month"
    if family == "budget":
        return "total", f"total budget JPY {scenario.budget.total / 1e9:,.1f} bn"
    if family == "budget_fy":
        (year,) = key
        by_year = scenario.budget.by_fiscal_year()
        if scenario.budget.carry_over:
            arrived = sum(v for y, v in by_year.items() if y <= year)
            return f"FY{year}", f"money arrived by the end of FY{year}: JPY {arrived / 1e9:,.1f} bn"
        return f"FY{year}", f"FY{year} grant JPY {by_year.get(year, 0.0) / 1e9:,.1f} bn (none when not listed)"
    if family == "serving_demand":
        k, t = key
        return f"{arrays.streams[k]} {arrays.month_labels[t]}", (
            f"{arrays.streams[k]} demand, {arrays.month_labels[t]}: {arrays.demand[k, t]:,.0f} tokens/s")
    if family in ("public_money", "private_money", "public_share"):
        (year,) = key
        what = {"public_money": "public money arrived", "private_money": "private money arrived",
                "public_share": "public share of capex"}[family]
        return f"FY{year}", f"{what}, FY{year}"
    (r,) = key
    name, work = arrays.runs[r], scenario.training_runs[arrays.runs[r]]
    return f"{name} by {label(work.deadline)}", f"{name}: {arrays.required[r]:.3g} FLOP by {label(work.deadline)}"


def _phase_totals(model: PlanningModel, table: pd.DataFrame) -> pd.DataFrame:
    """One more MW through a whole grid phase is worth the sum over its binding months."""
    rows = []
    for family in ("grid_limit", "it_capacity"):
        binding = table[table["constraint"] == family]
        for s, name in enumerate(model.arrays.sites):
            phases = model.scenario.sites[name].grid_phases
            months = model.arrays.months
            for i, phase in enumerate(phases):
                end = phases[i + 1].start if i + 1 < len(phases) else None
                inside = [
                    (key, price) for key, price in zip(binding["key"], binding["shadow_price"])
                    if key[0] == s and months[key[1]] >= phase.start and (end is None or months[key[1]] < end)
                ]
                if len(inside) > 1:
                    what = "grid limit" if family == "grid_limit" else "IT fit-out"
                    limit = (phase.grid_import if family == "grid_limit" else phase.it_capacity) / 1e6
                    rows.append(
                        {"constraint": family, "where": f"{name} phase from {label(phase.start)}",
                         "description": f"{name} {what}, phase from {label(phase.start)} "
                         f"({len(inside)} binding months): {limit:,.1f} MW",
                         "shadow_price": sum(price for _, price in inside),
                         "unit": binding.iloc[0]["unit"] + " over the phase",
                         "key": None}
                    )
    return pd.DataFrame(rows, columns=[*BINDING_COLUMNS, "key"])


def entry_prices(model: PlanningModel, solution: Solution) -> pd.DataFrame:
    """For each accelerator type the plan does not buy: the capex cut per accelerator at which
    buying one (at its best site and month, training to the deadline) starts to pay, priced at
    the plan's shadow prices (capex_jpy: its price there and then). The reduced cost of that
    purchase is the sum of the reduced costs of the variables it moves."""
    arrays = model.arrays
    used = solution.installed.max(axis=(0, 2)) > NEGLIGIBLE
    dj = solution.reduced_costs
    rows = []
    for g, name in enumerate(arrays.accelerators):
        if used[g]:
            continue
        best, at = np.inf, None
        for s in range(len(arrays.sites)):
            months = sorted(t for (s_, g_, t) in model.installed if (s_, g_) == (s, g))
            # a purchase in month t0 holds one more accelerator from t0 to the horizon's end and
            # puts it to its best work once commissioned (t0 + lag); the cut is in capex, which
            # weighs `weight` in the objective
            held, work = {}, {}
            suffix_held = suffix_work = 0.0
            for t in reversed(months):
                uses = [dj["use"].get((s, g, t, w), 0.0) for w in range(len(model.workloads))]
                suffix_held += dj["installed"].get((s, g, t), 0.0)
                suffix_work += min(0.0, *uses)
                held[t], work[t] = suffix_held, suffix_work
            for t in months:
                if (s, g, t) in model.buy:
                    gain = held[t] + work.get(t + int(arrays.lag[g]), 0.0) + dj["buy"].get((s, g, t), 0.0)
                    if gain / model.capex_weight(t) < best:
                        best, at = gain / model.capex_weight(t), (s, t)
        if at is not None:
            cut = max(best, 0.0) * MONEY / COUNT
            capex = float(arrays.capex[at[0], g, at[1]])
            rows.append({"accelerator": name, "price_cut_jpy": cut, "capex_jpy": capex, "cut_share": cut / capex})
    return pd.DataFrame(rows, columns=ENTRY_COLUMNS)

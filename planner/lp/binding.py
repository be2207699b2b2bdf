"""What binds, and what it is worth, in a planner's units.

A binding limit's shadow price is the money one more unit of it would save: JPY per MW of
grid at a site in a month (and over a whole grid phase), JPY per JPY of budget, JPY per
accelerator of monthly supply, JPY per 1e24 FLOP less training compute. Accelerator types
the plan leaves out get the price cut that would bring them in.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from planner.inputs.calendar import label
from planner.lp.model import COUNT, FAMILIES, MONEY, OBJECTIVE_UNITS, ROW_UNITS, PlanningModel
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
    """Where a row applies, and its limit in words ("Tomakomai grid limit, 2027-08: 50.0 MW"),
    from the family's entry in ROW_TEXT; a family without one is said by its registered
    description and its key read as names (so a new family reads, if plainly, at once)."""
    text = ROW_TEXT.get(family)
    return text(model, family, key) if text is not None else _generic(model, family, key)


def _bn(jpy: float) -> str:
    return f"JPY {jpy / 1e9:,.1f} bn"


RowText = Callable[[PlanningModel, str, tuple], tuple[str, str]]
ROW_TEXT: dict[str, RowText] = {}


def row_text(*families: str):
    """Register how rows of `families` are said: (where, the limit in words)."""

    def register(text: RowText) -> RowText:
        ROW_TEXT.update(dict.fromkeys(families, text))
        return text

    return register


@row_text("grid_limit", "it_capacity")
def _site_power(model, family, key):
    arrays, (s, t, *hour) = model.arrays, key  # grid rows by the hour carry (day, hour)
    limit = (arrays.grid if family == "grid_limit" else arrays.it_capacity)[s, t] / 1e6
    limit += sum(extra for d, h, _, extra, _ in model.hours.limit_hours(s, t) if hour == [d, h]) / 1e6
    what = "grid limit" if family == "grid_limit" else "IT fit-out"
    when = _hour(model, s, t, hour)
    return f"{arrays.sites[s]} {when}", f"{arrays.sites[s]} {what}, {when}: {limit:,.1f} MW"


def _hour(model, s: int, t: int, hour: list) -> str:
    """'2027-12' for a month's row, '2027-12, winter typical day 18:00' for an hour's."""
    month = model.arrays.month_labels[t]
    return month + (f", {model.hours.days[s][t]['names'][hour[0]]} day {hour[1]:02d}:00" if hour else "")


@row_text("peak_draw")
def _peak(model, family, key):
    arrays, (s, t, *hour) = model.arrays, key
    when = _hour(model, s, t, hour)
    return f"{arrays.sites[s]} {when}", f"{arrays.sites[s]} peak draw for the demand charge is at least the draw of {when}"


@row_text("ramp_limit")
def _ramp(model, family, key):
    arrays, (s, t_from, d_from, h_from, t, d, h, sense) = model.arrays, key
    if model.hours.hourly:
        when = f"{_hour(model, s, t_from, [d_from, h_from])} to {_hour(model, s, t, [d, h])}"
    else:  # a steady month: the step from one month's draw to the next
        when = f"{arrays.month_labels[t_from]} to {arrays.month_labels[t]}"
    limit = model.hours.ramp[s] / 1e6
    return f"{arrays.sites[s]} {when}", f"{arrays.sites[s]} ramp limit {limit:,.1f} MW an hour ({sense}), {when}"


@row_text("clean_supply")
def _clean(model, family, key):
    arrays, (s, t, d, h, bound) = model.arrays, key
    when = _hour(model, s, t, [d, h])
    what = "what its contracts deliver" if bound == "output" else "the programme's draw"
    return f"{arrays.sites[s]} {when}", f"{arrays.sites[s]} clean power matched, {when}: at most {what}"


BATTERY_TEXT = {"carry": "charge carried from the hour before", "energy": "charge within its energy",
                "charge": "charging within its power", "discharge": "discharging within its power"}


@row_text("battery")
def _battery(model, family, key):
    arrays, (s, t, d, h, part) = model.arrays, key
    when = _hour(model, s, t, [d, h])
    return f"{arrays.sites[s]} {when}", f"{arrays.sites[s]} battery, {when}: {BATTERY_TEXT[part]}"


@row_text("cfe_target")
def _cfe(model, family, key):
    return "programme", f"carbon-free share of the programme's energy, matched hour by hour: at least {model.scenario.cfe_target:.0%}"


@row_text("throttle_within_training")
def _throttle(model, family, key):
    arrays, (s, t, d, h, r) = model.arrays, key
    when = _hour(model, s, t, [d, h])
    return (f"{arrays.runs[r]} at {arrays.sites[s]} {when}",
            f"{arrays.runs[r]} throttled at {arrays.sites[s]}, {when}: at most its IT power at work")


@row_text("delivery")
def _delivery(model, family, key):
    arrays, (g, t) = model.arrays, key
    name, month = arrays.accelerators[g], arrays.month_labels[t]
    return f"{name} {month}", f"{name} deliveries, {month}: {arrays.delivery_cap[g, t]:,.0f} a month"


@row_text("budget")
def _budget(model, family, key):
    return "total", f"total budget {_bn(model.scenario.budget.total)}"


@row_text("budget_fy", "public_money", "private_money")
def _money_by_year(model, family, key):
    """Money by fiscal year, in all or from one source: what has arrived by the year's end
    (with carry-over) or the year's own money."""
    (year,) = key
    budget = model.scenario.budget
    by_year = budget.by_fiscal_year() if family == "budget_fy" else budget.by_source()[family.split("_")[0]]
    what = {"budget_fy": "money", "public_money": "public money", "private_money": "private money"}[family]
    if budget.carry_over:
        arrived = sum(v for y, v in by_year.items() if y <= year)
        return f"FY{year}", f"{what} arrived by the end of FY{year}: {_bn(arrived)}"
    if family == "budget_fy":
        return f"FY{year}", f"FY{year} grant {_bn(by_year.get(year, 0.0))} (none when not listed)"
    return f"FY{year}", f"FY{year} {what} {_bn(by_year.get(year, 0.0))} (none when not listed)"


@row_text("public_share")
def _public_share(model, family, key):
    (year,) = key
    return f"FY{year}", f"public money at most {model.scenario.budget.public_share:.0%} of FY{year} capex"


@row_text("cash_sources")
def _cash_sources(model, family, key):
    (year,) = key
    return f"FY{year}", f"FY{year} cash paid from public and private money"


@row_text("one_type")
def _one_type(model, family, key):
    arrays, run = model.arrays, model.arrays.runs[key[0]]
    if len(key) == 1:
        return run, f"{run} trains on one accelerator type"
    _, g, t = key
    name, month = arrays.accelerators[g], arrays.month_labels[t]
    return f"{run} {name} {month}", f"{run} trains on {name} in {month} only if it chose {name}"


@row_text("one_site")
def _one_site(model, family, key):
    arrays = model.arrays
    if key[0] == "both":
        run = arrays.runs[key[1]]
        return run, f"{run} both mixes types and is split between sites"
    if len(key) == 1:
        run = arrays.runs[key[0]]
        return run, f"{run} trains at one site unless it is split"
    r, s, t = key
    run, site, month = arrays.runs[r], arrays.sites[s], arrays.month_labels[t]
    return f"{run} {site} {month}", f"{run} trains at {site} in {month} only if it chose {site}"


@row_text("fabric")
def _fabric(model, family, key):
    arrays, (r, s, t) = model.arrays, key
    run, site, month = arrays.runs[r], arrays.sites[s], arrays.month_labels[t]
    domain = model.scenario.sites[site].fabric_domain
    return f"{run} {site} {month}", f"{run} at {site}, {month}: at most {domain:,.0f} accelerators in one fabric domain"


@row_text("goodput")
def _goodput(model, family, key):
    arrays, (r, g, t, k) = model.arrays, key
    run, name, month = arrays.runs[r], arrays.accelerators[g], arrays.month_labels[t]
    return f"{run} {name} {month}", f"{run} on {name}, {month}: accelerators lost to failures (goodput, chord {k + 1})"


@row_text("serving_demand")
def _serving(model, family, key):
    arrays, (k, t) = model.arrays, key
    where = f"{arrays.streams[k]} {arrays.month_labels[t]}"
    return where, f"{arrays.streams[k]} demand, {arrays.month_labels[t]}: {arrays.demand[k, t]:,.0f} tokens/s"


@row_text("compute_requirement")
def _compute(model, family, key):
    (r,) = key
    name, work = model.arrays.runs[r], model.scenario.training_runs[model.arrays.runs[r]]
    return f"{name} by {label(work.deadline)}", f"{name}: {model.arrays.required[r]:.3g} FLOP by {label(work.deadline)}"


@row_text("run_order")
def _run_order(model, family, key):
    arrays = model.arrays
    if key[0] == "finished":
        _, first, t = key
        name, month = arrays.runs[first], arrays.month_labels[t]
        return f"{name} {month}", f"{name} counts as finished by {month} only once its compute is in"
    r, t = key
    name, month, first = arrays.runs[r], arrays.month_labels[t], arrays.runs[arrays.after[r]]
    return f"{name} {month}", f"{name} trains in {month} only after {first} has finished"


@row_text("fleet_balance", "use_within_fleet")
def _fleet(model, family, key):
    arrays, (s, g, t) = model.arrays, key
    where = f"{arrays.accelerators[g]} at {arrays.sites[s]} {arrays.month_labels[t]}"
    if family == "use_within_fleet":
        return where, f"{where}: at work at most as many as are in service"
    start = f", {arrays.existing[s, g]:,.0f} existing" if t == 0 else ""
    return where, f"{where}: last month's fleet plus deliveries less retirements{start}"


@row_text("retire_within_purchase")
def _retire(model, family, key):
    arrays, (s, g, v) = model.arrays, key
    where = f"{arrays.accelerators[g]} at {arrays.sites[s]} bought {arrays.month_labels[v]}"
    return where, f"{where}: retired at most as many as were bought"


@row_text("scalable_units")
def _units(model, family, key):
    arrays, (s, g, v, *sold) = model.arrays, key
    what = f"{arrays.accelerators[g]} at {arrays.sites[s]} {'sold' if sold else 'bought'} {arrays.month_labels[sold[0] if sold else v]}"
    return what, f"{what}: in whole units of {arrays.scalable_unit[g]:,.0f}"


def _generic(model: PlanningModel, family: str, key: tuple) -> tuple[str, str]:
    """A family without its own text: its registered description, and its key as it is (the
    key's indices mean what the family makes them mean, so they are not guessed into names)."""
    where = ", ".join(map(str, key)) or "all"
    return where, f"{FAMILIES[family].description if family in FAMILIES else family} (row {where})"


def _phase_totals(model: PlanningModel, table: pd.DataFrame) -> pd.DataFrame:
    """One more MW through a whole grid phase is worth the sum over its binding months."""
    phase = _phase_of_month(model)
    rows = []
    for family in ("grid_limit", "it_capacity"):
        binding = table[table["constraint"] == family]
        if binding.empty:
            continue
        s, t = np.array([key[:2] for key in binding["key"]]).T  # grid rows by the hour carry (day, hour) after them
        prices = pd.DataFrame({"s": s, "phase": phase[s, t], "t": t, "price": binding["shadow_price"].to_numpy()})
        totals = prices.groupby(["s", "phase"], sort=True).agg(price=("price", "sum"), months=("t", "nunique"))
        what = "grid limit" if family == "grid_limit" else "IT fit-out"
        for (s, i), price, months in zip(totals.index, totals["price"], totals["months"]):
            if i < 0 or months < 2:
                continue
            name = model.arrays.sites[s]
            start = model.scenario.sites[name].grid_phases[i]
            limit = (start.grid_import if family == "grid_limit" else start.it_capacity) / 1e6
            rows.append(
                {"constraint": family, "where": f"{name} phase from {label(start.start)}",
                 "description": f"{name} {what}, phase from {label(start.start)} ({months} binding months): {limit:,.1f} MW",
                 "shadow_price": price, "unit": binding.iloc[0]["unit"] + " over the phase", "key": None}
            )
    return pd.DataFrame(rows, columns=[*BINDING_COLUMNS, "key"])


def _phase_of_month(model: PlanningModel) -> np.ndarray:
    """(S, T) the grid phase each site is in each month, -1 before its first."""
    months = model.arrays.months
    phase = np.empty((len(model.arrays.sites), len(months)), dtype=int)
    for s, name in enumerate(model.arrays.sites):
        starts = pd.PeriodIndex([p.start for p in model.scenario.sites[name].grid_phases], freq=months.freq)
        phase[s] = np.searchsorted(starts.asi8, months.asi8, side="right") - 1
    return phase


def entry_prices(model: PlanningModel, solution: Solution) -> pd.DataFrame:
    """For each accelerator type the plan does not buy: the capex cut per accelerator at which
    buying one (at its best site and month, training to the deadline) starts to pay, priced at
    the plan's shadow prices (capex_jpy: its price there and then). The reduced cost of that
    purchase is the sum of the reduced costs of the variables it moves. Whole-array work over
    the columns, once for all types."""
    arrays = model.arrays
    unused = solution.installed.max(axis=(0, 2)) <= NEGLIGIBLE
    if not unused.any():
        return pd.DataFrame(columns=ENTRY_COLUMNS)
    shape = arrays.installable.shape
    reduced = solution.reduced_costs
    installed, held = reduced.get("installed", np.zeros(shape)), _exists(model.installed, shape)
    buy, bought = reduced.get("buy", np.zeros(shape)), _exists(model.buy, shape)
    use = reduced.get("use", np.zeros((*shape, len(model.workloads))))
    # a purchase in month t0 holds one more accelerator from t0 to the horizon's end and puts it
    # to its best work once commissioned (t0 + lag): the reduced costs from then on, summed from
    # the end backwards
    holding = _from_the_end(np.where(held, installed, 0.0))
    working = _from_the_end(np.where(held, np.minimum(use.min(axis=3), 0.0), 0.0))
    commissioned = np.zeros_like(working)
    for g, lag in enumerate(arrays.lag.astype(int)):
        commissioned[:, g, : shape[2] - lag] = working[:, g, lag:]
    suffix = holding + commissioned
    # the cut is in capex, which weighs `weight` in the objective
    weight = np.array([model.capex_weight(t) for t in range(shape[2])])
    per_purchase = np.where(bought, (suffix + buy) / weight, np.inf)
    best = per_purchase.min(axis=(0, 2))
    rows = []
    for g in np.flatnonzero(unused & np.isfinite(best)):
        s, t = np.unravel_index(np.argmin(per_purchase[:, g, :]), per_purchase[:, g, :].shape)
        cut = max(float(best[g]), 0.0) * MONEY / COUNT
        capex = float(arrays.capex[s, g, t])
        rows.append({"accelerator": arrays.accelerators[g], "price_cut_jpy": cut, "capex_jpy": capex, "cut_share": cut / capex})
    return pd.DataFrame(rows, columns=ENTRY_COLUMNS)


def _from_the_end(monthly: np.ndarray) -> np.ndarray:
    """(S, G, T) sums over months t to the horizon's end."""
    return np.cumsum(monthly[:, :, ::-1], axis=2)[:, :, ::-1]


def _exists(variables, shape: tuple) -> np.ndarray:
    """Where the model has a column of `variables`, as a dense mask."""
    exists = np.zeros(shape, dtype=bool)
    exists[tuple(variables.keys_array.T)] = True
    return exists

"""Check a plan against its scenario without trusting the solver.

Everything is recomputed from the plan's fleet table (installed and training accelerators by
site, type and month) and the scenario's own fields, by a route of its own: with pandas and
numpy over the plan's tables (each value of a type, site or site-month worked out once and
laid on the rows), not through the arrays the model was built from. Then every limit is
checked and every figure the plan reports (power, energy, costs, compute) is compared with the
recomputation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd

from planner.inputs.calendar import fiscal_year, fiscal_years, parse_month
from planner.inputs.goodput import goodput
from planner.inputs.scenario import Scenario
from planner.results.plan import Plan, make_plan
from planner.results.verify_clean import clean_costs, clean_rules
from planner.results.verify_hours import (
    battery_costs,
    battery_rules,
    hour_means,
    lost_flop,
    month_days,
    site_hours,
    throttle_rules,
)

RELATIVE = 1e-6  # solver tolerances are ~1e-7 relative on the scaled model
# HiGHS's feasibility tolerance, 1e-6 of a model unit: thousands of accelerators, MW, billions of
# yen, 1e24 FLOP (a MILP's rows hold to it: 625 JPY over a 1e8 JPY budget, and a run 9.7e17 FLOP
# short of 6.2e21, were found)
ABSOLUTE = {"count": 1e-3, "W": 1.0, "JPY": 1e3, "t": 1e-3, "FLOP": 1e18, "JPY/Mtoken": 1e-6}


@dataclass(frozen=True)
class Violation:
    constraint: str
    where: str
    found: float
    limit: float
    detail: str

    def __str__(self) -> str:
        return f"{self.constraint} [{self.where}]: {self.detail} (found {self.found:.6g}, limit {self.limit:.6g})"


def _over(found: float, limit: float, unit: str) -> bool:
    return found > limit + RELATIVE * abs(limit) + ABSOLUTE[unit]


def _differs(a: float, b: float, unit: str) -> bool:
    return abs(a - b) > RELATIVE * np.maximum(abs(a), abs(b)) + ABSOLUTE[unit]


class SiteMonth(NamedTuple):
    """A site's values in one month, its fiscal year's changes applied."""

    pue: float
    price: float  # JPY/J
    carbon: float  # kg/J
    reserved: float  # W of IT load kept for other tenants


def _on_path(table: dict[str, float], year: int, before: float) -> float:
    """A table by fiscal year read at `year`, point by point: `before` until its first listed
    year, on the line between the listed years around it, the last value after the last."""
    points = sorted((int(name[2:]), value) for name, value in table.items())
    if year < points[0][0]:
        return before
    for (low, below), (high, above) in zip(points, points[1:]):
        if low <= year <= high:
            return below + (above - below) * (year - low) / (high - low)
    return points[-1][1]


def site_month(site, period: pd.Period) -> SiteMonth:
    """PUE, electricity price, carbon intensity and reserved IT of `site` in `period`, from its
    fields (inputs.sites defines them)."""
    month, year = period.month - 1, fiscal_year(period)
    pue, price, carbon = site.monthly_pue()[month], site.electricity_price[month], site.carbon_intensity[month]
    if site.pue_adjustment is not None:
        pue += _on_path(site.pue_adjustment.by_fiscal_year, year, 0.0)
    escalation = site.electricity_price_escalation
    if escalation is not None and escalation.per_year is not None:
        price *= (1 + escalation.per_year) ** (year - int(escalation.base_year[2:]))
    elif escalation is not None:
        price *= _on_path(escalation.by_fiscal_year, year, 1.0)
    if site.carbon_intensity_by_fiscal_year is not None:
        carbon = _on_path(site.carbon_intensity_by_fiscal_year.by_fiscal_year, year, carbon)
    reserved = site.reserved_it + sum(r.it for r in site.reserved if r.start <= period and (r.end is None or period <= r.end))
    return SiteMonth(pue, price, carbon, reserved)


class SiteMonths(dict):
    """site_month by (site name, period), each worked out once in a check."""

    def __init__(self, scenario: Scenario):
        super().__init__()
        self.scenario = scenario

    def __missing__(self, key: tuple[str, pd.Period]) -> SiteMonth:
        self[key] = value = site_month(self.scenario.sites[key[0]], key[1])
        return value


@dataclass
class Recomputed:
    """The plan's fleet worked out again: `rows` per fleet row (recompute's columns), `months`
    per site and month (site, period, it_w, facility_w, installed_w; in order of site and
    month), the SiteMonth `values`, and each site-month's representative `days` and hourly draw
    (`drawn`), keyed (site, period)."""

    rows: pd.DataFrame
    months: pd.DataFrame
    values: SiteMonths
    days: dict
    drawn: dict


def recompute(plan: Plan) -> Recomputed:
    """Per fleet row: IT power, facility power, energy, electricity cost, demand charge, CO2,
    capex, and its month (period), the month it was ordered (an ordinal) and the fiscal years
    of both (capex is paid at order). Each value is worked out once for each type, site or
    site-month, and laid on the rows."""
    scenario, values, fleet = plan.scenario, SiteMonths(plan.scenario), plan.fleet
    period = _periods(fleet["month"])
    ordinal = period.array.asi8
    code, months = _site_months(fleet["site"], ordinal)
    keys = list(zip(months["site"], months["period"]))
    acc, site = partial(_each, fleet["accelerator"], scenario.accelerators), partial(_each, fleet["site"], scenario.sites)

    def per_month(value) -> np.ndarray:  # value(key) of each row's site-month, worked out once a site-month
        return np.array([value(key) for key in keys], dtype=float)[code]

    installed, training, serving, delivered = (fleet[column].to_numpy(dtype=float) for column in ("installed", "training", "serving", "delivered"))
    it_power, idle = acc(lambda a: a.it_power), acc(lambda a: a.idle_fraction)
    it_w = it_power * (idle * installed + (1 - idle) * (training + serving))
    facility_w = it_w * per_month(lambda key: values[key].pue)
    months["it_w"], months["facility_w"], months["installed_w"] = (_sums(w, code) for w in (it_w, facility_w, installed * it_power))
    days, drawn = by_the_hour(plan, keys, values, months["it_w"])
    seconds = per_month(lambda key: key[1].days_in_month * 24 * 3600.0)
    pue, price, carbon = np.array([hour_means(days[key]) for key in keys], dtype=float).reshape(-1, 3)[code].T
    # clean contracts' net cost and a battery's by site and month, on the month's first row (a month without a fleet may pay them)
    net, battery = clean_costs(plan, days), battery_costs(plan, drawn)
    first = np.zeros(len(fleet), dtype=bool)
    first[np.unique(code, return_index=True)[1]] = True
    # the month's peak hour (throttling included), charged per month, shared among the rows by their draw
    ratio = facility_w / np.where(months["facility_w"] > 0, months["facility_w"], np.nan)[code]
    share = np.where(np.isnan(ratio), 0.0, ratio)  # a month that draws nothing is charged nothing
    unit_capex = _prices(fleet["accelerator"], ordinal, scenario) + site(lambda s: s.fitout_cost) * it_power
    ordered = ordinal - acc(lambda a: a.lead_time).astype(int)
    rows = pd.DataFrame({
        "period": period, "it_w": it_w, "facility_w": facility_w,
        "energy_j": it_w * seconds * pue,
        "electricity_jpy": it_w * seconds * price + per_month(lambda key: net.get(key, 0.0) + battery.get(key, (0.0, 0.0))[0]) * first,
        "co2_kg": it_w * seconds * carbon + per_month(lambda key: battery.get(key, (0.0, 0.0))[1]) * first,
        "demand_jpy": per_month(lambda key: drawn[key].imported.max()) * share * site(lambda s: s.demand_charge),
        "unit_capex_jpy": unit_capex, "capex_jpy": delivered * unit_capex,
        "ordered": ordered, "fiscal_year": _fiscal_years(ordinal), "paid_fiscal_year": _fiscal_years(ordered),
    }, index=fleet.index)
    return Recomputed(pd.concat([fleet, rows], axis=1), months, values, days, drawn)


def _each(names: pd.Series, table: dict, value) -> np.ndarray:
    """value(table[name]) for each of `names`, worked out once for each distinct name."""
    codes, unique = pd.factorize(names.to_numpy(dtype=object), use_na_sentinel=False)
    return np.array([value(table[name]) for name in unique], dtype=float)[codes]


def _site_months(sites: pd.Series, ordinal: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's site-month (its site and month ordinal), numbered in order of site and month,
    and the site and period of each number."""
    site_code, names = pd.factorize(sites.to_numpy(dtype=object), sort=True, use_na_sentinel=False)
    low = ordinal.min(initial=0)
    span = ordinal.max(initial=0) - low + 1
    code, unique = pd.factorize(site_code * span + (ordinal - low), sort=True)
    periods = pd.PeriodIndex.from_ordinals(unique % span + low, freq="M")
    return code, pd.DataFrame({"site": np.asarray(names, dtype=object)[unique // span], "period": list(periods)})


def _sums(values: pd.Series, code: np.ndarray) -> np.ndarray:
    """`values` summed by site-month `code` as pandas sums them (NaN left out)."""
    return pd.Series(np.asarray(values, dtype=float)).groupby(code).sum().to_numpy()


def by_the_hour(plan: Plan, keys: list, values: SiteMonths, it_w) -> tuple[dict, dict]:
    """Each site-month's representative days, and its hourly draw from its IT power `it_w`
    (both in the order of `keys`, (site, period) sorted); one month_days call a site."""
    days = {}
    for name in dict.fromkeys(site for site, _ in keys):
        periods = [period for site, period in keys if site == name]
        found = month_days(plan.scenario, plan.scenario.sites[name], periods, [values[name, period] for period in periods])
        days.update({(name, period): day for period, day in zip(periods, found)})
    return days, site_hours(plan, dict(zip(keys, it_w)), days)


def _prices(names: pd.Series, ordinal: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Each row's hardware price for a delivery in its month: the type's capex compounded by
    price_change for each whole year (and part) since price_month."""
    acc = partial(_each, names, scenario.accelerators)
    capex, change = acc(lambda a: a.capex), acc(lambda a: a.price_change or 0.0)
    since = ordinal - acc(lambda a: a.price_month.ordinal if a.price_change else 0)
    # Python's pow row by row, as before: numpy's vectorised power may differ in the last digit
    return np.array([c * (1 + r) ** (n / 12) if r else c for c, r, n in zip(capex.tolist(), change.tolist(), since.tolist())])


def _fiscal_years(ordinal: np.ndarray) -> np.ndarray:
    """The fiscal year of each month ordinal."""
    return fiscal_years(pd.PeriodIndex.from_ordinals(ordinal, freq="M"))


def left_by_tolerance(scenario: Scenario, run: str) -> float:
    """FLOP the solver's tolerance may leave out of a run: the plan drops a run's use of a site or
    type it did not choose (lp.solve), and inside the tolerance of the one-site and one-type rows
    (a thousandth of an accelerator each, ABSOLUTE["count"]) that use counted toward its compute
    (found by the relaxation property: 0.0035 accelerator-months, 0.35% of a 0.11-accelerator
    run). A thousandth of its best type, for each site and type, in every month of its window."""
    work = scenario.training_runs[run]
    types = [acc for name, acc in scenario.accelerators.items() if work.accelerators is None or name in work.accelerators]
    window = pd.period_range(work.earliest_start, work.deadline, freq="M")
    seconds = float(np.sum(window.days_in_month)) * 24 * 3600.0
    best = max((acc.training_flops(work.precision) for acc in types), default=0.0)
    return ABSOLUTE["count"] * best * seconds * (len(scenario.sites) + len(types))


def run_compute(plan: Plan) -> pd.DataFrame:
    """Per use row of a run: the FLOP it gives, and whether it lies inside the run's window and
    types. The FLOP is at the run's availability, or with a failure rate at the goodput of its
    size on that type that month; the whole-run mix and split efficiencies are `_efficiency`'s."""
    scenario, runs = plan.scenario, plan.scenario.training_runs
    rows = plan.use[plan.use["workload"].isin(list(runs))].copy()
    period = _periods(rows["month"])
    work = rows["workload"].map(runs)
    # float Series throughout: an empty use table (a corrupt solution) must give no rows, not a type error
    number = lambda values: pd.Series(list(values), index=rows.index, dtype=float)  # noqa: E731
    seconds = number(p.days_in_month * 24 * 3600.0 for p in period)
    flops = number(scenario.accelerators[a].training_flops(w.precision) for a, w in zip(rows["accelerator"], work))
    size = rows.groupby(["workload", "accelerator", "month"])["accelerators"].transform("sum")
    share = number(w.availability if w.failure_rate is None else float(goodput(n, w.failure_rate, w.checkpoint_time, w.restart_time))
                   for w, n in zip(work, size))
    rows["flop"] = rows["accelerators"].astype(float) * flops * share * seconds
    rows["allowed"] = pd.Series([w.earliest_start <= p <= w.deadline and (w.accelerators is None or a in w.accelerators)
                                 and (w.precision != "fp8" or scenario.accelerators[a].peak_fp8 is not None)
                                 for w, p, a in zip(work, period, rows["accelerator"])], index=rows.index, dtype=bool)
    rows["period"] = period
    return rows


def verify(plan: Plan) -> list[Violation]:
    """Every violated limit and every figure that does not match; an empty list for a sound plan."""
    if not plan.feasible:
        return []
    fleet = recompute(plan)
    rows, days, drawn = fleet.rows, fleet.days, fleet.drawn
    found: list[Violation] = []
    found += _fleet_rules(plan, rows)
    found += _site_limits(plan, fleet)
    found += _ramps(plan, fleet)
    found += [Violation(*item) for item in clean_rules(plan, drawn, rows["energy_j"].sum())]
    found += [Violation(*item) for item in battery_rules(plan, drawn)]
    found += _deliveries(plan, rows)
    found += _money(plan, rows)
    found += _compute(plan, run_compute(plan), lost_flop(plan, days))
    found += [Violation(*item) for item in throttle_rules(plan, days)]
    found += _serving(plan, rows)
    found += _reported_figures(plan, fleet)
    found += _vintages(plan, rows)
    found += _economics(plan, rows)
    return found


def verified_plan(scenario: Scenario, compare_rules: bool = False) -> Plan:
    """The plan of `scenario`, refused (RuntimeError) when it fails its own check: a plan that
    breaks a limit or misreports a figure is a solver fault, never something to show."""
    plan = make_plan(scenario, compare_rules=compare_rules)
    problems = verify(plan)
    if problems:
        raise RuntimeError("the solver's plan fails verification: " + "; ".join(map(str, problems[:5])))
    return plan


class RowCheck(NamedTuple):
    """One check of every row of a table: where it fails, and the violation's fields by row."""

    failed: np.ndarray  # bool
    constraint: str
    found: np.ndarray
    limit: np.ndarray | float
    detail: str


def _row_violations(where, checks: list[RowCheck]) -> list[Violation]:
    """The failures of `checks`, row by row and within a row in the order of `checks`, as a loop
    over the rows would list them; `where(i)` names row i. Only failing rows are built."""
    hits = sorted((i, k) for k, check in enumerate(checks) for i in np.flatnonzero(check.failed))
    return [Violation(checks[k].constraint, where(i), float(checks[k].found[i]),
                      float(np.broadcast_to(checks[k].limit, checks[k].failed.shape)[i]), checks[k].detail) for i, k in hits]


def _fleet_where(rows: pd.DataFrame):
    """Names fleet row i (by position): "site type month", read only for a row that fails."""
    return lambda i: f"{rows['site'].iat[i]} {rows['accelerator'].iat[i]} {rows['month'].iat[i]}"


def _fleet_rules(plan: Plan, rows: pd.DataFrame) -> list[Violation]:
    """Each fleet row finite and not negative, at work within what is installed, delivered only
    once the site is open and the type ships, and ordered inside the horizon and by the type's
    last order month; then the balance from month to month, and commissioning."""
    scenario = plan.scenario
    acc, site = partial(_each, rows["accelerator"], scenario.accelerators), partial(_each, rows["site"], scenario.sites)
    value = {column: rows[column].to_numpy(dtype=float) for column in ("installed", "delivered", "retired", "training", "serving")}
    checks = []
    for column, values in value.items():  # sums skip NaN, so only a check of its own catches one
        checks.append(RowCheck(~np.isfinite(values), "finite", values, 0.0, f"{column} is not a finite number"))
        checks.append(RowCheck(np.isfinite(values) & (values < -ABSOLUTE["count"]), "non_negative", values, 0.0, f"{column} is negative"))
    working = value["training"] + value["serving"]
    checks.append(RowCheck(_over(working, value["installed"], "count"), "use_within_fleet", working, value["installed"], "works more than installed"))
    delivered = _over(value["delivered"], 0.0, "count")
    opens = np.maximum(site(lambda s: s.opening.ordinal), acc(lambda a: a.first_delivery.ordinal))
    early = delivered & (rows["period"].array.asi8 < opens)
    checks.append(RowCheck(early, "availability", value["delivered"], 0.0, "delivered before the site opens or the type ships"))
    ordered, last = rows["ordered"].to_numpy(), acc(lambda a: np.inf if a.last_order is None else a.last_order.ordinal)
    closed = delivered & ((ordered < scenario.horizon.start.ordinal) | (ordered > last))
    checks.append(RowCheck(closed, "availability", value["delivered"], 0.0, "ordered before the horizon or after the last order month"))
    order, starts = _by_site_and_type(rows)
    return _row_violations(_fleet_where(rows), checks) + _balance(plan, rows, order, starts) + _commissioned(plan, rows, order, starts)


def _by_site_and_type(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The rows' positions sorted by site, type and month, and where each (site, type) begins among them."""
    site = pd.factorize(rows["site"].to_numpy(dtype=object), sort=True)[0]
    acc = pd.factorize(rows["accelerator"].to_numpy(dtype=object), sort=True)[0]
    order = np.lexsort((rows["period"].array.asi8, acc, site))
    pair = (site * (acc.max(initial=0) + 1) + acc)[order]
    return order, np.flatnonzero(np.diff(pair, prepend=-1))


def _balance(plan: Plan, rows: pd.DataFrame, order: np.ndarray, starts: np.ndarray) -> list[Violation]:
    """Each month's fleet is the month before's (the existing fleet before the first) plus
    deliveries less retirements, by (site, type) in `order`."""
    installed, delivered, retired = (rows[column].to_numpy(dtype=float)[order] for column in ("installed", "delivered", "retired"))
    before = np.concatenate([[np.nan], installed[:-1]])
    before[starts] = np.nan
    site, acc = rows["site"].to_numpy(dtype=object)[order], rows["accelerator"].to_numpy(dtype=object)[order]
    existing = np.array([plan.scenario.sites[s].existing_fleet.get(a, 0.0) for s, a in zip(site, acc)], dtype=float)
    expected = np.where(np.isnan(before), existing, before) + delivered - retired
    where = _fleet_where(rows)
    return _row_violations(lambda i: where(order[i]), [
        RowCheck(_differs(installed, expected, "count"), "fleet_balance", installed, expected,
                 "the fleet is not last month's plus deliveries less retirements")])


def _commissioned(plan: Plan, rows: pd.DataFrame, order: np.ndarray, starts: np.ndarray) -> list[Violation]:
    """Accelerators work only once commissioned: in month p, those delivered after p - lag (less
    what of them has been retired by p) may not work. By (site, type) in `order`, with running
    sums over months as integers, so a long horizon costs no more than a pass over its rows."""
    found, sold = [], plan.retirements
    sold_bought, sold_retired = _periods(sold["bought"]).array.asi8, _periods(sold["retired"]).array.asi8
    sold_site, sold_acc = sold["site"].to_numpy(dtype=object), sold["accelerator"].to_numpy(dtype=object)
    sold_count = sold["accelerators"].to_numpy(dtype=float)
    site, acc = rows["site"].to_numpy(dtype=object), rows["accelerator"].to_numpy(dtype=object)
    value = {column: rows[column].to_numpy(dtype=float) for column in ("installed", "delivered", "training", "serving")}
    ordinal, where = rows["period"].array.asi8, _fleet_where(rows)
    for group in np.split(order, starts[1:]) if len(order) else []:
        lag = plan.scenario.accelerators[acc[group[0]]].commissioning_lag
        if not lag:
            continue
        months = ordinal[group]
        delivered = np.concatenate([[0.0], np.cumsum(value["delivered"][group])])
        recent = delivered[1:] - delivered[np.searchsorted(months, months - lag, side="right")]
        mine = (sold_site == site[group[0]]) & (sold_acc == acc[group[0]])
        gone = ((sold_bought[mine][None, :] > months[:, None] - lag) & (sold_retired[mine][None, :] <= months[:, None])) @ sold_count[mine]
        ready = value["installed"][group] - (recent - gone)
        working = value["training"][group] + value["serving"][group]
        found += _row_violations(lambda i: where(group[i]), [  # noqa: B023 (called at once)
            RowCheck(_over(working, ready, "count"), "use_within_fleet", working, ready, f"works more than is commissioned ({lag} months after delivery)")])
    return found


def _site_limits(plan: Plan, fleet: Recomputed) -> list[Violation]:
    found = []
    for name, period, installed_w in fleet.months[["site", "period", "installed_w"]].itertuples(index=False):
        site = plan.scenario.sites[name]
        phases = [p for p in site.grid_phases if p.start <= period]
        grid = phases[-1].grid_import if phases else 0.0
        it_room = phases[-1].it_capacity if phases else 0.0
        values = fleet.values[name, period]
        where = f"{name} {period.strftime('%Y-%m')}"
        found += _hourly_limit(fleet.drawn[name, period], values.reserved, grid, where)
        it_load = installed_w + values.reserved
        if _over(it_load, it_room, "W") and installed_w > ABSOLUTE["W"]:
            found.append(Violation("it_capacity", where, it_load / 1e6, it_room / 1e6, "installed IT MW above the fit-out"))
    return found


def _ramps(plan: Plan, fleet: Recomputed) -> list[Violation]:
    """Each site's facility draw, reserved load included, moves by at most its ramp limit from
    one hour to the next: within every representative day (hour 23 to hour 0 of the same day),
    and from each day's last hour of a month to each day's first hour of the next (where the
    programme draws in either month: the reserved load alone is not the plan's)."""
    found = []
    for name, site in plan.scenario.sites.items():
        before = None  # the month before: its (D, 24) draw, and whether the programme drew then
        for period in plan.scenario.months if site.ramp_limit is not None else []:
            values, hours = fleet.values[name, period], fleet.drawn.get((name, period))
            day = hours.day if hours is not None else month_days(plan.scenario, site, [period], [values])[0]
            draw = (hours.imported if hours is not None else 0.0) + values.reserved * day["pue"]
            steps = [(np.abs(np.roll(draw, -1, axis=1) - draw).max() if hours is not None else 0.0, "from hour to hour")]
            if before is not None and (hours is not None or before[1]):
                steps.append((np.abs(draw[:, :1] - before[0][:, -1]).max(), "from the month before"))
            found += [Violation("ramp_limit", f"{name} {period.strftime('%Y-%m')}", step / 1e6, site.ramp_limit / 1e6,
                                f"facility draw changes by more MW than the ramp limit {what}")
                      for step, what in steps if _over(step, site.ramp_limit, "W")]
            before = (draw, hours is not None)
    return found


def _hourly_limit(hours, reserved: float, grid: float, where: str) -> list[Violation]:
    """Every hour's draw, reserved load included, within the grid limit: firm in curtailment
    windows, firm + flexible outside them (a steady month: one hour at the month's PUE)."""
    draw = hours.imported + reserved * hours.day["pue"]
    limit = grid + np.where(hours.day["window"], 0.0, hours.day["extra"])
    over = (draw - limit) / limit.clip(min=1.0)
    d, h = np.unravel_index(int(np.argmax(over)), over.shape)
    if _over(draw[d, h], limit[d, h], "W") and hours.draw.max() > ABSOLUTE["W"]:
        when = f" ({hours.day['names'][d]} day, {h:02d}:00)" if draw.size > 1 else ""
        return [Violation("grid_limit", where + when, draw[d, h] / 1e6, limit[d, h] / 1e6, "facility MW above the grid import limit")]
    return []


def _deliveries(plan: Plan, rows: pd.DataFrame) -> list[Violation]:
    found = []
    for (name, period), delivered in rows.groupby(["accelerator", "period"])["delivered"].sum().items():
        cap, month = _cap(plan.scenario.accelerators[name].delivery_cap, period), period.strftime("%Y-%m")
        if cap is not None and _over(delivered, cap, "count"):
            found.append(Violation("delivery", f"{name} {month}", delivered, cap, "deliveries above the monthly cap"))
    return found


def _cap(cap, period: pd.Period) -> float | None:
    """The delivery cap in `period`: one for all months, or the last step begun by then (none
    ahead of the first step)."""
    if cap is None or isinstance(cap, float):
        return cap
    begun = [value for first, value in cap.steps if first <= period]
    return begun[-1] if begun else 0.0


def _money(plan: Plan, rows: pd.DataFrame) -> list[Violation]:
    found, money = [], plan.scenario.budget
    capex = rows.groupby("paid_fiscal_year")["capex_jpy"].sum()
    spend = (rows["electricity_jpy"] + rows["demand_jpy"]).groupby(rows["fiscal_year"]).sum().add(capex, fill_value=0.0)
    if _over(spend.sum(), money.total, "JPY"):
        found.append(Violation("budget", "total", spend.sum(), money.total, "spending above the total budget"))
    if money.by_fiscal_year():
        found += _yearly(spend, money.by_fiscal_year(), money.carry_over, "budget_fy", "spending above the money arrived")
    costs = plan.costs.assign(year=plan.costs["fiscal_year"].str[2:].astype(int)).set_index("year")
    for source, by_year in money.by_source().items():
        paid = costs[f"{source}_jpy"].fillna(0.0)
        found += _yearly(paid, by_year, money.carry_over, f"{source}_money", f"{source} money above what arrived")
    if money.by_source():
        for year, row in costs.iterrows():
            if _over(spend.get(year, 0.0), row["public_jpy"] + row["private_jpy"], "JPY"):
                found.append(Violation("cash_sources", f"FY{year}", spend.get(year, 0.0), row["public_jpy"] + row["private_jpy"], "cash not paid from public and private money"))
            if _over(row["public_jpy"] + row["private_jpy"], spend.get(year, 0.0), "JPY"):
                found.append(Violation("cash_sources", f"FY{year}", row["public_jpy"] + row["private_jpy"], spend.get(year, 0.0), "money reported paid beyond the cash spent"))
            eligible = money.public_share * capex.get(year, 0.0)
            if _over(row["public_jpy"], eligible, "JPY"):
                found.append(Violation("public_share", f"FY{year}", row["public_jpy"], eligible, "public money above its share of capex"))
    return found


def _yearly(spend: pd.Series, by_year: dict[int, float], carry_over: bool, name: str, detail: str) -> list[Violation]:
    """Every fiscal year of the horizon: a year not listed brings no money; carried over, the
    limit is cumulative."""
    found, arrived, spent = [], 0.0, 0.0
    for year in sorted(spend.index):
        arrived += by_year.get(year, 0.0)
        spent += spend.get(year, 0.0)
        used, limit = (spent, arrived) if carry_over else (spend.get(year, 0.0), by_year.get(year, 0.0))
        if _over(used, limit, "JPY"):
            found.append(Violation(name, f"FY{year}", used, limit, detail))
    return found


def _compute(plan: Plan, rows: pd.DataFrame, lost: pd.Series) -> list[Violation]:
    """Each run's compute: its accelerators at work less `lost` (FLOP by run lost to throttling)."""
    scenario = plan.scenario
    run, site, acc, month = (rows[column].to_numpy(dtype=object) for column in ("workload", "site", "accelerator", "month"))
    found = _row_violations(lambda i: f"{run[i]} {site[i]} {acc[i]} {month[i]}", [
        RowCheck(~rows["allowed"].to_numpy(dtype=bool), "training_window", rows["accelerators"].to_numpy(), 0.0, "trains outside the run's window or types")])
    delivered = rows[rows["allowed"]].groupby("workload")["flop"].sum().sub(lost, fill_value=0.0).to_dict()
    at_site: dict[str, list] = {}  # each run's accelerators by site and month
    for (name, where, when), count in rows.groupby(["workload", "site", "month"])["accelerators"].sum().items():
        at_site.setdefault(name, []).append((where, when, count))
    domains = {name: site.fabric_domain for name, site in scenario.sites.items()}
    for name, work in scenario.training_runs.items():
        types, efficiency = _efficiency(scenario, name, rows[run == name])
        delivered[name] = delivered.get(name, 0.0) * efficiency
        for where, when, count in at_site.get(name, []):
            if domains[where] is not None and _over(count, domains[where], "count"):
                found.append(Violation("fabric", f"{name} {where} {when}", count, domains[where], "trains on more than the site's fabric domain"))
        if len(types) > 1 and not work.mix:
            found.append(Violation("one_type", name, float(len(types)), 1.0, f"trains on {' and '.join(types)} without mix = true"))
        if scenario.objective == "compute" and name == scenario.run.name:
            continue  # the question is how much fits: the requirement is not a limit
        if delivered[name] < work.required_flop * (1 - RELATIVE) - ABSOLUTE["FLOP"] - left_by_tolerance(scenario, name):
            found.append(Violation("compute_requirement", name, delivered[name], work.required_flop, "training compute short of the requirement"))
        first = scenario.training_runs.get(work.after) if work.after else None
        if first is not None:
            finished = rows[run == work.after].sort_values("period")
            reached = finished[finished["flop"].cumsum() >= first.required_flop * (1 - RELATIVE)]
            starts = rows.loc[run == name, "period"]
            if len(starts) and (reached.empty or starts.min() <= reached["period"].iloc[0]):
                found.append(Violation("run_order", name, float(len(starts)), 0.0, f"starts before {work.after} has finished"))
    return found


def _efficiency(scenario: Scenario, name: str, rows: pd.DataFrame) -> tuple[list[str], float]:
    """(the types run `name` trains on, the share of its compute that counts): its mix efficiency
    on more than one type, times its split efficiency at more than one site."""
    work, working = scenario.training_runs[name], rows[rows["accelerators"] > ABSOLUTE["count"]]
    types, sites = sorted(working["accelerator"].unique()), working["site"].nunique()
    return types, (work.mix_efficiency if len(types) > 1 else 1.0) * (scenario.split_efficiency(work) if sites > 1 else 1.0)


def _serving(plan: Plan, rows: pd.DataFrame) -> list[Violation]:
    """Each stream's tokens per second in each month of the fleet (`rows`), recomputed from the
    use table and the catalog; and each month's reported cost per million tokens."""
    found, scenario = [], plan.scenario
    months = pd.PeriodIndex(rows["period"].unique())
    workload = plan.use["workload"].to_numpy(dtype=object)
    for name, stream in scenario.inference.items():
        mine = plan.use[workload == name]
        throughput = [scenario.accelerators[a].serving_throughput for a in mine["accelerator"]]
        served = (mine["accelerators"] * throughput).groupby(mine["month"]).sum().to_dict()
        for month, demand in zip(months, stream.by_month(months)):
            text = month.strftime("%Y-%m")
            if demand > 0 and served.get(text, 0.0) < demand * (1 - RELATIVE) - 1e-6:
                found.append(Violation("serving_demand", f"{name} {text}", served.get(text, 0.0), demand, "tokens/s served short of demand"))
    if plan.inference.empty:
        return found
    table = plan.inference[plan.inference["served_tokens_per_s"] > 0]
    stream, month = table["stream"].to_numpy(dtype=object), table["month"].to_numpy(dtype=object)
    millions = table["served_tokens_per_s"].to_numpy(dtype=float) * _periods(table["month"]).array.days_in_month * 86400 / 1e6
    reported, expected = table["cost_per_million_tokens_jpy"].to_numpy(dtype=float), table["attributed_cost_jpy"].to_numpy(dtype=float) / millions
    return found + _row_violations(lambda i: f"inference {stream[i]} {month[i]}", [
        RowCheck(_differs(reported, expected, "JPY/Mtoken"), "reported_totals", reported, expected, "cost per million tokens does not match its cost and tokens")])


def _reported_figures(plan: Plan, fleet: Recomputed) -> list[Violation]:
    """The plan's own tables and summary must say what the fleet implies."""
    found, rows = [], fleet.rows
    sums = {
        ("energy", "electricity_cost_jpy"): (rows["electricity_jpy"].sum(), "JPY"),
        ("costs", "capex_jpy"): (rows["capex_jpy"].sum(), "JPY"),
        ("energy", "co2_t"): (rows["co2_kg"].sum() / 1e3, "t"),
        ("energy", "demand_charge_jpy"): (rows["demand_jpy"].sum(), "JPY"),
        ("costs", "demand_charge_jpy"): (rows["demand_jpy"].sum(), "JPY"),
    }
    for (table, column), (expected, unit) in sums.items():
        reported = float(getattr(plan, table)[column].sum())
        if _differs(reported, expected, unit):
            found.append(Violation("reported_totals", f"{table}.{column}", reported, expected, "total does not match the fleet"))
    total = rows["capex_jpy"].sum() + rows["electricity_jpy"].sum() + rows["demand_jpy"].sum()
    if _differs(plan.total_cost_jpy, total, "JPY"):
        found.append(Violation("reported_totals", "summary.total_cost_jpy", plan.total_cost_jpy, total, "total cost does not match the fleet"))
    return found + _reported_power(plan, fleet)


def _reported_power(plan: Plan, fleet: Recomputed) -> list[Violation]:
    """Each row of the power table: its facility MW less the reserved load's draw is the fleet's."""
    site, month = plan.power["site"].to_numpy(dtype=object), plan.power["month"].to_numpy(dtype=object)
    keys = list(zip(site, _periods(plan.power["month"])))
    by_month = dict(zip(zip(fleet.months["site"], fleet.months["period"]), fleet.months["facility_w"]))
    facility = np.array([by_month.get(key, 0.0) for key in keys], dtype=float)
    reserved = np.array([fleet.values[key].reserved * fleet.values[key].pue for key in keys], dtype=float)
    watts = plan.power["facility_mw"].to_numpy(dtype=float) * 1e6 - reserved
    return _row_violations(lambda i: f"power {site[i]} {month[i]}", [
        RowCheck(_differs(watts, facility, "W"), "reported_totals", watts / 1e6, facility / 1e6, "facility MW does not match the fleet")])


def _months_from_start(plan: Plan, periods: pd.Series) -> pd.Series:
    """Whole months from the horizon's start to each of `periods`, as a float Series."""
    return pd.Series(periods.array.asi8 - plan.scenario.horizon.start.ordinal, index=periods.index, dtype=float)


def _periods(months: pd.Series) -> pd.Series:
    """Month labels (text) as Periods, each distinct label parsed once."""
    codes, unique = pd.factorize(months.to_numpy(dtype=object), use_na_sentinel=False)
    ordinals = np.array([parse_month(text, "month").ordinal for text in unique], dtype=np.int64)[codes]
    return pd.Series(pd.PeriodIndex.from_ordinals(ordinals, freq="M"), index=months.index)


def _retired_by_vintage(plan: Plan) -> pd.DataFrame:
    """The retirements table with each row's age in months (bought, retired from the start)."""
    sold = plan.retirements.copy()
    sold["v"] = _months_from_start(plan, _periods(sold["bought"]))
    sold["m"] = _months_from_start(plan, _periods(sold["retired"]))
    return sold


def _vintages(plan: Plan, rows: pd.DataFrame) -> list[Violation]:
    """Retirements by vintage agree with the fleet's retired column, come after the purchase,
    and never exceed it."""
    sold = _retired_by_vintage(plan)
    site, acc, bought = (sold[column].to_numpy(dtype=object) for column in ("site", "accelerator", "bought"))
    age = (sold["m"] - sold["v"]).to_numpy()
    found = _row_violations(lambda i: f"{site[i]} {acc[i]} {bought[i]}", [
        RowCheck(age <= 0, "retire_after_purchase", age, 1.0, "retired before the month after its purchase")])
    by_month, by_vintage = _on(rows, sold, "retired"), _on(rows, sold, "bought")
    retired, delivered = rows["retired"].to_numpy(dtype=float), rows["delivered"].to_numpy(dtype=float)
    where = _fleet_where(rows)
    found += _row_violations(where, [RowCheck(_differs(retired, by_month, "count"), "reported_totals", retired, by_month,
                                              "retired in the fleet does not match the retirements by vintage")])
    found += _row_violations(where, [RowCheck(_over(by_vintage, delivered, "count"), "retire_within_purchase", by_vintage, delivered,
                                              "more of a month's purchase retired than was bought")])
    return found


def _on(rows: pd.DataFrame, sold: pd.DataFrame, month: str) -> np.ndarray:
    """The accelerators `sold` by site, type and `month` ("bought" or "retired") laid on the
    fleet's `rows`, 0 where none."""
    if sold.empty:
        return np.zeros(len(rows))
    totals = sold.groupby(["site", "accelerator", month])["accelerators"].sum().to_dict()
    return np.array([totals.get(key, 0.0) for key in _fleet_keys(rows)], dtype=float)


def _fleet_keys(rows: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Each fleet row's (site, type, month label)."""
    return list(zip(*(rows[column].to_numpy(dtype=object) for column in ("site", "accelerator", "month"))))


def _economics(plan: Plan, rows: pd.DataFrame) -> list[Violation]:
    """Economic cost and residual value, recomputed from the fleet, energy and retirement rows
    with discounting and book values worked out here (inputs.scenario.Economics defines them)."""
    scenario, economics = plan.scenario, plan.scenario.economics
    end = float((scenario.horizon.end - scenario.horizon.start).n + 1)  # the horizon's end, in months
    rate, life = economics.discount_rate, economics.useful_life * 12

    def discount(months):
        return (1 + rate) ** (-months / 12)

    def book(bought, at):
        return ((1 - (at - bought) / life).clip(lower=0.0, upper=1.0))

    t = _months_from_start(plan, rows["period"])
    sold = _retired_by_vintage(plan)
    sold_unit = pd.Series(_unit_capex(rows, sold), index=sold.index, dtype=float)
    kept = rows["delivered"] - _on(rows, sold, "bought")
    residual = float((kept * rows["unit_capex_jpy"] * book(t, pd.Series(end, index=t.index))).sum())
    running = rows["electricity_jpy"] + rows["demand_jpy"] + rows["co2_kg"] * scenario.carbon_price
    if economics.view == "cash":
        economic = float(rows["capex_jpy"].sum() + running.sum())
    elif economics.view == "annuity":  # each purchase charged every month from delivery until it is retired or the horizon ends
        growth = (1 + rate) ** economics.useful_life
        crf = rate * growth / (growth - 1) if rate else 1 / economics.useful_life

        def charged_from(first):  # discounted months from `first` to the horizon's end, once a month
            return first.map({m: sum(discount(k) for k in range(int(m), int(end))) for m in first.unique()})

        bought = (rows["capex_jpy"] * charged_from(t)).sum()
        left = (sold["accelerators"] * sold_unit * charged_from(sold["m"])).sum()
        economic = float((bought - left) * crf / 12 + (running * discount(t)).sum())
    else:
        resale = economics.resale_of_book_value * (sold["accelerators"] * sold_unit * book(sold["v"], sold["m"]) * discount(sold["m"])).sum()
        paid = (rows["capex_jpy"] * discount(t)).sum()
        economic = float(paid - resale - discount(end) * residual + (running * discount(t)).sum())
    found = []
    for name, reported, expected in (("economic_cost_jpy", plan.economic_cost_jpy, economic),
                                     ("residual_value_jpy", plan.residual_value_jpy, residual)):
        if _differs(reported, expected, "JPY"):
            found.append(Violation("reported_totals", f"summary.{name}", reported, expected, f"{name} does not match the fleet"))
    return found


def _unit_capex(rows: pd.DataFrame, sold: pd.DataFrame) -> np.ndarray:
    """The unit capex of each retirement's vintage (its site, type and month bought), NaN where the fleet has none."""
    unit = dict(zip(_fleet_keys(rows), rows["unit_capex_jpy"]))
    return np.array([unit.get(key, np.nan) for key in zip(sold["site"], sold["accelerator"], sold["bought"])], dtype=float)

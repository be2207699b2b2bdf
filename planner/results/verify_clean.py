"""verify, for clean contracts: what each contract delivers in each hour from the scenario's
capacity factors and the MW the plan signed, the output matched against it and against the
programme's draw that hour, the carbon-free target, and the contracts' net cost by site and
month. Recomputed from the scenario's fields (inputs.clean), never from the model's arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.results.verify_hours import rows_of

MATCH_W = 1.0  # W of tolerance on an hour's match, as for every W in verify
SECONDS_PER_HOUR = 3600.0


def delivered_w(plan, name: str, period: pd.Period) -> np.ndarray:
    """(24,) W the site's contracts deliver in each hour of `period` at the MW the plan signed."""
    total = np.zeros(24)
    for row in plan.contracts[plan.contracts["site"] == name].itertuples():
        contract = plan.scenario.sites[name].contracts[row.contract]
        if contract.start is None or period >= contract.start:
            total += row.mw * 1e6 * contract.factors(period.month)
    return total


def matched_w(plan) -> dict[tuple[str, pd.Period], np.ndarray]:
    """(D, 24) W matched by site and month, from the plan's matched table."""
    found: dict = {}
    for row in rows_of(plan.matched):
        found.setdefault((row.site, pd.Period(row.month, freq="M")), []).append((int(row.day), int(row.hour), row.mw * 1e6))
    return found


def clean_costs(plan, days: dict) -> dict[tuple[str, pd.Period], float]:
    """JPY the contracts cost net in each site-month: all they deliver at their price, less the
    grid energy the matched output displaced at the hour's price."""
    costs = {}
    matched = matched_w(plan)
    for (name, period), day in days.items():
        if not plan.scenario.sites[name].contracts:
            continue
        paid = 0.0
        for row in plan.contracts[plan.contracts["site"] == name].itertuples():
            contract = plan.scenario.sites[name].contracts[row.contract]
            if contract.start is None or period >= contract.start:
                paid += row.mw * 1e6 * contract.factors(period.month).sum() * day["weight"].sum() * SECONDS_PER_HOUR * contract.price
        saved = sum(w * day["weight"][d] * SECONDS_PER_HOUR * day["price"][d, h] for d, h, w in matched.get((name, period), []))
        costs[name, period] = paid - saved
    return costs


def clean_rules(plan, drawn: dict, energy_j: float) -> list[tuple[str, str, float, float, str]]:
    """Each hour's match within what the contracts deliver and within the programme's draw
    then; the carbon-free target over the programme's `energy_j`. (constraint, where, found, limit, detail) each."""
    found = []
    total = 0.0
    for (name, period), hours in matched_w(plan).items():
        delivered, draw, weight = delivered_w(plan, name, period), drawn[name, period].draw, drawn[name, period].day["weight"]
        for d, h, watts in hours:
            where = f"{name} {period.strftime('%Y-%m')} day {d} {h:02d}:00"
            if watts > delivered[h] * (1 + 1e-6) + MATCH_W:
                found.append(("clean_supply", where, watts / 1e6, delivered[h] / 1e6, "matched more MW than the contracts deliver"))
            if watts > draw[d, h] * (1 + 1e-6) + MATCH_W:
                found.append(("clean_supply", where, watts / 1e6, draw[d, h] / 1e6, "matched more MW than the programme draws"))
            total += watts * weight[d] * SECONDS_PER_HOUR
    target = plan.scenario.cfe_target
    if target is not None and energy_j > 0 and total < target * energy_j * (1 - 1e-6):
        found.append(("cfe_target", "programme", total / energy_j, target, "carbon-free share below the target"))
    return found

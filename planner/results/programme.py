"""Views of a plan across the programme, from its tables: the fleet by vintage, and cash by
source against the money available. The app's charts and the workbook's sheets both show these."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.results.plan import Plan

EXISTING = "existing"  # the vintage of accelerators in service when the horizon begins
VINTAGE_COLUMNS = ["site", "accelerator", "bought", "month", "accelerators"]
CASH_COLUMNS = ["fiscal_year", "source", "paid_jpy", "arriving_jpy", "arrived_to_date_jpy"]
SHOWN = 1e-3  # accelerators: fewer than this in service is solver noise, left out


def fleet_by_vintage(plan: Plan) -> pd.DataFrame:
    """Accelerators in service by site, type, month bought ('existing' for the fleet the horizon
    starts with) and month: a purchase is in service from its month of delivery, less what is
    retired of it from each month on (plan.retirements)."""
    months = list(plan.compute["month"])
    position = {month: t for t, month in enumerate(months)}
    rows = []
    for (site, accelerator), fleet in plan.fleet.groupby(["site", "accelerator"], sort=False):
        existing = plan.scenario.sites[site].existing_fleet.get(accelerator, 0.0)
        if existing > SHOWN:
            rows += [(site, accelerator, EXISTING, month, existing) for month in months]
        sold = plan.retirements[(plan.retirements["site"] == site) & (plan.retirements["accelerator"] == accelerator)]
        for v, delivered in enumerate(fleet["delivered"].to_numpy()):
            if delivered <= SHOWN:
                continue
            leaving = np.zeros(len(months))
            for row in sold[sold["bought"] == months[v]].itertuples():
                leaving[position[row.retired]] += row.accelerators
            held = delivered - np.cumsum(leaving)
            rows += [(site, accelerator, months[v], months[t], held[t]) for t in range(v, len(months)) if held[t] > SHOWN]
    return pd.DataFrame(rows, columns=VINTAGE_COLUMNS)


def cash_by_source(plan: Plan) -> pd.DataFrame:
    """Cash paid by fiscal year from each source against the money arriving that year and
    arrived by its end: 'public' and 'private' when the budget splits them, else 'budget' (all
    money, by fiscal year when the scenario gives it, NaN where it gives none)."""
    costs, budget = plan.costs, plan.scenario.budget
    years = [int(name[2:]) for name in costs["fiscal_year"]]
    if budget.by_source():
        paid = {"public": costs["public_jpy"], "private": costs["private_jpy"]}
        arriving = {source: [by_year.get(year, 0.0) for year in years] for source, by_year in budget.by_source().items()}
    else:
        by_year = budget.by_fiscal_year()
        paid = {"budget": costs["total_jpy"]}
        arriving = {"budget": [by_year.get(year, 0.0) if by_year else np.nan for year in years]}
    frames = [
        pd.DataFrame({"fiscal_year": costs["fiscal_year"].to_numpy(), "source": source,
                      "paid_jpy": paid[source].to_numpy(dtype=float), "arriving_jpy": arriving[source],
                      "arrived_to_date_jpy": np.cumsum(arriving[source])})
        for source in paid
    ]
    return pd.concat(frames, ignore_index=True)[CASH_COLUMNS]

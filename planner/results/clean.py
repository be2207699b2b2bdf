"""A plan's clean power (inputs.clean): the contracts it signs, what they deliver and match hour
by hour, their net cost, the carbon-free share, and Scope 2 emissions both ways.

Carbon-free share: the programme's energy its contracts matched in the same hour, over all of
its energy (hourly matching, 24/7; the grid's own carbon-free share is not counted).
Scope 2, location-based: all energy at the grid's hourly intensity (the energy table's co2_t).
Market-based: the energy the contracts did not match, at the same intensity (estimate: the grid
average stands for the residual mix, which Japan does not publish by the hour); contracted
energy counts only in the hour it is used, so spilled output claims nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.lp.arrays import SECONDS_PER_HOUR
from planner.lp.hourly import HourArrays

CLEAN_COLUMNS = ["site", "month", "energy_mwh", "delivered_mwh", "matched_mwh", "carbon_free_share", "contract_cost_jpy",
                 "grid_cost_saved_jpy", "scope2_location_t", "scope2_market_t"]
CONTRACT_COLUMNS = ["site", "contract", "kind", "mw", "price_jpy_per_mwh"]
MATCHED_COLUMNS = ["site", "month", "day", "hour", "mw"]
J_PER_MWH = 3.6e9
MATCHED_W = 1e-3  # W: below a milliwatt, solver noise


def contract_table(scenario, hours: HourArrays, arrays, contract: dict) -> pd.DataFrame:
    rows = []
    for (s, k), watts in sorted(contract.items()):
        name = hours.contracts[s][k]
        terms = scenario.sites[arrays.sites[s]].contracts[name]
        rows.append({"site": arrays.sites[s], "contract": name, "kind": terms.kind, "mw": watts / 1e6,
                     "price_jpy_per_mwh": terms.price * J_PER_MWH})
    return pd.DataFrame(rows, columns=CONTRACT_COLUMNS)


def matched_table(arrays, match: dict) -> pd.DataFrame:
    """MW of contracted output matched to the programme's draw in each hour (non-zero rows only)."""
    rows = [{"site": arrays.sites[s], "month": arrays.month_labels[t], "day": d, "hour": h, "mw": watts / 1e6}
            for (s, t, d, h), watts in sorted(match.items()) if watts > MATCHED_W]
    return pd.DataFrame(rows, columns=MATCHED_COLUMNS)


def clean_table(scenario, hours: HourArrays, arrays, energy: pd.DataFrame, contract: dict, match: dict) -> pd.DataFrame:
    """By site and month: the programme's energy, what its contracts delivered and matched, the
    carbon-free share, the contracts' cost and the grid energy they saved, Scope 2 both ways.
    `energy`: the plan's energy table (energy_mwh, co2_t), in site-month order."""
    S, T = len(arrays.sites), len(arrays.months)
    delivered, paid, matched, saved, avoided = (np.zeros((S, T)) for _ in range(5))
    for (s, k), watts in contract.items():
        price = scenario.sites[arrays.sites[s]].contracts[hours.contracts[s][k]].price
        for t in range(T):
            day = hours.days[s][t]
            joules = watts * day["cf"][k].sum() * day["weight"].sum() * SECONDS_PER_HOUR
            delivered[s, t] += joules / J_PER_MWH
            paid[s, t] += joules * price
    for (s, t, d, h), watts in match.items():
        day = hours.days[s][t]
        joules = watts * day["weight"][d] * SECONDS_PER_HOUR
        matched[s, t] += joules / J_PER_MWH
        saved[s, t] += joules * day["price"][d, h]
        avoided[s, t] += joules * day["carbon"][d, h] / 1e3
    location = energy["co2_t"].to_numpy()
    energy_mwh = energy["energy_mwh"].to_numpy()
    share = np.divide(matched.ravel(), energy_mwh, out=np.zeros(S * T), where=energy_mwh > 0)
    return pd.DataFrame({"site": energy["site"], "month": energy["month"], "energy_mwh": energy_mwh,
                         "delivered_mwh": delivered.ravel(), "matched_mwh": matched.ravel(), "carbon_free_share": share,
                         "contract_cost_jpy": paid.ravel(), "grid_cost_saved_jpy": saved.ravel(),
                         "scope2_location_t": location, "scope2_market_t": location - avoided.ravel()}, columns=CLEAN_COLUMNS)


BATTERY_COLUMNS = ["site", "month", "power_mw", "energy_mwh", "charged_mwh", "discharged_mwh", "capacity_cost_jpy",
                   "energy_cost_jpy", "co2_t"]
BATTERY_HOUR_COLUMNS = ["site", "month", "day", "hour", "charge_mw", "discharge_mw"]


def battery_table(scenario, hours: HourArrays, arrays, solution) -> pd.DataFrame:
    """By site (with a battery) and month: its MW and MWh, the energy it charged and discharged,
    its monthly charges for them, and the grid energy it cycled at the hour's price and CO2
    (charge less discharge: its losses, and the shift from one hour's price to another's)."""
    rows = []
    for s, (watts, joules) in sorted(solution.battery.items()):
        battery = scenario.sites[arrays.sites[s]].battery
        for t, month in enumerate(arrays.month_labels):
            day, flows = hours.days[s][t], {}
            for key in ("charge", "discharge"):
                flows[key] = np.zeros(day["pue"].shape)
                for (s_, t_, d, h), w in getattr(solution, key).items():
                    if (s_, t_) == (s, t):
                        flows[key][d, h] = w
            net = (flows["charge"] - flows["discharge"]) * day["weight"][:, None] * SECONDS_PER_HOUR  # J from the grid
            rows.append({"site": arrays.sites[s], "month": month, "power_mw": watts / 1e6, "energy_mwh": joules / J_PER_MWH,
                         "charged_mwh": float((flows["charge"] * day["weight"][:, None]).sum()) / 1e6,
                         "discharged_mwh": float((flows["discharge"] * day["weight"][:, None]).sum()) / 1e6,
                         "capacity_cost_jpy": battery.power_cost * watts + battery.energy_cost * joules,
                         "energy_cost_jpy": float((net * day["price"]).sum()), "co2_t": float((net * day["carbon"]).sum()) / 1e3})
    return pd.DataFrame(rows, columns=BATTERY_COLUMNS)


def battery_hours(arrays, solution) -> pd.DataFrame:
    """MW into and out of each battery in each representative hour (rows with a flow only)."""
    rows = [{"site": arrays.sites[s], "month": arrays.month_labels[t], "day": d, "hour": h, "charge_mw": watts / 1e6,
             "discharge_mw": solution.discharge[s, t, d, h] / 1e6}
            for (s, t, d, h), watts in sorted(solution.charge.items())
            if max(watts, solution.discharge[s, t, d, h]) > MATCHED_W]
    return pd.DataFrame(rows, columns=BATTERY_HOUR_COLUMNS)


def clean_summary(clean: pd.DataFrame, contracts: pd.DataFrame, battery: pd.DataFrame, sites) -> dict:
    """The `--json` keys: carbon-free share by site and for the programme, Scope 2 both ways
    (t CO2 over the horizon), the MW of each contract signed ("SITE.NAME"), each battery's MW and MWh."""
    by_site = clean.groupby("site")[["matched_mwh", "energy_mwh"]].sum().reindex(list(sites), fill_value=0.0)
    shares = {site: _share(row.matched_mwh, row.energy_mwh) for site, row in by_site.iterrows()}
    shares["programme"] = _share(by_site["matched_mwh"].sum(), by_site["energy_mwh"].sum())
    return {"carbon_free_share": shares, "scope2_location_t": float(clean["scope2_location_t"].sum()),
            "scope2_market_t": float(clean["scope2_market_t"].sum()),
            "contracts_mw": {f"{row.site}.{row.contract}": float(row.mw) for row in contracts.itertuples()},
            "batteries": {site: {"mw": float(rows["power_mw"].iloc[0]), "mwh": float(rows["energy_mwh"].iloc[0])}
                          for site, rows in battery.groupby("site")}}


def _share(matched: float, energy: float) -> float:
    return float(matched / energy) if energy > 0 else 0.0

"""Binding limits and entry prices, made by whole-array work (issue 14, item 3), give the numbers
the per-type, per-site loops they replaced gave: those loops are kept here as the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from test_properties import programmes

from planner import load_scenario, make_plan
from planner.inputs.calendar import label
from planner.inputs.scenario import build, changed
from planner.lp.binding import BINDS, ENTRY_COLUMNS, NEGLIGIBLE, binding_table, entry_prices
from planner.lp.model import COUNT, MONEY, ROW_UNITS, PlanningModel
from planner.lp.solve import solve


def loop_entry_prices(model, solution) -> pd.DataFrame:
    """The loop over types, sites and months (planner/lp/binding.py before the change)."""
    arrays, dj, rows = model.arrays, solution.reduced_costs, []
    used = solution.installed.max(axis=(0, 2)) > NEGLIGIBLE
    for g, name in enumerate(arrays.accelerators):
        if used[g]:
            continue
        best = np.inf
        for s in range(len(arrays.sites)):
            months = sorted(t for (s_, g_, t) in model.installed if (s_, g_) == (s, g))
            suffix = 0.0
            for t in reversed(months):
                work = [dj["use"].get((s, g, t, w), 0.0) for w in range(len(model.workloads))]
                suffix += dj["installed"].get((s, g, t), 0.0) + min(0.0, *work)
                if (s, g, t) in model.buy:
                    best = min(best, (suffix + dj["buy"].get((s, g, t), 0.0)) / model.capex_weight(t))
        if np.isfinite(best):
            cut = max(best, 0.0) * MONEY / COUNT
            capex = float(arrays.capex[:, g].min())
            rows.append({"accelerator": name, "price_cut_jpy": cut, "capex_jpy": capex, "cut_share": cut / capex})
    return pd.DataFrame(rows, columns=ENTRY_COLUMNS)


def loop_phase_totals(model, binding: pd.DataFrame) -> list[tuple[str, str, float]]:
    """(constraint, where, shadow price) of each phase total, by the loop over sites and phases."""
    totals, months = [], model.arrays.months
    for family in ("grid_limit", "it_capacity"):
        rows = [(key, price) for key, price, c in zip(binding["key"], binding["shadow_price"], binding["constraint"]) if c == family]
        for s, name in enumerate(model.arrays.sites):
            phases = model.scenario.sites[name].grid_phases
            for i, phase in enumerate(phases):
                end = phases[i + 1].start if i + 1 < len(phases) else None
                inside = [price for key, price in rows
                          if key[0] == s and months[key[1]] >= phase.start and (end is None or months[key[1]] < end)]
                if len(inside) > 1:
                    totals.append((family, f"{name} phase from {label(phase.start)}", sum(inside)))
    return sorted(totals)


def solved(scenario):
    model = PlanningModel(scenario)
    solution = solve(model)
    assert solution.status == "optimal"
    return model, solution


def binding_months(solution) -> pd.DataFrame:
    """Each binding row's family, key and shadow price in JPY per unit (what the phase totals sum)."""
    rows = [{"constraint": family, "key": key, "shadow_price": abs(dual) * MONEY / per_row}
            for family, (_, per_row) in ROW_UNITS.items()
            for key, dual in solution.duals.get(family, {}).items() if abs(dual) > BINDS]
    return pd.DataFrame(rows, columns=["constraint", "key", "shadow_price"])


def assert_as_the_loops(model, solution) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entry prices and phase totals of a solved model equal the loops'; returns both."""
    entry = entry_prices(model, solution)
    pd.testing.assert_frame_equal(entry, loop_entry_prices(model, solution), rtol=1e-12)
    table = binding_table(model, solution)
    phases = table[table["where"].str.contains(" phase from ")]
    got = sorted(zip(phases["constraint"], phases["where"], phases["shadow_price"]))
    expected = loop_phase_totals(model, binding_months(solution))
    assert [row[:2] for row in got] == [row[:2] for row in expected]
    assert [row[2] for row in got] == pytest.approx([row[2] for row in expected], rel=1e-12)
    return entry, phases


def test_default_entry_prices_as_the_loops(default_scenario):
    entry, _ = assert_as_the_loops(*solved(default_scenario))
    fleet = make_plan(default_scenario).fleet
    bought = set(fleet.loc[fleet["installed"] > 1e-3, "accelerator"])
    assert set(entry["accelerator"]) == set(default_scenario.accelerators) - bought != set()
    assert (entry["price_cut_jpy"] > 0).all()


def test_phase_totals_as_the_loops_where_the_fit_out_binds_for_months():
    # nine months of training at three times the size: Tomakomai's and Sakai's fit-out bind month after month
    scenario = changed(load_scenario(), {"workload.deadline": "2027-12", "workload.parameters": "3e12",
                                         "budget.total": "4e12 JPY", "budget.fiscal_years.FY2027": "4e12 JPY"})
    _, phases = assert_as_the_loops(*solved(scenario))
    assert set(phases["where"]) >= {"Tomakomai phase from 2026-10", "Sakai phase from 2026-10"}


@given(programmes())
def test_random_programmes_as_the_loops(document):
    model = PlanningModel(build(document, "random programme"))
    solution = solve(model)
    assume(solution.status == "optimal")
    assert_as_the_loops(model, solution)

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
        best, at = np.inf, None
        for s in range(len(arrays.sites)):
            months = sorted(t for (s_, g_, t) in model.installed if (s_, g_) == (s, g))
            held, work = {}, {}
            suffix_held = suffix_work = 0.0
            for t in reversed(months):
                uses = [dj["use"][s, g, t, w] for w in range(len(model.workloads))]
                suffix_held += dj["installed"][s, g, t]
                suffix_work += min(0.0, *uses)
                held[t], work[t] = suffix_held, suffix_work
            for t in months:
                if (s, g, t) in model.buy:
                    gain = held[t] + work.get(t + int(arrays.lag[g]), 0.0) + dj["buy"][s, g, t]
                    if gain / model.capex_weight(t) < best:
                        best, at = gain / model.capex_weight(t), (s, t)
        if at is not None:
            cut = max(best, 0.0) * MONEY / COUNT
            capex = float(arrays.capex[at[0], g, at[1]])
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
    if model.kind or model.place or model.done:  # a MILP has no duals: priced with its choices fixed, as make_plan does
        model.fix_run_choices()
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
    assert (entry["price_cut_jpy"] >= 0).all()  # 0 where a type ties with the plan's own (H200 serving here)
    assert (entry.set_index("accelerator").loc[["GB200", "GB300"], "price_cut_jpy"] > 0).all()


def test_phase_totals_as_the_loops_where_the_fit_out_binds_for_months():
    # 15 MW of IT at each new site from 2026-10, where the 1T run's VR200s need about 34 MW at one
    # site (issue 15): Sakai's fit-out binds month after month, and serving fills it after the run
    small = [{"start": "2026-10", "grid_import": "400 MW", "it_capacity": "15 MW"}]
    scenario = changed(load_scenario(), {"sites.Sakai.grid_phases": small, "sites.Tomakomai.grid_phases": small})
    _, phases = assert_as_the_loops(*solved(scenario))
    assert set(phases["where"]) >= {"Sakai phase from 2026-10"}


@given(programmes())
def test_random_programmes_as_the_loops(document):
    model = PlanningModel(build(document, "random programme"))
    solution = solve(model)
    assume(solution.status == "optimal")
    assert_as_the_loops(model, solution)

"""`planner plan`: a scenario (a file, the shipped default, or a workbook's Inputs sheet) planned,
the plan said in words or as JSON, and optionally written as a workbook or CSV tables."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from planner.cli.exits import EXIT_INFEASIBLE, EXIT_PLAN, EXIT_SOLVER
from planner.cli.terminal import say
from planner.inputs.calendar import hours_in
from planner.inputs.scenario import OBJECTIVES, changed, load_scenario
from planner.results.plan import Plan
from planner.results.verify import verified_plan
from planner.results.words import money, worth_in_words

BINDING_SHOWN = 10  # binding limits in the terminal, most valuable first; --json has them all


def add_arguments(parser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("path", type=Path, nargs="?")
    source.add_argument("--from-workbook", type=Path, metavar="XLSX", help="plan the Inputs sheet of a workbook from --out")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--out", type=Path, help="also write the plan: a workbook (.xlsx) or CSV tables (.zip)")
    parser.add_argument("--lp", type=Path, metavar="FILE",
                        help="also write the least-cost LP as built, for any LP solver: LP (.lp) or MPS (.mps) format")
    parser.add_argument("--objective", choices=OBJECTIVES, help="override the scenario's objective")
    parser.add_argument("--integer", action="store_true", help="buy whole servers and racks (MILP)")
    parser.add_argument("--time-limit", metavar="DURATION", help="solver time limit, e.g. '30 s'")
    parser.add_argument("--mip-gap", metavar="FRACTION", type=float, help="relative MIP gap for --integer")
    parser.add_argument("--alternatives", action="store_true",
                        help="also re-plan with the run rules relaxed (types mixed, one site per run) and say what each rule costs")


def command(args) -> int:
    # The workbook modules load only when asked for: openpyxl and xlsxwriter take ~0.3 s to import.
    if args.out:
        from planner.exchange.export import plan_file_writer

        write = plan_file_writer(args.out)  # a wrong suffix fails before the solve
    if args.lp:
        from planner.exchange.lp_file import lp_file_writer

        write_lp = lp_file_writer(args.lp)
    if args.from_workbook:
        from planner.exchange.workbook_import import scenario_from_workbook

        scenario = scenario_from_workbook(args.from_workbook)
    else:
        scenario = load_scenario(args.path)
    scenario = _with_options(scenario, args)
    plan = verified_plan(scenario, compare_rules=args.alternatives)
    summary = plan.summary()
    if args.json:
        say(json.dumps(summary, indent=2))
    else:
        say(describe(plan))
    if args.out:
        write(plan)
        say(f"wrote {args.out}", sys.stderr)
    if args.lp:
        write_lp(scenario)
        say(f"wrote {args.lp}", sys.stderr)
    if plan.feasible:
        return EXIT_PLAN
    return EXIT_INFEASIBLE if plan.status == "infeasible" else EXIT_SOLVER


def _with_options(scenario, args):
    """The scenario with the command line's overrides, validated like the file's own values."""
    changes = {
        "objective": args.objective,
        "solver.integer": True if args.integer else None,
        "solver.time_limit": args.time_limit,
        "solver.mip_gap": args.mip_gap,
    }
    changes = {field: value for field, value in changes.items() if value is not None}
    return changed(scenario, changes, "command line") if changes else scenario


def describe(plan: Plan) -> str:
    """A plan in words, for the terminal."""
    s = plan.summary()
    lines = [f"{s['scenario']}", f"status: {s['status']} (objective: {s['objective']}, solver: {s['solver']}, "
             f"{s['solver_method']})"]
    lines += [f"notice: {notice}" for notice in s["notices"]]
    if not plan.feasible:
        lines.append(s["message"] or "no plan")
        if not plan.relaxations.empty:
            lines.append("each of these alone would give a plan:")
            for option, rows in plan.relaxations.groupby("option", sort=False):
                lines.append(f"  {option}:")
                lines += [f"    {text}" for text in rows["description"].head(12)]
                if len(rows) > 12:
                    lines.append(f"    ... and {len(rows) - 12} more (see --json)")
        return "\n".join(lines)
    finish = f"training finishes {s['finish_month']}" if s["finish_month"] else "the run is not finished"
    lines += [
        f"{finish} (deadline {s['deadline']}): {s['delivered_flop']:.3g} of {s['required_flop']:.3g} FLOP",
        f"total cost JPY {s['total_cost_jpy'] / 1e9:,.1f} bn = capex {s['capex_jpy'] / 1e9:,.1f} bn "
        f"+ electricity {s['energy_cost_jpy'] / 1e9:,.2f} bn{_demand_charges(s)} (budget {s['budget_jpy'] / 1e9:,.1f} bn)",
        f"energy {s['energy_mwh']:,.0f} MWh, CO2 {s['co2_t']:,.0f} t",
        f"economic cost {money(s['economic_cost_jpy'])} ({s['economic_view']} view); "
        f"residual value {money(s['residual_value_jpy'])} at the horizon's end",
    ]
    lines += _runs_in_words(plan)
    for site, fleet in s["accelerators"].items():
        held = ", ".join(f"{count:,.0f} {name}" for name, count in fleet.items()) or "none"
        rows = plan.power[plan.power["site"] == site]
        peak = rows.loc[rows["facility_mw"].idxmax()]
        lines.append(
            f"{site}: peak {peak.facility_mw:.1f} MW in {peak.month} against a {peak.grid_limit_mw:.0f} MW grid limit; "
            f"accelerators {held}"
        )
    lines += _hours_in_words(plan) if plan.scenario.representative_days else []
    lines += _clean_in_words(plan)
    if s["largest_model_parameters"] is not None and s["objective"] == "compute":
        lines.append(f"the compute delivered trains a model of {s['largest_model_parameters']:.3g} parameters at this run's tokens per parameter")
    if s["mip_gap"] is not None:  # whole servers, or binaries that keep runs in order
        what = "integer sizing" if s["integer"] else "runs' types, sites and order"
        above = "" if s["integer_gap"] is None else f", {s['integer_gap']:.2%} above the fractional plan"
        lines.append(f"{what}: MIP gap {s['mip_gap']:.2%}{above}")
    if not plan.binding.empty:
        note = f" ({plan.prices_note})" if plan.prices_note else ""
        lines.append(f"binding limits, and what one more unit of each is worth{note}:")
        lines += [f"  {row.description}: {worth_in_words(row.shadow_price, row.unit)}"
                  for row in plan.binding.head(BINDING_SHOWN).itertuples()]
        if len(plan.binding) > BINDING_SHOWN:
            lines.append(f"  ... and {len(plan.binding) - BINDING_SHOWN} more (see --json)")
    for row in plan.entry.itertuples():
        lines.append(f"  {row.accelerator} would enter at {money(row.price_cut_jpy)} less per accelerator ({row.cut_share:.0%} of its cost)")
    lines.append("fiscal year spending (JPY bn):")
    for row in plan.costs.itertuples():
        budget = "" if row.budget_jpy != row.budget_jpy else f" (arrives {row.budget_jpy / 1e9:,.1f})"
        sources = "" if row.public_jpy != row.public_jpy else (
            f"; paid public {row.public_jpy / 1e9:,.2f} + private {row.private_jpy / 1e9:,.2f}")
        charged = f" + demand charges {row.demand_charge_jpy / 1e9:,.2f}" if row.demand_charge_jpy else ""
        lines.append(f"  {row.fiscal_year}: capex {row.capex_jpy / 1e9:,.1f} + electricity {row.energy_cost_jpy / 1e9:,.2f}"
                     f"{charged}{budget}{sources}")
    return "\n".join(lines)


def _hours_in_words(plan) -> list[str]:
    """Each site's highest hour, and what its flexible connection gave and cost (representative days)."""
    lines = []
    for site in plan.scenario.sites:
        rows = plan.peak_hours[plan.peak_hours["site"] == site]
        peak = rows.loc[rows["facility_mw"].idxmax()]
        curtailed = plan.curtailment[plan.curtailment["site"] == site]
        flexible = (f"; curtailed {curtailed['hours_curtailed'].sum():,.0f} h for up to {curtailed['mw_gained'].max():.1f} MW "
                    f"above the firm limit, {curtailed['lost_flop'].sum():.3g} FLOP of training lost") if not curtailed.empty else ""
        lines.append(f"{site} by the hour: peak {peak.facility_mw:.1f} MW in {peak.month} ({peak.day} day, {peak.hour:02d}:00) "
                     f"against {peak.importable_mw:.0f} MW importable{flexible}")
    return lines


def _clean_in_words(plan) -> list[str]:
    """With clean contracts or a battery: the carbon-free share, Scope 2 both ways, what was signed and sized."""
    if plan.contracts.empty and plan.battery.empty and plan.scenario.cfe_target is None:
        return []
    s = plan.summary()
    signed = [f"{name} {mw:,.1f} MW" for name, mw in s["contracts_mw"].items()]
    signed += [f"{site} battery {size['mw']:,.1f} MW / {size['mwh']:,.1f} MWh" for site, size in s["batteries"].items()]
    return [f"carbon-free (matched hour by hour): {s['carbon_free_share']['programme']:.1%} of the programme's energy; "
            f"Scope 2 {s['scope2_location_t']:,.0f} t CO2 location-based, {s['scope2_market_t']:,.0f} t market-based"
            + (f"; {', '.join(signed)}" if signed else "")]


def _demand_charges(summary: dict) -> str:
    """' + demand charges X bn' where a site charges for its peak draw, else nothing."""
    charged = summary["demand_charge_jpy"]
    return f" + demand charges {charged / 1e9:,.2f} bn" if charged else ""


def _runs_in_words(plan: Plan) -> list[str]:
    """Each training run: when it trains and finishes against its deadline, on which type and
    sites, on how many accelerators at most, and its attributed cost; the alternatives to its
    type and site rules; each serving stream against its demand."""
    lines = (["runs (start - finish, deadline; type at sites; most accelerators at work; attributed cost):"]
             if not plan.runs.empty else [])
    for row in plan.runs.itertuples():
        span = f"{row.start} - {row.finish}" if row.finish else f"{row.start or 'never'} - not finished"
        where = f"{row.accelerator or 'none'} at {row.sites or 'no site'}"
        efficiency = "" if row.efficiency == 1.0 else f" (its compute counts at {row.efficiency:.1%})"
        lines.append(f"  {row.run}: {span}, deadline {row.deadline}; {where}{efficiency}; "
                     f"{row.accelerators:,.0f} accelerators; {money(row.attributed_cost_jpy)}")
        if row.interruptions is not None and row.interruptions == row.interruptions:
            lines.append(f"    goodput {row.goodput:.1%}, {row.interruptions:,.0f} interruptions expected, "
                         f"checkpoint every {row.checkpoint_interval_s / 60:,.1f} min")
    for row in plan.alternatives.itertuples():
        cost = "infeasible" if row.economic_cost_jpy is None or row.economic_cost_jpy != row.economic_cost_jpy else (
            f"{money(row.economic_cost_jpy)} ({'+' if row.difference_jpy >= 0 else '-'}{money(abs(row.difference_jpy))})")
        lines.append(f"  alternative, {row.alternative}: {cost}")
    return lines + _inference_in_words(plan)


def _inference_in_words(plan: Plan) -> list[str]:
    """Each serving stream: tokens served against demand over its months, its attributed cost
    and that cost per million tokens served."""
    lines = ["serving (served of demand, tokens/s at the peak month; attributed cost):"] if not plan.inference.empty else []
    for name, rows in plan.inference.groupby("stream", sort=False):
        asked = rows[rows["demand_tokens_per_s"] > 0]
        if asked.empty:
            lines.append(f"  {name}: no demand inside the horizon")
            continue
        peak = asked.loc[asked["demand_tokens_per_s"].idxmax()]
        cost = float(rows["attributed_cost_jpy"].sum())
        served_tokens = float((rows["served_tokens_per_s"] * hours_in(pd.PeriodIndex(rows["month"], freq="M")) * 3600).sum())
        per_million = f", {money(cost / served_tokens * 1e6)} per million tokens" if served_tokens > 0 else ""
        lines.append(f"  {name}: {peak.served_tokens_per_s:,.0f} of {peak.demand_tokens_per_s:,.0f} in {peak.month} "
                     f"(from {asked['month'].iloc[0]}); {money(cost)}{per_million}")
    return lines

"""`planner hedge`: the orders to place before a decision month that do best across many futures
(planner.studies.hedge, docs/hedging.md); the hedged orders, each future's outcome, the value of
the stochastic solution and of perfect information, in words, as JSON or as a workbook sheet."""

from __future__ import annotations

import argparse
import json
from contextlib import nullcontext
from pathlib import Path

from tqdm import tqdm

from planner.cli.exits import EXIT_INFEASIBLE, EXIT_PLAN, EXIT_SOLVER
from planner.cli.sweep import bar_progress, text_table
from planner.cli.terminal import say
from planner.inputs.calendar import parse_month
from planner.inputs.errors import InputError
from planner.inputs.files import check_writable, write_file
from planner.inputs.scenario import load_scenario
from planner.inputs.units import parse_quantity
from planner.results.plan import json_records, json_value
from planner.results.words import money
from planner.studies.hedge import Hedge, Settings, cases_from_design, cases_from_file, hedge
from planner.studies.ranges import parse_vary
from planner.studies.sweep import cluster_executor

NOISE = 1e-7  # relative: HiGHS's optimality tolerance on the objective


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = ("Futures from --vary (the sweep's ranges, docs/sweeps.md) or --cases; docs/hedging.md. "
                     "Exit 0 with a hedged plan, 1 when no order serves every future, 2 for bad input.")
    parser.add_argument("path", type=Path, nargs="?", help="scenario file (the shipped default without it)")
    futures = parser.add_mutually_exclusive_group(required=True)
    futures.add_argument("--vary", action="append", metavar="FIELD=RANGE",
                         help="a field and its distribution, grid or list, e.g. 'accelerators.VR200.mfu=normal(0.4,0.04)[0.3,0.5]'")
    futures.add_argument("--cases", type=Path, metavar="TOML",
                         help="futures listed with probabilities: [cases.NAME] probability = 0.3, \"field.path\" = value")
    parser.add_argument("--draws", type=int, metavar="N", help="Monte Carlo draws of the distributions (equally likely futures)")
    parser.add_argument("--seed", type=int, help="seed of the draws (the same futures for the same seed)")
    parser.add_argument("--decision", required=True, metavar="YYYY-MM",
                        help="the last month whose purchases and retirements every future shares, e.g. 2027-03 (end of FY2026)")
    parser.add_argument("--risk-weight", type=float, default=0.0, metavar="LAMBDA", help="weight of CVaR beside expected cost (default 0)")
    parser.add_argument("--alpha", type=float, default=0.9, help="CVaR level: the mean of the worst 1 - alpha of cost (default 0.9)")
    parser.add_argument("--late-penalty", metavar="JPY", help="price deadlines at this much per month late (default: deadlines hold in every future)")
    parser.add_argument("--late-months", type=int, default=6, metavar="N",
                        help="with --late-penalty, how many months past its deadline a run may train (default 6)")
    parser.add_argument("--workers", type=int, metavar="N", help="local worker processes for the wait-and-see plans")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="plan the wait-and-see plans on a Dask cluster, e.g. tcp://host:8786")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument("--out", type=Path, metavar="FILE", help="write a workbook (.xlsx) with the Hedge sheet")


def command(args) -> int:
    scenario = load_scenario(args.path)
    if args.out is not None:
        if args.out.suffix.lower() != ".xlsx":
            raise InputError("--out", "a file name ending in .xlsx", str(args.out))
        check_writable(args.out, "--out")
    if args.workers is not None and args.workers < 1:
        raise InputError("--workers", "a number of worker processes of at least 1", str(args.workers))
    if args.cases is not None and (args.draws is not None or args.seed is not None):
        raise InputError("--cases", "no --draws or --seed (the cases file lists every future)", "both given")
    penalty = None if args.late_penalty is None else parse_quantity(args.late_penalty, "JPY", "--late-penalty", scenario.exchange_rate)
    settings = Settings(parse_month(args.decision, "--decision"), args.risk_weight, args.alpha, penalty, args.late_months)
    if args.cases is not None:
        cases, seed = cases_from_file(args.cases), None
    else:
        cases, seed = _drawn(scenario, args)
    executor = cluster_executor(args.scheduler) if args.scheduler else nullcontext(None)
    with executor as pool, tqdm(unit="plan", desc="wait-and-see", disable=None) as bar:
        result = hedge(scenario, cases, settings, pool, args.workers, bar_progress(bar))
    if args.out is not None:
        from planner.exchange.hedge_sheet import hedge_workbook_bytes  # xlsxwriter loads only for a workbook

        write_file(args.out, hedge_workbook_bytes(result.summary(), result.orders, result.outcomes), "--out")
        say(f"wrote {args.out}")
    elif args.json:
        say(json.dumps(as_json(result, seed), indent=2))
    else:
        say(describe(result, seed))
    if result.status in ("optimal", "feasible"):
        return EXIT_PLAN
    return EXIT_INFEASIBLE if result.status == "infeasible" else EXIT_SOLVER


def _worth(value: float, summary: dict) -> str:
    """A difference of two optima: within the solver's tolerance of the objective, it is none."""
    if abs(value) <= NOISE * abs(summary["objective_jpy"]):
        return "none (JPY 0 within the solver's tolerance)"
    return money(value)


def _drawn(scenario, args):
    """The futures of --vary and --draws: the sweep's design, its --samples called --draws here."""
    try:
        return cases_from_design([parse_vary(text, scenario) for text in args.vary], args.draws, args.seed)
    except InputError as error:
        if error.field != "--samples":
            raise
        raise InputError("--draws", error.expected.replace("samples", "draws"), error.found) from None


def as_json(result: Hedge, seed: int | None) -> dict:
    return {**{k: json_value(v) for k, v in result.summary().items()}, "seed": seed,
            "orders": json_records(result.orders), "outcomes": json_records(result.outcomes),
            "expected_case": None if result.expected_case is None else {k: json_value(v) for k, v in result.expected_case.changes.items()},
            "expected_value_orders": json_records(result.expected_value_orders),
            "wait_and_see": json_records(result.wait_and_see)}


def describe(result: Hedge, seed: int | None) -> str:
    s = result.summary()
    drawn = "" if seed is None else f", seed {seed}"
    lines = [f"hedged plan over {s['cases']} futures{drawn}: {s['status']}; orders shared up to {s['decision']}; "
             f"deadlines {s['deadlines']}" + (f" at {money(s['late_penalty_jpy_per_month'])} a month late" if s["deadlines"] == "priced" else "")]
    lines += [f"notice: {notice}" for notice in s["notices"]]
    if s["status"] not in ("optimal", "feasible"):
        return "\n".join(lines + [s["message"] or "no hedged plan"])
    risk = f" + {s['risk_weight']:g} x CVaR{s['alpha']:g} {money(s['cvar_jpy'])}" if s["risk_weight"] else ""
    lines.append(f"objective {money(s['objective_jpy'])} = expected cost {money(s['expected_cost_jpy'])}{risk}")
    lines.append("orders placed now (accelerators delivered, and retired, by month):" if len(result.orders) else
                 "orders placed now: none before the decision month")
    if len(result.orders):
        lines.append(text_table(result.orders))
    lines += ["each future with these orders:", text_table(result.outcomes.drop(columns="status"))]
    if s["vss_jpy"] is not None:
        lines.append(f"value of the stochastic solution: {_worth(s['vss_jpy'], s)} (the expected future's plan, "
                     f"its orders held: {money(s['eev_jpy'])})")
    else:
        lines.append(f"value of the stochastic solution: {s['vss_note']}")
    if s["evpi_jpy"] is not None:
        lines.append(f"expected value of perfect information: {_worth(s['evpi_jpy'], s)} (each future planned "
                     f"knowing itself: {money(s['ws_jpy'])})")
    return "\n".join(lines)

"""The `planner` command. Exit codes: 0 plan found, 1 infeasible (reason printed), 2 bad input,
3 solver error, 130 interrupted (Ctrl-C)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from planner.cli import estimate as estimate_command
from planner.cli import sweep as sweep_cli
from planner.cli.terminal import say, visible
from planner.inputs.errors import InputError
from planner.inputs.files import write_file
from planner.inputs.scenario import DEFAULT_SCENARIO, OBJECTIVES, changed, load_scenario
from planner.results.plan import Plan
from planner.results.verify import verified_plan
from planner.results.words import money, worth_in_words

EXIT_PLAN, EXIT_INFEASIBLE, EXIT_BAD_INPUT, EXIT_SOLVER = 0, 1, 2, 3
BINDING_SHOWN = 10  # binding limits in the terminal, most valuable first; --json has them all
EXIT_INTERRUPTED = 130  # the shell's code for a command ended by SIGINT


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(_attach_dash_values(sys.argv[1:] if argv is None else argv))
    try:
        return args.run(args)
    except InputError as error:
        say(f"error: {error}", sys.stderr, one_line=True)
        return EXIT_BAD_INPUT
    except RuntimeError as error:  # the solver could not run; never a partial plan
        say(f"solver error: {error}", sys.stderr, one_line=True)
        return EXIT_SOLVER
    except BrokenPipeError:  # output piped into `head` and the like
        return EXIT_PLAN
    except KeyboardInterrupt:  # Ctrl-C: outputs are written whole or not at all, so nothing is left half-done
        say("interrupted", sys.stderr)
        return EXIT_INTERRUPTED


class _Parser(argparse.ArgumentParser):
    """argparse's own errors quote the arguments as typed: control characters shown, as in ours."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, visible(f"{self.prog}: error: {message}", keep="") + "\n")


def _attach_dash_values(argv: list[str]) -> list[str]:
    """`--pareto -50%..+100%:7` as `--pareto=-50%..+100%:7`: argparse takes a value starting
    with '-' (other than a plain negative number) for a flag."""
    attached: list[str] = []
    for arg in argv:
        if attached and attached[-1] == "--pareto" and arg.startswith("-") and not arg.startswith("--"):
            attached[-1] = f"--pareto={arg}"
        else:
            attached.append(arg)
    return attached


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="planner", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="write the default scenario, with comments, to edit")
    init.add_argument("path", type=Path)
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(run=_init)

    validate = commands.add_parser("validate", help="check a scenario file and say what is wrong")
    validate.add_argument("path", type=Path)
    validate.set_defaults(run=_validate)

    plan = commands.add_parser("plan", help="plan a scenario (the shipped default without PATH)")
    source = plan.add_mutually_exclusive_group()
    source.add_argument("path", type=Path, nargs="?")
    source.add_argument("--from-workbook", type=Path, metavar="XLSX", help="plan the Inputs sheet of a workbook from --out")
    plan.add_argument("--json", action="store_true", help="print one JSON object")
    plan.add_argument("--out", type=Path, help="also write the plan: a workbook (.xlsx) or CSV tables (.zip)")
    plan.add_argument("--objective", choices=OBJECTIVES, help="override the scenario's objective")
    plan.add_argument("--integer", action="store_true", help="buy whole servers and racks (MILP)")
    plan.add_argument("--time-limit", metavar="DURATION", help="solver time limit, e.g. '30 s'")
    plan.add_argument("--mip-gap", metavar="FRACTION", type=float, help="relative MIP gap for --integer")
    plan.set_defaults(run=_plan)

    estimate = commands.add_parser(
        "estimate",
        help="time, energy and CO2 of a training run on one accelerator type",
        description=estimate_command.__doc__,
    )
    estimate_command.add_arguments(estimate)
    estimate.set_defaults(run=_estimate)

    sweep = commands.add_parser("sweep", help="plan many variants: grids, Monte Carlo, tornado, Pareto front")
    sweep_cli.add_arguments(sweep)
    sweep.set_defaults(run=sweep_cli.run)
    return parser


def _init(args) -> int:
    if args.path.exists() and not args.force:
        raise InputError("PATH", "a path that does not exist yet (or --force)", f"existing file {args.path}")
    write_file(args.path, DEFAULT_SCENARIO.read_bytes(), "PATH")
    say(f"wrote {args.path}: edit it, check it with `planner validate {args.path}`, plan it with `planner plan {args.path}`")
    return EXIT_PLAN


def _validate(args) -> int:
    scenario = load_scenario(args.path)
    runs = scenario.training_runs.values()
    flop, latest = sum(work.required_flop for work in runs), max(work.deadline for work in runs)
    in_runs = f" in {len(runs)} runs" if len(runs) > 1 else ""
    say(
        f"{args.path}: valid. {scenario.name}: {len(scenario.sites)} sites, "
        f"{len(scenario.accelerators)} accelerator types, {flop:.3g} FLOP{in_runs} "
        f"by {latest.strftime('%Y-%m')}"
    )
    return EXIT_PLAN


def _plan(args) -> int:
    # The workbook modules load only when asked for: openpyxl and xlsxwriter take ~0.3 s to import.
    if args.out:
        from planner.exchange.export import plan_file_writer

        write = plan_file_writer(args.out)  # a wrong suffix fails before the solve
    if args.from_workbook:
        from planner.exchange.workbook_import import scenario_from_workbook

        scenario = scenario_from_workbook(args.from_workbook)
    else:
        scenario = load_scenario(args.path)
    plan = verified_plan(_with_options(scenario, args))
    summary = plan.summary()
    if args.json:
        say(json.dumps(summary, indent=2))
    else:
        say(describe(plan))
    if args.out:
        write(plan)
        say(f"wrote {args.out}", sys.stderr)
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


def _estimate(args) -> int:
    result = estimate_command.run(vars(args))
    say(json.dumps(result, indent=2) if args.json else estimate_command.describe(result))
    return EXIT_PLAN


def describe(plan: Plan) -> str:
    """A plan in words, for the terminal."""
    s = plan.summary()
    lines = [f"{s['scenario']}", f"status: {s['status']} (objective: {s['objective']}, solver: {s['solver']})"]
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
        f"+ electricity {s['energy_cost_jpy'] / 1e9:,.2f} bn (budget {s['budget_jpy'] / 1e9:,.1f} bn)",
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
    if s["largest_model_parameters"] is not None and s["objective"] == "compute":
        lines.append(f"the compute delivered trains a model of {s['largest_model_parameters']:.3g} parameters at this run's tokens per parameter")
    if s["mip_gap"] is not None:  # whole servers, or binaries that keep runs in order
        what = "integer sizing" if s["integer"] else "runs in order"
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
        lines.append(f"  {row.fiscal_year}: capex {row.capex_jpy / 1e9:,.1f} + electricity {row.energy_cost_jpy / 1e9:,.2f}{budget}{sources}")
    return "\n".join(lines)


def _runs_in_words(plan: Plan) -> list[str]:
    """Each training run: when it trains and finishes against its deadline, and its attributed cost."""
    lines = ["runs (start - finish, deadline; attributed cost):"] if not plan.runs.empty else []
    for row in plan.runs.itertuples():
        span = f"{row.start} - {row.finish}" if row.finish else f"{row.start or 'never'} - not finished"
        lines.append(f"  {row.run}: {span}, deadline {row.deadline}; {money(row.attributed_cost_jpy)}")
    return lines


if __name__ == "__main__":
    sys.exit(main())

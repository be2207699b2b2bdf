"""`planner sweep`: many variants of a scenario, one-at-a-time sensitivity, or the cost of
finishing earlier, from the command line; a progress bar on the terminal; the table on
screen, as JSON, or into a CSV or Excel file. Range grammar: planner.studies.ranges, docs/sweeps.md."""

from __future__ import annotations

import argparse
import json
import math
from contextlib import nullcontext
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from planner.app.sweep_views import BUDGETS, SPREAD_NOTE, counts, csv_bytes, headed, reasons, spread, sweep_workbook
from planner.cli.exits import EXIT_PLAN
from planner.cli.terminal import say
from planner.inputs.errors import InputError
from planner.inputs.files import check_writable, write_file
from planner.inputs.scenario import load_scenario
from planner.results.plan import json_records, json_value
from planner.studies.analysis import pareto, percentiles, tornado
from planner.studies.ranges import Vary, parse_vary
from planner.studies.sweep import cluster_executor, sweep

SHOWN_ROWS = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Ranges, distributions and analyses: docs/sweeps.md. Exit 0 with a table (failed variants are rows), 2 for bad input."
    parser.add_argument("path", type=Path, nargs="?", help="scenario file (the shipped default without it)")
    parser.add_argument("--vary", action="append", default=[], metavar="FIELD=RANGE",
                        help="a field by its dotted path and its range: 'budget.total=3e11 JPY..5e11 JPY:5', "
                        "'accelerators.B200.mfu=normal(0.4, 0.04)[0.3, 0.5]', 'sites.Sakai.electricity_price=-20%%..+20%%:5', "
                        "'workload.deadline=2027-05..2027-09', 'objective=cost,finish'")
    parser.add_argument("--samples", type=int, metavar="N", help="Monte Carlo samples of the distributions")
    parser.add_argument("--seed", type=int, help="seed of the samples (the same table for the same seed)")
    parser.add_argument("--latin-hypercube", action="store_true", help="stratified samples instead of plain random")
    analysis = parser.add_mutually_exclusive_group()
    analysis.add_argument("--tornado", action="store_true", help="vary one field at a time: which assumptions matter")
    analysis.add_argument("--pareto", metavar="BUDGETS",
                          help="earliest finish at each budget, e.g. '2e11 JPY..8e11 JPY:7' or '-50%%..+100%%:7' (relative to the scenario's)")
    parser.add_argument("--metric", default="total_cost_jpy", help="the tornado's measure (default total_cost_jpy)")
    parser.add_argument("--workers", type=int, metavar="N", help="local worker processes (default: all cores)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://host:8786")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument("--out", type=Path, metavar="FILE", help="write the table to a .csv or .xlsx file")


def command(args) -> int:
    scenario = load_scenario(args.path)
    varies = [parse_vary(text, scenario) for text in args.vary]
    if args.out is not None and args.out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError("--out", "a file name ending in .csv or .xlsx", str(args.out))
    if args.out is not None:
        check_writable(args.out, "--out")  # before the sweep runs, not after its results are in
    if args.pareto is not None and varies:
        raise InputError("--pareto", "no --vary (the front varies the budget alone)", f"{len(varies)} --vary")
    if args.pareto is None and not varies:
        raise InputError("--vary", "at least one FIELD=RANGE to vary", "none")
    if args.workers is not None and args.workers < 1:
        raise InputError("--workers", "a number of worker processes of at least 1", str(args.workers))
    executor = cluster_executor(args.scheduler) if args.scheduler else nullcontext(None)
    with executor as pool, tqdm(unit="plan", desc="planning", disable=None) as bar:
        options = {"executor": pool, "workers": args.workers, "progress": bar_progress(bar)}
        if args.pareto is not None:
            kind, table = "pareto", pareto(scenario, _budgets(args.pareto, scenario), **options)
        elif args.tornado:
            kind, table = "tornado", tornado(scenario, varies, args.metric, **options)
        else:
            table = sweep(scenario, varies, args.samples, args.seed, args.latin_hypercube, **options)
            kind = "sweep"
    if args.out is not None:
        write(table, kind, args.out)
        say(f"wrote {len(table)} rows to {args.out}")
    elif args.json:
        say(json.dumps(as_json(table, kind), indent=2))
    else:
        say(describe(table, kind))
    return EXIT_PLAN


def _budgets(text: str, scenario) -> Vary:
    """--pareto's budgets: a range or list alone, since the front varies budget.total only."""
    if "=" in text:
        expected = f"the budgets alone, e.g. '{BUDGETS}' or '2e11 JPY..8e11 JPY:7' (the front varies budget.total)"
        raise InputError("--pareto", expected, repr(text))
    return parse_vary(f"budget.total={text}", scenario)


def bar_progress(bar: tqdm):
    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return progress


def as_json(table: pd.DataFrame, kind: str) -> dict:
    result = {"kind": kind, **{k: json_value(v) for k, v in table.attrs.items()}, "rows": json_records(table)}
    if kind == "sweep":
        result["percentiles"] = json_records(percentiles(table))
    return result


def write(table: pd.DataFrame, kind: str, path: Path) -> None:
    """CSV: the table. Excel: the table formatted as the planning workbook is, for a sweep its
    P10/P50/P90, and the settings (planner.app.sweep_views.sweep_workbook)."""
    data = csv_bytes(table) if path.suffix.lower() == ".csv" else sweep_workbook(table, kind)
    write_file(path, data, "--out")


def describe(table: pd.DataFrame, kind: str) -> str:
    """The analysis in words and a table, for the terminal."""
    if kind == "tornado":
        attrs = table.attrs
        scale, unit = (1e9, "JPY bn") if attrs["unit"] == "JPY" else (1.0, attrs["unit"])
        shown = table[["field", "range", "input_low", "input_high", "at_low", "at_high", "swing", "without_plan"]]
        shown = shown.assign(**{c: shown[c] / scale for c in ("at_low", "at_high", "swing")})
        lines = [f"{attrs['metric']} with every field as in the scenario: {_number(attrs['base'] / scale)} {unit}",
                 f"one field at a time, widest swing first ({unit}):", text_table(shown)]
        return "\n".join(lines)
    if kind == "pareto":
        lines = [f"earliest finish at each budget (finish allowed up to {table.attrs['latest']}); * on the front:"]
        shown = table[["budget_jpy", "status", "finish_month", "total_cost_jpy", "on_front"]].assign(
            on_front=table["on_front"].map({True: "*", False: ""}))
        return "\n".join(lines + [text_table(shown)])
    lines = [counts(table), SPREAD_NOTE, spread(table).to_string(index=False),
             text_table(headed(table.drop(columns="reason").head(SHOWN_ROWS), in_billions=True))]
    if len(table) > SHOWN_ROWS:
        lines.append(f"... {len(table) - SHOWN_ROWS} more rows: --out FILE.xlsx or --json for all")
    return "\n".join(lines + reasons(table))


def text_table(frame: pd.DataFrame) -> str:
    """Money in JPY bn, other numbers to four significant figures."""
    shown = frame.copy()
    for column in shown:
        if column.endswith("_jpy"):
            shown = shown.rename(columns={column: column.removesuffix("_jpy") + "_bn"})
            shown[column.removesuffix("_jpy") + "_bn"] = pd.to_numeric(frame[column], errors="coerce") / 1e9
    return shown.to_string(index=False, float_format=_number, na_rep="-")


def _number(value) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"

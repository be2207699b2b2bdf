"""The programme LP at about 5k, 70k and 300k columns, built three ways: this planner (its
blocks of arrays handed to HiGHS whole), raw highspy from arrays
(raw_highs.py) and linopy (linopy_lp.py), in one run.

    python -m benchmarks.bench_scale [--quick] [--sizes 5k 70k 300k] [--output FILE]   (from the repo root)

Each scenario is written as a scenario file (benchmarks/scenarios.py, `programme_file`) and read by
`load_scenario`. Each tool runs in a process of its own, so each peak RSS is its own: the process
loads the scenario, builds and solves the default once (imports and first calls, not timed), then
times the build, the solve (hand-over, HiGHS, values and duals back; for the planner the LP
with every run's type and site chosen, which is the copies' LP: the runs mix and split at no loss)
and, for the planner, the
post-solve work (tables, binding limits, entry prices). The Python side is build + solve less
HiGHS's own run time. All three use HiGHS's default LP method, so the solves are comparable;
`--quick` runs the 5k scenario only and prints its table. A full run writes its tables into
benchmarks/results.md (or --output), in place of an earlier run's, after what bench_plan wrote there.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from benchmarks.scenarios import PROGRAMMES, programme_file, stretched

RESULTS = Path(__file__).with_name("results.md")
HEADING = "## The programme LP at scale: planner, raw highspy, linopy"
TOOLS = ("planner", "raw", "linopy")


def measure_planner(scenario) -> dict:
    from planner.lp.binding import binding_table, entry_prices
    from planner.lp.model import PlanningModel
    from planner.lp.solve import solve
    from planner.results.plan import tabulate

    def run():
        model = PlanningModel(scenario)
        # the copies' LP: each run may mix types and split between sites at no loss, so with every
        # type and site chosen (and mixing and splitting at efficiency 1) it is an LP, and the same LP
        model.relax_run_choices()
        model.problem.fix(model.run_choices, 1.0)
        built = time.perf_counter()
        solution = solve(model)
        solved = time.perf_counter()
        plan = tabulate(scenario, model.arrays, solution, 0.0)
        binding_table(model, solution), entry_prices(model, solution)
        highs = model.problem.highs
        return built, solved, time.perf_counter(), {
            "status": solution.status, "objective_jpy": plan.economic_cost_jpy, "highs": highs.getRunTime(),
            "size": [highs.getNumCol(), highs.getNumRow(), highs.getNumNz()]}

    return run


def measure_raw(scenario) -> dict:
    from benchmarks import raw_highs

    def run():
        arrays, columns, highs = raw_highs.model(scenario)
        built = time.perf_counter()
        result = raw_highs.run(highs, arrays, columns)
        solved = time.perf_counter()
        return built, solved, solved, {"status": result.status, "objective_jpy": result.objective_jpy,
                                       "highs": highs.getRunTime(), "size": [result.columns, result.rows, result.nonzeros]}

    return run


def measure_linopy(scenario) -> dict:
    from benchmarks import linopy_lp

    def run():
        lp, constant = linopy_lp.model(scenario)
        built = time.perf_counter()
        status, objective = linopy_lp.solve(lp, constant, scenario.solver.time_limit)
        solved = time.perf_counter()
        highs = lp.solver_model
        return built, solved, solved, {"status": status, "objective_jpy": objective, "highs": highs.getRunTime(),
                                       "size": [highs.getNumCol(), highs.getNumRow(), highs.getNumNz()]}

    return run


MEASURES = {"planner": measure_planner, "raw": measure_raw, "linopy": measure_linopy}


def one(tool: str, path: Path) -> dict:
    """In this process: warm up on a 12-month single run (the programme default is a MILP the raw
    and linopy copies do not express), then time `tool` on the scenario at `path`."""
    from planner import load_scenario

    MEASURES[tool](stretched(12))()
    scenario = load_scenario(path)
    started = time.perf_counter()
    built, solved, finished, facts = MEASURES[tool](scenario)()
    facts.update(build=built - started, solve=solved - built, post=finished - solved,
                 rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    facts["python"] = facts["build"] + facts["solve"] - facts["highs"]
    return facts


def in_subprocess(tool: str, path: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_scale", "--one", tool, str(path)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(results: dict[str, dict[str, dict]], loads: dict[str, tuple[float, float]]) -> str:
    lines = [
        HEADING,
        "",
        f"Measured with `python -m benchmarks.bench_scale` on {os.cpu_count()} shared cores, "
        f"highspy {version('highspy')}, linopy {version('linopy')}; one process per tool and size, one run each. "
        "Seconds; Python side = build + solve - HiGHS's own run time; peak RSS of the whole process (imports and a "
        "warm-up on a 12-month single run included). Load = 1-minute load average before and after the size's three runs "
        "(2 cores: above 2, other jobs took CPU from these runs, so compare the ratios, measured side by side).",
        "",
        "| size | columns | rows | nonzeros | tool | build | solve | HiGHS | Python side | post-solve | total | peak RSS MiB | objective JPY | load |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size, by_tool in results.items():
        for tool, r in by_tool.items():
            columns, rows, nonzeros = r["size"]
            total = r["build"] + r["solve"] + r["post"]
            lines.append(
                f"| {size} | {columns:,} | {rows:,} | {nonzeros:,} | {tool} | {r['build']:.2f} | {r['solve']:.2f} "
                f"| {r['highs']:.2f} | {r['python']:.2f} | {r['post']:.2f} | {total:.2f} | {r['rss'] / 2**20:.0f} "
                f"| {r['objective_jpy']:,.0f} | {loads[size][0]:.1f} / {loads[size][1]:.1f} |")
    lines += ["", "| size | Python side: planner / raw | planner / linopy | total: planner / linopy | peak RSS: planner / linopy "
              "| largest objective difference (relative) |", "|---|---:|---:|---:|---:|---:|"]
    for size, by_tool in results.items():
        p, raw, lin = by_tool["planner"], by_tool["raw"], by_tool["linopy"]
        total = lambda r: r["build"] + r["solve"] + r["post"]  # noqa: E731
        objectives = [r["objective_jpy"] for r in by_tool.values()]
        gap = (max(objectives) - min(objectives)) / abs(raw["objective_jpy"])
        lines.append(f"| {size} | {p['python'] / raw['python']:.1f}x | {p['python'] / lin['python']:.2f}x "
                     f"| {total(p) / total(lin):.2f}x | {p['rss'] / lin['rss']:.2f}x | {gap:.0e} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 5k scenario only")
    parser.add_argument("--sizes", nargs="+", choices=list(PROGRAMMES), default=list(PROGRAMMES))
    parser.add_argument("--output", type=Path, help=f"markdown report (default {RESULTS}; --quick prints only)")
    parser.add_argument("--one", nargs=2, metavar=("TOOL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one[0], Path(args.one[1]))))
        return 0
    results, loads = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for size in ["5k"] if args.quick else args.sizes:
            path = programme_file(Path(folder), *PROGRAMMES[size])
            before = os.getloadavg()[0]
            results[size] = {tool: in_subprocess(tool, path) for tool in TOOLS}
            loads[size] = (before, os.getloadavg()[0])
            print(json.dumps({size: results[size]}), flush=True)
    text = report(results, loads)
    print(text)
    if args.quick and args.output is None:
        return 0
    args.output = args.output or RESULTS
    earlier = args.output.read_text(encoding="utf-8") if args.output.is_file() else ""
    before, _, rest = earlier.partition(HEADING)
    after = rest[rest.find("\n## "):] if "\n## " in rest else ""  # the sections after this one, kept
    kept = before.rstrip("\n")
    args.output.write_text((f"{kept}\n\n{text}" if kept else text).rstrip("\n") + "\n" + after, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

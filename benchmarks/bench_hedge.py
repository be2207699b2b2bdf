"""The hedged plan's extensive form on the default scenario: build and solve time, and size, for
5, 20 and 50 futures drawn from the sweep's ranges (one seed), deadlines priced, and the whole `hedge` (the
expected-value plan and its orders held, and the wait-and-see plans) beside it.

    python -m benchmarks.bench_hedge [--futures 5 20 50] [--workers 1]   (from the repo root)
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

from planner import load_scenario
from planner.inputs.calendar import parse_month
from planner.lp.solve import solve
from planner.studies.hedge import Settings, cases_from_design, extensive_form, hedge, variant
from planner.studies.ranges import parse_vary

UNCERTAIN = [
    "accelerators.GB200.mfu=normal(0.40, 0.04)[0.30, 0.50]",
    "accelerators.GB300.mfu=normal(0.40, 0.04)[0.30, 0.50]",
    "accelerators.GB200.capex=uniform(55000 USD, 80000 USD)",
]
SEED = 2027
DECISION = "2027-03"  # the end of FY2026
LATE_PENALTY = 1e10  # JPY per month late: with hard deadlines some draws have no plan at all (slow GB200 and GB300 under their delivery caps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--futures", type=int, nargs="+", default=[5, 20, 50])
    parser.add_argument("--workers", type=int, default=1, help="processes for the wait-and-see plans")
    args = parser.parse_args()
    scenario = load_scenario()
    varies = [parse_vary(text, scenario) for text in UNCERTAIN]
    settings = Settings(parse_month(DECISION, "decision"), late_penalty=LATE_PENALTY)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"default scenario, decision {DECISION}, deadlines priced at JPY {LATE_PENALTY:.0e} a month late, seed {SEED}, fields: {'; '.join(UNCERTAIN)}")
    print("| futures | columns | rows | build (s) | solve (s) | status | whole hedge (s) | VSS (JPY bn) | EVPI (JPY bn) | peak RSS (MiB) |")
    print("|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    for count in args.futures:
        cases, _ = cases_from_design(varies, count, SEED)
        started = time.perf_counter()
        variants = [variant(scenario, case.changes, settings) for case in cases]
        program = extensive_form(variants, [case.probability for case in cases], settings)
        built = time.perf_counter() - started
        solution = solve(program.models[0])
        problem = program.models[0].problem
        started = time.perf_counter()
        result = hedge(scenario, cases, settings, workers=args.workers)
        whole = time.perf_counter() - started
        vss = "-" if result.vss_jpy is None else f"{result.vss_jpy / 1e9:.3f}"
        evpi = "-" if result.evpi_jpy is None else f"{result.evpi_jpy / 1e9:.3f}"
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {count} | {problem.columns:,} | {problem.rows:,} | {built:.2f} | {solution.seconds:.2f} | "
              f"{solution.status} | {whole:.1f} | {vss} | {evpi} | {peak:.0f} |", flush=True)


if __name__ == "__main__":
    main()

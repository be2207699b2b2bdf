"""How long the shipped default takes with representative days (issue 16: under 2 s).

Run from the repository root:  python -m benchmarks.bench_hours [--repeats 5]

Times `load_scenario` + `make_plan` end to end, medians over repeated runs in one process after
a warm-up, for the default by the month and on its sites' representative days (site_profiles'
[hours] and [flexible_connection]), and prints the LP's size for each.
"""

from __future__ import annotations

import argparse
import statistics
import time

from planner import load_scenario, make_plan
from planner.inputs.scenario import changed
from planner.lp.model import PlanningModel

TARGET_SECONDS = 2.0


def timed(hours: bool, repeats: int) -> tuple[float, int, int]:
    """Median seconds of load + plan, and the LP's columns and rows."""
    def once():
        started = time.perf_counter()
        make_plan(changed(load_scenario(), {"representative_days": hours}))
        return time.perf_counter() - started

    once()  # warm-up: imports and caches
    problem = PlanningModel(changed(load_scenario(), {"representative_days": hours})).problem
    return statistics.median(once() for _ in range(repeats)), problem.columns, problem.rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for hours in (False, True):
        seconds, columns, rows = timed(hours, args.repeats)
        what = "representative days" if hours else "by the month"
        print(f"default {what}: {seconds * 1e3:.0f} ms end to end ({columns:,} columns, {rows:,} rows)"
              + ("" if not hours else f"; target {TARGET_SECONDS:g} s {'met' if seconds < TARGET_SECONDS else 'NOT met'}"))


if __name__ == "__main__":
    main()

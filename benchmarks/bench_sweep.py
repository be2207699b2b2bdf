"""Sweep throughput: a Monte Carlo of the default scenario, planned by `planner.studies.sweep` (warm
HiGHS per worker, no single-plan extras) and by the naive loop (validate each variant, then
`make_plan`), in the same run, on the same variants. Also checks the two agree.

Wall-clock rates depend on what else the machine runs, so CPU seconds are measured too (this
process, plus its worker processes once the pool has closed): plans per CPU-second is the
rate one free core sustains.

    python -m benchmarks.bench_sweep [--scenarios 1000] [--workers 2] [--naive 1000]   (from the repo root)
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from contextlib import contextmanager

import numpy as np

from planner import load_scenario, make_plan
from planner.inputs.scenario import changed
from planner.studies.ranges import parse_vary
from planner.studies.sweep import design, sweep

UNCERTAIN = [
    "accelerators.B200.mfu=normal(0.40, 0.04)[0.30, 0.50]",
    "accelerators.GB200.mfu=normal(0.40, 0.04)[0.30, 0.50]",
    "accelerators.GB200.capex=uniform(55000 USD, 80000 USD)",
    "sites.Tomakomai.electricity_price=triangular(-20%, 0%, 30%)",
    "sites.Sakai.electricity_price=triangular(-20%, 0%, 30%)",
    "exchange_rate=triangular(135 JPY/USD, 150 JPY/USD, 165 JPY/USD)",
]
SEED = 2027


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--naive", type=int, help="variants for the naive loop (default: all)")
    args = parser.parse_args()
    scenario = load_scenario()
    varies = [parse_vary(text, scenario) for text in UNCERTAIN]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"Monte Carlo of the default scenario: {args.scenarios} variants of {len(varies)} fields, seed {SEED}")

    sweep(scenario, varies, samples=4, seed=SEED, workers=1)  # imports (scipy) and the first model, not timed
    timed = {}
    for workers in sorted({1, args.workers}):
        with measured() as took:
            table = sweep(scenario, varies, samples=args.scenarios, seed=SEED, workers=workers)
        timed[workers] = took["wall"]
        print(f"sweep, {workers} worker{'s' * (workers > 1)}: {rates(args.scenarios, took)} "
              f"({dict(table['status'].value_counts())})")

    count = args.naive or args.scenarios
    points = design(varies, args.scenarios, SEED).head(count)
    with measured() as took:
        naive = [make_plan(changed(scenario, {v.field: v.written(row[v.field]) for v in varies})).summary()
                 for row in points.to_dict("records")]
    print(f"naive loop (validate + make_plan each, one process), {count} variants: {rates(count, took)}")
    print(f"speed-up on {args.workers} workers over the naive loop: {args.scenarios / timed[args.workers] / (count / took['wall']):.1f}x")

    same = table.head(count)
    assert list(same["status"]) == [s["status"] for s in naive]
    cost = np.array([s["total_cost_jpy"] if s["status"] == "optimal" else np.nan for s in naive])
    worst = np.nanmax(np.abs(same["total_cost_jpy"].to_numpy() - cost) / cost)
    print(f"sweep and naive loop agree on every status; largest relative cost difference {worst:.1e}")


@contextmanager
def measured():
    """Wall and CPU seconds of the block: this process's, and its children's once reaped."""
    took = {}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, wall = time.process_time(), time.perf_counter()
    yield took
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    took.update(wall=time.perf_counter() - wall, cpu=time.process_time() - cpu + child_cpu)


def rates(count: int, took: dict) -> str:
    return (f"{took['wall']:.1f} s, {count / took['wall']:.0f} plans/s; {took['cpu'] / count * 1000:.1f} CPU ms a plan "
            f"= {count / took['cpu']:.0f} plans per CPU-second (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()

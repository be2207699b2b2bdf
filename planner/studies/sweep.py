"""Sweeps: many variants of one scenario, planned on any concurrent.futures.Executor.

A sweep is a design (the product of the grids and lists, each point with every Monte Carlo
sample, drawn up front from one seed, so the table does not depend on how many workers run
it) and one row per variant: the varied values, status, reason, cost, CO2, finish month,
peak MW and accelerators per site. Variants are applied with `planner.inputs.scenario.changed`, so
each passes the validation a scenario file does; one that fails (bad value, infeasible,
solver trouble) is a row with its status and reason, and the sweep goes on.

Workers keep one HiGHS model warm (planner.lp.warm) and skip what only a single plan shows
(binding limits, entry prices, relaxations), so a row costs a model build, a warm solve and
the plan's tables. Executors: a local process pool by default; any other, such as a Dask
cluster's `Client(...).get_executor()`, when given.
"""

from __future__ import annotations

import math
import os
import signal
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from functools import cache
from itertools import product
from typing import Callable

import numpy as np
import pandas as pd

from planner.inputs.errors import InputError
from planner.inputs.scenario import Scenario, changed
from planner.lp.solve import SolverError, available_solvers
from planner.results.plan import Plan, make_plan
from planner.studies.ranges import Vary

Progress = Callable[[int, int], None]  # (scenarios done, scenarios in all)
OUTCOMES = ["status", "reason", "total_cost_jpy", "capex_jpy", "energy_cost_jpy", "economic_cost_jpy", "energy_mwh", "co2_t",
            "finish_month"]
MAX_CHUNK = 25  # scenarios per task: enough to keep a worker's model warm, few enough for a live progress bar
MAX_SCENARIOS = 1_000_000  # a sweep's plans: days of a large cluster's time; more is a typo

# One warm model per process. Scenarios in one process take turns: HiGHS instances are not
# safe to run side by side in threads of one process (ERGO-Code/HiGHS#3141), and
# pandas holds the GIL anyway; processes are the unit of parallel work.
ONE_AT_A_TIME = threading.Lock()


def sweep(
    scenario: Scenario,
    varies: list[Vary],
    samples: int | None = None,
    seed: int | None = None,
    latin_hypercube: bool = False,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Plan every variant of `scenario` the design of `varies` gives (see `design`); one row per
    variant, numbered in column `scenario`. attrs: "units" of the varied columns, "seed"."""
    points = design(varies, samples, seed, latin_hypercube)
    changes = [{v.field: v.written(row[v.field]) for v in varies} for row in points.to_dict("records")]
    outcomes = evaluate(scenario, changes, executor, workers, progress)
    table = pd.concat([points, outcomes], axis=1)
    table.insert(0, "scenario", np.arange(len(table)))
    table.attrs = {**points.attrs, "units": {v.field: v.unit for v in varies}}
    return table


def design(varies: list[Vary], samples: int | None = None, seed: int | None = None,
           latin_hypercube: bool = False) -> pd.DataFrame:
    """The variants as table values, one column per field: every combination of the grids and
    lists, each with all `samples` Monte Carlo draws of the distributions (the same draws at
    every grid point). Without `seed`, a fresh one is drawn and kept in attrs["seed"]."""
    fields = [v.field for v in varies]
    if len(set(fields)) < len(fields):
        twice = sorted({f for f in fields if fields.count(f) > 1})
        raise InputError(twice[0], "each field varied once", f"{fields.count(twice[0])} --vary for it")
    gridded = [v for v in varies if not v.sampled]
    drawn = [v for v in varies if v.sampled]
    if drawn and not samples:
        raise InputError("--samples", f"a number of samples for the distributions of {', '.join(v.field for v in drawn)}", "none")
    if samples and not drawn:
        raise InputError("--samples", "a --vary with a distribution (uniform, triangular or normal) to sample", "grids and lists only")
    if samples is not None and not 1 <= samples <= MAX_SCENARIOS:
        raise InputError("--samples", f"a number of samples from 1 to {MAX_SCENARIOS:,}", f"{samples:,}")
    if seed is not None and seed < 0:  # numpy takes seeds of 0 and above
        raise InputError("--seed", "a whole number of at least 0", str(seed))
    scenarios = math.prod(len(v.values) for v in gridded) * (samples or 1)
    if scenarios > MAX_SCENARIOS:
        raise InputError("--vary", f"a sweep of at most {MAX_SCENARIOS:,} scenarios (every grid point times every sample)",
                         f"{scenarios:,} scenarios")
    seed = int(np.random.SeedSequence().entropy) if drawn and seed is None else seed
    draws = pd.DataFrame(index=range(samples or 1))
    if drawn:
        from scipy.stats import qmc  # here, not at the top: importing it costs the command line ~1 s

        rng = np.random.default_rng(seed)
        uniform = qmc.LatinHypercube(d=len(drawn), rng=rng).random(samples) if latin_hypercube else rng.random((samples, len(drawn)))
        draws = pd.DataFrame({v.field: v.sample(uniform[:, i]) for i, v in enumerate(drawn)})
    grid = pd.DataFrame(list(product(*(v.values for v in gridded))), columns=[v.field for v in gridded])
    points = grid.merge(draws, how="cross")[fields]
    points.attrs = {"seed": seed}
    return points


def evaluate(scenario: Scenario, changes: list[dict], executor: Executor | None = None,
             workers: int | None = None, progress: Progress | None = None,
             task: Callable[[Scenario, list[dict]], list[dict]] | None = None) -> pd.DataFrame:
    """One row of outcomes per entry of `changes`, in order. Without an executor, a local
    pool of `workers` processes (all cores by default, and at most one per core and per task;
    1 runs here, in this process). `task` plans a chunk of variants (a module-level function,
    so it travels to workers): the sweep's row of a least-cost plan by default."""
    task = task or _evaluate_chunk
    total = len(changes)
    cores = os.cpu_count() or 1
    workers = min(workers or cores, cores)  # more processes than cores only wait their turn
    size = max(1, min(MAX_CHUNK, math.ceil(total / (4 * workers))))
    chunks = [list(range(start, min(start + size, total))) for start in range(0, total, size)]
    workers = max(1, min(workers, len(chunks)))  # and never more than there are tasks
    rows: list[dict | None] = [None] * total
    done = 0

    def store(chunk: list[int], result: list[dict]) -> None:
        nonlocal done
        for index, row in zip(chunk, result):
            rows[index] = row
        done += len(chunk)
        if progress is not None:
            progress(done, total)

    if executor is None and (workers == 1 or len(chunks) <= 1):
        for chunk in chunks:
            store(chunk, task(scenario, [changes[i] for i in chunk]))
    elif executor is None:
        with ProcessPoolExecutor(workers, initializer=_leave_interrupts_to_the_parent) as pool:
            _gather(pool, task, scenario, changes, chunks, store)
    else:
        _gather(executor, task, scenario, changes, chunks, store)
    return pd.DataFrame(rows, columns=_columns(rows))


@contextmanager
def cluster_executor(address: str):
    """The executor of a Dask cluster's scheduler at `address` (tcp://host:8786), closed after.
    Needs the `distributed` extra here and planner installed on the workers."""
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--scheduler", "the distributed extra (pip install 'sovereign-ai-planner[distributed]')",
                         "the distributed package is not installed") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise InputError("--scheduler", "the address of a running Dask scheduler (e.g. tcp://host:8786)",
                         f"{address!r} ({error})") from None
    try:
        yield client.get_executor()
    finally:
        client.close()


def _gather(executor: Executor, task, scenario: Scenario, changes: list[dict], chunks: list[list[int]], store) -> None:
    with _interrupts_held():
        futures = {executor.submit(task, scenario, [changes[i] for i in chunk]): chunk for chunk in chunks}
    try:
        for future in as_completed(futures):
            chunk = futures[future]
            try:
                result = future.result()
            except Exception as error:  # a worker lost, a task that could not travel: its rows say so
                result = [{"status": "error", "reason": f"{type(error).__name__}: {error}"}] * len(chunk)
            store(chunk, result)
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def _columns(rows: list[dict]) -> list[str]:
    """The outcome columns, then each site's peak MW and accelerators in order of appearance."""
    extra = dict.fromkeys(key for row in rows for key in row if key not in OUTCOMES)
    return OUTCOMES + list(extra)


@contextmanager
def _interrupts_held():
    """Ctrl-C while a process pool starts its processes and threads leaves it half-built (a hang,
    or "cannot join thread before it is started"): it is held until the work is submitted."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread takes signals
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _leave_interrupts_to_the_parent() -> None:
    """Ctrl-C reaches every process of the terminal's group: the parent stops the sweep (once
    the chunks running finish) and says so once; a worker that took it too would print a
    traceback of its own, and one that exits at once breaks the pool mid-shutdown."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _evaluate_chunk(scenario: Scenario, chunk: list[dict]) -> list[dict]:
    with ONE_AT_A_TIME:
        return [outcome(scenario, changes) for changes in chunk]


def outcome(scenario: Scenario, changes: dict) -> dict:
    """The row of one variant: `scenario` with `changes`, validated, planned, summed up."""
    try:
        variant = changed(scenario, changes, "sweep")
    except InputError as error:
        return {"status": "bad input", "reason": str(error)}
    try:
        return row(quick_plan(variant))
    except SolverError as error:
        return {"status": "solver error", "reason": str(error)}
    except Exception as error:  # one variant's fault must not end the sweep; the row keeps the reason
        return {"status": "error", "reason": f"{type(error).__name__}: {error}"}


def quick_plan(scenario: Scenario) -> Plan:
    """`make_plan`'s plan without what only a single plan shows (binding limits, entry prices,
    relaxations), a least-cost LP solved on this process's warm HiGHS model (CBC without highspy)."""
    warm = _warm_highs()
    if warm is not None:
        warm.time_limit = scenario.solver.time_limit
    return make_plan(scenario, highs=warm, explain_limits=False)


@cache
def _warm_highs():
    """This process's warm HiGHS model, made on first use; None without highspy (CBC solves)."""
    if "highs" not in available_solvers():
        return None
    from planner.lp.warm import WarmHighs  # needs highspy

    return WarmHighs()


def row(plan: Plan) -> dict:
    """A plan's headline numbers from `Plan.headline()`, each site's as columns."""
    if not plan.feasible:
        return {"status": plan.status, "reason": plan.message}
    summary = plan.headline()
    result = {column: summary[column] for column in OUTCOMES if column != "reason"}
    result["reason"] = summary["message"]
    for site in plan.scenario.sites:
        result[f"peak_mw_{site}"] = summary["peak_facility_mw"][site]
    for site in plan.scenario.sites:
        result[f"accelerators_{site}"] = sum(summary["accelerators"][site].values())
    return result

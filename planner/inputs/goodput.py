"""How much of a training run's wall time makes progress as the run grows, and what splitting
it between sites costs: arithmetic with no solver, shared by the LP's coefficients, `verify`
and `planner estimate`.

Failures (Young 1974, Daly 2006, first order). A run on N accelerators, each failing at rate
lambda (failures per accelerator-hour), is interrupted every M = 1 / (lambda N) on average.
Checkpointing every tau, each write taking delta and each restart R, loses per unit of time

    delta / tau                 writing checkpoints
    (tau / 2 + R) / M           work redone since the last checkpoint, and the restart

The loss is least at tau = sqrt(2 delta M) (the Young/Daly interval), where

    goodput(N) = 1 - sqrt(2 delta lambda N) - R lambda N.

The accelerators lost, N (1 - goodput) = sqrt(2 delta lambda) N^1.5 + R lambda N^2, are convex
in N, so the LP bounds them from below by the chords of a few breakpoints (`loss_chords`): an
over-estimate of the loss between breakpoints, never an under-estimate.

Splitting between sites (a ring all-reduce of the gradients over the long link, Patarasuk and
Yuan 2009). Each sync sends 2 (S - 1) / S x parameters x bytes per value across the link from
each of S sites, and waits 2 (S - 1) link latencies. A run syncs every `sync_interval` steps
(1: fully synchronous data parallelism; tens to hundreds: a low-communication method such as
DiLoCo, Douillard et al. 2023). A step takes at most the run's window over its steps (tokens /
global batch), and the exchange is not overlapped with compute (conservative), so

    split efficiency = step time / (step time + exchange time per step).
"""

from __future__ import annotations

import math

import numpy as np

SECONDS_PER_HOUR = 3600.0
# The chords' breakpoints step down from the largest size by this ratio to one accelerator: the
# chord of N^2 over [x, sqrt(2) x] lies at most 3% above it, of N^1.5 at most 1%, so the LP's
# loss is within 3% of the curve's (a goodput within 0.3 points when 10% is lost)
CHORD_RATIO = 2.0 ** 0.5


def mean_time_between_failures(count: float, failure_rate: float) -> float:
    """Seconds between interruptions of a run on `count` accelerators, each failing at
    `failure_rate` per second (inf for an empty run or no failures)."""
    rate = count * failure_rate
    return math.inf if rate <= 0 else 1.0 / rate


def checkpoint_interval(checkpoint_time: float, mtbf: float) -> float:
    """The Young/Daly interval sqrt(2 delta M) [s] between checkpoints."""
    return math.sqrt(2.0 * checkpoint_time * mtbf)


def goodput(count, failure_rate: float, checkpoint_time: float, restart_time: float):
    """Share of wall time a run on `count` accelerators makes progress at the Young/Daly
    interval, at least 0 (count may be an array)."""
    lost = lost_share(np.asarray(count, dtype=float), failure_rate, checkpoint_time, restart_time)
    return np.clip(1.0 - lost, 0.0, 1.0)


def lost_share(count, failure_rate: float, checkpoint_time: float, restart_time: float):
    """sqrt(2 delta lambda N) + R lambda N: the share of wall time lost (may pass 1)."""
    rate = np.asarray(count, dtype=float) * failure_rate
    return np.sqrt(2.0 * checkpoint_time * rate) + restart_time * rate


def expected_interruptions(count: float, hours: float, failure_rate: float) -> float:
    """Interruptions of a run on `count` accelerators over `hours` of wall time (rate per second)."""
    return count * failure_rate * hours * SECONDS_PER_HOUR


def loss_chords(most: float, failure_rate: float, checkpoint_time: float, restart_time: float) -> list[tuple[float, float]]:
    """(intercept, slope) of each chord of N x lost_share(N) between breakpoints 0, then 1 up to
    `most` by CHORD_RATIO: lost accelerators >= intercept + slope x N for every chord is the
    LP's piecewise-linear loss."""
    steps = max(0, math.ceil(math.log(most) / math.log(CHORD_RATIO))) if most > 1 else 0
    sizes = [0.0, *(most / CHORD_RATIO ** k for k in range(steps, -1, -1))]
    losses = [n * float(lost_share(n, failure_rate, checkpoint_time, restart_time)) for n in sizes]
    chords = []
    for (n0, l0), (n1, l1) in zip(zip(sizes, losses), zip(sizes[1:], losses[1:])):
        slope = (l1 - l0) / (n1 - n0)
        chords.append((l0 - slope * n0, slope))
    return chords


def exchange_seconds(parameters: float, bytes_per_value: float, sites: int, bandwidth: float, latency: float) -> float:
    """Seconds one ring all-reduce of the gradients takes over the link between `sites` sites
    (`bandwidth` in bit/s, `latency` one way in s)."""
    share = 2.0 * (sites - 1) / sites
    return share * parameters * bytes_per_value * 8.0 / bandwidth + 2.0 * (sites - 1) * latency


def split_efficiency(step_time: float, exchange_time: float, sync_interval: float) -> float:
    """Share of a split run's time spent computing: step / (step + exchange / sync interval)."""
    return step_time / (step_time + exchange_time / sync_interval)

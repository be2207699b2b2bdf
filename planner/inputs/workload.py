"""Workloads: training runs (how much compute, when they may start and must finish) and
serving streams (tokens per second by month)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, field_validator, model_validator

from planner.inputs.calendar import label
from planner.inputs.fields import Count, Fraction, Month, Record, Text, quantity, step_table

CHINCHILLA_TOKENS_PER_PARAMETER = 20.0  # Hoffmann et al. 2022, Table 3: ~20 tokens per parameter
# Share of wall time a run makes progress, for plans and estimates alike (Llama 3: above 0.9)
DEFAULT_AVAILABILITY = 0.9
SIZE_FIELDS = ("parameters", "active_parameters", "tokens", "tokens_per_parameter", "flop_per_parameter_token")
MAX_FLOP = 1e30  # 2,000 times the largest run yet: above it, a typo
MAX_TOKENS = "1e18 token"  # 30,000 times the largest training sets yet (~36e12 tokens)
# The planner's LP counts compute in 1e24 FLOP: below this a run sinks into the solver's tolerance
# (1e-7 of a unit). An estimate, which needs no LP, may be smaller.
MIN_PLANNED_FLOP = 1e20
# Synchronous training on types of unequal speed waits for the slowest or must balance work
# between them; estimate: 15% of the mixed run's compute lost to that imbalance
DEFAULT_MIX_EFFICIENCY = 0.85
# Llama 3 (Meta 2024, section 3.3.4): 419 unexpected interruptions in 54 days on 16,384 H100
# = 1.97e-5 per GPU-hour
LLAMA3_FAILURE_RATE = "1.97e-5 / hour"
# estimate: an asynchronous checkpoint of a 405B model's sharded state to local storage; with
# the restart below it gives Llama 3's 16,384 GPUs 90% goodput, its published "more than 90%
# effective training time"
DEFAULT_CHECKPOINT_TIME = 30.0
DEFAULT_RESTART_TIME = 300.0  # estimate: reschedule, reload the last checkpoint, warm up (5 min)
# Llama 3 405B's final global batch, 16M tokens (Meta 2024, section 3.4.1)
DEFAULT_BATCH_TOKENS = 16e6


def training_flop(
    active_parameters: float, tokens: float, flop_per_parameter_token: float = 6.0
) -> float:
    """C = k N D: 6 for a dense transformer (2 forward + 4 backward), 8 with full recomputation.

    For a mixture of experts N is the parameters active per token.
    """
    return flop_per_parameter_token * active_parameters * tokens


class TrainingRun(Record):
    """What a run trains: its size in parameters and tokens, or its compute directly.

    `planner plan` (as the workload) and `planner estimate` both size a run through this class.
    """

    parameters: Count | None = None
    active_parameters: Count | None = None
    tokens: quantity("token", low=0, low_open=True, high=MAX_TOKENS) | None = None
    # Chinchilla is 20; small models are trained far past it (SmolLM, 135M on 11T: ~80,000)
    tokens_per_parameter: quantity("dimensionless", low=0, low_open=True, high=1e6) | None = None
    # 2 forward, 6 with backward, 8 with recomputation: 100 leaves room for any other count
    flop_per_parameter_token: quantity("dimensionless", low=1, high=100) = 6.0
    compute: quantity("FLOP", low=0, low_open=True, high=f"{MAX_FLOP:g} FLOP") | None = None

    @model_validator(mode="after")
    def _sized_once(self):
        if self.compute is None and self.parameters is None:
            raise ValueError("expected 'parameters' (with tokens) or 'compute', found neither")
        given = [name for name in SIZE_FIELDS if name in self.model_fields_set]
        if self.compute is not None and given:
            # compute would silently win over the size: refuse the ambiguity instead
            size = ", ".join(f"'{name}'" for name in given)
            raise ValueError(f"expected 'compute' or the run's size ({size}), found both")
        if self.tokens is not None and self.tokens_per_parameter is not None:
            raise ValueError("expected 'tokens' or 'tokens_per_parameter', found both")
        if self.active_parameters is not None and self.parameters is not None:
            if self.active_parameters > self.parameters:
                raise ValueError(
                    f"expected 'active_parameters' at most 'parameters' ({self.parameters:g}), "
                    f"found {self.active_parameters:g}"
                )
        if self.required_flop > MAX_FLOP:
            raise ValueError(
                f"expected training compute (k x active parameters x tokens) of at most {MAX_FLOP:g} FLOP, "
                f"found {self.required_flop:.3g} FLOP"
            )
        return self

    @property
    def training_tokens(self) -> float | None:
        if self.tokens is not None:
            return self.tokens
        if self.parameters is None:
            return None
        ratio = self.tokens_per_parameter or CHINCHILLA_TOKENS_PER_PARAMETER
        return ratio * self.parameters

    @property
    def active(self) -> float | None:
        """Parameters active per token: all of them unless a mixture of experts says fewer."""
        return self.active_parameters or self.parameters

    @property
    def required_flop(self) -> float:
        """Training compute [FLOP]: given directly, else k x N_active x D."""
        if self.compute is not None:
            return self.compute
        return training_flop(self.active, self.training_tokens, self.flop_per_parameter_token)


class Workload(TrainingRun):
    """A training run (its size) and its window: when it may start and when it must finish.

    `after` names a run that must finish before this one starts; `accelerators` the types it
    may train on (None: every type of the scenario)."""

    name: Text = "training run"
    availability: Fraction = DEFAULT_AVAILABILITY
    # Failures per accelerator-hour: given, goodput at the run's size (inputs.goodput) replaces availability
    failure_rate: quantity("1/s", high="0.01 / hour") | None = None
    checkpoint_time: quantity("s", high="1 day") = DEFAULT_CHECKPOINT_TIME
    restart_time: quantity("s", high="1 day") = DEFAULT_RESTART_TIME
    # One accelerator type unless `mix`; a mixed run's whole compute counts at mix_efficiency
    mix: bool = False
    precision: Literal["bf16", "fp8"] = "bf16"  # fp8: on types with an FP8 peak, at its MFU derate
    mix_efficiency: Fraction = DEFAULT_MIX_EFFICIENCY
    # A run trains at one site unless `split` lets it spread over several; then it counts its whole compute at this share; None: from the link
    # (scenario.link) by the step-time model of inputs.goodput
    split: bool = True
    cross_site_efficiency: Fraction | None = None
    sync_interval: quantity("dimensionless", low=1, high=1e6) = 1.0
    batch_tokens: quantity("token", low=1, high=MAX_TOKENS) = DEFAULT_BATCH_TOKENS
    gradient_bytes: quantity("dimensionless", low=0.125, high=8) = 2.0  # bytes per value exchanged: 2 for BF16
    anchor_site: Text | None = None  # no longer used (a run is on one site or split): old files still load
    earliest_start: Month
    deadline: Month
    after: Text | None = None
    accelerators: list[Text] | None = None

    @model_validator(mode="after")
    def _window(self):
        if self.deadline < self.earliest_start:
            raise ValueError(
                f"expected a deadline on or after the earliest start {label(self.earliest_start)}, "
                f"found deadline {label(self.deadline)}"
            )
        if self.required_flop < MIN_PLANNED_FLOP:
            raise ValueError(f"expected training compute of at least {MIN_PLANNED_FLOP:g} FLOP to plan, found {self.required_flop:.3g} FLOP")
        return self


TOKEN_RATE = "token/s"
MAX_TOKEN_RATE = "1e12 token/s"  # a thousand times the largest public services: above it, a typo


class Inference(Record):
    """A serving stream: tokens per second to serve from `start` on.

    `demand` is one rate for every month from `start`, or steps that each hold until the next:
    { by_fiscal_year = { FY2027 = "1e6 token/s", ... } } or { by_month = { "2027-10" = ..., ... } },
    with an optional source. Before `start`, and before the first step, nothing is served.
    """

    start: Month
    demand: dict[pd.Period, float]
    accelerators: list[Text] | None = None

    @field_validator("demand", mode="before")
    @classmethod
    def _steps(cls, value, info):
        """{first month of each step: tokens/s}; a plain rate is one step from `start`."""
        steps = step_table(value, lambda rate: _rate(rate, info))
        if steps is not None:
            return steps
        start = info.data.get("start")
        if start is None:
            raise ValueError("expected a valid 'start' month before the demand")
        return {start: _rate(value, info)}

    def by_month(self, months: pd.PeriodIndex) -> np.ndarray:
        """Tokens per second to serve in each of `months` (0 before the start)."""
        rates = np.zeros(len(months))
        for first in sorted(self.demand):
            rates[np.asarray(months >= first)] = self.demand[first]
        rates[np.asarray(months < self.start)] = 0.0
        return rates


_TOKEN_RATE = TypeAdapter(quantity(TOKEN_RATE, high=MAX_TOKEN_RATE))


def _rate(value, info) -> float:
    return _TOKEN_RATE.validate_python(value, context=info.context)


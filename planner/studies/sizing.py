"""Compute-optimal model size: how many parameters and tokens a compute budget should buy.

Three answers side by side, because they disagree: the ~20 tokens per parameter rule
(Hoffmann et al. 2022, approaches 1 and 2), and the minimum of the parametric loss
L(N, D) = E + A / N^alpha + B / D^beta on C = 6 N D, with Hoffmann's published fit
(approach 3) and with Besiroglu et al.'s 2024 refit of the same data. Hoffmann's rounded
coefficients put the optimum at far more tokens per parameter than their other approaches;
the refit agrees with about 20.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.inputs.workload import CHINCHILLA_TOKENS_PER_PARAMETER, training_flop

FLOP_PER_PARAMETER_TOKEN = 6.0  # the fits were made with C = 6 N D


@dataclass(frozen=True)
class LossFit:
    """A parametric loss fit L(N, D) = E + A / N^alpha + B / D^beta (loss in nats per token)."""

    key: str
    name: str
    E: float
    A: float
    B: float
    alpha: float
    beta: float

    def loss(self, parameters: float, tokens: float) -> float:
        return self.E + self.A / parameters**self.alpha + self.B / tokens**self.beta

    def optimal_parameters(self, compute: float) -> float:
        """Minimise L on 6 N D = C (Hoffmann et al. 2022, eq. 4):
        N = G (C/6)^(beta/(alpha+beta)) with G = (alpha A / (beta B))^(1/(alpha+beta))."""
        a, b = self.alpha, self.beta
        g = (a * self.A / (b * self.B)) ** (1 / (a + b))
        return g * (compute / FLOP_PER_PARAMETER_TOKEN) ** (b / (a + b))


HOFFMANN_2022 = LossFit("hoffmann_2022", "Hoffmann et al. 2022 fit", E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
BESIROGLU_2024 = LossFit("besiroglu_2024", "Besiroglu et al. 2024 refit", E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
FITS = (HOFFMANN_2022, BESIROGLU_2024)


@dataclass(frozen=True)
class Sizing:
    """One compute-optimal answer: parameters and tokens, and the loss each fit predicts for it."""

    method: str
    label: str
    parameters: float
    tokens: float

    @property
    def tokens_per_parameter(self) -> float:
        return self.tokens / self.parameters

    def summary(self) -> dict:
        return {
            "method": self.method,
            "label": self.label,
            "parameters": self.parameters,
            "tokens": self.tokens,
            "tokens_per_parameter": self.tokens_per_parameter,
            "training_flop": training_flop(self.parameters, self.tokens, FLOP_PER_PARAMETER_TOKEN),
            "predicted_loss": {fit.key: fit.loss(self.parameters, self.tokens) for fit in FITS},
        }


def _spend(method: str, label: str, compute: float, parameters: float) -> Sizing:
    """All of `compute` on a model of `parameters`: the tokens follow from C = 6 N D."""
    return Sizing(method, label, parameters, compute / (FLOP_PER_PARAMETER_TOKEN * parameters))


def compute_optimal(compute: float) -> list[Sizing]:
    """The 20-tokens-per-parameter rule, then the optimum of each loss fit, for `compute` FLOP."""
    ratio = CHINCHILLA_TOKENS_PER_PARAMETER
    rule = math.sqrt(compute / (FLOP_PER_PARAMETER_TOKEN * ratio))
    return [_spend(f"tokens_per_parameter_{ratio:g}", f"{ratio:g} tokens per parameter", compute, rule)] + [
        _spend(fit.key, f"{fit.name} optimum", compute, fit.optimal_parameters(compute)) for fit in FITS
    ]

"""`planner validate`: a scenario file checked, and what is wrong with it said in one line."""

from __future__ import annotations

from pathlib import Path

from planner.cli.exits import EXIT_PLAN
from planner.cli.terminal import say
from planner.inputs.scenario import load_scenario


def add_arguments(parser) -> None:
    parser.add_argument("path", type=Path)


def command(args) -> int:
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

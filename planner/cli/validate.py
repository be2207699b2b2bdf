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
    say(
        f"{args.path}: valid. {scenario.name}: {len(scenario.sites)} sites, "
        f"{len(scenario.accelerators)} accelerator types, {scenario.workload.required_flop:.3g} FLOP "
        f"by {scenario.workload.deadline.strftime('%Y-%m')}"
    )
    return EXIT_PLAN

"""The `planner` command. Exit codes: 0 plan found, 1 infeasible (reason printed), 2 bad input,
3 solver error, 130 interrupted (Ctrl-C)."""

from __future__ import annotations

import argparse
import sys

from planner.cli import estimate, init, plan, sweep, validate
from planner.cli.exits import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_PLAN, EXIT_SOLVER
from planner.cli.terminal import say, visible
from planner.inputs.errors import InputError

# command: (its module, with add_arguments(parser) and command(args) -> exit code; its help line)
COMMANDS = {
    "init": (init, "write the default scenario, with comments, to edit"),
    "validate": (validate, "check a scenario file and say what is wrong"),
    "plan": (plan, "plan a scenario (the shipped default without PATH)"),
    "estimate": (estimate, "time, energy and CO2 of a training run on one accelerator type"),
    "sweep": (sweep, "plan many variants: grids, Monte Carlo, tornado, Pareto front"),
}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(_attach_dash_values(sys.argv[1:] if argv is None else argv))
    try:
        return args.command(args)
    except InputError as error:
        say(f"error: {error}", sys.stderr, one_line=True)
        return EXIT_BAD_INPUT
    except RuntimeError as error:  # the solver could not run; never a partial plan
        say(f"solver error: {error}", sys.stderr, one_line=True)
        return EXIT_SOLVER
    except BrokenPipeError:  # output piped into `head` and the like
        return EXIT_PLAN
    except KeyboardInterrupt:  # Ctrl-C: outputs are written whole or not at all, so nothing is left half-done
        say("interrupted", sys.stderr)
        return EXIT_INTERRUPTED


class _Parser(argparse.ArgumentParser):
    """argparse's own errors quote the arguments as typed: control characters shown, as in ours."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, visible(f"{self.prog}: error: {message}", keep="") + "\n")


def _attach_dash_values(argv: list[str]) -> list[str]:
    """`--pareto -50%..+100%:7` as `--pareto=-50%..+100%:7`: argparse takes a value starting
    with '-' (other than a plain negative number) for a flag."""
    attached: list[str] = []
    for arg in argv:
        if attached and attached[-1] == "--pareto" and arg.startswith("-") and not arg.startswith("--"):
            attached[-1] = f"--pareto={arg}"
        else:
            attached.append(arg)
    return attached


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="planner", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        subparser = commands.add_parser(name, help=help_text)
        module.add_arguments(subparser)
        subparser.set_defaults(command=module.command)
    return parser


if __name__ == "__main__":
    sys.exit(main())

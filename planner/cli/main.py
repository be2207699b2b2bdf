"""The `planner` command. Exit codes: 0 plan found, 1 infeasible (reason printed), 2 bad input,
3 solver error, 130 interrupted (Ctrl-C)."""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from planner.cli.exits import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_PLAN, EXIT_SOLVER
from planner.cli.terminal import say, visible
from planner.inputs.errors import InputError

# Each command is the module planner.cli.<command>, with add_arguments(parser) and
# command(args) -> exit code. Only the command asked for is imported: `validate` and
# `estimate` never load PuLP and HiGHS, `plan` never loads the sweep's tqdm and Dask.
COMMANDS = {
    "init": "write the default scenario, with comments, to edit",
    "validate": "check a scenario file and say what is wrong",
    "plan": "plan a scenario (the shipped default without PATH)",
    "estimate": "time, energy and CO2 of a training run on one accelerator type",
    "sweep": "plan many variants: grids, Monte Carlo, tornado, Pareto front",
    "hedge": "the orders to place before a decision month that do best across many futures",
}


def main(argv: list[str] | None = None) -> int:
    argv = _attach_dash_values(sys.argv[1:] if argv is None else argv)
    args = _parser(_asked_for(argv)).parse_args(argv)
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


def _asked_for(argv: list[str]) -> str | None:
    """The command named on the command line: its first word that is not an option (`planner`
    itself takes no option with a value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def _parser(asked_for: str | None) -> argparse.ArgumentParser:
    """Every command by name and help line; the arguments of `asked_for` alone, the only one
    parsed."""
    parser = _Parser(prog="planner", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        subparser = commands.add_parser(name, help=help_text)
        if name == asked_for:
            module = import_module(f"planner.cli.{name}")
            module.add_arguments(subparser)
            subparser.set_defaults(command=module.command)
    return parser


if __name__ == "__main__":
    sys.exit(main())

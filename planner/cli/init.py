"""`planner init`: the default scenario, with its comments, written to a file to edit."""

from __future__ import annotations

from pathlib import Path

from planner.cli.exits import EXIT_PLAN
from planner.cli.terminal import say
from planner.inputs.errors import InputError
from planner.inputs.files import write_file
from planner.inputs.scenario import DEFAULT_SCENARIO


def add_arguments(parser) -> None:
    parser.add_argument("path", type=Path)
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")


def command(args) -> int:
    if args.path.exists() and not args.force:
        raise InputError("PATH", "a path that does not exist yet (or --force)", f"existing file {args.path}")
    write_file(args.path, DEFAULT_SCENARIO.read_bytes(), "PATH")
    say(f"wrote {args.path}: edit it, check it with `planner validate {args.path}`, plan it with `planner plan {args.path}`")
    return EXIT_PLAN

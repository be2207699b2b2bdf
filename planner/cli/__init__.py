"""The `planner` command, one module per command."""

from planner.cli.main import main

__all__ = ["main"]

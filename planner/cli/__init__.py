"""The `planner` command, one module per command."""

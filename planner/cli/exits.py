"""The `planner` command's exit codes, in one place for the dispatcher and every command."""

EXIT_PLAN, EXIT_INFEASIBLE, EXIT_BAD_INPUT, EXIT_SOLVER = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # the shell's code for a command ended by SIGINT

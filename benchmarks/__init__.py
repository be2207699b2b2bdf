"""Speed and memory of the planner, measured against a raw highspy model of the same LP."""

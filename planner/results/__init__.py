"""The plan as tidy tables, and `verify`, which recomputes every limit and total from those
tables without trusting the solver."""

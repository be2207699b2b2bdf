"""The linear program: the scenario as arrays, the named constraint families, the solvers,
objectives, binding limits with their prices, and the diagnosis of infeasible scenarios."""

"""Questions asked of many plans or of no plan: sweeps, ranges and their analysis (tornado,
Pareto front, percentiles), the quick estimate of one run, compute-optimal sizing and the
calibration against published runs."""

"""Inputs: quantities with units, months, validated fields, the accelerator catalog, site
profiles, workloads and the scenario that holds them. Nothing here knows the LP."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
DATA = PACKAGE / "data"

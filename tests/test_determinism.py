"""The same scenario gives the same plan, byte for byte: run after run, and process after process
(with different hash seeds, so nothing may depend on set or dict-of-hash order)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders import OLD_DEFAULT, ONE_SITE, edit, scenario

from planner import load_scenario, make_plan

ROOT = Path(__file__).parent.parent
TABLES = ("fleet", "power", "energy", "costs", "compute", "binding", "entry", "relaxations")
TIMINGS = ("build_seconds", "solve_seconds")


def two_sites_two_types(changes: dict) -> dict:
    """ONE_SITE with a second site and a second type, so that sets of sites and types have an order
    to lose; small, so that its finish and relaxations (many solves each) take a second, not a minute."""
    base = edit(ONE_SITE, {"workload.mix": True})
    base["sites"]["Beta"] = edit(ONE_SITE["sites"]["Alpha"], {"electricity_price": "25 JPY/kWh"})
    base["accelerators"]["X2"] = dict(base["accelerators"]["X1"], capex="3e7 JPY", peak_bf16="2000 TFLOP/s")
    return edit(base, changes)


def scenarios():
    """The former default (four sites' and types' worth of sets, one run); a two-site scenario asked
    for its earliest finish; and the same short of money (relaxations). The programme default takes
    a minute to diagnose, too long to plan five times over (CI runs the suite in 15 minutes)."""
    return {
        "former default": load_scenario(OLD_DEFAULT),
        "finish": scenario({}, two_sites_two_types({"objective": "finish"})),
        "short of money": scenario({}, two_sites_two_types({"budget.total": "1e8 JPY"})),
    }


def fingerprint(plan) -> bytes:
    """Every table as CSV (floats written in full) and the summary without its timings."""
    parts = [getattr(plan, name).to_csv(index=False, float_format="%.17g").encode() for name in TABLES]
    summary = {k: v for k, v in plan.summary().items() if k not in TIMINGS}
    parts.append(json.dumps(summary, sort_keys=True, default=str).encode())
    return b"\n--\n".join(parts)


def fingerprints() -> dict[str, str]:
    return {name: fingerprint(make_plan(s)).hex() for name, s in scenarios().items()}


def in_a_new_process(hash_seed: str) -> dict[str, str]:
    code = "import json, test_determinism as t; print(json.dumps(t.fingerprints()))"
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def here() -> dict[str, str]:
    return fingerprints()


def test_same_tables_run_after_run(here):
    assert fingerprints() == here
    infeasible = bytes.fromhex(here["short of money"]).decode()
    assert "more money" in infeasible  # the relaxations are part of what is compared


def test_same_tables_process_after_process(here):
    assert in_a_new_process("1") == here
    assert in_a_new_process("2") == here

"""The same scenario gives the same plan, byte for byte: run after run, and process after process
(with different hash seeds, so nothing may depend on set or dict-of-hash order)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from planner import load_scenario, make_plan
from planner.inputs.scenario import changed

ROOT = Path(__file__).parent.parent
TABLES = ("fleet", "power", "energy", "costs", "compute", "binding", "entry", "relaxations")
TIMINGS = ("build_seconds", "solve_seconds")


def scenarios():
    """The default; asked for its earliest finish; and short of money (relaxations)."""
    default = load_scenario()
    return {
        "default": default,
        "finish": changed(default, {"objective": "finish"}),
        "short of money": changed(default, {"budget.total": "3e11 JPY"}),
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


def test_same_tables_run_after_run():
    first, second = fingerprints(), fingerprints()
    assert first == second
    infeasible = bytes.fromhex(first["short of money"]).decode()
    assert "more money" in infeasible  # the relaxations are part of what is compared


def test_same_tables_process_after_process():
    here = fingerprints()
    assert in_a_new_process("1") == here
    assert in_a_new_process("2") == here

"""Start-up: each `planner` command imports only what it uses. `validate` and `estimate` never
load PuLP or HiGHS, and pint never pulls in dask (pint.compat imports it whenever it is
installed). Each command runs in a fresh interpreter, which reports the modules it loaded."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_layers import package_sources

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pulp", "highspy", "dask")

# Runs `planner ARGV` as the installed script does, then reports the heavy modules it loaded
# on stderr's last line (stdout is the command's own).
PROBE = """
import json, sys
from planner.cli.main import main
code = main(sys.argv[1:])
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
sys.exit(code)
"""


def loaded(*argv: str) -> tuple[int, str, list[str]]:
    """Exit code, stdout and the heavy modules loaded of `planner ARGV` in a new process."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, json.loads(done.stderr.splitlines()[-1])


def test_validate_loads_neither_pulp_nor_highs_nor_dask():
    code, stdout, modules = loaded("validate", "planner/data/default_scenario.toml")
    assert (code, modules) == (0, [])
    assert stdout.startswith("planner/data/default_scenario.toml: valid. ")


def test_estimate_loads_neither_pulp_nor_highs_nor_dask():
    code, stdout, modules = loaded("estimate", "--params", "70e9", "--tokens", "1.4e12", "--accelerator", "H100", "--count", "1024")
    assert (code, modules) == (0, [])
    # 6 FLOP x 70e9 parameters x 1.4e12 tokens = 5.88e23, by hand
    assert stdout.startswith("training compute 5.88e+23 FLOP (6 x 70B active parameters x 1.4T tokens)")


def test_estimate_optimal_loads_neither_pulp_nor_highs_nor_dask():
    code, stdout, modules = loaded("estimate", "--optimal", "--compute", "5.88e26", "--json")
    assert (code, modules) == (0, [])
    assert json.loads(stdout)["training_flop"] == 5.88e26


def test_plan_loads_the_solver_but_not_dask():
    """The probe sees what a command loads: `plan` needs HiGHS, given the LP as arrays, and
    neither PuLP (only CBC and LP files need it) nor dask."""
    code, stdout, modules = loaded("plan", "--json")
    assert (code, modules) == (0, ["highspy"])
    assert json.loads(stdout)["status"] == "optimal"


@pytest.mark.parametrize("module", ["planner", "planner.inputs.scenario", "planner.studies.ranges"])
def test_importing_a_module_below_the_lp_loads_no_solver(module):
    code = f"import sys, {module}; print(sorted(m for m in {HEAVY} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_the_public_names_load_on_first_use():
    code = ("import sys, planner; before = 'planner.results.plan' in sys.modules; from planner import make_plan, load_scenario; "
            "print(before, 'planner.results.plan' in sys.modules, make_plan(load_scenario(planner.DEFAULT_SCENARIO)).status)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout == "False True optimal\n"


def test_dask_still_imports_after_pint_for_the_sweep_cluster():
    code = "import planner.inputs.units, pint.compat, dask.distributed, sys; print(pint.compat.HAS_DASK, 'dask' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout == "False True\n"


def test_only_the_units_module_imports_pint():
    """planner.inputs.units hides dask while pint loads; an `import pint` elsewhere could run first."""
    importers = []
    for module, source in package_sources().items():
        for node in ast.walk(ast.parse(source)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(name.split(".")[0] == "pint" for name in names):
                importers.append(module)
    assert sorted(set(importers)) == ["planner.inputs.units"]

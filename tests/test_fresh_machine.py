"""The planner as a fresh install runs it: the installed `planner` script in a new process,
the venv not activated (its bin/ not on PATH), and what reaches file descriptor 1 read whole.

- `--json` prints one JSON document and nothing else. highspy 1.16 writes a banner to fd 1 when
  a `Highs` object is made (planner.lp.highs silences it); tested with the installed highspy
  and with the oldest supported (pyproject: >=1.7), the first with changeRowsBounds and the
  newest, each installed from the package registry into a scratch folder ahead of the venv's.
- CBC is the binary PuLP's `cbc` extra installs, found without PATH.
- Without highspy every command works, plans solve with CBC and say so, and the app starts.
- The test command ends by naming the tests it skipped for want of chromium or LibreOffice,
  and how to get them; under CI=true those tests fail instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from builders import OLD_DEFAULT

from planner import DEFAULT_SCENARIO

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
PLANNER = BIN / "planner"
# The former default, one run: what reaches fd 1 does not depend on the scenario, and the programme
# default is a MIP whose whole servers, earliest finish and infeasible variants each take a minute.
SCENARIO = str(OLD_DEFAULT)
# its 4e11 JPY less 80% (8e10) has no plan (the run costs 9.54e10 JPY: `planner plan` of it), less
# 70% (1.2e11) and 60% do
SMALL_SWEEP = ["sweep", SCENARIO, "--vary", "budget.total=-80%..-60%:3", "--json"]
NO_HIGHSPY_NOTICE = "solver 'highs' is not available here; solved with 'cbc' instead"


def fresh_env(**extra: str) -> dict[str, str]:
    """This environment as a fresh shell has it: no venv activated, no bin/ of it on PATH."""
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p) != BIN)
    return {**env, **extra}


def without_highspy(tmp_path: Path) -> dict[str, str]:
    """An environment where `import highspy` fails, as on a machine without it."""
    blocker = tmp_path / "blocker" / "highspy"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("No module named highspy (blocked by the test)")\n')
    return fresh_env(PYTHONPATH=str(blocker.parent))


def planner(*args: str, cwd: Path, env: dict[str, str], code: int = 0) -> str:
    done = subprocess.run([str(PLANNER), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def cbc_scenario(folder: Path) -> Path:
    path = folder / "cbc.toml"
    text = OLD_DEFAULT.read_text(encoding="utf-8")
    assert text.count('name = "highs"') == 1
    path.write_text(text.replace('name = "highs"', 'name = "cbc"'), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args",
    [["plan", SCENARIO, "--json"], ["plan", SCENARIO, "--json", "--integer"], [*SMALL_SWEEP, "--workers", "1"],
     [*SMALL_SWEEP, "--workers", "2"], ["sweep", SCENARIO, "--pareto", "-10%..+10%:2", "--workers", "1", "--json"]],
    ids=["plan", "plan-integer", "sweep-in-process", "sweep-in-workers", "pareto"],
)
def test_json_output_is_one_document_and_nothing_else(tmp_path, args):
    stdout = planner(*args, cwd=tmp_path, env=fresh_env())
    document = json.loads(stdout)  # the whole of fd 1: a banner line before it fails here
    assert stdout.lstrip().startswith("{")
    if args[0] == "plan":
        assert document["solver"] == "highs" and document["status"] == "optimal"
    else:
        assert [row["status"] for row in document["rows"]].count("optimal") >= 1


@pytest.mark.parametrize("version", ["1.7.2", "1.12.0", "1.16.0"])
def test_json_output_is_one_document_with_every_supported_highspy(tmp_path, version):
    target = tmp_path / f"highspy-{version}"
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), f"highspy=={version}"]
    if subprocess.run(install, capture_output=True, text=True, timeout=600).returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"could not install highspy {version} from the package registry")
        pytest.skip(f"highspy {version} could not be installed from the package registry (offline?)")
    env = fresh_env(PYTHONPATH=str(target))
    for args in (["plan", SCENARIO, "--json"], ["plan", SCENARIO, "--json", "--integer"], SMALL_SWEEP):
        stdout = planner(*args, cwd=tmp_path, env=env)
        document = json.loads(stdout)  # the whole of fd 1
        statuses = [document["status"]] if args[0] == "plan" else [row["status"] for row in document["rows"]]
        assert "optimal" in statuses, (version, args)
    probe = "import highspy, importlib.metadata as m; print(m.version('highspy'))"
    used = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True).stdout.strip()
    assert used == version


def test_a_silent_highs_model_writes_nothing_to_fd_1(tmp_path):
    code = "from planner.lp.highs import SilentModel; SilentModel(); SilentModel()"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=fresh_env(), capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "")


def test_cbc_is_found_without_path(tmp_path):
    env = fresh_env()
    assert all(not (Path(p) / "cbc").exists() for p in env["PATH"].split(os.pathsep))  # no cbc to find on PATH
    by_cbc = json.loads(planner("plan", str(cbc_scenario(tmp_path)), "--json", cwd=tmp_path, env=env))
    by_highs = json.loads(planner("plan", SCENARIO, "--json", cwd=tmp_path, env=env))
    # no notice of its own: those it has (a type no run chose has no price to enter) HiGHS gives too
    assert (by_cbc["solver"], by_cbc["status"], by_cbc["notices"]) == ("cbc", "optimal", by_highs["notices"])
    assert by_cbc["total_cost_jpy"] == pytest.approx(by_highs["total_cost_jpy"], rel=1e-6)


def test_without_highspy_validate_and_estimate_work(tmp_path):
    env = without_highspy(tmp_path)
    assert "valid" in planner("validate", str(DEFAULT_SCENARIO), cwd=tmp_path, env=env)
    estimate = json.loads(planner("estimate", "--params", "1e12", "--tokens", "2e13", "--accelerator", "H100",
                                  "--count", "1000", "--json", cwd=tmp_path, env=env))
    assert estimate["training_flop"] == pytest.approx(6 * 1e12 * 2e13)


def test_without_highspy_plans_fall_back_to_cbc_with_a_notice(tmp_path):
    env = without_highspy(tmp_path)
    plan = json.loads(planner("plan", SCENARIO, "--json", cwd=tmp_path, env=env))
    with_highs = json.loads(planner("plan", SCENARIO, "--json", cwd=tmp_path, env=fresh_env()))
    assert (plan["solver"], plan["status"]) == ("cbc", "optimal")
    assert plan["notices"] == [NO_HIGHSPY_NOTICE, *with_highs["notices"]]  # the plan's own notices follow
    assert plan["total_cost_jpy"] == pytest.approx(with_highs["total_cost_jpy"], rel=1e-6)
    assert f"notice: {NO_HIGHSPY_NOTICE}" in planner("plan", SCENARIO, cwd=tmp_path, env=env)


def test_without_highspy_a_sweep_plans_every_variant_with_cbc(tmp_path):
    by_cbc = json.loads(planner(*SMALL_SWEEP, "--workers", "1", cwd=tmp_path, env=without_highspy(tmp_path)))
    by_highs = json.loads(planner(*SMALL_SWEEP, "--workers", "1", cwd=tmp_path, env=fresh_env()))
    assert [row["status"] for row in by_cbc["rows"]] == [row["status"] for row in by_highs["rows"]]
    assert [row["status"] for row in by_cbc["rows"]] == ["infeasible", "optimal", "optimal"]
    costs = [(row["total_cost_jpy"] or 0.0) for row in by_cbc["rows"]]
    assert costs == pytest.approx([(row["total_cost_jpy"] or 0.0) for row in by_highs["rows"]], rel=1e-6)


def test_without_highspy_the_app_starts_and_says_cbc_solved(tmp_path):
    code = (
        "from streamlit.testing.v1 import AppTest\n"
        "app = AppTest.from_file('streamlit_app.py', default_timeout=120).run()\n"
        "print(len(app.exception), [m.value for m in app.info][:1])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=without_highspy(tmp_path), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # first among the notices (the plan's own, such as a type without a price to enter, follow)
    assert done.stdout.strip() == f"0 [{NO_HIGHSPY_NOTICE!r}]"


def run_program_tests(tmp_path: Path, ci: str) -> subprocess.CompletedProcess:
    """The browser and LibreOffice tests, on a PATH without chromium or soffice."""
    tests = ["tests/test_browser.py", "tests/test_workbook_recalc.py"]
    env = fresh_env(PATH=str(tmp_path), CI=ci)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *tests], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_test_command_ends_by_saying_what_it_skipped_and_how_to_run_it(tmp_path):
    done = run_program_tests(tmp_path, ci="")
    assert done.returncode == 0, done.stdout
    heading, browser, libreoffice, how, counts = done.stdout.splitlines()[-5:]
    assert "tests not run here" in heading
    assert re.fullmatch(r"tests/test_browser.py \(1 skipped\): chromium is not installed.*", browser)
    assert re.fullmatch(r"tests/test_workbook_recalc.py \(\d+ skipped\): LibreOffice .* is not installed.*", libreoffice)
    assert "apt-get install chromium libreoffice-calc-nogui" in how and "CI=true .ci/run" in how
    assert re.fullmatch(r"=+ \d+ skipped in .* =+", counts)


def test_under_ci_the_browser_and_libreoffice_tests_fail_rather_than_skip(tmp_path):
    done = run_program_tests(tmp_path, ci="true")
    assert done.returncode == 1
    assert "tests not run here" not in done.stdout and "skipped" not in done.stdout.splitlines()[-1]
    assert "chromium is missing" in done.stdout and "LibreOffice (soffice) is required when CI=true" in done.stdout

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

from planner import load_scenario, make_plan  # noqa: E402

# Property tests (tests/test_properties.py): choose with --hypothesis-profile NAME; CI=true runs
# "ci". A plan takes 20-500 ms (infeasible ones are diagnosed), so examples are counted, not timed.
_PROPERTIES = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "print_blob": True}
settings.register_profile("dev", max_examples=10, **_PROPERTIES)
settings.register_profile("ci", max_examples=20, **_PROPERTIES)  # runs choose types and sites (MILPs): 20 keep CI within its 30 minutes
settings.register_profile("long", max_examples=1000, **_PROPERTIES)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.fixture(scope="session")
def default_scenario():
    return load_scenario()


@pytest.fixture(scope="session")
def default_plan(default_scenario):
    return make_plan(default_scenario)


# Tests that need a program from outside Python; skipped without it, except under CI=true,
# where they fail instead (.ci/run installs both programs there).
NEEDS_A_PROGRAM = ("tests/test_browser.py", "tests/test_workbook_recalc.py")  # chromium, LibreOffice
HOW_TO_RUN_THEM = (
    "to run them, install the programs: `sudo apt-get install chromium libreoffice-calc-nogui` "
    "(Debian, Ubuntu), or run `CI=true .ci/run` as root, which installs both and runs every test"
)


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after pytest's own short summary
def pytest_terminal_summary(terminalreporter):
    """Say plainly, last of all, which tests did not run, why, and how to run them."""
    yield
    skipped: dict[tuple[str, str], int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        path, _, reason = report.longrepr if isinstance(report.longrepr, tuple) else (report.fspath, 0, "")
        key = (Path(os.path.relpath(path, terminalreporter.config.rootpath)).as_posix(), reason.removeprefix("Skipped: "))
        skipped[key] = skipped.get(key, 0) + 1
    if not skipped:
        return
    terminalreporter.section("tests not run here", sep="=", yellow=True, bold=True)
    for (where, reason), count in skipped.items():
        terminalreporter.write_line(f"{where} ({count} skipped): {reason}")
    if any(where in NEEDS_A_PROGRAM for where, _ in skipped):
        terminalreporter.write_line(HOW_TO_RUN_THEM)

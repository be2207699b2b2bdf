import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from planner import load_scenario, make_plan  # noqa: E402


@pytest.fixture(scope="session")
def default_scenario():
    return load_scenario()


@pytest.fixture(scope="session")
def default_plan(default_scenario):
    return make_plan(default_scenario)

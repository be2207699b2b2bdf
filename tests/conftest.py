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
settings.register_profile("ci", max_examples=50, **_PROPERTIES)  # 5 property tests: 250 examples
settings.register_profile("long", max_examples=1000, **_PROPERTIES)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.fixture(scope="session")
def default_scenario():
    return load_scenario()


@pytest.fixture(scope="session")
def default_plan(default_scenario):
    return make_plan(default_scenario)

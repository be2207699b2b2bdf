"""What a file may ask for is bounded, and each bound is checked where the value enters,
naming the field (issue 11): texts and names, the number of sites, accelerator types and
grid phases, and the documented { value, source } form of the exchange rate."""

from __future__ import annotations

import copy

import openpyxl
import pytest
from builders import ONE_SITE, scenario
from test_bad_input import default_workbook
from test_cli import run, write
from test_workbook_import import edited

from planner import DEFAULT_SCENARIO, load_scenario
from planner.exchange.workbook_import import scenario_from_workbook
from planner.inputs.errors import InputError
from planner.inputs.fields import MAX_TEXT_CHARS
from planner.inputs.scenario import MAX_ACCELERATOR_TYPES, MAX_SITES
from planner.inputs.sites import MAX_GRID_PHASES

DEFAULT_TEXT = DEFAULT_SCENARIO.read_text(encoding="utf-8")
DESCRIPTION = 'description = "The shipped default: the programme as publicly described, FY2026-FY2030: SB Intuitions\' ~390B model, then the ~1T model on the same fleet, serving Japanese companies, on the operator\'s existing cluster and the Tomakomai and Sakai phases, paid from METI\'s and the operator\'s money by fiscal year"'


def with_description(text: str) -> str:
    assert DESCRIPTION in DEFAULT_TEXT
    return DEFAULT_TEXT.replace(DESCRIPTION, f'description = "{text}"', 1)


def test_a_40000_character_description_is_refused_by_validate(capsys, tmp_path):
    # it passed validate, then `plan --out x.xlsx` printed the plan and exited 2 blaming --out
    path = write(tmp_path, with_description("x" * 40_000))
    code, out, err = run(capsys, "validate", path)
    assert code == 2 and out == ""
    assert "field 'description': expected a text of at most 2,000 characters, found 40,000 characters" in err


def test_a_description_at_the_limit_plans_into_a_workbook(capsys, tmp_path):
    path = write(tmp_path, with_description("x" * MAX_TEXT_CHARS))
    code, _, err = run(capsys, "plan", path, "--out", tmp_path / "x.xlsx")
    assert code == 0, err
    book = openpyxl.load_workbook(tmp_path / "x.xlsx", read_only=True)
    assert any(row[1] == "x" * MAX_TEXT_CHARS for row in book["Inputs"].iter_rows(values_only=True))


def test_a_source_is_a_text_like_any_other():
    document = copy.deepcopy(ONE_SITE)
    document["budget"]["total"] = {"value": "1e15 JPY", "source": "y" * (MAX_TEXT_CHARS + 1)}
    with pytest.raises(InputError, match="'source' to be a text of at most 2,000 characters") as refused:
        scenario({}, document)
    assert refused.value.field == "budget.total"


def test_a_lone_surrogate_in_a_text_is_refused():
    with pytest.raises(InputError, match="lone surrogate") as refused:
        scenario({"sites.Alpha.description": "site \ud800"})
    assert refused.value.field == "sites.Alpha.description"


def copies(group: str, count: int) -> dict:
    """The one-site document with `count` copies of its only site or accelerator type."""
    document = copy.deepcopy(ONE_SITE)
    (only,) = document[group].values()
    document[group] = {f"N{i}": copy.deepcopy(only) for i in range(count)}
    return document


@pytest.mark.parametrize("group, most", [("sites", MAX_SITES), ("accelerators", MAX_ACCELERATOR_TYPES)])
def test_the_number_of_sites_and_accelerator_types_is_bounded(group, most):
    assert len(getattr(scenario({}, copies(group, most)), group)) == most
    with pytest.raises(InputError, match=f"at most {most} entries under \\[{group}\\], found {most + 1}") as refused:
        scenario({}, copies(group, most + 1))
    assert refused.value.field == group


def test_the_number_of_grid_phases_is_bounded():
    phase = ONE_SITE["sites"]["Alpha"]["grid_phases"][0]
    phases = [{**phase, "start": f"{2027 + n // 12}-{n % 12 + 1:02d}"} for n in range(MAX_GRID_PHASES + 1)]
    with pytest.raises(InputError, match=f"at most {MAX_GRID_PHASES} grid phases, found {MAX_GRID_PHASES + 1}") as refused:
        scenario({"horizon.end": "2046-12", "sites.Alpha.grid_phases": phases})
    assert refused.value.field == "sites.Alpha"


def test_the_documented_exchange_rate_with_its_source_is_read_in_toml(capsys, tmp_path):
    wrapped = 'exchange_rate = { value = "150 JPY/USD", source = "BOJ, 2025 average" }'
    path = write(tmp_path, DEFAULT_TEXT.replace('exchange_rate = "150 JPY/USD"', wrapped, 1))
    loaded = load_scenario(path)
    assert loaded.exchange_rate == 150.0
    assert loaded.document()["exchange_rate"] == {"value": "150 JPY/USD", "source": "BOJ, 2025 average"}
    assert loaded.accelerators["GB200"].capex == load_scenario().accelerators["GB200"].capex


def test_the_exchange_rate_with_a_source_is_read_from_a_workbook():
    book = edited(default_workbook(), {"exchange_rate": {"D": "BOJ, 2025 average"}})
    read = scenario_from_workbook(book, "plan.xlsx")
    assert read.exchange_rate == 150.0
    assert read.document()["exchange_rate"] == {"value": "150 JPY/USD", "source": "BOJ, 2025 average"}

"""Edits to a scenario document: validated like files, bad ones set aside, provenance kept."""

import pytest
from builders import ONE_SITE, scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import load_scenario
from planner.app.documents import display, typed
from planner.app.edits import Edit, apply_edits, with_edits
from planner.inputs.errors import InputError


def edit(input_name, path, value):
    return Edit(input_name, ((path, value),))


def test_valid_edits_all_apply():
    base = scenario()
    edited = apply_edits(
        base,
        [
            edit("budget.total", ("budget", "total"), "5e8 JPY"),
            edit("workload.deadline", ("workload", "deadline"), "2027-06"),
        ],
        "test",
    )
    assert edited.rejected == {}
    assert edited.scenario.budget.total == 5e8
    assert str(edited.scenario.workload.deadline) == "2027-06"
    assert edited.document["budget"]["total"] == "5e8 JPY"


def test_a_bad_edit_is_set_aside_and_the_rest_still_apply():
    edited = apply_edits(
        scenario(),
        [
            edit("budget.total", ("budget", "total"), "300 MW"),
            edit("workload.deadline", ("workload", "deadline"), "2027-06"),
        ],
        "test",
    )
    assert list(edited.rejected) == ["budget.total"]
    error = edited.rejected["budget.total"]
    assert error.field == "budget.total"
    assert "an amount of money" in error.expected and "'300 MW' (a power)" in error.found
    assert str(edited.scenario.workload.deadline) == "2027-06"
    assert edited.scenario.budget.total == 1e15  # the file's value, untouched


def test_edits_valid_only_together_apply_in_either_order():
    # Moving the window earlier: a deadline before the old start is invalid alone.
    earlier_deadline = edit("workload.deadline", ("workload", "deadline"), "2027-03")
    earlier_start = edit("workload.earliest_start", ("workload", "earliest_start"), "2027-01")
    base = scenario({"workload.earliest_start": "2027-05"})
    for order in ([earlier_deadline, earlier_start], [earlier_start, earlier_deadline]):
        edited = apply_edits(base, order, "test")
        assert edited.rejected == {}
        assert (str(edited.scenario.workload.earliest_start), str(edited.scenario.workload.deadline)) == (
            "2027-01",
            "2027-03",
        )


def test_a_deadline_before_the_start_is_rejected_with_the_engines_message():
    edited = apply_edits(scenario(), [edit("workload.deadline", ("workload", "deadline"), "2026-12")], "test")
    error = edited.rejected["workload.deadline"]
    assert "on or after the earliest start 2027-01" in error.expected


def test_an_edit_with_a_problem_is_rejected_without_building():
    problem = Edit("grid:no site", (), problem=InputError("grid phases", "a site for every phase", "''"))
    edited = apply_edits(scenario(), [problem], "test")
    assert edited.rejected == {"grid:no site": problem.problem}


def test_a_changed_value_notes_what_it_replaced_and_why_that_was_there():
    document = {"price": {"value": "20 JPY/kWh", "source": "tariff 2025"}, "plain": "1 MW"}
    result = with_edits(document, [edit("price", ("price",), "25 JPY/kWh"), edit("plain", ("plain",), "2 MW")])
    assert result["price"] == {
        "value": "25 JPY/kWh",
        "source": "set in the planner app, replacing 20 JPY/kWh (tariff 2025)",
    }
    assert result["plain"] == "2 MW"
    assert document["price"]["value"] == "20 JPY/kWh"  # the original is not modified


def test_none_deletes_and_changes_under_a_removed_entry_are_moot():
    document = {"sites": {"A": {"pue": 1.2}, "B": {"pue": 1.3}}}
    result = with_edits(document, [edit("sites:B", ("sites", "B"), None), edit("sites:B", ("sites", "B", "pue"), 1.4)])
    assert result == {"sites": {"A": {"pue": 1.2}}}


@pytest.mark.parametrize(
    "text, value",
    [
        ("", None),
        ("  ", None),
        ("20 JPY/kWh", "20 JPY/kWh"),
        ("6", 6),
        ("1e12", 1e12),
        ("0.38", 0.38),
        ("2027-05", "2027-05"),
        (
            "[1, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] JPY/kWh",
            {"by_month": [1, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "unit": "JPY/kWh"},
        ),
        ("[1, 2]", {"by_month": [1, 2]}),
    ],
)
def test_typed_reads_what_a_user_writes(text, value):
    assert typed(text) == value


@pytest.mark.parametrize(
    "value, text",
    [
        ({"value": "50 MW", "source": "x"}, "50 MW"),
        (1e12, "1000000000000"),
        (0.38, "0.38"),
        (20, "20"),
        ({"by_month": [-4, -3.5], "unit": "degC", "source": "JMA"}, "[-4, -3.5] degC"),
        (None, ""),
    ],
)
def test_display_shows_values_as_typed_and_round_trips(value, text):
    assert display(value) == text
    if value is not None:
        assert display(typed(text)) == text


def test_base_scenario_is_returned_unchanged_without_edits():
    base = scenario()
    edited = apply_edits(base, [], "test")
    assert edited.scenario is base and edited.document == ONE_SITE


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))


DEFAULT = load_scenario()
WRITTEN = st.one_of(
    st.text(max_size=25),
    st.sampled_from(
        ["-1 MW", "1e400", "nan", "inf", "[1, 2] MW", "[a, b]", "[]", "1 USD/W", "10 degC", "1 / month", "FY2027"]
    ),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(_paths(DEFAULT.document()))), WRITTEN), min_size=1, max_size=3))
def test_anything_typed_anywhere_gives_a_scenario_or_input_errors(changes):
    edits = [Edit(f"input {i}", ((path, typed(text)),)) for i, (path, text) in enumerate(changes)]
    edited = apply_edits(DEFAULT, edits, "typed")
    assert all(isinstance(error, InputError) for error in edited.rejected.values())
    assert set(edited.rejected) <= {edit.input for edit in edits}

"""Scenario documents: canonical text, TOML out and back, uploads, differences."""

import copy

import pytest
from builders import edit
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import DEFAULT_SCENARIO, load_scenario, make_plan
from planner.app.documents import canonical, differences, read_upload, scenario_toml
from planner.inputs.errors import InputError
from planner.inputs.fields import MAX_INPUT_BYTES
from planner.results.verify import verify


def test_canonical_text_ignores_key_order_but_not_values():
    a = {"b": {"y": 1, "x": "2 MW"}, "a": [1, 2]}
    b = {"a": [1, 2], "b": {"x": "2 MW", "y": 1}}
    assert canonical(a) == canonical(b)
    assert canonical(a) != canonical({**b, "a": [2, 1]})


def test_saved_scenario_reads_back_to_the_same_plan(default_scenario, default_plan):
    text = scenario_toml(default_scenario.document())
    again = read_upload(text.encode(), "saved.toml")
    assert again.document() == default_scenario.document()
    plan = make_plan(again)
    assert verify(plan) == []
    assert plan.summary()["total_cost_jpy"] == pytest.approx(default_plan.summary()["total_cost_jpy"], rel=1e-9)
    assert plan.fleet["installed"].to_numpy() == pytest.approx(default_plan.fleet["installed"].to_numpy(), abs=1e-6)


def test_upload_of_the_shipped_file_finds_its_profiles_by_name(default_scenario):
    uploaded = read_upload(DEFAULT_SCENARIO.read_bytes(), "default_scenario.toml")
    assert uploaded.document() == default_scenario.document()
    assert uploaded.sites["Tomakomai"].grid_phases[0].grid_import == 50e6


def _default_with(changes: dict) -> bytes:
    return scenario_toml(edit(load_scenario().document(), changes)).encode()


@pytest.mark.parametrize(
    "content, field, expected",
    [
        (b"name = [unclosed", "", "valid TOML"),
        (b"\xff\xfe binary", "", "a UTF-8 text file in TOML"),
        (b"x" * (MAX_INPUT_BYTES + 1), "", f"a file of at most {MAX_INPUT_BYTES} bytes"),
        (_default_with({"accelerators.X999": {}}), "accelerators.X999", "an accelerator of the catalog"),
        (_default_with({"exchange_rate": "150 JPY"}), "exchange_rate", "an exchange rate"),
        (_default_with({"sites.Sakai.reserved_it": "-5 MW"}), "sites.Sakai.reserved_it", "a value at least 0"),
    ],
    ids=["syntax", "binary", "too large", "unknown accelerator", "wrong unit", "negative MW"],
)
def test_bad_uploads_say_what_is_wrong(content, field, expected):
    with pytest.raises(InputError) as raised:
        read_upload(content, "../elsewhere/upload.toml")
    assert raised.value.field == field
    assert raised.value.expected.startswith(expected)
    assert raised.value.file == "upload.toml"  # the name as uploaded, without folders


def test_differences_list_changed_values_and_whole_tables_once():
    before = {
        "budget": {"total": "4e11 JPY", "carry_over": True},
        "sites": {
            "A": {"pue": {"value": 1.2, "source": "x"}, "grid_phases": [{"start": "2027-01", "grid_import": "50 MW"}]},
            "B": {"pue": 1.3},
        },
    }
    after = {
        "budget": {"total": "3e11 JPY", "carry_over": True},
        "sites": {
            "A": {
                "pue": {"value": 1.2, "source": "changed source only"},
                "grid_phases": [{"start": "2027-01", "grid_import": "60 MW"}],
            }
        },
    }
    assert differences(before, after) == [
        ("budget.total", "4e11 JPY", "3e11 JPY"),
        ("sites.A.grid_phases[0].grid_import", "50 MW", "60 MW"),
        ("sites.B", "included", "left out"),
    ]


TOML_VALUES = st.recursive(
    st.one_of(st.booleans(), st.integers(-(10**18), 10**18), st.floats(), st.text(max_size=20)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=13),
        st.dictionaries(
            st.sampled_from(["value", "source", "by_month", "unit", "start", "grid_import", "profile"]),
            inner,
            max_size=3,
        ),
    ),
    max_leaves=15,
)
DOCUMENT = load_scenario().document()


def _tables(node, prefix=()):
    for key, value in node.items():
        if isinstance(value, dict):
            yield (*prefix, key)
            yield from _tables(value, (*prefix, key))


@settings(max_examples=50, deadline=None)
@given(st.sampled_from([(), *_tables(DOCUMENT)]), st.text(min_size=1, max_size=12), TOML_VALUES)
def test_any_upload_gives_a_scenario_or_an_input_error(table, key, value):
    document = copy.deepcopy(DOCUMENT)  # keys are arbitrary text, so not through dotted paths
    node = document
    for part in table:
        node = node[part]
    node[key] = value
    try:
        read_upload(scenario_toml(document).encode(), "fuzzed.toml")
    except InputError as error:
        assert error.file == "fuzzed.toml"

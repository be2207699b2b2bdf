"""The scenario document as Inputs rows and back: paths, quantities split and joined, errors."""

import datetime

import pytest

from planner.inputs.errors import InputError
from planner.inputs.inputs_table import InputRow, document_rows, format_path, parse_path, rows_document

JMA = "JMA normals 1991-2020"
DOCUMENT = {
    "name": "3 days of planning",
    "exchange_rate": "150 JPY/USD",
    "workload": {"parameters": "1e12", "availability": 0.9, "deadline": "2027-05"},
    "budget": {"total": "4e11 JPY", "carry_over": True},
    "sites": {
        "St. Louis": {
            "opening": {"value": "2026-10", "source": "press release"},
            "fitout_cost": {"value": "14.1 USD/W", "source": "cost index", "note": "upper bound"},
            "monthly_temperature": {
                "by_month": [-4, -3.5, 0, 6, 11, 15, 19, 20, 17, 11.5, 5, -1.5],
                "unit": "degC",
                "source": JMA,
            },
            "grid_phases": [
                {"start": "2026-10", "grid_import": "50 MW"},
                {"start": "2028-04", "grid_import": "150 MW"},
            ],
        }
    },
    "accelerators": {"GB200": {"delivery_cap": "2304 / month"}},
}


def locate(index, column):
    return f"row {index} {column}"


def test_rows_split_quantities_keep_text_and_quote_keys():
    rows = document_rows(DOCUMENT)
    by_field = {row.field: row for row in rows}
    assert by_field["name"] == InputRow("name", "3 days of planning")  # free text is never split
    assert by_field["exchange_rate"] == InputRow("exchange_rate", 150, "JPY/USD")
    assert by_field["workload.parameters"] == InputRow("workload.parameters", 10**12)
    assert by_field["workload.deadline"] == InputRow("workload.deadline", "2027-05")
    assert by_field["budget.total"] == InputRow("budget.total", 400_000_000_000, "JPY")
    assert by_field["budget.carry_over"] == InputRow("budget.carry_over", True)
    assert by_field['sites."St. Louis".opening'] == InputRow(
        'sites."St. Louis".opening', "2026-10", "", "press release"
    )
    assert by_field['sites."St. Louis".fitout_cost'] == InputRow(
        'sites."St. Louis".fitout_cost', 14.1, "USD/W", "cost index", "upper bound"
    )
    assert by_field['sites."St. Louis".monthly_temperature.by_month[7]'] == InputRow(
        'sites."St. Louis".monthly_temperature.by_month[7]', 20, "degC", JMA
    )
    assert by_field['sites."St. Louis".grid_phases[1].grid_import'].value == 150
    assert by_field["accelerators.GB200.delivery_cap"] == InputRow("accelerators.GB200.delivery_cap", 2304, "/ month")
    assert len(rows) == 1 + 1 + 3 + 2 + 2 + 12 + 4 + 1


def test_rows_give_back_the_document_with_numbers_written_out():
    document = rows_document(document_rows(DOCUMENT), locate)
    site = document["sites"]["St. Louis"]
    assert document["budget"]["total"] == "400000000000 JPY"
    assert document["workload"] == {"parameters": 10**12, "availability": 0.9, "deadline": "2027-05"}
    assert site["fitout_cost"] == {"value": "14.1 USD/W", "source": "cost index", "note": "upper bound"}
    assert site["monthly_temperature"] == DOCUMENT["sites"]["St. Louis"]["monthly_temperature"]
    assert site["grid_phases"] == [
        {"start": "2026-10", "grid_import": "50 MW"},
        {"start": "2028-04", "grid_import": "150 MW"},
    ]
    assert document["accelerators"]["GB200"]["delivery_cap"] == "2304 / month"
    assert document["name"] == "3 days of planning"


@pytest.mark.parametrize(
    "keys, text",
    [
        (("budget", "total"), "budget.total"),
        (("sites", "Sakai", "grid_phases", 0, "start"), "sites.Sakai.grid_phases[0].start"),
        (("sites", "St. Louis", "opening"), 'sites."St. Louis".opening'),
        (("sites", 'say "hi"', "opening"), 'sites."say \\"hi\\"".opening'),
        (("sites", " padded", "opening"), 'sites." padded".opening'),
        (("sites", "Sakai North"), "sites.Sakai North"),
    ],
)
def test_paths_format_and_parse_back(keys, text):
    assert format_path(keys) == text
    assert parse_path(text, "A2") == keys


@pytest.mark.parametrize("text", ["", None, "[0].start", "budget..total", "budget.", 'sites."open', "sites.[x]", 12])
def test_a_broken_path_names_its_cell(text):
    with pytest.raises(InputError) as caught:
        parse_path(text, "Inputs!A7")
    assert caught.value.field == "Inputs!A7"
    assert "field path such as 'budget.total'" in caught.value.expected


def test_a_typed_date_becomes_a_month_and_whole_floats_become_integers():
    rows = [InputRow("workload.deadline", datetime.datetime(2027, 6, 1)), InputRow("accelerators.X.scalable_unit", 8.0)]
    assert rows_document(rows, locate) == {
        "workload": {"deadline": "2027-06"},
        "accelerators": {"X": {"scalable_unit": 8}},
    }


@pytest.mark.parametrize(
    "rows, where, expected, found",
    [
        ([InputRow("budget.total", None, "JPY")], "row 0 value", "a value (delete the whole row", "an empty cell"),
        (
            [InputRow("budget.total", "4e11 JPY", "JPY")],
            "row 0 value",
            "a number (its unit goes in the Unit column)",
            "'4e11 JPY'",
        ),
        ([InputRow("budget.total", 4e11, "bananas")], "row 0 unit", "a unit such as 'MW'", "'bananas'"),
        (
            [InputRow("budget.total", 1, "JPY"), InputRow("budget.total", 2, "JPY")],
            "row 1 field",
            "each field once (it is also in row 0 field)",
            "it again",
        ),
        (
            [InputRow("budget.total", 1, "JPY"), InputRow("budget.total.x", 2)],
            "row 1 field",
            "a field that is not inside the value of budget.total",
            "one inside it",
        ),
        (
            [InputRow("p[0].a", 1), InputRow("p[2].a", 2)],
            "row 0 field",
            "the items of p numbered [0], [1], [2] ... without gaps",
            "[0], [2]",
        ),
        (
            [InputRow("t.by_month[0]", 1, "degC"), InputRow("t.by_month[1]", 2, "K")],
            "row 1 unit",
            "the same unit for every month of this profile ('degC')",
            "'K'",
        ),
        ([InputRow("t.by_month[0]", "warm", "degC")], "row 0 value", "a plain number", "'warm'"),
    ],
)
def test_bad_rows_name_the_cell_and_what_was_expected(rows, where, expected, found):
    with pytest.raises(InputError) as caught:
        rows_document(rows, locate)
    error = caught.value
    assert error.field.startswith(where)
    assert error.expected.startswith(expected)
    assert error.found.startswith(found)

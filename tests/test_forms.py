"""What the app's inputs show for a scenario, and the edits they make when changed."""

import pytest
from builders import OLD_DEFAULT

from planner.app import forms
from planner.app.edits import apply_edits
from planner.inputs.catalog import catalog_entries
from planner.inputs.scenario import edit as scenario_edit
from planner.inputs.scenario import load_scenario


@pytest.fixture(scope="module")
def default_scenario():
    """The former default (tests/old_default.toml): these forms edit one [workload] and its two
    sites; the programme default's runs and serving are the views' workloads table."""
    return load_scenario(OLD_DEFAULT)


def entered_as_shown(fields, document):
    return {field.input: forms.initial(field, document) for field in fields}


def all_fields():
    return [forms.OBJECTIVE, *(field for group in forms.FIELDS.values() for field in group)]


def test_fields_show_the_default_scenario(default_scenario):
    document = default_scenario.document()
    shown = entered_as_shown(all_fields(), document)
    assert shown["budget.total"] == "4e11 JPY"
    assert shown["workload.deadline"] == "2027-08"
    assert shown["workload.parameters"] == "1e12"
    assert shown["workload.tokens_per_parameter"] == "20"
    assert shown["workload.tokens"] == ""  # not given: blank
    assert shown["workload.sync_interval"] == "1"  # not in the file: a gradient exchange every step, the default
    assert shown["budget.carry_over"] is True
    assert shown["objective"] == "cost"


def test_fields_left_as_shown_make_no_edits(default_scenario):
    document = default_scenario.document()
    assert forms.field_edits(all_fields(), document, entered_as_shown(all_fields(), document)) == []


def test_a_changed_field_makes_one_edit_with_the_typed_value(default_scenario):
    document = default_scenario.document()
    entered = entered_as_shown(all_fields(), document) | {
        "workload.tokens_per_parameter": "",
        "workload.tokens": "15e12 token",
    }
    edits = forms.field_edits(all_fields(), document, entered)
    assert [(e.input, e.changes) for e in edits] == [
        ("workload.tokens_per_parameter", ((("workload", "tokens_per_parameter"), None),)),
        ("workload.tokens", ((("workload", "tokens"), "15e12 token"),)),
    ]
    edited = apply_edits(default_scenario, edits, "test")
    assert edited.rejected == {}
    assert edited.scenario.workload.required_flop == 6 * 1e12 * 15e12


def test_engine_defaults_show_for_fields_the_file_leaves_out(default_scenario):
    document = default_scenario.document()
    del document["budget"]["carry_over"], document["exchange_rate"]
    money = {field.input: field for field in forms.FIELDS["Money"]}
    assert forms.initial(money["budget.carry_over"], document) is True
    assert forms.initial(money["exchange_rate"], document) == "150 JPY/USD"


def new_build_sakai(scenario) -> dict:
    """The document with Sakai's fit-out at the new-build cost index, in dollars (Turner &
    Townsend 2025: USD 14.1/W), as its profile gave it before it took the plant's purchase price."""
    return scenario_edit(scenario.document(), {"sites.Sakai.fitout_cost": "14.1 USD/W"})


def test_sites_table_lists_the_sites_with_their_values(default_scenario):
    frame = forms.SITES.frame(new_build_sakai(default_scenario))
    assert list(frame.index) == ["Tomakomai", "Sakai"]
    assert frame.loc["Tomakomai", "In plan"]
    assert frame.loc["Tomakomai", "PUE"] == "1.1"  # the climate model's base
    assert frame.loc["Sakai", "Electricity price"] == "18 JPY/kWh"
    # the fit-out column in one unit, so the sites compare: 1.51e9 JPY/MW as written for Tomakomai,
    # and Sakai's 14.1 USD/W at the scenario's 150 JPY/USD = 2,115 JPY/W
    assert frame["Fit-out cost"].tolist() == ["1510 JPY/W", "2115 JPY/W"]


def test_the_fitout_column_changes_nothing_until_a_cell_is_edited(default_scenario):
    document = new_build_sakai(default_scenario)
    frame = forms.SITES.frame(document)
    assert forms.SITES.edits(document, frame) == []  # shown in JPY/W, still written in USD/W
    frame.loc["Sakai", "Fit-out cost"] = "15 USD/W"
    (edit,) = forms.SITES.edits(document, frame)
    assert edit.changes == ((("sites", "Sakai", "fitout_cost"), "15 USD/W"),)
    other_rate = forms.SITES.frame({**document, "exchange_rate": "100 JPY/USD"})
    assert other_rate.loc["Sakai", "Fit-out cost"] == "1410 JPY/W"


def test_field_paths_read_as_the_inputs_name_them():
    assert [
        forms.field_label(path)
        for path in (
            "budget.total",
            "accelerators.GB200.capex",
            "sites.Tomakomai.electricity_price",
            "sites.Sakai.pue_model.base",
            "sites.Sakai.grid_phases[1].start",
            "budget.fiscal_years.FY2027",
            "budget.public.FY2028",
            "accelerators.B200.idle_fraction",
        )
    ] == [
        "Budget",
        "GB200 price",
        "Tomakomai electricity price",
        "Sakai PUE",
        "Sakai grid phase 2 start",
        "FY2027 money",
        "FY2028 public money",
        "B200 idle fraction",
    ]


def test_switching_a_site_off_removes_it_and_a_changed_cell_sets_it(default_scenario):
    document = default_scenario.document()
    frame = forms.SITES.frame(document)
    frame.loc["Sakai", "In plan"] = False
    frame.loc["Tomakomai", "Electricity price"] = "25 JPY/kWh"
    edits = forms.SITES.edits(document, frame)
    assert [(e.input, e.changes) for e in edits] == [
        ("sites:Tomakomai", ((("sites", "Tomakomai", "electricity_price"), "25 JPY/kWh"),)),
        ("sites:Sakai", ((("sites", "Sakai"), None),)),
    ]
    edited = apply_edits(default_scenario, edits, "test")
    assert list(edited.scenario.sites) == ["Tomakomai"]
    assert edited.scenario.sites["Tomakomai"].electricity_price[0] == pytest.approx(25 / 3.6e6)  # JPY per J


def test_accelerators_table_offers_the_whole_catalog(default_scenario):
    document = default_scenario.document()
    frame = forms.ACCELERATORS.frame(document)
    assert set(frame.index) == set(catalog_entries())
    assert not frame.loc["V100", "Allowed"] and frame.loc["H100", "Allowed"]
    assert frame.loc["GB200", "Delivery cap"] == "2304 / month"
    assert frame.loc["A100", "Delivery cap"] == "800 / month"  # the catalog gives every type a cap
    # a cap by fiscal year reads as its steps, and an untouched row edits nothing
    assert frame.loc["H100", "Delivery cap"] == "FY2023: 8000 / month; FY2026: 4000 / month; FY2027: 1000 / month"
    assert forms.ACCELERATORS.edits(document, frame) == []


def test_a_delivery_cap_typed_as_steps_becomes_a_table_by_fiscal_year(default_scenario):
    document = default_scenario.document()
    frame = forms.ACCELERATORS.frame(document)
    frame.loc["H100", "Delivery cap"] = "FY2026: 500 / month; FY2028: 900 / month"
    frame.loc["H200", "Delivery cap"] = "FY2026: 500 / month; 2028-01: 900 / month"  # fiscal years and months mixed
    edited = apply_edits(default_scenario, forms.ACCELERATORS.edits(document, frame), "test")
    caps = edited.scenario.accelerators["H100"].delivery_caps(default_scenario.months)
    assert caps[0] == 500 and caps[-1] == 900  # April 2026 (FY2026); March 2031 keeps FY2028's
    assert edited.rejected["accelerators:H200"].field == "accelerators.H200.delivery_cap"


def test_allowing_a_catalog_accelerator_adds_it_with_edited_cells(default_scenario):
    document = default_scenario.document()
    frame = forms.ACCELERATORS.frame(document)
    frame.loc["A100", "Allowed"] = True
    frame.loc["A100", "MFU"] = "0.45"
    frame.loc["H200", "Allowed"] = False
    edited = apply_edits(default_scenario, forms.ACCELERATORS.edits(document, frame), "test")
    assert edited.rejected == {}
    assert set(edited.scenario.accelerators) == {"H100", "A100", "B200", "GB200", "GB300"}
    assert edited.scenario.accelerators["A100"].mfu == 0.45
    assert edited.scenario.accelerators["A100"].peak_bf16 == 312e12  # the rest from the catalog


def test_grid_table_lists_every_phase(default_scenario):
    frame = forms.grid_frame(default_scenario.document())
    assert len(frame) == 6
    assert frame.iloc[0].tolist() == ["Tomakomai", "2026-10", "50 MW", "43 MW"]
    assert frame.iloc[3].tolist() == ["Sakai", "2026-10", "150 MW", "120 MW"]


def test_a_changed_phase_notes_the_phase_it_replaced(default_scenario):
    document = default_scenario.document()
    frame = forms.grid_frame(document)
    frame.loc[0, "Grid import"] = "80 MW"
    edits = forms.grid_edits(document, frame)
    assert [e.input for e in edits] == ["grid:Tomakomai"]
    ((path, phases),) = edits[0].changes
    assert path == ("sites", "Tomakomai", "grid_phases")
    assert phases[0]["grid_import"] == "80 MW" and phases[0]["it_capacity"] == "43 MW"
    assert phases[0]["source"].startswith(
        "set in the planner app, replacing start 2026-10, grid import 50 MW, it capacity 43 MW ("
    )
    assert phases[1:] == document["sites"]["Tomakomai"]["grid_phases"][1:]
    edited = apply_edits(default_scenario, edits, "test")
    assert edited.scenario.sites["Tomakomai"].grid_phases[0].grid_import == 80e6


def test_added_phases_are_put_in_date_order(default_scenario):
    document = default_scenario.document()
    frame = forms.grid_frame(document)
    frame.loc[len(frame)] = ["Sakai", "2027-04", "200 MW", "160 MW"]
    edits = forms.grid_edits(document, frame)
    ((_, phases),) = edits[0].changes
    assert [phase["start"] for phase in phases] == ["2026-10", "2027-04", "2028-04", "2030-04"]
    assert phases[1]["source"] == "added in the planner app"
    assert apply_edits(default_scenario, edits, "test").rejected == {}


def test_a_phase_without_a_site_is_a_problem_and_empty_rows_are_ignored(default_scenario):
    document = default_scenario.document()
    frame = forms.grid_frame(document)
    frame.loc[len(frame)] = [None, None, None, None]
    assert forms.grid_edits(document, frame) == []
    frame.loc[len(frame)] = [None, "2029-04", "60 MW", None]
    (problem,) = forms.grid_edits(document, frame)
    assert problem.problem.expected == "a site for every phase (Tomakomai, Sakai)"


def test_fiscal_year_money_edits(default_scenario):
    document = default_scenario.document()
    frame = forms.fiscal_year_frame(document)
    assert frame.values.tolist() == [["FY2026", "1e11 JPY", "", ""], ["FY2027", "3e11 JPY", "", ""]]  # no money by source
    assert forms.fiscal_year_edits(document, frame) == []
    frame.loc[0, "Money arriving"] = "1.5e11 JPY"
    edited = apply_edits(default_scenario, forms.fiscal_year_edits(document, frame), "test")
    assert edited.scenario.budget.by_fiscal_year() == {2026: 1.5e11, 2027: 3e11}


def test_money_by_source_is_edited_in_the_same_table():
    # the programme default gives its money by source: METI's public money and the operator's own
    programme = load_scenario()
    document = programme.document()
    frame = forms.fiscal_year_frame(document).set_index("Fiscal year")
    assert list(frame.columns) == ["Money arriving", "Public money", "Private money"]
    assert (frame["Money arriving"] == "").all()
    budget = programme.budget.by_source()
    assert frame.loc["FY2026"].tolist() == ["", "3e11 JPY", "3.333e11 JPY"]
    assert forms.fiscal_year_edits(document, frame.reset_index()) == []
    # FY2027's public money halved, and FY2030's private money removed
    frame.loc["FY2027", "Public money"] = "8.75e10 JPY"
    frame.loc["FY2030", "Private money"] = ""
    edits = forms.fiscal_year_edits(document, frame.reset_index())
    assert [edit.input for edit in edits] == ["money:public", "money:private"]
    edited = apply_edits(programme, edits, "test")
    assert edited.rejected == {}
    assert budget["public"][2027] == 1.75e11
    assert edited.scenario.budget.by_source()["public"] == {**budget["public"], 2027: 8.75e10}
    assert edited.scenario.budget.by_source()["private"] == {y: v for y, v in budget["private"].items() if y != 2030}
    assert edited.document["budget"]["public"]["FY2026"] == document["budget"]["public"]["FY2026"]  # as written


def test_public_money_needs_its_share(default_scenario):
    # the former default has no money by source: public money added without a public share is
    # refused, with the reason, and the plan keeps the scenario's money
    document = default_scenario.document()
    frame = forms.fiscal_year_frame(document)
    frame.loc[0, "Public money"] = "5e10 JPY"
    edited = apply_edits(default_scenario, forms.fiscal_year_edits(document, frame), "test")
    assert list(edited.rejected) == ["money:public"] and "public_share" in forms.message(edited.rejected["money:public"])
    assert edited.scenario.budget.by_source() == {}
    with_share = forms.field_edits(all_fields(), document, entered_as_shown(all_fields(), document) | {"budget.public_share": "0.5"})
    edited = apply_edits(default_scenario, [*with_share, *forms.fiscal_year_edits(document, frame)], "test")
    assert edited.rejected == {} and edited.scenario.budget.by_source()["public"] == {2026: 5e10}


def test_a_fiscal_year_given_twice_is_a_problem(default_scenario):
    document = default_scenario.document()
    frame = forms.fiscal_year_frame(document)
    frame.loc[1, "Fiscal year"] = "FY2026"
    (problem,) = forms.fiscal_year_edits(document, frame)
    assert problem.problem.found == "FY2026 given twice"


def test_messages_name_the_field_not_the_file(default_scenario):
    edited = apply_edits(
        default_scenario,
        forms.field_edits([forms.FIELDS["Money"][0]], default_scenario.document(), {"budget.total": "-5 JPY"}),
        "default_scenario.toml",
    )
    assert (
        forms.message(edited.rejected["budget.total"]) == "budget.total: expected a value more than 0 and at most 1e16 JPY, found '-5 JPY'"
    )

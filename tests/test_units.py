"""Quantities are read by a strict grammar (planner/inputs/units.py), never evaluated (issue 11).

pint's parser evaluates arithmetic: "(9**9**9) MW" hung every command and the app, and
"(2**100000) JPY" overflowed. Only a number and a unit of names, '*', '/' and one-digit
powers reach pint now; full-width text is read on purpose, control characters are refused.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from builders import old_default_with

from planner import DEFAULT_SCENARIO
from planner.app import forms
from planner.app.documents import typed
from planner.app.edits import apply_edits
from planner.inputs.calendar import parse_month
from planner.inputs.errors import InputError
from planner.inputs.units import parse_quantity, ureg

ARITHMETIC = ["(9**9**9) MW", "(2**100000) MW", "2**10 MW", "300 MW*2", "300 (MW)", "300 MW^99", "300 1e9*W"]


@pytest.mark.parametrize("text", ARITHMETIC)
def test_arithmetic_is_refused_before_pint_sees_it(monkeypatch, text):
    seen = []
    real = ureg.parse_units
    monkeypatch.setattr(ureg, "parse_units", lambda unit, *a, **k: seen.append(unit) or real(unit, *a, **k))
    with pytest.raises(InputError) as refused:
        parse_quantity(text, "W", "sites.Alpha.grid_phases[0].grid_import")
    assert refused.value.field == "sites.Alpha.grid_phases[0].grid_import"
    assert repr(text) in refused.value.found and "a power" in refused.value.expected
    assert set(seen) <= {"W"}  # the unit asked for, never the text


@pytest.mark.parametrize("text, watts", [
    ("300 MW", 300e6), ("0.3 GW", 300e6), ("300e6 W", 300e6), ("1 MW*h/h", 1e6), ("1 MW MW^-1 W", 1.0),
    ("300 kg*m^2/s^3", 300.0), ("300 kg*m**2*s**-3", 300.0),
])
def test_units_of_names_products_quotients_and_small_powers_read(text, watts):
    assert parse_quantity(text, "W", "f") == pytest.approx(watts)


def test_full_width_text_reads_as_its_ascii_form_in_quantities_and_months():
    # on purpose: a Japanese input method types full-width digits and letters (NFKC)
    assert parse_quantity("１５０ ＭＷ", "W", "f") == 150e6
    assert parse_quantity("１５０ JPY/USD", "JPY/USD", "f") == 150.0
    assert parse_month("２０２７-０４", "f") == parse_month("2027-04", "f")


def test_full_width_text_in_the_app_gives_the_scenario_the_ascii_text_gives():
    base = old_default_with()  # the app's forms edit one [workload]; the programme's runs are the views' table
    fields = [forms.OBJECTIVE, *(field for group in forms.FIELDS.values() for field in group)]
    shown = {field.input: forms.initial(field, base.document()) for field in fields}

    def typed(text):
        edited = apply_edits(base, forms.field_edits(fields, base.document(), {**shown, "budget.total": text}), "app")
        return edited.scenario.budget.total, edited.rejected

    assert typed("３e11 JPY") == typed("3e11 JPY") == (3e11, {})
    total, rejected = typed("(9**9**9) JPY")
    assert total == base.budget.total and "not a number followed by a unit" in rejected["budget.total"].found


@pytest.mark.parametrize("text, shown", [
    ("300\x00 MW", "U+0000"), ("300 MW\x1b[2J", "U+001B"), ("300 \u202eMW", "U+202E"), ("300 MW\ud800", "U+D800"),
])
def test_control_characters_are_refused_by_name(text, shown):
    with pytest.raises(InputError, match=re.escape(f"control character {shown}")):
        parse_quantity(text, "W", "f")


@pytest.mark.parametrize("text, why", [
    ("١٥٠ MW", "not a number followed by a unit"),  # Arabic-Indic digits: float() would read them
    ("1" * 101 + " MW", "more than the 100 a quantity may have"),
    ("1_000 MW", "no numbers or brackets"),  # float() would read the underscore
])
def test_other_numbers_python_would_read_are_refused(text, why):
    with pytest.raises(InputError, match=why):
        parse_quantity(text, "W", "f")


def test_a_unit_too_large_for_a_double_is_refused_as_not_finite():
    with pytest.raises(InputError, match="finite"):
        parse_quantity("1 YW^9*YW^9*YW^9*YW^9*YW^9/W^9/W^9/W^9/W^9/W^8", "W", "f")


def test_a_whole_number_too_large_for_a_double_is_refused():
    with pytest.raises(InputError, match="expected a plain number"):  # the app's typed() makes int("9" * 400)
        parse_quantity(int("9" * 400), "dimensionless", "workload.parameters")


# The issue's hangs, run as a user runs them: each must end, quickly, with one line and exit 2.
HANGS = {
    "validate": (["validate", "{scenario}"], "budget.total"),
    "plan --time-limit": (["plan", "--time-limit", "(2**100000) JPY"], "solver.time_limit"),
    "estimate --carbon-intensity": (
        ["estimate", "--params", "1e12", "--accelerator", "H100", "--count", "8", "--carbon-intensity", "(9**9**9) kg/kWh"],
        "--carbon-intensity",
    ),
    "sweep --vary": (["sweep", "--vary", "budget.total=(9**9**9) JPY..5e11 JPY:3", "--workers", "1"], "budget.total"),
}


@pytest.mark.parametrize("command", HANGS)
def test_the_issues_hanging_inputs_end_in_one_line(tmp_path, command):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(DEFAULT_SCENARIO.read_text(encoding="utf-8").replace('"2.667e12 JPY"', '"(9**9**9) JPY"', 1), encoding="utf-8")
    argv, field = HANGS[command]
    planner = Path(sys.executable).with_name("planner")
    done = subprocess.run([str(planner), *(a.format(scenario=scenario) for a in argv)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and field in done.stderr, done.stderr


def test_the_app_reads_a_typed_number_as_a_file_does():
    assert typed("１５０") == 150 and typed("0.38") == 0.38
    assert typed("١٥٠") == "١٥٠"  # left as text, which the field then refuses, as in a file
    with pytest.raises(InputError, match="not a number followed by a unit"):
        parse_quantity(typed("١٥٠"), "dimensionless", "f")

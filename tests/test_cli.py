"""The `planner` command: exit codes, JSON, and one clear message for every class of bad input."""

import json

import pytest
from builders import OLD_DEFAULT, scenario

from planner import DEFAULT_SCENARIO, load_scenario, make_plan
from planner.cli.main import main
from planner.cli.plan import describe
from planner.inputs.scenario import changed
from planner.inputs.sites import profile_dir

DEFAULT_TEXT = DEFAULT_SCENARIO.read_text(encoding="utf-8")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def write(tmp_path, text, name="scenario.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_json_has_the_promised_fields(capsys, default_plan):
    code, out, _ = run(capsys, "plan", "--json")
    assert code == 0
    result = json.loads(out)
    for key in ("status", "objective", "total_cost_jpy", "capex_jpy", "energy_cost_jpy", "energy_mwh", "co2_t",
                "finish_month", "required_flop", "delivered_flop", "accelerators", "peak_facility_mw",
                "grid_limit_mw", "solve_seconds"):
        assert key in result
    expected = default_plan.summary()
    assert result["total_cost_jpy"] == pytest.approx(expected["total_cost_jpy"], rel=1e-9)
    assert result["finish_month"] == expected["finish_month"]
    # the largest limit over the horizon (to March 2031): the profiles' last phases, and the
    # existing cluster's 22 MW
    assert result["grid_limit_mw"] == {"Tomakomai": 300.0, "Sakai": 400.0, "Existing": 22.0}


def test_plan_prints_a_readable_summary(capsys):
    code, out, _ = run(capsys, "plan")
    assert code == 0
    assert "training finishes" in out and "Tomakomai" in out and "JPY" in out


def test_init_writes_the_default_which_validates_and_plans_the_same(capsys, tmp_path, default_plan):
    path = tmp_path / "mine.toml"
    assert run(capsys, "init", path)[0] == 0
    assert "# " in path.read_text()  # comments kept for the user
    code, out, _ = run(capsys, "validate", path)
    assert code == 0 and "valid" in out
    mine = make_plan(load_scenario(path)).summary()
    assert mine["total_cost_jpy"] == pytest.approx(default_plan.summary()["total_cost_jpy"], rel=1e-9)
    code, _, err = run(capsys, "init", path)
    assert code == 2 and "--force" in err


def test_infeasible_scenario_exits_1_with_the_reason(capsys, tmp_path):
    path = write(tmp_path, DEFAULT_TEXT.replace('total = "2.667e12 JPY"', 'total = "1e9 JPY"'))
    code, out, _ = run(capsys, "plan", path)
    assert code == 1
    assert "infeasible" in out


BAD_INPUTS = {
    # class: (replace this, with that, words the message must contain)
    "malformed TOML": ('[horizon]', '[horizon', ["valid TOML", "syntax error"]),
    "missing field": ('horizon]\nstart = "2026-04"\n', "horizon]\n", ["horizon.start", "required"]),
    "unknown field": ("availability = { value = 0.75", "availabilty = { value = 0.75", ["runs.1T.availabilty", "unknown field"]),
    "wrong unit": ('total = "2.667e12 JPY"', 'total = "4e11 kg"', ["budget.total", "an amount of money", "'4e11 kg'", "a mass"]),
    "negative": ('total = "2.667e12 JPY"', 'total = "-4e11 JPY"', ["budget.total", "more than 0", "-4e11 JPY"]),
    "zero where impossible": ('exchange_rate = "150 JPY/USD"', 'exchange_rate = "0 JPY/USD"', ["exchange_rate", "at least 10 JPY/USD"]),
    "zero MFU": ("[accelerators.H100]", "[accelerators.H100]\nmfu = 0", ["accelerators.H100.mfu", "fraction", "0"]),
    "NaN": ('total = "2.667e12 JPY"', 'total = "nan JPY"', ["budget.total", "finite", "nan JPY"]),
    "unknown site": ('profile = "osaka_sakai"', 'profile = "osaka_sakia"', ["sites.Sakai.profile", "osaka_sakai", "'osaka_sakia'"]),
    "unknown accelerator": ("[accelerators.H100]", "[accelerators.H1000]", ["accelerators.H1000", "catalog", "H100"]),
    "deadline before start": ('deadline = { value = "2027-09"', 'deadline = { value = "2026-09"', ["runs.1T", "deadline", "2026-10", "2026-09"]),
    "phase outside horizon": (
        'profile = "osaka_sakai"',
        'profile = "osaka_sakai"\ngrid_phases = [{ start = "2032-04", grid_import = "150 MW", it_capacity = "120 MW" }]',
        ["sites.Sakai", "2032-04", "2031-03"],
    ),
    "month not a month": ('deadline = { value = "2027-09"', 'deadline = { value = "May 2027"', ["runs.1T.deadline", "YYYY-MM", "May 2027"]),
    "start outside horizon": ('earliest_start = { value = "2026-10"', 'earliest_start = { value = "2025-04"', ["earliest_start", "horizon", "2025-04"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_bad_input_exits_2_with_one_clear_message(capsys, tmp_path, case, command):
    old, new, words = BAD_INPUTS[case]
    assert old in DEFAULT_TEXT
    path = write(tmp_path, DEFAULT_TEXT.replace(old, new, 1))
    code, out, err = run(capsys, command, path)
    assert code == 2
    assert out == ""
    message = err.strip()
    assert message.count("\n") == 0, message
    assert str(path) in message
    for word in words:
        assert word in message, (word, message)


def test_missing_file_is_bad_input(capsys, tmp_path):
    code, _, err = run(capsys, "plan", tmp_path / "nope.toml")
    assert code == 2 and "nope.toml" in err


def test_wrong_unit_in_a_site_profile_names_the_profile_field(capsys, tmp_path):
    profile = (profile_dir() / "hokkaido_tomakomai.toml").read_text()
    write(tmp_path, profile.replace('grid_import = "50 MW"', 'grid_import = "300 kg"'), "tomakomai.toml")
    path = write(tmp_path, DEFAULT_TEXT.replace('profile = "hokkaido_tomakomai"', 'profile = "tomakomai.toml"'))
    code, _, err = run(capsys, "validate", path)
    assert code == 2
    assert "sites.Tomakomai.grid_phases[0].grid_import" in err and "a power" in err and "'300 kg'" in err


def test_plan_options_override_the_scenario(capsys):
    code, out, _ = run(capsys, "plan", "--objective", "compute", "--json")
    result = json.loads(out)
    assert code == 0 and result["objective"] == "compute"
    assert result["delivered_flop"] >= result["required_flop"]  # the default's budget buys a little more
    assert result["largest_model_parameters"] > 1e12
    code, _, err = run(capsys, "plan", "--time-limit", "10 kg")
    assert code == 2 and "solver.time_limit" in err and "a duration" in err


def test_infeasible_json_lists_relaxations(capsys, tmp_path):
    path = write(tmp_path, DEFAULT_TEXT.replace('total = "2.667e12 JPY"', 'total = "1e11 JPY"'))
    code, out, _ = run(capsys, "plan", path, "--json")
    result = json.loads(out)
    assert code == 1 and result["status"] == "infeasible"
    money = [r for r in result["relaxations"] if r["option"] == "more money"]
    assert money and all({"limit", "description", "amount", "unit"} <= set(r) for r in result["relaxations"])
    assert money[0]["unit"] == "JPY" and money[0]["amount"] > 0


def _prices(summary: dict, constraint: str) -> list[float]:
    return [row["shadow_price"] for row in summary["binding"] if row["constraint"] == constraint]


def test_integer_plan_shows_the_lp_relaxations_prices_and_says_so(capsys):
    # Whole servers used to show the duals of the LP with the fleet fixed: JPY 1.3e7 per 1e24 FLOP
    # against the LP's 3.9e9, and no binding fit-out limit. The prices shown now are the LP
    # relaxation's: those of the fractional plan, solved on its own. On the former default (one
    # run, tests/old_default.toml): the programme default's runs in order make every plan a MILP.
    default_plan = make_plan(load_scenario(OLD_DEFAULT))
    code, out, _ = run(capsys, "plan", OLD_DEFAULT, "--integer", "--json")
    whole, fractional = json.loads(out), default_plan.summary()
    assert code == 0 and whole["integer"] and whole["prices_from"] == "LP relaxation"
    assert fractional["prices_from"] == "this plan"
    for constraint in ("compute_requirement", "it_capacity", "delivery"):
        assert _prices(whole, constraint) == pytest.approx(_prices(fractional, constraint), rel=1e-6)
    # the relaxation's price, not the fixed fleet's: what 1.2e22 FLOP more (20.002 tokens per
    # parameter) adds to the economic cost, re-planned (JPY 915 mn per 1e24 FLOP on the default)
    # (the batch grows with the tokens so the step time, and a split run's efficiency, stay as they are: issue 15)
    more = make_plan(changed(load_scenario(OLD_DEFAULT), {"workload.tokens_per_parameter": 20.002,
                                                          "workload.batch_tokens": f"{16e6 * 1.0001} token"}),
                     explain_limits=False)
    slope = (more.economic_cost_jpy - default_plan.economic_cost_jpy) / (more.scenario.run.required_flop / 1e24 - 120)
    assert _prices(whole, "compute_requirement")[0] == pytest.approx(slope, rel=1e-4)
    code, out, _ = run(capsys, "plan", OLD_DEFAULT, "--integer")
    assert code == 0
    assert ("binding limits, and what one more unit of each is worth (LP relaxation: servers and racks in fractions, "
            "as a plan in whole units has no shadow prices of its own):") in out.splitlines()


def test_plan_text_says_how_many_binding_limits_it_leaves_out():
    # 10 deliveries a month bind in January to October, and the compute requirement: 11 limits, 10 shown
    plan = make_plan(scenario({"accelerators.X1.delivery_cap": "10 / month"}))
    assert len(plan.binding) == 11
    lines = describe(plan).splitlines()
    start = lines.index("binding limits, and what one more unit of each is worth:")
    shown = [line.rsplit(": ", 1)[0].strip() for line in lines[start + 1 : start + 11]]
    assert shown == ["training run: 1e+24 FLOP by 2027-12", *(f"X1 deliveries, 2027-{month:02}: 10 a month" for month in range(1, 10))]
    assert lines[start + 11] == "  ... and 1 more (see --json)"
    assert "X1 deliveries, 2027-10" not in "\n".join(lines)


# Escape sequences that set the terminal's title, clear its screen and hide what follows
TITLE, CLEAR, HIDE = "\x1b]0;pwned\x07", "\x1b[2J", "\x1b[8m"


def escaped_names(text: str = DEFAULT_TEXT) -> str:
    """The scenario named with a title escape and a screen clear, its Sakai site (the runs' anchor)
    with a hiding one."""
    text = text.replace('name = "Sovereign 1T', 'name = "\\u001b]0;pwned\\u0007\\u001b[2JSovereign 1T', 1)
    text = text.replace('anchor_site = "Sakai"', 'anchor_site = "Sakai\\u001b[8m"')
    return text.replace("[sites.Sakai]", '[sites."Sakai\\u001b[8m"]')


def test_names_holding_terminal_escapes_are_printed_visibly(capsys, tmp_path):
    path = write(tmp_path, escaped_names())
    infeasible = write(tmp_path, escaped_names(DEFAULT_TEXT.replace('total = "2.667e12 JPY"', 'total = "1e11 JPY"')), "poor.toml")
    outputs = {
        "validate": run(capsys, "validate", path),
        "plan": run(capsys, "plan", path),
        "infeasible plan": run(capsys, "plan", infeasible),
        "sweep": run(capsys, "sweep", "--vary", f"name={CLEAR}wiped,plain", "--workers", "1"),
    }
    assert {command: code for command, (code, _, _) in outputs.items()} == {
        "validate": 0, "plan": 0, "infeasible plan": 1, "sweep": 0
    }
    for command, (_, out, err) in outputs.items():
        assert not [char for char in out + err if char in "\x1b\x07"], command
    assert outputs["validate"][1].startswith(f"{path}: valid. \\x1b]0;pwned\\x07\\x1b[2JSovereign 1T programme")
    assert "\nSakai\\x1b[8m: peak " in outputs["plan"][1]
    assert "Sakai\\x1b[8m" in outputs["infeasible plan"][1]
    assert "\\x1b[2Jwiped" in outputs["sweep"][1]


def test_errors_quoting_escapes_and_line_breaks_stay_one_visible_line(capsys, tmp_path):
    text = escaped_names().replace('profile = "osaka_sakai"', 'profile = "osaka\\nsakai"')
    code, out, err = run(capsys, "validate", write(tmp_path, text))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {tmp_path / 'scenario.toml'}: field 'sites.Sakai\\x1b[8m.profile': expected a site profile name "
        "(hokkaido_tomakomai, osaka_sakai, softbank_existing) or the path of a profile .toml file, found 'osaka\\nsakai'\n"
    )
    code, _, err = run(capsys, "validate", tmp_path / f"{TITLE}.toml")
    assert code == 2 and err.startswith(f"error: {tmp_path}/\\x1b]0;pwned\\x07.toml: expected a readable TOML file")
    with pytest.raises(SystemExit) as usage:
        main(["validate", "scenario.toml", CLEAR])
    assert usage.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == "planner: error: unrecognized arguments: \\x1b[2J"

"""The app against hostile use: any file name, files too large or of the wrong kind, crafted table
editor messages, sweeps too large to run in the server, and a server that listens on this
machine only. Nothing may raise; each case says what is wrong on the page."""

import tomllib
import urllib.parse
from pathlib import Path

import pytest
from browser import ROOT, served_app
from test_app import assert_shows, engine, errors, opened, seed_table, started, text_box, upload_small
from test_app_sweeps import RANGES

from planner import load_scenario
from planner.app.documents import scenario_toml
from planner.exchange.export import workbook_bytes
from planner.inputs.fields import MAX_INPUT_BYTES
from planner.inputs.scenario import edit

LATER = {"runs.1T.deadline": "2027-07"}  # the default's 1T run due two months earlier
PASSWD = b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"


def later_toml() -> bytes:
    return scenario_toml(edit(load_scenario().document(), LATER)).encode()


def upload(at, name: str, content: bytes) -> None:
    at.file_uploader[0].set_value((name, content, "application/octet-stream")).run()
    assert not at.exception


def main_errors(at) -> list[str]:
    return [error.value for error in at.main.error]


@pytest.mark.parametrize("name", ["plan.xlsx", "../../etc/passwd"])
def test_any_file_name_is_read_by_what_the_file_holds(name):
    at = started()
    upload(at, name, later_toml())
    assert_shows(at, engine(LATER))
    shown = Path(name).name  # never the path the browser claimed
    assert any(caption.value.startswith(f"{load_scenario().name} ({shown})") for caption in at.caption)

    upload(at, name, workbook_bytes(engine({"runs.1T.deadline": "2027-06"})))  # a planning workbook, any name
    assert_shows(at, engine({"runs.1T.deadline": "2027-06"}))


def test_a_file_neither_toml_nor_a_workbook_is_named_with_its_reason(default_plan):
    at = started()
    upload(at, "../../etc/passwd", PASSWD)
    message = "passwd was not loaded: expected valid TOML, found a syntax error"
    assert [e for e in main_errors(at) if e.startswith(message)], main_errors(at)
    assert [e.value for e in at.sidebar.error if e.value.startswith(message)]
    assert all("etc" not in e for e in errors(at))
    assert_shows(at, default_plan)


def test_a_bad_upload_after_a_good_one_keeps_the_good_one():
    at = started()
    upload(at, "later.toml", later_toml())
    assert_shows(at, engine(LATER))
    upload(at, "plan.xlsx", PASSWD)
    (message,) = main_errors(at)  # on the page itself, not only in the sidebar
    assert message.startswith("plan.xlsx was not loaded: expected valid TOML, found a syntax error")
    assert message.endswith("Still planning later.toml, the last file that loaded.")
    assert_shows(at, engine(LATER))
    runs = next(tab for tab in at.tabs if tab.label == "Workloads").dataframe[0].value.set_index("Run")
    assert runs.at["1T", "Deadline"] == "2027-07"

    upload(at, "later.toml", later_toml())  # the good file again: no message left over
    assert main_errors(at) == []
    at.file_uploader[0].set_value(None).run()  # removed: the default again, not the last good file
    assert_shows(at, engine())


def test_an_upload_past_the_limit_is_refused_by_the_server_side_check(default_plan):
    at = started()
    upload(at, "big.toml", b"#" * (60 * 2**20))  # 60 MB: the browser's limit is not the only one
    message = f"big.toml was not loaded: expected a file of at most {MAX_INPUT_BYTES} bytes, found 62,914,560 bytes"
    assert [e for e in main_errors(at) if e.startswith(message)], main_errors(at)
    assert_shows(at, default_plan)


def test_unticking_every_accelerator_says_one_is_needed():
    at = started()
    seed_table(at, "accelerators", {row: {"Allowed": False} for row in range(9)})  # the catalog's nine
    at.run()
    assert not at.exception
    # the default's runs name B200 and H100 (390B), GB300 and VR200 (1T): those four stay, each saying why
    lines = [line for error in errors(at) for line in error.split("\n\n")]
    for run, types in (("390B", "['B200', 'H100']"), ("1T", "['GB300', 'VR200']")):
        said = [line for line in lines if line.startswith(f"expected runs.{run}.accelerators to list accelerators of the "
                                                          "scenario") and line.endswith(f"found {types}")]
        assert len(said) == 2, lines  # one for each of its two types
    assert at.warning[0].value.startswith("4 inputs not used")

    upload_small(at, {})  # one type, X1, after the catalog's nine, and a run that names none
    seed_table(at, "accelerators", {9: {"Allowed": False}})
    at.run()
    assert not at.exception
    assert "expected at least one accelerator under [accelerators], found none" in errors(at)
    assert at.warning[0].value.startswith("1 input not used")


@pytest.mark.parametrize(
    "table, state, message",
    [
        ("accelerators", {"edited_rows": {11: {"Allowed": False}}}, "an edit named row 11, and the table has 9 rows (0 to 8)"),
        ("accelerators", {"edited_rows": {-1: {"Allowed": False}}}, "an edit named row -1, and the table has 9 rows"),
        ("accelerators", {"edited_rows": {0: {"Nope": True}}}, "an edit to row 0 named a column that cannot change ('Nope')"),
        ("accelerators", {"edited_rows": {6: {"_index": "GB999"}}}, "an edit to row 6 named a column that cannot change"),
        ("sites", {"edited_rows": {0: {"Description": "renamed"}}}, "an edit to row 0 named a column that cannot change"),
        ("sites", {"deleted_rows": [0]}, "rows were added or deleted, and this table's rows are fixed"),
        ("grid", {"deleted_rows": [99]}, "a deletion named a row the table does not have (it has 7 rows)"),
        ("grid", {"added_rows": [{"Site": "Sakai"}] * 101}, "101 rows were added at once, at most 100 may be"),
        ("fiscal_years", {"added_rows": [{"Year": "FY2030"}]}, "an added row named a column the table does not have"),
        ("fiscal_years", {"edited_rows": [1, 2]}, "the edits came in a form the table does not take"),
    ],
    ids=["row 11 of 9", "row -1", "unknown column", "index renamed", "read-only column", "fixed rows deleted",
         "deletion out of range", "too many rows added", "added row's column", "not a mapping"],
)
def test_a_crafted_editor_message_is_dropped_with_a_message(default_plan, table, state, message):
    at = started()
    at.session_state[f"in:{table}"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [], **state}
    at.run()
    assert not at.exception
    assert f"The edits to this table were dropped: {message}" in "\n".join(errors(at)), errors(at)
    assert_shows(at, default_plan)


def runs(at) -> dict:
    return {button.key: button for button in at.button if str(button.key).startswith("sweep:")}


def test_a_range_of_99999999999999_steps_is_refused_before_anything_is_made():
    at = started()
    opened(at, "Sweeps")
    at.text_area(key=RANGES).input("budget.total=3e11 JPY..5e11 JPY:99999999999999").run()
    assert not at.exception
    expected = "Line 1: budget.total: expected a whole number of steps from 2 to 10,000 after ':'"
    assert any(e.startswith(expected) for e in errors(at)), errors(at)
    assert runs(at)["sweep:distribution:run"].disabled and runs(at)["sweep:tornado:run"].disabled


def test_sweeps_larger_than_the_apps_cap_do_not_run():
    """8,000 steps read as a range (at most 10,000), but are more plans than the app runs (5,000).
    200,000 steps are refused as a range (test above)."""
    at = started()
    opened(at, "Sweeps")
    at.text_area(key=RANGES).input("budget.total=3e11 JPY..5e11 JPY:8000").run()
    text_box(at, "Budgets").input("2e11 JPY..8e11 JPY:8000").run()
    assert not at.exception
    too_many = "budget.total: expected at most 5,000 values, found 8,000 values in"
    assert any(e.startswith(f"Line 1: {too_many} '3e11 JPY..5e11 JPY:8000'") for e in errors(at)), errors(at)
    assert f"{too_many} '2e11 JPY..8e11 JPY:8000'" in errors(at)  # the Pareto front's budgets
    assert all(runs(at)[f"sweep:{kind}:run"].disabled for kind in ("distribution", "tornado", "pareto"))

    at.text_area(key=RANGES).input("budget.total=3e11 JPY..5e11 JPY:2\nexchange_rate=uniform(140 JPY/USD, 160 JPY/USD)")
    at.number_input(key="in:sweep_samples").set_value(2_501).run()  # 2 x 2,501 = 5,002 plans
    assert "5,002 plans are more than the app runs at once (at most 5,000)" in "\n".join(errors(at))
    assert runs(at)["sweep:distribution:run"].disabled
    assert not runs(at)["sweep:tornado:run"].disabled  # 1 + 2 + 3 plans
    at.number_input(key="in:sweep_samples").set_value(2_500).run()  # 5,000: the cap itself runs
    assert not runs(at)["sweep:distribution:run"].disabled
    assert not any("plans are more than" in e for e in errors(at))


def config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_the_server_listens_on_this_machine_and_caps_uploads():
    server = config()["server"]
    assert server["address"] == "127.0.0.1"
    assert server["maxUploadSize"] == MAX_INPUT_BYTES / 2**20 == 1  # MB, as Streamlit counts them


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1 as /proc/net/tcp* write them


def listening(port: int) -> set[str]:
    """The local addresses listening on `port`, as Linux's /proc/net/tcp and tcp6 write them."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc/net/tcp")
def test_streamlit_run_listens_on_localhost_only():
    assert config()["server"]["address"] == "127.0.0.1"  # checked first: the server started here binds nothing else
    with served_app(timeout=90, address_flag=False) as url:
        port = urllib.parse.urlsplit(url).port
        addresses = listening(port)
    assert addresses and addresses <= LOOPBACK, addresses

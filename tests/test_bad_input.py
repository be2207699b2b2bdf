"""Bad input, case by case, from the corpus in tests/corpus/ (its README says how to add cases).

Every case must make `planner validate` and `planner plan` exit 2 with one line naming the file
and the field, what was expected and what was found: never a traceback, never a plan. In the
app, the message shows beside the plan the app keeps showing, and nothing is raised.
"""

from __future__ import annotations

import os
import signal
import tomllib
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from test_app import assert_shows, errors, started, text_box
from test_cli import run
from test_workbook_import import edited as with_cells

from planner import DEFAULT_SCENARIO, load_scenario, make_plan
from planner.app.documents import upload_name
from planner.exchange.export import workbook_bytes
from planner.inputs.catalog import CATALOG_FILE
from planner.inputs.fields import MAX_INPUT_BYTES
from planner.inputs.sites import profile_dir

CORPUS = Path(__file__).parent / "corpus"
PROFILE = profile_dir() / "hokkaido_tomakomai.toml"

# target: (the file its cases edit, the edited copy's name beside the scenario, and the change
# to the default scenario that makes it use the copy)
TARGETS = {
    "scenario": (DEFAULT_SCENARIO, "scenario.toml", None),
    "profile": (PROFILE, "tomakomai.toml", ('profile = "hokkaido_tomakomai"', 'profile = "tomakomai.toml"')),
    "catalog": (CATALOG_FILE, "catalog.toml", ('objective = "cost"', 'objective = "cost"\ncatalog = "catalog.toml"')),
    "cli": (None, None, None),  # the default scenario as it is; the case's `args` are the bad input
    "workbook": (None, "plan.xlsx", None),  # the default plan's workbook, its Inputs cells edited
}
COMMANDS = {"cli": ["plan"], "workbook": ["plan"]}  # only `plan` takes options and workbooks

# whole-file contents a case may ask for by name
CONTENTS = {
    "empty": b"",
    "comments only": b"# nothing here but a comment\n",
    "binary": bytes(range(256)) * 16,
    "too large": b"# a valid comment, repeated past the size limit\n" * (MAX_INPUT_BYTES // 40),
    "deeply nested": b"x = " + b"[" * 100_000 + b"]" * 100_000,
    "default scenario": DEFAULT_SCENARIO.read_bytes(),
    "passwd": b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
    "broken zip": b"PK\x03\x04" + bytes(range(256)) * 4,  # begins like an .xlsx, is none
    "60 MB": b"#" * (60 << 20),
}


@cache
def default_workbook() -> bytes:
    return workbook_bytes(make_plan(load_scenario()))


def corpus():
    for path in sorted(CORPUS.glob("*.toml")):
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        if table["target"] == "app":  # tested on screen, below
            continue
        for case in table["case"]:
            for command in COMMANDS.get(table["target"], ["validate", "plan"]):
                yield pytest.param(table["target"], case, command, id=f"{path.stem}: {case['id']}: {command}")


def edited(original: Path, case: dict, outside: Path) -> bytes:
    """The file a case describes: a named content, or the original with its replacements and cut.
    "{outside}" in a replacement stands for the folder holding valid files out of the scenario's reach."""
    if "content" in case:
        return CONTENTS[case["content"]]
    text = original.read_text(encoding="utf-8")
    pairs = case.get("replace", [])
    for old, new in [pairs] if pairs and isinstance(pairs[0], str) else pairs:
        assert old in text, f"the case's text to replace is not in {original.name}: {old!r}"
        text = text.replace(old, new.replace("{outside}", str(outside)), 1)
    if "cut_from" in case:
        assert case["cut_from"] in text, f"the case's cut is not in {original.name}: {case['cut_from']!r}"
        text = text[: text.index(case["cut_from"])]
    return text.encode(case.get("encoding", "utf-8"))


def make_files(target: str, case: dict, tmp_path: Path) -> dict[str, Path]:
    """Write the case's files; valid copies of a profile and the catalog wait one folder up, for
    the cases that try to reach outside the scenario's folder."""
    (tmp_path / "outside.toml").write_bytes(PROFILE.read_bytes())
    (tmp_path / "outside_catalog.toml").write_bytes(CATALOG_FILE.read_bytes())
    folder = tmp_path / "case"
    folder.mkdir()
    original, name, use_copy = TARGETS[target]
    files = {"scenario": folder / "scenario.toml"}
    if target == "workbook":
        files[target] = folder / name
        bad = CONTENTS[case["content"]] if "content" in case else with_cells(default_workbook(), case.get("cells", {}))
        files[target].write_bytes(bad)
    elif target != "scenario":
        scenario = DEFAULT_SCENARIO.read_text(encoding="utf-8")
        if use_copy:
            files[target] = folder / name
            files[target].write_bytes(edited(original, case, tmp_path))
            assert use_copy[0] in scenario
            scenario = scenario.replace(*use_copy, 1)
        files["scenario"].write_text(scenario, encoding="utf-8")
    else:
        files["scenario"].write_bytes(edited(original, case, tmp_path))
    if "special" in case:
        make_special(files[target], case["special"])
    return files


def make_special(path: Path, kind: str) -> None:
    """A named pipe ("fifo"), a folder, or a link to a device ("/dev/zero") where the file was."""
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to(kind)


@contextmanager
def hang_fails(seconds: int = 60):
    """A read that blocks (a named pipe without a writer) fails the test instead of hanging it."""

    def fail(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("target, case, command", list(corpus()))
def test_bad_input_is_refused_with_one_clear_line(capsys, tmp_path, target, case, command):
    assert target in TARGETS, f"no way to build inputs for target {target!r}: add it to TARGETS"
    files = make_files(target, case, tmp_path)
    expect = list(case["expect"])
    if "expect_line_of" in case:  # a syntax error is reported at the line of this text in the bad file
        text = files[case.get("in_file", "scenario")].read_text(encoding="utf-8")
        assert text.count(case["expect_line_of"]) == 1, "expect_line_of must name a unique text"
        expect.append(f"at line {text[: text.index(case['expect_line_of'])].count(chr(10)) + 1},")
    with hang_fails():
        if target == "workbook":
            code, out, err = run(capsys, command, "--from-workbook", files["workbook"])
        else:
            code, out, err = run(capsys, command, files["scenario"], *case.get("args", []))
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    message = lines[0]
    assert message.startswith("error: ")
    named = "command line" if target == "cli" else str(files[case.get("in_file", "scenario")])
    assert f"{named}: " in message, message
    if case["field"]:  # a workbook's field comes with its cell: "Inputs!B17 (budget.total)"
        named_field = f"({case['field']})'" if target == "workbook" else f"field '{case['field']}'"
        assert named_field in message, message
    for word in expect:
        assert word in message, (word, message)


def app_corpus():
    cases = tomllib.loads((CORPUS / "app.toml").read_text(encoding="utf-8"))["case"]
    return [pytest.param(case, id=f"app: {case['id']}") for case in cases]


@pytest.mark.parametrize("case", app_corpus())
def test_bad_input_in_the_app_is_shown_beside_the_plan(tmp_path, default_plan, case):
    at = started()
    if case.get("upload"):
        content, name = edited(DEFAULT_SCENARIO, case, tmp_path), case.get("name", "mine.toml")
        at.file_uploader[0].set_value((name, content, "application/toml")).run()
        prefix = f"{upload_name(name)} was not loaded: "
    elif "editor" in case:  # a table editor's state as a crafted browser message sends it
        table = case["editor"]
        parts = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
        at.session_state[f"in:{table['table']}"] = {part: table.get(part, empty) for part, empty in parts.items()}
        at.run()
        prefix = "The edits to this table were dropped: "
    elif "cell" in case:  # one cell of a table typed over, as the browser sends it
        cell = case["cell"]
        edit = {"edited_rows": {cell["row"]: {cell["column"]: cell["value"]}}, "added_rows": [], "deleted_rows": []}
        at.session_state[f"in:{cell['table']}"] = edit
        at.run()
        prefix = ""
    else:
        text_box(at, case["input"]["label"]).input(case["input"]["value"]).run()
        prefix = ""
    assert not at.exception
    prefix += f"{case['field']}: " if case["field"] else ""
    shown = [message for message in errors(at) if message.startswith(prefix)]
    assert any(all(word in message for word in case["expect"]) for message in shown), errors(at)
    assert_shows(at, default_plan)


def test_the_corpus_covers_every_input_file_and_is_large():
    cases = {path.stem: tomllib.loads(path.read_text(encoding="utf-8"))["case"] for path in CORPUS.glob("*.toml")}
    assert {"scenario", "profile", "catalog", "cli", "workbook", "app"} <= set(cases)
    assert sum(map(len, cases.values())) >= 100
    for name, table in cases.items():
        ids = [case["id"] for case in table]
        assert len(ids) == len(set(ids)), f"{name}: case ids repeat"

"""Files from users: references stay inside the allowed folders, reads are size-limited, and no
user data reaches eval, exec, pickle or a shell. (Refused '..' and absolute paths, and files
that are empty, binary or too large, are cases of the bad-input corpus.)"""

from __future__ import annotations

import ast
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import OLD_DEFAULT
from test_cli import run

from planner import DEFAULT_SCENARIO, InputError, load_scenario
from planner.app.documents import read_upload
from planner.inputs.catalog import CATALOG_FILE
from planner.inputs.fields import MAX_INPUT_BYTES, read_toml
from planner.inputs.files import read_file
from planner.inputs.sites import profile_dir

DEFAULT_TEXT = DEFAULT_SCENARIO.read_text(encoding="utf-8")
TOMAKOMAI = profile_dir() / "hokkaido_tomakomai.toml"
PACKAGE = Path(__file__).parent.parent / "planner"


def scenario_using(folder: Path, profile: str | None = None, catalog: str | None = None) -> Path:
    text = DEFAULT_TEXT
    if profile is not None:
        text = text.replace('profile = "hokkaido_tomakomai"', f'profile = "{profile}"')
    if catalog is not None:
        text = text.replace('objective = "cost"', f'objective = "cost"\ncatalog = "{catalog}"')
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_profiles_and_catalogs_in_the_scenario_folder_and_below_are_read(tmp_path):
    (tmp_path / "sites").mkdir()
    shutil.copy(TOMAKOMAI, tmp_path / "sites" / "mine.toml")
    text = CATALOG_FILE.read_text(encoding="utf-8").replace('value = "50000 USD"', 'value = "40000 USD"')
    (tmp_path / "my_catalog.toml").write_text(text, encoding="utf-8")
    # "sites/../sites/mine.toml" goes up and back down: still inside
    scenario = load_scenario(scenario_using(tmp_path, "sites/../sites/mine.toml", "my_catalog.toml"))
    assert scenario.sites["Tomakomai"].grid_phases[0].grid_import == 50e6
    assert scenario.accelerators["H100"].capex == 40000 * 150


def test_a_shipped_profile_may_be_named_by_its_path(tmp_path):
    relative = Path(os.path.relpath(TOMAKOMAI, tmp_path))  # ../../.../site_profiles/...
    scenario = load_scenario(scenario_using(tmp_path, relative.as_posix()))
    assert scenario.sites["Tomakomai"].grid_phases[0].grid_import == 50e6


@pytest.mark.parametrize("kind", ["profile", "catalog"])
def test_a_link_out_of_the_scenario_folder_is_refused(tmp_path, kind):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    target = outside / "secret.toml"
    shutil.copy(TOMAKOMAI if kind == "profile" else CATALOG_FILE, target)
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "linked.toml").symlink_to(target)
    path = scenario_using(folder, **{kind: "linked.toml"})
    with pytest.raises(InputError) as refused:
        load_scenario(path)
    field = "sites.Tomakomai.profile" if kind == "profile" else "catalog"
    assert refused.value.field == field
    assert "'linked.toml', which is outside" in refused.value.found


def test_a_read_stops_at_the_size_limit(tmp_path):
    # a sparse file of 1 TiB: reading it whole would exhaust memory, so the read must stop
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as file:
        file.truncate(2**40)
    assert len(read_file(huge, 10, "a readable test file")) == 11
    with pytest.raises(InputError) as refused:
        read_toml(huge, "sites.Sakai.profile")
    assert refused.value.field == "sites.Sakai.profile"
    assert f"at most {MAX_INPUT_BYTES} bytes" in refused.value.expected
    just_fits = tmp_path / "big.toml"
    just_fits.write_bytes(b"#" * (MAX_INPUT_BYTES - 1) + b"\n")
    assert read_toml(just_fits) == {}


def test_an_edited_user_catalog_is_read_again(tmp_path):
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(CATALOG_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    path = scenario_using(tmp_path, catalog="catalog.toml")
    assert load_scenario(path).accelerators["H100"].capex == 50000 * 150
    catalog.write_text(catalog.read_text().replace('value = "50000 USD"', 'value = "45000 USD"'), encoding="utf-8")
    assert load_scenario(path).accelerators["H100"].capex == 45000 * 150


# Calls and imports through which text could run as code, or objects be unpickled
BUILTINS = {"eval", "exec", "compile", "__import__"}
METHODS = {"system", "popen", "eval", "query", "read_pickle", "load_module"}  # os.system, DataFrame.query, ...
MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "yaml", "jsonpickle"}


def forbidden_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in BUILTINS:
                found.append(f"{where} calls {node.func.id}")
            if isinstance(node.func, ast.Attribute) and node.func.attr in METHODS:
                found.append(f"{where} calls .{node.func.attr}")
            if any(keyword.arg == "shell" for keyword in node.keywords):
                found.append(f"{where} runs a shell")
        elif isinstance(node, ast.Import):
            found += [f"{where} imports {a.name}" for a in node.names if a.name.split(".")[0] in MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in MODULES:
            found.append(f"{where} imports {node.module}")
    return found


def test_no_user_data_reaches_eval_exec_pickle_or_a_shell():
    sources = sorted(PACKAGE.rglob("*.py")) + sorted(PACKAGE.parent.glob("streamlit_app.py"))
    assert len(sources) > 10
    assert [use for source in sources for use in forbidden_uses(source)] == []


def test_the_guard_sees_what_it_forbids(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import pickle\nimport subprocess\nfrom yaml import load\n"
        "eval(text)\nsubprocess.run(text, shell=True)\nframe.query(text)\nos.system(text)\nre.compile(text)\n",
        encoding="utf-8",
    )
    assert len(forbidden_uses(bad)) == 6


def test_an_upload_names_shipped_profiles_only():
    # an upload has no folder: a path to any other file on the server is refused, even one that exists
    text = DEFAULT_TEXT.replace('profile = "hokkaido_tomakomai"', 'profile = "pyproject.toml"')
    with pytest.raises(InputError) as refused:
        read_upload(text.encode(), "mine.toml")
    assert refused.value.field == "sites.Tomakomai.profile" and "which is outside" in refused.value.found
    catalog = DEFAULT_TEXT.replace('objective = "cost"', 'objective = "cost"\ncatalog = "accelerators.toml"')
    with pytest.raises(InputError) as refused:
        read_upload(catalog.encode(), "mine.toml")
    assert refused.value.field == "catalog" and "an uploaded scenario cannot name files" in refused.value.expected
    assert read_upload(DEFAULT_TEXT.encode(), "mine.toml").sites["Tomakomai"].grid_phases[0].grid_import == 50e6


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_given_as_a_workbook_is_refused_unread(capsys, device):
    code, out, err = run(capsys, "plan", "--from-workbook", device)
    assert (code, out) == (2, "")
    assert err == f"error: {device}: expected a readable workbook file, a regular file, found {device}, a character device\n"


# --- outputs: written whole or not at all, checked before the work ------------------------------

SWEEP = ["sweep", "--vary", "budget.total=3e11 JPY..5e11 JPY:2", "--workers", "1"]
OUTPUTS = {  # command line before --out, and a file name it writes
    "plan workbook": (["plan"], "plan.xlsx"),
    "plan tables": (["plan"], "plan.zip"),
    "sweep table": (SWEEP, "sweep.csv"),
    "sweep workbook": (SWEEP, "sweep.xlsx"),
}


def failing_fsync(error: BaseException):
    def fsync(descriptor):
        raise error

    return fsync


@pytest.mark.parametrize("output", OUTPUTS)
def test_a_full_disk_keeps_the_old_file_and_leaves_no_partial_one(capsys, tmp_path, monkeypatch, output):
    argv, name = OUTPUTS[output]
    out = tmp_path / name
    out.write_bytes(b"the file of an earlier run")
    monkeypatch.setattr(os, "fsync", failing_fsync(OSError(errno.ENOSPC, "No space left on device")))
    code, _, err = run(capsys, *argv, "--out", out)
    assert code == 2
    assert err == f"error: field '--out': expected a writable path, found {out} (No space left on device)\n"
    assert out.read_bytes() == b"the file of an earlier run"
    assert list(tmp_path.iterdir()) == [out]  # the temporary file is gone


@pytest.mark.parametrize("output", OUTPUTS)
def test_ctrl_c_while_writing_exits_130_and_leaves_no_file(capsys, tmp_path, monkeypatch, output):
    argv, name = OUTPUTS[output]
    monkeypatch.setattr(os, "fsync", failing_fsync(KeyboardInterrupt()))
    code, _, err = run(capsys, *argv, "--out", tmp_path / name)
    assert (code, err) == (130, "interrupted\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize(
    "where, found",
    [
        ("missing/{name}", "(No such file or directory)"),
        ("a_file/{name}", "(Not a directory)"),
        ("{name}", ", a folder"),
    ],
)
def test_an_unwritable_out_fails_before_the_work(capsys, tmp_path, monkeypatch, output, where, found):
    argv, name = OUTPUTS[output]
    (tmp_path / "a_file").write_text("a regular file, not a folder")
    (tmp_path / name).mkdir()
    out = tmp_path / where.format(name=name)

    def no_work(*args, **kwargs):
        raise AssertionError("planned before the output was checked")

    monkeypatch.setattr("planner.cli.plan.verified_plan", no_work)
    monkeypatch.setattr("planner.cli.sweep.sweep", no_work)
    code, stdout, err = run(capsys, *argv, "--out", out)
    assert (code, stdout) == (2, "")
    assert err.startswith("error: field '--out': expected ") and err.endswith(f"found {out} {found}\n".replace(" ,", ","))


def test_ctrl_c_during_a_sweep_exits_130_with_one_line(tmp_path):
    out = tmp_path / "sweep.xlsx"
    # The sweep stops once the chunks running finish: 40 variants on 2 workers make chunks of 5
    # (40 / (4 x 2)), of the former default, a second or two a variant. 400 variants of the programme
    # default made chunks of 25 plans (MAX_CHUNK) of a few seconds each, past the 60 s waited here.
    argv = ["sweep", str(OLD_DEFAULT), "--vary", "budget.total=3e11 JPY..5e11 JPY:40", "--workers", "2", "--out", str(out)]
    # a session of its own, so the signal can go to the whole group, as Ctrl-C in a terminal does
    sweep = subprocess.Popen([sys.executable, "-m", "planner.cli", *argv], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        children = Path(f"/proc/{sweep.pid}/task/{sweep.pid}/children")
        deadline = time.monotonic() + 60
        # as soon as the pool starts its first worker: Ctrl-C there once left the pool half-built
        while not children.read_text().split() and sweep.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        assert sweep.poll() is None, sweep.communicate()
        os.killpg(sweep.pid, signal.SIGINT)
        _, stderr = sweep.communicate(timeout=60)
    finally:
        if sweep.poll() is None:
            os.killpg(sweep.pid, signal.SIGKILL)
    assert (sweep.returncode, stderr) == (130, "interrupted\n")
    assert list(tmp_path.iterdir()) == []

"""Every `planner ...` line in the code blocks of README.md and docs/*.md runs as written, in
that order, in one scratch folder (so `planner init my_scenario.toml` makes the file the next
lines use), through the installed `planner` script beside this Python, nothing activated."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PLANNER = Path(sys.executable).parent / "planner"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
# A cluster's address and "..." stand for what the reader fills in: the line is a template
NEEDS_A_CLUSTER = "planner sweep ... --scheduler tcp://scheduler:8786"
# Sweeps and hedges run with fewer plans: the counts only set how long they take, and on the
# programme default a plan takes seconds (an earliest finish, each point of a Pareto front, 40 s)
SAMPLES = "2"  # Monte Carlo samples and hedge draws
POINTS = 2  # points of a grid range ("...:7") and of a Pareto front
COUNT = re.compile(r":\d+$")


def documented_commands() -> list[tuple[str, str]]:
    """(document, command line) for each `planner` line of a code block, continuations joined."""
    commands = []
    for document in DOCUMENTS:
        for block in FENCE.findall(document.read_text(encoding="utf-8")):
            for line in block.replace("\\\n", " ").splitlines():
                if line.strip().startswith("planner ") and NEEDS_A_CLUSTER not in line:
                    commands.append((document.relative_to(ROOT).as_posix(), line.strip()))
    return commands


def as_run(line: str) -> list[str]:
    """The line's words, with fewer samples, draws and range points than written."""
    words = shlex.split(line, comments=True)
    for i, flag in enumerate(words[:-1]):
        if flag in ("--samples", "--draws"):
            words[i + 1] = SAMPLES
    return [str(PLANNER), *(COUNT.sub(f":{POINTS}", word) if ".." in word else word for word in words[1:])]


def test_the_documents_name_the_commands_this_test_must_cover():
    lines = [line for _, line in documented_commands()]
    assert 'planner sweep --pareto "-50%..+100%:7"' in lines  # exited 2, the flag unread
    assert "planner init my_scenario.toml       # the default scenario, with comments, to edit" in lines
    assert any(line.startswith("planner plan --from-workbook plan.xlsx") for line in lines)
    assert sum(document == "docs/sweeps.md" for document, _ in documented_commands()) == 4


def test_every_documented_command_runs_as_written(tmp_path):
    assert PLANNER.is_file(), f"{PLANNER} is missing: install the project (pip install -e .)"
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != PLANNER.parent)
    failures = []
    for document, line in documented_commands():
        done = subprocess.run(as_run(line), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            failures.append(f"{document}: `{line}` exited {done.returncode}: {done.stderr.strip()[-300:]}")
    assert failures == []

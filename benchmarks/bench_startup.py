"""How long each `planner` command takes as a whole process, beside importing its libraries.

Run from the repository root:  python -m benchmarks.bench_startup [--runs 15] [--compare DIR]

Each command runs as the installed `planner` script (a new interpreter each time), as does the
baseline `python -c "import numpy, pandas, pint"`, the libraries every command needs. The
commands take turns, run after run, so a busy spell on the machine falls on all of them alike.
The baseline as written imports dask (pint does whenever dask is installed); a second
baseline hides dask from pint, as planner.inputs.units does. Printed: the median wall time and the median CPU time (user + system) of each. `--compare DIR`
also times the same commands with DIR (another checkout of the repository) first on the
Python path: a before-and-after in the same run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = str(ROOT / "planner" / "data" / "default_scenario.toml")
PLANNER = [str(Path(sys.executable).with_name("planner"))]  # the installed script, as users run it
COMMANDS = {
    'python -c "import numpy, pandas, pint"': [sys.executable, "-c", "import numpy, pandas, pint"],
    # the same with dask hidden from pint, as planner.inputs.units does: the libraries' own floor
    "the same, pint without dask": [sys.executable, "-c", "import sys; sys.modules['dask'] = None; import numpy, pandas, pint"],
    "planner validate default_scenario.toml": [*PLANNER, "validate", SCENARIO],
    "planner estimate --params 70e9 --tokens 1.4e12 --accelerator H100 --count 1024":
        [*PLANNER, "estimate", "--params", "70e9", "--tokens", "1.4e12", "--accelerator", "H100", "--count", "1024"],
    "planner plan --json": [*PLANNER, "plan", "--json"],
}


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the child's own) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(runs: int, compare: Path | None) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """(command, code) -> its runs' (wall, CPU) seconds; code is 'this' or 'compared'."""
    envs = {"this": dict(os.environ)}
    if compare is not None:
        envs["compared"] = {**os.environ, "PYTHONPATH": str(compare)}
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(runs + 1):  # the first round warms up: .pyc files, pint's registry cache, the disk cache
        for name, command in COMMANDS.items():
            for code, env in envs.items():
                if code == "compared" and not name.startswith("planner"):
                    continue
                results.setdefault((name, code), []).append(timed(command, env))
    return {key: times[1:] for key, times in results.items()}


def report(results: dict[tuple[str, str], list[tuple[float, float]]], runs: int) -> str:
    baseline = statistics.median(wall for wall, _ in results[(next(iter(COMMANDS)), "this")])
    lines = [f"Medians of {runs} runs, 1-minute load average {os.getloadavg()[0]:.2f} at the end.", "",
             "| command | code | wall (ms) | CPU (ms) | wall / baseline |", "|---|---|---:|---:|---:|"]
    for (name, code), times in results.items():
        wall = statistics.median(w for w, _ in times)
        cpu = statistics.median(c for _, c in times)
        lines.append(f"| `{name}` | {code} | {wall * 1e3:.0f} | {cpu * 1e3:.0f} | {wall / baseline:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument("--compare", type=Path, metavar="DIR", help="another checkout to time the same commands from")
    args = parser.parse_args(argv)
    print(report(measure(args.runs, args.compare), args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())

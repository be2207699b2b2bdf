"""The package's imports flow one way: files -> scenario -> LP -> plan -> views.

Each subpackage of planner/ is a layer; a module may import from its own layer and the layers
below it, never from one above (`lp` importing `app` would tie the model to the screen)."""

import ast
from pathlib import Path

import pytest

PLANNER = Path(__file__).resolve().parent.parent / "planner"
LAYERS = ["inputs", "lp", "results", "exchange", "studies", "app", "cli"]  # lowest first


def imported_modules(source: str) -> set[str]:
    """Every planner module a source imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "planner"}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def back_edges(files: dict[str, str]) -> list[str]:
    """'importer -> layer' for each module that imports from a layer above its own; `files`
    maps each module's dotted name to its source."""
    edges = set()
    for module, source in files.items():
        own = layer_of(module)
        if own is None:  # planner/__init__.py, the public face, may import any layer
            continue
        for imported in imported_modules(source):
            theirs = layer_of(imported)
            if theirs is not None and LAYERS.index(theirs) > LAYERS.index(own):
                edges.add(f"{module} -> planner.{theirs}")
    return sorted(edges)


def package_sources() -> dict[str, str]:
    return {
        ".".join(path.relative_to(PLANNER.parent).with_suffix("").parts): path.read_text(encoding="utf-8")
        for path in PLANNER.rglob("*.py")
    }


def test_every_module_sits_in_a_layer():
    loose = [m for m in package_sources() if layer_of(m) is None and m not in ("planner.__init__",)]
    assert loose == [], f"modules outside the layers {LAYERS}: {loose}"


def test_no_module_imports_from_a_layer_above_it():
    assert back_edges(package_sources()) == []


@pytest.mark.parametrize(
    "importer, line",
    [
        ("planner.lp.model", "from planner.app.views import headline"),
        ("planner.inputs.units", "import planner.results.plan"),
        ("planner.results.plan", "def later():\n    from planner.cli import main\n"),
        ("planner.studies.sweep", "from planner.cli import sweep"),
    ],
)
def test_a_back_edge_is_caught(importer, line):
    """The check itself can fail: each added import that runs upward is named."""
    files = package_sources()
    files[importer] += "\n" + line + "\n"
    assert len(back_edges(files)) == 1 and back_edges(files)[0].startswith(importer + " -> ")


def test_imports_within_and_below_a_layer_are_allowed():
    files = {"planner.cli.main": "from planner.results.plan import Plan\nfrom planner.cli import sweep\n"}
    assert back_edges(files) == []

"""The inputs the app offers, and how what a user enters becomes edits of the scenario.

Nothing here knows Streamlit. The screen draws each Field and table with the values these
functions give, hands back what the user entered, and gets `Edit`s for whatever differs from
the loaded scenario. Values stay as the user wrote them ("300 MW"); the scenario's own
validation judges them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from planner.app.documents import FieldPath, display, typed, value_at
from planner.app.edits import Edit, with_provenance
from planner.inputs.catalog import catalog_entries
from planner.inputs.errors import InputError
from planner.inputs.inputs_table import parse_path
from planner.inputs.scenario import DEFAULT_JPY_PER_USD, OBJECTIVES, SOLVERS
from planner.inputs.units import parse_quantity
from planner.inputs.workload import DEFAULT_AVAILABILITY


@dataclass(frozen=True)
class Field:
    """One input box: a text box, or a checkbox (`flag`), or a select box (`choices`)."""

    path: FieldPath
    label: str
    help: str
    default: Any = None  # what the engine assumes when the scenario leaves the field out
    flag: bool = False
    choices: Callable[[dict], list[str]] | None = None

    @property
    def input(self) -> str:
        return ".".join(self.path)


EXCHANGE_RATE = f"{DEFAULT_JPY_PER_USD:g} JPY/USD"  # what the engine takes when a scenario gives none


OBJECTIVE = Field(
    ("objective",),
    "Objective",
    "cost: least capex and electricity (and carbon price) by the deadline; finish: the earliest finish; "
    "compute: the most compute by the deadline; carbon: the least CO2. All within every limit",
    default="cost",
    choices=lambda _: list(OBJECTIVES),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "Training run": (
        Field(("workload", "parameters"), "Parameters", "Total parameters of the model, e.g. 1e12"),
        Field(
            ("workload", "active_parameters"),
            "Active parameters per token",
            "For a mixture of experts; blank for a dense model (every parameter active)",
        ),
        Field(
            ("workload", "tokens_per_parameter"),
            "Tokens per parameter",
            "20 is compute-optimal (Hoffmann et al. 2022). Leave blank when giving training tokens",
        ),
        Field(("workload", "tokens"), "Training tokens", "e.g. 20e12 token; blank to use tokens per parameter"),
        Field(
            ("workload", "flop_per_parameter_token"),
            "FLOP per parameter-token",
            "6 for a dense transformer (2 forward + 4 backward), 8 with full activation recomputation",
            default=6,
        ),
        Field(
            ("workload", "compute"),
            "Training compute",
            "e.g. 1.2e26 FLOP, instead of the run's size: clear parameters, tokens and FLOP per parameter-token",
        ),
        Field(
            ("workload", "availability"),
            "Availability",
            "Share of wall time training makes progress (Llama 3: above 0.9)",
            default=DEFAULT_AVAILABILITY,
        ),
        Field(
            ("workload", "sync_interval"),
            "Steps between cross-site syncs",
            "A run split between sites exchanges its gradients every this many steps over the link (1: every step; DiLoCo: 500)",
            default=1,
        ),
        Field(
            ("workload", "failure_rate"),
            "Failures per accelerator-hour",
            "e.g. 1.97e-5 / hour (Llama 3): given, goodput falling with the run's size replaces availability",
        ),
    ),
    "Schedule": (
        Field(("workload", "earliest_start"), "Earliest start", "First month of training, YYYY-MM"),
        Field(("workload", "deadline"), "Deadline", "Training must finish by the end of this month, YYYY-MM"),
        Field(("horizon", "start"), "Planning from", "First month the plan may buy or install, YYYY-MM"),
        Field(("horizon", "end"), "Planning until", "Last month of the horizon, YYYY-MM"),
    ),
    "Money": (
        Field(("budget", "total"), "Budget", "Capex and electricity up to the deadline, e.g. 4e11 JPY"),
        Field(
            ("budget", "public_share"),
            "Public share of capex",
            "The most of each fiscal year's capex public money may pay, e.g. 0.5 (needed with public money)",
        ),
        Field(
            ("budget", "carry_over"),
            "Unspent money carries over",
            "Money unspent in one fiscal year may be spent in later ones",
            default=True,
            flag=True,
        ),
        Field(("exchange_rate",), "Exchange rate", "For prices quoted in dollars, e.g. 150 JPY/USD", default=EXCHANGE_RATE),
        Field(
            ("carbon_price",),
            "Carbon price",
            "Added to the cost of each tonne of CO2, e.g. 10000 JPY/t",
            default="0 JPY/t",
        ),
    ),
    "Solver": (
        Field(
            ("solver", "name"),
            "Solver",
            "HiGHS, or CBC; another stands in when one is missing",
            default="highs",
            choices=lambda _: list(SOLVERS),
        ),
        Field(("solver", "time_limit"), "Time limit", "Longest the solver may take, e.g. 60 s", default="60 s"),
        Field(
            ("solver", "integer"),
            "Whole servers and racks",
            "Buy accelerators in whole scalable units (8 per HGX server, 72 per NVL72 rack); slower",
            default=False,
            flag=True,
        ),
        Field(
            ("representative_days",),
            "Plan by the hour",
            "Plan each month on the sites' representative days: hourly PUE, prices and carbon, curtailment windows",
            default=False,
            flag=True,
        ),
        Field(
            ("solver", "mip_gap"),
            "MIP gap",
            "With whole units: how close to the best plan is close enough",
            default=1e-4,
        ),
    ),
}


def initial(field: Field, document: dict):
    """The value the field shows for `document`: what it says, else the engine's default."""
    value = value_at(document, field.path)
    value = field.default if value is None else value
    if field.flag:
        return bool(value)
    if field.choices is not None:
        return display(value) or field.choices(document)[0]
    return display(value)


def field_edits(fields, document: dict, entered: dict[str, Any]) -> list[Edit]:
    """An Edit for each field whose entered value differs from what `document` shows."""
    edits = []
    for field in fields:
        value = entered[field.input]
        if value == initial(field, document):
            continue
        value = value if field.flag or field.choices is not None else typed(value)
        edits.append(Edit(field.input, (written(document, field.path, value),)))
    return edits


def written(document: dict, path: FieldPath, value) -> tuple[FieldPath, Any]:
    """Where to write a field's value: at its path, or, where `document` has no table for it
    (a file without [solver]), the table holding it at the first level missing (an edit under
    a missing table is otherwise left out as moot, and the box's value silently not used)."""
    for depth in range(1, len(path)):
        if not isinstance(value_at(document, path[:depth]), dict):
            for key in reversed(path[depth:]):
                value = {key: value}
            return path[:depth], value
    return path, value


@dataclass(frozen=True)
class Column:
    """A table column: the first of `paths` the row's entry has (else the first) holds it.
    With a `unit`, every row shows its value in that unit, so rows compare."""

    label: str
    paths: tuple[FieldPath, ...]
    help: str
    unit: str | None = None

    def path_in(self, entry: dict) -> FieldPath:
        return next((path for path in self.paths if value_at(entry, path) is not None), self.paths[0])

    def shown(self, entry: dict, document: dict) -> str:
        """The cell's text: the value as written, or in the column's unit (dollars at the
        document's exchange rate)."""
        value = value_at(entry, self.path_in(entry))
        if self.unit is None or value is None:
            return display(value)
        rate = display(value_at(document, ("exchange_rate",)) or EXCHANGE_RATE)
        number = parse_quantity(display(value), self.unit, self.label, parse_quantity(rate, "JPY/USD", "exchange_rate"))
        return f"{number:.6g} {self.unit}"


@dataclass(frozen=True)
class Table:
    """Rows of one group of the document (sites, accelerators), switched on and off by `toggle`."""

    group: str
    toggle: str
    columns: tuple[Column, ...]
    offered: Callable[[dict], dict[str, dict]]  # entries that may be switched on, by name

    def frame(self, document: dict) -> pd.DataFrame:
        """One row per entry in the document or on offer: the toggle, the columns, a description."""
        entries = {**self.offered(document), **document[self.group]}
        rows = {
            name: {
                self.toggle: name in document[self.group],
                **{column.label: column.shown(entry, document) for column in self.columns},
                DESCRIPTION: display(entry.get("description")),
            }
            for name, entry in entries.items()
        }
        return pd.DataFrame.from_dict(rows, orient="index")

    def edits(self, document: dict, table: pd.DataFrame) -> list[Edit]:
        """Per row that differs from `document`: switch the entry on or off, or set its cells."""
        present, offered, edits = document[self.group], self.offered(document), []
        for name, row in table.iterrows():
            key = f"{self.group}:{name}"
            if not row[self.toggle]:
                if name in present:
                    edits.append(Edit(key, (((self.group, name), None),)))
                continue
            entry = present.get(name) or offered[name]
            changes = [] if name in present else [((self.group, name), copy.deepcopy(entry))]
            for column in self.columns:
                text = cell_text(row[column.label])
                if text != column.shown(entry, document):
                    changes.append(((self.group, name, *column.path_in(entry)), typed(text)))
            if changes:
                edits.append(Edit(key, tuple(changes)))
        return edits


DESCRIPTION = "Description"

SITES = Table(
    group="sites",
    toggle="In plan",
    columns=(
        Column("Opening", (("opening",),), "First month the site can host accelerators, YYYY-MM"),
        Column(
            "PUE",
            (("pue",), ("pue_model", "base")),
            "Facility power / IT power; for a climate model, its value in cool months",
        ),
        Column(
            "Electricity price",
            (("electricity_price",),),
            "e.g. 20 JPY/kWh, or twelve monthly values from January: [20, 20, ...] JPY/kWh",
        ),
        Column("Carbon intensity", (("carbon_intensity",),), "e.g. 0.5 kg/kWh, or twelve monthly values"),
        Column(
            "Fit-out cost",
            (("fitout_cost",),),
            "Building cost per watt of IT, shown in JPY/W for every site (dollars at the loaded scenario's "
            "exchange rate); enter it in any unit, e.g. 1300 JPY/W or 14.1 USD/W",
            unit="JPY/W",
        ),
        Column("Reserved IT", (("reserved_it",),), "IT power committed to other tenants, e.g. 0 MW"),
    ),
    offered=lambda document: {},
)

ACCELERATORS = Table(
    group="accelerators",
    toggle="Allowed",
    columns=(
        Column("MFU", (("mfu",),), "Model FLOP utilisation on a large dense run, a fraction, e.g. 0.38"),
        Column("Price", (("capex",),), "All-in capex per accelerator (server, network, storage), e.g. 50000 USD"),
        Column("IT power", (("it_power",),), "IT power per accelerator, fabric and storage included, e.g. 1450 W"),
        Column("First delivery", (("first_delivery",),), "First month it can be delivered, YYYY-MM"),
        Column("Delivery cap", (("delivery_cap",),), "Most deliveries a month, all sites together, e.g. 2304 / month"),
    ),
    offered=lambda document: catalog_entries(),
)


GRID_SITE, GRID_COLUMNS = "Site", {"Start": "start", "Grid import": "grid_import", "IT capacity": "it_capacity"}
GRID_HELP = {
    "Start": "First month of the phase, YYYY-MM",
    "Grid import": "Most the site may draw from the grid from then on, e.g. 150 MW",
    "IT capacity": "Fitted-out IT power from then on, e.g. 129 MW",
}


def grid_frame(document: dict) -> pd.DataFrame:
    """One row per grid phase of every site."""
    rows = [
        {GRID_SITE: site, **{label: display(phase.get(key)) for label, key in GRID_COLUMNS.items()}}
        for site, entry in document["sites"].items()
        for phase in entry["grid_phases"]
    ]
    return pd.DataFrame(rows, columns=[GRID_SITE, *GRID_COLUMNS])


def grid_edits(document: dict, table: pd.DataFrame) -> list[Edit]:
    """Per site whose phases differ from `document`, its new phases in date order.

    A phase keeps its source while unchanged; a changed phase notes the one it replaced (same
    start month), and a new one says it was added in the app.
    """
    rows = table.map(cell_text)
    rows = rows[(rows != "").any(axis=1)]
    orphans = rows[~rows[GRID_SITE].isin(list(document["sites"]))]
    edits = [
        Edit(
            f"grid:{site or 'no site'}",
            (),
            InputError("grid phases", f"a site for every phase ({', '.join(document['sites'])})", repr(site)),
        )
        for site in orphans[GRID_SITE].unique()
    ]
    for site, entry in document["sites"].items():
        old = entry["grid_phases"]
        by_start = {display(phase.get("start")): phase for phase in old}
        new = [
            _phase(row, by_start.get(row["Start"]))
            for _, row in rows[rows[GRID_SITE] == site].sort_values("Start").iterrows()
        ]
        if new != old:
            edits.append(Edit(f"grid:{site}", ((("sites", site, "grid_phases"), new),)))
    return edits


def _phase(row: pd.Series, old: dict | None) -> dict:
    entered = {key: typed(row[label]) for label, key in GRID_COLUMNS.items()}
    if old is not None and all(row[label] == display(old.get(key)) for label, key in GRID_COLUMNS.items()):
        return old
    phase = {key: value for key, value in entered.items() if value is not None}
    if old is None:
        return {**phase, "source": "added in the planner app"}
    replaced = ", ".join(f"{label.lower()} {display(old.get(key))}" for label, key in GRID_COLUMNS.items())
    return {
        **phase,
        "source": f"set in the planner app, replacing {replaced}" + (f" ({old['source']})" if "source" in old else ""),
    }


def field_label(path: str) -> str:
    """A field's dotted path as the inputs name it ("budget.total" -> "Budget",
    "accelerators.GB200.capex" -> "GB200 price", "sites.Sakai.grid_phases[1].start" -> "Sakai
    grid phase 2 start"); a field without an input, as the path in words."""
    try:
        keys = parse_path(path, "field")
    except InputError:
        return path
    named = {field.path: field.label for field in (OBJECTIVE, *(f for fields in FIELDS.values() for f in fields))}
    group, *rest = keys
    if keys in named:
        return named[keys]
    if group in ("sites", "accelerators") and len(rest) >= 2:
        name, *within = rest
        table = SITES if group == "sites" else ACCELERATORS
        column = next((column.label for column in table.columns if tuple(within) in column.paths), None)
        if column is not None:
            return f"{name} {_in_sentence(column)}"
        if len(within) == 3 and within[0] == "grid_phases" and isinstance(within[1], int):
            phase = {key: label for label, key in GRID_COLUMNS.items()}.get(within[2], str(within[2]))
            return f"{name} grid phase {within[1] + 1} {_in_sentence(phase)}"
        return f"{name} {_in_words(within)}"
    if len(keys) == 3 and keys[0] == "budget" and keys[1] in MONEY_COLUMNS:
        return f"{keys[2]} {'money' if keys[1] == 'fiscal_years' else MONEY_COLUMNS[keys[1]].lower()}"
    return _in_words(keys)


def _in_words(keys) -> str:
    return " ".join(str(key).replace("_", " ") for key in keys)


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "Electricity price" -> "electricity price"; "PUE", "IT power" kept."""
    first = label.split()[0]
    return label if first.isupper() else label[0].lower() + label[1:]


FISCAL_YEAR = "Fiscal year"
# The budget's tables by fiscal year, as the money table's columns: money from any source, and
# money by source (a fiscal year of the horizon no table lists brings no money: Budget)
MONEY_COLUMNS = {"fiscal_years": "Money arriving", "public": "Public money", "private": "Private money"}
MONEY_HELP = {
    "Money arriving": "Money from any source arriving this fiscal year, e.g. 3e11 JPY",
    "Public money": "The programme's subsidy arriving this fiscal year; it pays at most the public share of the year's capex",
    "Private money": "The operator's own money arriving this fiscal year",
}
MONEY_INPUT = "money:"  # the money table's edits, by table: "money:public"


def fiscal_year_frame(document: dict) -> pd.DataFrame:
    """Money arriving in each fiscal year: from any source, and public and private, a column each
    (a blank cell: that table does not list the year)."""
    tables = {table: value_at(document, ("budget", table)) or {} for table in MONEY_COLUMNS}
    years = sorted({year for money in tables.values() for year in money})
    rows = [{FISCAL_YEAR: year, **{label: display(tables[table].get(year)) for table, label in MONEY_COLUMNS.items()}}
            for year in years]
    return pd.DataFrame(rows, columns=[FISCAL_YEAR, *MONEY_COLUMNS.values()])


def fiscal_year_edits(document: dict, table: pd.DataFrame) -> list[Edit]:
    """The money by fiscal year as entered: an Edit for each of the budget's tables that differs
    from `document` (a value kept as it was keeps its source)."""
    rows = table.map(cell_text)
    rows = rows[(rows != "").any(axis=1)]
    names = rows[FISCAL_YEAR].tolist()
    if "" in names or len(set(names)) != len(names):
        twice = sorted({name for name in names if names.count(name) > 1})
        found = f"{', '.join(twice)} given twice" if twice else "a row without a fiscal year"
        return [Edit(MONEY_INPUT + "fiscal_years", (), InputError("budget", "each fiscal year once, named like FY2027", found))]
    edits = []
    for source, label in MONEY_COLUMNS.items():
        old = value_at(document, ("budget", source)) or {}
        new = {
            name: old[name] if name in old and display(old[name]) == amount else with_provenance(old.get(name), typed(amount))
            for name, amount in zip(rows[FISCAL_YEAR], rows[label])
            if amount
        }
        if new != old:
            edits.append(Edit(MONEY_INPUT + source, ((("budget", source), new),)))
    return edits


MAX_ADDED_ROWS = 100  # rows one edit may add: tables hold a few grid phases or fiscal years
UNREADABLE = "the edits came in a form the table does not take"


def editor_problem(state, frame: pd.DataFrame, editable, dynamic: bool) -> str | None:
    """What is wrong with a table editor's state as the browser sent it, or None.

    Streamlit applies that state to `frame` before the app sees the table, and raises on a row
    or a column the table does not have, which a crafted message may name. Only `editable`
    columns may change, and only a `dynamic` table gains or loses rows.
    """
    if state is None:
        return None
    if not isinstance(state, Mapping):
        return UNREADABLE
    edited = state.get("edited_rows") or {}
    added, deleted = state.get("added_rows") or [], state.get("deleted_rows") or []
    if not (isinstance(edited, Mapping) and isinstance(added, list) and isinstance(deleted, list)):
        return UNREADABLE
    rows, columns = len(frame), set(editable)
    for row, cells in edited.items():
        if not _row_of(row, rows):
            return f"an edit named row {row!r}, and the table has {rows} rows (0 to {rows - 1})"
        if not isinstance(cells, Mapping) or not set(cells) <= columns:
            return f"an edit to row {row} named a column that cannot change ({', '.join(map(repr, cells))})"
    if (added or deleted) and not dynamic:
        return "rows were added or deleted, and this table's rows are fixed"
    if not all(_row_of(row, rows) for row in deleted):
        return f"a deletion named a row the table does not have (it has {rows} rows)"
    if len(added) > MAX_ADDED_ROWS:
        return f"{len(added):,} rows were added at once, at most {MAX_ADDED_ROWS} may be"
    if not all(isinstance(row, Mapping) and set(row) <= columns for row in added):
        return "an added row named a column the table does not have"
    return None


def _row_of(row, rows: int) -> bool:
    """Whether an editor's row number (an int, or its digits as text) is one of `rows` rows."""
    return not isinstance(row, bool) and isinstance(row, (int, str)) and str(row).isdigit() and int(row) < rows


def cell_text(value) -> str:
    """A table cell as text: editors give None or NaN for an empty cell."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value).strip()


def message(error: InputError) -> str:
    """An InputError for the screen, without the file name the user did not type."""
    where = f"{error.field}: " if error.field else ""
    return f"{where}expected {error.expected}, found {error.found}"

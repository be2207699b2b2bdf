"""Scenario = workloads (training runs, serving) + sites + accelerators + money + economics +
horizon + solver settings.

A scenario file names site profiles and catalog accelerators and may override any of their
fields. Loading happens in two steps so other tools can edit scenarios as data:
`resolve()` inlines profiles and catalog entries into one plain dict (every value as the user
wrote it, sources kept), and `build()` validates that dict into a Scenario of floats.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, PrivateAttr, field_validator, model_validator

from planner.inputs import DATA
from planner.inputs.calendar import fiscal_year, hours_in, label, months_between
from planner.inputs.catalog import CATALOG_FILE, Accelerator, catalog_entries, catalog_entry
from planner.inputs.errors import InputError
from planner.inputs.fields import FiscalYearName, Fraction, Month, Record, Text, checked_text, quantity, read, read_toml
from planner.inputs.goodput import exchange_seconds, split_efficiency
from planner.inputs.inputs_table import parse_path
from planner.inputs.sites import Site, profile_dir
from planner.inputs.workload import Inference, Workload

DEFAULT_SCENARIO = DATA / "default_scenario.toml"
OBJECTIVES = ("cost", "finish", "compute", "carbon")
SOLVERS = ("highs", "cbc")
MAX_HORIZON_MONTHS = 240  # 20 years; the LP grows with every month, and a typo'd year would build a huge one
# The LP grows with sites x accelerator types x months; a file may ask for far more than any
# programme has (Japan's plans name a handful of sites), never for what would exhaust a server.
MAX_SITES = 50
MAX_ACCELERATOR_TYPES = 50
MAX_WORKLOADS = 50  # training runs, and serving streams, each: a programme, not a market
MAX_NAME_CHARS = 100  # site and accelerator names: they head columns and name workbook rows
DEFAULT_JPY_PER_USD = 150.0  # when a scenario gives no exchange_rate (2025 average)
MAX_MONEY = "1e16 JPY"  # some 15 years of Japan's GDP: anything above is a typo
# The yen's strongest was 75.3 (2011) and its fixed rate 360: a rate far outside is a typo
# that would make every dollar price nearly free, or dear
ExchangeRate = quantity("JPY/USD", "10 JPY/USD", high="1000 JPY/USD")


class Horizon(Record):
    """The planning months, first and last included."""

    start: Month
    end: Month

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise ValueError(f"expected an end on or after the start {label(self.start)}, found {label(self.end)}")
        months = (self.end - self.start).n + 1
        if months > MAX_HORIZON_MONTHS:
            raise ValueError(
                f"expected a horizon of at most {MAX_HORIZON_MONTHS} months, found {months} months "
                f"({label(self.start)} to {label(self.end)})"
            )
        return self


Money = quantity("JPY", low=0, high=MAX_MONEY)


class Budget(Record):
    """Money for the programme: a total, and optionally what arrives in each fiscal year, in all
    (`fiscal_years`) and by source: `public` (the programme's subsidy, which pays at most
    `public_share` of the capex of each fiscal year) and `private` (the operator's own).

    Once money is given by fiscal year, a fiscal year of the horizon that is not listed brings
    no new money. With `carry_over`, money unspent in one fiscal year may be spent in later
    ones, so the limit is on cumulative spending; without it, each year's is capped on its own.
    """

    total: quantity("JPY", low=0, low_open=True, high=MAX_MONEY)
    fiscal_years: dict[FiscalYearName, Money] = Field(default_factory=dict)
    public: dict[FiscalYearName, Money] = Field(default_factory=dict)
    private: dict[FiscalYearName, Money] = Field(default_factory=dict)
    public_share: Fraction | None = None
    carry_over: bool = True

    @model_validator(mode="after")
    def _share_stated(self):
        if self.public and self.public_share is None:
            raise ValueError("expected 'public_share' (the share of capex public money may pay) beside 'public', found none")
        return self

    def by_fiscal_year(self) -> dict[int, float]:
        return _by_year(self.fiscal_years)

    def by_source(self) -> dict[str, dict[int, float]]:
        """Money by source and fiscal year: empty when the budget does not split it."""
        if not (self.public or self.private):
            return {}
        return {"public": _by_year(self.public), "private": _by_year(self.private)}


def _by_year(table: dict[str, float]) -> dict[int, float]:
    return {int(name[2:]): value for name, value in table.items()}


VIEWS = ("residual", "annuity", "cash")
# Japan's public-works cost-benefit manuals (MLIT, 費用便益分析マニュアル) discount at 4% a year
DEFAULT_DISCOUNT_RATE = 0.04
# Japan's statutory useful life of computers other than PCs (減価償却資産の耐用年数等に関する省令, 別表第一: 電子計算機 その他のもの 5年)
DEFAULT_USEFUL_LIFE_YEARS = 5.0
# What a sold accelerator fetches, as a share of its straight-line book value (estimate): used H100
# were priced at 0.78 / 0.60 of new after 1 / 2 years (SpotWire valuator data, Jun 2026), about
# their 5-year book value (0.8 / 0.6); a used-working unit fetches 0.72 of that and a 90-day broker
# sale 0.85 (same data): 0.72 x 0.85 = 0.61
DEFAULT_RESALE_OF_BOOK_VALUE = 0.6


class Economics(Record):
    """How the objective values money over the horizon (cash rows never discount).

    residual  purchases at delivery, minus resale of what is retired and the straight-line
              value of what is left at the horizon's end, plus energy and carbon; all discounted
    annuity   a capital charge per accelerator-month held, CRF(rate, life) / 12 x capex, plus
              energy and carbon; all discounted
    cash      the money spent: capex at delivery plus energy (and carbon), undiscounted, nothing
              left at the end (the planner's single-run answer; for comparison)
    """

    view: Literal[VIEWS] = "residual"
    discount_rate: quantity("dimensionless", low=0, high=0.5) = DEFAULT_DISCOUNT_RATE
    useful_life: quantity("year", low=0, low_open=True, high="40 year") = DEFAULT_USEFUL_LIFE_YEARS
    resale_of_book_value: quantity("dimensionless", low=0, high=1) = DEFAULT_RESALE_OF_BOOK_VALUE


class SolverSettings(Record):
    """Which solver, how long it may take, and whether accelerators come in whole units (MILP)."""

    name: Literal[SOLVERS] = "highs"
    time_limit: quantity("s", low=0, low_open=True, high="7 day") = 60.0
    integer: bool = False
    mip_gap: quantity("dimensionless", low=0, high=1) = 1e-4


# estimate: Tomakomai to Sakai is some 1,100 km by road; a fibre route of about 1,300 km at
# 5 us/km (light in glass) is 6.5 ms one way
DEFAULT_LINK_LATENCY = 6.5e-3
# estimate: two 400G coherent wavelengths leased between the sites (400ZR/OpenZR+ optics)
DEFAULT_LINK_BANDWIDTH = 800e9
# A split run that gives its compute but not its size has no gradient to size the exchange by:
# its compute counts at the planner's former cross-site figure (estimate)
SPLIT_EFFICIENCY_UNSIZED = 0.9


class Link(Record):
    """The long link between the scenario's sites, which a run split between them syncs over."""

    bandwidth: quantity("bit/s", "1 Mbit/s", high="1 Pbit/s") = DEFAULT_LINK_BANDWIDTH
    latency: quantity("s", high="1 s") = DEFAULT_LINK_LATENCY


class Scenario(Record):
    """Everything one plan needs, validated, in base units (W, J, s, JPY, kg, FLOP)."""

    name: Text
    description: Text | None = None
    horizon: Horizon
    exchange_rate: ExchangeRate = DEFAULT_JPY_PER_USD
    objective: Literal[OBJECTIVES] = "cost"
    carbon_price: quantity("JPY/kg", high="1e6 JPY/t") = 0.0
    workload: Workload | None = None
    runs: dict[str, Workload] = Field(default_factory=dict)
    inference: dict[str, Inference] = Field(default_factory=dict)
    objective_run: Text | None = None
    economics: Economics = Economics()
    link: Link = Link()
    budget: Budget
    solver: SolverSettings = SolverSettings()
    # plan each month's hours on the sites' representative days (inputs.hours); else a month is steady
    representative_days: bool = False
    # the least share of the programme's energy its sites' clean contracts must match hour by hour (inputs.clean)
    cfe_target: quantity("dimensionless", low=0, high=1) | None = None
    sites: dict[str, Site]
    accelerators: dict[str, Accelerator]
    _document: dict = PrivateAttr(default_factory=dict)

    def document(self) -> dict:
        """The resolved scenario as written (profiles and catalog inlined, sources kept): a copy
        to edit and `build()` again, or to export."""
        return copy.deepcopy(self._document)

    @field_validator("sites", "accelerators", "runs", "inference", mode="before")
    @classmethod
    def _named(cls, table, info):
        if not isinstance(table, dict):
            return table
        group, most = info.field_name, {"sites": MAX_SITES, "accelerators": MAX_ACCELERATOR_TYPES, "runs": MAX_WORKLOADS, "inference": MAX_WORKLOADS}[info.field_name]
        if any(not str(name).strip() for name in table):
            raise ValueError(f"expected every name under [{group}] to be non-blank, found {list(table)}")
        if len(table) > most:
            raise ValueError(f"expected at most {most} entries under [{group}], found {len(table):,}")
        for name in table:
            if len(name) > MAX_NAME_CHARS:
                raise ValueError(f"expected names under [{group}] of at most {MAX_NAME_CHARS} characters, found {len(name):,}")
            checked_text(name, f"every name under [{group}] to be ")
        return table

    @model_validator(mode="after")
    def _consistent(self):
        first, last = self.horizon.start, self.horizon.end
        if (self.workload is None) == (not self.runs):
            found = "both" if self.runs else "neither"
            raise ValueError(f"expected either a [workload] table or [runs.NAME] tables, found {found}")
        if not self.sites:
            raise ValueError("expected at least one site under [sites], found none")
        if not self.accelerators:
            raise ValueError("expected at least one accelerator under [accelerators], found none")
        for where, work in self._run_fields():
            _check_run(self, where, work)
        for name, stream in self.inference.items():
            if not first <= stream.start <= last:
                raise ValueError(f"expected inference.{name}.start inside the horizon {label(first)} to {label(last)}, found {label(stream.start)}")
            _check_types(self, f"inference.{name}.accelerators", stream.accelerators)
            if not any(self.accelerators[g].serving_throughput for g in stream.accelerators or self.accelerators):
                raise ValueError(f"expected an accelerator with a serving_throughput for inference.{name}, found none")
        _check_order(self.training_runs)
        if self.objective_run is not None and self.objective_run not in self.training_runs:
            raise ValueError(f"expected objective_run to be one of the runs {sorted(self.training_runs)}, found {self.objective_run!r}")
        for name, site in self.sites.items():
            if site.battery is not None and not self.representative_days:  # a steady month has no hours for it to move
                raise ValueError(f"expected representative_days = true with sites.{name}.battery, found false")
            if site.existing_fleet:
                _check_types(self, f"sites.{name}.existing_fleet", list(site.existing_fleet))
            for phase in site.grid_phases:
                if phase.start > last:
                    raise ValueError(
                        f"expected sites.{name} grid phases to start by the horizon end {label(last)}, "
                        f"found one starting {label(phase.start)}"
                    )
        years = {fiscal_year(first), fiscal_year(last)}
        money = self.budget
        for field, by_year in (("fiscal_years", money.fiscal_years), ("public", money.public), ("private", money.private)):
            for year in _by_year(by_year):
                if not min(years) <= year <= max(years):
                    raise ValueError(
                        f"expected budget.{field} inside the horizon (FY{min(years)} to FY{max(years)}), found FY{year}"
                    )
        return self

    def _run_fields(self) -> list[tuple[str, Workload]]:
        """Each run with the field path it was written under."""
        if self.workload is not None:
            return [("workload", self.workload)]
        return [(f"runs.{name}", work) for name, work in self.runs.items()]

    @property
    def training_runs(self) -> dict[str, Workload]:
        """The runs by name: [runs.NAME] tables, or the one [workload] under its own name."""
        return self.runs or {self.workload.name: self.workload}

    @property
    def run(self) -> Workload:
        """The run an objective names (`objective_run`), else the first: what single-run views show."""
        runs = self.training_runs
        return runs[self.objective_run] if self.objective_run else next(iter(runs.values()))

    def split_efficiency(self, work: Workload) -> float:
        """The share of `work`'s compute that counts when it is split between the sites: given,
        or from its gradient exchange over the link (inputs.goodput)."""
        if work.cross_site_efficiency is not None:
            return work.cross_site_efficiency
        if work.parameters is None:
            return SPLIT_EFFICIENCY_UNSIZED
        window = hours_in(months_between(work.earliest_start, work.deadline)).sum() * 3600.0
        step = window * work.batch_tokens / work.training_tokens
        exchange = exchange_seconds(work.parameters, work.gradient_bytes, len(self.sites), self.link.bandwidth, self.link.latency)
        return split_efficiency(step, exchange, work.sync_interval)

    @property
    def months(self) -> pd.PeriodIndex:
        """The months the model plans: the whole horizon."""
        return months_between(self.horizon.start, self.horizon.end)


def _check_run(scenario: Scenario, where: str, work: Workload) -> None:
    first, last = scenario.horizon.start, scenario.horizon.end
    for what, month in (("earliest_start", work.earliest_start), ("deadline", work.deadline)):
        if not first <= month <= last:
            raise ValueError(f"expected {where}.{what} inside the horizon {label(first)} to {label(last)}, found {label(month)}")
    _check_types(scenario, f"{where}.accelerators", work.accelerators)
    if work.precision == "fp8" and not any(scenario.accelerators[g].peak_fp8 for g in work.accelerators or scenario.accelerators):
        raise ValueError(f"expected an accelerator with a peak_fp8 for {where}.precision = 'fp8', found none")
    if work.after is not None and work.after not in scenario.training_runs:
        raise ValueError(f"expected {where}.after to name another run {sorted(scenario.training_runs)}, found {work.after!r}")


def _check_types(scenario: Scenario, where: str, names: list[str] | None) -> None:
    unknown = [name for name in names or [] if name not in scenario.accelerators]
    if unknown or names == []:
        raise ValueError(f"expected {where} to list accelerators of the scenario {sorted(scenario.accelerators)}, found {names!r}")


def _check_order(runs: dict[str, Workload]) -> None:
    """`after` must not loop back: follow each chain at most once around."""
    for name in runs:
        seen, current = {name}, runs[name].after
        while current is not None:
            if current in seen:
                raise ValueError(f"expected runs ordered by 'after' without a loop, found one through {current!r}")
            seen.add(current)
            current = runs[current].after


def load_scenario(path=None) -> Scenario:
    """Read a scenario file (the shipped default when `path` is None)."""
    path = Path(path) if path is not None else DEFAULT_SCENARIO
    return build(resolve(read_toml(path), path), path)


def resolve(raw: dict, path, own_folder: bool = True) -> dict:
    """The scenario as one plain dict: profiles and catalog entries inlined, overrides applied.

    Profile and catalog files are read from the scenario's folder and below (and profiles also
    from site_profiles/); without `own_folder` (an upload, which has none), from site_profiles/ only.
    """
    path = Path(path)
    folders = [path.parent] if own_folder else []
    resolved = copy.deepcopy(raw)
    sites = _table(resolved, "sites", path)
    for name, entry in sites.items():
        entry = _table(sites, name, path, prefix="sites.")
        if "profile" in entry:
            reference = entry.pop("profile")
            field = f"sites.{name}.profile"
            profile = read_toml(_profile_path(reference, path, field, folders), field)
            sites[name] = {**profile, **entry}
    catalog_file = _catalog_path(resolved.pop("catalog", None), path, folders)
    catalog = catalog_entries(catalog_file)
    chosen = _table(resolved, "accelerators", path)
    for name in chosen:
        overrides = _table(chosen, name, path, prefix="accelerators.")
        entry = catalog_entry(catalog, name, f"accelerators.{name}", catalog_file, asked_in=path)
        chosen[name] = {**copy.deepcopy(entry), **overrides}
    return resolved


class _Rate(Record):
    """The exchange rate alone: read first, as every dollar amount needs it."""

    exchange_rate: ExchangeRate = DEFAULT_JPY_PER_USD


def build(resolved: dict, path) -> Scenario:
    """Validate a resolved scenario dict into a Scenario."""
    fx = read(_Rate, {k: v for k, v in resolved.items() if k == "exchange_rate"}, path).exchange_rate
    named = copy.copy(resolved)
    for group in ("sites", "accelerators", "runs"):
        if isinstance(named.get(group), dict):
            named[group] = {k: {**v, "name": k} if isinstance(v, dict) else v for k, v in named[group].items()}
    scenario = read(Scenario, named, path, fx_jpy_per_usd=fx)
    scenario._document = copy.deepcopy(resolved)
    return scenario


def edit(document: dict, changes: dict) -> dict:
    """A deep copy of `document` with dotted-path `changes` applied ({"budget.total": "5e11 JPY",
    "sites.Sakai.grid_phases[1].start": "2028-10"}); None deletes a field."""
    result = copy.deepcopy(document)
    for dotted, value in changes.items():
        *parents, last = parse_path(dotted, dotted)
        table = result
        for part in parents:
            table = _step(table, part, dotted, create=True)
        if isinstance(last, int):
            _step(table, last, dotted)
            table[last] = value
        elif not isinstance(table, dict):
            raise InputError(dotted, "a path through tables of the scenario", f"{table!r} is not a table")
        elif value is None:
            table.pop(last, None)
        else:
            table[last] = value
    return result


def lookup(document: dict, dotted: str):
    """The value at a dotted path of `document` as written (None where nothing is written)."""
    value = document
    for part in parse_path(dotted, dotted):
        value = _step(value, part, dotted)
        if value is None:
            return None
    return value


def _step(value, part: str | int, dotted: str, create: bool = False):
    """One step down a path: a table's field (made when `create`) or a list's item."""
    if isinstance(part, int):
        if not isinstance(value, list) or not 0 <= part < len(value):
            size = f"a list of {len(value)}" if isinstance(value, list) else repr(value)
            raise InputError(dotted, "an index into a list of the scenario", f"[{part}] into {size}")
        return value[part]
    if not isinstance(value, dict):
        raise InputError(dotted, "a path through tables of the scenario", f"{part!r} inside {value!r}, which is not a table")
    return value.setdefault(part, {}) if create else value.get(part)


def changed(scenario: Scenario, changes: dict, label: str = "changes") -> Scenario:
    """`scenario` with dotted-path `changes` to its document, validated again."""
    return build(edit(scenario._document, changes), label)  # edit() copies; document() would copy twice


def _table(parent: dict, key: str, path, prefix: str = "") -> dict:
    value = parent.setdefault(key, {})
    if not isinstance(value, dict):
        raise InputError(prefix + key, "a table", repr(value), str(path))
    return value


def _profile_path(reference, scenario_path: Path, field: str, folders: list[Path]) -> Path:
    """A profile by name from site_profiles/, or a .toml path relative to the scenario file."""
    known = sorted(p.stem for p in profile_dir().glob("*.toml"))
    if isinstance(reference, str) and reference in known:
        return profile_dir() / f"{reference}.toml"
    expected = f"a site profile name ({', '.join(known)}) or the path of a profile .toml file"
    if isinstance(reference, str) and reference.endswith(".toml"):
        return _allowed_file(reference, scenario_path, field, expected, [*folders, profile_dir()])
    raise InputError(field, expected, repr(reference), str(scenario_path))


def _catalog_path(reference, scenario_path: Path, folders: list[Path]) -> Path:
    if reference is None:
        return CATALOG_FILE
    expected = "the path of an accelerator catalog .toml file"
    if not isinstance(reference, str):
        raise InputError("catalog", expected, repr(reference), str(scenario_path))
    return _allowed_file(reference, scenario_path, "catalog", expected, folders)


def _allowed_file(reference: str, scenario_path: Path, field: str, expected: str, folders: list[Path]) -> Path:
    """The file `reference` names, relative to the scenario, if it lies in one of `folders` (or
    below) once '..' and links are followed: a scenario someone sent must not read files
    elsewhere on the machine."""
    if not folders:
        raise InputError(field, f"{expected}; an uploaded scenario cannot name files", repr(reference), str(scenario_path))
    candidate = (scenario_path.parent / reference).resolve()
    if not any(candidate.is_relative_to(folder.resolve()) for folder in folders):
        inside = " or ".join(str(folder.resolve()) for folder in folders)
        raise InputError(field, f"{expected} inside {inside}", f"{reference!r}, which is outside", str(scenario_path))
    if not candidate.exists():  # a folder, a FIFO or a device is refused by the reader, by what it is
        raise InputError(field, expected, f"{reference!r} (no such file)", str(scenario_path))
    return candidate

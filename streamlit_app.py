"""The planner's screen: `streamlit run streamlit_app.py`.

Inputs -> edits of the loaded scenario -> Scenario -> plan -> headline, charts, downloads.
This file only draws; what the inputs mean, how edits apply and what is shown live in planner/.
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from planner.app import charts, forms, hedge_view, hour_charts, programme_charts, sweep_views, views, workloads
from planner.app.documents import canonical, differences, read_upload, upload_name
from planner.app.downloads import DOWNLOADS, file_stem
from planner.app.edits import Edited, apply_edits
from planner.app.sweep_charts import distribution_chart, pareto_chart, tornado_chart
from planner.exchange.export import CSV_TABLES
from planner.inputs.errors import InputError
from planner.inputs.fields import MAX_INPUT_BYTES
from planner.inputs.scenario import DEFAULT_SCENARIO, Scenario, load_scenario
from planner.results.verify import verified_plan
from planner.studies.analysis import pareto, tornado, tornado_metrics
from planner.studies.sweep import sweep

INPUT = "in:"  # prefix of every input widget's key; all are cleared when another file loads
TAB = "tab"  # the tabs' key: the open tab's label
LAST_GOOD = "upload:last good"  # (scenario, file name) of the last upload that loaded


@st.cache_resource
def default_scenario() -> Scenario:
    return load_scenario()


@st.cache_data(max_entries=8, show_spinner=False)
def uploaded_scenario(data: bytes, name: str) -> Scenario:
    return read_upload(data, name)


COMPARE_RULES = "compare rules"  # the Programme tab's toggle: re-plan with the run rules relaxed


@st.cache_data(max_entries=64, show_spinner=False)
def plan_for(document_text: str, _scenario: Scenario, compare_rules: bool = False):
    """The verified plan, cached by the scenario's content (its canonical document text)."""
    return verified_plan(_scenario, compare_rules=compare_rules)


@st.cache_data(max_entries=16, show_spinner=False)
def ranges_for(text: str, version: str, _scenario: Scenario) -> sweep_views.Ranges:
    """The Sweeps and Hedge tabs' ranges read against the scenario as edited (`version`, its
    canonical text). Each value builds a scenario to check it, and every rerun draws the tabs:
    uncached, they took 0.4 s of each."""
    return sweep_views.read_ranges(text, _scenario)


@st.cache_data(max_entries=16, show_spinner=False)
def budgets_for(text: str, version: str, _scenario: Scenario):
    """The Pareto front's budgets, cached as `ranges_for` (an InputError is raised each time)."""
    return sweep_views.read_budgets(text, _scenario)


def loaded_scenario() -> tuple[Scenario, str, str | None]:
    """The scenario to start from, its origin, and why an uploaded file was not loaded (if it
    was not): a valid upload; after a bad one the last upload that loaded, else the default."""
    upload = st.sidebar.file_uploader(
        "Scenario file (TOML or workbook)",
        max_upload_size=max(1, MAX_INPUT_BYTES >> 20),
        key="scenario_file",
        help="A scenario as `planner init` writes it, or a scenario or planning workbook downloaded below. "
        "Remove it to return to the default.",
    )
    if upload is None:
        st.session_state.pop(LAST_GOOD, None)
        return default_scenario(), DEFAULT_SCENARIO.name, None
    name = upload_name(upload.name)
    try:
        scenario = uploaded_scenario(upload.getvalue(), name)
    except InputError as error:
        last = st.session_state.get(LAST_GOOD)
        kept, origin = last or (default_scenario(), DEFAULT_SCENARIO.name)
        still = f"Still planning {origin}, the last file that loaded" if last else "Planning the shipped default"
        problem = f"{name} was not loaded: {forms.message(error)}. {still}."
        st.sidebar.error(problem)
        return kept, origin, problem
    st.session_state[LAST_GOOD] = scenario, name
    return scenario, name, None


def fresh_inputs_for(base: Scenario) -> None:
    """When another scenario is loaded, inputs start again from its values."""
    version = canonical(base.document())
    if st.session_state.get("loaded") != version:
        for key in [key for key in st.session_state if str(key).startswith(INPUT)]:
            del st.session_state[key]
        st.session_state["loaded"] = version


def field_input(field: forms.Field, document: dict):
    """Draw one field; its value, and a slot beside it for a message."""
    key, shown = INPUT + field.input, forms.initial(field, document)
    if field.flag:
        value = st.checkbox(field.label, value=shown, key=key, help=field.help)
    elif field.choices is not None:
        options = field.choices(document)
        value = st.selectbox(field.label, options, index=options.index(shown), key=key, help=field.help)
    else:
        value = st.text_input(field.label, value=shown, key=key, help=field.help)
    return value, st.empty()


def table_input(frame: pd.DataFrame, key: str, read_only=(), dynamic=False, choices=None, tips=None):
    """Draw an editable table of text cells (booleans as checkboxes); what it holds, and a slot.

    Edits the browser sent that name a row or column the table does not have are dropped, with a
    message, before the editor applies them (Streamlit would raise)."""
    config = {column: column_kind(frame, column, choices or {}, tips or {}) for column in frame.columns}
    editable = [column for column in frame.columns if column not in read_only]
    problem = forms.editor_problem(st.session_state.get(INPUT + key), frame, editable, dynamic)
    if problem:
        del st.session_state[INPUT + key]
    edited = st.data_editor(
        frame,
        key=INPUT + key,
        column_config=config,
        disabled=list(read_only),
        num_rows="dynamic" if dynamic else "fixed",
        hide_index=dynamic,
        width="stretch",
    )
    if problem:
        st.error(f"The edits to this table were dropped: {problem}. It shows the scenario's values again.")
    return edited, st.empty()


def workload_table(table: workloads.WorkloadTable, document: dict):
    """Draw the table of training runs or serving streams: rows may be added and deleted."""
    st.markdown(f"**{'Training runs' if table is workloads.RUNS else 'Serving streams'}**")
    return table_input(table.frame(document), table.group, dynamic=True, tips=table.help)


def group_table(table: forms.Table, document: dict):
    """Draw the table of a document group (sites, accelerators), keyed by the group's name."""
    tips = {column.label: column.help for column in table.columns}
    return table_input(table.frame(document), table.group, read_only=[forms.DESCRIPTION], tips=tips)


def column_kind(frame: pd.DataFrame, column: str, choices: dict, tips: dict):
    if frame[column].dtype == bool:
        return st.column_config.CheckboxColumn(column)
    if column in choices:
        return st.column_config.SelectboxColumn(column, options=choices[column], required=True)
    return st.column_config.TextColumn(column, help=tips.get(column))


def show_problems(slot, rejected: dict[str, InputError], inputs) -> None:
    problems = [forms.message(rejected[name]) for name in rejected if any(name.startswith(i) for i in inputs)]
    if problems:
        slot.error("\n\n".join(problems))


def sidebar_inputs(document: dict) -> tuple[list[forms.Field], dict, dict]:
    """Draw the sidebar fields; the fields, what was entered in each, and slots for messages."""
    fields, entered, slots = [], {}, {}

    def draw(field: forms.Field) -> None:
        entered[field.input], slots[field.input] = field_input(field, document)
        fields.append(field)

    with st.sidebar:
        draw(forms.OBJECTIVE)
        for group, group_fields in forms.FIELDS.items():
            with st.expander(group, expanded=group == "Schedule"):
                for field in group_fields:
                    if field.path[0] != "workload" or document.get("workload") is not None:
                        draw(field)
                if group == "Training run":
                    if document.get("workload") is None:
                        st.caption("This scenario names its runs: edit them in the Workloads tab.")
                    slots["compute"] = st.empty()
                if group == "Money":
                    st.caption("Money arriving in each fiscal year (April to March), in all or by source")
                    entered["fiscal_years"], slots["budget.fiscal_years"] = table_input(
                        forms.fiscal_year_frame(document), "fiscal_years", dynamic=True, tips=forms.MONEY_HELP
                    )
    return fields, entered, slots


def main() -> None:
    st.set_page_config(page_title="Sovereign AI capacity planner", layout="wide")
    st.sidebar.title("Scenario")
    base, origin, upload_problem = loaded_scenario()
    fresh_inputs_for(base)
    document = base.document()

    st.title("Sovereign AI capacity planner")
    if upload_problem:
        st.error(upload_problem)
    summary_area = st.container()
    tabs = ["Charts", "Programme", "Hours", "Limits", "Workloads", "Sites and grid", "Accelerators", "Plan tables", "Sweeps", "Hedge"]
    (tab_charts, tab_programme, tab_hours, tab_limits, tab_workloads, tab_sites, tab_accelerators, tab_tables, tab_sweeps,
     tab_hedge) = st.tabs(tabs, key=TAB, on_change="rerun")

    fields, entered, slots = sidebar_inputs(document)
    with tab_sites:
        st.caption("Untick a site to plan without it. Grid phases apply from their start month on.")
        sites_table, sites_slot = group_table(forms.SITES, document)
        grid_table, grid_slot = table_input(
            forms.grid_frame(document),
            "grid",
            dynamic=True,
            choices={forms.GRID_SITE: list(document["sites"])},
            tips=forms.GRID_HELP,
        )
    with tab_accelerators:
        st.caption("Tick the accelerators the plan may buy; prices in USD convert at the exchange rate.")
        accelerator_table, accelerator_slot = group_table(forms.ACCELERATORS, document)
    with tab_workloads:
        st.caption("Training runs and serving streams: edit a cell, add a row at the bottom, or select rows to delete.")
        runs_table, runs_slot = workload_table(workloads.RUNS, document)
        streams_table, streams_slot = workload_table(workloads.STREAMS, document)

    edits = workloads.with_runs_converted([
        *forms.field_edits(fields, document, entered),
        *forms.fiscal_year_edits(document, entered["fiscal_years"]),
        *forms.SITES.edits(document, sites_table),
        *forms.grid_edits(document, grid_table),
        *forms.ACCELERATORS.edits(document, accelerator_table),
        *workloads.RUNS.edits(document, runs_table),
        *workloads.STREAMS.edits(document, streams_table),
    ])
    edited = apply_edits(base, edits, origin)
    for field in fields:
        show_problems(slots[field.input], edited.rejected, [field.input])
    show_problems(slots["budget.fiscal_years"], edited.rejected, [forms.MONEY_INPUT])
    show_problems(sites_slot, edited.rejected, ["sites:"])
    show_problems(grid_slot, edited.rejected, ["grid:"])
    show_problems(accelerator_slot, edited.rejected, ["accelerators:"])
    show_problems(runs_slot, edited.rejected, ["runs"])
    show_problems(streams_slot, edited.rejected, ["inference"])
    run = edited.scenario.run
    slots["compute"].caption(f"Training compute ({run.name}): {run.required_flop:.3g} FLOP")

    with summary_area:
        plan = results(edited, origin)
    version = canonical(edited.document)
    draw_if_open(tab_sweeps, draw_sweeps, edited.scenario, version)
    draw_if_open(tab_hedge, hedge_view.draw_hedge, edited.scenario, version,
                 lambda text: ranges_for(text, version, edited.scenario))
    if plan is None:
        return
    draw_if_open(tab_charts, draw_charts, plan, st.session_state.get("pinned"))
    draw_if_open(tab_programme, draw_programme, plan)
    draw_if_open(tab_hours, draw_hours, plan)
    draw_if_open(tab_limits, draw_limits, plan)
    draw_if_open(tab_tables, draw_tables, plan)


def draw_if_open(tab, draw, *arguments) -> None:
    """Draw a result tab only while it is the open one, to keep a re-plan under 1 s: a rerun on a
    cached plan took 0.3 s drawing every tab, 0.17 s drawing the open one (benchmarks/bench_app.py).
    The input tabs are drawn on every run, as their tables feed the plan. The widgets of these tabs
    have persist_state="page": their values outlive a closed tab."""
    if tab.open:
        with tab:
            draw(*arguments)


def results(edited: Edited, origin: str):
    """Status, headline numbers against the pinned plan, and downloads; the plan, if any."""
    scenario = edited.scenario
    st.caption(f"{scenario.name} ({origin})" + (f": {scenario.description}" if scenario.description else ""))
    if edited.rejected:
        count = len(edited.rejected)
        st.warning(
            f"{count} input{'s' if count > 1 else ''} not used: the plan below leaves "
            f"{'them' if count > 1 else 'it'} out. The message beside each says why."
        )
    try:
        plan = plan_for(canonical(edited.document), scenario, st.session_state.get(COMPARE_RULES, False))
    except RuntimeError as error:
        st.error(f"The solver could not plan this scenario: {error}")
        return None
    for notice in plan.notices:
        st.info(notice)
    pinned = st.session_state.get("pinned")
    if plan.feasible:
        if plan.message:
            st.warning(plan.message)
        draw_headline(plan, pinned)
    elif plan.status == "infeasible":
        draw_infeasible(plan)
    else:
        st.error(f"The solver stopped without a plan: {plan.message or plan.status}. Try a longer time limit (Solver).")
    draw_actions(plan, pinned)
    return plan


def draw_tables(plan) -> None:
    titles = {name: title for name, (title, _) in views.plan_tables().items()}
    name = st.selectbox("Table", CSV_TABLES, format_func=titles.get, key="table_shown", persist_state="page")
    st.dataframe(views.plan_table(plan, name), width="stretch", hide_index=True)


def draw_infeasible(plan) -> None:
    """Why there is no plan, and each change that alone would give one, prominently."""
    works, cannot = views.relaxations_in_words(plan)
    if not works:
        st.error(f"**No plan: {plan.message or 'infeasible'}.** {views.INFEASIBLE}")
        return
    lines = [f"**No plan: {plan.message or 'infeasible'}.** Each of these alone would give one:"]
    lines += [f"- **{option}**: " + "; ".join(descriptions) for option, descriptions in works.items()]
    if cannot:
        lines.append(f"\nNot enough on its own: {', '.join(cannot)}.")
    st.error("\n".join(lines))


def draw_headline(plan, pinned) -> None:
    before = (
        {metric.label: metric for metric in views.headline(pinned)} if pinned is not None and pinned.feasible else {}
    )
    metrics = views.headline(plan)
    for start in range(0, len(metrics), 4):
        for column, metric in zip(st.columns(4), metrics[start : start + 4]):
            colour = "off" if metric.lower_is_better is None else "inverse" if metric.lower_is_better else "normal"
            column.metric(
                metric.label,
                metric.text,
                delta=views.change(metric, before.get(metric.label)),
                delta_color=colour,
            )
            column.caption(metric.detail)
    note = views.sizing_note(plan)
    if note:
        st.caption(note)


def draw_actions(plan, pinned) -> None:
    """Pin or unpin a plan to compare against, the downloads, and what differs from the pinned plan."""
    pin, unpin, *download_columns = st.columns([1, 1, *[1.4] * len(DOWNLOADS)])
    if pin.button("Pin this plan", help="Keep this plan; the headline and charts then compare the next plans with it"):
        st.session_state["pinned"] = plan
        st.rerun()
    if pinned is not None and unpin.button("Unpin"):
        del st.session_state["pinned"]
        st.rerun()
    for column, download in zip(download_columns, DOWNLOADS):
        column.download_button(
            download.label,
            data=functools.partial(download.write, plan),
            file_name=download.file_name(plan),
            mime=download.mime,
            key=f"download:{download.suffix}",
        )
    if pinned is None:
        st.caption(
            "Pin a plan, then change inputs: the headline shows each change and the charts draw the pinned plan dashed."
        )
        return
    changed = differences(pinned.scenario.document(), plan.scenario.document())
    with st.expander(f"Compared with the pinned plan: {len(changed)} input{'s' if len(changed) != 1 else ''} differ"):
        st.dataframe(pd.DataFrame(changed, columns=["input", "pinned", "current"]), hide_index=True, width="stretch")


def draw_charts(plan, pinned) -> None:
    if not plan.feasible:
        st.info("No charts: this scenario has no feasible plan.")
        return
    left, right = st.columns(2)
    left.vega_lite_chart(spec=charts.compute_chart(plan, pinned), width="stretch")
    right.vega_lite_chart(spec=charts.spending_chart(plan, pinned), width="stretch")
    right.caption(views.budget_rule(plan))
    sites = list(plan.scenario.sites)
    for column, site in zip(st.columns(len(sites)), sites):
        column.vega_lite_chart(spec=charts.power_chart(plan, pinned, site), width="stretch")
    for column, site in zip(st.columns(len(sites)), sites):
        column.vega_lite_chart(spec=charts.fleet_chart(plan, pinned, site), width="stretch")


def draw_programme(plan) -> None:
    """The programme: runs against deadlines, the cost of each, the fleet by vintage, cash by source."""
    if not plan.feasible:
        st.info("No charts: this scenario has no feasible plan.")
        return
    left, right = st.columns(2)
    left.vega_lite_chart(spec=programme_charts.gantt_chart(plan), width="stretch")
    right.vega_lite_chart(spec=programme_charts.run_cost_chart(plan), width="stretch")
    left, right = st.columns(2)
    left.vega_lite_chart(spec=programme_charts.vintage_chart(plan), width="stretch")
    right.vega_lite_chart(spec=programme_charts.cash_chart(plan), width="stretch")
    right.caption(views.budget_rule(plan))
    st.toggle("Compare with the run rules relaxed", key=COMPARE_RULES, persist_state="page",
              help="Re-plan with every run free to mix types and with every run on one site, and show what each "
              "rule costs. Two more plans, so a few seconds more on the programme default.")
    if st.session_state.get(COMPARE_RULES):
        if plan.alternatives.empty:
            st.caption("No run rule here could change the plan (the cost objective, and a run with a choice, are needed).")
        else:
            st.dataframe(views.plan_table(plan, "alternatives"), width="stretch", hide_index=True)


def draw_hours(plan) -> None:
    """A typical day at each site in a chosen month (the month of the highest hour at first),
    then each site's peak hour by month and the months it throttled training."""
    if not plan.feasible:
        st.info("No charts: this scenario has no feasible plan.")
        return
    if not plan.scenario.representative_days:
        st.caption("A steady month: each day is flat. Set representative_days = true in the scenario (or tick "
                   "'Plan by the hour' under Solver) to plan on the sites' representative days.")
    months = list(dict.fromkeys(plan.power["month"]))
    peak = plan.peak_hours.loc[plan.peak_hours["facility_mw"].idxmax(), "month"] if not plan.peak_hours.empty else months[0]
    month = st.select_slider("Typical day in", months, value=peak, key="typical_month", persist_state="page")
    frames = hour_charts.typical_day_frames(plan, month)
    sites = list(plan.scenario.sites)
    for column, site in zip(st.columns(len(sites)), sites):
        column.vega_lite_chart(spec=hour_charts.typical_day_chart(frames, site, month), width="stretch")
    st.markdown("**Peak hour** of each site by month, against its firm and importable limit:")
    st.dataframe(plan.peak_hours, width="stretch", hide_index=True)
    if not plan.curtailment.empty:
        st.markdown("**Curtailment**: months a site throttled training in its windows:")
        st.dataframe(plan.curtailment, width="stretch", hide_index=True)


def draw_limits(plan) -> None:
    if not plan.feasible:
        draw_infeasible(plan)
        return
    lines = views.binding_in_words(plan)
    st.markdown("**Limits that bind**, and what one more unit of each is worth:")
    if plan.prices_note:
        st.caption(f"Prices of the {plan.prices_note}.")
    st.markdown("\n".join(f"- {line}" for line in lines) or "None reported.")
    entries = views.entry_in_words(plan)
    if entries:
        st.markdown("**Types left out**, and the price cut that would bring each in:")
        st.markdown("\n".join(f"- {line}" for line in entries))


def draw_sweeps(scenario: Scenario, version: str) -> None:
    """Many variants of the scenario as edited: the spread of outcomes, which assumptions
    matter, and what finishing earlier costs. `version` is the scenario's canonical text."""
    st.caption(
        "Plans many variants of the scenario above, edits included. The distribution and the tornado vary "
        "the fields listed here; the Pareto front varies the budget."
    )
    left, right = st.columns([3, 2])
    text = left.text_area(
        "Fields to vary, one FIELD=RANGE per line", value=sweep_views.EXAMPLE, key=INPUT + "sweep_ranges", height=130,
        persist_state="page",
    )
    ranges = ranges_for(text, version, scenario)
    if ranges.problems:
        left.error("\n\n".join(ranges.problems))
    right.markdown(sweep_views.GRAMMAR)
    tab_spread, tab_tornado, tab_front = st.tabs(["Distribution", "Tornado", "Pareto front"])
    with tab_spread:
        draw_distribution(scenario, version, text, ranges)
    with tab_tornado:
        draw_tornado(scenario, version, text, ranges)
    with tab_front:
        draw_front(scenario, version)


def run_on_request(name: str, settings: tuple, label: str, blocked: str | None, plans: int, analysis, *arguments):
    """Run `analysis(*arguments)`, `plans` plans, in this process (forking a threaded server is
    unsafe) when its button is pressed, not on every rerun (it takes seconds), with a progress
    bar; keep its table and give it back while the scenario and settings are the ones it ran
    with. More than sweep_views.MAX_PLANS plans are refused with a message."""
    key = f"sweep:{name}"
    too_many = sweep_views.too_many(plans)
    if too_many:
        st.error(too_many)
        blocked = blocked or "Fewer plans to run."
    if st.button(label, key=f"{key}:run", disabled=blocked is not None, type="primary"):
        bar = st.progress(0.0, text="Planning")

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, f"Planned {done:,} of {total:,}")

        st.session_state[key] = (settings, analysis(*arguments, workers=1, progress=progress))
    if blocked is not None:
        st.caption(blocked)
    ran = st.session_state.get(key)
    if ran is None:
        return None
    if ran[0] != settings:
        st.info("The scenario or the settings changed since the last run: run again for their results.")
        return None
    return ran[1]


def draw_distribution(scenario: Scenario, version: str, text: str, ranges: sweep_views.Ranges) -> None:
    count, seed_box, stratified_box = st.columns(3)
    samples = count.number_input(
        "Samples",
        min_value=1,
        max_value=sweep_views.MAX_PLANS,
        value=200,
        step=50,
        key=INPUT + "sweep_samples",
        persist_state="page",
        help="Monte Carlo draws of the distributions; every grid point gets all of them. "
        "For more, `planner sweep` plans on every core or on a cluster",
    )
    seed = seed_box.number_input(
        "Seed", min_value=0, value=1, step=1, key=INPUT + "sweep_seed", help="The same seed draws the same samples",
        persist_state="page",
    )
    stratified = stratified_box.checkbox(
        "Latin hypercube",
        key=INPUT + "sweep_stratified",
        persist_state="page",
        help="Stratified draws: each of the samples' equal-probability slices of every distribution holds one",
    )
    blocked, plans = ranges.blocked(), sweep_views.planned(ranges.varies, samples)
    label = "Run" if blocked else f"Run {plans:,} plans"
    drawn = sweep_views.samples_for(ranges.varies, samples)
    settings = (version, text, samples, seed, stratified)
    table = run_on_request(
        "distribution", settings, label, blocked, plans, sweep, scenario, ranges.varies, drawn, seed, stratified
    )
    if table is None:
        return
    st.caption(f"{sweep_views.counts(table)}. {sweep_views.SPREAD_NOTE}")
    st.dataframe(sweep_views.spread(table), hide_index=True)
    for column, metric in zip(st.columns(2), ("total_cost_jpy", "finish_month")):
        if table[metric].notna().any():
            column.altair_chart(distribution_chart(table, metric), width="stretch")
    reasons = sweep_views.reasons(table)
    if reasons:
        st.warning("\n\n".join(reasons))
    sweep_download(table, scenario, "sweep")
    with st.expander(f"All {len(table):,} scenarios"):
        st.dataframe(sweep_views.readable(table), hide_index=True)


def draw_tornado(scenario: Scenario, version: str, text: str, ranges: sweep_views.Ranges) -> None:
    metric = st.selectbox(
        "Measure", tornado_metrics(scenario), format_func=sweep_views.metric_label, key=INPUT + "sweep_metric",
        persist_state="page",
    )
    settings = (version, text, metric)
    plans = sweep_views.tornado_plans(ranges.varies)
    bars = run_on_request(
        "tornado", settings, "Run one at a time", ranges.blocked(), plans, tornado, scenario, ranges.varies, metric
    )
    if bars is not None:
        words = "Each field alone at each point of its range (a distribution's P10, P50 and P90), widest swing first."
        caption = f"{sweep_views.tornado_base(bars)}. {words}"
        show_analysis(bars, scenario, "tornado", caption, tornado_chart(bars), sweep_views.tornado_rows(bars))


def draw_front(scenario: Scenario, version: str) -> None:
    text = st.text_input(
        "Budgets",
        value=sweep_views.BUDGETS,
        key=INPUT + "sweep_budgets",
        persist_state="page",
        help="Totals for budget.total, a grid or list: '2e11 JPY..8e11 JPY:7', or relative to the scenario's, "
        "'-50%..+100%:7'. Each fiscal year's money scales with the total",
    )
    budgets, blocked = None, None
    try:
        budgets = budgets_for(text, version, scenario)
    except InputError as error:
        st.error(forms.message(error))
        blocked = "Correct the budgets to run."
    plans = len(budgets.values) if budgets else 0
    points = run_on_request("pareto", (version, text), "Run the budgets", blocked, plans, pareto, scenario, budgets)
    if points is not None:
        caption = (
            f"The earliest finish at each budget (up to {points.attrs['latest']}) and its cost; on the front when no "
            "other plan finishes as early for less."
        )
        show_analysis(points, scenario, "pareto", caption, pareto_chart(points), sweep_views.front_rows(points))


def show_analysis(table: pd.DataFrame, scenario: Scenario, kind: str, caption: str, chart, rows: pd.DataFrame) -> None:
    st.caption(caption)
    st.altair_chart(chart, width="stretch")
    st.dataframe(rows, hide_index=True)
    sweep_download(table, scenario, kind)


def sweep_download(table: pd.DataFrame, scenario: Scenario, kind: str) -> None:
    st.download_button(
        "Table (CSV)",
        data=functools.partial(sweep_views.csv_bytes, table),
        file_name=f"{file_stem(scenario.name)}-{kind}.csv",
        mime="text/csv",
        key=f"download:{kind}",
    )


main()

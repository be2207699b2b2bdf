"""The app's Hedge tab: the orders to place before a decision month that do best across many
futures of the scenario as edited (planner.studies.hedge, docs/hedging.md). One function,
`draw_hedge`, for streamlit_app.py to call inside its tab."""

from __future__ import annotations

from typing import Callable

import pandas as pd
import streamlit as st

from planner.app.forms import message
from planner.app.sweep_views import Ranges
from planner.inputs.calendar import fiscal_year, label, parse_month
from planner.inputs.errors import InputError
from planner.inputs.scenario import Scenario
from planner.inputs.units import parse_quantity
from planner.results.words import BN, money
from planner.studies.hedge import Hedge, Settings, cases_from_design, hedge

EXAMPLE = "accelerators.VR200.mfu=uniform(0.3, 0.45)"
MAX_FUTURES = 50  # the extensive form on one machine (benchmarks/results.md); more with `planner hedge`
KEY = "hedge:"
LABELS = {"--decision": "Decision month", "--alpha": "CVaR level (alpha)", "--risk-weight": "Weight of CVaR (lambda)",
          "--late-penalty": "Penalty per month late"}  # the inputs here that the command line's flags are


def default_decision(scenario: Scenario) -> str:
    """The end of the horizon's first fiscal year (March), e.g. 2027-03 for a start in 2026-04."""
    first = scenario.horizon.start
    return label(min(pd.Period(f"{fiscal_year(first) + 1}-03", "M"), scenario.horizon.end))


def draw_hedge(scenario: Scenario, version: str, read_ranges: Callable[[str], Ranges]) -> None:
    """Inputs, a button that plans the hedge (seconds to minutes), and its answer while the scenario
    (`version`, its canonical text) and the inputs are the ones it ran with. `read_ranges`: the
    app's cached sweep_views.read_ranges of the scenario."""
    st.caption("Orders placed before the decision month are shared by every future; after it, each "
               "future adapts. The futures are draws of the fields listed here.")
    # The app draws this tab only while it is open: persist_state keeps its inputs meanwhile.
    text = st.text_area("Uncertain fields, one FIELD=RANGE per line", value=EXAMPLE, key=KEY + "ranges", height=80,
                        persist_state="page")
    ranges = read_ranges(text)
    if ranges.problems:
        st.error("\n\n".join(ranges.problems))
    draws_box, seed_box, decision_box = st.columns(3)
    draws = draws_box.number_input("Futures drawn", 1, MAX_FUTURES, 10, key=KEY + "draws", persist_state="page")
    seed = seed_box.number_input("Seed", 0, 2**31 - 1, 7, key=KEY + "seed", persist_state="page")
    decision = decision_box.text_input("Decision month (YYYY-MM)", default_decision(scenario), key=KEY + "decision",
                                       persist_state="page")
    risk_box, alpha_box, late_box = st.columns(3)
    risk = risk_box.number_input("Weight of CVaR (lambda)", 0.0, 100.0, 0.0, key=KEY + "risk", persist_state="page")
    alpha = alpha_box.number_input("CVaR level (alpha)", 0.0, 0.99, 0.9, key=KEY + "alpha", persist_state="page")
    late = late_box.text_input("Penalty per month late (blank: deadlines hold)", "", key=KEY + "late",
                               persist_state="page")
    inputs = (version, text, draws, seed, decision, risk, alpha, late)
    blocked = ranges.blocked()
    if st.button("Hedge", key=KEY + "run", disabled=blocked is not None, type="primary"):
        try:
            penalty = parse_quantity(late, "JPY", "--late-penalty", scenario.exchange_rate) if late.strip() else None
            settings = Settings(parse_month(decision.strip(), "--decision"), risk, alpha, penalty)
            cases, _ = cases_from_design(ranges.varies, int(draws), int(seed))
            with st.spinner("Planning every future together, then each alone"):
                st.session_state[KEY + "result"] = (inputs, hedge(scenario, cases, settings, workers=1))
        except InputError as error:
            st.error(message(InputError(LABELS.get(error.field, error.field), error.expected, error.found)))
        except RuntimeError as error:  # the solver could not run
            st.error(f"The solver failed: {error}")
    if blocked is not None:
        st.caption(blocked)
    ran = st.session_state.get(KEY + "result")
    if ran is None:
        return
    if ran[0] != inputs:
        st.info("The scenario or the inputs changed since the last run: run again for their results.")
        return
    show(ran[1])


def show(result: Hedge) -> None:
    s = result.summary()
    if s["status"] not in ("optimal", "feasible"):
        st.error(s["message"] or "No hedged plan.")
        return
    for notice in s["notices"]:
        st.info(notice)
    objective, vss, evpi = st.columns(3)
    objective.metric("Expected cost", money(s["expected_cost_jpy"]))
    vss.metric("Value of the stochastic solution", money(s["vss_jpy"]) if s["vss_jpy"] is not None else "unbounded",
               help=s["vss_note"] or "What hedging saves against ordering for the expected future")
    evpi.metric("Value of perfect information", money(s["evpi_jpy"]) if s["evpi_jpy"] is not None else "–",
                help="What knowing the future before ordering would be worth")
    st.subheader(f"Orders placed now (up to {s['decision']})")
    if result.orders.empty:
        st.write("None: every future is best served by ordering after the decision month.")
    else:
        st.dataframe(result.orders, hide_index=True)
    st.subheader("Each future with these orders")
    money_columns = [c for c in result.outcomes if c.endswith("_jpy")]
    shown = result.outcomes.assign(**{c: result.outcomes[c] / BN for c in money_columns})
    st.dataframe(shown.rename(columns={c: c.removesuffix("_jpy") + " (JPY bn)" for c in money_columns}), hide_index=True)
    from planner.exchange.hedge_sheet import hedge_workbook_bytes  # xlsxwriter loads only for a workbook

    st.download_button("Download the Hedge sheet (xlsx)", hedge_workbook_bytes(s, result.orders, result.outcomes),
                       "hedge.xlsx", key=KEY + "download")

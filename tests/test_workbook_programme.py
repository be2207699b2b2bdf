"""The programme in the planning workbook (issue 13, item 7): Runs, Inference, Cash and
Fleet-by-vintage sheets, and the programme's inputs round-tripping through the Inputs sheet."""

import io

import openpyxl
import pytest
from builders import planned, programme
from workbooks import table

from planner.exchange.export import workbook_bytes
from planner.exchange.workbook_import import scenario_from_workbook

FLOPS, DAY, PRICE, WATTS = 1000e12 * 0.5, 86400.0, 1e7, 1000.0
JPY_PER_J = 20 / 3.6e6 * 1.2
RUN = {"compute": "1e24 FLOP", "availability": 1.0, "earliest_start": "2027-11", "deadline": "2027-11",
       "accelerators": ["X1"]}
TRAINER = {"description": "a trainer", "peak_bf16": "1000 TFLOP/s", "gpu_power": "700 W", "it_power": "1000 W",
           "idle_fraction": 0.25, "capex": "1e7 JPY", "first_delivery": "2020-01", "scalable_unit": 8, "mfu": 0.5}
# every input of the programme: runs in order on chosen types, a stream with steps by fiscal
# year, the economics, money by source with its share, an existing fleet
PROGRAMME = {
    "workload": None,
    "horizon": {"start": "2027-11", "end": "2028-06"},
    "runs.A": RUN,
    "runs.B": {**RUN, "deadline": "2028-03", "after": "A", "availability": 0.95, "accelerators": ["X1", "X2"]},
    "accelerators.X2": TRAINER,
    "accelerators.X1.serving_throughput": "2000 token/s",
    "inference.chat": {"start": "2027-12", "accelerators": ["X1"],
                       "demand": {"by_fiscal_year": {"FY2027": "1e6 token/s", "FY2028": "2e6 token/s"},
                                  "source": "estimate: adoption doubles"}},
    "economics": {"view": "residual", "discount_rate": 0.03, "useful_life": "4 year", "resale_of_book_value": 0.5},
    "budget.public_share": 0.5,
    "budget.public": {"FY2027": "5e9 JPY", "FY2028": "1e10 JPY"},
    "budget.private": {"FY2027": {"value": "1e10 JPY", "source": "operator's plan"}, "FY2028": "1e10 JPY"},
    "sites.Alpha.existing_fleet": {"X1": 100},
}


@pytest.fixture(scope="module")
def plan():
    return planned(programme(PROGRAMME))


@pytest.fixture(scope="module")
def book(plan):
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes(plan)))


def test_the_programmes_inputs_round_trip_through_the_inputs_sheet(plan):
    again = scenario_from_workbook(workbook_bytes(plan))
    assert again.model_dump() == plan.scenario.model_dump()
    document = again.document()  # the values as the sheet writes them ("1e+24 FLOP"), sources kept
    assert document["budget"]["private"]["FY2027"]["source"] == "operator's plan"
    assert document["inference"]["chat"]["demand"]["source"] == "estimate: adoption doubles"
    assert again.runs["B"].after == "A" and again.runs["B"].accelerators == ["X1", "X2"]
    assert again.sites["Alpha"].existing_fleet == {"X1": 100}


def test_runs_sheet_holds_each_run(book, plan):
    runs = table(book["Runs"]).set_index("Run")
    assert list(runs.index) == ["A", "B"]
    assert runs.loc["A", ["Start", "Finish", "Deadline"]].tolist() == ["2027-11", "2027-11", "2027-11"]
    # A trains in November (30 days) on 1e24 / (5e14 x 30 days) = 771.6 X1, 100 of them existing
    assert runs.loc["A", "Peak at work (count)"] == pytest.approx(1e24 / (FLOPS * 30 * DAY), rel=1e-6)
    assert runs.loc["B", "Attributed cost (JPY bn)"] == pytest.approx(plan.runs.set_index("run").at["B", "attributed_cost_jpy"] / 1e9)


def test_inference_sheet_holds_demand_and_service_by_month(book):
    served = table(book["Inference"]).set_index("Month")
    assert served.loc["2027-11", "Demand (tokens/s)"] == 0
    assert served.loc["2027-12", "Demand (tokens/s)"] == 1e6
    assert served.loc["2028-04", "Served (tokens/s)"] == pytest.approx(2e6, rel=1e-6)  # FY2028 from April


def test_fleet_by_vintage_counts_purchases_and_the_existing_fleet(book):
    # 100 X1 exist from the start; A's November needs 771.6, so 671.6 are bought in November
    vintages = table(book["Fleet-by-vintage"])
    x1 = vintages[(vintages["Accelerator"] == "X1")]
    existing = x1[x1["Bought"] == "existing"].set_index("Month")["In service (count)"]
    assert existing.tolist() == [100] * 8
    november = x1[x1["Bought"] == "2027-11"].set_index("Month")["In service (count)"]
    assert november["2027-11"] == pytest.approx(1e24 / (FLOPS * 30 * DAY) - 100, rel=1e-6)


def test_cash_sheet_splits_public_and_private_against_the_money_arriving(book, plan):
    cash = table(book["Cash"]).set_index(["Fiscal year", "Source"])
    assert cash.loc[("FY2027", "public"), "Arriving (JPY bn)"] == 5
    assert cash.loc[("FY2028", "private"), "Arrived to date (JPY bn)"] == 20
    costs = plan.costs.set_index("fiscal_year")
    for year in ("FY2027", "FY2028"):
        paid = cash.loc[(year, "public"), "Paid (JPY bn)"] + cash.loc[(year, "private"), "Paid (JPY bn)"]
        assert paid == pytest.approx(costs.at[year, "total_jpy"] / 1e9, rel=1e-6)
        assert cash.loc[(year, "public"), "Paid (JPY bn)"] <= 0.5 * costs.at[year, "capex_jpy"] / 1e9 * (1 + 1e-9)


def test_a_budget_without_sources_is_one_row_a_year():
    one = planned(programme({"budget.fiscal_years": {"FY2026": "1e15 JPY"}}))
    cash = table(openpyxl.load_workbook(io.BytesIO(workbook_bytes(one)))["Cash"])
    assert set(cash["Source"]) == {"budget"}
    assert cash.set_index("Fiscal year").loc["FY2027", "Arriving (JPY bn)"] == 0  # a year not listed brings none

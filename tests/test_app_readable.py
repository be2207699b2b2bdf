"""What a person reads in the app: the plan's tables with names, units and separators, prices
written as the headline writes money, and one unit down the fit-out column."""

import re

import pytest
from test_app import assert_shows, opened, started, tab


def test_plan_tables_read_with_names_units_and_separators(default_plan):
    at = started()
    box = next(box for box in opened(at, "Plan tables").selectbox if box.label == "Table")
    assert box.options == ["Fleet", "Power", "Energy and emissions", "Costs", "Compute", "Runs", "Inference",
                           "Alternatives", "Binding constraints", "Price to enter", "Relaxations"]
    fleet = tab(at, "Plan tables").dataframe[0].value
    assert list(fleet.columns) == ["Site", "Accelerator", "Month", "Installed (count)", "Delivered (count)",
                                   "Retired (count)", "Training (count)", "Serving (count)"]
    most = default_plan.fleet["installed"].idxmax()
    assert fleet.at[most, "Installed (count)"] == f"{default_plan.fleet.at[most, 'installed']:,.0f}"
    assert "," in fleet.at[most, "Installed (count)"]  # thousands of accelerators

    box.select("costs").run()
    costs = tab(at, "Plan tables").dataframe[0].value
    assert list(costs.columns) == ["Fiscal year", "Capex (JPY bn)", "Electricity (JPY bn)", "Total (JPY bn)",
                                   "Budget arriving (JPY bn)", "Public money (JPY bn)", "Private money (JPY bn)",
                                   "Demand charges (JPY bn)"]
    for shown, capex in zip(costs["Capex (JPY bn)"], default_plan.costs["capex_jpy"]):
        assert float(shown.replace(",", "")) == pytest.approx(capex / 1e9, abs=0.005)

    box.select("binding").run()
    binding = tab(at, "Plan tables").dataframe[0].value
    assert "shadow_price" not in binding and "Unit" not in binding
    worth = binding.at[0, "One more unit is worth"]
    # the economic cost (residual view) prices 1e24 FLOP in hundreds of millions of yen: written in mn
    assert re.fullmatch(r"JPY \d{3}\.\d mn per 1e24 FLOP", worth), worth
    assert float(worth.split()[1]) == pytest.approx(default_plan.binding.at[0, "shadow_price"] / 1e6, abs=0.05)

    box.select("entry").run()
    entry = tab(at, "Plan tables").dataframe[0].value
    assert all(re.fullmatch(r"\d+\.\d%", share) for share in entry["Cut (share of capex)"])


def test_limits_write_shadow_prices_as_money(default_plan):
    at = started()
    limits = "\n".join(block.value for block in opened(at, "Limits").markdown)
    binding = default_plan.binding.set_index("description")["shadow_price"]
    # the 1T run's 1e12 parameters x 20 tokens each x 6 FLOP per parameter-token = 1.2e26 FLOP by its deadline
    price = binding["1T: 1.2e+26 FLOP by 2027-09"]  # JPY of economic cost per 1e24 FLOP, hundreds of millions
    assert 1e8 <= price < 1e9
    assert f"**1T: 1.2e+26 FLOP by 2027-09**: JPY {price / 1e6:.1f} mn per 1e24 FLOP" in limits  # not 1.74e+08 JPY
    assert "e+0" not in limits


def test_the_fitout_column_shows_one_unit_and_plans_as_written(default_plan):
    at = started()
    sites = tab(at, "Sites and grid").dataframe[0].value
    # the profiles' 1.51e9, 0.83e9 and 1.5e9 JPY/MW, over 1e6 W a MW
    assert sites["Fit-out cost"].tolist() == ["1510 JPY/W", "830 JPY/W", "1500 JPY/W"]
    assert_shows(at, default_plan)  # shown in another unit, the scenario unchanged

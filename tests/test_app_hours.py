"""The app's Hours tab (issue 16, item 4): a typical day at each site for each month, supply
stacked against the load with the price drawn over it, from hand-computed plans."""

from pathlib import Path

import pytest
from builders import planned, scenario
from streamlit.testing.v1 import AppTest
from test_app import opened

from planner.app import hour_charts

APP = str(Path(__file__).parent.parent / "streamlit_app.py")
DECEMBER = {"horizon.end": "2027-12", "workload.earliest_start": "2027-12", "workload.deadline": "2027-12"}
NOON_PEAK = {"days": [{"name": "weekday", "months": list(range(1, 13)), "share": 0.7, "price": [1.0] * 12 + [2.0] + [1.0] * 11},
                      {"name": "weekend", "months": list(range(1, 13)), "share": 0.3}]}
FLOPS, DAY = 1000e12 * 0.5, 86400.0


def test_the_typical_day_weighs_the_months_days_and_keeps_its_mean_price():
    # weekdays (0.7 of the month) double the price at noon: factors scaled to a mean of 1 over the
    # month's hours, (0.7 x 25 + 0.3 x 24) / 24 = 1.0292, so noon is 20 x 1.7 / 1.0292 JPY/kWh
    plan = planned(scenario({**DECEMBER, "representative_days": True, "sites.Alpha.hours": NOON_PEAK}))
    frames = hour_charts.typical_day_frames(plan, "2027-12")
    day = frames["day"].set_index("hour")
    mean = (0.7 * 25 + 0.3 * 24) / 24
    assert day.loc[12, "price_jpy_per_kwh"] == pytest.approx(20 * 1.7 / mean, rel=1e-12)
    assert day.loc[0, "price_jpy_per_kwh"] == pytest.approx(20 / mean, rel=1e-12)
    assert day["price_jpy_per_kwh"].mean() == pytest.approx(20, rel=1e-12)  # the month's price stays the profile's
    # 1e24 FLOP in December's 31 days at 5e14 FLOP/s: 746.7 X1 of 1 kW at PUE 1.2, all from the grid
    load = 1e24 / (FLOPS * 31 * DAY) * 1.2e-3
    assert day["load_mw"].tolist() == pytest.approx([load] * 24, rel=1e-6)
    supply = frames["supply"].set_index(["source", "hour"])["mw"]
    assert supply["grid import"].tolist() == pytest.approx(day["load_mw"].tolist(), rel=1e-12)
    assert supply["clean contracts"].tolist() == [0.0] * 24


def test_a_night_wind_contract_supplies_the_nights_and_a_quarter_of_the_days():
    # tests/test_clean.py: wind signed up to the night load L (0.8 C = L), 0.2 C = L / 4 by day
    wind = {"kind": "wind", "price": "10 JPY/kWh", "capacity_factor": 0.5, "hourly": [1.6] * 12 + [0.4] * 12}
    plan = planned(scenario({**DECEMBER, "horizon.start": "2027-12", "sites.Alpha.contracts": {"W1": wind}}))
    supply = hour_charts.typical_day_frames(plan, "2027-12")["supply"].set_index(["source", "hour"])["mw"]
    load = 1e24 / (FLOPS * 31 * DAY) * 1.2e-3
    assert supply["clean contracts"].tolist() == pytest.approx([load] * 12 + [load / 4] * 12, rel=1e-9)
    assert supply["grid import"].tolist() == pytest.approx([0.0] * 12 + [0.75 * load] * 12, abs=1e-9)


def test_the_typical_day_dips_in_a_curtailment_hour_and_the_chart_draws_one_site():
    # a flexible connection throttles training at 18:00 down to the firm 1.2 MW (tests/test_hours.py)
    plan = planned(scenario({**DECEMBER, "representative_days": True, "workload.compute": "1.5e24 FLOP",
                             "sites.Alpha.grid_phases": [{"start": "2027-01", "grid_import": "1.2 MW", "it_capacity": "1000 MW"}],
                             "sites.Alpha.flexible_connection": {"extra_import": "0.6 MW", "windows": [{"months": [12], "hours": [18]}]}}))
    frames = hour_charts.typical_day_frames(plan, "2027-12")
    load = frames["day"].set_index("hour")["load_mw"]
    assert load[18] == pytest.approx(1.2, rel=1e-6)
    assert load[17] == load[19] == pytest.approx(plan.peak_hours["facility_mw"].iloc[-1], rel=1e-9)
    assert load[17] > 1.2
    spec = hour_charts.typical_day_chart(frames, "Alpha", "2027-12")
    assert spec["title"] == "Alpha, a typical day in 2027-12"
    assert len(spec["datasets"]["day"]) == 24 and len(spec["datasets"]["supply"]) == 3 * 24  # contracts, battery and grid by hour
    assert spec["resolve"] == {"scale": {"y": "independent"}}  # the price on its own axis
    assert hour_charts.typical_day_frames(plan, "2027-11")["day"]["load_mw"].sum() == 0  # nothing installed before


def test_the_hours_tab_draws_a_typical_day_at_each_site_and_replans_by_the_hour():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not next(tab for tab in at.tabs if tab.label == "Hours").children  # drawn only when open
    hours = opened(at, "Hours")
    assert len(hours.get("vega_lite_chart")) == 3  # Tomakomai, Sakai, Existing
    assert any("A steady month" in caption.value for caption in hours.caption)
    next(box for box in at.checkbox if box.label == "Plan by the hour").check().run()
    assert not at.exception
    hours = next(tab for tab in at.tabs if tab.label == "Hours")
    assert len(hours.get("vega_lite_chart")) == 3
    assert not any("A steady month" in caption.value for caption in hours.caption)
    assert [slider.label for slider in at.select_slider] == ["Typical day in"]

"""Shipped data: every number names its source, and derived values follow their documented rule."""

import subprocess
import sys
import zipfile

import pytest

from planner.inputs.catalog import CATALOG_FILE, catalog_entries
from planner.inputs.fields import read_toml
from planner.inputs.sites import profile_dir
from planner.inputs.units import parse_quantity

PROFILES = sorted(profile_dir().glob("*.toml"))


def unsourced(table: dict, path: str = "") -> list[str]:
    """Fields holding a number or quantity with no source beside them."""
    missing = []
    for key, value in table.items():
        where = f"{path}{key}"
        if key in ("description", "source", "note"):
            continue
        if isinstance(value, dict) and {"value", "by_month", "by_fiscal_year", "per_year"} & set(value):
            if not str(value.get("source", "")).strip():
                missing.append(where)
        elif isinstance(value, dict):
            missing += unsourced(value, where + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if not str(item.get("source", "")).strip():
                    missing.append(f"{where}[{i}]")
        else:
            missing.append(where)
    return missing


def test_every_catalog_value_names_its_source():
    assert unsourced(catalog_entries()) == []


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.stem)
def test_every_profile_value_names_its_source(profile):
    assert unsourced(read_toml(profile)) == []


def test_catalog_has_the_accelerators_the_programme_considers():
    assert set(catalog_entries()) >= {"V100", "A100", "H100", "H800", "H200", "B200", "GB200", "GB300", "VR200"}


def test_every_catalog_type_states_its_supply():
    # issue 13, item 4: every type has a delivery cap, a commissioning lag and an order lead time
    missing = [(name, field) for name, entry in catalog_entries().items()
               for field in ("delivery_cap", "commissioning_lag", "lead_time") if field not in entry]
    assert missing == []


def test_rubin_is_in_the_catalog_with_its_estimates_marked():
    rubin = catalog_entries()["VR200"]
    assert rubin["first_delivery"]["value"] == "2026-10"
    # the figures NVIDIA has not published are estimates, and say so
    for field in ("peak_bf16", "gpu_power", "it_power", "capex", "mfu", "first_delivery"):
        assert rubin[field]["source"].startswith("estimate:"), field


def test_sakai_pue_follows_the_documented_climate_rule(default_scenario):
    # PUE = 1.12 + 0.0065 x max(0, T - 10): January 6.3 degC -> 1.12; August 29.8 degC -> 1.2487
    pue = default_scenario.sites["Sakai"].monthly_pue()
    assert pue[0] == pytest.approx(1.12)
    assert pue[7] == pytest.approx(1.12 + 0.0065 * 19.8)
    tomakomai = default_scenario.sites["Tomakomai"].monthly_pue()
    assert tomakomai.max() < pue.max() and tomakomai.mean() < pue.mean()


def test_dollar_prices_convert_at_the_scenario_rate(default_scenario):
    # GB200 capex USD 48,000 at 150 JPY/USD (the catalog's figure since the rack's networking is
    # no longer counted twice); Sakai's fit-out is now given in yen: 0.83e9 JPY/MW = 830 JPY/W
    assert default_scenario.accelerators["GB200"].capex == pytest.approx(48000 * 150)
    assert default_scenario.sites["Sakai"].fitout_cost == pytest.approx(830)
    assert parse_quantity("2 USD/kWh", "JPY/J", "price", 100.0) == pytest.approx(200 / 3.6e6)


def test_each_site_pays_its_own_utility_tariff_counted_once(default_scenario):
    # The demand charge is each network's high-voltage wheeling basic charge (ohrinplanning.jp,
    # Apr 2024: HEPCO NW JPY 792, Kansai T&D JPY 663.30 per kW-month), and the energy price the
    # rest of the tariff per kWh. At a steady draw (730.5 h a month) the two add up to the all-in
    # estimates of ../shared/reference/public-facts.md, Hokkaido 19-21 and Kansai 18-20 JPY/kWh:
    # 19 + 792/730.5 = 20.08 and 18 + 663.3/730.5 = 18.91. Before, both sites carried Hokkaido's
    # 60 kV retail basic charge (JPY 1,879.20, 2.6 JPY/kWh) on top of an all-in price that
    # already included it.
    per_kwh = 3.6e6  # J per kWh: prices are JPY/J, demand charges JPY/W/month
    steady = {}
    for name, charge, energy in (("Tomakomai", 792, 19), ("Sakai", 663.3, 18)):
        site = default_scenario.sites[name]
        assert site.demand_charge == pytest.approx(charge / 1e3)
        assert [price * per_kwh for price in site.electricity_price] == pytest.approx([energy] * 12)  # by month
        steady[name] = energy + charge / 730.5
    assert steady == pytest.approx({"Tomakomai": 20.08, "Sakai": 18.91}, abs=0.005)
    assert 19 <= steady["Tomakomai"] <= 21 and 18 <= steady["Sakai"] <= 20


def test_wheel_carries_profiles_catalog_and_default(tmp_path):
    root = profile_dir().parent
    if not (root / "pyproject.toml").is_file():
        pytest.skip("the tests run against an installed package, not a source tree")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(root)],
        check=True,
    )
    names = zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist()
    assert {"planner/site_profiles/hokkaido_tomakomai.toml", "planner/site_profiles/osaka_sakai.toml",
            "planner/data/accelerators.toml", "planner/data/default_scenario.toml"} <= set(names)
    assert CATALOG_FILE.name == "accelerators.toml"

"""`planner estimate`: published runs reproduced from their inputs, compute-optimal sizing,
bad input, and the calibration page kept in step with the code."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import scenario
from test_data import unsourced

from planner import make_plan
from planner.cli.main import main
from planner.inputs.catalog import catalog_performance
from planner.inputs.errors import InputError
from planner.inputs.fields import read
from planner.inputs.workload import Workload
from planner.results.verify import verify
from planner.studies.calibration import comparisons, page, published_runs
from planner.studies.estimate import Fleet, estimate
from planner.studies.sizing import BESIROGLU_2024, FITS, HOFFMANN_2022

ROOT = Path(__file__).parent.parent

# How close each published figure must come, and why (error = estimate / published - 1).
TOLERANCE = {
    # Patterson et al. computed GPT-3's days, energy and CO2 by this same arithmetic from the
    # measured 24.6 TFLOP/s; what is left is rounding (14.8 days) and 6ND being 0.3% above the
    # reported 3.14e23 FLOP.
    ("GPT-3 175B", "training_flop"): 0.01,
    ("GPT-3 175B", "days"): 0.01,
    ("GPT-3 175B", "energy"): 0.01,
    ("GPT-3 175B", "co2"): 0.01,
    # The paper's own estimate, 8TP/(nX), rounded to "about 84" days (half a day = 0.6%).
    ("Megatron-LM 1T", "days"): 0.01,
    # BLOOM reports "about 150 TFLOP/s" while training and no availability; the planner's 0.9
    # stands in for its restarts. 5% allows the rounded throughput and the unpublished availability.
    ("BLOOM 176B", "accelerator_hours"): 0.05,
    ("BLOOM 176B", "days"): 0.05,
    ("BLOOM 176B", "energy"): 0.05,
    ("BLOOM 176B", "co2"): 0.05,
    # 6ND leaves out the attention FLOP PaLM's count includes (about 1.3% at its 2,048 context).
    ("PaLM 540B", "training_flop"): 0.02,
    # PaLM's chip-hours include downtime and repeated steps the paper does not quantify: its steps
    # at 46.2% MFU fill ~67% of them, so at the planner's 0.9 the CO2 comes out ~27% low. 30% bounds
    # that known gap (still catching e.g. a lost PUE or a wrong intensity); docs/calibration.md shows it.
    ("PaLM 540B", "co2"): 0.30,
    # 6ND vs Meta's reported 3.8e25 (rounded to two figures).
    ("Llama 3.1 405B", "training_flop"): 0.01,
    # 30.84M GPU-hours cover every stage (long context, annealing) at 38-43% MFU, and "more than
    # 90%" effective time is a bound: 5% covers that spread.
    ("Llama 3.1 405B", "accelerator_hours"): 0.05,
    ("Llama 3.1 405B", "co2"): 0.05,
    # Patterson et al.'s own arithmetic from the measured 34.4 TFLOP/s, rounded to 3 figures.
    ("Switch Transformer 1.5T", "days"): 0.01,
    ("Switch Transformer 1.5T", "energy"): 0.01,
    ("Switch Transformer 1.5T", "co2"): 0.01,
}


def run(capsys, *argv):
    code = main(["estimate", *map(str, argv)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def estimated(capsys, *argv) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def off_by(value, published):
    return abs(value / published - 1)


# --- published runs, from their inputs on the command line --------------------------------------


def test_gpt3_days_energy_and_co2(capsys):
    # Patterson et al. 2021: 10,000 V100 at 24.6 TFLOP/s measured, 330 W each, PUE 1.10,
    # 0.429 kg/kWh -> 14.8 days (step time: availability 1), 1,287 MWh, 552 t
    r = estimated(capsys, "--params", "175e9", "--tokens", "300e9", "--accelerator", "V100", "--mfu", 24.6 / 125,
                  "--count", 10000, "--availability", 1, "--power-per-accelerator", "330 W", "--pue", 1.10,
                  "--carbon-intensity", "0.429 kg/kWh")
    hours = 6 * 175e9 * 300e9 / 24.6e12 / 3600
    assert r["accelerator_hours"] == pytest.approx(hours, rel=1e-9)
    assert r["facility_mw"] == pytest.approx(10000 * 330 * 1.10 / 1e6)
    assert off_by(r["training_flop"], 3.14e23) < TOLERANCE["GPT-3 175B", "training_flop"]
    assert off_by(r["days"], 14.8) < TOLERANCE["GPT-3 175B", "days"]
    assert off_by(r["facility_energy_mwh"], 1287) < TOLERANCE["GPT-3 175B", "energy"]
    assert off_by(r["co2_t"], 552) < TOLERANCE["GPT-3 175B", "co2"]
    assert r["it_energy_mwh"] == pytest.approx(r["facility_energy_mwh"] / 1.10)


def test_megatron_1t_with_eight_flop_per_parameter_token(capsys):
    # Narayanan et al. 2021: 1,008B parameters, 450B tokens, 3,072 A100 at 163 TFLOP/s counting
    # recomputation; time = 8TP/(nX), about 84 days (step time: availability 1)
    r = estimated(capsys, "--params", "1008e9", "--tokens", "450e9", "--flop-per-param-token", 8,
                  "--accelerator", "A100", "--mfu", 163 / 312, "--count", 3072, "--availability", 1)
    assert r["days"] == pytest.approx(8 * 450e9 * 1008e9 / (3072 * 163e12) / 86400, rel=1e-9)
    assert off_by(r["days"], 84) < TOLERANCE["Megatron-LM 1T", "days"]
    assert r["notices"] == []  # its own MFU on the 8ND basis: nothing counted twice


def test_bloom_gpu_hours_days_energy_and_co2(capsys):
    # BigScience / Luccioni et al. 2022: 384 A100 at about 150 TFLOP/s (8ND), 400 W TDP, PUE not
    # applied (so none given: IT energy, and CO2 of it), 0.057 kg/kWh -> 1,082,990 GPU-hours,
    # 118.2 days, 433 MWh, 24.7 t
    r = estimated(capsys, "--params", "176e9", "--tokens", "366e9", "--flop-per-param-token", 8,
                  "--accelerator", "A100", "--mfu", 150 / 312, "--count", 384, "--availability", 0.9,
                  "--power-per-accelerator", "400 W", "--carbon-intensity", "0.057 kg/kWh")
    assert off_by(r["accelerator_hours"], 1_082_990) < TOLERANCE["BLOOM 176B", "accelerator_hours"]
    assert off_by(r["days"], 118.2) < TOLERANCE["BLOOM 176B", "days"]
    assert r["pue"] is None and r["facility_energy_mwh"] is None
    assert off_by(r["it_energy_mwh"], 433) < TOLERANCE["BLOOM 176B", "energy"]
    assert off_by(r["co2_t"], 24.7) < TOLERANCE["BLOOM 176B", "co2"]


def test_llama_405b_gpu_hours_with_the_catalog_mfu(capsys):
    # Meta: 405B on 15.6T tokens, 3.8e25 FLOP, 16,384 H100, >90% effective time -> 30.84M GPU-hours.
    # No --mfu: the catalog's H100 default (38%, the paper's lower end) is what is being checked.
    r = estimated(capsys, "--params", "405e9", "--tokens", "15.6e12", "--accelerator", "H100", "--count", 16384,
                  "--availability", 0.9, "--power-per-accelerator", "700 W", "--carbon-intensity", "0.4137 kg/kWh")
    assert r["mfu"] == 0.38
    assert off_by(r["training_flop"], 3.8e25) < TOLERANCE["Llama 3.1 405B", "training_flop"]
    assert off_by(r["accelerator_hours"], 30.84e6) < TOLERANCE["Llama 3.1 405B", "accelerator_hours"]
    assert off_by(r["co2_t"], 8930) < TOLERANCE["Llama 3.1 405B", "co2"]


def test_switch_transformer_on_a_tpu_outside_the_catalog(capsys):
    # Patterson et al. 2021: 8.22e22 FLOP on 1,024 TPU v3 at 34.4 TFLOP/s measured, 245 W, PUE 1.10,
    # 0.403 kg/kWh -> 27 days (step time: availability 1), 179 MWh, 72.2 t
    r = estimated(capsys, "--compute", "8.22e22 FLOP", "--accelerator", "TPU v3", "--peak-flops", "123 TFLOP/s",
                  "--mfu", 34.4 / 123, "--power-per-accelerator", "245 W", "--count", 1024, "--availability", 1, "--pue", 1.10,
                  "--carbon-intensity", "0.403 kg/kWh")
    assert off_by(r["days"], 27) < TOLERANCE["Switch Transformer 1.5T", "days"]
    assert off_by(r["facility_energy_mwh"], 179) < TOLERANCE["Switch Transformer 1.5T", "energy"]
    assert off_by(r["co2_t"], 72.2) < TOLERANCE["Switch Transformer 1.5T", "co2"]


def test_mixture_of_experts_counts_active_parameters(capsys):
    # 1.5T parameters with 0.1% active per token (Switch-like), 1e12 tokens: 6 x 1.5e9 x 1e12
    moe = estimated(capsys, "--params", "1.5e12", "--active-params", "1.5e9", "--tokens", "1e12",
                    "--accelerator", "H100", "--count", 8)
    assert moe["training_flop"] == pytest.approx(9e21)
    dense = estimated(capsys, "--params", "1.5e12", "--tokens", "1e12", "--accelerator", "H100", "--count", 8)
    assert dense["training_flop"] == pytest.approx(9e24)
    assert dense["active_parameters"] == 1.5e12


# --- the calibration table -------------------------------------------------------------------------


@pytest.mark.parametrize("row", comparisons(), ids=lambda row: f"{row.run}-{row.figure}")
def test_every_published_figure_within_its_tolerance(row):
    assert abs(row.error) < TOLERANCE[row.run, row.figure]


def test_every_published_figure_has_a_stated_tolerance():
    assert {(row.run, row.figure) for row in comparisons()} == set(TOLERANCE)


def test_calibration_page_is_current():
    # regenerate with: python -m planner.studies.calibration > docs/calibration.md
    assert (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8") == page()


def test_published_runs_name_their_sources_and_use_the_catalogs_peaks():
    for run, table in published_runs():
        assert unsourced({part: table[part] for part in ("size", "fleet", "published")}) == []
    peaks = {run.fleet.accelerator: run.fleet.performance().peak_bf16 for run, _ in published_runs()}
    # dense peaks in training-runs.md and public-facts.md; TPUs from their runs' papers
    assert peaks == {"V100": 125e12, "A100": 312e12, "H100": 989e12, "TPU v4": 275e12, "TPU v3": 123e12}


# --- one way of counting, in the plan and in the estimate -------------------------------------------


def test_estimate_counts_compute_and_energy_as_the_plan_does():
    # builders' scenario: 1e24 FLOP on X1 (1000 TFLOP/s, MFU 0.5, 1000 W), availability 1, PUE 1.2, all of 2027
    s = scenario()
    plan = make_plan(s)
    assert verify(plan) == []
    hours = pd.PeriodIndex(plan.fleet["month"], freq="M").days_in_month * 24
    plan_hours = float((plan.fleet["training"] * hours).sum())
    fleet = Fleet.model_validate({"accelerator": "X1", "peak_bf16": "1000 TFLOP/s", "mfu": 0.5, "power": "1000 W",
                                  "count": 1, "availability": 1.0, "pue": 1.2, "carbon_intensity": "0.5 kg/kWh"})
    result = estimate(s.workload.required_flop, fleet)
    assert result.accelerator_hours == pytest.approx(plan_hours, rel=1e-6)
    assert result.facility_energy / 3.6e9 == pytest.approx(plan.summary()["energy_mwh"], rel=1e-6)
    assert result.co2 / 1000 == pytest.approx(plan.summary()["co2_t"], rel=1e-6)


def test_a_scenario_giving_compute_and_a_size_is_refused():
    with pytest.raises(InputError, match="'compute' or the run's size .*'parameters'"):
        scenario({"workload.parameters": "1e12"})


# --- days -> count --------------------------------------------------------------------------------------


def test_days_give_the_count_in_whole_servers(capsys):
    # 1e24 FLOP on H100 at 989 TFLOP/s x 0.38 x 0.9 (the default availability): 2.9565e9 GPU-seconds;
    # in 30 days 1,140.6 GPUs -> 143 servers of 8
    r = estimated(capsys, "--compute", "1e24", "--accelerator", "H100", "--days", 30)
    assert r["count"] == 1144
    assert r["days"] == pytest.approx(1e24 / (989e12 * 0.38 * 0.9) / 1144 / 86400)
    assert r["days"] <= 30 and r["target_days"] == 30
    assert any("rounded up to 1,144" in notice for notice in r["notices"])


def test_catalog_mfu_with_eight_flop_per_token_warns(capsys):
    r = estimated(capsys, "--params", "1e12", "--flop-per-param-token", 8, "--accelerator", "H100", "--count", 8)
    assert any("counts recomputation twice" in notice for notice in r["notices"])


def test_terminal_output_shows_the_working(capsys):
    code, out, _ = run(capsys, "--params", "405e9", "--tokens", "15.6e12", "--accelerator", "H100", "--count", 16384)
    assert code == 0
    assert "6 x 405B active parameters x 15.6T tokens" in out
    assert "16,384 H100" in out and "MFU 0.38" in out and "days" in out and "MWh" in out


# --- what needs no fleet size, what was not asked for, and the default availability ---------------------

# 6 N D with D = 20 N (the default tokens per parameter): 6 x 1e12 x 20e12 = 1.2e26 FLOP. The H100 of the
# catalog: 989 TFLOP/s x MFU 0.38 x availability 0.9 = 338.238 TFLOP/s, 1,450 W of IT power.
ONE_T = 6 * 1e12 * 20e12
ONE_T_HOURS = ONE_T / (989e12 * 0.38 * 0.9 * 3600)  # 98.55M accelerator-hours
NOT_ASKED = ("pue", "facility_energy_mwh", "facility_mw", "carbon_intensity_kg_per_kwh", "co2_t")


def test_without_count_or_days_it_reports_what_needs_neither(capsys):
    r = estimated(capsys, "--params", "1e12", "--accelerator", "H100")
    assert r["training_flop"] == pytest.approx(ONE_T, rel=1e-12)
    assert r["accelerator_hours"] == pytest.approx(ONE_T_HOURS, rel=1e-12)
    assert r["it_kwh_per_accelerator_hour"] == pytest.approx(1.45, rel=1e-12)
    assert r["it_energy_mwh"] == pytest.approx(ONE_T_HOURS * 1.45 / 1e3, rel=1e-12)  # 142,897 MWh
    for figure in ("count", "days", "it_mw", *NOT_ASKED):
        assert r[figure] is None, figure
    code, out, err = run(capsys, "--params", "1e12", "--accelerator", "H100")
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "training compute 1.2e+26 FLOP (6 x 1T active parameters x 20T tokens)",
        "on H100 in BF16: 989 TFLOP/s peak x MFU 0.38 x availability 0.9 = 338.2 TFLOP/s each",
        "takes 98.5M accelerator-hours; days and MW not asked for (give --count or --days)",
        "energy per accelerator-hour 1.45 kWh IT (PUE not asked for: give --pue for the facility)",
        "energy 142,897 MWh IT; CO2 not asked for (give --carbon-intensity)",
        "notice: availability 0.9 is the default, as plans assume; --availability 1 counts step time alone",
    ]


def test_compute_optimal_sizes_with_an_accelerator_but_no_fleet_size(capsys):
    # 1e25 FLOP on H100 at 338.238 TFLOP/s: 8.2125M accelerator-hours, 11,908 MWh IT
    r = estimated(capsys, "--compute", "1e25", "--accelerator", "H100", "--optimal")
    assert r["accelerator_hours"] == pytest.approx(1e25 / (989e12 * 0.38 * 0.9 * 3600), rel=1e-12)
    assert r["count"] is None and len(r["compute_optimal"]) == 3
    code, out, _ = run(capsys, "--compute", "1e25", "--accelerator", "H100", "--optimal")
    assert code == 0
    assert "takes 8.21M accelerator-hours; days and MW not asked for (give --count or --days)" in out.splitlines()
    assert "compute-optimal model for 1e+25 FLOP:" in out.splitlines()


def test_pue_and_carbon_intensity_not_given_are_said_to_be_not_asked_for(capsys):
    code, out, _ = run(capsys, "--params", "1e12", "--accelerator", "H100", "--count", 8192)
    assert code == 0
    assert "PUE 1" not in out and "CO2 0.0 t" not in out and "0 kg/kWh" not in out
    lines = out.splitlines()
    # 8,192 x 1,450 W = 11.88 MW; 98.55M hours / 8,192 / 24 = 501.3 days
    assert lines[2] == "takes 501.3 days, 98.5M accelerator-hours; draws 11.88 MW IT (8,192 x 1,450 W)"
    assert lines[3] == "energy per accelerator-hour 1.45 kWh IT (PUE not asked for: give --pue for the facility)"
    # a grid intensity without a PUE: CO2 of the IT energy, 142,897 MWh x 0.4 kg/kWh = 57,159.0 t
    r = estimated(capsys, "--params", "1e12", "--accelerator", "H100", "--carbon-intensity", "0.4 kg/kWh")
    assert r["co2_t"] == pytest.approx(ONE_T_HOURS * 1.45 * 0.4 / 1e3, rel=1e-12)
    code, out, _ = run(capsys, "--params", "1e12", "--accelerator", "H100", "--carbon-intensity", "0.4 kg/kWh")
    assert "energy 142,897 MWh IT; CO2 57,159.0 t at 0.4 kg/kWh on IT energy alone" in out.splitlines()
    # both given: 11.88 MW x 1.2 = 14.25 MW; 1.45 x 1.2 = 1.74 kWh per accelerator-hour; 142,897 x 1.2 = 171,477 MWh;
    # CO2 171,477 MWh x 0.4 kg/kWh = 68,590.8 t
    code, out, _ = run(capsys, "--params", "1e12", "--accelerator", "H100", "--count", 8192, "--pue", 1.2,
                       "--carbon-intensity", "0.4 kg/kWh")
    lines = out.splitlines()
    assert lines[2] == "takes 501.3 days, 98.5M accelerator-hours; draws 11.88 MW IT (8,192 x 1,450 W), 14.25 MW facility"
    assert lines[3] == "energy per accelerator-hour 1.45 kWh IT x PUE 1.2 = 1.74 kWh facility"
    assert lines[4] == "energy 142,897 MWh IT, 171,477 MWh facility; CO2 68,590.8 t at 0.4 kg/kWh"


def test_one_default_availability_for_plans_and_estimates(capsys):
    assert Fleet.model_fields["availability"].default == Workload.model_fields["availability"].default == 0.9
    given = estimated(capsys, "--params", "1e12", "--accelerator", "H100", "--availability", 0.9)
    default = estimated(capsys, "--params", "1e12", "--accelerator", "H100")
    assert default["availability"] == 0.9 and default["accelerator_hours"] == given["accelerator_hours"]
    assert given["notices"] == []
    assert default["notices"] == ["availability 0.9 is the default, as plans assume; --availability 1 counts step time alone"]
    with pytest.raises(SystemExit):
        main(["estimate", "--help"])
    assert "(default 0.9, as plans assume; 1 for step time alone)" in " ".join(capsys.readouterr().out.split())


# --- compute-optimal sizing ------------------------------------------------------------------------------


@pytest.mark.parametrize("fit", FITS, ids=lambda fit: fit.key)
@pytest.mark.parametrize("compute", [1e21, 5.88e23, 1.27e26])
def test_closed_form_is_the_minimum_on_the_compute_budget(fit, compute):
    # independent: search the loss along 6ND = C on a fine grid of N
    n = np.logspace(7, 15, 400_001)
    losses = fit.E + fit.A / n**fit.alpha + fit.B / (compute / (6 * n)) ** fit.beta
    best = n[np.argmin(losses)]
    assert fit.optimal_parameters(compute) == pytest.approx(best, rel=1e-4)
    assert fit.loss(best, compute / (6 * best)) == pytest.approx(losses.min())


def test_hoffmann_fit_scales_as_published():
    # Hoffmann et al. 2022, Table 2, approach 3: N_opt grows as C^0.46 (their unrounded fit)
    exponent = math.log10(HOFFMANN_2022.optimal_parameters(1e25) / HOFFMANN_2022.optimal_parameters(1e24))
    assert exponent == pytest.approx(0.46, abs=0.01)


def test_refit_gives_chinchilla_and_about_twenty_tokens_per_parameter():
    # Chinchilla (Hoffmann et al. 2022): 70B parameters on 1.4T tokens. The refit (Besiroglu et al. 2024)
    # recovers it within 5%; its optimum stays at "about 20" tokens per parameter (15-25) to 1e27 FLOP.
    chinchilla = 6 * 70e9 * 1.4e12
    n = BESIROGLU_2024.optimal_parameters(chinchilla)
    assert n == pytest.approx(70e9, rel=0.05)
    assert chinchilla / (6 * n) == pytest.approx(1.4e12, rel=0.05)
    for compute in (1e21, 1e24, 1e27):
        n = BESIROGLU_2024.optimal_parameters(compute)
        assert 15 < compute / (6 * n) / n < 25


def test_twenty_tokens_rule_at_a_trillion_parameters(capsys):
    # Hoffmann et al. 2022, Table 3: 1T parameters -> 21.2T tokens, 1.27e26 FLOP. The rule rounds 21.2 to
    # 20 tokens per parameter, so N = sqrt(C / 120) comes out sqrt(21.2/20) = 3% above 1T.
    r = estimated(capsys, "--compute", "1.27e26", "--optimal")
    rule, hoffmann, refit = r["compute_optimal"]
    assert rule["parameters"] == pytest.approx(math.sqrt(1.27e26 / 120))
    assert rule["parameters"] == pytest.approx(1e12, rel=0.03)
    assert rule["tokens"] == pytest.approx(21.2e12, rel=0.03)
    for sizing in (rule, hoffmann, refit):
        assert sizing["training_flop"] == pytest.approx(1.27e26)
    assert hoffmann["predicted_loss"]["hoffmann_2022"] < rule["predicted_loss"]["hoffmann_2022"]
    assert refit["predicted_loss"]["besiroglu_2024"] < rule["predicted_loss"]["besiroglu_2024"]
    assert "count" not in r  # no fleet given: sizes only


def test_optimal_model_for_a_fleet(capsys):
    # 16,384 H100 x 989 TFLOP/s x 0.38 x 0.9 (the default availability) x 90 days
    r = estimated(capsys, "--accelerator", "H100", "--count", 16384, "--days", 90, "--optimal")
    compute = 16384 * 989e12 * 0.38 * 0.9 * 90 * 86400
    assert r["training_flop"] == pytest.approx(compute)
    assert r["days"] == pytest.approx(90)
    assert r["compute_optimal"][0]["parameters"] == pytest.approx(math.sqrt(compute / 120))
    code, out, _ = run(capsys, "--accelerator", "H100", "--count", 16384, "--days", 90, "--optimal")
    assert code == 0 and "compute-optimal model" in out and "16,384 H100 for 90.0 days" in out


def test_catalog_performance_is_the_catalogs():
    h100 = catalog_performance("H100")
    assert (h100.peak_bf16, h100.mfu, h100.it_power, h100.scalable_unit) == (989e12, 0.38, 1450.0, 8)
    with pytest.raises(InputError, match="'H1000'"):
        catalog_performance("H1000")


def test_fleet_needs_the_full_description_outside_the_catalog():
    fleet = read(Fleet, {"accelerator": "TPU v4", "peak_bf16": "275 TFLOP/s", "count": 8}, "test")
    with pytest.raises(InputError, match="'mfu' and 'power'"):
        fleet.performance()


# --- bad input -----------------------------------------------------------------------------------------

SIZE = ["--params", "1e12", "--accelerator", "H100"]
BAD = {
    # case: (arguments, words the message must contain)
    "count and days": ([*SIZE, "--count", "8", "--days", "30"], ["--count", "--days", "both"]),
    "MFU above 1": ([*SIZE, "--count", "8", "--mfu", "1.2"], ["--mfu", "at most 1", "1.2"]),
    "MFU zero": ([*SIZE, "--count", "8", "--mfu", "0"], ["--mfu", "at least 0.01", "'0'"]),
    "MFU negative": ([*SIZE, "--count", "8", "--mfu=-0.3"], ["--mfu", "at least 0.01", "-0.3"]),
    "unknown accelerator": (["--params", "1e12", "--accelerator", "H1000", "--count", "8"], ["--accelerator", "'H1000'", "H100, H800"]),
    "negative tokens": ([*SIZE, "--count", "8", "--tokens=-5e12"], ["--tokens", "more than 0", "-5e12"]),
    "zero tokens per parameter": ([*SIZE, "--count", "8", "--tokens-per-param", "0"], ["--tokens-per-param", "more than 0"]),
    "tokens twice": ([*SIZE, "--count", "8", "--tokens", "1e12", "--tokens-per-param", "20"], ["--tokens", "--tokens-per-param", "both"]),
    "compute and size": ([*SIZE, "--count", "8", "--compute", "1e25"], ["--compute", "--params", "both"]),
    "more active than total": ([*SIZE, "--count", "8", "--active-params", "2e12"], ["--active-params", "--params", "2e+12"]),
    "no size": (["--accelerator", "H100", "--count", "8"], ["--params", "--compute", "neither"]),
    "no accelerator": (["--params", "1e12", "--count", "8"], ["--accelerator", "required"]),
    "no fleet at all": (["--params", "1e12"], ["--accelerator", "required"]),
    "optimal fleet without an accelerator": (["--compute", "1e25", "--count", "8", "--optimal"], ["--accelerator", "required"]),
    "fractional count": ([*SIZE, "--count", "8.5"], ["--count", "whole number", "8.5"]),
    "zero count": ([*SIZE, "--count", "0"], ["--count", "whole number", "'0'"]),
    "negative days": ([*SIZE, "--days=-3"], ["--days", "at least 1 hour", "-3"]),
    # issue 11: absurd sizes are refused at the flag, not computed into overflow or nonsense
    "a 1e300 count": ([*SIZE, "--count", "1e300"], ["--count", "at most 1e+09", "'1e300'"]),
    "a 1e-300 days": ([*SIZE, "--days", "1e-300"], ["--days", "at least 1 hour", "'1e-300 day'"]),
    "a 1e300 days": ([*SIZE, "--days", "1e300"], ["--days", "at most 100 year", "'1e300 day'"]),
    "MFU so small the hours overflow": ([*SIZE, "--days", "1", "--mfu", "1e-300"], ["--mfu", "at least 0.01"]),
    "peak so small the hours overflow": ([*SIZE, "--days", "1", "--peak-flops", "1e-300 FLOP/s"], ["--peak-flops", "at least 1e9 FLOP/s"]),
    "PUE of a million": ([*SIZE, "--count", "8", "--pue", "1e6"], ["--pue", "at most 3", "1e6"]),
    "carbon intensity as arithmetic": ([*SIZE, "--count", "8", "--carbon-intensity", "(9**9**9) kg/kWh"],
                                       ["--carbon-intensity", "'(9**9**9) kg/kWh'", "not a number followed by a unit"]),
    "carbon intensity of a lignite world": ([*SIZE, "--count", "8", "--carbon-intensity", "20 kg/kWh"],
                                            ["--carbon-intensity", "at most 2 kg/kWh"]),
    "tokens with a NUL": ([*SIZE, "--count", "8", "--tokens", "15e12\x00"], ["--tokens", "U+0000"]),
    "power without unit": ([*SIZE, "--count", "8", "--power-per-accelerator", "700"], ["--power-per-accelerator", "a power", "'700'"]),
    "intensity in the wrong unit": ([*SIZE, "--count", "8", "--carbon-intensity", "0.4 kg"], ["--carbon-intensity", "a carbon intensity", "a mass"]),
    "PUE below 1": ([*SIZE, "--count", "8", "--pue", "0.9"], ["--pue", "at least 1", "0.9"]),
    "compute in the wrong unit": (["--compute", "1e25 W", "--accelerator", "H100", "--count", "8"], ["--compute", "a compute amount", "a power"]),
    "not a number": (["--params", "many", "--accelerator", "H100", "--count", "8"], ["--params", "'many'"]),
    "availability above 1": ([*SIZE, "--count", "8", "--availability", "1.1"], ["--availability", "at most 1"]),
    "optimal with a size": ([*SIZE, "--count", "8", "--days", "9", "--optimal"], ["--optimal", "--compute", "--params"]),
    "optimal with half a fleet": (["--accelerator", "H100", "--count", "8", "--optimal"], ["--optimal", "--days"]),
    "optimal with compute and a full fleet": (["--compute", "1e25", "--accelerator", "H100", "--count", "8", "--days", "9",
                                              "--optimal"], ["--count", "--days", "both"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_one_clear_message(capsys, case):
    argv, words = BAD[case]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    message = err.strip()
    assert message.startswith("error: ") and message.count("\n") == 0, message
    for word in words:
        assert word in message, (word, message)

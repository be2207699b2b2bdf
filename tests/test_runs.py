"""Training runs as they really run (issue 15): one type, one site or a costed split, goodput
that falls with scale. Every expected figure is worked out by hand from the test's inputs."""

from __future__ import annotations

import json
import math

import pytest
from builders import OLD_DEFAULT, ONE_SITE, scenario

from planner.cli import plan as plan_command
from planner.cli.estimate import run as run_estimate
from planner.cli.main import main
from planner.cli.plan import describe
from planner.inputs.goodput import checkpoint_interval, expected_interruptions, goodput, mean_time_between_failures
from planner.inputs.scenario import build, edit, load_scenario
from planner.inputs.workload import LLAMA3_FAILURE_RATE, Workload
from planner.results.plan import make_plan
from planner.results.verify import verify
from planner.studies.calibration import predicted_interruptions, published_interruptions

SECONDS_2027 = 365 * 86400.0
FLOPS = 1000e12 * 0.5  # X1: peak x MFU
# X1 accelerators a whole year of 2027 needs for the builder's 1e24 FLOP at availability 1
N = 1e24 / (FLOPS * SECONDS_2027)
FREE_POWER = {"sites.Alpha.electricity_price": "0 JPY/kWh"}  # costs are capex alone, in the cash view


def test_young_daly_interval_and_goodput_by_hand():
    # 10,000 accelerators failing 1e-5 times an hour each: one interruption every 10 h = 36,000 s.
    # A 60 s checkpoint: tau = sqrt(2 x 60 x 36,000) = 2,078.46 s; with a 600 s restart the loss
    # is sqrt(2 x 60 / 36,000) + 600 / 36,000 = 0.057735 + 0.016667
    rate = 1e-5 / 3600
    mtbf = mean_time_between_failures(10_000, rate)
    assert mtbf == pytest.approx(36_000.0)
    assert checkpoint_interval(60.0, mtbf) == pytest.approx(2078.46, abs=0.01)
    assert float(goodput(10_000, rate, 60.0, 600.0)) == pytest.approx(1 - 0.057735 - 0.016667, abs=1e-6)

    def waste(tau):  # checkpoint writes, plus half an interval redone and the restart per failure
        return 60.0 / tau + (tau / 2 + 600.0) / mtbf

    tau = checkpoint_interval(60.0, mtbf)
    assert waste(tau) < min(waste(0.9 * tau), waste(1.1 * tau))
    assert waste(tau) == pytest.approx(1 - float(goodput(10_000, rate, 60.0, 600.0)))


def test_llama3_interruptions_come_back_from_its_failure_rate():
    # Meta's Llama 3 paper: 419 unexpected interruptions in a 54-day snapshot on 16,384 H100. The
    # failure rate is that count per GPU-hour given to three figures (1.97e-5), read through the
    # run's own field and unit parser: the prediction must come back within that rounding, 0.25%
    # of the count (1 interruption); a wrong unit (per second, per day) would miss by 24x or more.
    run = Workload(compute="3.8e25 FLOP", earliest_start="2024-01", deadline="2024-03", failure_rate=LLAMA3_FAILURE_RATE)
    predicted = expected_interruptions(16_384, 54 * 24, run.failure_rate)
    assert predicted == pytest.approx(419, rel=0.0025)
    # ...and the default checkpoint and restart times give its "more than 90% effective training time"
    assert float(goodput(16_384, run.failure_rate, run.checkpoint_time, run.restart_time)) == pytest.approx(0.90, abs=0.005)


def _two_types(**run):
    """Alpha holds 40 sunk X1 (no more ship); X2, the same accelerator, may be bought at 1e7 JPY."""
    document = edit(ONE_SITE, {**FREE_POWER, "sites.Alpha.existing_fleet": {"X1": 40},
                               "accelerators.X1.first_delivery": "2030-01", **run})
    document["accelerators"]["X2"] = dict(ONE_SITE["accelerators"]["X1"])
    return scenario({}, document)


def test_the_one_type_rule_changes_the_cheapest_plan():
    # One type: X1's 40 cannot finish (N = 63.42 are needed), so the run buys N X2 at 1e7 JPY.
    # Mixed, at 0.85: 1e24 / 0.85 FLOP, of which the 40 X1 give 40 / N; buy the rest in X2.
    one = make_plan(_two_types(), compare_rules=True)
    assert one.status == "optimal" and verify(one) == []
    assert "runs' types, sites and order: MIP gap 0.00%" in describe(one).splitlines()  # the choice of type: a MIP
    run = one.runs.iloc[0]
    assert run["accelerator"] == "X2" and run["efficiency"] == 1.0
    assert one.summary()["total_cost_jpy"] == pytest.approx(N * 1e7, rel=1e-6)
    mixed_cost = (N / 0.85 - 40) * 1e7
    (alternative,) = one.alternatives.itertuples()
    assert alternative.alternative == "types mixed in every run"
    assert alternative.economic_cost_jpy == pytest.approx(mixed_cost, rel=1e-6)
    assert alternative.difference_jpy == pytest.approx(mixed_cost - N * 1e7, rel=1e-6)  # JPY -2.88e8: the rule's cost

    mixed = make_plan(_two_types(**{"workload.mix": True}))
    assert mixed.runs.iloc[0]["accelerator"] == "X1+X2" and mixed.runs.iloc[0]["efficiency"] == pytest.approx(0.85)
    assert mixed.summary()["total_cost_jpy"] == pytest.approx(mixed_cost, rel=1e-6)
    assert verify(mixed) == []



def test_planner_plan_re_plans_the_alternatives_only_when_asked(capsys, monkeypatch):
    monkeypatch.setattr(plan_command, "load_scenario", lambda path: _two_types())  # X1, X2: not catalog types
    assert main(["plan", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["alternatives"] == []
    assert main(["plan", "--json", "--alternatives"]) == 0
    (alternative,) = json.loads(capsys.readouterr().out)["alternatives"]
    assert alternative["alternative"] == "types mixed in every run"
    assert alternative["economic_cost_jpy"] == pytest.approx((N / 0.85 - 40) * 1e7, rel=1e-6)

# A 1e9-parameter run on 1.6667e14 tokens (6 N D = 1e24 FLOP) in batches of 1e6 tokens: 1.6667e8
# steps in 2027's 3.1536e7 s, 0.189216 s each. A sync sends 1e9 x 2 bytes x 8 bits over the link.
SIZED = {"workload.compute": None, "workload.parameters": "1e9", "workload.tokens": f"{1e24 / 6e9} token",
         "workload.batch_tokens": "1e6 token", "link": {"latency": "0 s"}}
STEP = SECONDS_2027 * 1e6 / (1e24 / 6e9)


def _cheap_small_and_dear_large(bandwidth: float):
    """Alpha holds half the fleet at 1e7 JPY each; Beta any number at 1.5e7 (its fit-out 5,000 JPY/W)."""
    base = edit(ONE_SITE, {**FREE_POWER, **SIZED, "link.bandwidth": f"{bandwidth} bit/s"})
    base["sites"]["Alpha"]["grid_phases"] = [{"start": "2027-01", "grid_import": "1000 MW", "it_capacity": f"{N / 2 * 1000 / 1e6} MW"}]
    base["sites"]["Beta"] = {**ONE_SITE["sites"]["Alpha"], "electricity_price": "0 JPY/kWh", "fitout_cost": "5000 JPY/W"}
    return scenario({}, base)


def test_split_against_one_site_crosses_over_at_the_bandwidth_worked_by_hand():
    # One site: all N at Beta, 1.5e7 N. Split at efficiency e: N / 2 at Alpha, N / e - N / 2 at
    # Beta: 0.5e7 N + 1.5e7 N / e - 0.75e7 N. Equal at 1.5 / e = 1.75, e* = 6 / 7.
    # e = step / (step + 16e9 / B)  ->  B* = 16e9 x 6 / step = 5.0736e11 bit/s
    crossover = 16e9 * 6 / STEP
    assert crossover == pytest.approx(5.0736e11, rel=1e-4)
    slow = make_plan(_cheap_small_and_dear_large(0.9 * crossover))
    assert slow.runs.iloc[0]["sites"] == "Beta"
    assert slow.summary()["total_cost_jpy"] == pytest.approx(1.5e7 * N, rel=1e-6)
    fast = make_plan(_cheap_small_and_dear_large(1.1 * crossover), compare_rules=True)
    e = STEP / (STEP + 16e9 / (1.1 * crossover))
    assert fast.runs.iloc[0]["sites"] == "Alpha+Beta" and fast.runs.iloc[0]["efficiency"] == pytest.approx(e)
    split_cost = 0.5e7 * N + 1.5e7 * (N / e - N / 2)
    assert fast.summary()["total_cost_jpy"] == pytest.approx(split_cost, rel=1e-6)
    (alternative,) = fast.alternatives.itertuples()
    assert alternative.alternative == "every run on one site"
    assert alternative.difference_jpy == pytest.approx(1.5e7 * N - split_cost, rel=1e-6)
    assert verify(slow) == [] and verify(fast) == []


@pytest.mark.parametrize("efficiency, sites, share", [(0.4, {"Alpha", "Beta"}, 1.0), (0.6, {"Alpha+Beta"}, 2 * 0.6)])
def test_the_most_compute_counts_a_split_run_at_its_efficiency(efficiency, sites, share):
    # Alpha and Beta each hold 10 kW of IT, ten X1 at work all through 2027. Whole at one site the
    # run gets 10 x FLOPS x 2027; split, twice that at the efficiency: worse at 0.4 (0.8x), better
    # at 0.6 (1.2x). The objective once counted a split run whole, so split at any efficiency, and
    # held a split run to its requirement's penalty, so never split a run smaller than it.
    base = edit(ONE_SITE, {"objective": "compute", "workload.cross_site_efficiency": efficiency})
    base["sites"]["Alpha"]["grid_phases"] = [{"start": "2027-01", "grid_import": "1000 MW", "it_capacity": "10 kW"}]
    base["sites"]["Beta"] = base["sites"]["Alpha"]
    plan = make_plan(scenario({}, base))
    assert plan.status == "optimal" and verify(plan) == []
    assert plan.runs.iloc[0]["sites"] in sites
    assert plan.summary()["delivered_flop"] == pytest.approx(share * 10 * FLOPS * SECONDS_2027, rel=1e-6)


def test_goodput_falls_with_the_run_size_in_the_plan():
    # At 1e-3 failures per accelerator-hour, a 60 s checkpoint and a 600 s restart, the run needs
    # the N' with N' x goodput(N') = N: solved here by bisection. The plan's fleet must be at
    # least that, and the chords over-estimate a loss under 10% by at most 3% of it: at most 0.3% more.
    rate = 1e-3 / 3600
    plan = make_plan(scenario({**FREE_POWER, "workload.failure_rate": "1e-3 / hour",
                               "workload.checkpoint_time": "60 s", "workload.restart_time": "600 s"}))
    low, high = N, 2 * N
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if middle * float(goodput(middle, rate, 60, 600)) < N else (low, middle)
    run = plan.runs.iloc[0]
    assert 1 - float(goodput(high, rate, 60, 600)) < 0.1
    assert high * (1 - 1e-6) <= run["accelerators"] <= high * 1.003
    assert run["goodput"] == pytest.approx(float(goodput(run["accelerators"], rate, 60, 600)), rel=1e-6)
    assert run["interruptions"] == pytest.approx(run["accelerators"] * 1e-3 * 8760, rel=1e-6)
    tau = math.sqrt(2 * 60 / (run["accelerators"] * rate))
    assert run["checkpoint_interval_s"] == pytest.approx(tau, rel=1e-6)
    assert verify(plan) == []


def test_a_file_naming_the_old_anchor_site_still_loads_and_plans_the_same():
    document = load_scenario(OLD_DEFAULT).document()  # one [workload], as the files that named an anchor site
    older = edit(document, {"workload.anchor_site": "Sakai"})
    assert make_plan(build(older, "old file")).summary()["economic_cost_jpy"] == pytest.approx(
        make_plan(build(document, "today")).summary()["economic_cost_jpy"], rel=1e-9)


def test_fp8_runs_on_the_fp8_peak_at_its_mfu_derate():
    # X1: 2,000 TFLOP/s FP8 x MFU 0.5 x derate 0.7 = 1.4 x its BF16 rate, so N / 1.4 accelerators
    plan = make_plan(scenario({**FREE_POWER, "workload.precision": "fp8", "accelerators.X1.peak_fp8": "2000 TFLOP/s"}))
    assert plan.runs.iloc[0]["accelerators"] == pytest.approx(N / 1.4, rel=1e-6)
    assert verify(plan) == []
    with pytest.raises(Exception, match="expected an accelerator with a peak_fp8 for workload.precision = 'fp8', found none"):
        scenario({"workload.precision": "fp8"})


def test_a_run_is_no_larger_at_a_site_than_its_fabric_domain():
    # 40 accelerators per fabric domain, N = 63.4 needed: one site cannot hold the run; two can,
    # split (a run given by its compute counts at 0.9): N / 0.9 = 70.5 of them, at most 40 each
    capped = {**FREE_POWER, "sites.Alpha.fabric_domain": 40}
    assert make_plan(scenario(capped)).status == "infeasible"
    base = edit(ONE_SITE, capped)
    base["sites"]["Beta"] = dict(base["sites"]["Alpha"])
    plan = make_plan(scenario({}, base))
    run = plan.runs.iloc[0]
    assert run["sites"] == "Alpha+Beta" and run["accelerators"] == pytest.approx(N / 0.9, rel=1e-6)
    assert plan.use.groupby(["site", "month"])["accelerators"].sum().max() <= 40 + 1e-6
    assert verify(plan) == []


def test_estimate_gives_goodput_interruptions_and_checkpoint_interval_by_hand():
    # 16,384 H100 at 1.97e-5 failures an hour each: M = 1 / (0.3228 / h) = 11,154 s; with a 30 s
    # checkpoint and a 300 s restart, tau = sqrt(2 x 30 x 11,154) = 818.1 s and goodput
    # 1 - sqrt(60 / 11,154) - 300 / 11,154 = 1 - 0.07334 - 0.02690 = 0.8998
    result = run_estimate({"compute": "3.8e25", "accelerator": "H100", "count": "16384", "failure_rate": "1.97e-5"})
    mtbf = 3600 / (16_384 * 1.97e-5)
    assert result["goodput"] == pytest.approx(1 - math.sqrt(60 / mtbf) - 300 / mtbf, rel=1e-9)
    assert result["goodput"] == pytest.approx(0.8998, abs=1e-4)
    assert result["checkpoint_interval_s"] == pytest.approx(math.sqrt(2 * 30 * mtbf), rel=1e-9)
    assert result["interruptions"] == pytest.approx(16_384 * 1.97e-5 * result["days"] * 24, rel=1e-9)
    assert result["days"] == pytest.approx(3.8e25 / (16_384 * 989e12 * 0.38 * result["goodput"]) / 86400, rel=1e-9)
    # with days, the count grows until its own goodput still finishes in time
    sized = run_estimate({"compute": "3.8e25", "accelerator": "H100", "duration": "54", "failure_rate": "1.97e-5"})
    assert sized["days"] <= 54 and sized["count"] % 8 == 0
    assert sized["count"] * sized["goodput"] * 989e12 * 0.38 * 54 * 86400 >= 3.8e25
    assert (sized["count"] - 8) * (1 - math.sqrt(60 * (sized["count"] - 8) * 1.97e-5 / 3600)
                                   - 300 * (sized["count"] - 8) * 1.97e-5 / 3600) * 989e12 * 0.38 * 54 * 86400 < 3.8e25


def test_calibration_interruptions_beside_the_published_counts():
    rows = {run.name: (run.published, predicted_interruptions(run)) for run in published_interruptions()}
    published, predicted = rows["Llama 3 405B, 54-day snapshot"]
    assert predicted == pytest.approx(published, rel=0.0025)  # its own count, to three figures
    # OPT-175B's A100 cluster failed more often than the Llama 3 rate says: at least 35 manual
    # restarts against 992 x 1.97e-5 x 61 x 24 = 28.6; the planner's rate is a best case there
    published, predicted = rows["OPT-175B"]
    assert predicted == pytest.approx(992 * 1.97e-5 * 61 * 24, rel=1e-9) and predicted < published

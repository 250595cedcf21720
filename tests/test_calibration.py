"""Calibration: the scores rank the scripted trainees the way the course intends.

For each scenario of the library below, every scripted trainee plays the same seeds, and
the means over those seeds must show

* ``civilian_harm_avoidance``: expert >= by-the-book >= reckless;
* ``mission``: passive lowest (doing nothing is not a good score).

This is the small, fast version of the ten-seed table in docs/calibration.md (same
scenarios, same trainees, same scorer). The runs go through ``simulator.batch`` exactly
as ``run_sim.py batch`` does, two at a time.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from simulator.batch import plan_runs, run_batch

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = (
    "compound_night",
    "vehicle_convoy_road",
    "dual_use_protected",
    "humanitarian_convoy",
    "stale_intel",
    "checkpoint_day",
    "checkpoint_night",
    "assembly_day",
    "assembly_night",
)
POLICIES = ("passive", "reckless", "by-the-book", "expert")
SEEDS = 2  # seeds 0 and 1, as in docs/calibration.md's first two rows of every group
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("calibration")
    paths = [str(ROOT / "scenarios" / f"{name}.yaml") for name in SCENARIOS]
    done = run_batch(plan_runs(paths, POLICIES, SEEDS, out), jobs=2)
    failed = [r for r in done if "error" in r]
    assert not failed, f"runs failed: {failed}"
    return done


def _means(records: list[dict], scenario_file: str, sub_score: str) -> dict[str, float]:
    means = {}
    for policy in POLICIES:
        values = [
            r["scores"][sub_score]
            for r in records
            if Path(r["scenario_file"]).stem == scenario_file and r["policy"] == policy
        ]
        assert len(values) == SEEDS, (scenario_file, policy, values)
        means[policy] = statistics.fmean(values)
    return means


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_run_is_scored(records, scenario):
    runs = [r for r in records if Path(r["scenario_file"]).stem == scenario]
    assert len(runs) == len(POLICIES) * SEEDS
    for run in runs:
        assert {"civilian_harm_avoidance", "mission"} <= set(run["scores"]), run["scores"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_harm_avoidance_ranks_expert_then_by_the_book_then_reckless(records, scenario):
    cha = _means(records, scenario, "civilian_harm_avoidance")
    assert cha["expert"] + TOLERANCE >= cha["by-the-book"], cha
    assert cha["by-the-book"] + TOLERANCE >= cha["reckless"], cha
    # The reckless trainee's harm must show: it is clearly below the careful ones.
    assert cha["reckless"] < cha["expert"] - 10, cha


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_passive_is_lowest_on_mission(records, scenario):
    mission = _means(records, scenario, "mission")
    for policy in ("reckless", "by-the-book", "expert"):
        assert mission["passive"] <= mission[policy] + TOLERANCE, mission


def test_doing_nothing_is_not_a_perfect_score(records):
    """Over the library, the expert's mission is clearly above the passive trainee's."""
    expert = statistics.fmean(
        r["scores"]["mission"] for r in records if r["policy"] == "expert"
    )
    passive = statistics.fmean(
        r["scores"]["mission"] for r in records if r["policy"] == "passive"
    )
    assert expert > passive + 5, (expert, passive)

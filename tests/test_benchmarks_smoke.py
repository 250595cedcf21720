"""Smoke tests of the benchmark workloads: they build, agree and run. Nothing is timed here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.town import synthetic_town, town_yaml
from benchmarks.walker_mesa import NumpyWalkers, make_walkers
from simulator.scenario import Scenario, parse_scenario

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_synthetic_town_passes_every_scenario_check():
    town = synthetic_town(500, 100, seed=3)
    scenario = parse_scenario(town_yaml(town), "<synthetic town>")
    assert len(scenario.map.buildings) == 100
    assert sum(a.count for a in scenario.population.archetypes) == 500
    uses = {b.use for b in scenario.map.buildings}
    assert {"home", "market", "school", "clinic", "place_of_worship", "shop", "office"} <= uses
    homes = [b for b in scenario.map.buildings if b.use == "home"]
    assert sum(b.capacity for b in homes) >= 500, "homes must hold every civilian"
    observers = [s for s in scenario.sensors if s.kind == "ground_observer"]
    assert len(observers) == 20 and all(s.range_m == 300.0 for s in observers)
    assert sum(s.kind == "overhead" for s in scenario.sensors) == 1


def test_synthetic_town_is_the_same_for_a_seed_and_differs_across_seeds():
    assert synthetic_town(200, 60, seed=1) == synthetic_town(200, 60, seed=1)
    assert synthetic_town(200, 60, seed=1) != synthetic_town(200, 60, seed=2)
    Scenario.model_validate(synthetic_town(200, 60, seed=2))


def test_numpy_walkers_snap_onto_waypoints_and_dwell():
    setup = make_walkers(50, seed=4)
    walkers = NumpyWalkers(setup)
    arrivals = np.zeros(50, dtype=int)
    for tick in range(200):
        before = walkers.xy.copy()
        dwelling = walkers.dwell > 0
        walkers.step()
        assert np.array_equal(walkers.xy[dwelling], before[dwelling]), f"tick {tick}"
        arrived = walkers.dwell == 3
        on_waypoint = setup.route[np.arange(50), walkers.leg - 1]
        assert np.array_equal(walkers.xy[arrived], on_waypoint[arrived]), f"tick {tick}"
        arrivals += arrived
    assert (arrivals > 0).all(), "every walker should have reached a waypoint"


def test_numpy_and_mesa_walkers_follow_the_same_trajectories():
    pytest.importorskip("mesa")
    from benchmarks.walker_mesa import compare_trajectories

    match, worst = compare_trajectories(make_walkers(300, seed=5), 80)
    assert match, f"positions differ by up to {worst} m"


def test_engine_benchmark_prints_json_with_the_required_keys():
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.engine",
            "--civilians",
            "300",
            "--buildings",
            "60",
            "--ticks",
            "5",
            "--repeats",
            "1",
            "--json",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    for key in (
        "civilians",
        "buildings",
        "ticks",
        "load_s",
        "session_start_s",
        "ms_per_tick",
        "movement_ms_per_tick",
        "agent_steps_per_s",
        "walker_numpy_ms_per_tick",
        "walker_mesa_ms_per_tick",
        "walker_speedup_vs_mesa",
        "walker_trajectories_match",
        "engine_movement_speedup_vs_mesa",
        "targets",
    ):
        assert key in result, f"missing key {key}"
    assert result["civilians"] == 300 and result["buildings"] == 60 and result["ticks"] == 5
    assert {"P1", "P2"} <= set(result["targets"])
    assert result["instrumented_run_same_state"] is True
    if result.get("mesa") != "not installed":
        assert result["walker_trajectories_match"] is True

"""Engine benchmark: the S-10k / S-100k synthetic town, headless, plus the walker rule.

    python -m benchmarks.engine --civilians 10000 --buildings 2000 --json

Measures, in one run on one machine (ratios are what to compare across machines):

* ``load_s``: YAML text -> validated :class:`Scenario` (``parse_scenario``), median.
* ``session_start_s``: ``Simulation(scenario)`` + ``reset(seed)`` (world index, routes
  per destination, day plans), median.
* ``ms_per_tick``: the full ``sim.step()``, median over ``--ticks`` ticks.
* ``movement_ms_per_tick``: schedules plus people and vehicle movement
  (``_follow_routines``, ``_move_people``, ``_move_vehicles``), median per tick, timed
  in a second, instrumented run of the same ticks so the first run stays untouched.
* The walker rule at the same N, numpy (the engine's movement kernel) beside Mesa 3,
  after checking both give the same trajectories.

Targets are in ``/work/shared/PERFORMANCE.md`` (P1, P2, P5). Timed tests do not exist on
purpose: only this benchmark measures speed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.town import synthetic_town, town_yaml
from benchmarks.walker_mesa import (
    MesaWalkerModel,
    NumpyWalkers,
    make_walkers,
    mesa_available,
)
from simulator.core.simulation import Simulation
from simulator.scenario import Scenario, parse_scenario

P1_MIN_SPEEDUP = 20.0
P1_STRETCH_SPEEDUP = 50.0
P2_MS_PER_10K = 10.0
P5_LOAD_S = 1.0
P5_SESSION_START_S = 3.0

MOVEMENT_METHODS = ("_follow_routines", "_move_people", "_move_vehicles")


def _median_ms(samples: list[float]) -> float:
    return 1000.0 * statistics.median(samples) if samples else float("nan")


def _timed(function: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds of ``repeats`` calls, and the last call's result."""
    samples = []
    result = None
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def _instrument(sim: Simulation, samples: list[float]) -> None:
    """Wrap the movement methods of one simulation so each tick's time in them is summed.

    The wrappers are instance attributes, so ``step()`` calls them instead of the class
    methods; ``samples[-1]`` collects the current tick's seconds.
    """
    for name in MOVEMENT_METHODS:
        method = getattr(sim, name)

        def timed(method: Callable[[], None] = method) -> None:
            start = time.perf_counter()
            method()
            samples[-1] += time.perf_counter() - start

        setattr(sim, name, timed)


def _profile_ticks(scenario: Scenario, ticks: int, seed: int, world: Any) -> str:
    """cProfile of ``ticks`` full steps in a run of their own (profiling slows them)."""
    sim = Simulation(scenario, world=world)
    sim.reset(seed=seed)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(ticks):
        if sim.done:
            break
        sim.step()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
    return text.getvalue()


def run_engine(scenario: Scenario, ticks: int, seed: int, profile: bool = False) -> dict[str, Any]:
    """Time full ticks, then movement ticks, of one scenario (see module docstring)."""
    # Run 1: plain steps.
    start = time.perf_counter()
    sim = Simulation(scenario)
    sim.reset(seed=seed)
    session_start_first = time.perf_counter() - start
    world = sim.world
    step_samples = []
    walking = []
    for _ in range(ticks):
        if sim.done:
            break
        t0 = time.perf_counter()
        sim.step()
        step_samples.append(time.perf_counter() - t0)
        walking.append(int(sim.person.walking.sum()))
    hash_full = sim.state_hash()

    # Run 2: same scenario, seed and ticks, with the movement methods instrumented.
    moving = Simulation(scenario, world=world)
    moving.reset(seed=seed)
    movement_samples: list[float] = []
    _instrument(moving, movement_samples)
    for _ in range(len(step_samples)):
        movement_samples.append(0.0)
        moving.step()
    same_state = moving.state_hash() == hash_full

    report: dict[str, Any] = {
        "session_start_first_s": round(session_start_first, 4),
        "ms_per_tick": round(_median_ms(step_samples), 4),
        "ms_per_tick_p90": round(1000 * float(np.percentile(step_samples, 90)), 4)
        if step_samples
        else None,
        "movement_ms_per_tick": round(_median_ms(movement_samples), 4),
        "people_walking_median": int(statistics.median(walking)) if walking else 0,
        "people_walking_max": max(walking, default=0),
        "instrumented_run_same_state": same_state,
        "ticks_run": len(step_samples),
    }
    if profile:
        report["profile"] = _profile_ticks(scenario, len(step_samples), seed, world)
    return report


def run_walkers(n: int, ticks: int, mesa_ticks: int, seed: int) -> dict[str, Any]:
    """Time the walker rule in numpy and (when installed) in Mesa, side by side."""
    setup = make_walkers(n, seed=seed)
    fast = NumpyWalkers(setup)
    samples = []
    checkpoint = None
    compare_after = min(mesa_ticks, ticks) if mesa_ticks > 0 else 0
    for tick in range(max(ticks, compare_after)):
        t0 = time.perf_counter()
        fast.step()
        samples.append(time.perf_counter() - t0)
        if tick + 1 == compare_after:
            checkpoint = fast.positions()
    numpy_ms = _median_ms(samples)
    report: dict[str, Any] = {
        "walker_numpy_ms_per_tick": round(numpy_ms, 4),
        "walker_numpy_agent_steps_per_s": round(n / (numpy_ms / 1000.0)) if numpy_ms else None,
    }
    if not mesa_available():
        report.update(
            mesa="not installed",
            walker_mesa_ms_per_tick=None,
            walker_speedup_vs_mesa=None,
            walker_trajectories_match=None,
        )
        return report
    import mesa

    peer = MesaWalkerModel(setup, seed=seed)
    mesa_samples = []
    for _ in range(compare_after):
        t0 = time.perf_counter()
        peer.step()
        mesa_samples.append(time.perf_counter() - t0)
    error = float(np.max(np.abs(peer.positions() - checkpoint), initial=0.0))
    mesa_ms = _median_ms(mesa_samples)
    report.update(
        mesa=mesa.__version__,
        walker_mesa_ms_per_tick=round(mesa_ms, 4),
        walker_mesa_ticks=compare_after,
        walker_mesa_agent_steps_per_s=round(n / (mesa_ms / 1000.0)) if mesa_ms else None,
        walker_speedup_vs_mesa=round(mesa_ms / numpy_ms, 2) if numpy_ms else None,
        walker_trajectories_match=bool(error <= 1e-6),
        walker_max_position_error_m=error,
    )
    return report


def run(
    civilians: int,
    buildings: int,
    ticks: int = 300,
    *,
    seed: int = 0,
    mesa_ticks: int = 20,
    repeats: int = 3,
    profile: bool = False,
) -> dict[str, Any]:
    """The whole benchmark; returns one JSON-ready dictionary."""
    town = synthetic_town(civilians, buildings, seed=seed)
    text = town_yaml(town)
    load_s, scenario = _timed(lambda: parse_scenario(text, "<synthetic town>"), repeats)

    def start_session() -> Simulation:
        sim = Simulation(scenario)
        sim.reset(seed=seed)
        return sim

    session_start_s, _ = _timed(start_session, repeats)
    engine = run_engine(scenario, ticks, seed, profile=profile)
    walkers = run_walkers(civilians, ticks, mesa_ticks, seed)

    movement_ms = engine["movement_ms_per_tick"]
    mesa_ms = walkers.get("walker_mesa_ms_per_tick")
    engine_speedup = round(mesa_ms / movement_ms, 2) if mesa_ms and movement_ms else None
    p2_limit = P2_MS_PER_10K * max(1.0, civilians / 10_000)
    result: dict[str, Any] = {
        "benchmark": "engine",
        "civilians": civilians,
        "buildings": buildings,
        "ticks": engine["ticks_run"],
        "seed": seed,
        "scenario_yaml_bytes": len(text.encode("utf-8")),
        "load_s": round(load_s, 4),
        "session_start_s": round(session_start_s, 4),
        **{k: v for k, v in engine.items() if k not in ("ticks_run", "profile")},
        "agent_steps_per_s": round(civilians / (movement_ms / 1000.0)) if movement_ms else None,
        **walkers,
        "engine_movement_speedup_vs_mesa": engine_speedup,
        "targets": {
            "P1": {
                "min_engine_movement_speedup_vs_mesa": P1_MIN_SPEEDUP,
                "stretch": P1_STRETCH_SPEEDUP,
                "met": None if engine_speedup is None else engine_speedup >= P1_MIN_SPEEDUP,
            },
            "P2": {
                "max_ms_per_tick": p2_limit,
                "note": "10 ms at 10k civilians, 100 ms at 100k",
                "met": engine["ms_per_tick"] <= p2_limit,
            },
            "P5": {
                "max_load_s": P5_LOAD_S,
                "max_session_start_s": P5_SESSION_START_S,
                "met": load_s <= P5_LOAD_S and session_start_s <= P5_SESSION_START_S,
            },
        },
        "python": sys.version.split()[0],
        "numpy": np.__version__,
    }
    if "profile" in engine:
        result["profile"] = engine["profile"]
    return result


def _table(result: dict[str, Any]) -> str:
    rows = [
        (
            "civilians / buildings / ticks",
            f"{result['civilians']} / {result['buildings']} / {result['ticks']}",
        ),
        ("load (YAML -> Scenario)", f"{result['load_s']:.3f} s"),
        ("session start (Simulation + reset)", f"{result['session_start_s']:.3f} s"),
        ("full tick (median)", f"{result['ms_per_tick']:.3f} ms"),
        ("movement + schedules (median)", f"{result['movement_ms_per_tick']:.3f} ms"),
        (
            "people walking (median / max)",
            f"{result['people_walking_median']} / {result['people_walking_max']}",
        ),
        ("agent steps per second", f"{result['agent_steps_per_s']:,}"),
        ("walker, numpy", f"{result['walker_numpy_ms_per_tick']:.3f} ms/tick"),
    ]
    if result.get("walker_mesa_ms_per_tick") is None:
        rows.append(("walker, Mesa", f"mesa {result.get('mesa')}"))
    else:
        rows += [
            (
                "walker, Mesa " + str(result["mesa"]),
                f"{result['walker_mesa_ms_per_tick']:.3f} ms/tick "
                f"({result['walker_mesa_ticks']} ticks)",
            ),
            ("walker speed-up vs Mesa", f"{result['walker_speedup_vs_mesa']}x"),
            ("walker trajectories match", str(result["walker_trajectories_match"])),
            ("engine movement speed-up vs Mesa", f"{result['engine_movement_speedup_vs_mesa']}x"),
        ]
    for name, target in result["targets"].items():
        rows.append((f"target {name} met", str(target["met"])))
    width = max(len(name) for name, _ in rows) + 2
    return "\n".join(f"{name:<{width}}{value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.engine",
        description="Time the engine on a synthetic town and the walker rule against Mesa.",
    )
    parser.add_argument("--civilians", type=int, default=10_000, help="civilians (10000)")
    parser.add_argument("--buildings", type=int, default=2_000, help="buildings (2000)")
    parser.add_argument("--ticks", type=int, default=300, help="ticks to time (300)")
    parser.add_argument("--mesa-ticks", type=int, default=20, help="Mesa walker ticks (20)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of load and start (3)")
    parser.add_argument("--seed", type=int, default=0, help="town and session seed (0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile the ticks in a run of their own; print the top 25 to stderr",
    )
    args = parser.parse_args(argv)
    if args.civilians < 1 or args.ticks < 1 or args.mesa_ticks < 1:
        parser.error("need --civilians, --ticks and --mesa-ticks of at least 1")
    result = run(
        args.civilians,
        args.buildings,
        args.ticks,
        seed=args.seed,
        mesa_ticks=args.mesa_ticks,
        repeats=args.repeats,
        profile=args.profile,
    )
    profile_text = result.pop("profile", None)
    if profile_text:
        print(profile_text, file=sys.stderr)
    print(json.dumps(result, indent=2) if args.json else _table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

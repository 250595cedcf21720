"""Line-of-sight benchmark (target P3): the engine's horizons against exact shapely.

    python -m benchmarks.los [--buildings 2000] [--observers 20] [--targets 10000] [--json]

Workload: the synthetic town's buildings (2 km x 2 km), ``observers`` ground observers in
the open with 300 m range, each checking ``targets`` random points in the open within
range (the S-10k town's 20 observers watching 10k people). The fast path is what the
engine runs: one horizon per observer position (exact per direction), then an O(1)
lookup per target. The exact reference intersects every sight line with the footprints
through an STRtree, on a sample of the same pairs in the same run.

Prints ``checks_per_s`` (fast, horizons included), ``shapely_checks_per_s``, ``speedup``
and ``agreement`` (share of sampled pairs where both agree).
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
import shapely

from benchmarks.town import synthetic_town
from simulator.core.geometry import (
    building_edges,
    exact_line_of_sight,
    horizon,
    rasterize_buildings,
    visible_from,
)
from simulator.scenario.schema import Scenario

RANGE_M = 300.0


def run(buildings: int, observers: int, targets: int, exact_sample: int, seed: int) -> dict:
    """Time the fast and exact line of sight on the same pairs; return the figures."""
    town = Scenario.model_validate(synthetic_town(civilians=100, buildings=buildings, seed=seed))
    polygons = tuple(shapely.Polygon(b.outline()) for b in town.map.buildings)
    extent = town.map.extent_m
    rng = np.random.default_rng(seed)
    raster = rasterize_buildings(polygons, extent)
    tree = shapely.STRtree(polygons)
    edges = building_edges(polygons)

    def open_points(count: int, centre: np.ndarray | None = None) -> np.ndarray:
        found = np.zeros((0, 2))
        while len(found) < count:
            if centre is None:
                batch = rng.uniform(RANGE_M / 2, np.array(extent) - RANGE_M / 2, (count, 2))
            else:
                angle = rng.uniform(-math.pi, math.pi, count)
                distance = RANGE_M * np.sqrt(rng.uniform(0.0001, 1.0, count))
                batch = centre + np.column_stack([np.cos(angle), np.sin(angle)]) * distance[:, None]
            outside = raster.building_at(batch[:, 0], batch[:, 1]) < 0
            found = np.concatenate([found, batch[outside]])
        return found[:count]

    # Observers stand in the open, at least a metre from any wall (as posts and patrols do).
    spots = np.zeros((0, 2))
    while len(spots) < observers:
        candidate = open_points(1)
        clear = tree.query(shapely.Point(candidate[0]).buffer(1.0), predicate="intersects")
        if len(clear) == 0:
            spots = np.concatenate([spots, candidate])
    pairs = [(spot, open_points(targets, spot)) for spot in spots]

    # As the engine does: an observer on a roof is not blinded by its own building.
    def own_building(spot: np.ndarray) -> int:
        return int(raster.building_at(spot[:1], spot[1:])[0])

    start = time.perf_counter()
    fast_results = []
    for spot, points in pairs:
        sight = horizon(edges, spot[0], spot[1], RANGE_M, own_building=own_building(spot))
        fast_results.append(visible_from(sight, spot[0], spot[1], points[:, 0], points[:, 1]))
    fast_s = time.perf_counter() - start

    lookup_start = time.perf_counter()
    sights = [
        horizon(edges, spot[0], spot[1], RANGE_M, own_building=own_building(spot))
        for spot, _ in pairs
    ]
    horizon_s = time.perf_counter() - lookup_start
    lookup_start = time.perf_counter()
    for sight, (spot, points) in zip(sights, pairs):
        visible_from(sight, spot[0], spot[1], points[:, 0], points[:, 1])
    lookup_s = time.perf_counter() - lookup_start

    sample = min(exact_sample, targets)
    agree = 0
    compared = 0
    exact_s = 0.0
    for (spot, points), fast in zip(pairs, fast_results):
        start = time.perf_counter()
        exact = exact_line_of_sight(
            tree, polygons, spot[0], spot[1], points[:sample, 0], points[:sample, 1]
        )
        exact_s += time.perf_counter() - start
        agree += int((exact == fast[:sample]).sum())
        compared += sample

    checks = observers * targets
    fast_rate = checks / fast_s
    exact_rate = compared / exact_s
    return {
        "buildings": len(polygons),
        "observers": observers,
        "targets_per_observer": targets,
        "range_m": RANGE_M,
        "checks": checks,
        "checks_per_s": round(fast_rate),
        "horizon_ms_per_observer": round(1000 * horizon_s / observers, 3),
        "lookup_checks_per_s": round(checks / lookup_s),
        "shapely_checks_per_s": round(exact_rate),
        "speedup": round(fast_rate / exact_rate, 1),
        "agreement": round(agree / compared, 5),
        "pairs_compared": compared,
        "targets": {"checks_per_s": 1_000_000, "speedup": 10, "agreement": 0.99},
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buildings", type=int, default=2000)
    parser.add_argument("--observers", type=int, default=20)
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument(
        "--exact-sample",
        type=int,
        default=2000,
        help="pairs per observer checked with exact shapely",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run(args.buildings, args.observers, args.targets, args.exact_sample, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>26}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A synthetic town for the engine benchmarks (the "S-10k town" reference workload).

``synthetic_town(civilians, buildings)`` builds a scenario *dictionary* (the same shape as
a YAML scenario file): a grid of roads over a square map, rectangular buildings on lots
around the edge of every block (so each one stands beside a road), archetypes whose
routines start around 08:00 so that many people walk during the benchmarked hour, one
overhead sensor, ground observers with 300 m line of sight, a few hostile actors and
some vehicles. Everything is drawn from one numpy Generator, so a seed gives the same
town every time.

Validate it with ``Scenario.model_validate(town)`` or, to time the real loading path,
dump it with :func:`town_yaml` and read it back with ``parse_scenario``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import yaml

# Road grid: one road every BLOCK_M metres in each direction, a main road every MAIN_EVERY.
BLOCK_M = 100.0
MAIN_EVERY = 5
MAIN_WIDTH_M = 10.0
STREET_WIDTH_M = 6.0
# Buildings keep this far from a road's centre line (half a main road plus a pavement).
SETBACK_M = 8.0
# Lots per block side at most; a block has 4 * (k - 1) lots along its edges.
MAX_LOTS_PER_SIDE = 8

# Share of the non-home buildings, per use, and at least one of each.
_OTHER_USES: tuple[tuple[str, float], ...] = (
    ("market", 0.003),
    ("school", 0.012),
    ("clinic", 0.004),
    ("place_of_worship", 0.008),
    ("shop", 0.06),
    ("office", 0.05),
    ("cafe", 0.01),
)

# Archetypes: (id, share of civilians, age group, walk speed range, schedule).
# The exercise starts at 08:00; routines that start or end between 08:00 and 08:30 with a
# few minutes of jitter put a large share of the town on the move during the first
# minutes, which is what the movement benchmark measures.
_ARCHETYPES: tuple[tuple[str, float, str, tuple[float, float], list[dict[str, Any]]], ...] = (
    (
        "pupil",
        0.25,
        "child",
        (0.9, 1.4),
        [{"start": "08:04", "end": "13:00", "use": "school", "jitter_min": 4}],
    ),
    (
        "office-worker",
        0.22,
        "adult",
        (1.1, 1.6),
        [
            {"start": "08:06", "end": "12:30", "use": "office", "jitter_min": 6},
            {"start": "12:30", "end": "13:15", "use": "cafe", "probability": 0.5},
            {"start": "13:15", "end": "17:00", "use": "office"},
        ],
    ),
    (
        "shopper",
        0.18,
        "adult",
        (1.0, 1.5),
        [
            {
                "start": "08:10",
                "end": "10:00",
                "use": "market",
                "probability": 0.8,
                "jitter_min": 10,
            },
            {"start": "10:00", "end": "11:00", "use": "shop", "probability": 0.6},
        ],
    ),
    (
        "trader",
        0.06,
        "adult",
        (1.0, 1.4),
        [{"start": "07:55", "end": "18:00", "use": "market", "jitter_min": 8}],
    ),
    (
        "night-worker",
        0.07,
        "adult",
        (1.1, 1.5),
        # At work when the exercise starts, going home between 08:00 and 08:10.
        [{"start": "00:30", "end": "08:05", "use": "office", "jitter_min": 5}],
    ),
    (
        "worshipper",
        0.08,
        "elder",
        (0.7, 1.1),
        [
            {
                "start": "08:15",
                "end": "09:00",
                "use": "place_of_worship",
                "probability": 0.7,
                "jitter_min": 12,
            },
            {"start": "09:30", "end": "10:30", "use": "clinic", "probability": 0.3},
        ],
    ),
    (
        "homebody",
        0.14,
        "adult",
        (0.9, 1.3),
        [{"start": "08:20", "end": "09:00", "use": "shop", "probability": 0.4, "jitter_min": 15}],
    ),
)


def _split(total: int, shares: list[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``shares`` (largest remainder)."""
    weights = np.asarray(shares, dtype=np.float64)
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - parts), kind="stable")
    parts[order[: total - int(parts.sum())]] += 1
    return [int(p) for p in parts]


def _lots(extent_m: float, lots_per_side: int, reserved_block: tuple[int, int]) -> np.ndarray:
    """(n, 4) lots [x, y, size, size] along the edges of every block but the reserved one."""
    blocks = int(round(extent_m / BLOCK_M))
    interior = BLOCK_M - 2 * SETBACK_M
    size = interior / lots_per_side
    edge = [
        (i, j)
        for i in range(lots_per_side)
        for j in range(lots_per_side)
        if i in (0, lots_per_side - 1) or j in (0, lots_per_side - 1)
    ]
    lots = []
    for bx in range(blocks):
        for by in range(blocks):
            if (bx, by) == reserved_block:
                continue
            x0 = bx * BLOCK_M + SETBACK_M
            y0 = by * BLOCK_M + SETBACK_M
            for i, j in edge:
                lots.append((x0 + i * size, y0 + j * size, size, size))
    return np.asarray(lots, dtype=np.float64).reshape(-1, 4)


def synthetic_town(
    civilians: int,
    buildings: int,
    *,
    seed: int = 0,
    extent_m: float = 2000.0,
    observers: int = 20,
    hostiles: int = 3,
    vehicles: int | None = None,
    duration_s: int = 3600,
) -> dict[str, Any]:
    """Build the scenario dictionary of a synthetic grid town.

    Args:
        civilians: how many civilians (the archetype counts sum to this).
        buildings: how many buildings (homes and at least one of each other use).
        seed: seed of the numpy Generator everything is drawn from.
        extent_m: width and height of the square map, a multiple of ``BLOCK_M``.
        observers: friendly observation posts, each with a 300 m ground observer.
        hostiles: hidden hostile actors living in homes.
        vehicles: civilian cars (default: one per hundred civilians, at least 5).
        duration_s: length of the exercise (from 08:00).

    Returns:
        A scenario dictionary that passes the loader's whole-scenario checks.

    Raises:
        ValueError: when the buildings do not fit on the map's lots.
    """
    if civilians < 0 or buildings < len(_OTHER_USES) + 1:
        raise ValueError(f"need civilians >= 0 and at least {len(_OTHER_USES) + 1} buildings")
    blocks = int(round(extent_m / BLOCK_M))
    if blocks < 2 or not math.isclose(blocks * BLOCK_M, extent_m):
        raise ValueError(f"extent_m must be a multiple of {BLOCK_M:g} m and at least two blocks")
    rng = np.random.default_rng(seed)
    reserved = (blocks // 2, blocks // 2)  # the central block is the town square

    # Fewest lots per block side that leave some choice of where buildings stand.
    for lots_per_side in range(2, MAX_LOTS_PER_SIDE + 1):
        lots = _lots(extent_m, lots_per_side, reserved)
        if len(lots) >= 1.25 * buildings:
            break
    else:
        raise ValueError(f"{buildings} buildings do not fit on a {extent_m:g} m map")
    chosen = np.sort(rng.choice(len(lots), size=buildings, replace=False))
    lot = lots[chosen]
    width = lot[:, 2] * rng.uniform(0.55, 0.92, buildings)
    height = lot[:, 3] * rng.uniform(0.55, 0.92, buildings)
    x = lot[:, 0] + rng.uniform(0.0, 1.0, buildings) * (lot[:, 2] - width)
    y = lot[:, 1] + rng.uniform(0.0, 1.0, buildings) * (lot[:, 3] - height)
    floors = rng.integers(1, 4, buildings)

    # Uses: a few of each kind of public building, the rest homes; shuffled over lots.
    other_counts = [max(1, round(buildings * share)) for _, share in _OTHER_USES]
    uses = [use for (use, _), count in zip(_OTHER_USES, other_counts) for _ in range(count)]
    uses += ["home"] * (buildings - len(uses))
    uses = [uses[i] for i in rng.permutation(buildings)]

    archetype_counts = _split(civilians, [a[1] for a in _ARCHETYPES])
    pupils = archetype_counts[0]
    homes = uses.count("home")
    capacity_of = {
        # Homes hold everyone with a fifth to spare, whatever the town's density.
        "home": max(4, math.ceil(1.2 * civilians / homes)),
        "school": max(50, math.ceil(1.2 * pupils / uses.count("school"))),
        "market": max(100, math.ceil(0.5 * civilians / uses.count("market"))),
    }
    building_list = []
    for index in range(buildings):
        use = uses[index]
        capacity = min(capacity_of.get(use, max(20, civilians // 200)), 100_000)
        building_list.append(
            {
                "id": f"b-{index:05d}",
                "use": use,
                "rect": [
                    round(float(x[index]), 2),
                    round(float(y[index]), 2),
                    round(float(width[index]), 2),
                    round(float(height[index]), 2),
                ],
                "floors": int(floors[index]),
                "capacity": int(capacity),
                "construction": "light" if use == "home" and index % 3 == 0 else "medium",
            }
        )

    roads = []
    for k in range(blocks + 1):
        position = k * BLOCK_M
        main = k % MAIN_EVERY == 0
        kind = "main" if main else "street"
        road_width = MAIN_WIDTH_M if main else STREET_WIDTH_M
        roads.append(
            {
                "id": f"ew-{k:02d}",
                "kind": kind,
                "width_m": road_width,
                "points": [[0.0, position], [extent_m, position]],
            }
        )
        roads.append(
            {
                "id": f"ns-{k:02d}",
                "kind": kind,
                "width_m": road_width,
                "points": [[position, 0.0], [position, extent_m]],
            }
        )
    sx0 = reserved[0] * BLOCK_M + SETBACK_M
    sy0 = reserved[1] * BLOCK_M + SETBACK_M
    sx1 = sx0 + BLOCK_M - 2 * SETBACK_M
    sy1 = sy0 + BLOCK_M - 2 * SETBACK_M
    open_areas = [
        {
            "id": "town-square",
            "kind": "square",
            "name": "Town square",
            "polygon": [[sx0, sy0], [sx1, sy0], [sx1, sy1], [sx0, sy1]],
        }
    ]

    archetypes = [
        {
            "id": ident,
            "count": count,
            "age_group": age,
            "walk_speed_mps": list(speed),
            "carries_object_probability": 0.1,
            "schedule": [dict(entry) for entry in schedule],
        }
        for (ident, _, age, speed, schedule), count in zip(_ARCHETYPES, archetype_counts)
    ]

    home_ids = [b["id"] for b in building_list if b["use"] == "home"]
    market_ids = [b["id"] for b in building_list if b["use"] == "market"]
    safehouses = rng.choice(len(home_ids), size=min(hostiles, len(home_ids)), replace=False)
    hostile_list = [
        {
            "id": f"hostile-{number + 1}",
            "role": "leader" if number == 0 else "fighter",
            "safehouse": home_ids[int(house)],
            "weapon_visible_probability": 0.3,
            "routine": [
                {
                    "start": "08:10",
                    "end": "09:30",
                    "place": market_ids[number % len(market_ids)],
                    "jitter_min": 10,
                }
            ],
        }
        for number, house in enumerate(safehouses)
    ]
    # Observation posts stand at road crossings spread over the town.
    crossings = rng.choice((blocks + 1) ** 2, size=observers, replace=observers > (blocks + 1) ** 2)
    friendly = []
    sensors: list[dict[str, Any]] = [
        {
            "id": "drone-1",
            "kind": "overhead",
            "name": "Drone 1",
            "position": [extent_m / 2, extent_m / 2],
            "footprint_radius_m": 150.0,
        }
    ]
    for number, crossing in enumerate(crossings):
        cx, cy = divmod(int(crossing), blocks + 1)
        unit_id = f"op-{number + 1:02d}"
        friendly.append(
            {
                "id": unit_id,
                "kind": "observation_post",
                "strength": 2,
                "speed_mps": 1.4,
                "position": [cx * BLOCK_M, cy * BLOCK_M],
            }
        )
        sensors.append(
            {"id": f"{unit_id}-eyes", "kind": "ground_observer", "unit": unit_id, "range_m": 300.0}
        )

    protected_sites = [
        {"id": f"p-{b['id']}", "category": category, "building": b["id"]}
        for b in building_list
        for use, category in (
            ("school", "school"),
            ("clinic", "medical"),
            ("place_of_worship", "place_of_worship"),
        )
        if b["use"] == use
    ]
    vehicle_count = max(5, civilians // 100) if vehicles is None else vehicles
    objectives = [{"id": "no-harm", "kind": "avoid_harm", "description": "No civilian casualties"}]
    if hostile_list:
        objectives.insert(
            0,
            {
                "id": "find-leader",
                "kind": "locate",
                "description": "Find the leader",
                "target": "hostile-1",
            },
        )

    return {
        "schema_version": 1,
        "meta": {
            "id": f"synthetic-town-{civilians}-{buildings}-s{seed}",
            "title": f"Synthetic town: {civilians} civilians, {buildings} buildings",
            "summary": "Benchmark workload: a grid town on a morning of a working day.",
            "authors": ["benchmarks.town"],
            "difficulty": "basic",
        },
        "clock": {
            "start_time": "08:00",
            "tick_s": 1,
            "duration_s": int(duration_s),
            "state_hash_every_ticks": 60,
        },
        "map": {
            "extent_m": [extent_m, extent_m],
            "buildings": building_list,
            "roads": roads,
            "open_areas": open_areas,
        },
        "protected": {"sites": protected_sites},
        "population": {
            "archetypes": archetypes,
            "vehicles": [
                {
                    "id": "cars",
                    "kind": "car",
                    "count": vehicle_count,
                    "active_from": "06:00",
                    "active_to": "20:00",
                }
            ],
        },
        "forces": {"hostile": hostile_list, "friendly": friendly},
        "sensors": sensors,
        "effects": [
            {
                "id": "small-munition",
                "name": "Small munition",
                "lethal_radius_m": 8.0,
                "injury_radius_m": 25.0,
                "scatter_m": 3.0,
                "noise_radius_m": 800.0,
            },
        ],
        "scoring": {"objectives": objectives},
    }


def town_yaml(town: dict[str, Any]) -> str:
    """The scenario dictionary as YAML text (what an instructor's file would hold)."""
    header = "# Synthetic benchmark town generated by benchmarks/town.py\n"
    return header + yaml.safe_dump(town, sort_keys=False, default_flow_style=None, width=100)


__all__ = ["synthetic_town", "town_yaml"]

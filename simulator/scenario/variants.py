"""Difficulty levels and seeded variation: one scenario file, many exercises.

* **Difficulty levels** (``difficulty_levels`` in the file) are partial scenarios merged
  over the base when a level is chosen: mappings merge key by key, and lists of items with
  an ``id`` merge item by item (an item with a new id is added). Anything else replaces
  the base value. So an instructor writes only what changes::

      difficulty_levels:
        basic:
          intelligence: {reliability: 0.9}
          population:
            archetypes:
              - {id: square-browser, count: 60}

* **Variation** (``variation`` in the file) changes each session a little, from its seed:
  archetype counts, the timing of civilian routines and of hostile routines. Trainees who
  repeat a scenario cannot learn it by heart, and the same seed always gives the same
  exercise, so replays still reproduce.
"""

from __future__ import annotations

import copy
import zlib
from typing import Any

import numpy as np

from simulator.scenario.schema import Scenario, seconds_to_time, time_to_seconds

LEVELS_KEY = "difficulty_levels"


def merge_level(base: Any, override: Any) -> Any:
    """Merge a difficulty level's overrides into base scenario data (see module docstring)."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge_level(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    if isinstance(base, list) and isinstance(override, list) and _all_have_ids(override):
        if _all_have_ids(base):
            merged_list = [copy.deepcopy(item) for item in base]
            positions = {item["id"]: index for index, item in enumerate(merged_list)}
            for item in override:
                if item["id"] in positions:
                    index = positions[item["id"]]
                    merged_list[index] = merge_level(merged_list[index], item)
                else:
                    merged_list.append(copy.deepcopy(item))
            return merged_list
    return copy.deepcopy(override)


def _all_have_ids(items: list) -> bool:
    return bool(items) and all(isinstance(item, dict) and "id" in item for item in items)


def level_data(data: dict[str, Any], level: str) -> dict[str, Any]:
    """Scenario data for one difficulty level (the base when the level changes nothing)."""
    levels = data.get(LEVELS_KEY) or {}
    base = {key: value for key, value in data.items() if key != LEVELS_KEY}
    merged = merge_level(base, levels.get(level) or {})
    meta = dict(merged.get("meta") or {})
    meta["difficulty"] = level
    merged["meta"] = meta
    return merged


def _shift(text: str, delta_s: float) -> str:
    seconds = min(max(time_to_seconds(text) + delta_s, 0.0), 86400.0)
    return seconds_to_time(seconds)


def _shift_entries(entries: tuple, delta_s: float) -> tuple:
    shifted = []
    for entry in entries:
        start, end = _shift(entry.start, delta_s), _shift(entry.end, delta_s)
        if time_to_seconds(end) <= time_to_seconds(start):  # squeezed at midnight: keep it
            shifted.append(entry)
        else:
            shifted.append(entry.model_copy(update={"start": start, "end": end}))
    return tuple(shifted)


def apply_variation(scenario: Scenario, seed: int) -> Scenario:
    """The scenario as this seed's session plays it (unchanged when variation is off).

    Each archetype's count varies by up to ``civilian_count_pct`` percent and its whole
    routine shifts by up to ``schedule_shift_min`` minutes; each hostile routine shifts by
    up to ``hostile_shift_min``. Draws come from their own generator, made from the seed,
    so they never disturb the simulation's streams.
    """
    variation = scenario.variation
    if not (
        variation.civilian_count_pct or variation.schedule_shift_min or variation.hostile_shift_min
    ):
        return scenario
    key = zlib.crc32(b"variation")
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))
    archetypes = []
    for archetype in scenario.population.archetypes:
        factor = 1.0 + rng.uniform(-1.0, 1.0) * variation.civilian_count_pct / 100.0
        delta = rng.uniform(-1.0, 1.0) * variation.schedule_shift_min * 60.0
        archetypes.append(
            archetype.model_copy(
                update={
                    "count": max(0, int(round(archetype.count * factor))),
                    "schedule": _shift_entries(archetype.schedule, delta),
                }
            )
        )
    hostiles = []
    for actor in scenario.forces.hostile:
        delta = rng.uniform(-1.0, 1.0) * variation.hostile_shift_min * 60.0
        hostiles.append(actor.model_copy(update={"routine": _shift_entries(actor.routine, delta)}))
    population = scenario.population.model_copy(update={"archetypes": tuple(archetypes)})
    forces = scenario.forces.model_copy(update={"hostile": tuple(hostiles)})
    return scenario.model_copy(update={"population": population, "forces": forces})

"""Picture dumps: what the trainee knew at a tick, beside what was true and what was hidden.

Used by ``run ... --dump-picture TICK`` and by reviews. The dump has three parts:

* ``contacts``: the trainee's picture exactly as ``observe()`` gave it;
* ``truth`` and ``wrong``: for each contact, who it really was, and what the trainee had
  wrong (a civilian labelled combatant, a hostile labelled civilian, a swapped track, a
  position off by more than its stated uncertainty);
* ``hidden``: what the trainee could not see (people indoors, people outdoors out of
  view, hostile actors and whether any sensor had them).
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.core.population import KIND_CIVILIAN, KIND_HOSTILE
from simulator.scenario.schema import seconds_to_time

if TYPE_CHECKING:
    from simulator.core.simulation import Simulation


def picture_report(sim: Simulation) -> dict[str, Any]:
    """The dump for the simulation's current tick (see module docstring)."""
    picture = sim.observe("blue")
    sensing = sim.sensing
    truth_rows = []
    wrong = []
    for contact in picture.contacts:
        index = sensing.track_index(contact.track_id)
        entity = int(sensing.track_entity[index])
        first = int(sensing.track_first_entity[index])
        kind = sim.entity_kind(entity)
        x, y = sim.entity_xy(entity)
        error = math.hypot(x - contact.x_m, y - contact.y_m)
        swapped = entity != first
        truth_rows.append(
            {
                "track_id": contact.track_id,
                "entity": sim.entity_id(entity),
                "kind": kind,
                "x_m": round(x, 1),
                "y_m": round(y, 1),
                "position_error_m": round(error, 1),
                "swapped": swapped,
                "first_entity": sim.entity_id(first),
            }
        )
        problems = []
        if contact.classification == "combatant" and kind == "civilian":
            problems.append("a civilian is labelled combatant")
        if contact.classification == "civilian" and kind == "hostile":
            problems.append("a hostile actor is labelled civilian")
        if swapped:
            problems.append(
                f"the track has moved from {sim.entity_id(first)} to {sim.entity_id(entity)}"
            )
        # Compare at the precision the trainee was shown (one decimal).
        if round(error, 1) > contact.uncertainty_m:
            problems.append(
                f"position off by {error:.1f} m, more than its stated {contact.uncertainty_m:.1f} m"
            )
        if problems:
            wrong.append({"track_id": contact.track_id, "problems": problems})
    state = sim.state()
    civilians = state.person_kind == KIND_CIVILIAN
    hostiles = np.flatnonzero(state.person_kind == KIND_HOSTILE)
    n_people = len(state.person_ids)
    in_view = sensing.in_view[:n_people]
    alive = state.person_health != 2
    hidden = {
        "civilians_indoors": int((civilians & state.person_indoors & alive).sum()),
        "civilians_outdoors_out_of_view": int(
            (civilians & ~state.person_indoors & ~in_view & alive).sum()
        ),
        "civilians_never_seen": int((civilians & ~sensing.ever_seen[:n_people]).sum()),
        "hostile_actors": [
            {
                "id": state.person_ids[row],
                "indoors": bool(state.person_indoors[row]),
                "in_view": bool(in_view[row]),
                "track_id": (
                    sensing.track_name(int(sensing.entity_track[row]))
                    if sensing.entity_track[row] >= 0
                    else None
                ),
                "x_m": round(float(state.person_xy[row, 0]), 1),
                "y_m": round(float(state.person_xy[row, 1]), 1),
            }
            for row in hostiles
        ],
    }
    return {
        "tick": picture.tick,
        "time_of_day": seconds_to_time(picture.time_of_day_s),
        "is_night": picture.is_night,
        "contacts": [dataclasses.asdict(contact) for contact in picture.contacts],
        "sensors": [dataclasses.asdict(sensor) for sensor in picture.sensors],
        "truth": truth_rows,
        "wrong": wrong,
        "hidden": hidden,
    }

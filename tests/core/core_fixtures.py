"""The engine tests' compact town, built in code, and small helpers to drive it.

The town (600 m x 400 m, one simulated hour from 07:00) has a road grid, seven homes,
a school, a market, a mosque, a hostile actor's compound and an open square; a patrol
that moves and an observation post that cannot; an overhead sensor and a ground
observer; and one inject of every kind, including a condition (``actor_at``) and an
``after_inject`` chain. It is small enough that a whole session runs in about a second.

Timeline of the town's hour (tick_s = 1, so tick = seconds after 07:00):

* 07:05 (tick 300)  message ``msg1``
* 07:08 (tick 480)  intel report ``intel1``
* 07:10 (tick 600)  the hostile actor ``hawk`` walks to the market; when he is there,
  ``seen1`` (a message, 10 s delay) fires
* 07:20 (tick 1200) gathering ``gather1``: 15 people to the open square for 20 minutes
* 07:30 (tick 1800) protected status change ``status1`` of the school
* 07:42 (tick 2520) explosion ``blast1`` at the market, then 30 s later gunfire
  ``shots1`` at the square (``after_inject: blast1``)
* 07:50 (tick 3000) scheduled status change of the mosque
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.core.commands import Command
from simulator.core.events import Event
from simulator.core.simulation import Simulation
from simulator.core.world import World
from simulator.scenario import LoadedScenario, Scenario

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKET_DAY = REPO_ROOT / "scenarios" / "market_day.yaml"

TOWN_YAML = """\
# yaml-language-server: $schema=scenario.schema.json
schema_version: 1
meta:
  id: core-test-town-v1
  title: Core test town
clock:
  start_time: "07:00"
  tick_s: 1
  duration_s: 3600
  state_hash_every_ticks: 60
map:
  extent_m: [600, 400]
  roads:
    - {id: r-south, points: [[0, 100], [600, 100]], kind: main, width_m: 8}
    - {id: r-north, points: [[0, 300], [600, 300]]}
    - {id: r-west, points: [[100, 0], [100, 400]]}
    - {id: r-centre, points: [[300, 0], [300, 400]]}
    - {id: r-east, points: [[500, 0], [500, 400]]}
  buildings:
    - {id: h1, use: home, rect: [40, 115, 20, 20], capacity: 40}
    - {id: h2, use: home, rect: [140, 115, 20, 20], capacity: 40}
    - {id: h3, use: home, rect: [40, 265, 20, 20], capacity: 40}
    - {id: h4, use: home, rect: [140, 265, 20, 20], capacity: 40}
    - {id: h5, use: home, rect: [520, 115, 20, 20], capacity: 40}
    - {id: h6, use: home, rect: [520, 265, 20, 20], capacity: 40}
    - {id: h7, use: home, rect: [40, 20, 20, 20], capacity: 40}
    - {id: safe1, use: compound, rect: [540, 320, 20, 20], capacity: 5}
    - {id: school1, use: school, rect: [320, 115, 40, 30], capacity: 200, construction: heavy}
    - {id: market1, use: market, rect: [320, 250, 40, 30], capacity: 300, construction: light}
    - {id: mosque1, use: place_of_worship, rect: [420, 115, 30, 30], capacity: 150}
  open_areas:
    - {id: square1, kind: square, polygon: [[200, 150], [260, 150], [260, 230], [200, 230]]}
protected:
  sites:
    - {id: ps-school, category: school, building: school1}
    - id: ps-mosque
      category: place_of_worship
      building: mosque1
      status_changes:
        - {at: "07:50", status: restricted, reason: "Repair crew on the roof."}
population:
  archetypes:
    - id: pupil
      count: 40
      age_group: child
      schedule:
        - {start: "07:30", end: "13:00", use: school, jitter_min: 5}
    - id: trader
      count: 12
      schedule:
        - {start: "06:30", end: "17:00", use: market, jitter_min: 10}
    - id: shopper
      count: 40
      schedule:
        - {start: "08:30", end: "12:00", use: market, probability: 0.8, jitter_min: 15}
    - id: worshipper
      count: 20
      age_group: elder
      schedule:
        - {start: "11:45", end: "12:30", use: place_of_worship, jitter_min: 3}
  individuals:
    - {id: baker, name: "The baker", home: h2, archetype: trader}
  vehicles:
    - {id: cars, kind: car, count: 3}
  reactions:
    flee_probability: 0.5
    shelter_probability: 0.3
    flee_distance_m: 150
    stay_away_min: 20
forces:
  hostile:
    - id: hawk
      name: HAWK
      role: leader
      safehouse: safe1
      routine:
        - {start: "07:10", end: "07:38", place: market1, jitter_min: 0}
  friendly:
    - {id: p1, name: "Blue 1", kind: patrol, position: [100, 50], speed_mps: 2.0, strength: 6}
    - {id: op1, name: "OP North", kind: observation_post, position: [300, 350], speed_mps: 0}
sensors:
  - {id: drone1, kind: overhead, name: Raven, position: [300, 200], footprint_radius_m: 150}
  - {id: op1-eyes, kind: ground_observer, unit: op1, range_m: 200}
effects:
  - {id: fx-small, name: "Notional small effect", lethal_radius_m: 5, injury_radius_m: 15,
     scatter_m: 2, noise_radius_m: 200}
injects:
  - {id: msg1, kind: message, at: "07:05", text: "Market is opening."}
  - id: intel1
    kind: intel_report
    at: "07:08"
    text: "A leader may visit the market this morning."
    about: hawk
    reliability: 0.6
  - {id: gather1, kind: gathering, at: "07:20", place: square1, count: 15, duration_min: 20}
  - {id: status1, kind: protected_status, at: "07:30", site: ps-school, status: restricted,
     text: "Exams moved to the hall."}
  - id: seen1
    kind: message
    when: {actor_at: hawk, place: market1, delay_s: 10}
    text: "Source: the leader is at the market."
  - {id: blast1, kind: explosion, at: "07:42", place: market1, noise_radius_m: 250,
     text: "Explosion near the market."}
  - {id: shots1, kind: gunfire, when: {after_inject: blast1, delay_s: 30}, place: square1,
     noise_radius_m: 150}
"""


@dataclass(frozen=True, repr=False)
class Town:
    """The test town, loaded, with small helpers to find places and people.

    Attributes:
        loaded: the scenario with its file bytes and hash (for ``run_session``).
        path: where its YAML file was written.
        world: its indexed world, shared between simulations (it never changes).
    """

    loaded: LoadedScenario
    path: Path
    world: World

    def __repr__(self) -> str:
        return f"Town({self.loaded.scenario.meta.id} at {self.path})"

    @property
    def scenario(self) -> Scenario:
        """The validated scenario."""
        return self.loaded.scenario

    def simulation(self, scenario: Scenario | None = None, *, seed: int | None = 1) -> Simulation:
        """A simulation of the town (or a variant of it), reset with ``seed`` unless None."""
        scenario = self.scenario if scenario is None else scenario
        same_map = scenario.map == self.scenario.map
        sim = Simulation(scenario, world=self.world if same_map else None)
        if seed is not None:
            sim.reset(seed=seed)
        return sim

    def place(self, place_id: str) -> int:
        """Place index of a building or open area id."""
        return self.world.place_index[place_id]

    def variant(self, **changes) -> Scenario:
        """A copy of the scenario with top-level sections replaced (no re-validation)."""
        return self.scenario.model_copy(update=changes)

    def with_clock(self, **changes) -> Scenario:
        """A copy of the scenario with clock fields replaced."""
        return self.variant(clock=self.scenario.clock.model_copy(update=changes))

    def without_injects(self, keep: Iterable[str] = ()) -> Scenario:
        """A copy of the scenario keeping only the named injects."""
        wanted = set(keep)
        return self.variant(injects=tuple(i for i in self.scenario.injects if i.id in wanted))


def rows_of(sim: Simulation, prefix: str) -> np.ndarray:
    """Rows of the people whose truth id starts with ``prefix`` (e.g. 'pupil-')."""
    return np.array(
        [row for row, ident in enumerate(sim.people.ids) if ident.startswith(prefix)],
        dtype=np.int64,
    )


def run_until(
    sim: Simulation, tick: int, schedule: dict[int, list[Command]] | None = None
) -> list[Event]:
    """Step until ``sim.tick == tick`` (or the end), applying scheduled commands."""
    events: list[Event] = []
    schedule = schedule or {}
    while sim.tick < tick and not sim.done:
        events.extend(sim.step(schedule.get(sim.tick, ())).events)
    return events

"""Sensing and awareness: what the trainee's sensors can and cannot see, and the tracks.

A sensing range built in code (800 m x 800 m, 12:00, one second per tick):

* an observation post ``op`` at (100, 400) with a 200 m ground observer. 150 m east, behind
  a wall (``wall``), five people stand on the open area ``behind``. 150 m north, in the
  open, five people stand on the open area ``open``;
* twenty ``sleeper`` civilians stay all day inside the ``farm``, under the small overhead
  footprint ``eye`` and 20 m from a patrol's ground observer;
* the ``yard`` under the drone (``drone``, 400 m radius, 1000 pixels: 0.8 m per pixel)
  holds 30 farmers who all carry something (about a third carry a long tool), ten
  children, the armed hostile ``hawk`` (weapon visible whenever seen) and four shoppers
  who walk into the ``kiosk`` at 12:02; at 12:04 two people who were inside the kiosk walk
  out to the yard (and may pick up a shopper's lost track).

Nobody walks anywhere except the shoppers and the two leavers, so what each sensor can
see is known in advance. Every run is seeded: each test is deterministic.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest
import shapely
from core_fixtures import REPO_ROOT, rows_of, run_until

from simulator.core.commands import (
    ClassifyContact,
    FollowContact,
    MarkLocation,
    RequestIntel,
    SubmitReport,
    TaskSensor,
    ZoomSensor,
)
from simulator.core.geometry import (
    building_edges,
    exact_line_of_sight,
    horizon,
    rasterize_buildings,
    visible_from,
)
from simulator.core.population import KIND_CIVILIAN
from simulator.core.review import picture_report
from simulator.core.sensing import INDICATORS
from simulator.core.simulation import Simulation
from simulator.scenario import parse_scenario
from simulator.scenario.schema import Environment, Scenario

RANGE_YAML = """\
schema_version: 1
meta: {id: sensing-range-v1, title: Sensing range}
clock: {start_time: "12:00", tick_s: 1, duration_s: 900, state_hash_every_ticks: 60}
map:
  extent_m: [800, 800]
  buildings:
    - {id: wall, use: warehouse, rect: [160, 370, 20, 60], capacity: 1}
    - {id: farm, use: farm, rect: [400, 600, 30, 30], capacity: 100}
    - {id: kiosk, use: shop, rect: [750, 140, 20, 20], capacity: 50}
    - {id: houses, use: home, rect: [700, 700, 40, 40], capacity: 500}
    - {id: hut, use: compound, rect: [740, 500, 20, 20], capacity: 5}
  open_areas:
    - {id: behind, kind: square, polygon: [[235, 385], [265, 385], [265, 415], [235, 415]]}
    - {id: open, kind: square, polygon: [[85, 535], [115, 535], [115, 565], [85, 565]]}
    - {id: yard, kind: square, polygon: [[630, 130], [670, 130], [670, 170], [630, 170]]}
population:
  archetypes:
    - {id: sleeper, count: 20, home_use: farm}
    - id: hidden
      count: 5
      schedule: [{start: "00:00", end: "24:00", place: behind, jitter_min: 0}]
    - id: seen
      count: 5
      schedule: [{start: "00:00", end: "24:00", place: open, jitter_min: 0}]
    - id: farmer
      count: 30
      carries_object_probability: 1.0
      schedule: [{start: "00:00", end: "24:00", place: yard, jitter_min: 0}]
    - id: pupil
      count: 10
      age_group: child
      carries_object_probability: 0.0
      schedule: [{start: "00:00", end: "24:00", place: yard, jitter_min: 0}]
    - id: shopper
      count: 4
      carries_object_probability: 0.0
      schedule:
        - {start: "00:00", end: "12:02", place: yard, jitter_min: 0}
        - {start: "12:02", end: "24:00", place: kiosk, jitter_min: 0}
    - id: leaver
      count: 2
      carries_object_probability: 0.0
      schedule:
        - {start: "00:00", end: "12:04", place: kiosk, jitter_min: 0}
        - {start: "12:04", end: "24:00", place: yard, jitter_min: 0}
forces:
  hostile:
    - id: hawk
      safehouse: hut
      weapon_visible_probability: 1.0
      routine: [{start: "00:00", end: "24:00", place: yard, jitter_min: 0}]
  friendly:
    - {id: op, kind: observation_post, position: [100, 400], speed_mps: 0}
    - {id: p2, kind: patrol, position: [380, 615], speed_mps: 2}
sensors:
  - {id: drone, kind: overhead, position: [650, 150], footprint_radius_m: 400,
     pixels_across: 1000}
  - {id: eye, kind: overhead, position: [415, 615], footprint_radius_m: 100,
     pixels_across: 1000}
  - {id: op-eyes, kind: ground_observer, unit: op, range_m: 200}
  - {id: p2-eyes, kind: ground_observer, unit: p2, range_m: 200}
intelligence: {reliability: 1.0, response_delay_s: 30, track_timeout_s: 20}
"""
TRACK_ID = re.compile(r"^T\d{4}$")
NIGHT = Environment(sunrise="13:00", sunset="23:00")  # the range's noon is before dawn


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return parse_scenario(RANGE_YAML, "sensing-range.yaml")


def _only(scenario: Scenario, *sensor_ids: str, **changes) -> Scenario:
    """The range with only the named sensors (fields of each replaced by ``changes``)."""
    sensors = tuple(s.model_copy(update=changes) for s in scenario.sensors if s.id in sensor_ids)
    return scenario.model_copy(update={"sensors": sensors})


def _sim(scenario: Scenario, seed: int = 1) -> Simulation:
    sim = Simulation(scenario)
    sim.reset(seed=seed)
    return sim


def _row(sim: Simulation, person_id: str) -> int:
    return sim.person_id_index[person_id]


def _entity_of(sim: Simulation, track_id: str) -> int:
    """Truth: the entity a track is on now (-1 when lost). Test-side lookup only."""
    return int(sim.sensing.track_entity[sim.sensing.track_index(track_id)])


def _indicator_names(sim: Simulation) -> set[str]:
    return {name for contact in sim.observe().contacts for name, _ in contact.indicators}


def _track_indicators(sim: Simulation, track: int) -> dict[str, float]:
    return dict(sim.sensing.indicators_of(track))


# --------------------------------------------------------------------------- occlusion


def test_a_ground_observer_cannot_see_behind_a_building_but_sees_the_open_at_the_same_range(
    scenario: Scenario,
):
    sim = _sim(_only(scenario, "op-eyes"))
    hidden, seen = rows_of(sim, "hidden-"), rows_of(sim, "seen-")
    op = sim.unit_xy[sim.unit_ids.index("op")]
    for rows in (hidden, seen):
        gap = np.hypot(*(sim.person.xy[rows] - op).T)
        assert np.all((gap > 135) & (gap < 165)), f"range set-up is off: {gap}"
    for _ in range(120):
        sim.step()
        assert not sim.sensing.in_view[hidden].any(), f"saw through the wall at tick {sim.tick}"
    assert sim.sensing.ever_seen[seen].all(), "people in the open at 150 m were never seen"
    assert not sim.sensing.ever_seen[hidden].any()
    report = picture_report(sim)
    kinds_seen = {row["entity"].split("-")[0] for row in report["truth"]}
    assert kinds_seen == {"seen"}, f"contacts were on {kinds_seen}"
    assert len(report["contacts"]) == len(seen)

    # The same answer from the geometry functions directly, fast and exact.
    world = sim.world
    sight = horizon(building_edges(world.building_polygons), op[0], op[1], 200.0)
    tree = shapely.STRtree(world.building_polygons)
    for rows, expected in ((hidden, False), (seen, True)):
        x, y = sim.person.xy[rows, 0], sim.person.xy[rows, 1]
        fast = visible_from(sight, op[0], op[1], x, y)
        exact = exact_line_of_sight(tree, world.building_polygons, op[0], op[1], x, y)
        assert (fast == expected).all(), f"horizon says {fast} for {expected}"
        assert (exact == expected).all(), f"shapely says {exact} for {expected}"


def test_horizons_agree_with_exact_line_of_sight_on_random_pairs_in_a_random_town():
    rng = np.random.default_rng(2024)
    extent = (400.0, 400.0)
    corners = rng.uniform(10, 370, (60, 2))
    sizes = rng.uniform(5, 25, (60, 2))
    polygons = tuple(shapely.box(x, y, x + w, y + h) for (x, y), (w, h) in zip(corners, sizes))
    merged = shapely.unary_union(polygons)  # overlapping boxes become one footprint
    polygons = tuple(getattr(merged, "geoms", [merged]))
    raster = rasterize_buildings(polygons, extent)
    edges = building_edges(polygons)
    tree = shapely.STRtree(polygons)

    def open_points(count: int) -> np.ndarray:
        points = rng.uniform(0, extent[0], (count * 3, 2))
        outside = raster.building_at(points[:, 0], points[:, 1]) < 0
        return points[outside][:count]

    agree = total = 0
    for observer in open_points(25):
        targets = open_points(400)
        # As the engine does: the walls of a building the observer stands on do not block.
        own = tree.query(shapely.Point(*observer), predicate="intersects")
        own_building = int(own[0]) if len(own) else -1
        sight = horizon(edges, observer[0], observer[1], 600.0, own_building=own_building)
        fast = visible_from(sight, observer[0], observer[1], targets[:, 0], targets[:, 1])
        exact = exact_line_of_sight(
            tree, polygons, observer[0], observer[1], targets[:, 0], targets[:, 1]
        )
        agree += int((fast == exact).sum())
        total += len(targets)
    assert total >= 9000
    assert agree / total >= 0.99, f"agreement {agree / total:.4f} on {total} pairs"


def test_people_indoors_are_never_seen_from_the_air_or_the_ground(scenario: Scenario):
    sim = _sim(scenario, seed=4)
    sleepers = rows_of(sim, "sleeper-")
    eye = np.array(scenario.sensors[1].position)
    patrol = sim.unit_xy[sim.unit_ids.index("p2")]
    assert np.all(np.hypot(*(sim.person.xy[sleepers] - eye).T) < 30), "not under the eye"
    assert np.all(np.hypot(*(sim.person.xy[sleepers] - patrol).T) < 70), "not near the patrol"
    for _ in range(150):
        sim.step()
        truth = sim.state()
        assert truth.person_indoors[sleepers].all(), f"a sleeper went out at tick {sim.tick}"
        indoors_in_view = np.flatnonzero(
            truth.person_indoors & sim.sensing.in_view[: len(truth.person_ids)]
        )
        assert indoors_in_view.size == 0, f"indoors yet in view at tick {sim.tick}"
    assert not sim.sensing.ever_seen[sleepers].any()
    assert (sim.sensing.entity_track[sleepers] < 0).all(), "a sleeper has a track"
    report = picture_report(sim)
    assert not any(row["entity"].startswith("sleeper-") for row in report["truth"])
    indoors = int((truth.person_indoors & (truth.person_kind == KIND_CIVILIAN)).sum())
    assert report["hidden"]["civilians_indoors"] == indoors >= len(sleepers)


# --------------------------------------------------------------------------- tracks


def test_classifying_a_contact_never_changes_the_truth(scenario: Scenario):
    labelled, plain = _sim(scenario, seed=2), _sim(scenario, seed=2)
    run_until(labelled, 30)
    run_until(plain, 30)
    civilian = next(
        c.track_id
        for c in labelled.observe().contacts
        if labelled.entity_kind(_entity_of(labelled, c.track_id)) == "civilian"
    )
    entity = _entity_of(labelled, civilian)
    labelled.step([ClassifyContact(civilian, "combatant", 0.9)])
    plain.step()
    assert labelled.observe().contact(civilian).classification == "combatant"
    run_until(labelled, 90)
    run_until(plain, 90)
    a, b = labelled.state(), plain.state()
    for field in dataclasses.fields(a):
        left, right = getattr(a, field.name), getattr(b, field.name)
        if isinstance(left, np.ndarray):
            assert np.array_equal(left, right), f"truth '{field.name}' changed by a label"
        else:
            assert left == right, f"truth '{field.name}' changed by a label"
    kinds = [labelled.entity_kind(e) for e in range(labelled.sensing.n_entities)]
    assert kinds == [plain.entity_kind(e) for e in range(plain.sensing.n_entities)]
    assert labelled.entity_kind(entity) == "civilian", "the label made a civilian hostile"
    assert np.array_equal(labelled.sensing.entity_track, plain.sensing.entity_track)
    # The state hash covers the trainee's labels too, so only it may differ.
    assert labelled.state_hash() != plain.state_hash()


def test_tracks_never_carry_truth_ids(scenario: Scenario):
    sim = _sim(scenario, seed=3)
    truth_ids = set(sim.people.ids) | {sim.entity_id(e) for e in range(sim.sensing.n_entities)}
    events = run_until(sim, 40)
    first = sim.observe().contacts[0].track_id
    events += run_until(
        sim,
        150,
        {
            40: [ClassifyContact(first, "unknown", 0.5), RequestIntel(first)],
            60: [SubmitReport("two people near the wall", first), ZoomSensor("drone", 100)],
        },
    )

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from strings(key)
                yield from strings(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from strings(item)

    picture = sim.observe()
    assert len(picture.contacts) > 20
    for contact in picture.contacts:
        assert TRACK_ID.match(contact.track_id), contact.track_id
        leaked = set(strings(dataclasses.asdict(contact))) & truth_ids
        assert not leaked, f"{contact.track_id} carries truth ids {leaked}"
    for message in picture.messages:
        assert not set(strings(dataclasses.asdict(message))) & truth_ids
    for event in events:
        if event["type"] == "command":
            leaked = set(strings(event["picture"])) & truth_ids
            assert not leaked, f"picture annex at tick {event['tick']} leaks {leaked}"
            if "contact" in event["picture"]:
                assert set(strings(event["truth"])) & truth_ids, "truth annex names nobody"


def test_a_track_is_lost_when_its_person_goes_indoors_and_is_out_of_view_meanwhile(
    scenario: Scenario,
):
    sim = _sim(_only(scenario, "drone"), seed=5)
    shoppers = rows_of(sim, "shopper-")
    timeout = sim.sensing.timeout_ticks
    went_in: dict[int, tuple[int, int]] = {}  # row -> (tick, track index)
    lost_at: dict[int, int] = {}
    while sim.tick < 400 and len(lost_at) < len(shoppers):
        sim.step()
        truth = sim.state()
        picture = sim.observe()
        for row in shoppers.tolist():
            if row not in went_in and truth.person_indoors[row]:
                track = int(sim.sensing.entity_track[row])
                assert track >= 0, f"shopper {row} was not tracked on the way in"
                went_in[row] = (sim.tick, track)
            if row in went_in and row not in lost_at:
                _, track = went_in[row]
                contact = picture.contact(sim.sensing.track_name(track))
                if sim.sensing.track_lost[track]:
                    lost_at[row] = sim.tick
                    assert contact is None, f"lost track still shown at tick {sim.tick}"
                else:
                    assert contact is not None and not contact.in_view, (
                        f"indoor shopper's track in view at tick {sim.tick}"
                    )
                    assert contact.uncertainty_m > 3.0 * sim.sensing.track_sigma[track]
    assert len(went_in) == len(shoppers), "not every shopper reached the kiosk"
    for row, (tick, _) in went_in.items():
        assert row in lost_at, f"track of row {row} never lost"
        assert lost_at[row] - tick <= timeout + 1, f"row {row} lost late at {lost_at[row]}"


def test_a_lost_track_picked_up_on_someone_else_is_a_swap_known_only_to_the_truth(
    scenario: Scenario,
):
    sim = _sim(_only(scenario, "drone"), seed=2)
    run_until(sim, 400)
    sensing = sim.sensing
    swapped = [
        index
        for index in range(sensing.n_tracks)
        if not sensing.track_lost[index]
        and sensing.track_entity[index] != sensing.track_first_entity[index]
    ]
    assert swapped, "no lost shopper track was picked up on a leaver"
    track = sensing.track_name(swapped[0])
    first = sim.entity_id(int(sensing.track_first_entity[swapped[0]]))
    now = sim.entity_id(_entity_of(sim, track))
    assert first.startswith("shopper-") and now.startswith("leaver-"), (first, now)
    contact = sim.observe().contact(track)
    assert contact is not None, f"{track} is not in the picture"
    assert contact.first_seen_tick < 240, "the trainee sees one old track, not a new one"
    (problems,) = [w["problems"] for w in picture_report(sim)["wrong"] if w["track_id"] == track]
    assert f"the track has moved from {first} to {now}" in problems
    (record,) = [
        e
        for e in sim.step([ClassifyContact(track, "civilian", 0.8)]).events
        if e["type"] == "command"
    ]
    assert record["truth"]["swapped"] is True and record["truth"]["first_entity"] == first
    assert record["truth"]["entity"] == now
    assert "swapped" not in record["picture"]["contact"]


# --------------------------------------------------------------------------- light


def test_night_cuts_detections_of_a_plain_sensor_and_a_thermal_one_keeps_more(
    scenario: Scenario,
):
    def detections(variant: Scenario) -> int:
        sim = _sim(variant, seed=6)
        count = 0
        for _ in range(120):
            sim.step()
            count += sum(contact.in_view for contact in sim.observe().contacts)
        return count

    day = _only(scenario, "drone")
    night = day.model_copy(update={"environment": NIGHT})
    night_thermal = _only(night, "drone", thermal=True)
    assert _sim(night).observe().is_night and not _sim(day).observe().is_night
    by_day, by_night, by_night_thermal = (
        detections(day),
        detections(night),
        detections(night_thermal),
    )
    assert by_night < 0.25 * by_day, f"day {by_day}, night {by_night}"
    assert by_night_thermal > 2 * by_night, f"thermal {by_night_thermal}, plain {by_night}"
    assert by_night_thermal < by_day


# --------------------------------------------------------------------------- resolution


def test_zooming_in_brings_out_age_and_carried_objects(scenario: Scenario):
    sim = _sim(_only(scenario, "drone"), seed=7)  # 400 m radius: 0.8 m per pixel
    run_until(sim, 60)
    assert _indicator_names(sim) == {"person"}, "coarse images showed detail"
    sim.step([ZoomSensor("drone", 100)])  # 0.2 m per pixel
    run_until(sim, 120)
    names = _indicator_names(sim)
    for wanted in ("adult", "child", "carrying_object", "long_object"):
        assert wanted in names, f"'{wanted}' not seen at 0.2 m per pixel: {names}"
    pupils = rows_of(sim, "pupil-")
    for row in pupils.tolist():
        found = _track_indicators(sim, int(sim.sensing.entity_track[row]))
        assert "child" in found and "adult" not in found, f"pupil row {row}: {found}"


def test_a_weapon_on_an_armed_hostile_shows_only_at_fine_resolution(scenario: Scenario):
    sim = _sim(_only(scenario, "drone"), seed=8)
    hawk = _row(sim, "hawk")
    run_until(sim, 40)
    track = int(sim.sensing.entity_track[hawk])
    assert track >= 0, "the hostile in the yard was never tracked"
    assert set(_track_indicators(sim, track)) == {"person"}
    sim.step([ZoomSensor("drone", 100)])  # 0.2 m per pixel: coarser than 0.15
    run_until(sim, 100)
    assert sim.sensing.entity_track[hawk] == track
    middling = _track_indicators(sim, track)
    assert "long_object" in middling, middling
    assert "weapon_visible" not in middling, f"weapon seen at 0.2 m per pixel: {middling}"
    sim.step([ZoomSensor("drone", 50)])  # 0.1 m per pixel
    run_until(sim, 130)
    fine = _track_indicators(sim, track)
    assert fine.get("weapon_visible", 0.0) > 0.3, f"weapon not seen at 0.1 m per pixel: {fine}"


def test_a_long_tool_shows_as_a_long_object_and_sometimes_as_a_weak_weapon(
    scenario: Scenario,
):
    variant = _only(scenario, "drone", footprint_radius_m=100.0)  # 0.2 m per pixel
    variant = variant.model_copy(
        update={"forces": variant.forces.model_copy(update={"hostile": ()})}
    )
    sim = _sim(variant, seed=9)
    run_until(sim, 400)
    long_tool = sim.sensing.long_tool
    assert long_tool.sum() >= 5, "too few long tools in the yard for this test"
    lookalikes = 0
    for contact in sim.observe().contacts:
        entity = _entity_of(sim, contact.track_id)
        found = dict(contact.indicators)
        assert sim.entity_kind(entity) == "civilian"
        if long_tool[entity]:
            assert "long_object" in found, f"{contact.track_id} tool not seen: {found}"
        else:
            assert "long_object" not in found and "weapon_visible" not in found, (
                f"{contact.track_id} has no long tool yet shows {found}"
            )
        if "weapon_visible" in found:
            assert found["weapon_visible"] <= 0.3, f"{contact.track_id}: {found}"
            lookalikes += 1
    assert 0 < lookalikes < long_tool.sum() + 1, f"{lookalikes} look-alikes"


# --------------------------------------------------------------------------- intelligence


def test_intel_answers_arrive_after_the_delay_with_the_track_id_and_the_truth(
    scenario: Scenario,
):
    sim = _sim(_only(scenario, "drone"), seed=10)
    run_until(sim, 20)
    hawk_track = sim.sensing.track_name(int(sim.sensing.entity_track[_row(sim, "hawk")]))
    farmer_track = sim.sensing.track_name(int(sim.sensing.entity_track[_row(sim, "farmer-00000")]))
    delay = math.ceil(scenario.intelligence.response_delay_s / sim.tick_s)
    early = run_until(sim, 20 + delay, {20: [RequestIntel(hawk_track), RequestIntel(farmer_track)]})
    assert not [e for e in early if e["type"] == "intel_answer"], "answered before the delay"
    assert not [m for m in sim.observe().messages if m.kind == "intel_report"]
    answers = [e for e in sim.step().events if e["type"] == "intel_answer"]
    assert [a["tick"] for a in answers] == [20 + delay] * 2
    assert {a["track_id"]: a["match"] for a in answers} == {hawk_track: True, farmer_track: False}
    for answer in answers:
        assert answer["truth"]["hostile"] == answer["match"]  # reliability 1: always right
    messages = {m.track_id: m for m in sim.observe().messages if m.kind == "intel_report"}
    assert set(messages) == {hawk_track, farmer_track}
    assert messages[hawk_track].tick == 20 + delay and messages[hawk_track].reliability == 1.0
    assert "intelligence_match" in dict(sim.observe().contact(hawk_track).indicators)
    assert "intelligence_match" not in dict(sim.observe().contact(farmer_track).indicators)


def test_an_unreliable_intel_cell_answers_wrongly_and_the_truth_annex_shows_it(
    scenario: Scenario,
):
    wrong = _only(scenario, "drone").model_copy(
        update={"intelligence": scenario.intelligence.model_copy(update={"reliability": 0.0})}
    )
    sim = _sim(wrong, seed=10)
    run_until(sim, 20)
    hawk_track = sim.sensing.track_name(int(sim.sensing.entity_track[_row(sim, "hawk")]))
    events = run_until(sim, 60, {20: [RequestIntel(hawk_track)]})
    (answer,) = [e for e in events if e["type"] == "intel_answer"]
    assert answer["match"] is False and answer["truth"] == {"entity": "hawk", "hostile": True}


# --------------------------------------------------------------------------- records


def test_sensing_is_deterministic_with_commands_including_picture_annexes(scenario: Scenario):
    schedule = {
        10: [TaskSensor("drone", 640.0, 160.0), ZoomSensor("drone", 120)],
        25: [ClassifyContact("T0002", "civilian", 0.7), RequestIntel("T0003")],
        40: [FollowContact("eye", "T0001"), MarkLocation(250.0, 400.0, "behind the wall")],
        70: [ZoomSensor("drone", 50), SubmitReport("farmers in the yard", "T0004")],
        90: [FollowContact("eye", "")],
    }
    first, second = _sim(scenario, seed=11), _sim(scenario, seed=11)
    commands = 0
    while first.tick < 150:
        commands_now = schedule.get(first.tick, [])
        first.observe()  # observing must never change the session
        a, b = first.step(commands_now), second.step(commands_now)
        assert a.events == b.events, f"events differ at tick {a.tick}"
        assert first.state_hash() == second.state_hash(), f"state differs at tick {a.tick}"
        commands += sum(e["type"] == "command" and "contact" in e["picture"] for e in a.events)
        assert json.dumps(a.events, sort_keys=True) == json.dumps(b.events, sort_keys=True)
    assert commands >= 4, "the commands did not record contacts"
    assert first.observe() == second.observe()


def test_a_classify_command_records_what_was_seen_and_the_truth(scenario: Scenario):
    sim = _sim(_only(scenario, "drone"), seed=12)
    run_until(sim, 30)
    hawk = _row(sim, "hawk")
    track = sim.sensing.track_name(int(sim.sensing.entity_track[hawk]))
    seen = sim.observe().contact(track)
    events = sim.step([ClassifyContact(track, "unknown", 0.4)]).events
    (record,) = [e for e in events if e["type"] == "command"]
    assert record["command"] == {
        "kind": "classify_contact",
        "track_id": track,
        "label": "unknown",
        "confidence": 0.4,
    }
    contact = record["picture"]["contact"]
    assert contact["track_id"] == track
    assert contact["indicators"] == dict(seen.indicators)
    assert contact["classification"] == "unknown" and contact["in_view"] == seen.in_view
    assert (contact["x_m"], contact["y_m"]) == (seen.x_m, seen.y_m)
    truth = record["truth"]
    assert truth["entity"] == "hawk" and truth["entity_kind"] == "hostile"
    assert truth["swapped"] is False and truth["lost"] is False
    assert not [e for e in events if e["type"] == "command_rejected"]


def test_dump_picture_cli_writes_contacts_truth_wrong_and_hidden(scenario: Scenario, tmp_path):
    path = tmp_path / "sensing-range.yaml"
    path.write_text(RANGE_YAML, encoding="utf-8")
    out = tmp_path / "session"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "run_sim.py"),
            "run",
            str(path),
            "--headless",
            "--seed",
            "3",
            "--policy",
            "passive",
            "--ticks",
            "40",
            "--out",
            str(out),
            "--dump-picture",
            "30",
            "--quiet",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    dump = json.loads((out / "picture_30.json").read_text(encoding="utf-8"))
    assert {"contacts", "truth", "wrong", "hidden"} <= set(dump)
    assert dump["tick"] == 30
    assert [c["track_id"] for c in dump["contacts"]] == [t["track_id"] for t in dump["truth"]]
    assert dump["contacts"], "no contacts at tick 30"
    for contact in dump["contacts"]:
        assert set(contact) >= {"track_id", "x_m", "y_m", "uncertainty_m", "indicators"}
        assert {name for name, _ in contact["indicators"]} <= set(INDICATORS)

    sim = _sim(scenario, seed=3)  # the passive trainee issues no commands
    run_until(sim, 30)
    truth = sim.state()
    civilians_indoors = int((truth.person_indoors & (truth.person_kind == KIND_CIVILIAN)).sum())
    # The sleepers in the farm and the two leavers still in the kiosk.
    assert dump["hidden"]["civilians_indoors"] == civilians_indoors == 22
    (hawk,) = dump["hidden"]["hostile_actors"]
    assert hawk["id"] == "hawk" and hawk["indoors"] is False
    assert hawk["track_id"] is not None and TRACK_ID.match(hawk["track_id"])
    assert dump == json.loads(json.dumps(picture_report(sim)))

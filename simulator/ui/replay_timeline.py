"""Re-simulating a session for the replay viewer, with checkpoints for fast seeking.

The viewer shows a session by simulating it again from its folder alone, exactly as
``replay --verify`` does: the scenario copy, the seed from the log's header and the
logged commands, applied tick by tick (``Simulation(scenario)``, ``reset(seed=...)``,
``step(commands_at_tick)``). Nothing else is read: no picture dumps, no screenshots. What
is shown is therefore what the engine reproduces from the record, and the state hashes
the log holds are compared on the way (a mismatch is reported plainly).

**Seeking.** Going forward is stepping. Going back would mean starting again from tick 0,
so the timeline keeps **checkpoints**: a deep copy of the whole Simulation every
``checkpoint_every`` ticks (120 by default). A seek restores the last checkpoint at or
before the target and steps from there, so any jump costs at most ``checkpoint_every +
EXACT_TICKS`` steps (about 0.3 s for Market Day). The scenario, the built world and the
seed's scenario variant are never copied: they do not change during a session and all
checkpoints share them.

**Memory cost.** A checkpoint holds the dynamic state only: people and vehicle tables,
sensing and tracks, engagements, random generators. For Market Day (about 2,000 people,
one hour at 1 s per tick) that is about 0.75 MB each (measured by pickling), so the 31
checkpoints of a whole session take about 25 MB. The size is measured when the session
opens; in a much bigger town the checkpoints are spread further apart so that together
they stay under ``MEMORY_BUDGET_BYTES`` (256 MB), at the price of slower jumps back.
The sensors' footprints of every tick are kept too (a few hundred bytes per tick,
repeats shared), so the trainee view's fog of war can be rebuilt exactly after a jump.

**Indexing in the background.** After :meth:`ReplayTimeline.start_indexing` a second
Simulation runs ahead in a thread from the start, filling in checkpoints and footprints,
so jumps far ahead (to the last bookmark) soon cost no more than jumps back. It only
ever adds new entries, under a lock; the simulation on screen is never touched by it.

The renderer's memory (fog of war, track trails) is fed through a listener (see
:class:`MemoryListener`): every tick reached is either *remembered* with its Picture, or,
far before a seek's target, passed over with its sensor footprints only (cheap); the last
``EXACT_TICKS`` ticks before a target are always observed, so trails are exact too.
"""

from __future__ import annotations

import copy
import io
import math
import pickle
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from simulator.core.picture import Picture, SensorView
from simulator.core.simulation import Simulation
from simulator.session import ReplayError, load_session, logged_commands
from simulator.ui.replay_events import Bookmark, events_by_tick, find_bookmarks

DEFAULT_CHECKPOINT_EVERY = 120
MEMORY_BUDGET_BYTES = 256 * 2**20
CHECKPOINT_GROWTH = 1.5  # later checkpoints hold more tracks than the first one
EXACT_TICKS = 10  # ticks before a seek target that are observed (the renderer's trail length)

Sensors = tuple[SensorView, ...]


class MemoryListener(Protocol):
    """What the timeline tells the viewer's renderers as it moves (their fog and trails)."""

    def restart(self, sensor_history: Sequence[Sensors]) -> None:
        """Forget everything, then take in the footprints of ticks 0..now (a restore)."""

    def pass_sensors(self, sensors: Sensors) -> None:
        """A tick passed quickly during a seek: take in its footprints only."""

    def remember(self, picture: Picture) -> None:
        """A tick reached with the trainee's Picture."""


class _SharedPickler(pickle.Pickler):
    """Pickles a Simulation without the objects its checkpoints share (to measure size)."""

    def __init__(self, buffer, shared_ids: set[int]) -> None:
        super().__init__(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared_ids

    def persistent_id(self, obj: Any) -> int | None:
        return id(obj) if id(obj) in self._shared else None


class ReplayTimeline:
    """A session folder re-simulated on demand, tick by tick (see module docstring).

    Args:
        session_dir: the session folder (scenario.yaml and events.jsonl).
        checkpoint_every: ticks between checkpoints (default: 120, more in big towns).
        memory_budget_bytes: what all checkpoints together may take, roughly.

    Call :meth:`start_indexing` to run a second simulation ahead in a thread, and
    :meth:`close` when done with the timeline.

    Raises:
        ReplayError: when the folder cannot be replayed (explained in the message).
    """

    def __init__(
        self,
        session_dir: str | Path,
        *,
        checkpoint_every: int | None = None,
        memory_budget_bytes: int = MEMORY_BUDGET_BYTES,
    ) -> None:
        self.folder = Path(session_dir)
        self.log, self.loaded = load_session(self.folder)
        self.scenario = self.loaded.scenario
        header = self.log.header
        try:
            self.seed = int(header["seed"])
        except (KeyError, TypeError, ValueError):
            raise ReplayError(f"{self.folder}: the log header has no valid seed") from None
        self.schedule = logged_commands(self.log)
        self.problems: list[str] = list(self.log.problems or [])
        self.notes: list[str] = []
        if header.get("scenario_sha256") != self.loaded.sha256:
            self.problems.append(
                "the scenario copy differs from the one the session ran (SHA-256 mismatch): "
                "what you see may not be what the trainee saw"
            )
        self.recorded_hashes: dict[int, str] = {}
        for event in self.log.of_type("state_hash"):
            try:
                self.recorded_hashes[int(event["tick"])] = str(event["hash"])
            except (KeyError, TypeError, ValueError):
                continue
        self.hash_mismatch_tick: int | None = None
        self.events = events_by_tick(self.log.events)
        self.card = self._scorecard()
        self.bookmarks: list[Bookmark] = find_bookmarks(
            self.log.events, self.card.get("findings", [])
        )
        self.tick_s = float(self.scenario.clock.tick_s)
        self.start_s = float(self.scenario.clock.start_s)
        self.sim = Simulation(self.scenario)
        self.sim.reset(seed=self.seed)
        ticks = [tick for tick in self.events if tick >= 0]
        self.last_tick = max(0, min(self.sim.total_ticks, max(ticks, default=0)))
        self._lock = threading.Lock()
        self._checkpoints: dict[int, Simulation] = {0: self._snapshot(self.sim)}
        self._sensors: dict[int, Sensors] = {}
        self._record_sensors(0, self.sim.observe("blue").sensors)
        self.checkpoint_bytes = self._measure(self._checkpoints[0])
        if checkpoint_every is None:
            most = max(4, int(memory_budget_bytes // (self.checkpoint_bytes * CHECKPOINT_GROWTH)))
            checkpoint_every = max(DEFAULT_CHECKPOINT_EVERY, math.ceil(self.last_tick / most))
        self.checkpoint_every = max(1, int(checkpoint_every))
        self._target: int | None = None
        self.waiting_for_index = False
        self.indexed_to = 0
        self._stop = threading.Event()
        self._indexer: threading.Thread | None = None

    # ------------------------------------------------------------------ facts

    def _scorecard(self) -> dict[str, Any]:
        """The scorecard, built from the log itself (never from a file beside it)."""
        try:
            from scoring.scorecard import build_scorecard

            return build_scorecard(self.log, self.scenario).to_dict()
        except Exception as error:  # noqa: BLE001 - bookmarks from events still work
            self.notes.append(f"the log could not be scored ({error}); findings are not shown")
            return {}

    @property
    def tick(self) -> int:
        """The tick on screen."""
        return self.sim.tick

    @property
    def seeking(self) -> bool:
        """Whether a seek is still under way (see :meth:`continue_seek`)."""
        return self._target is not None

    @property
    def seek_target(self) -> int | None:
        return self._target

    def picture(self) -> Picture:
        """The trainee's Picture at the current tick, exactly as ``observe('blue')`` gives it."""
        return self.sim.observe("blue")

    def state_hash(self) -> str:
        """The simulation's state hash at the current tick."""
        return self.sim.state_hash()

    def time_of_day_s(self, tick: int) -> float:
        return (self.start_s + int(tick) * self.tick_s) % 86400.0

    def checkpoint_ticks(self) -> list[int]:
        """Ticks that have a checkpoint, in order."""
        with self._lock:
            return sorted(self._checkpoints)

    def checkpoint_memory_bytes(self) -> int:
        """Rough memory held by the checkpoints (measured size of one, times how many)."""
        with self._lock:
            count = len(self._checkpoints)
        return int(count * self.checkpoint_bytes)

    def sensors_known_to(self) -> int:
        """The furthest tick up to which every tick's sensor footprints are known."""
        with self._lock:
            tick = 0
            while tick + 1 in self._sensors:
                tick += 1
            return tick

    # ------------------------------------------------------------------ copies

    def _shared(self, sim: Simulation) -> dict[int, Any]:
        """Objects every copy of a simulation shares (immutable during a session)."""
        shared = {id(sim.scenario): sim.scenario, id(sim.world): sim.world}
        live = getattr(sim, "live_scenario", None)
        if live is not None:
            shared[id(live)] = live
        return shared

    def _snapshot(self, sim: Simulation) -> Simulation:
        return copy.deepcopy(sim, self._shared(sim))

    def _measure(self, sim: Simulation) -> int:
        buffer = io.BytesIO()
        try:
            _SharedPickler(buffer, set(self._shared(sim))).dump(sim)
        except (pickle.PicklingError, TypeError, AttributeError):
            return 2 * 2**20  # a safe guess when something cannot be pickled
        return max(1, buffer.tell())

    def _record_sensors(self, tick: int, sensors: Sensors) -> None:
        with self._lock:
            if tick in self._sensors:
                return
            previous = self._sensors.get(tick - 1)
            # Sensors often stay put for many ticks: share one tuple between them.
            self._sensors[tick] = previous if previous == sensors else tuple(sensors)

    def _maybe_checkpoint(self, sim: Simulation) -> None:
        tick = sim.tick
        if tick % self.checkpoint_every:
            return
        with self._lock:
            if tick in self._checkpoints:
                return
        snapshot = self._snapshot(sim)
        with self._lock:
            self._checkpoints.setdefault(tick, snapshot)

    def _best_checkpoint(self, at_most: int) -> int:
        with self._lock:
            return max((t for t in self._checkpoints if t <= at_most), default=0)

    def _check_hash(self, tick: int, state_hash: str | None) -> None:
        recorded = self.recorded_hashes.get(tick)
        if state_hash is None or recorded is None or state_hash == recorded:
            return
        with self._lock:
            if self.hash_mismatch_tick is None or tick < self.hash_mismatch_tick:
                self.hash_mismatch_tick = tick

    # ------------------------------------------------------------------ moving

    def _advance(self, listener: MemoryListener | None, observe: bool) -> None:
        sim = self.sim
        result = sim.step(self.schedule.get(sim.tick, ()))
        self._check_hash(sim.tick, result.state_hash)
        with self._lock:
            known = self._sensors.get(sim.tick)
        if observe or known is None:
            picture = sim.observe("blue")
            self._record_sensors(sim.tick, picture.sensors)
            if listener is not None:
                listener.remember(picture)
        elif listener is not None:
            listener.pass_sensors(known)
        self._maybe_checkpoint(sim)

    def step(self, listener: MemoryListener | None = None) -> bool:
        """Play one tick forward; False at the end of the session."""
        if self.sim.tick >= self.last_tick:
            return False
        self._target = None
        self._advance(listener, observe=True)
        return True

    def _restore(self, tick: int, listener: MemoryListener | None) -> None:
        with self._lock:
            checkpoint = self._checkpoints[tick]
            history = [self._sensors[t] for t in range(tick + 1)]
        self.sim = copy.deepcopy(checkpoint, self._shared(checkpoint))
        if listener is not None:
            listener.restart(history)
            listener.remember(self.sim.observe("blue"))

    def begin_seek(self, target: int) -> None:
        """Start moving to a tick (clamped to the session); finish with :meth:`continue_seek`."""
        self._target = min(max(int(target), 0), self.last_tick)

    def continue_seek(
        self, listener: MemoryListener | None = None, budget_s: float | None = None
    ) -> bool:
        """Work towards the seek target for about ``budget_s`` seconds (None: until there).

        While the background simulation is still running towards a far target, this
        waits for its checkpoints instead of stepping (``waiting_for_index`` is True).

        Returns:
            True once the target is reached (or there was none).
        """
        target = self._target
        if target is None:
            return True
        started = time.perf_counter()
        best = self._best_checkpoint(max(0, target - EXACT_TICKS))
        start = best if target < self.sim.tick or best > self.sim.tick else self.sim.tick
        self.waiting_for_index = (
            self.indexing
            and self.indexed_to < target
            and target - start > self.checkpoint_every + EXACT_TICKS
        )
        if self.waiting_for_index:
            # The background simulation is on its way there and will leave checkpoints:
            # doing the same work here would only halve the speed of both.
            return False
        if start != self.sim.tick:
            self._restore(best, listener)
        while self.sim.tick < target:
            self._advance(listener, observe=target - self.sim.tick <= EXACT_TICKS)
            if budget_s is not None and time.perf_counter() - started > budget_s:
                return False
        self._target = None
        self.waiting_for_index = False
        return True

    def seek(self, target: int, listener: MemoryListener | None = None) -> None:
        """Move to a tick and wait until there."""
        self.begin_seek(target)
        while not self.continue_seek(listener):
            time.sleep(0.02)  # waiting for the background simulation's checkpoints

    # ------------------------------------------------------------------ background

    def start_indexing(self) -> None:
        """Start the background simulation that fills in checkpoints ahead (once)."""
        if self._indexer is not None or self.last_tick <= 0:
            return
        self._indexer = threading.Thread(target=self._index, name="replay-indexer", daemon=True)
        self._indexer.start()

    def _index(self) -> None:
        """Run a private simulation to the end, filling in checkpoints and footprints."""
        with self._lock:
            start = self._checkpoints[0]
        sim = copy.deepcopy(start, self._shared(start))
        try:
            while sim.tick < self.last_tick and not self._stop.is_set():
                result = sim.step(self.schedule.get(sim.tick, ()))
                self._check_hash(sim.tick, result.state_hash)
                self._record_sensors(sim.tick, sim.observe("blue").sensors)
                self._maybe_checkpoint(sim)
                self.indexed_to = sim.tick
                if sim.tick == self.checkpoint_every:
                    self.checkpoint_bytes = self._measure(sim)
        except Exception as error:  # noqa: BLE001 - the viewer still steps on its own
            self.notes.append(f"background indexing stopped: {error!r}")

    @property
    def indexing(self) -> bool:
        """Whether the background simulation is still running ahead."""
        return self._indexer is not None and self._indexer.is_alive()

    def close(self) -> None:
        """Stop the background simulation (if any) and wait for it."""
        self._stop.set()
        if self._indexer is not None:
            self._indexer.join(timeout=5.0)

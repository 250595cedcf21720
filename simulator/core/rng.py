"""Named random streams spawned from one seed.

Each part of the simulation draws from its own stream so that adding, say, a sensor
never changes how civilians walk. A stream's key is derived from its *name* (a CRC32),
not from its position in a list, so new streams can be added in any order without
shifting the existing ones.
"""

from __future__ import annotations

import zlib

import numpy as np

STREAM_NAMES = (
    "civilians",
    "hostiles",
    "vehicles",
    "reactions",
    "injects",
    "sensors",
    "intel",
    "effects",
    "warnings",
    "policy",
    "checkpoint",
    "crowd",
)


class RngStreams:
    """Independent numpy Generators, one per named stream, all from one seed.

    Args:
        seed: the session seed (any non-negative integer).
    """

    def __init__(self, seed: int):
        if seed < 0:
            raise ValueError("seed must be a non-negative integer")
        self.seed = int(seed)
        # Every stream exists from the start, so the state hash never depends on which
        # streams happened to be used (a replay without a policy still matches).
        self._streams: dict[str, np.random.Generator] = {}
        for name in STREAM_NAMES:
            key = zlib.crc32(name.encode("utf-8"))
            sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=(key,))
            self._streams[name] = np.random.Generator(np.random.PCG64(sequence))

    def __getitem__(self, name: str) -> np.random.Generator:
        try:
            return self._streams[name]
        except KeyError:
            raise KeyError(f"no random stream {name!r}; add it to STREAM_NAMES") from None

    def state_digest_parts(self) -> list[bytes]:
        """Bytes describing every stream's state, in name order, for state hashes.

        The ``policy`` stream is left out: it belongs to the scripted trainee, whose
        decisions the log records as commands, so a replay never runs the trainee.
        """
        parts = []
        for name in sorted(self._streams):
            if name == "policy":
                continue
            state = self._streams[name].bit_generator.state["state"]
            parts.append(f"{name}:{state['state']}:{state['inc']}".encode())
        return parts

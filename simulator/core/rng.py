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
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        stream = self._streams.get(name)
        if stream is None:
            key = zlib.crc32(name.encode("utf-8"))
            sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=(key,))
            stream = np.random.Generator(np.random.PCG64(sequence))
            self._streams[name] = stream
        return stream

    def state_digest_parts(self) -> list[bytes]:
        """Bytes describing every stream's state, in name order, for state hashes."""
        parts = []
        for name in sorted(self._streams):
            state = self._streams[name].bit_generator.state["state"]
            parts.append(f"{name}:{state['state']}:{state['inc']}".encode())
        return parts

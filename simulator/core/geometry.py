"""Fast geometry over the static map: a building raster and line-of-sight horizons.

Exact shapely geometry (``World.building_polygons``) is the reference; the fast paths here
are tested and benchmarked against it.

* :class:`BuildingRaster`: the map cut into square cells (1 m where the map allows); each
  cell holds the index of the building covering its centre plus one (0 = open ground).
  Which building a point is in becomes one array lookup.
* :func:`horizon`: from an observer, the exact distance to the first wall along each of
  ``bins`` directions (computed from the walls as segments, a few milliseconds). A target
  is in line of sight when it is nearer than the horizon in its direction, so once an
  observer's horizon is known every check is O(1). Horizons are cached per observer
  position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

# Cap the raster at about 16 million cells; larger maps get coarser cells.
MAX_CELLS = 16_000_000
DEFAULT_BINS = 4096


@dataclass(frozen=True)
class BuildingRaster:
    """Building index per map cell (see module docstring).

    Attributes:
        cell_m: cell size in metres.
        cells: (rows, cols) int32; building index + 1, 0 where there is no building.
    """

    cell_m: float
    cells: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the raster."""
        return self.cells.shape

    def building_at(self, x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
        """Index of the building at each point, or -1 in the open or off the map."""
        rows, cols = self.cells.shape
        col = np.floor(np.asarray(x_m) / self.cell_m).astype(np.int64)
        row = np.floor(np.asarray(y_m) / self.cell_m).astype(np.int64)
        inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
        found = np.zeros(col.shape, dtype=np.int64)
        found[inside] = self.cells[row[inside], col[inside]]
        return found - 1


def rasterize_buildings(
    polygons: tuple[shapely.Polygon, ...], extent_m: tuple[float, float], cell_m: float = 1.0
) -> BuildingRaster:
    """Rasterise building footprints: a cell belongs to the building covering its centre."""
    width, height = extent_m
    cell_m = max(cell_m, math.sqrt(width * height / MAX_CELLS))
    cols, rows = int(math.ceil(width / cell_m)), int(math.ceil(height / cell_m))
    cells = np.zeros((rows, cols), dtype=np.int32)
    for index, polygon in enumerate(polygons):
        x0, y0, x1, y1 = polygon.bounds
        c0, c1 = max(0, int(x0 / cell_m)), min(cols, int(math.ceil(x1 / cell_m)) + 1)
        r0, r1 = max(0, int(y0 / cell_m)), min(rows, int(math.ceil(y1 / cell_m)) + 1)
        if c0 >= c1 or r0 >= r1:
            continue
        xs = (np.arange(c0, c1) + 0.5) * cell_m
        ys = (np.arange(r0, r1) + 0.5) * cell_m
        grid_x, grid_y = np.meshgrid(xs, ys)
        inside = shapely.contains_xy(polygon, grid_x, grid_y)
        cells[r0:r1, c0:c1][inside] = index + 1
    return BuildingRaster(cell_m, cells)


@dataclass(frozen=True)
class BuildingEdges:
    """Every wall of every building as a segment, for exact horizons.

    Attributes:
        start: (e, 2) first corner of each wall.
        end: (e, 2) second corner.
        building: (e,) index of the building the wall belongs to.
    """

    start: np.ndarray
    end: np.ndarray
    building: np.ndarray


def building_edges(polygons: tuple[shapely.Polygon, ...]) -> BuildingEdges:
    """Collect the walls of all footprints."""
    starts, ends, owners = [], [], []
    for index, polygon in enumerate(polygons):
        ring = np.asarray(polygon.exterior.coords)
        starts.append(ring[:-1])
        ends.append(ring[1:])
        owners.append(np.full(len(ring) - 1, index, dtype=np.int64))
    if not starts:
        return BuildingEdges(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0, dtype=np.int64))
    return BuildingEdges(np.concatenate(starts), np.concatenate(ends), np.concatenate(owners))


def horizon(
    edges: BuildingEdges,
    x_m: float,
    y_m: float,
    range_m: float,
    bins: int = DEFAULT_BINS,
    own_building: int = -1,
) -> np.ndarray:
    """Distance to the first wall along each of ``bins`` directions from an observer.

    Exact along each direction's centre ray: every wall within range is intersected with
    the rays of the directions it spans, and the nearest hit wins.

    Args:
        edges: the building walls.
        x_m, y_m: observer position.
        range_m: how far to look; directions with no wall within range get ``inf``.
        bins: number of directions, evenly spread from -pi.
        own_building: index of the building the observer stands on (a roof), whose walls
            do not block; -1 for none.

    Returns:
        (bins,) distances in metres.
    """
    result = np.full(bins, np.inf)
    a, b = edges.start, edges.end
    near = (
        (np.minimum(a[:, 0], b[:, 0]) <= x_m + range_m)
        & (np.maximum(a[:, 0], b[:, 0]) >= x_m - range_m)
        & (np.minimum(a[:, 1], b[:, 1]) <= y_m + range_m)
        & (np.maximum(a[:, 1], b[:, 1]) >= y_m - range_m)
    )
    if own_building >= 0:
        near &= edges.building != own_building
    if not near.any():
        return result
    p1 = a[near] - (x_m, y_m)
    p2 = b[near] - (x_m, y_m)
    width = 2 * math.pi / bins
    bin1 = np.floor((np.arctan2(p1[:, 1], p1[:, 0]) + math.pi) / width).astype(np.int64) % bins
    bin2 = np.floor((np.arctan2(p2[:, 1], p2[:, 0]) + math.pi) / width).astype(np.int64) % bins
    # Each wall spans the shorter way round between its corners' directions.
    forward = (bin2 - bin1) % bins
    backward = bins - forward
    first = np.where(forward <= backward, bin1, bin2)
    count = np.minimum(forward, backward) + 1
    wall = np.repeat(np.arange(len(first)), count)
    offsets = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    which = (first[wall] + offsets) % bins
    theta = -math.pi + (which + 0.5) * width
    direction = np.column_stack([np.cos(theta), np.sin(theta)])
    q1, q2 = p1[wall], p2[wall]
    along = q2 - q1
    denominator = direction[:, 0] * along[:, 1] - direction[:, 1] * along[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        distance = (q1[:, 0] * along[:, 1] - q1[:, 1] * along[:, 0]) / denominator
        fraction = (q1[:, 0] * direction[:, 1] - q1[:, 1] * direction[:, 0]) / denominator
    hit = (
        (np.abs(denominator) > 1e-12)
        & (distance > 0)
        & (fraction >= -1e-9)
        & (fraction <= 1 + 1e-9)
        & (distance <= range_m)
    )
    np.minimum.at(result, which[hit], distance[hit])
    return result


def visible_from(
    horizon_m: np.ndarray, x_m: float, y_m: float, target_x: np.ndarray, target_y: np.ndarray
) -> np.ndarray:
    """Whether each target is nearer than the horizon in its direction (O(1) per target)."""
    bins = horizon_m.shape[0]
    dx = np.asarray(target_x) - x_m
    dy = np.asarray(target_y) - y_m
    angle = np.arctan2(dy, dx)
    index = np.floor((angle + math.pi) / (2 * math.pi) * bins).astype(np.int64) % bins
    return np.hypot(dx, dy) < horizon_m[index]


def exact_line_of_sight(
    tree: shapely.STRtree,
    polygons: tuple[shapely.Polygon, ...],
    x_m: float,
    y_m: float,
    target_x: np.ndarray,
    target_y: np.ndarray,
) -> np.ndarray:
    """Reference line of sight with exact shapely geometry (slow; for tests and benchmarks).

    A sight line is blocked when it touches any building other than the one the observer
    stands in.
    """
    observer = shapely.Point(x_m, y_m)
    own = {int(i) for i in tree.query(observer, predicate="intersects")}
    starts = np.column_stack([np.full(len(target_x), x_m), np.full(len(target_x), y_m)])
    ends = np.column_stack([target_x, target_y])
    lines = shapely.linestrings(np.stack([starts, ends], axis=1))
    line_index, building_index = tree.query(lines, predicate="intersects")
    blocked = np.zeros(len(target_x), dtype=bool)
    for line, building in zip(line_index, building_index):
        if int(building) not in own:
            blocked[line] = True
    return ~blocked

"""The static world: places (buildings and open areas), the road network and routes.

Built once per scenario and never changed during a session. Everything the per-tick
kernels need is a numpy array indexed by int:

* places: buildings first (indices ``0 .. n_buildings-1``), then open areas. Each has an
  anchor position (its centroid), a rough radius (where its people stand), a use code and
  an access node on the road network.
* roads: a graph whose nodes are road vertices, crossings and the access point of every
  place (its centroid projected onto the nearest road). Routes are computed once per
  *destination* node (a shortest-path tree), not per person: ``next_hop[slot, node]`` is
  the node to walk to next from ``node`` towards destination ``slot``.

Exact shapely geometry is kept beside the arrays as the reference that fast paths are
tested against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from simulator.scenario.schema import BuildingUse, Scenario

USE_NAMES: tuple[str, ...] = tuple(use.value for use in BuildingUse)
USE_CODE: dict[str, int] = {name: code for code, name in enumerate(USE_NAMES)}
OPEN_AREA_USE = len(USE_NAMES)  # use code of every open area
NO_NODE = -1

# Coordinates are merged into one node when they agree to this many decimals (1 cm).
_NODE_DECIMALS = 2


@dataclass(frozen=True)
class World:
    """Static, indexed geometry of one scenario (see module docstring).

    Attributes:
        place_ids: id of each place (buildings, then open areas).
        place_index: id -> place index.
        n_buildings: how many of the places are buildings.
        place_xy: (n_places, 2) anchor positions in metres.
        place_radius_m: (n_places,) how far from the anchor its people spread.
        place_use: (n_places,) use code (``USE_CODE``; open areas are ``OPEN_AREA_USE``).
        place_capacity: (n_places,) occupants at most (open areas: large).
        place_indoor: (n_places,) True for buildings.
        place_access_node: (n_places,) road node where a place joins the network, or -1.
        place_dest_slot: (n_places,) row of ``next_hop`` for routes to that place.
        node_xy: (n_nodes, 2) road node positions.
        next_hop: (n_slots, n_nodes) next node towards each destination slot (-1 = there
            or unreachable).
        slot_node: (n_slots,) the destination node of each slot.
        building_polygons: exact shapely footprints, one per building.
        building_tree: STRtree over the footprints.
        extent_m: map size.
    """

    place_ids: tuple[str, ...]
    place_index: dict[str, int]
    n_buildings: int
    place_xy: np.ndarray
    place_radius_m: np.ndarray
    place_use: np.ndarray
    place_capacity: np.ndarray
    place_indoor: np.ndarray
    place_access_node: np.ndarray
    place_dest_slot: np.ndarray
    node_xy: np.ndarray
    next_hop: np.ndarray
    slot_node: np.ndarray
    building_polygons: tuple[shapely.Polygon, ...]
    building_tree: shapely.STRtree | None
    extent_m: tuple[float, float]
    node_component: np.ndarray

    @property
    def n_places(self) -> int:
        """Number of places (buildings and open areas)."""
        return len(self.place_ids)

    def places_of_use(self, use: str) -> np.ndarray:
        """Indices of the buildings of one use."""
        return np.flatnonzero(self.place_use[: self.n_buildings] == USE_CODE[use])

    def reachable(self, place_a: int, place_b: int) -> bool:
        """Whether one can walk from one place to another along roads (or both lack roads)."""
        a, b = self.place_access_node[place_a], self.place_access_node[place_b]
        if a == NO_NODE or b == NO_NODE:
            return True
        return bool(self.node_component[a] == self.node_component[b])


def build_world(scenario: Scenario) -> World:
    """Index a scenario's map: places, road network and per-destination routes."""
    buildings = scenario.map.buildings
    areas = scenario.map.open_areas
    polygons = tuple(shapely.Polygon(b.outline()) for b in buildings)
    area_polygons = tuple(shapely.Polygon(a.polygon) for a in areas)
    all_polygons = polygons + area_polygons
    place_ids = tuple(b.id for b in buildings) + tuple(a.id for a in areas)
    n_places = len(place_ids)

    if all_polygons:
        centroids = shapely.centroid(np.asarray(all_polygons, dtype=object))
        place_xy = np.column_stack([shapely.get_x(centroids), shapely.get_y(centroids)])
        areas_m2 = shapely.area(np.asarray(all_polygons, dtype=object))
    else:
        place_xy = np.zeros((0, 2))
        areas_m2 = np.zeros(0)
    # People spread over about the inner third of a place's footprint.
    place_radius_m = np.sqrt(np.maximum(areas_m2, 1.0)) / 3.0
    place_use = np.array(
        [USE_CODE[b.use] for b in buildings] + [OPEN_AREA_USE] * len(areas), dtype=np.int16
    )
    place_capacity = np.array(
        [b.capacity for b in buildings] + [max(50, int(a)) for a in areas_m2[len(buildings) :]],
        dtype=np.int64,
    )
    place_indoor = np.array([True] * len(buildings) + [False] * len(areas), dtype=bool)

    node_xy, edges, access = _road_graph(scenario, place_xy)
    n_nodes = len(node_xy)
    if n_nodes:
        lengths = np.hypot(*(node_xy[edges[:, 0]] - node_xy[edges[:, 1]]).T)
        graph = coo_matrix(
            (np.maximum(lengths, 1e-6), (edges[:, 0], edges[:, 1])), shape=(n_nodes, n_nodes)
        ).tocsr()
        _, component = connected_components(graph, directed=False)
        slot_node, place_dest_slot = np.unique(access, return_inverse=True)
        # Predecessors in a tree rooted at the destination are, on an undirected graph,
        # the next node to walk to from anywhere towards that destination.
        _, predecessors = dijkstra(
            graph, directed=False, indices=slot_node, return_predecessors=True
        )
        next_hop = np.where(predecessors < 0, NO_NODE, predecessors).astype(np.int32)
    else:
        component = np.zeros(0, dtype=np.int32)
        slot_node = np.zeros(0, dtype=np.int64)
        place_dest_slot = np.full(n_places, -1, dtype=np.int64)
        next_hop = np.zeros((0, 0), dtype=np.int32)
        access = np.full(n_places, NO_NODE, dtype=np.int64)

    return World(
        place_ids=place_ids,
        place_index={ident: i for i, ident in enumerate(place_ids)},
        n_buildings=len(buildings),
        place_xy=place_xy,
        place_radius_m=place_radius_m,
        place_use=place_use,
        place_capacity=place_capacity,
        place_indoor=place_indoor,
        place_access_node=np.asarray(access, dtype=np.int64),
        place_dest_slot=np.asarray(place_dest_slot, dtype=np.int64),
        node_xy=node_xy,
        next_hop=next_hop,
        slot_node=np.asarray(slot_node, dtype=np.int64),
        building_polygons=polygons,
        building_tree=shapely.STRtree(polygons) if polygons else None,
        extent_m=tuple(scenario.map.extent_m),
        node_component=np.asarray(component),
    )


def _road_graph(
    scenario: Scenario, place_xy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes, undirected edges and each place's access node of the road network.

    Roads are noded at every crossing (shapely's union splits lines where they meet); each
    place's centroid is projected onto its nearest road piece and that point is inserted
    as a node, so people leave a building by the nearest stretch of road.
    """
    if not scenario.map.roads:
        return np.zeros((0, 2)), np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    lines = [shapely.LineString(road.points) for road in scenario.map.roads]
    noded = shapely.unary_union(lines)
    pieces = list(shapely.get_parts(noded))
    # Split every piece into straight segments so projections land on one segment.
    segments: list[tuple[tuple[float, float], tuple[float, float]]] = []
    for piece in pieces:
        coords = shapely.get_coordinates(piece)
        for a, b in zip(coords[:-1], coords[1:]):
            if not np.allclose(a, b):
                segments.append((tuple(a), tuple(b)))
    segment_lines = np.array([shapely.LineString(s) for s in segments], dtype=object)
    tree = shapely.STRtree(segment_lines)
    n_places = len(place_xy)
    inserted: dict[int, list[tuple[float, tuple[float, float], int]]] = {}
    if n_places:
        points = shapely.points(place_xy)
        nearest = tree.nearest(points)
        for place, seg in enumerate(nearest):
            line = segment_lines[seg]
            along = float(shapely.line_locate_point(line, points[place]))
            projected = shapely.line_interpolate_point(line, along)
            xy = (float(shapely.get_x(projected)), float(shapely.get_y(projected)))
            inserted.setdefault(int(seg), []).append((along, xy, place))

    node_of: dict[tuple[float, float], int] = {}
    node_list: list[tuple[float, float]] = []

    def node(xy: tuple[float, float]) -> int:
        key = (round(xy[0], _NODE_DECIMALS), round(xy[1], _NODE_DECIMALS))
        found = node_of.get(key)
        if found is None:
            found = len(node_list)
            node_of[key] = found
            node_list.append(key)
        return found

    edges: list[tuple[int, int]] = []
    access = np.full(n_places, NO_NODE, dtype=np.int64)
    for index, (a, b) in enumerate(segments):
        chain = [node(a)]
        for _, xy, place in sorted(inserted.get(index, []), key=lambda item: item[0]):
            access_node = node(xy)
            access[place] = access_node
            if access_node != chain[-1]:
                chain.append(access_node)
        end = node(b)
        if end != chain[-1]:
            chain.append(end)
        edges.extend(zip(chain[:-1], chain[1:]))
    return (
        np.asarray(node_list, dtype=np.float64),
        np.asarray(edges, dtype=np.int64).reshape(-1, 2),
        access,
    )

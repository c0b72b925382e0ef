"""Network metrics and weaving suggestions: a networkx graph in, plain JSON-ready data out.

No Django here: the selector builds the graph (`build_graph` from plain rows), a Celery task calls
`compute_snapshot` (or `compute_views` for the all / people / organisations views) and stores the dict.
Names follow DESIGN.md "Metrics: definitions" — they are a contract with the pages, the API and
`manage.py compute_metrics --json`.

The graph
    Undirected and simple. Node attributes: ``label``, ``kind`` ("person" / "organisation"),
    ``community_label`` (the member's own community field, may be ""), ``organisations`` (org node
    ids, for people). Edge attribute ``weight`` = the strongest tie, 1–5. Every metric below treats a
    tie as a tie (unweighted); the weight is carried for maps and exports.

How each figure is computed
    networkx is the model and the reference; the heavy metrics run in igraph (C core), converted once
    from a numpy edge array, and the tests check them equal to networkx. Betweenness is normalised
    and unweighted: exact up to ``EXACT_MAX_MEMBERS`` members, above that sampled from ``k`` pivot
    members chosen with ``random.Random(seed).sample`` over the canonical node order — the same pivots
    and values as ``nx.betweenness_centrality(G, k=k, seed=seed)`` on a graph built in that order.
    Closeness follows networkx (Wasserman–Faust scaling for disconnected graphs); above the threshold,
    members of components larger than it get an estimate from the pivots' distances. Average path
    length (largest component) is exact from the closeness sums, or estimated from the pivots; the
    diameter is exact up to the threshold, else a lower bound (longest distance seen from the pivots
    and a double sweep). Unclosed pairs,
    triangles and reach within two steps come from row-chunked sparse products, so a 100,000-member
    network never holds all pairs in memory. Effective size uses the closed form for unweighted graphs,
    degree − 2·triangles/degree (networkx's builds an n×n array). Communities are Louvain (igraph
    multilevel, seeded); isolates belong to no community. Everything is sorted and seeded: the same
    network gives the same snapshot (apart from ``timings``).

Roles, in plain language (a member may hold several)
    isolate         has no ties.
    peripheral      has exactly ``PERIPHERAL_MAX_DEGREE`` tie(s): hangs on to the network by one thread.
    hub             at least ``HUB_MIN_DEGREE`` contacts and at least ``HUB_DEGREE_FACTOR`` times as many as
                    the average member.
    hub_and_spoke   a hub whose contacts mostly don't know each other: fewer than
                    ``HUB_AND_SPOKE_MAX_CLUSTERING`` (1 in 5) of the pairs of their contacts are tied.
    broker          lies on the shortest paths between other members at least ``BROKER_BETWEENNESS_FACTOR``
                    times as often as the average member (betweenness ≥ 2 × mean, and above 0).
    gatekeeper      removing them would split their part of the network (an articulation point).
    bridge_builder  has contacts in at least ``BRIDGE_BUILDER_MIN_COMMUNITIES`` different communities.
    Share in the periphery = (peripheral + isolated members) / members.

Suggestions (each: kind, a, b, a_label, b_label, shared, shared_labels, score, reason; a pair at most once)
    introduce           two members not tied who share contacts; ranked by shared contacts, then
                        Adamic–Adar, then stable (label, id) order; the top ``top_n``.
    bridge_communities  two communities joined by a single tie or through a single person: introduce the
                        best-connected member of each (other than the connector); bigger communities first.
    relieve_hub         for each hub-and-spoke, up to ``RELIEVE_PAIRS_PER_HUB`` pairs of its contacts to
                        introduce to each other (most shared contacts first).
    connect_periphery   a peripheral member and one of the best-connected members of their community
                        (their own community field when filled, else the detected community).
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import igraph
import networkx as nx
import numpy as np
import scipy.sparse as sp

EXACT_MAX_MEMBERS = 15_000
SAMPLE_PIVOTS = 500
SEED = 42
TOP_SUGGESTIONS = 100

HUB_MIN_DEGREE = 5
HUB_DEGREE_FACTOR = 2.0
HUB_AND_SPOKE_MAX_CLUSTERING = 0.2
BROKER_BETWEENNESS_FACTOR = 2.0
BRIDGE_BUILDER_MIN_COMMUNITIES = 2
PERIPHERAL_MAX_DEGREE = 1
RELIEVE_PAIRS_PER_HUB = 3
SPOKES_CONSIDERED = 30
WELL_CONNECTED_CONSIDERED = 5
SHARED_NAMED_IN_REASON = 3

ROLES = ("hub", "hub_and_spoke", "broker", "gatekeeper", "bridge_builder", "peripheral", "isolate")
ROLE_HELP = {
    "hub": f"At least {HUB_MIN_DEGREE} contacts and at least {HUB_DEGREE_FACTOR:g} times as many as the "
    "average member.",
    "hub_and_spoke": "A hub whose contacts mostly don't know each other (fewer than "
    f"{HUB_AND_SPOKE_MAX_CLUSTERING:.0%} of the pairs of their contacts are tied): "
    "the network leans on them.",
    "broker": "Sits on the shortest paths between other members at least "
    f"{BROKER_BETWEENNESS_FACTOR:g} times as often as the average member: information passes through them.",
    "gatekeeper": "Without them, part of the network would be cut off from the rest.",
    "bridge_builder": f"Has contacts in at least {BRIDGE_BUILDER_MIN_COMMUNITIES} different communities.",
    "peripheral": "Tied to the network by a single contact.",
    "isolate": "Has no ties in the network yet.",
}

# Sparse products are done a slice of rows at a time, each slice holding about this many
# two-step paths, so memory stays flat whatever the network's size.
_CHUNK_PATHS = 4_000_000

Progress = Callable[[int, str], None]


# ---------------------------------------------------------------------------------------------
# Building the graph and its views


def build_graph(members: Iterable[Mapping[str, Any]], ties: Iterable[Mapping[str, Any]]) -> nx.Graph:
    """The metric graph from plain rows.

    members: mappings with ``id``, ``label``, and optionally ``kind`` (default "person"),
    ``community`` (default "") and ``organisations`` (org member ids).
    ties: mappings with ``source``, ``target`` and optionally ``strength`` (1–5, default 3); several
    ties between the same two members (any type, either direction) make one edge with the strongest
    weight. Ties touching a member not listed (archived) are left out; a self-tie is a ValueError.
    """
    graph = nx.Graph()
    for row in members:
        graph.add_node(
            row["id"],
            label=str(row.get("label") or row["id"]),
            kind=row.get("kind") or "person",
            community_label=row.get("community") or "",
            organisations=list(row.get("organisations") or ()),
        )
    organisations = {n for n, kind in graph.nodes(data="kind") if kind == "organisation"}
    for _, data in graph.nodes(data=True):
        data["organisations"] = sorted(
            set(data["organisations"]) & organisations,
            key=lambda o: _node_key(graph, o),
        )
    for row in ties:
        source, target = row["source"], row["target"]
        if source == target:
            raise ValueError(f"self-tie on member {source!r}")
        if source not in graph or target not in graph:
            continue
        _add_tie(graph, source, target, int(row.get("strength") or 3))
    return graph


def people_view(graph: nx.Graph) -> nx.Graph:
    """People only, with the ties between them."""
    return graph.subgraph(n for n, kind in graph.nodes(data="kind") if kind != "organisation").copy()


def organisations_view(graph: nx.Graph) -> nx.Graph:
    """Organisations only: their own ties plus every tie of a person projected onto their organisations."""
    view = graph.subgraph(n for n, kind in graph.nodes(data="kind") if kind == "organisation").copy()
    for u, v, weight in graph.edges(data="weight", default=1):
        for a in _as_organisations(graph, u):
            for b in _as_organisations(graph, v):
                if a != b:
                    _add_tie(view, a, b, weight)
    return view


def canonical_order(graph: nx.Graph) -> list[Hashable]:
    """Nodes sorted by label then id: the order behind every tie-break and the pivot sample."""
    return sorted(graph.nodes, key=lambda n: _node_key(graph, n))


def _node_key(graph: nx.Graph, node: Hashable) -> tuple:
    label = str(graph.nodes[node].get("label", node))
    if isinstance(node, int | float):
        return (label.casefold(), label, 0, node, "")
    return (label.casefold(), label, 1, 0, str(node))


def _add_tie(graph: nx.Graph, u: Hashable, v: Hashable, weight: int) -> None:
    if graph.has_edge(u, v):
        graph[u][v]["weight"] = max(graph[u][v]["weight"], weight)
    else:
        graph.add_edge(u, v, weight=weight)


def _as_organisations(graph: nx.Graph, node: Hashable) -> list[Hashable]:
    data = graph.nodes[node]
    if data.get("kind") == "organisation":
        return [node]
    return list(data.get("organisations") or ())


# ---------------------------------------------------------------------------------------------
# The indexed graph: converted once, shared by every stage


@dataclass
class _Indexed:
    graph: nx.Graph
    nodes: list
    labels: list[str]
    index: dict
    edges: np.ndarray  # (m, 2), i < j, sorted
    degree: np.ndarray
    ig: igraph.Graph
    adjacency: sp.csr_matrix
    _sets: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.nodes)

    def neighbours(self, i: int) -> np.ndarray:
        a = self.adjacency
        return a.indices[a.indptr[i] : a.indptr[i + 1]]

    def neighbour_set(self, i: int) -> set[int]:
        if i not in self._sets:
            self._sets[i] = set(self.neighbours(i).tolist())
        return self._sets[i]


def _index(graph: nx.Graph) -> _Indexed:
    nodes = canonical_order(graph)
    index = {node: i for i, node in enumerate(nodes)}
    m = graph.number_of_edges()
    flat = np.fromiter((index[x] for edge in graph.edges() for x in edge), dtype=np.int64, count=2 * m)
    edges = np.sort(flat.reshape(-1, 2), axis=1)
    if m:
        edges = edges[np.lexsort((edges[:, 1], edges[:, 0]))]
    n = len(nodes)
    both = np.concatenate([edges, edges[:, ::-1]])
    adjacency = sp.csr_matrix((np.ones(2 * m), (both[:, 0], both[:, 1])), shape=(n, n))
    adjacency.sort_indices()
    return _Indexed(
        graph=graph,
        nodes=nodes,
        labels=[str(graph.nodes[v].get("label", v)) for v in nodes],
        index=index,
        edges=edges,
        degree=np.diff(adjacency.indptr).astype(np.int64),
        ig=igraph.Graph(n=n, edges=edges, directed=False),
        adjacency=adjacency,
    )


# ---------------------------------------------------------------------------------------------
# Metrics on the indexed graph


def _components(ix: _Indexed) -> np.ndarray:
    """Component id per node, 0 = the largest (ties: the one holding the first node in canonical order)."""
    membership = np.asarray(ix.ig.connected_components().membership, dtype=np.int64)
    sizes = np.bincount(membership)
    first = np.full(len(sizes), ix.n, dtype=np.int64)
    np.minimum.at(first, membership, np.arange(ix.n))
    order = np.lexsort((first, -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[membership]


def _pivots(n: int, k: int, seed: int) -> list[int]:
    # Same draw as networkx's betweenness_centrality(k=k, seed=seed) over the same node order.
    return random.Random(seed).sample(range(n), k)


def _betweenness(ix: _Indexed, pivots: list[int] | None) -> np.ndarray:
    n = ix.n
    if n < 3 or not len(ix.edges):
        return np.zeros(n)
    if pivots is None:
        raw = np.asarray(ix.ig.betweenness(directed=False))
        return raw * 2 / ((n - 1) * (n - 2))
    # igraph's subset betweenness counts each sampled path once; networkx's rescaling for
    # sampled sources (normalised, endpoints excluded) treats the pivots themselves apart.
    raw = np.asarray(ix.ig.betweenness(directed=False, sources=pivots))
    k = len(pivots)
    scale = np.full(n, 2 / (k * (n - 2)))
    scale[pivots] = 2 / ((k - 1) * (n - 2)) if k > 1 else 0.0
    return raw * scale


@dataclass
class _Paths:
    closeness: np.ndarray
    average_path_length: float | None
    method: str
    # In the sampled mode: the farthest pair seen from the pivots, a start for the diameter sweep.
    farthest: tuple[int, int] | None = None


def _closeness_and_paths(
    ix: _Indexed, comp: np.ndarray, pivots: list[int] | None, exact_threshold: int, seed: int
) -> _Paths:
    """Closeness per node (networkx's definition) and the largest component's average path length.

    Components up to `exact_threshold` members (all of them when `pivots` is None) are exact; the
    members of a larger one get an estimate from the distances to the pivots inside it.
    """
    n = ix.n
    closeness = np.zeros(n)
    if n < 2 or not len(ix.edges):
        return _Paths(closeness, None, "exact")
    sizes = np.bincount(comp)
    size_of = sizes[comp].astype(float)
    big = [c for c in range(len(sizes)) if pivots is not None and sizes[c] > exact_threshold]
    small = ~np.isin(comp, big)
    paths = _Paths(closeness, None, "exact")
    if small.any():
        nodes = np.flatnonzero(small)
        sub = ix.ig if small.all() else ix.ig.induced_subgraph(nodes.tolist())
        raw = np.nan_to_num(np.asarray(sub.closeness(normalized=True), dtype=float))
        closeness[nodes] = raw * (size_of[nodes] - 1) / (n - 1)
        in_largest = comp[nodes] == 0
        if in_largest.sum() > 1:
            # igraph's closeness is (reachable - 1) / total distance, so the totals come back exactly.
            total = np.rint((sizes[0] - 1) / raw[in_largest]).sum()
            paths.average_path_length = float(total / (sizes[0] * (sizes[0] - 1)))
    for c in big:
        members = np.flatnonzero(comp == c)
        chosen = [p for p in pivots if comp[p] == c]
        if len(chosen) < 2:
            chosen = random.Random(seed).sample(members.tolist(), min(len(pivots), len(members)))
        total = np.zeros(n)
        farthest = (0.0, chosen[0], chosen[0])
        for start in range(0, len(chosen), 32):
            block = chosen[start : start + 32]
            dist = np.asarray(ix.ig.distances(source=block), dtype=float)
            dist[~np.isfinite(dist)] = 0
            total += dist.sum(axis=0)
            row, col = np.unravel_index(np.argmax(dist), dist.shape)
            farthest = max(farthest, (dist[row, col], block[row], int(col)))
        is_pivot = np.zeros(n, dtype=bool)
        is_pivot[chosen] = True
        mean_distance = total[members] / (len(chosen) - is_pivot[members])
        closeness[members] = (sizes[c] - 1) / (n - 1) / mean_distance
        if c == 0:
            paths.average_path_length = float(total[members].sum() / (len(chosen) * (sizes[c] - 1)))
            paths.method = f"estimated from {len(chosen)} pivot members"
            paths.farthest = (farthest[1], farthest[2])
    return paths


def _diameter(ix: _Indexed, comp: np.ndarray, paths: _Paths) -> tuple[int | None, str]:
    """The largest component's diameter: exact, or in the sampled mode a lower bound by double sweep."""
    members = np.flatnonzero(comp == 0)
    if len(members) < 2:
        return (0 if len(members) else None), "exact"
    if paths.farthest is None:
        g = ix.ig if len(members) == ix.n else ix.ig.induced_subgraph(members.tolist())
        return int(g.diameter(directed=False)), "exact"
    # Exact diameters need a search from nearly every member on small-world networks (bounding
    # eccentricities took 1,654 searches at 10,000 members), so sweep from the farthest pair instead.
    best = 0.0
    for source in paths.farthest:
        dist = np.asarray(ix.ig.distances(source=[source])[0], dtype=float)
        dist[~np.isfinite(dist)] = 0
        best = max(best, dist.max())
        far = int(np.argmax(dist))
        dist = np.asarray(ix.ig.distances(source=[far])[0], dtype=float)
        dist[~np.isfinite(dist)] = 0
        best = max(best, dist.max())
    return int(best), "lower bound: longest distance seen from the pivots and a double sweep"


def _communities(ix: _Indexed, seed: int) -> tuple[np.ndarray, float | None]:
    """Community id per node (-1 for isolates), numbered by size then canonical order; and modularity."""
    n = ix.n
    if not len(ix.edges):
        return np.full(n, -1, dtype=np.int64), None
    igraph.set_random_number_generator(random.Random(seed))
    try:
        membership = np.asarray(ix.ig.community_multilevel().membership, dtype=np.int64)
    finally:
        igraph.set_random_number_generator(random)
    modularity = float(ix.ig.modularity(membership.tolist()))
    sizes = np.bincount(membership)
    first = np.full(len(sizes), n, dtype=np.int64)
    np.minimum.at(first, membership, np.arange(n))
    real = sizes[membership] > 1
    order = np.lexsort((first, -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return np.where(real, rank[membership], -1), modularity


@dataclass
class _Neighbourhoods:
    triangles: np.ndarray
    reach2: np.ndarray
    unclosed_pairs: int
    candidates: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # a, b, shared, adamic_adar


def _neighbourhoods(ix: _Indexed, keep: int, excluded: np.ndarray) -> _Neighbourhoods:
    """Triangles, reach within two steps, the unclosed-pair count and the best-ranked unclosed pairs.

    One sparse product per slice of rows: entry (a, b) of A·diag(1 + i·w)·A has the number of shared
    contacts as its real part and the Adamic–Adar score (w = 1/log degree) as its imaginary part.
    """
    n, a_mat, degree = ix.n, ix.adjacency, ix.degree
    triangles = np.zeros(n, dtype=np.int64)
    reach2 = degree.copy()
    unclosed = 0
    best = [np.empty(0, dtype=np.int64)] * 3 + [np.empty(0)]
    if not len(ix.edges):
        return _Neighbourhoods(triangles, reach2, 0, tuple(best))
    weights = np.zeros(n)
    many = degree > 1
    weights[many] = 1 / np.log(degree[many])
    right = (sp.diags(1 + 1j * weights) @ a_mat).tocsr()
    edge_keys = np.sort(
        np.concatenate([ix.edges[:, 0] * n + ix.edges[:, 1], ix.edges[:, 1] * n + ix.edges[:, 0]])
    )
    cost = np.cumsum(a_mat @ degree.astype(float))
    bounds = [0, *np.searchsorted(cost, np.arange(_CHUNK_PATHS, cost[-1], _CHUNK_PATHS)).tolist(), n]
    floor = 1
    for r0, r1 in itertools.pairwise(bounds):
        if r1 <= r0:
            continue
        product = (a_mat[r0:r1] @ right).tocsr()
        rows = np.repeat(np.arange(r0, r1), np.diff(product.indptr))
        cols = product.indices.astype(np.int64)
        shared = np.rint(product.data.real).astype(np.int64)
        keys = rows * n + cols
        pos = np.minimum(np.searchsorted(edge_keys, keys), len(edge_keys) - 1)
        is_edge = edge_keys[pos] == keys
        triangles[r0:r1] = np.bincount(rows[is_edge] - r0, weights=shared[is_edge], minlength=r1 - r0) // 2
        open_pair = ~is_edge & (rows != cols)
        reach2[r0:r1] += np.bincount(rows[open_pair] - r0, minlength=r1 - r0)
        upper = open_pair & (cols > rows)
        unclosed += int(upper.sum())
        pick = upper & (shared >= floor)
        if len(excluded):
            pick &= ~np.isin(keys, excluded)
        merged = [
            np.concatenate([best[0], rows[pick]]),
            np.concatenate([best[1], cols[pick]]),
            np.concatenate([best[2], shared[pick]]),
            # Rounded so that mathematically equal scores tie and fall to the stable order.
            np.concatenate([best[3], np.round(product.data.imag[pick], 9)]),
        ]
        order = np.lexsort((merged[1], merged[0], -merged[3], -merged[2]))[:keep]
        best = [column[order] for column in merged]
        if keep and len(best[2]) >= keep:
            floor = int(best[2][-1])
    return _Neighbourhoods(triangles, reach2, unclosed, tuple(best))


# ---------------------------------------------------------------------------------------------
# Public per-metric functions (networkx-shaped: graph in, {node: value} out)


def betweenness(
    graph: nx.Graph, *, exact_threshold: int = EXACT_MAX_MEMBERS, k: int = SAMPLE_PIVOTS, seed: int = SEED
) -> dict:
    """Normalised unweighted betweenness: exact up to `exact_threshold` members, else from `k` pivots."""
    ix = _index(graph)
    pivots = _pivots(ix.n, k, seed) if ix.n > exact_threshold else None
    return dict(zip(ix.nodes, _betweenness(ix, pivots).tolist(), strict=True))


def closeness(graph: nx.Graph) -> dict:
    """Exact closeness, as networkx's closeness_centrality (Wasserman–Faust scaling)."""
    ix = _index(graph)
    values = _closeness_and_paths(ix, _components(ix), None, ix.n, SEED).closeness
    return dict(zip(ix.nodes, values.tolist(), strict=True))


def constraint(graph: nx.Graph) -> dict:
    """Burt's constraint, unweighted; None for isolates (networkx gives NaN)."""
    ix = _index(graph)
    return dict(zip(ix.nodes, _nan_to_none(ix.ig.constraint()), strict=True))


def effective_size(graph: nx.Graph) -> dict:
    """Burt's effective size, unweighted, by the closed form degree − 2·triangles/degree."""
    ix = _index(graph)
    hoods = _neighbourhoods(ix, 0, np.empty(0, dtype=np.int64))
    return dict(zip(ix.nodes, _effective_size(ix.degree, hoods.triangles), strict=True))


def communities(graph: nx.Graph, *, seed: int = SEED) -> list[set]:
    """Louvain communities of two or more members, largest first."""
    ix = _index(graph)
    membership, _ = _communities(ix, seed)
    groups = defaultdict(set)
    for node, c in zip(ix.nodes, membership.tolist(), strict=True):
        if c >= 0:
            groups[c].add(node)
    return [groups[c] for c in sorted(groups)]


def unclosed_pairs(graph: nx.Graph) -> int:
    """Pairs of members not tied to each other who share at least one contact."""
    ix = _index(graph)
    return _neighbourhoods(ix, 0, np.empty(0, dtype=np.int64)).unclosed_pairs


def _effective_size(degree: np.ndarray, triangles: np.ndarray) -> list[float | None]:
    with np.errstate(divide="ignore", invalid="ignore"):
        values = degree - 2 * triangles / degree
    return _nan_to_none(np.where(degree > 0, values, np.nan))


def _nan_to_none(values: Iterable[float]) -> list[float | None]:
    return [None if v is None or math.isnan(v) else float(v) for v in values]


# ---------------------------------------------------------------------------------------------
# The snapshot


_STAGES = {  # stage: percent done when it ends
    "prepare": 5,
    "neighbourhoods": 15,
    "structure": 20,
    "betweenness": 55,
    "closeness_and_paths": 75,
    "diameter": 78,
    "communities": 85,
    "structural_holes": 88,
    "roles": 92,
    "suggestions": 97,
    "assemble": 100,
}


def compute_snapshot(
    graph: nx.Graph,
    *,
    progress: Progress | None = None,
    exact_threshold: int = EXACT_MAX_MEMBERS,
    k: int = SAMPLE_PIVOTS,
    seed: int = SEED,
    top_n: int = TOP_SUGGESTIONS,
    exclude_pairs: Iterable[tuple[Hashable, Hashable]] = (),
) -> dict[str, Any]:
    """Every per-network and per-member figure, roles and suggestions, as JSON-ready data.

    Returns {"network", "members", "bridges", "gatekeepers", "communities", "suggestions", "method",
    "timings"}. Members are in canonical (label, id) order; bridges are [a, b] id pairs; gatekeepers
    are ids. `progress(percent, stage)` is called as each stage ends. `exclude_pairs` (member id pairs,
    e.g. dismissed suggestions) are never suggested. Betweenness is exact up to `exact_threshold`
    members, else sampled from `k` pivots drawn with `seed`.
    """
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def done(stage: str) -> None:
        now = time.perf_counter()
        timings[stage] = round(now - clock[0], 4)
        clock[0] = now
        if progress is not None:
            progress(_STAGES[stage], stage)

    ix = _index(graph)
    n, m, degree = ix.n, len(ix.edges), ix.degree
    excluded = _excluded_keys(ix, exclude_pairs)
    done("prepare")

    hoods = _neighbourhoods(ix, top_n + len(excluded), excluded)
    triangles = hoods.triangles
    pairs_of_contacts = degree * (degree - 1) // 2
    with np.errstate(divide="ignore", invalid="ignore"):
        clustering = np.where(degree > 1, triangles / np.maximum(pairs_of_contacts, 1), 0.0)
    done("neighbourhoods")

    comp = _components(ix)
    core = np.asarray(ix.ig.coreness(), dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    gatekeeper = np.zeros(n, dtype=bool)
    gatekeeper[ix.ig.articulation_points()] = True
    # igraph's edge ids are the rows of ix.edges, each already ordered i < j.
    bridge_pairs = sorted(tuple(ix.edges[e].tolist()) for e in ix.ig.bridges())
    done("structure")

    sampled = n > exact_threshold
    pivots = _pivots(n, min(k, n), seed) if sampled else None
    between = _betweenness(ix, pivots)
    done("betweenness")

    paths = _closeness_and_paths(ix, comp, pivots, exact_threshold, seed)
    close, apl, path_method = paths.closeness, paths.average_path_length, paths.method
    done("closeness_and_paths")

    diameter, diameter_method = _diameter(ix, comp, paths)
    done("diameter")

    community, modularity = _communities(ix, seed)
    done("communities")

    burt_constraint = _nan_to_none(ix.ig.constraint()) if n else []
    eff_size = _effective_size(degree, triangles)
    done("structural_holes")

    roles, contact_communities = _roles(ix, degree, clustering, between, gatekeeper, community)
    done("roles")

    suggestions = _suggestions(ix, hoods, roles, community, excluded, top_n)
    done("suggestions")

    communities_out = _community_summaries(ix, community, degree)
    community_names = {c["id"]: c["name"] for c in communities_out}
    members_out = _member_rows(
        ix,
        degree=degree,
        between=between,
        close=close,
        clustering=clustering,
        core=core,
        community=community,
        community_names=community_names,
        reach2=hoods.reach2,
        constraint=burt_constraint,
        effective_size=eff_size,
        gatekeeper=gatekeeper,
        triangles=triangles,
        open_triads=pairs_of_contacts - triangles,
        roles=roles,
        contact_communities=contact_communities,
    )
    sizes = np.bincount(comp) if n else np.zeros(0, dtype=np.int64)
    peripheral = sum("peripheral" in r for r in roles)
    isolates = int((degree == 0).sum())
    network = {
        "members": n,
        "people": sum(1 for v in ix.nodes if graph.nodes[v].get("kind") != "organisation"),
        "organisations": sum(1 for v in ix.nodes if graph.nodes[v].get("kind") == "organisation"),
        "ties": m,
        "density": 2 * m / (n * (n - 1)) if n > 1 else 0.0,
        "components": len(sizes),
        "largest_component_share": float(sizes[0] / n) if n else 0.0,
        "average_clustering": float(clustering.mean()) if n else 0.0,
        "transitivity": float(triangles.sum() / pairs_of_contacts.sum()) if pairs_of_contacts.sum() else 0.0,
        "average_path_length": apl,
        "diameter": diameter,
        "communities": len(communities_out),
        "modularity": modularity,
        "degree_centralisation": _degree_centralisation(degree),
        "triangles": int(triangles.sum() // 3),
        "open_triads": int((pairs_of_contacts - triangles).sum()),
        "unclosed_pairs": hoods.unclosed_pairs,
        "bridges": len(bridge_pairs),
        "gatekeepers": int(gatekeeper.sum()),
        "isolates": isolates,
        "peripheral": peripheral,
        "periphery_share": (peripheral + isolates) / n if n else 0.0,
        "hubs": sum("hub" in r for r in roles),
        "brokers": sum("broker" in r for r in roles),
    }
    method = {
        "betweenness": "sampled" if sampled else "exact",
        "k": len(pivots) if sampled else None,
        "seed": seed,
        "exact_threshold": exact_threshold,
        "closeness": "estimated from pivots above the threshold" if sampled else "exact",
        "average_path_length": path_method,
        "diameter": diameter_method,
        "communities": "Louvain (igraph multilevel), unweighted, seeded",
        "libraries": {"networkx": nx.__version__, "igraph": igraph.__version__},
    }
    result = {
        "network": network,
        "members": members_out,
        "bridges": [[ix.nodes[a], ix.nodes[b]] for a, b in bridge_pairs],
        "gatekeepers": [ix.nodes[i] for i in np.flatnonzero(gatekeeper).tolist()],
        "communities": communities_out,
        "suggestions": suggestions,
        "method": method,
        "timings": timings,
    }
    done("assemble")
    result["timings"]["total"] = round(sum(v for s, v in timings.items() if s != "total"), 4)
    return result


def compute_views(graph: nx.Graph, *, progress: Progress | None = None, **options: Any) -> dict[str, dict]:
    """Snapshots of the all-members, people-only and organisations-only views, keyed by view name.

    `options` are passed to `compute_snapshot`; progress runs 0–100 over the three views, weighted
    by their size.
    """
    views = {"all": graph, "people": people_view(graph), "organisations": organisations_view(graph)}
    sizes = {name: g.number_of_nodes() + g.number_of_edges() + 1 for name, g in views.items()}
    total = sum(sizes.values())
    result = {}
    start = 0.0
    for name, view in views.items():
        share = sizes[name] / total

        def scaled(
            percent: int, stage: str, start: float = start, share: float = share, name: str = name
        ) -> None:
            if progress is not None:
                progress(int(start + share * percent), f"{name}: {stage}")

        result[name] = compute_snapshot(view, progress=scaled, **options)
        start += 100 * share
    return result


def labelled(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot with bridges, gatekeepers and suggestions named by labels (DESIGN.md's JSON export)."""
    label = {row["id"]: row["label"] for row in snapshot["members"]}
    return {
        **snapshot,
        "bridges": [[label[a], label[b]] for a, b in snapshot["bridges"]],
        "gatekeepers": [label[g] for g in snapshot["gatekeepers"]],
        "suggestions": [
            {**s, "a": s["a_label"], "b": s["b_label"], "shared": s["shared_labels"]}
            for s in snapshot["suggestions"]
        ],
    }


def _excluded_keys(ix: _Indexed, pairs: Iterable[tuple[Hashable, Hashable]]) -> np.ndarray:
    keys = set()
    for u, v in pairs:
        if u in ix.index and v in ix.index and u != v:
            a, b = sorted((ix.index[u], ix.index[v]))
            keys.add(a * ix.n + b)
    return np.array(sorted(keys), dtype=np.int64)


def _degree_centralisation(degree: np.ndarray) -> float:
    n = len(degree)
    if n < 3:
        return 0.0
    return float((degree.max() - degree).sum() / ((n - 1) * (n - 2)))


def _roles(
    ix: _Indexed,
    degree: np.ndarray,
    clustering: np.ndarray,
    between: np.ndarray,
    gatekeeper: np.ndarray,
    community: np.ndarray,
) -> tuple[list[list[str]], np.ndarray]:
    n = ix.n
    mean_degree = degree.mean() if n else 0.0
    hub = (degree >= HUB_MIN_DEGREE) & (degree >= HUB_DEGREE_FACTOR * mean_degree)
    spoke = hub & (clustering < HUB_AND_SPOKE_MAX_CLUSTERING)
    mean_between = between.mean() if n else 0.0
    broker = (between > 0) & (between >= BROKER_BETWEENNESS_FACTOR * mean_between)
    ends = np.concatenate([ix.edges, ix.edges[:, ::-1]])
    seen = community[ends[:, 1]]
    known = seen >= 0
    distinct = np.unique(ends[known, 0] * (n + 1) + seen[known])
    contact_communities = np.bincount(distinct // (n + 1), minlength=n)
    builder = contact_communities >= BRIDGE_BUILDER_MIN_COMMUNITIES
    flags = {
        "hub": hub,
        "hub_and_spoke": spoke,
        "broker": broker,
        "gatekeeper": gatekeeper,
        "bridge_builder": builder,
        "peripheral": (degree >= 1) & (degree <= PERIPHERAL_MAX_DEGREE),
        "isolate": degree == 0,
    }
    columns = [flags[r].tolist() for r in ROLES]
    roles = [[r for r, column in zip(ROLES, columns, strict=True) if column[i]] for i in range(n)]
    return roles, contact_communities


def _explain(
    label: str, roles: list[str], degree: int, reach2: int, contacts: int, first_contact: str
) -> str:
    if "isolate" in roles:
        return f"{label} has no ties in the network yet."
    sentences = []
    if "hub_and_spoke" in roles:
        sentences.append(
            f"{label} is a hub: {degree} members rely on this connection, and most of them don't know "
            f"each other, so they would lose touch if {label} stepped back."
        )
    elif "hub" in roles:
        sentences.append(f"{label} is a hub with {degree} contacts, many of whom also know each other.")
    if "broker" in roles:
        sentences.append(
            f"{label} is a broker: many of the shortest routes between other members pass through them."
        )
    if "gatekeeper" in roles:
        sentences.append(f"{label} is a gatekeeper: without them, part of the network would be cut off.")
    if "bridge_builder" in roles:
        sentences.append(f"{label} builds bridges, with contacts in {contacts} communities.")
    if "peripheral" in roles:
        sentences.append(f"{label} is on the edge of the network, tied to it only through {first_contact}.")
    if not sentences:
        sentences.append(
            f"{label} has {degree} contact{'s' if degree != 1 else ''} and reaches {reach2} "
            "members within two steps."
        )
    return " ".join(sentences)


def _member_rows(ix: _Indexed, **c: Any) -> list[dict[str, Any]]:
    columns = {
        name: (values.tolist() if isinstance(values, np.ndarray) else values)
        for name, values in c.items()
        if name not in ("community_names",)
    }
    names = c["community_names"]
    rows = []
    for i, node in enumerate(ix.nodes):
        data = ix.graph.nodes[node]
        community = columns["community"][i]
        degree = columns["degree"][i]
        first = ix.labels[ix.neighbours(i)[0]] if degree else ""
        rows.append(
            {
                "id": node,
                "label": ix.labels[i],
                "kind": data.get("kind", "person"),
                "community_label": data.get("community_label", ""),
                "degree": degree,
                "betweenness": columns["between"][i],
                "closeness": columns["close"][i],
                "clustering": columns["clustering"][i],
                "core_number": columns["core"][i],
                "community": community if community >= 0 else None,
                "community_name": names.get(community, ""),
                "reach2": columns["reach2"][i],
                "constraint": columns["constraint"][i],
                "effective_size": columns["effective_size"][i],
                "is_gatekeeper": columns["gatekeeper"][i],
                "triangles": columns["triangles"][i],
                "open_triads": columns["open_triads"][i],
                "roles": columns["roles"][i],
                "explanation": _explain(
                    ix.labels[i],
                    columns["roles"][i],
                    degree,
                    columns["reach2"][i],
                    columns["contact_communities"][i],
                    first,
                ),
            }
        )
    return rows


def _community_summaries(ix: _Indexed, community: np.ndarray, degree: np.ndarray) -> list[dict[str, Any]]:
    out = []
    ids = community[community >= 0]
    if not len(ids):
        return out
    a, b = ix.edges[:, 0], ix.edges[:, 1]
    same = (community[a] == community[b]) & (community[a] >= 0)
    inside = np.bincount(community[a][same], minlength=ids.max() + 1)
    for c in range(ids.max() + 1):
        members = np.flatnonzero(community == c)
        own = Counter(ix.graph.nodes[ix.nodes[i]].get("community_label", "") for i in members.tolist())
        own.pop("", None)
        name = min(own, key=lambda x: (-own[x], x)) if own else f"Group {c + 1}"
        top = members[np.lexsort((members, -degree[members]))][:3]
        out.append(
            {
                "id": c,
                "name": name,
                "size": len(members),
                "ties_inside": int(inside[c]),
                "top_members": [ix.nodes[i] for i in top.tolist()],
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# Suggestions


def _suggestion(ix: _Indexed, kind: str, a: int, b: int, score: float, reason: str, **extra: Any) -> dict:
    a, b = sorted((a, b))
    shared = sorted(ix.neighbour_set(a) & ix.neighbour_set(b))
    return {
        "kind": kind,
        "a": ix.nodes[a],
        "b": ix.nodes[b],
        "a_label": ix.labels[a],
        "b_label": ix.labels[b],
        "shared": [ix.nodes[s] for s in shared],
        "shared_labels": [ix.labels[s] for s in shared],
        "score": score,
        "reason": reason,
        **extra,
    }


def _name_list(labels: list[str]) -> str:
    named = labels[:SHARED_NAMED_IN_REASON]
    rest = len(labels) - len(named)
    if rest:
        return ", ".join(named) + f" and {rest} more"
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def _suggestions(
    ix: _Indexed,
    hoods: _Neighbourhoods,
    roles: list[list[str]],
    community: np.ndarray,
    excluded: np.ndarray,
    top_n: int,
) -> list[dict]:
    n = ix.n
    taken = set(excluded.tolist())

    def free(a: int, b: int) -> bool:
        a, b = sorted((a, b))
        return a != b and a * n + b not in taken and b not in ix.neighbour_set(a)

    def take(a: int, b: int) -> None:
        a, b = sorted((a, b))
        taken.add(a * n + b)

    out = []
    a_idx, b_idx, shared, aa = hoods.candidates
    for a, b, count, score in zip(a_idx.tolist(), b_idx.tolist(), shared.tolist(), aa.tolist(), strict=True):
        if len(out) >= top_n:
            break
        if not free(a, b):
            continue
        take(a, b)
        item = _suggestion(ix, "introduce", a, b, count, "", adamic_adar=round(score, 9))
        item["reason"] = (
            f"{item['a_label']} and {item['b_label']} don't know each other yet, but share "
            f"{count} contact{'s' if count != 1 else ''}: {_name_list(item['shared_labels'])}."
        )
        out.append(item)

    degree = ix.degree
    order = np.lexsort((np.arange(n), -degree, community))
    well_connected: dict[int, list[int]] = defaultdict(list)
    for i in order.tolist():
        c = int(community[i])
        if c >= 0 and len(well_connected[c]) < WELL_CONNECTED_CONSIDERED + 1:
            well_connected[c].append(i)
    out.extend(_bridge_community_suggestions(ix, community, well_connected, free, take, top_n))
    out.extend(_relieve_hub_suggestions(ix, roles, free, take, top_n))
    out.extend(_periphery_suggestions(ix, roles, community, well_connected, free, take, top_n))
    return out


def _bridge_community_suggestions(ix, community, well_connected, free, take, top_n) -> list[dict]:
    a, b = ix.edges[:, 0], ix.edges[:, 1]
    ca, cb = community[a], community[b]
    cross = (ca >= 0) & (cb >= 0) & (ca != cb)
    if not cross.any():
        return []
    lo, hi = np.minimum(ca[cross], cb[cross]), np.maximum(ca[cross], cb[cross])
    ea, eb = a[cross], b[cross]
    order = np.lexsort((eb, ea, hi, lo))
    lo, hi, ea, eb = lo[order], hi[order], ea[order], eb[order]
    starts = np.flatnonzero(np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])])
    ends = np.r_[starts[1:], len(lo)]
    sizes = np.bincount(community[community >= 0])
    found = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        us, vs = ea[s:e], eb[s:e]
        if e - s == 1:
            connectors = {int(us[0]), int(vs[0])}
            how = f"a single tie ({ix.labels[us[0]]} – {ix.labels[vs[0]]})"
        else:
            shared = [x for x in (int(us[0]), int(vs[0])) if np.all((us == x) | (vs == x))]
            if not shared:
                continue
            connectors = {shared[0]}
            how = f"only through {ix.labels[shared[0]]}"
        found.append((-int(min(sizes[lo[s]], sizes[hi[s]])), int(lo[s]), int(hi[s]), connectors, how))
    out = []
    for neg_size, c1, c2, connectors, how in sorted(found, key=lambda f: f[:3]):
        if len(out) >= top_n:
            break
        pair = next(
            (
                (x, y)
                for x in well_connected[c1]
                if x not in connectors
                for y in well_connected[c2]
                if y not in connectors and free(x, y)
            ),
            None,
        )
        if pair is None:
            continue
        take(*pair)
        item = _suggestion(ix, "bridge_communities", *pair, -neg_size, "", communities=[c1, c2])
        item["reason"] = (
            f"Two communities are joined by {how}. Introducing {ix.labels[pair[0]]} and "
            f"{ix.labels[pair[1]]}, well connected in each, would add a second route between them."
        )
        out.append(item)
    return out


def _relieve_hub_suggestions(ix, roles, free, take, top_n) -> list[dict]:
    degree = ix.degree
    hubs = [i for i in range(ix.n) if "hub_and_spoke" in roles[i]]
    hubs.sort(key=lambda i: (-degree[i], i))
    out = []
    for hub in hubs:
        spokes = ix.neighbours(hub)
        spokes = spokes[np.lexsort((spokes, -degree[spokes]))][:SPOKES_CONSIDERED].tolist()
        pairs = []
        for x_pos, x in enumerate(spokes):
            for y in spokes[x_pos + 1 :]:
                if free(x, y):
                    pairs.append((-len(ix.neighbour_set(x) & ix.neighbour_set(y)), *sorted((x, y))))
        for neg_shared, x, y in sorted(pairs)[:RELIEVE_PAIRS_PER_HUB]:
            if len(out) >= top_n:
                return out
            take(x, y)
            item = _suggestion(ix, "relieve_hub", x, y, -neg_shared, "", hub=ix.nodes[hub])
            item["reason"] = (
                f"{ix.labels[hub]} holds together many contacts who don't know each other. Introducing "
                f"{item['a_label']} and {item['b_label']} would take some of the load off {ix.labels[hub]}."
            )
            out.append(item)
    return out


def _periphery_suggestions(ix, roles, community, well_connected, free, take, top_n) -> list[dict]:
    degree = ix.degree
    by_label: dict[str, list[int]] = defaultdict(list)
    for i in np.lexsort((np.arange(ix.n), -degree)).tolist():
        own = ix.graph.nodes[ix.nodes[i]].get("community_label", "")
        if own and degree[i] > 0 and len(by_label[own]) < WELL_CONNECTED_CONSIDERED + 1:
            by_label[own].append(i)
    found = []
    for i in range(ix.n):
        if "peripheral" not in roles[i]:
            continue
        own = ix.graph.nodes[ix.nodes[i]].get("community_label", "")
        pool = by_label[own] if own else well_connected.get(int(community[i]), [])
        options = [j for j in pool if free(i, j)]
        if not options:
            continue
        # A contact in common makes a warm introduction, so prefer it over raw degree.
        j = min(options, key=lambda j: (not (ix.neighbour_set(i) & ix.neighbour_set(j)), -degree[j], j))
        found.append((-int(degree[j]), i, j, own))
    out = []
    for neg_degree, i, j, own in sorted(found):
        if len(out) >= top_n:
            break
        if not free(i, j):
            continue
        take(i, j)
        where = f"the {own} community" if own else "their part of the network"
        item = _suggestion(ix, "connect_periphery", i, j, -neg_degree, "", peripheral=ix.nodes[i])
        item["reason"] = (
            f"{ix.labels[i]} is tied to the network by a single contact. {ix.labels[j]} is one of the "
            f"best-connected members of {where} ({-neg_degree} contacts): an introduction would bring "
            f"{ix.labels[i]} in from the edge."
        )
        out.append(item)
    return out

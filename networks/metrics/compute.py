"""The metrics themselves, on the indexed graph (igraph and scipy), and networkx-shaped wrappers."""

from __future__ import annotations

import itertools
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import igraph
import networkx as nx
import numpy as np
import scipy.sparse as sp

from .graph import _index, _Indexed
from .parallel import betweenness_sums, closeness_of, distance_totals
from .rules import EXACT_MAX_MEMBERS, SAMPLE_PIVOTS, SEED

# Sparse products are done a slice of rows at a time, each slice holding about this many
# two-step paths, so memory stays flat whatever the network's size.
_CHUNK_PATHS = 4_000_000


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
        return betweenness_sums(ix.ig, None) * 2 / ((n - 1) * (n - 2))
    # igraph's subset betweenness counts each sampled path once; networkx's rescaling for
    # sampled sources (normalised, endpoints excluded) treats the pivots themselves apart.
    raw = betweenness_sums(ix.ig, pivots)
    k = len(pivots)
    scale = np.full(n, 2 / (k * (n - 2)))
    scale[pivots] = 2 / ((k - 1) * (n - 2)) if k > 1 else 0.0
    return raw * scale


@dataclass
class _Paths:
    closeness: np.ndarray
    average_path_length: float | None
    method: str


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
        raw = np.nan_to_num(closeness_of(sub, range(sub.vcount())))
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
        total = distance_totals(ix.ig, chosen)
        is_pivot = np.zeros(n, dtype=bool)
        is_pivot[chosen] = True
        mean_distance = total[members] / (len(chosen) - is_pivot[members])
        closeness[members] = (sizes[c] - 1) / (n - 1) / mean_distance
        if c == 0:
            paths.average_path_length = float(total[members].sum() / (len(chosen) * (sizes[c] - 1)))
            paths.method = f"estimated from {len(chosen)} pivot members"
    return paths


def _diameter(ix: _Indexed, comp: np.ndarray, budget: int | None) -> tuple[int | None, str]:
    """The largest component's diameter by iFUB (Crescenzi et al. 2013): exact, searching from few members.

    Breadth-first searches run from the farthest members of a central hub, level by level inwards,
    until no unexplored pair can be farther apart than the longest distance found. On small-world
    networks that is tens of searches instead of one per member. With a `budget` of searches, the
    result may be a lower bound, and the method says so.
    """
    members = np.flatnonzero(comp == 0)
    if len(members) < 2:
        return (0 if len(members) else None), "exact"
    g = ix.ig if len(members) == ix.n else ix.ig.induced_subgraph(members.tolist())
    centre = int(np.argmax(g.degree()))
    from_centre = np.asarray(g.distances(source=[centre])[0], dtype=np.int64)
    # A double sweep gives a good lower bound before the levels are explored.
    far = int(np.argmax(from_centre))
    lower = int(max(from_centre.max(), max(g.distances(source=[far])[0])))
    searches = 2
    for level in range(int(from_centre.max()), 0, -1):
        if lower >= 2 * level:
            break
        fringe = np.flatnonzero(from_centre == level).tolist()
        if budget is not None and searches + len(fringe) > budget:
            return lower, f"lower bound (exact would need more than {budget} searches)"
        for start in range(0, len(fringe), 64):
            lower = max(lower, int(np.max(g.distances(source=fringe[start : start + 64]))))
        searches += len(fringe)
    return lower, "exact"


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

"""The metric graph: built from plain rows, its views, and the indexed form every metric shares."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import igraph
import networkx as nx
import numpy as np
import scipy.sparse as sp

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

import math

import networkx as nx
import pytest

from networks import layout as layout_module
from networks.layout import layout


def _two_communities(n_each: int) -> tuple[nx.Graph, dict]:
    graph = nx.Graph()
    groups = {}
    for side in (0, 1):
        g = nx.powerlaw_cluster_graph(n_each, 2, 0.3, seed=side)
        for u, v in g.edges:
            graph.add_edge(side * n_each + u, side * n_each + v)
        for u in g.nodes:
            graph.nodes[side * n_each + u]["label"] = f"M{side * n_each + u}"
            groups[side * n_each + u] = side
    graph.add_edge(0, n_each)
    return graph, groups


def test_every_member_gets_a_position_within_the_map_and_the_same_one_each_time():
    graph = nx.karate_club_graph()
    first, second = layout(graph, seed=1), layout(graph, seed=1)
    assert first == second
    assert set(first) == set(graph.nodes)
    assert all(0 <= x <= 1000 and 0 <= y <= 1000 for x, y in first.values())


@pytest.mark.parametrize("small_group", [10, 5000])
def test_large_networks_are_laid_out_by_community_with_members_near_their_community(monkeypatch, small_group):
    monkeypatch.setattr(layout_module, "LARGE", 100)  # use the grouped layout on a small graph
    monkeypatch.setattr(layout_module, "GROUP_FR_MAX", small_group)  # spiral, or FR inside groups
    graph, groups = _two_communities(150)
    positions = layout(graph, seed=1, groups=groups)
    assert set(positions) == set(graph.nodes)
    assert positions == layout(graph, seed=1, groups=groups)
    centres = {
        side: tuple(sum(positions[n][i] for n in graph if groups[n] == side) / 150 for i in (0, 1))
        for side in (0, 1)
    }
    # Each member is nearer its own community's centre than the other one's.
    for node in graph:
        own, other = centres[groups[node]], centres[1 - groups[node]]
        assert math.dist(positions[node], own) < math.dist(positions[node], other)


def test_a_large_network_never_runs_the_force_layout_over_all_its_members(monkeypatch):
    calls = []
    original = layout_module._fruchterman_reingold

    def spy(ig, *, iterations, grid):
        calls.append(ig.vcount())
        return original(ig, iterations=iterations, grid=grid)

    monkeypatch.setattr(layout_module, "_fruchterman_reingold", spy)
    monkeypatch.setattr(layout_module, "LARGE", 50)
    monkeypatch.setattr(layout_module, "GROUP_FR_MAX", 10)
    graph, groups = _two_communities(40)
    layout(graph, seed=1, groups=groups)
    assert calls == [2]  # only the graph of the two communities

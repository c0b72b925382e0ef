"""networks.metrics: hand-checked small graphs, Zachary's karate club, igraph against networkx.

Pure maths: no database.
"""

import itertools
import json
import math
import random
from unittest import mock

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from networks import metrics
from networks.metrics import compute


def snapshot(graph, **options):
    return metrics.compute_snapshot(graph, **options)


def by_id(snap):
    return {row["id"]: row for row in snap["members"]}


def introductions(snap):
    return [(s["a"], s["b"]) for s in snap["suggestions"] if s["kind"] == "introduce"]


def without_timings(snap):
    return {key: value for key, value in snap.items() if key != "timings"}


def two_cliques_joined_by_a_bridge():
    return nx.barbell_graph(5, 0)  # 0–4 and 5–9, joined by the tie 4–5


def several_components():
    graph = nx.Graph([("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "f"), ("g", "h")])
    graph.add_node("z")
    return graph


def brute_force_unclosed_pairs(graph):
    return {
        tuple(sorted((u, v), key=str))
        for u, v in itertools.combinations(graph, 2)
        if not graph.has_edge(u, v) and set(graph[u]) & set(graph[v])
    }


def brute_force_ranking(graph):
    order = {node: i for i, node in enumerate(metrics.canonical_order(graph))}
    ranked = []
    for u, v in itertools.combinations(graph, 2):
        shared = set(graph[u]) & set(graph[v])
        if graph.has_edge(u, v) or not shared:
            continue
        a, b = sorted((u, v), key=order.get)
        adamic_adar = round(sum(1 / math.log(graph.degree(c)) for c in shared), 9)
        ranked.append((-len(shared), -adamic_adar, order[a], order[b], (a, b)))
    return [item[-1] for item in sorted(ranked)]


def test_a_triangle_is_fully_closed():
    snap = snapshot(nx.complete_graph(3))
    net = snap["network"]
    assert (net["members"], net["ties"], net["density"], net["components"]) == (3, 3, 1.0, 1)
    assert (net["triangles"], net["open_triads"], net["unclosed_pairs"]) == (1, 0, 0)
    assert (net["transitivity"], net["average_clustering"]) == (1.0, 1.0)
    assert (net["average_path_length"], net["diameter"]) == (1.0, 1)
    assert (net["bridges"], net["gatekeepers"], net["degree_centralisation"]) == (0, 0, 0.0)
    assert net["communities"] == 1
    for row in snap["members"]:
        assert (row["degree"], row["betweenness"], row["closeness"], row["clustering"]) == (2, 0.0, 1.0, 1.0)
        assert (row["core_number"], row["reach2"], row["triangles"], row["open_triads"]) == (2, 2, 1, 0)
        # Burt: each contact costs (1/2 + 1/2 · 1/2)² = 0.5625; the two contacts are redundant by half.
        assert row["constraint"] == pytest.approx(1.125)
        assert row["effective_size"] == pytest.approx(1.0)
        assert row["roles"] == []
        assert row["is_gatekeeper"] is False
    assert snap["suggestions"] == []


def test_a_star_has_a_hub_and_spoke_centre_and_a_peripheral_rim():
    snap = snapshot(nx.star_graph(5))  # centre 0, leaves 1–5
    net = snap["network"]
    centre, leaf = by_id(snap)[0], by_id(snap)[1]
    assert (centre["degree"], centre["betweenness"], centre["closeness"], centre["clustering"]) == (
        5,
        1.0,
        1.0,
        0,
    )
    assert centre["constraint"] == pytest.approx(0.2)
    assert centre["effective_size"] == pytest.approx(5.0)
    assert centre["roles"] == ["hub", "hub_and_spoke", "broker", "gatekeeper"]
    assert centre["explanation"].startswith("0 is a hub: 5 members rely on this connection")
    assert "don't know each other" in centre["explanation"]
    assert (leaf["degree"], leaf["betweenness"], leaf["reach2"]) == (1, 0.0, 5)
    assert leaf["closeness"] == pytest.approx(5 / 9)
    assert (leaf["constraint"], leaf["effective_size"]) == (1.0, 1.0)
    assert leaf["roles"] == ["peripheral"]
    assert "tied to it only through 0" in leaf["explanation"]
    assert (net["open_triads"], net["unclosed_pairs"], net["triangles"]) == (10, 10, 0)
    assert net["degree_centralisation"] == 1.0
    assert net["periphery_share"] == pytest.approx(5 / 6)
    assert (net["bridges"], net["gatekeepers"], net["diameter"]) == (5, 1, 2)
    assert net["average_path_length"] == pytest.approx(25 / 15)
    assert snap["gatekeepers"] == [0]
    assert len(snap["bridges"]) == 5


def test_a_hub_whose_contacts_know_each_other_is_a_hub_but_not_a_hub_and_spoke():
    # A wheel: 0 in the middle of eight members tied in a ring. Of the 28 pairs of 0's contacts, the
    # 8 ring ties are tied: clustering 8/28 = 0.29, above the 0.2 of a hub-and-spoke. Mean degree
    # (8 + 8 × 3) / 9 = 3.56, so 8 contacts is a hub (at least 5 and at least twice the mean).
    snap = snapshot(nx.wheel_graph(9))
    centre = by_id(snap)[0]
    assert centre["degree"] == 8
    assert centre["clustering"] == pytest.approx(8 / 28)
    assert "hub" in centre["roles"] and "hub_and_spoke" not in centre["roles"]
    assert "gatekeeper" not in centre["roles"]  # the ring holds together without 0
    assert centre["explanation"].startswith("0 is a hub with 8 contacts, many of whom also know each other.")
    assert not [s for s in snap["suggestions"] if s["kind"] == "relieve_hub"]
    assert snap["network"]["hubs"] == 1

    # Untie three ring ties: 5 of the 28 pairs are tied (0.18), so the hub now holds spokes together.
    fewer = nx.wheel_graph(9)
    fewer.remove_edges_from([(1, 2), (3, 4), (5, 6)])
    centre = by_id(snapshot(fewer))[0]
    assert centre["clustering"] == pytest.approx(5 / 28)
    assert {"hub", "hub_and_spoke"} <= set(centre["roles"])


def test_the_network_counts_its_hubs_brokers_and_peripheral_members():
    # A star (centre 0, leaves 1–5) beside a path a–b–c–d. Degrees sum to 16 over 10 members (mean 1.6):
    # only 0 has 5+ contacts. Betweenness (normalised by 2 / (9 × 8)): 0 is on the 10 paths between
    # its leaves (20/72), b and c on 2 each (4/72); twice the mean is 56/720 = 0.078, so only 0 is a
    # broker. Peripheral (exactly one tie): the five leaves, a and d.
    graph = nx.star_graph(5)
    nx.add_path(graph, ["a", "b", "c", "d"])
    snap = snapshot(graph)
    rows, net = by_id(snap), snap["network"]
    assert rows[0]["betweenness"] == pytest.approx(20 / 72)
    assert rows["b"]["betweenness"] == pytest.approx(4 / 72)
    assert (net["hubs"], net["brokers"], net["peripheral"], net["isolates"]) == (1, 1, 7, 0)
    assert net["periphery_share"] == pytest.approx(7 / 10)
    assert [m for m, row in rows.items() if "broker" in row["roles"]] == [0]


def test_a_path_has_gatekeepers_in_the_middle_and_bridges_everywhere():
    snap = snapshot(nx.path_graph(4))
    rows = by_id(snap)
    assert [rows[i]["betweenness"] for i in range(4)] == pytest.approx([0, 2 / 3, 2 / 3, 0])
    assert [rows[i]["closeness"] for i in range(4)] == pytest.approx([0.5, 0.75, 0.75, 0.5])
    assert [rows[i]["core_number"] for i in range(4)] == [1, 1, 1, 1]
    assert [rows[i]["reach2"] for i in range(4)] == [2, 3, 3, 2]
    assert snap["bridges"] == [[0, 1], [1, 2], [2, 3]]
    assert snap["gatekeepers"] == [1, 2]
    assert rows[0]["roles"] == ["peripheral"]
    assert "gatekeeper" in rows[1]["roles"]
    net = snap["network"]
    assert (net["unclosed_pairs"], net["open_triads"], net["diameter"]) == (2, 2, 3)
    assert net["average_path_length"] == pytest.approx(10 / 6)
    assert introductions(snap) == [(0, 2), (1, 3)]


def test_two_cliques_joined_by_a_bridge_are_two_communities_held_by_two_gatekeepers():
    snap = snapshot(two_cliques_joined_by_a_bridge())
    rows = by_id(snap)
    assert snap["bridges"] == [[4, 5]]
    assert snap["gatekeepers"] == [4, 5]
    assert [c["size"] for c in snap["communities"]] == [5, 5]
    assert {rows[i]["community"] for i in range(5)} != {rows[i]["community"] for i in range(5, 10)}
    assert len({rows[i]["community"] for i in range(5)}) == 1
    for i in (4, 5):
        assert {"broker", "gatekeeper", "bridge_builder"} <= set(rows[i]["roles"])
        assert "builds bridges, with contacts in 2 communities" in rows[i]["explanation"]
    assert rows[0]["roles"] == []
    assert rows[0]["core_number"] == 4
    net = snap["network"]
    assert net["modularity"] == pytest.approx(
        nx.community.modularity(nx.barbell_graph(5, 0), [set(range(5)), set(range(5, 10))])
    )
    assert net["triangles"] == 20
    assert net["unclosed_pairs"] == 8
    bridge = [s for s in snap["suggestions"] if s["kind"] == "bridge_communities"]
    assert [(s["a"], s["b"]) for s in bridge] == [(0, 6)]
    assert "joined by a single tie (4 – 5)" in bridge[0]["reason"]


def test_two_communities_meeting_only_through_one_person_get_a_bridge_suggestion():
    # Two cliques of five (0–4 and 5–9); member 10 knows 3 and 4 in one and 5 and 6 in the other, and
    # nobody else crosses. Whichever side 10 is counted in, every tie between the two communities
    # touches 10. The best-connected members other than 10 are 3 and 4 (five contacts each) and 5 and
    # 6; but 3–5 and 3–6 share 10, so they are already suggested as introductions (a pair is suggested
    # once). Next on the far side, in label order among four contacts, comes 7: introduce 3 to 7.
    graph = nx.union(nx.complete_graph(5), nx.relabel_nodes(nx.complete_graph(5), lambda i: i + 5))
    graph.add_edges_from([(10, 3), (10, 4), (10, 5), (10, 6)])
    snap = snapshot(graph)
    assert len(snap["communities"]) == 2
    bridge = [s for s in snap["suggestions"] if s["kind"] == "bridge_communities"]
    assert [(s["a"], s["b"]) for s in bridge] == [(3, 7)]
    assert {(3, 5), (3, 6)} <= set(introductions(snap))
    assert "meet only through 10" in bridge[0]["reason"]
    assert "gatekeeper" in by_id(snap)[10]["roles"]


def test_isolates_have_no_community_and_count_in_the_periphery():
    graph = nx.Graph([("ana", "ben")])
    graph.add_nodes_from(["cat", "dan"])
    snap = snapshot(graph)
    rows = by_id(snap)
    for isolate in ("cat", "dan"):
        row = rows[isolate]
        assert row["roles"] == ["isolate"]
        assert (row["degree"], row["closeness"], row["clustering"], row["reach2"]) == (0, 0.0, 0, 0)
        assert (row["community"], row["constraint"], row["effective_size"]) == (None, None, None)
        assert row["explanation"] == f"{isolate} has no ties in the network yet."
    net = snap["network"]
    assert (net["components"], net["largest_component_share"], net["isolates"]) == (3, 0.5, 2)
    assert net["periphery_share"] == 1.0
    assert net["communities"] == 1
    json.dumps(snap)


def test_several_components_follow_networkx_for_closeness_and_the_largest_component():
    graph = several_components()
    snap = snapshot(graph)
    rows = by_id(snap)
    expected = nx.closeness_centrality(graph)
    assert {node: rows[node]["closeness"] for node in graph} == pytest.approx(expected)
    net = snap["network"]
    assert net["components"] == 4
    assert net["largest_component_share"] == pytest.approx(3 / 9)
    # Two components of three tie for largest; the one holding the first member by label wins.
    assert (net["average_path_length"], net["diameter"]) == (1.0, 1)
    assert (net["bridges"], snap["gatekeepers"]) == (3, ["e"])


def test_an_empty_network_gives_an_empty_snapshot():
    snap = snapshot(nx.Graph())
    assert snap["network"]["members"] == 0
    assert snap["members"] == snap["suggestions"] == snap["communities"] == []
    json.dumps(snap)


def test_zachary_karate_club_matches_published_values():
    graph = nx.karate_club_graph()
    snap = snapshot(graph)
    net = snap["network"]
    assert (net["members"], net["ties"], net["triangles"]) == (34, 78, 45)
    assert net["transitivity"] == pytest.approx(0.2557, abs=1e-4)
    assert net["average_clustering"] == pytest.approx(0.5706, abs=1e-4)
    assert net["average_path_length"] == pytest.approx(2.4082, abs=1e-4)
    assert net["diameter"] == 5
    assert net["density"] == pytest.approx(0.1390, abs=1e-4)
    rows = by_id(snap)
    top = sorted(rows.values(), key=lambda r: -r["betweenness"])[:5]
    assert [r["id"] for r in top] == [0, 33, 32, 2, 31]
    assert [r["betweenness"] for r in top] == pytest.approx(
        [0.4376, 0.3041, 0.1452, 0.1437, 0.1383], abs=1e-4
    )
    assert (rows[33]["degree"], rows[0]["degree"]) == (17, 16)
    assert max(r["core_number"] for r in rows.values()) == 4
    assert snap["bridges"] == [[0, 11]]
    assert snap["gatekeepers"] == [0]
    # Louvain finds 4 communities here, modularity about 0.42 (the best known split: 0.4198).
    assert 3 <= net["communities"] <= 4
    assert 0.40 < net["modularity"] <= 0.4198


EQUIVALENCE_GRAPHS = {
    "karate": nx.karate_club_graph,
    "star": lambda: nx.star_graph(6),
    "path": lambda: nx.path_graph(7),
    "two cliques": two_cliques_joined_by_a_bridge,
    "several components": several_components,
    "clustered 200": lambda: nx.powerlaw_cluster_graph(200, 3, 0.4, seed=3),
    "sparse random with isolates": lambda: nx.gnp_random_graph(60, 0.04, seed=5),
}


@pytest.fixture(params=sorted(EQUIVALENCE_GRAPHS))
def graph(request):
    return EQUIVALENCE_GRAPHS[request.param]()


def test_igraph_metrics_equal_networkx(graph):
    rows = by_id(snapshot(graph))

    def column(name):
        return {node: rows[node][name] for node in graph}

    assert column("betweenness") == pytest.approx(nx.betweenness_centrality(graph))
    assert column("closeness") == pytest.approx(nx.closeness_centrality(graph))
    assert column("clustering") == pytest.approx(nx.clustering(graph))
    assert column("core_number") == nx.core_number(graph)
    assert column("triangles") == nx.triangles(graph)
    assert column("degree") == dict(graph.degree())
    assert column("is_gatekeeper") == {node: node in set(nx.articulation_points(graph)) for node in graph}
    nan_as_none = {k: (None if math.isnan(v) else v) for k, v in nx.constraint(graph).items()}
    assert column("constraint") == pytest.approx(nan_as_none)
    effective = {k: (None if math.isnan(v) else v) for k, v in nx.effective_size(graph).items()}
    assert column("effective_size") == pytest.approx(effective)
    reach = {n: len(nx.single_source_shortest_path_length(graph, n, cutoff=2)) - 1 for n in graph}
    assert column("reach2") == reach


def test_igraph_network_figures_equal_networkx(graph):
    snap = snapshot(graph)
    net = snap["network"]
    assert net["transitivity"] == pytest.approx(nx.transitivity(graph))
    assert net["average_clustering"] == pytest.approx(nx.average_clustering(graph))
    assert net["triangles"] == sum(nx.triangles(graph).values()) // 3
    assert net["components"] == nx.number_connected_components(graph)
    assert net["unclosed_pairs"] == len(brute_force_unclosed_pairs(graph))
    assert {tuple(sorted(b, key=str)) for b in snap["bridges"]} == {
        tuple(sorted(b, key=str)) for b in nx.bridges(graph)
    }
    sizes = sorted(len(c) for c in nx.connected_components(graph))
    if sizes.count(sizes[-1]) == 1:  # with a tie for largest, the first by label is used (tested above)
        largest = graph.subgraph(max(nx.connected_components(graph), key=len))
        assert net["average_path_length"] == pytest.approx(nx.average_shortest_path_length(largest))
        assert net["diameter"] == nx.diameter(largest)
    groups = {}
    for row in snap["members"]:
        key = row["community"] if row["community"] is not None else ("alone", row["id"])
        groups.setdefault(key, set()).add(row["id"])
    assert net["communities"] == sum(len(g) > 1 for g in groups.values())
    assert net["modularity"] == pytest.approx(nx.community.modularity(graph, groups.values(), weight=None))


def test_sampled_betweenness_uses_the_same_pivots_and_values_as_networkx():
    graph = nx.powerlaw_cluster_graph(150, 3, 0.3, seed=11)
    canonical = nx.Graph()
    canonical.add_nodes_from(metrics.canonical_order(graph))
    canonical.add_edges_from(graph.edges)
    snap = snapshot(graph, exact_threshold=100, k=30, seed=7)
    assert snap["method"]["betweenness"] == "sampled"
    assert (snap["method"]["k"], snap["method"]["seed"]) == (30, 7)
    expected = nx.betweenness_centrality(canonical, k=30, seed=7)
    assert {r["id"]: r["betweenness"] for r in snap["members"]} == pytest.approx(expected)
    assert metrics.betweenness(graph, exact_threshold=100, k=30, seed=7) == pytest.approx(expected)


def test_sampled_closeness_and_path_length_are_close_to_exact_and_say_so():
    graph = nx.powerlaw_cluster_graph(400, 3, 0.3, seed=2)
    snap = snapshot(graph, exact_threshold=100, k=200)
    assert snap["method"]["average_path_length"] == "estimated from 200 pivot members"
    assert snap["method"]["diameter"] == "exact"
    exact = nx.closeness_centrality(graph)
    assert {r["id"]: r["closeness"] for r in snap["members"]} == pytest.approx(exact, rel=0.05)
    assert snap["network"]["average_path_length"] == pytest.approx(
        nx.average_shortest_path_length(graph), rel=0.03
    )
    assert snap["network"]["diameter"] == nx.diameter(graph)


def test_a_diameter_needing_more_searches_than_the_budget_is_reported_as_a_lower_bound():
    snap = snapshot(nx.cycle_graph(200), exact_threshold=100, k=3)
    assert snap["method"]["diameter"] == "lower bound (exact would need more than 3 searches)"
    assert snap["network"]["diameter"] == 100


def test_communities_agree_with_networkx_louvain_on_clear_structure():
    graph = nx.ring_of_cliques(4, 5)
    ours = sorted(map(sorted, metrics.communities(graph)))
    theirs = sorted(map(sorted, nx.community.louvain_communities(graph, seed=1)))
    assert ours == theirs


def test_introductions_rank_by_shared_contacts_then_adamic_adar_then_labels():
    graph = nx.Graph([("Ana", "Hub"), ("Ben", "Hub"), ("Ana", "Kim"), ("Ben", "Kim"), ("Hub", "Zoe")])
    snap = snapshot(graph)
    suggestions = [s for s in snap["suggestions"] if s["kind"] == "introduce"]
    # Hub–Kim and Ana–Ben both share two contacts, but Ana and Ben share the busier Hub.
    assert [(s["a"], s["b"]) for s in suggestions] == [
        ("Hub", "Kim"),
        ("Ana", "Ben"),
        ("Ana", "Zoe"),
        ("Ben", "Zoe"),
    ]
    first = suggestions[0]
    assert (first["score"], first["shared"], first["shared_labels"]) == (2, ["Ana", "Ben"], ["Ana", "Ben"])
    assert first["adamic_adar"] == pytest.approx(2 / math.log(2))
    assert first["reason"] == "Hub and Kim don't know each other yet, but share 2 contacts: Ana and Ben."


def test_introductions_match_a_brute_force_ranking_and_keep_the_top_n():
    graph = nx.powerlaw_cluster_graph(120, 3, 0.2, seed=4)
    snap = snapshot(graph, top_n=25)
    assert introductions(snap) == brute_force_ranking(graph)[:25]


def test_dismissed_pairs_are_never_suggested():
    graph = nx.path_graph(4)
    snap = snapshot(graph, exclude_pairs=[(2, 0)])
    assert introductions(snap) == [(1, 3)]


def test_each_pair_is_suggested_once_across_kinds():
    snap = snapshot(nx.barabasi_albert_graph(300, 1, seed=8))
    pairs = [(s["a"], s["b"]) for s in snap["suggestions"]]
    assert len(pairs) == len(set(pairs))
    assert {s["kind"] for s in snap["suggestions"]} >= {"introduce", "relieve_hub", "connect_periphery"}
    for s in snap["suggestions"]:
        assert set(s) >= {"kind", "a", "b", "shared", "score", "reason"}
        assert s["reason"]


def test_a_hub_and_spoke_gets_its_spokes_introduced():
    graph = nx.star_graph(6)
    snap = snapshot(graph, top_n=2)
    kinds = [(s["kind"], s["a"], s["b"]) for s in snap["suggestions"]]
    assert kinds[:2] == [("introduce", 1, 2), ("introduce", 1, 3)]
    relief = [s for s in snap["suggestions"] if s["kind"] == "relieve_hub"]
    assert len(relief) == 2
    assert all(s["hub"] == 0 and s["shared"] == [0] for s in relief)
    assert "take some of the load off 0" in relief[0]["reason"]


def test_a_peripheral_member_is_introduced_to_a_well_connected_member_of_their_own_community():
    members = [{"id": i, "label": f"M{i}", "community": "North"} for i in range(6)]
    members.append({"id": 9, "label": "Newcomer", "community": "North"})
    ties = [{"source": 0, "target": i} for i in range(1, 6)] + [{"source": 1, "target": 2}]
    members.append({"id": 7, "label": "Visitor", "community": "South"})
    ties.append({"source": 9, "target": 7})
    snap = snapshot(metrics.build_graph(members, ties))
    periphery = [s for s in snap["suggestions"] if s["kind"] == "connect_periphery" and 9 in (s["a"], s["b"])]
    assert [(s["a"], s["b"], s["score"], s["shared"]) for s in periphery] == [(0, 9, 5, [])]
    assert "best-connected members of the North community" in periphery[0]["reason"]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=2, max_value=25).flatmap(
        lambda n: st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] != e[1]),
            max_size=60,
        ).map(lambda edges: (n, edges))
    )
)
def test_unclosed_pairs_and_triangles_equal_brute_force_on_random_graphs(n_and_edges):
    n, edges = n_and_edges
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges)
    # Tiny slices make the sparse products run in many chunks, as on a large network.
    with mock.patch.object(compute, "_CHUNK_PATHS", 7):
        snap = snapshot(graph, top_n=10)
    assert snap["network"]["unclosed_pairs"] == len(brute_force_unclosed_pairs(graph))
    assert snap["network"]["triangles"] == sum(nx.triangles(graph).values()) // 3
    assert snap["network"]["open_triads"] == sum(
        d * (d - 1) // 2 - t for (_, d), t in zip(graph.degree(), nx.triangles(graph).values(), strict=True)
    )
    assert introductions(snap) == brute_force_ranking(graph)[:10]
    assert metrics.unclosed_pairs(graph) == snap["network"]["unclosed_pairs"]
    components = sorted(nx.connected_components(graph), key=len, reverse=True)
    if len(components) == 1 or len(components[0]) > len(components[1]):
        assert snap["network"]["diameter"] == nx.diameter(graph.subgraph(components[0]))


def test_the_same_network_gives_the_same_snapshot_whatever_the_insertion_order():
    graph = nx.powerlaw_cluster_graph(300, 3, 0.3, seed=9)
    nodes, edges = list(graph.nodes), list(graph.edges)
    random.Random(1).shuffle(nodes)
    random.Random(2).shuffle(edges)
    shuffled = nx.Graph()
    shuffled.add_nodes_from(nodes)
    shuffled.add_edges_from((v, u) for u, v in edges)
    first, again, other = snapshot(graph), snapshot(graph), snapshot(shuffled)
    assert without_timings(first) == without_timings(again) == without_timings(other)
    sampled = [snapshot(graph, exact_threshold=100, k=50) for _ in range(2)]
    assert without_timings(sampled[0]) == without_timings(sampled[1])


def test_progress_is_reported_for_every_stage_up_to_100():
    calls = []
    snap = snapshot(nx.karate_club_graph(), progress=lambda percent, stage: calls.append((percent, stage)))
    percents = [p for p, _ in calls]
    assert percents == sorted(percents)
    assert calls[-1] == (100, "assemble")
    assert [stage for _, stage in calls] == [s for s in snap["timings"] if s != "total"]


def test_build_graph_merges_ties_to_the_strongest_and_leaves_out_unknown_members():
    members = [{"id": 1, "label": "Ana"}, {"id": 2, "label": "Ben", "kind": "organisation"}]
    ties = [
        {"source": 1, "target": 2, "strength": 2},
        {"source": 2, "target": 1, "strength": 4},
        {"source": 1, "target": 99, "strength": 5},
    ]
    graph = metrics.build_graph(members, ties)
    assert list(graph.edges(data="weight")) == [(1, 2, 4)]
    assert graph.nodes[1] == {"label": "Ana", "kind": "person", "community_label": "", "organisations": []}
    with pytest.raises(ValueError, match="self-tie"):
        metrics.build_graph(members, [{"source": 1, "target": 1}])


def organisation_network():
    members = [
        {"id": "o1", "label": "Clinic", "kind": "organisation"},
        {"id": "o2", "label": "School", "kind": "organisation"},
        {"id": "o3", "label": "Council", "kind": "organisation"},
        {"id": "p1", "label": "Ana", "organisations": ["o1"]},
        {"id": "p2", "label": "Ben", "organisations": ["o2"]},
        {"id": "p3", "label": "Cat", "organisations": ["o1", "o3", "p1"]},
    ]
    ties = [
        {"source": "p1", "target": "p2", "strength": 2},
        {"source": "p3", "target": "o2", "strength": 5},
        {"source": "p1", "target": "p3", "strength": 1},
    ]
    return metrics.build_graph(members, ties)


def test_the_people_view_keeps_people_and_their_ties():
    view = metrics.people_view(organisation_network())
    assert sorted(view.nodes) == ["p1", "p2", "p3"]
    assert sorted(map(sorted, view.edges)) == [["p1", "p2"], ["p1", "p3"]]


def test_the_organisations_view_projects_person_ties_onto_their_organisations():
    graph = organisation_network()
    assert graph.nodes["p3"]["organisations"] == ["o1", "o3"]  # a person listed as organisation is dropped
    view = metrics.organisations_view(graph)
    assert sorted(view.nodes) == ["o1", "o2", "o3"]
    weights = {tuple(sorted((u, v))): w for u, v, w in view.edges(data="weight")}
    # Ana–Ben (2) and Cat–School (5) both tie Clinic to School: the strongest wins.
    assert weights == {("o1", "o2"): 5, ("o2", "o3"): 5, ("o1", "o3"): 1}


def test_compute_views_gives_three_snapshots_and_one_progress_scale():
    calls = []
    views = metrics.compute_views(organisation_network(), progress=lambda p, s: calls.append((p, s)))
    assert set(views) == {"all", "people", "organisations"}
    assert views["organisations"]["network"]["members"] == 3
    assert views["people"]["network"]["ties"] == 2
    percents = [p for p, _ in calls]
    assert percents == sorted(percents)
    assert percents[-1] == 100
    assert calls[0][1].startswith("all: ")


def test_labelled_names_bridges_gatekeepers_and_suggestions_by_label():
    members = [{"id": i, "label": name} for i, name in enumerate(["Ana", "Ben", "Cat"])]
    ties = [{"source": 0, "target": 1}, {"source": 1, "target": 2}]
    snap = metrics.labelled(snapshot(metrics.build_graph(members, ties)))
    assert snap["bridges"] == [["Ana", "Ben"], ["Ben", "Cat"]]
    assert snap["gatekeepers"] == ["Ben"]
    assert [(s["a"], s["b"], s["shared"]) for s in snap["suggestions"]] == [("Ana", "Cat", ["Ben"])]


def test_every_role_has_plain_language_help():
    assert set(metrics.ROLE_HELP) == set(metrics.ROLES)


def test_a_network_of_people_only_computes_its_people_view_once(monkeypatch):
    from networks.metrics import snapshot as snapshot_module

    calls = []
    real = snapshot_module.compute_snapshot
    monkeypatch.setattr(
        snapshot_module,
        "compute_snapshot",
        lambda g, **kw: calls.append(g.number_of_nodes()) or real(g, **kw),
    )
    graph = metrics.build_graph(
        [{"id": i, "label": f"P{i}"} for i in range(4)],
        [{"source": 0, "target": 1}, {"source": 1, "target": 2}],
    )
    views = metrics.compute_views(graph)
    assert calls == [4, 0]  # all, then the (empty) organisations view
    assert views["people"]["network"] == views["all"]["network"]


def test_the_secondary_views_sample_betweenness_above_their_threshold_and_say_so(monkeypatch):
    from networks.metrics import snapshot as snapshot_module

    graph = nx.powerlaw_cluster_graph(60, 2, 0.3, seed=3)
    rows = [{"id": n, "label": f"M{n}", "kind": "organisation" if n % 10 == 0 else "person"} for n in graph]
    ties = [{"source": u, "target": v} for u, v in graph.edges]
    views = metrics.compute_views(metrics.build_graph(rows, ties), exact_threshold=100, k=10)
    assert views["people"]["method"]["betweenness"] == "exact"  # 54 people: below 2,000

    monkeypatch.setattr(snapshot_module, "VIEW_EXACT_MAX_MEMBERS", 20)
    views = metrics.compute_views(metrics.build_graph(rows, ties), exact_threshold=100, k=10)
    assert views["all"]["method"]["betweenness"] == "exact"
    assert views["people"]["method"]["betweenness"] == "sampled"
    assert views["people"]["method"]["k"] == 10

"""networks.metrics.parallel: the heaviest stages split in two, half in a child process.

Pure maths: no database. `min_work=0` forces the split on small graphs.
"""

import io
import pickle

import igraph
import networkx as nx
import numpy as np
import pytest

from networks import metrics
from networks.metrics import parallel


@pytest.fixture
def graph():
    # Several components, an isolate and a pendant: closeness has NaN and unreachable pairs.
    g = nx.disjoint_union(nx.karate_club_graph(), nx.path_graph(5))
    g.add_node(99)
    return igraph.Graph.from_networkx(g)


def test_split_betweenness_adds_up_to_igraphs_exact_and_subset_betweenness(graph):
    exact = np.asarray(graph.betweenness(directed=False))
    assert np.allclose(parallel.betweenness_sums(graph, None, min_work=0), exact)
    pivots = [0, 3, 7, 33, 35, 38, 39]
    subset = np.asarray(graph.betweenness(directed=False, sources=pivots))
    assert np.allclose(parallel.betweenness_sums(graph, pivots, min_work=0), subset)


def test_split_closeness_keeps_the_order_of_the_vertices_asked_for(graph):
    vertices = [39, 0, 12, 5, 33, 38]
    expected = np.asarray(graph.closeness(vertices=vertices, normalized=True), dtype=float)
    got = parallel.closeness_of(graph, vertices, min_work=0)
    assert np.allclose(got, expected, equal_nan=True)
    assert np.isnan(got[0])  # the isolate


def test_split_distance_totals_sum_the_distances_from_the_sources(graph):
    sources = [0, 1, 2, 35]
    dist = np.asarray(graph.distances(source=sources), dtype=float)
    dist[~np.isfinite(dist)] = 0
    assert np.allclose(parallel.distance_totals(graph, sources, min_work=0), dist.sum(axis=0))


def test_a_child_that_cannot_start_or_fails_leaves_the_work_to_this_process(graph, monkeypatch):
    exact = np.asarray(graph.betweenness(directed=False))
    for executable in ("", "/nonexistent/python", "/bin/false"):
        monkeypatch.setattr(parallel.sys, "executable", executable)
        assert np.allclose(parallel.betweenness_sums(graph, None, min_work=0), exact)


def test_one_core_computes_both_halves_here_with_the_same_result(graph, monkeypatch):
    two = parallel.betweenness_sums(graph, None, min_work=0)
    monkeypatch.setattr(parallel, "_cores", lambda: 1)
    monkeypatch.setattr(parallel, "_start", pytest.fail)  # never started
    assert np.array_equal(parallel.betweenness_sums(graph, None, min_work=0), two)


def test_a_snapshot_split_across_processes_is_the_snapshot_computed_in_one(monkeypatch):
    g = nx.relabel_nodes(nx.karate_club_graph(), {i: i + 1 for i in range(34)})
    nx.set_node_attributes(g, {n: f"M{n}" for n in g}, "label")
    whole = metrics.compute_snapshot(g)
    monkeypatch.setattr(parallel, "MIN_SPLIT_WORK", 0)
    split = metrics.compute_snapshot(g)
    rows = {r["id"]: r for r in split["members"]}
    for row in whole["members"]:
        assert rows[row["id"]]["betweenness"] == pytest.approx(row["betweenness"], abs=1e-12)
        assert rows[row["id"]]["closeness"] == pytest.approx(row["closeness"], abs=1e-12)
        assert rows[row["id"]]["roles"] == row["roles"]
    assert split["network"] == pytest.approx(whole["network"])


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # killed mid-write
        lambda data: data[:-1],
        lambda data: pickle.dumps(np.zeros(3)),  # whole, but not the half asked for
        lambda data: pickle.dumps("not an array"),
    ],
)
def test_a_childs_truncated_or_wrong_result_is_computed_here_instead(graph, monkeypatch, damage):
    exact = np.asarray(graph.betweenness(directed=False))
    closeness = np.asarray(graph.closeness(normalized=True), dtype=float)
    real_finish = parallel._finish

    def damaged(child, *, shape):
        data = child.stdout.read()
        child.wait()
        child.stdout = io.BytesIO(damage(data))
        return real_finish(child, shape=shape)

    monkeypatch.setattr(parallel, "_finish", damaged)
    assert np.allclose(parallel.betweenness_sums(graph, None, min_work=0), exact)
    got = parallel.closeness_of(graph, range(graph.vcount()), min_work=0)
    assert np.allclose(got, closeness, equal_nan=True)


@pytest.mark.django_db
def test_a_snapshot_whose_child_result_is_truncated_finishes_with_the_right_figures(network, monkeypatch):
    from networks import snapshots
    from networks.models import MemberMetric, Snapshot
    from tests.factories import MemberFactory, RelationshipFactory

    members = [MemberFactory(network=network, name=f"M{i:02}") for i in range(34)]
    for a, b in nx.karate_club_graph().edges():
        RelationshipFactory(network=network, source=members[a], target=members[b])
    whole = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    real_finish = parallel._finish
    damaged = []

    def truncated(child, *, shape):
        data = child.stdout.read()
        child.wait()
        child.stdout = io.BytesIO(data[: len(data) // 2])
        damaged.append(shape)
        return real_finish(child, shape=shape)

    monkeypatch.setattr(parallel, "MIN_SPLIT_WORK", 0)
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    monkeypatch.setattr(parallel, "_finish", truncated)
    split = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    assert damaged and split.status == Snapshot.Status.DONE, split.error

    def figures(snapshot):
        rows = MemberMetric.objects.filter(snapshot=snapshot).order_by("member_id")
        return list(rows.values_list("member_id", "betweenness", "closeness", "roles"))

    for before, after in zip(figures(whole), figures(split), strict=True):
        assert before[0] == after[0] and before[3] == after[3]
        assert after[1:3] == pytest.approx(before[1:3], abs=1e-12)

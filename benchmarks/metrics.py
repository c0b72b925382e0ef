"""Benchmark the metrics snapshot against igraph alone and plain networkx.

    .venv/bin/python benchmarks/metrics.py                       # 1,000, 10,000 and 100,000 members
    .venv/bin/python benchmarks/metrics.py --sizes 1000 10000 --skip-reference-above 1000

Builds improvement-like networks (networkx powerlaw_cluster_graph: hubs, clustering, ~4 ties added
per member; a tenth of the members are organisations, members spread over 20 places) and, for each
size and each suite, runs one child process so that its peak memory (maxrss) is its own:

    snapshot   networks.metrics.compute_snapshot: every figure, roles and suggestions.
    views      networks.metrics.compute_views: the snapshot of all members, of people only and of
               organisations only, as a stored snapshot computes them (the secondary views sample
               betweenness above VIEW_EXACT_MAX_MEMBERS).
    igraph-views
               the igraph suite below on each of the three views, with the same sampling rule per
               view, including building the two projections: the floor for "views".
    igraph     the same metric suite written directly against igraph (convert once, then betweenness,
               closeness, path lengths and diameter, Louvain and modularity, constraint, k-core,
               clustering, bridges, articulation points, reach within two steps): the floor the
               snapshot is measured against. It ranks no suggestions.
    networkx   the same suite in plain networkx, the reference the ratio is given against. Above
               --skip-reference-above members it runs the all-sources metrics (betweenness,
               closeness, path lengths, diameter) from --reference-sources sources and scales their
               time by members/sources (each source costs the same search), and says so.

Each stage is timed in wall-clock seconds and in CPU seconds of the process (user + system): on a
shared machine the wall time grows with the load, the CPU time much less. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 1
PLACES = 20


def network_rows(n: int) -> tuple[list[dict], list[dict]]:
    import networkx as nx

    graph = nx.powerlaw_cluster_graph(n, 4, 0.3, seed=SEED)
    rng = random.Random(SEED)
    kinds = ["organisation" if rng.random() < 0.1 else "person" for _ in range(n)]
    organisations = [i for i, kind in enumerate(kinds) if kind == "organisation"]
    members = [
        {
            "id": i,
            "label": f"Member {i}",
            "kind": kinds[i],
            "community": f"Place {rng.randrange(PLACES)}" if rng.random() < 0.7 else "",
            "organisations": rng.sample(organisations, 1) if kinds[i] == "person" and organisations else [],
        }
        for i in range(n)
    ]
    ties = [{"source": u, "target": v, "strength": rng.randint(1, 5)} for u, v in graph.edges]
    return members, ties


class Stopwatch:
    """Wall and CPU seconds per stage; `scale` extrapolates a stage timed on a sample."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.last = (time.perf_counter(), cpu_seconds())

    def done(self, stage: str, scale: float = 1.0) -> None:
        now = (time.perf_counter(), cpu_seconds())
        self.wall[stage] = round((now[0] - self.last[0]) * scale, 4)
        self.cpu[stage] = round((now[1] - self.last[1]) * scale, 4)
        self.last = now

    def result(self) -> dict:
        return {
            "timings": {**self.wall, "total": round(sum(self.wall.values()), 4)},
            "cpu": {**self.cpu, "total": round(sum(self.cpu.values()), 4)},
        }


def cpu_seconds() -> float:
    # Our own and our finished children's: the snapshot hands half of its heaviest stages to a child.
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_snapshot(graph) -> dict:
    from networks import metrics

    watch = Stopwatch()
    snap = metrics.compute_snapshot(graph, progress=lambda percent, stage: watch.done(stage))
    return {**watch.result(), "method": snap["method"], "network": snap["network"]}


def run_views(graph) -> dict:
    """compute_views: the all-members, people-only and organisations-only snapshots, as stored."""
    from networks import metrics

    watch = Stopwatch()
    views = metrics.compute_views(graph, progress=lambda percent, stage: watch.done(stage))
    result = watch.result()
    result["views"] = _per_view(result)
    result["method"] = {name: view["method"] for name, view in views.items()}
    result["members"] = {name: view["network"]["members"] for name, view in views.items()}
    return result


def run_igraph_views(graph) -> dict:
    """The igraph suite on each of the three views, with the snapshot's sampling rule for each view."""
    from networks import metrics

    watch = Stopwatch()
    views = {
        "all": graph,
        "people": metrics.people_view(graph),
        "organisations": metrics.organisations_view(graph),
    }
    watch.done("all: build_views")
    for name, view in views.items():
        threshold = metrics.EXACT_MAX_MEMBERS if name == "all" else metrics.VIEW_EXACT_MAX_MEMBERS
        run_igraph(view, exact_threshold=threshold, watch=watch, prefix=f"{name}: ")
    result = watch.result()
    result["views"] = _per_view(result)
    return result


def _per_view(result: dict) -> dict:
    totals: dict[str, list[float]] = {}
    for stage, seconds in result["timings"].items():
        if ": " in stage:
            name = stage.split(": ", 1)[0]
            wall_cpu = totals.setdefault(name, [0.0, 0.0])
            wall_cpu[0] += seconds
            wall_cpu[1] += result["cpu"][stage]
    return {name: [round(w, 3), round(c, 3)] for name, (w, c) in totals.items()}


def run_igraph(graph, *, exact_threshold: int | None = None, watch=None, prefix: str = "") -> dict:
    import igraph
    import numpy as np

    from networks.metrics import EXACT_MAX_MEMBERS, SAMPLE_PIVOTS

    if exact_threshold is None:
        exact_threshold = EXACT_MAX_MEMBERS
    watch = watch or Stopwatch()

    def done(stage: str) -> None:
        watch.done(prefix + stage)

    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    n, m = len(nodes), graph.number_of_edges()
    edges = np.fromiter((index[x] for e in graph.edges() for x in e), dtype=np.int64, count=2 * m)
    g = igraph.Graph(n=n, edges=edges.reshape(-1, 2), directed=False)
    done("convert")
    components = g.connected_components()
    largest = components.giant()
    g.articulation_points()
    g.bridges()
    g.coreness()
    g.transitivity_local_undirected(mode="zero")
    g.transitivity_undirected()
    done("structure")
    g.neighborhood_size(order=2)
    done("reach2")
    if n < 2 or not m:
        done("empty")
        return watch.result()
    sampled = n > exact_threshold
    pivots = random.Random(SEED).sample(range(n), min(SAMPLE_PIVOTS, n)) if sampled else None
    g.betweenness(directed=False, sources=pivots) if sampled else g.betweenness(directed=False)
    done("betweenness")
    if sampled:
        total = np.zeros(n)
        for start in range(0, len(pivots), 32):
            dist = np.asarray(g.distances(source=pivots[start : start + 32]), dtype=float)
            dist[~np.isfinite(dist)] = 0
            total += dist.sum(axis=0)
        done("closeness_and_paths")
    else:
        g.closeness()
        largest.average_path_length(directed=False)
        done("closeness_and_paths")
        largest.diameter(directed=False)
        done("diameter")
    membership = g.community_multilevel().membership
    g.modularity(membership)
    done("communities")
    g.constraint()
    done("structural_holes")
    return watch.result()


def run_networkx(graph, *, sources: int | None) -> dict:
    import itertools

    import networkx as nx

    watch = Stopwatch()
    done = watch.done
    notes = []
    n = graph.number_of_nodes()
    scale = n / sources if sources else 1
    chosen = random.Random(SEED).sample(list(graph), sources) if sources else None
    largest = graph.subgraph(max(nx.connected_components(graph), key=len))
    nx.articulation_points(graph)
    list(nx.bridges(graph))
    nx.core_number(graph)
    nx.clustering(graph)
    nx.triangles(graph)
    nx.transitivity(graph)
    done("structure")
    pairs: dict[tuple, int] = {}
    for centre in graph:
        for a, b in itertools.combinations(sorted(graph[centre]), 2):
            if not graph.has_edge(a, b):
                pairs[a, b] = pairs.get((a, b), 0) + 1
    sorted(pairs.items(), key=lambda item: -item[1])[:100]
    for node in graph:
        nx.single_source_shortest_path_length(graph, node, cutoff=2)
    done("unclosed_pairs_and_reach2")
    if sources:
        nx.betweenness_centrality(graph, k=sources, seed=SEED)
        done("betweenness", scale)
        for node in chosen:
            nx.closeness_centrality(graph, u=node)
        done("closeness", scale)
        for node in chosen:
            nx.single_source_shortest_path_length(largest, node)
        # average_shortest_path_length and diameter each search from every member once.
        done("paths_and_diameter", scale * 2)
        notes.append(
            f"betweenness, closeness, paths and diameter timed on {sources} sources, scaled ×{scale:g}"
        )
    else:
        nx.betweenness_centrality(graph)
        done("betweenness")
        nx.closeness_centrality(graph)
        done("closeness")
        nx.average_shortest_path_length(largest)
        nx.diameter(largest)
        done("paths_and_diameter")
    communities = nx.community.louvain_communities(graph, seed=SEED)
    nx.community.modularity(graph, communities)
    done("communities")
    nx.constraint(graph)
    nx.effective_size(graph)
    done("structural_holes")
    return {**watch.result(), "notes": notes}


def child(n: int, suite: str, sources: int | None) -> dict:
    from networks import metrics

    start = time.perf_counter()
    members, ties = network_rows(n)
    generated = time.perf_counter() - start
    start = time.perf_counter()
    graph = metrics.build_graph(members, ties)
    built = time.perf_counter() - start
    del members, ties
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    if suite == "snapshot":
        result = run_snapshot(graph)
    elif suite == "igraph":
        result = run_igraph(graph)
    elif suite == "views":
        result = run_views(graph)
    elif suite == "igraph-views":
        result = run_igraph_views(graph)
    else:
        result = run_networkx(graph, sources=sources)
    result["wall"] = round(time.perf_counter() - start, 3)
    result["generate_seconds"] = round(generated, 3)
    result["build_graph_seconds"] = round(built, 3)
    result["ties"] = graph.number_of_edges()
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["rss_after_build_mb"] = round(rss_before, 1)
    return result


def spawn(n: int, suite: str, sources: int | None) -> dict:
    command = [sys.executable, __file__, "--child", str(n), suite, str(sources or 0)]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    import igraph
    import networkx
    import numpy
    import scipy

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "unknown CPU",
    )
    memory = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line
    )
    return (
        f"{os.cpu_count()} cores, {model}, {int(memory) / 1024**2:.1f} GiB RAM, "
        f"load average {os.getloadavg()[0]:.2f}; "
        f"Python {sys.version.split()[0]}, networkx {networkx.__version__}, igraph {igraph.__version__}, "
        f"numpy {numpy.__version__}, scipy {scipy.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument(
        "--skip-reference-above",
        type=int,
        default=1_000,
        metavar="N",
        help="above N members, scale the networkx all-sources metrics from a sample (default 1000)",
    )
    parser.add_argument(
        "--no-reference-above",
        type=int,
        default=10_000,
        metavar="N",
        help="above N members, skip the networkx reference altogether (default 10000)",
    )
    parser.add_argument("--reference-sources", type=int, default=200)
    parser.add_argument(
        "--suites",
        nargs="+",
        default=["snapshot", "igraph", "networkx", "views", "igraph-views"],
        choices=["snapshot", "igraph", "networkx", "views", "igraph-views"],
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        n, suite, sources = int(args.child[0]), args.child[1], int(args.child[2]) or None
        print(json.dumps(child(n, suite, sources)))
        return

    print(machine())
    results = {}
    for n in args.sizes:
        for suite in args.suites:
            if suite == "networkx" and n > args.no_reference_above:
                continue
            sources = (
                args.reference_sources if suite == "networkx" and n > args.skip_reference_above else None
            )
            result = spawn(n, suite, sources)
            results[f"{n}:{suite}"] = result
            stages = ", ".join(
                f"{stage} {seconds:.2f}/{result['cpu'][stage]:.2f}"
                for stage, seconds in result["timings"].items()
                if stage != "total"
            )
            print(
                f"{n:>7} members {result['ties']:>7} ties  {suite:<8} "
                f"wall {result['timings']['total']:8.2f} s  cpu {result['cpu']['total']:8.2f} s  "
                f"peak RSS {result['peak_rss_mb']:7.1f} MB "
                f"(graph built: {result['rss_after_build_mb']:.0f} MB)"
            )
            if "views" not in result:  # the views suites print a total per view (all stages: --json)
                print(f"        stages (wall/cpu s): {stages}")
            for note in result.get("notes", []):
                print(f"        note: {note}")
            if suite == "snapshot":
                print(f"        method: {json.dumps(result['method'])}")
            for name, (wall, cpu) in result.get("views", {}).items():
                line = f"        view {name}: wall {wall:.2f} s, cpu {cpu:.2f} s"
                how = result.get("method", {}).get(name)
                if how:
                    k = f", k = {how['k']}" if how["k"] else ""
                    line += f" ({result['members'][name]} members, {how['betweenness']} betweenness{k})"
                print(line)
            sys.stdout.flush()
        snapshot, floor = results.get(f"{n}:snapshot"), results.get(f"{n}:igraph")
        reference = results.get(f"{n}:networkx")
        views, views_floor = results.get(f"{n}:views"), results.get(f"{n}:igraph-views")
        for label, top, bottom in (
            ("snapshot / igraph alone", snapshot, floor),
            ("networkx / snapshot", reference, snapshot),
            ("three views / igraph alone on the three views", views, views_floor),
        ):
            if top and bottom:
                wall = top["timings"]["total"] / bottom["timings"]["total"]
                cpu = top["cpu"]["total"] / bottom["cpu"]["total"]
                print(f"        {label}: {wall:.2f}× wall, {cpu:.2f}× cpu")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))


if __name__ == "__main__":
    main()

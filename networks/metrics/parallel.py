"""The all-sources igraph computations, split in two so that a second core can take half.

igraph keeps the GIL and its C core is not thread-safe, so threads cannot share the work; a Celery
worker's pool processes may not fork pool children of their own either. So the other half runs in a
plain child process: this file, run as a script, reads ``(task, graph, items)`` pickled on stdin and
writes the result pickled on stdout (``-P``: its own folder is not put on the import path).

The split depends only on the work, never on the machine: above `MIN_SPLIT_WORK` the items are
always cut in the same two halves and the results combined in the same order, so the same network
gives the same figures with one core or two. With one core, or if the child cannot run, both halves
are computed here, one after the other.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Sequence

import igraph
import numpy as np

log = logging.getLogger(__name__)

# items × (members + ties): about 20–50 ns of igraph each. Below this (a second or so) starting a
# process costs more than it saves.
MIN_SPLIT_WORK = 50_000_000
# Pivots whose distances are summed in one call (each call holds len(block) × members floats).
DISTANCE_BLOCK = 32


def _betweenness(graph: igraph.Graph, sources: Sequence[int] | None) -> np.ndarray:
    sources = None if sources is None else list(sources)
    return np.asarray(graph.betweenness(directed=False, sources=sources), dtype=float)


def _closeness(graph: igraph.Graph, vertices: Sequence[int]) -> np.ndarray:
    return np.asarray(graph.closeness(vertices=list(vertices), normalized=True), dtype=float)


def _distance_totals(graph: igraph.Graph, sources: Sequence[int]) -> np.ndarray:
    total = np.zeros(graph.vcount())
    for start in range(0, len(sources), DISTANCE_BLOCK):
        dist = np.asarray(graph.distances(source=list(sources[start : start + DISTANCE_BLOCK])), dtype=float)
        dist[~np.isfinite(dist)] = 0
        total += dist.sum(axis=0)
    return total


_TASKS = {"betweenness": _betweenness, "closeness": _closeness, "distance_totals": _distance_totals}


def betweenness_sums(graph: igraph.Graph, sources: Sequence[int] | None, *, min_work: int | None = None):
    """igraph's undirected betweenness, from every member (None) or from `sources`; halves add up."""
    if sources is None:
        if not _worth_splitting(graph, graph.vcount(), min_work):
            return _betweenness(graph, None)
        sources = range(graph.vcount())
    first, second = _split("betweenness", graph, sources, min_work)
    return first if second is None else first + second


def closeness_of(graph: igraph.Graph, vertices: Sequence[int], *, min_work: int | None = None):
    """igraph's normalised closeness of `vertices`, in their order (NaN for a member with no ties)."""
    first, second = _split("closeness", graph, vertices, min_work)
    return first if second is None else np.concatenate([first, second])


def distance_totals(graph: igraph.Graph, sources: Sequence[int], *, min_work: int | None = None):
    """Per member, the sum of its distances from `sources` (unreachable counts 0)."""
    first, second = _split("distance_totals", graph, sources, min_work)
    return first if second is None else first + second


def _split(task: str, graph: igraph.Graph, items: Sequence[int], min_work: int | None):
    items = list(items)
    if len(items) < 2 or not _worth_splitting(graph, len(items), min_work):
        return _TASKS[task](graph, items), None
    half = (len(items) + 1) // 2
    here, there = items[:half], items[half:]
    child = _start(task, graph, there) if _cores() > 1 else None
    try:
        first = _TASKS[task](graph, here)
        # Closeness answers for the vertices asked; the sums, for every member.
        size = len(there) if task == "closeness" else graph.vcount()
        second = _finish(child, shape=(size,)) if child is not None else None
    finally:
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
    if second is None:
        second = _TASKS[task](graph, there)
    return first, second


def _worth_splitting(graph: igraph.Graph, items: int, min_work: int | None) -> bool:
    threshold = MIN_SPLIT_WORK if min_work is None else min_work
    return items * (graph.vcount() + graph.ecount()) >= threshold


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start(task: str, graph: igraph.Graph, items: list[int]) -> subprocess.Popen | None:
    if not sys.executable:
        return None
    try:
        child = subprocess.Popen(
            [sys.executable, "-P", os.path.abspath(__file__)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        # The child reads all of stdin before it starts, so this write cannot wait on it.
        child.stdin.write(pickle.dumps((task, graph, items), protocol=pickle.HIGHEST_PROTOCOL))
        child.stdin.close()
    except OSError:
        log.warning("could not start a second process for %s; computing it here", task, exc_info=True)
        return None
    return child


def _finish(child: subprocess.Popen, *, shape: tuple[int, ...]) -> np.ndarray | None:
    """The child's half, or None (computed here instead) unless it is whole: an array shaped like ours.

    A child killed mid-write (the OOM killer, a full pipe) can exit 0 with a truncated pickle.
    """
    data = child.stdout.read()
    if child.wait() != 0 or not data:
        log.warning("the second metrics process exited with %s; computing its half here", child.returncode)
        return None
    try:
        result = pickle.loads(data)  # our own child's output
    except Exception:
        log.warning("the second metrics process wrote %d unreadable bytes; computing it here", len(data))
        return None
    if not isinstance(result, np.ndarray) or result.dtype != float or result.shape != shape:
        log.warning("the second metrics process wrote a %s; computing its half here", type(result).__name__)
        return None
    return result


def _child() -> None:
    task, graph, items = pickle.load(sys.stdin.buffer)  # written by our parent process
    result = _TASKS[task](graph, items)
    pickle.dump(result, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    _child()

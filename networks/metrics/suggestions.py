"""Weaving suggestions: introductions, bridges between communities, relief for hubs, the periphery."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from .compute import _Neighbourhoods
from .graph import _Indexed
from .rules import RELIEVE_PAIRS_PER_HUB, SHARED_NAMED_IN_REASON, SPOKES_CONSIDERED, WELL_CONNECTED_CONSIDERED

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
            how = f"are joined by a single tie ({ix.labels[us[0]]} – {ix.labels[vs[0]]})"
        else:
            shared = [x for x in (int(us[0]), int(vs[0])) if np.all((us == x) | (vs == x))]
            if not shared:
                continue
            connectors = {shared[0]}
            how = f"meet only through {ix.labels[shared[0]]}"
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
            f"Two communities {how}. Introducing {ix.labels[pair[0]]} and "
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

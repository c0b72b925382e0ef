"""Thresholds for roles and suggestions, and the defaults of a snapshot: documented in the package."""

from __future__ import annotations

EXACT_MAX_MEMBERS = 15_000
# The people-only and organisations-only views are secondary: above this size their betweenness and
# closeness are sampled (recorded in their `method`), which halves a full snapshot at 10,000 members.
VIEW_EXACT_MAX_MEMBERS = 2_000
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

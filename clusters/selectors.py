"""Reads that span models: organisation ties for candidates, warnings and the cluster's figures."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, time
from itertools import combinations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from clusters.models import (
    ASSISTING_GROUP_SIZE,
    CLUSTER_SIZE,
    Attendance,
    ClusterSession,
    FollowUp,
    LearningCluster,
    PeerAssist,
    SessionTieEffect,
)
from networks.models import Member, MemberMetric, Network, Relationship, Snapshot
from networks.selectors import community_names, snapshot_current, snapshots_done, ties_across_communities
from weaver.lib.next_steps import NEXT_STEPS_LISTED, NextStep


def organisation_neighbours(*, network: Network, organisation_ids: set[int]) -> dict[int, set[int]]:
    """Which of these organisations are tied, directly or through their people (DESIGN.md's org view)."""
    wanted = set(organisation_ids)
    affiliation: dict[int, set[int]] = defaultdict(set)
    for person_id, org_id in Member.organisations.through.objects.filter(
        from_member__network=network,
        from_member__archived_at__isnull=True,
        to_member_id__in=wanted,
    ).values_list("from_member_id", "to_member_id"):
        affiliation[person_id].add(org_id)

    def orgs_of(member_id: int) -> set[int]:
        return {member_id} if member_id in wanted else affiliation.get(member_id, set())

    neighbours: dict[int, set[int]] = defaultdict(set)
    ties = Relationship.objects.active().filter(
        network=network, source__archived_at__isnull=True, target__archived_at__isnull=True
    )
    for source_id, target_id in ties.values_list("source_id", "target_id").iterator():
        for a in orgs_of(source_id):
            for b in orgs_of(target_id):
                if a != b:
                    neighbours[a].add(b)
                    neighbours[b].add(a)
    return dict(neighbours)


def detected_communities(*, network: Network, member_ids: Iterable[int]) -> dict[int, str]:
    """The community each of these members was placed in by the latest done snapshot, by name.

    A detected community is named after the community most of its members typed in (DESIGN.md's
    snapshot summaries), told apart as the map does when several share a name ("North A", "North B"),
    else "Community n"; members the snapshot did not place are left out.
    """
    ids = set(member_ids)
    latest = snapshots_done(network=network).values_list("pk", "communities").first() if ids else None
    if latest is None:
        return {}
    snapshot_id, communities = latest
    names = community_names([c for c in communities or [] if "id" in c])
    rows = MemberMetric.objects.filter(
        snapshot_id=snapshot_id, member_id__in=ids, community__isnull=False
    ).values_list("member_id", "community")
    return {member_id: names.get(c, f"Community {c + 1}") for member_id, c in rows}


def participant_communities(*, network: Network, participants) -> dict[int, str]:
    """Each participant's community: typed in (the organisation's, or a local project's own), else the
    organisation's detected community in the latest snapshot; participants with neither are left out.

    The participants may come from several clusters of the network: the snapshot is read once for all.
    """
    known = {p.pk: p.effective_community.strip() for p in participants if p.effective_community.strip()}
    blank = {p.pk: p.organisation_id for p in participants if p.pk not in known and p.organisation_id}
    detected = detected_communities(network=network, member_ids=blank.values()) if blank else {}
    known.update({pk: detected[org_id] for pk, org_id in blank.items() if org_id in detected})
    return known


def cluster_warnings(
    *, cluster: LearningCluster, participants=None, communities: dict[int, str] | None = None
) -> list[str]:
    """What is outside the cluster rules (size 6–12, more than one community): warnings, not errors.

    `participants` (with their organisations) and their `communities` (participant_communities) are
    read here unless given, as a list of clusters does to read them once for all.
    """
    if participants is None:
        participants = list(cluster.participants.select_related("organisation"))
    if communities is None:
        communities = participant_communities(network=cluster.network, participants=participants)
    warnings = []
    low, high = CLUSTER_SIZE
    count = len(participants)
    if count < low:
        warnings.append(
            f"The cluster has {count} organisation{'s' if count != 1 else ''} or project"
            f"{'s' if count != 1 else ''}; learning clusters work best with {low} to {high}."
        )
    elif count > high:
        warnings.append(
            f"The cluster has {count} organisations or projects; learning clusters work best with "
            f"{low} to {high}. Consider splitting it."
        )
    known = {p.pk: communities[p.pk] for p in participants if p.pk in communities}
    if len(known) >= 2 and len({c.lower() for c in known.values()}) == 1:
        community = next(iter(known.values()))
        who = (
            "All participants"
            if len(known) == count
            else f"All the participants whose community is known ({len(known)} of {count})"
        )
        warnings.append(
            f"{who} come from one community ({community}); "
            "a cluster learns more, and weaves more new ties, across communities."
        )
    return warnings


def peer_assist_warnings(*, peer_assist: PeerAssist) -> list[str]:
    """A warning when the assisting group is outside 5–12 people."""
    count = peer_assist.assisting.count()
    low, high = ASSISTING_GROUP_SIZE
    if low <= count <= high:
        return []
    return [
        f"The assisting group has {count} {'person' if count == 1 else 'people'}; "
        f"a peer assist works best with {low} to {high}."
    ]


def cluster_stats(*, cluster: LearningCluster) -> dict:
    """The cluster's figures: attendance rate, peer assists, follow-ups and the ties it wove.

    The attendance rate is over every (person of the cluster, session already held) pair, so someone
    nobody ticked counts as absent; peer assists count only once their session has been held. New ties
    across communities join two of the communities the latest done snapshot detected (None before the
    first one); ties with an end it has not placed yet are counted apart as unplaced.
    """
    now = timezone.now()
    sessions = cluster.sessions.aggregate(total=Count("id"), held=Count("id", filter=Q(starts_at__lte=now)))
    people = cluster.people.count()
    attendance = Attendance.objects.filter(session__cluster=cluster).aggregate(
        records=Count("id"),
        attended=Count(
            "id",
            filter=Q(
                attended=True,
                session__starts_at__lte=now,
                person__in=cluster.people.values("person_id"),
            ),
        ),
    )
    expected = people * sessions["held"]
    follow_ups = FollowUp.objects.filter(peer_assist__session__cluster=cluster).aggregate(
        total=Count("id"), done=Count("id", filter=Q(status=FollowUp.Status.DONE))
    )
    effects = list(
        SessionTieEffect.objects.filter(session__cluster=cluster).values_list(
            "person_a_id", "person_b_id", "relationship_id", "created_tie"
        )
    )
    created = [(a, b) for a, b, _, created_tie in effects if created_tie]
    # Typed-in communities would miss everyone who has none; the map's detected ones do not.
    latest = snapshot_current(network=cluster.network)
    crossings = ties_across_communities(snapshot=latest, ties=created) if latest else None
    return {
        "sessions": sessions["total"],
        "sessions_held": sessions["held"],
        "people": people,
        "attendance_records": attendance["records"],
        "attendance_expected": expected,
        "attended": attendance["attended"],
        "attendance_rate": round(attendance["attended"] / expected, 3) if expected else None,
        "peer_assists": PeerAssist.objects.filter(
            session__cluster=cluster, session__starts_at__lte=now
        ).count(),
        "follow_ups": follow_ups["total"],
        "follow_ups_done": follow_ups["done"],
        "ties_created": len(created),
        "ties_strengthened": len({tie for _, _, tie, created_tie in effects if not created_tie}),
        "ties_created_across_communities": crossings.across if crossings else None,
        "ties_created_unplaced": crossings.unplaced if crossings else 0,
        "communities_as_of": latest.finished_at if latest else None,
    }


def _cluster_started_at(cluster: LearningCluster) -> datetime:
    """When the cluster started: its start date or first session, whichever is earlier, else its creation."""
    first_session = cluster.sessions.order_by("starts_at").values_list("starts_at", flat=True).first()
    moments = [first_session] if first_session else []
    if cluster.starts_on:
        moments.append(timezone.make_aware(datetime.combine(cluster.starts_on, time.min)))
    return min(moments) if moments else cluster.created_at


def _ties_touching_as_of(*, snapshot: Snapshot, ids: set[int]) -> set[tuple[int, int]]:
    """Pairs with an active tie when the snapshot read the graph, at least one end in `ids`.

    The same reading of the change history as networks.selectors.snapshot_compare, limited to the
    cluster's members so a cluster page does not read the whole network's history.
    """
    when = snapshot.started_at or snapshot.finished_at
    latest: dict[int, tuple] = {}
    rows = (
        Relationship.history.filter(network_id=snapshot.network_id, history_date__lte=when)
        .filter(Q(source_id__in=ids) | Q(target_id__in=ids))
        .latest_of_each()
        .order_by("history_date", "history_id")
        .values_list("id", "source_id", "target_id", "ended_on", "history_type")
    )
    for row in rows:
        latest[row[0]] = row
    pairs = {
        (min(source, target), max(source, target))
        for _, source, target, ended_on, history_type in latest.values()
        if history_type != "-" and ended_on is None
    }
    # Only members the snapshot counted (archived members are left out of the figures).
    ends = {m for pair in pairs for m in pair}
    counted = set(
        MemberMetric.objects.filter(snapshot=snapshot, member_id__in=ends).values_list("member_id", flat=True)
    )
    return {(a, b) for a, b in pairs if a in counted and b in counted}


def _change_among(*, cluster: LearningCluster, older: Snapshot, newer: Snapshot) -> dict:
    """New ties among the cluster's people and organisations between two snapshots, and triangles closed."""
    ids = set(cluster.people.values_list("person_id", flat=True)) | set(
        cluster.participants.filter(organisation__isnull=False).values_list("organisation_id", flat=True)
    )
    before = _ties_touching_as_of(snapshot=older, ids=ids)
    after = _ties_touching_as_of(snapshot=newer, ids=ids)
    new_ties = sorted((a, b) for a, b in after - before if a in ids and b in ids)
    contacts: dict[int, set[int]] = defaultdict(set)
    for a, b in before:
        contacts[a].add(b)
        contacts[b].add(a)
    closed = [(a, b, contacts[a] & contacts[b]) for a, b in new_ties if contacts[a] & contacts[b]]
    shown = {m for pair in new_ties for m in pair} | {m for *_, shared in closed for m in shared}
    names = dict(Member.objects.filter(pk__in=shown).values_list("id", "name"))

    def member(pk):
        return {"id": pk, "name": names.get(pk, f"#{pk}")}

    def pair(a, b):
        first, second = sorted((member(a), member(b)), key=lambda m: (m["name"].casefold(), m["id"]))
        return {"a": first, "b": second}

    def by_name(pairs):
        return sorted(pairs, key=lambda p: (p["a"]["name"].casefold(), p["b"]["name"].casefold()))

    return {
        "new_ties": by_name(pair(a, b) for a, b in new_ties),
        "triangles_closed": by_name(
            {**pair(a, b), "shared": sorted((member(m) for m in shared), key=lambda m: m["name"].casefold())}
            for a, b, shared in closed
        ),
    }


def cluster_network_effect(*, cluster: LearningCluster) -> dict | None:
    """What the metrics snapshots say about the cluster: its learning ties across detected communities,
    and the new ties and closed triangles among its participants since the snapshot before it started.

    None when the network has no done snapshot yet.
    """
    latest = snapshot_current(network=cluster.network)
    if latest is None:
        return None
    tie_ids = set(
        SessionTieEffect.objects.filter(session__cluster=cluster, relationship__isnull=False).values_list(
            "relationship_id", flat=True
        )
    )
    ties = list(Relationship.objects.active().filter(pk__in=tie_ids).values_list("source_id", "target_id"))
    crossings = ties_across_communities(snapshot=latest, ties=ties)

    started_at = _cluster_started_at(cluster)
    baseline = snapshots_done(network=cluster.network).filter(finished_at__lt=started_at).first()
    change = None
    if baseline is not None and baseline.pk != latest.pk:
        change = _change_among(cluster=cluster, older=baseline, newer=latest)
    return {
        "snapshot": latest,
        "learning_ties": len(ties),
        "learning_ties_unplaced": crossings.unplaced,
        "learning_ties_across_communities": crossings.across,
        "baseline": baseline,
        "change": change,
    }


def attendee_pairs(person_ids) -> list[tuple[int, int]]:
    """Every unordered pair of these people, smaller id first (the order SessionTieEffect stores)."""
    return list(combinations(sorted(set(person_ids)), 2))


def _session_url(session: ClusterSession, slug: str) -> str:
    return reverse("clusters:session-detail", args=[slug, session.cluster_id, session.pk])


def next_steps(*, user, network: Network) -> list[NextStep]:
    """Facilitators: the next session, attendance to record, open follow-ups; members: their clusters."""
    if not user.is_authenticated:
        return []
    slug = network.slug
    now = timezone.now()
    steps = []
    live = LearningCluster.objects.filter(network=network).exclude(status=LearningCluster.Status.ENDED)
    facilitated = live.filter(facilitators=user)
    sessions = ClusterSession.objects.filter(cluster__in=facilitated).select_related("cluster")
    upcoming = sessions.filter(starts_at__gte=now).order_by("starts_at", "pk").first()
    if upcoming is not None:
        steps.append(
            NextStep(
                "facilitator", f"Next session: {upcoming.display_title}", _session_url(upcoming, slug),
                due=timezone.localdate(upcoming.starts_at), detail=upcoming.cluster.name,
            )
        )  # fmt: skip
    unrecorded = list(
        sessions.filter(starts_at__lt=now)
        .annotate(present=Count("attendance"))
        .filter(present=0)
        .order_by("starts_at", "pk")
    )
    if unrecorded:
        steps.append(
            NextStep(
                "facilitator", "Past sessions with no attendance recorded", _session_url(unrecorded[0], slug),
                count=len(unrecorded), due=timezone.localdate(unrecorded[0].starts_at),
            )
        )  # fmt: skip
    follow_ups = (
        FollowUp.objects.filter(peer_assist__session__cluster__in=facilitated, status=FollowUp.Status.OPEN)
        .values("peer_assist__session__cluster_id")
        .annotate(open=Count("pk"))
        .order_by("peer_assist__session__cluster_id")
    )
    for row in follow_ups:
        steps.append(
            NextStep(
                "facilitator", "Open follow-ups",
                reverse("clusters:cluster-detail", args=[slug, row["peer_assist__session__cluster_id"]]),
                count=row["open"],
            )
        )  # fmt: skip
    mine = list(live.filter(people__person__user=user).distinct().order_by("name", "pk")[:NEXT_STEPS_LISTED])
    for cluster in mine:
        steps.append(
            NextStep(
                "member", f"Your cluster “{cluster.name}”",
                reverse("clusters:cluster-detail", args=[slug, cluster.pk]),
            )
        )  # fmt: skip
    coming = (
        ClusterSession.objects.filter(cluster__in=mine, starts_at__gte=now)
        .select_related("cluster")
        .order_by("starts_at", "pk")
        .first()
    )
    if coming is not None:
        steps.append(
            NextStep(
                "member", f"Your next session: {coming.display_title}", _session_url(coming, slug),
                due=timezone.localdate(coming.starts_at), detail=coming.cluster.name,
            )
        )  # fmt: skip
    return steps

"""Reads that span models: the metric graph's rows, the current snapshot."""

from django.db.models import Max

from networks.models import Member, Network, Relationship, Snapshot


def network_graph_rows(*, network: Network) -> tuple[list[dict], list[dict]]:
    """Active members and active ties (strongest per pair) as plain rows for networks.metrics."""
    members = list(
        Member.objects.active()
        .filter(network=network)
        .order_by("id")
        .values("id", "name", "kind", "community", "email")
    )
    affiliations: dict[int, list[int]] = {}
    for person_id, org_id in Member.organisations.through.objects.filter(
        from_member__network=network, from_member__archived_at__isnull=True
    ).values_list("from_member_id", "to_member_id"):
        affiliations.setdefault(person_id, []).append(org_id)
    for row in members:
        row["label"] = row.pop("name")
        row["organisations"] = sorted(affiliations.get(row["id"], []))

    ties = list(
        Relationship.objects.active()
        .filter(network=network, source__archived_at__isnull=True, target__archived_at__isnull=True)
        .values("source_id", "target_id")
        .annotate(strength=Max("strength"))
        .order_by("source_id", "target_id")
    )
    return members, [
        {"source": t["source_id"], "target": t["target_id"], "strength": t["strength"]} for t in ties
    ]


def snapshot_current(*, network: Network) -> Snapshot | None:
    """The latest done snapshot: what pages and the API show (a running or failed one never replaces it)."""
    return (
        Snapshot.objects.filter(network=network, status=Snapshot.Status.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )


def snapshot_pending(*, network: Network) -> Snapshot | None:
    """The queued or running snapshot, if any (for progress bars)."""
    return (
        Snapshot.objects.filter(network=network, status__in=[Snapshot.Status.QUEUED, Snapshot.Status.RUNNING])
        .order_by("-created_at")
        .first()
    )

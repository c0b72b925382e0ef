"""Cluster-level access, on top of networks.permissions (which decides who sees the network at all).

Coordinators and the cluster's facilitators manage a cluster; people who take part in it read it;
anyone else in the network does not see it (404), like outsiders to the network.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from clusters.models import (
    ClusterParticipant,
    ClusterPerson,
    ClusterSession,
    FollowUp,
    LearningCluster,
    Lesson,
    PeerAssist,
)
from networks.models import Network, Role
from networks.permissions import can_edit, has_role


def can_create_cluster(user, network: Network) -> bool:
    return can_edit(user, network) or has_role(user, network, Role.FACILITATOR)


def is_facilitator(user, cluster: LearningCluster) -> bool:
    return user.is_authenticated and cluster.facilitators.filter(pk=user.pk).exists()


def takes_part(user, cluster: LearningCluster) -> bool:
    return user.is_authenticated and cluster.people.filter(person__user=user).exists()


def can_manage_cluster(user, cluster: LearningCluster) -> bool:
    return can_edit(user, cluster.network) or is_facilitator(user, cluster)


def can_view_cluster(user, cluster: LearningCluster) -> bool:
    return can_manage_cluster(user, cluster) or takes_part(user, cluster)


def clusters_for_user(user, network: Network) -> QuerySet[LearningCluster]:
    """The network's clusters this user may see (the network itself is already authorised)."""
    clusters = LearningCluster.objects.filter(network=network)
    if can_edit(user, network):
        return clusters
    if not user.is_authenticated:
        return clusters.none()
    return clusters.filter(Q(facilitators=user) | Q(people__person__user=user)).distinct()


def get_cluster_for_user(user, network: Network, pk, *, manage: bool = False) -> LearningCluster:
    """The cluster if the user may see it (404 otherwise) and manage it with manage=True (else 403)."""
    try:
        cluster = clusters_for_user(user, network).select_related("network").get(pk=int(pk))
    except (LearningCluster.DoesNotExist, ValueError, TypeError):
        raise Http404("No such cluster in this network.") from None
    if manage and not can_manage_cluster(user, cluster):
        raise PermissionDenied(
            "Only the network's coordinators and the cluster's facilitators can change this."
        )
    return cluster


def _get(queryset, pk, what: str):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {what} in this cluster.") from None


def get_session(cluster: LearningCluster, pk) -> ClusterSession:
    return _get(
        ClusterSession.objects.select_related("cluster__network").filter(cluster=cluster), pk, "session"
    )


def get_peer_assist(cluster: LearningCluster, pk) -> PeerAssist:
    return _get(
        PeerAssist.objects.select_related("session__cluster__network", "presenter__organisation").filter(
            session__cluster=cluster
        ),
        pk,
        "peer assist",
    )


def get_follow_up(cluster: LearningCluster, pk) -> FollowUp:
    return _get(FollowUp.objects.filter(peer_assist__session__cluster=cluster), pk, "follow-up")


def get_lesson(cluster: LearningCluster, pk) -> Lesson:
    return _get(Lesson.objects.filter(cluster=cluster), pk, "lesson")


def get_participant(cluster: LearningCluster, pk) -> ClusterParticipant:
    return _get(cluster.participants.select_related("organisation"), pk, "participant")


def get_cluster_person(cluster: LearningCluster, pk) -> ClusterPerson:
    return _get(cluster.people.select_related("person"), pk, "person")

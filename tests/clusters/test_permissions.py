import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from clusters.permissions import (
    can_create_cluster,
    can_manage_cluster,
    clusters_for_user,
    get_cluster_for_user,
    get_session,
)
from networks.permissions import get_network_for_user
from tests.clusters.factories import ClusterFactory, SessionFactory


def test_alice_the_coordinator_manages_every_cluster(network, alice, cluster):
    assert get_cluster_for_user(alice, network, cluster.pk, manage=True) == cluster
    assert can_create_cluster(alice, network)


def test_the_facilitator_manages_their_cluster_but_does_not_see_others(network, dave, cluster):
    other = ClusterFactory(network=network)
    assert get_cluster_for_user(dave, network, cluster.pk, manage=True) == cluster
    assert list(clusters_for_user(dave, network)) == [cluster]
    with pytest.raises(Http404):
        get_cluster_for_user(dave, network, other.pk)


def test_bob_reads_the_cluster_he_takes_part_in_but_cannot_manage_it(network, bob_in_cluster, cluster):
    bob = bob_in_cluster
    assert get_cluster_for_user(bob, network, cluster.pk) == cluster
    assert not can_manage_cluster(bob, cluster)
    with pytest.raises(PermissionDenied):
        get_cluster_for_user(bob, network, cluster.pk, manage=True)
    assert not can_create_cluster(bob, network)


def test_bob_does_not_see_a_cluster_he_takes_no_part_in(network, bob, cluster):
    with pytest.raises(Http404):
        get_cluster_for_user(bob, network, cluster.pk)
    assert not clusters_for_user(bob, network).exists()


def test_charlie_the_outsider_gets_a_404_for_the_network_and_for_its_clusters(
    network, other_network, charlie, cluster
):
    with pytest.raises(Http404):
        get_network_for_user(charlie, network.slug)
    with pytest.raises(Http404):
        get_cluster_for_user(charlie, other_network, cluster.pk)


def test_a_session_of_another_cluster_is_a_404(network, cluster):
    stray = SessionFactory(cluster=ClusterFactory(network=network))
    with pytest.raises(Http404):
        get_session(cluster, stray.pk)
    with pytest.raises(Http404):
        get_session(cluster, "not-a-number")

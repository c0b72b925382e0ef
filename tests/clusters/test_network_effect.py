import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clusters.handbook import handbook_html, handbook_markdown
from clusters.selectors import cluster_network_effect, cluster_stats
from clusters.services import attendance_record
from networks import snapshots
from networks.models import MemberMetric, Snapshot
from networks.selectors import snapshot_compare
from tests.clusters.factories import ClusterPersonFactory, SessionFactory
from tests.factories import PASSWORD, MemberFactory, RelationshipFactory


def compute(network) -> Snapshot:
    # Attendance writes ties, which may already have queued a snapshot: compute that one.
    queued = Snapshot.objects.filter(network=network, status=Snapshot.Status.QUEUED).first()
    return snapshots.snapshot_compute(snapshot_id=(queued or Snapshot.objects.create(network=network)).pk)


@pytest.fixture
def two_valleys(network):
    """Two close-knit groups of five (a1..a5, b1..b5) joined only by a1 – b1."""
    people = {
        f"{side}{i}": MemberFactory(network=network, name=f"{side.upper()}{i}")
        for side in "ab"
        for i in range(1, 6)
    }
    for side in "ab":
        group = [people[f"{side}{i}"] for i in range(1, 6)]
        for i, source in enumerate(group):
            for target in group[i + 1 :]:
                RelationshipFactory(network=network, source=source, target=target)
    RelationshipFactory(network=network, source=people["a1"], target=people["b1"])
    return people


@pytest.fixture
def woven(network, alice, cluster, two_valleys):
    """A snapshot before the cluster's first session, then A1, A2 and B2 attend it, then a snapshot."""
    before = compute(network)
    attendees = [two_valleys[k] for k in ("a1", "a2", "b2")]
    for person in attendees:
        ClusterPersonFactory(cluster=cluster, person=person)
    session = SessionFactory(cluster=cluster, starts_at=timezone.now())
    attendance_record(user=alice, session=session, attended=attendees)
    # A tie outside the cluster, so the comparison has something to leave out.
    RelationshipFactory(network=network, source=two_valleys["a5"], target=two_valleys["b5"])
    return before, compute(network)


def login(client, user):
    client.login(request=RequestFactory().post("/"), username=user.username, password=PASSWORD)
    return client


def test_the_clusters_learning_ties_across_detected_communities_come_from_the_latest_snapshot(
    cluster, two_valleys, woven
):
    before, latest = woven
    community = dict(MemberMetric.objects.filter(snapshot=latest).values_list("member__name", "community"))
    assert community["A1"] == community["A2"] != community["B2"]  # the groups were found as communities
    effect = cluster_network_effect(cluster=cluster)
    assert effect["snapshot"] == latest and effect["baseline"] == before
    assert effect["learning_ties"] == 3
    assert effect["learning_ties_across_communities"] == 2  # A1 – B2 and A2 – B2, not A1 – A2
    assert effect["learning_ties_unplaced"] == 0


def test_the_change_since_before_the_cluster_counts_only_ties_among_its_people(cluster, woven):
    change = cluster_network_effect(cluster=cluster)["change"]
    new_ties = sorted((p["a"]["name"], p["b"]["name"]) for p in change["new_ties"])
    assert new_ties == [("A1", "B2"), ("A2", "B2")]
    # A1 and B2 shared B1 before the cluster; A2 and B2 had no one in common.
    assert [(p["a"]["name"], p["b"]["name"]) for p in change["triangles_closed"]] == [("A1", "B2")]


def test_ties_newer_than_the_latest_snapshot_are_counted_apart(network, alice, cluster, two_valleys, woven):
    later = SessionFactory(cluster=cluster, starts_at=timezone.now())
    newcomer = MemberFactory(network=network, name="Newcomer")
    ClusterPersonFactory(cluster=cluster, person=newcomer)
    attendance_record(user=alice, session=later, attended=[two_valleys["a1"], newcomer])
    effect = cluster_network_effect(cluster=cluster)
    assert effect["learning_ties"] == 4 and effect["learning_ties_unplaced"] == 1


def test_without_a_snapshot_before_the_cluster_there_is_no_change_to_show(
    network, alice, cluster, two_valleys
):
    session = SessionFactory(cluster=cluster, starts_at=timezone.now())
    for key in ("a1", "b2"):
        ClusterPersonFactory(cluster=cluster, person=two_valleys[key])
    attendance_record(user=alice, session=session, attended=[two_valleys["a1"], two_valleys["b2"]])
    compute(network)
    effect = cluster_network_effect(cluster=cluster)
    assert effect["baseline"] is None and effect["change"] is None
    assert effect["learning_ties_across_communities"] == 1


def test_the_cluster_page_shows_the_network_effect_to_alice_the_facilitator_and_bob_taking_part(
    client, network, cluster, alice, dave, bob_in_cluster, woven
):
    url = reverse("clusters:cluster-detail", args=[network.slug, cluster.pk])
    for user in (alice, dave, bob_in_cluster):
        response = login(client, user).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "What the network map shows" in html
        assert "join people in different communities of the network map" in html
        assert "triangle closed" in html
        assert response.context["effect"]["learning_ties_across_communities"] == 2


def test_charlie_from_another_network_gets_404_for_the_cluster_page(client, network, cluster, charlie, woven):
    url = reverse("clusters:cluster-detail", args=[network.slug, cluster.pk])
    assert login(client, charlie).get(url).status_code == 404


def test_without_any_snapshot_the_page_says_so_and_links_to_the_dashboard(client, network, alice, cluster):
    response = login(client, alice).get(reverse("clusters:cluster-detail", args=[network.slug, cluster.pk]))
    html = response.content.decode()
    assert response.context["effect"] is None
    assert "have not been calculated yet" in html
    assert reverse("networks:dashboard", args=[network.slug]) in html
    assert "New ties woven" in html  # the attendance-based figures stay


def api_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_stats_api_carries_the_network_map_figures_for_those_who_may_read(
    network, cluster, dave, bob_in_cluster, charlie, woven
):
    url = f"/api/v1/networks/{network.slug}/clusters/{cluster.pk}/stats/"
    before, latest = woven
    for user in (dave, bob_in_cluster):
        body = api_client(user).get(url).json()
        assert body["network_map"] == {
            "snapshot": latest.pk,
            "learning_ties": 3,
            "learning_ties_across_communities": 2,
            "learning_ties_unplaced": 0,
            "baseline": before.pk,
            "new_ties": 2,
            "triangles_closed": 1,
        }
        assert (body["ties_created"], body["ties_created_across_communities"]) == (3, 2)
        assert body["ties_created_unplaced"] == 0
    assert api_client(charlie).get(url).status_code == 404


def test_the_stats_api_says_null_before_any_snapshot(network, alice, cluster):
    body = api_client(alice).get(f"/api/v1/networks/{network.slug}/clusters/{cluster.pk}/stats/").json()
    assert body["network_map"] is None and body["ties_created"] == 0
    assert body["ties_created_across_communities"] is None and body["ties_created_unplaced"] == 0


def test_unticking_over_the_api_reports_the_ended_tie(network, dave, cluster, two_valleys):
    session = SessionFactory(cluster=cluster)
    url = f"/api/v1/networks/{network.slug}/sessions/{session.pk}/attendance/"
    a1, b2 = two_valleys["a1"], two_valleys["b2"]
    for person in (a1, b2):
        ClusterPersonFactory(cluster=cluster, person=person)
    first = api_client(dave).post(url, {"attended": [a1.pk, b2.pk]}, format="json").json()
    undone = api_client(dave).post(url, {"attended": [a1.pk], "absent": [b2.pk]}, format="json").json()
    assert undone["ties_ended"] == first["ties_created"] and undone["ties_weakened"] == []


def test_the_cluster_change_agrees_with_the_networks_own_comparison(cluster, woven):
    before, latest = woven
    ids = set(cluster.people.values_list("person_id", flat=True))
    whole = snapshot_compare(older=before, newer=latest)

    def among(pairs):
        return [p for p in pairs if p["a"]["id"] in ids and p["b"]["id"] in ids]

    change = cluster_network_effect(cluster=cluster)["change"]
    assert change["new_ties"] == among(whole["new_ties"])
    assert change["triangles_closed"] == among(whole["triangles_closed"])


# The headline "New ties across communities": the ties the cluster created, in detected communities


def test_new_ties_across_communities_are_counted_in_the_latest_snapshots_detected_communities(
    cluster, two_valleys, woven
):
    # Everyone typed in the same community ("North"), yet the map found the two valleys.
    assert {m.community for m in two_valleys.values()} == {"North"}
    stats = cluster_stats(cluster=cluster)
    assert stats["ties_created"] == 3  # learning ties A1 – A2, A1 – B2 and A2 – B2
    assert stats["ties_created_across_communities"] == 2  # not A1 – A2, in one valley
    assert stats["ties_created_unplaced"] == 0
    assert stats["communities_as_of"] == woven[1].finished_at


def test_a_typed_in_community_in_common_does_not_stop_a_tie_counting_across_detected_ones(
    network, alice, cluster, two_valleys, woven
):
    # A3 and B3 typed in one community, but the map put them in different valleys.
    two_valleys["a3"].community, two_valleys["b3"].community = "Hills", "Hills"
    for key in ("a3", "b3"):
        two_valleys[key].save()
        ClusterPersonFactory(cluster=cluster, person=two_valleys[key])
    later = SessionFactory(cluster=cluster, starts_at=timezone.now())
    attendance_record(user=alice, session=later, attended=[two_valleys["a3"], two_valleys["b3"]])
    stats = cluster_stats(cluster=cluster)
    assert (stats["ties_created"], stats["ties_created_across_communities"]) == (4, 3)


def test_new_ties_with_people_newer_than_the_snapshot_are_counted_apart_and_the_page_says_so(
    client, network, alice, cluster, two_valleys, woven
):
    newcomer = MemberFactory(network=network, name="Newcomer", community="Elsewhere")
    ClusterPersonFactory(cluster=cluster, person=newcomer)
    later = SessionFactory(cluster=cluster, starts_at=timezone.now())
    attendance_record(user=alice, session=later, attended=[two_valleys["a1"], newcomer])
    stats = cluster_stats(cluster=cluster)
    assert (stats["ties_created"], stats["ties_created_across_communities"]) == (4, 2)
    assert stats["ties_created_unplaced"] == 1
    page = login(client, alice).get(reverse("clusters:cluster-detail", args=[network.slug, cluster.pk]))
    help_text = page.content.decode()
    assert "join people the network map put in different communities" in help_text
    assert "1 new tie involves people newer than these figures" in help_text


def test_before_any_snapshot_new_ties_across_communities_are_not_counted_and_the_page_says_why(
    client, network, alice, cluster, two_valleys
):
    a1, b2 = two_valleys["a1"], two_valleys["b2"]
    b2.community = "South"  # typed in differently: still not a count without the map
    b2.save()
    for person in (a1, b2):
        ClusterPersonFactory(cluster=cluster, person=person)
    attendance_record(
        user=alice, session=SessionFactory(cluster=cluster, starts_at=timezone.now()), attended=[a1, b2]
    )
    assert not Snapshot.objects.filter(network=network, status=Snapshot.Status.DONE).exists()
    stats = cluster_stats(cluster=cluster)
    assert stats["ties_created"] == 1
    assert stats["ties_created_across_communities"] is None and stats["ties_created_unplaced"] == 0
    page = login(client, alice).get(reverse("clusters:cluster-detail", args=[network.slug, cluster.pk]))
    html = page.content.decode()
    headline = '<div class="stat">–</div><div class="text-body-secondary small">New ties across communities'
    assert headline in html
    assert "counted from the communities the network map detects, once the network's figures are" in html
    assert "New ties woven: 1 (ties across communities are counted once the network's figures are " in (
        handbook_markdown(cluster=cluster)
    )


def test_the_handbook_counts_new_ties_across_the_communities_the_map_detected(cluster, woven):
    as_of = timezone.localtime(woven[1].finished_at)
    expected = f"New ties woven: 3 (2 across the communities the network map detected on {as_of:%d %B %Y})"
    assert expected in handbook_markdown(cluster=cluster)
    assert f"New ties woven: 3 (2 across the communities the network map detected on {as_of.day} " in (
        handbook_html(cluster=cluster)
    )

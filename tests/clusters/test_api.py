import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clusters.models import LearningCluster
from clusters.selectors import cluster_warnings
from clusters.services import peer_assist_create
from networks.models import MemberMetric, Relationship, Role, Snapshot
from networks.services import tags_resolve
from tests.clusters.factories import ClusterFactory, ClusterPersonFactory, ParticipantFactory, SessionFactory
from tests.factories import MemberFactory, OrganisationFactory, RoleFactory, UserFactory

BASE = "/api/v1/networks/healthy-valleys"


@pytest.fixture
def api():
    def make(user=None):
        client = APIClient()
        client.default_format = "json"  # the API reads JSON bodies only
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def session(cluster):
    return SessionFactory(cluster=cluster)


@pytest.fixture
def peer_assist(alice, cluster, session):
    pa, _ = peer_assist_create(
        user=alice, session=session, presenter=ParticipantFactory(cluster=cluster), challenge="Rain"
    )
    return pa


def paths(cluster, session, peer_assist):
    return [
        "/clusters/",
        f"/clusters/{cluster.pk}/",
        f"/clusters/{cluster.pk}/stats/",
        f"/clusters/{cluster.pk}/handbook/",
        f"/sessions/{session.pk}/",
        f"/peer-assists/{peer_assist.pk}/",
        "/lessons/",
    ]


def test_alice_and_the_facilitator_read_everything_of_the_cluster(
    api, alice, dave, cluster, session, peer_assist
):
    for user in (alice, dave):
        for path in paths(cluster, session, peer_assist):
            assert api(user).get(BASE + path).status_code == 200, (user, path)


def test_bob_reads_the_cluster_he_takes_part_in_but_cannot_change_it(
    api, bob_in_cluster, cluster, session, peer_assist
):
    client = api(bob_in_cluster)
    for path in paths(cluster, session, peer_assist):
        assert client.get(BASE + path).status_code == 200, path
    assert client.patch(f"{BASE}/clusters/{cluster.pk}/", {"name": "Mine"}).status_code == 403
    assert client.post(f"{BASE}/sessions/{session.pk}/attendance/", {"attended": []}).status_code == 403
    assert client.post(f"{BASE}/clusters/", {"name": "New"}).status_code == 403
    assert client.post(f"{BASE}/lessons/", {"cluster": cluster.pk, "text": "x"}).status_code == 403


def test_bob_does_not_see_a_cluster_he_takes_no_part_in(api, bob, cluster, session, peer_assist):
    client = api(bob)
    assert client.get(f"{BASE}/clusters/").json()["count"] == 0
    for path in paths(cluster, session, peer_assist)[1:-1]:
        assert client.get(BASE + path).status_code == 404, path


def test_charlie_gets_404_and_anonymous_gets_401(api, charlie, cluster, session, peer_assist):
    for path in paths(cluster, session, peer_assist):
        assert api(charlie).get(BASE + path).status_code == 404, path
        assert api().get(BASE + path).status_code == 401, path


def test_creating_a_cluster_returns_its_warnings(api, network, alice):
    orgs = [OrganisationFactory(network=network, community="North").pk for _ in range(3)]
    response = api(alice).post(
        f"{BASE}/clusters/",
        {"name": "Walkers", "strategy_tags": ["Walking"], "organisations": orgs},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["participants"]) == 3 and body["strategy_tags"] == ["Walking"]
    assert len(body["warnings"]) == 2  # too small, and one community only


def test_adding_a_participant_returns_the_cluster_with_it(api, network, alice, cluster):
    ParticipantFactory(cluster=cluster, organisation__name="Ash")
    birch = OrganisationFactory(network=network, name="Birch")
    response = api(alice).post(f"{BASE}/clusters/{cluster.pk}/participants/", {"organisation": birch.pk})
    assert response.status_code == 201
    assert sorted(p["name"] for p in response.json()["participants"]) == ["Ash", "Birch"]


def _full_cluster(network, snapshot, n):
    """A cluster with a strategy, a facilitator, people, and participants typed in, detected and not."""
    cluster = ClusterFactory(network=network, name=f"Cluster {n}")
    cluster.strategy_tags.set(tags_resolve(network=network, names=["Walking"]))
    cluster.facilitators.add(UserFactory(username=f"facilitator{n}"))
    ParticipantFactory(cluster=cluster, organisation__community="North")
    placed = ParticipantFactory(cluster=cluster, organisation__community="")
    MemberMetric.objects.create(snapshot=snapshot, member=placed.organisation, community=n % 2)
    ParticipantFactory(cluster=cluster, organisation__community="")
    ParticipantFactory(cluster=cluster, organisation=None, project_name="Allotment", community="South")
    ClusterPersonFactory(cluster=cluster, person=MemberFactory(network=network), participant=placed)
    return cluster


def test_listing_clusters_takes_as_many_queries_for_three_as_for_one(api, network, alice):
    snapshot = Snapshot.objects.create(
        network=network,
        status=Snapshot.Status.DONE,
        finished_at=timezone.now(),
        communities=[{"id": 0, "name": "North"}, {"id": 1, "name": "East"}],
    )

    def list_queries() -> int:
        # A fresh login each time: the user object caches its roles once read.
        client = api(type(alice).objects.get(pk=alice.pk))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{BASE}/clusters/")
        assert response.status_code == 200
        for listed in response.json()["results"]:
            cluster = LearningCluster.objects.get(pk=listed["id"])
            assert listed["warnings"] == cluster_warnings(cluster=cluster)
        return len(queries)

    _full_cluster(network, snapshot, 0)
    one = list_queries()
    _full_cluster(network, snapshot, 1)
    _full_cluster(network, snapshot, 2)
    assert list_queries() == one


def test_an_organisation_of_another_network_is_a_400(api, other_network, alice, cluster):
    stranger = OrganisationFactory(network=other_network)
    response = api(alice).post(f"{BASE}/clusters/{cluster.pk}/participants/", {"organisation": stranger.pk})
    assert response.status_code == 400


def test_candidates_are_proposed_with_reasons(api, network, alice):
    (walk,) = tags_resolve(network=network, names=["Walking"])
    OrganisationFactory(network=network, name="Hill Walkers", community="North").tags.add(walk)
    response = api(alice).get(f"{BASE}/clusters/propose/", {"tag": "walking"})
    assert response.status_code == 200
    (candidate,) = response.json()
    assert candidate["name"] == "Hill Walkers" and "From North" in candidate["reason"]


def test_attendance_over_the_api_ties_each_pair_once(api, network, dave, cluster, session):
    people = [MemberFactory(network=network) for _ in range(3)]
    for person in people:
        ClusterPersonFactory(cluster=cluster, person=person)
    url = f"{BASE}/sessions/{session.pk}/attendance/"
    first = api(dave).post(url, {"attended": [p.pk for p in people]}, format="json")
    again = api(dave).post(url, {"attended": [p.pk for p in people]}, format="json")
    assert first.status_code == 200 and len(first.json()["ties_created"]) == 3
    assert again.json()["ties_created"] == [] and again.json()["ties_strengthened"] == []
    assert Relationship.objects.filter(kind="learning").count() == 3


def test_a_peer_assist_captures_questions_advice_and_follow_ups(api, network, dave, peer_assist):
    client = api(dave)
    base = f"{BASE}/peer-assists/{peer_assist.pk}"
    assert client.post(f"{base}/questions/", {"text": "Since when?"}).status_code == 201
    assert client.post(f"{base}/advice/", {"text": "Meet indoors."}).status_code == 201
    follow_up = client.post(f"{base}/follow-ups/", {"action": "Book the hall"}).json()
    assert follow_up["status"] == "open"
    body = client.get(f"{base}/").json()
    assert [q["text"] for q in body["questions"]] == ["Since when?"]
    assert body["warnings"]  # nobody assisting yet
    status_url = f"{BASE}/follow-ups/{follow_up['id']}/status/"
    assert client.post(status_url, {"status": "done"}).json()["status"] == "done"
    assert client.post(status_url, {"status": "dropped"}).status_code == 400


def test_the_handbook_downloads_as_markdown_or_html(api, alice, cluster):
    url = f"{BASE}/clusters/{cluster.pk}/handbook/"
    md = api(alice).get(url)
    assert md.status_code == 200 and md["Content-Type"] == "text/markdown; charset=utf-8"
    assert md["Content-Disposition"] == 'attachment; filename="walking-groups-handbook.md"'
    assert b"# Walking groups" in md.content
    for query in ({"as": "markdown"}, {}):
        assert api(alice).get(url, query)["Content-Type"].startswith("text/markdown")
    html = api(alice).get(url, {"as": "html"})
    assert html["Content-Type"] == "text/html; charset=utf-8" and b"<!doctype html>" in html.content
    assert html["Content-Disposition"] == 'attachment; filename="walking-groups-handbook.html"'


def test_the_handbook_follows_the_accept_header_when_as_is_not_given(api, alice, cluster):
    url = f"{BASE}/clusters/{cluster.pk}/handbook/"
    client = api(alice)
    assert client.get(url, HTTP_ACCEPT="text/markdown")["Content-Type"].startswith("text/markdown")
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get(url, HTTP_ACCEPT=browser)["Content-Type"].startswith("text/html")
    assert client.get(url, {"as": "markdown"}, HTTP_ACCEPT="text/html")["Content-Type"].startswith(
        "text/markdown"
    )


def test_an_unknown_handbook_format_is_a_400_and_errors_are_json_whatever_the_accept(
    api, alice, bob, cluster
):
    url = f"{BASE}/clusters/{cluster.pk}/handbook/"
    response = api(alice).get(url, {"as": "pdf"}, HTTP_ACCEPT="text/markdown")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["attr"] == "as" and error["code"] == "invalid"
    hidden = api(bob).get(url, HTTP_ACCEPT="text/markdown")
    assert hidden.status_code == 404 and hidden["Content-Type"] == "application/json"


def test_the_schema_documents_the_handbook_formats_filename_and_400(api):
    schema = api().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/networks/{network_slug}/clusters/{id}/handbook/"]["get"]
    (as_param,) = [p for p in operation["parameters"] if p["name"] == "as"]
    assert set(as_param["schema"]["enum"]) == {"markdown", "html", ""}  # empty: as if not given
    ok = operation["responses"]["200"]
    assert set(ok["content"]) == {"text/markdown", "text/html"}
    assert "Content-Disposition" in ok["headers"]
    assert "400" in operation["responses"]


def test_only_those_who_may_start_a_cluster_get_candidate_proposals(api, alice, bob, charlie, dave):
    url = f"{BASE}/clusters/propose/"
    assert api(alice).get(url, {"tag": "walking"}).status_code == 200
    assert api(dave).get(url, {"tag": "walking"}).status_code == 200
    assert api(bob).get(url, {"tag": "walking"}).status_code == 403
    assert api(charlie).get(url, {"tag": "walking"}).status_code == 404


def test_the_forming_page_and_the_api_give_bob_the_same_answer(client, api, bob):
    client.force_login(bob)
    assert client.get(reverse("clusters:cluster-create", args=["healthy-valleys"])).status_code == 403
    assert api(bob).get(f"{BASE}/clusters/propose/", {"tag": "walking"}).status_code == 403


def test_only_coordinators_turn_grantees_into_a_cluster(api, dave):
    assert api(dave).post(f"{BASE}/clusters/from-round/", {"round": 1}).status_code == 403
    assert not LearningCluster.objects.filter(from_round__isnull=False).exists()


def test_marking_someone_outside_the_cluster_present_is_a_400_naming_them(
    api, network, dave, cluster, session
):
    inside = MemberFactory(network=network, name="Ina In")
    ClusterPersonFactory(cluster=cluster, person=inside)
    outsider = MemberFactory(network=network, name="Olga Out")
    url = f"{BASE}/sessions/{session.pk}/attendance/"
    response = api(dave).post(url, {"attended": [inside.pk, outsider.pk]}, format="json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["attr"] == "attended" and error["detail"].startswith(
        "Olga Out does not take part in this cluster"
    )
    assert not Relationship.objects.filter(kind="learning").exists()


def test_an_assisting_group_with_someone_outside_the_cluster_is_a_400_naming_them(
    api, network, dave, cluster, session
):
    outsider = MemberFactory(network=network, name="Olga Out")
    body = {
        "session": session.pk,
        "presenter": ParticipantFactory(cluster=cluster).pk,
        "challenge": "Rain",
        "assisting": [outsider.pk],
    }
    response = api(dave).post(f"{BASE}/peer-assists/", body, format="json")
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["attr"] == "assisting" and "Olga Out does not take part" in error["detail"]


def test_the_facilitator_changes_the_cluster_over_the_api(api, network, dave, cluster):
    response = api(dave).patch(f"{BASE}/clusters/{cluster.pk}/", {"name": "Walkers", "status": "active"})
    assert response.status_code == 200, response.json()
    assert (response.json()["name"], response.json()["status"]) == ("Walkers", "active")
    cluster.refresh_from_db()
    assert (cluster.name, cluster.status) == ("Walkers", "active")


def test_a_facilitator_cannot_make_a_member_a_facilitator_by_patching_the_cluster(
    api, network, dave, bob, cluster
):
    response = api(dave).patch(f"{BASE}/clusters/{cluster.pk}/", {"facilitators": [dave.pk, bob.pk]})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("facilitators", "does_not_exist")
    assert set(network.roles.filter(user=bob).values_list("role", flat=True)) == {Role.MEMBER}
    assert list(cluster.facilitators.all()) == [dave]


def test_a_coordinator_picks_a_facilitator_of_the_network_for_the_cluster(api, network, alice, dave, cluster):
    erin = UserFactory(username="erin")
    RoleFactory(network=network, user=erin, role=Role.FACILITATOR)
    response = api(alice).patch(f"{BASE}/clusters/{cluster.pk}/", {"facilitators": [erin.pk]})
    assert response.status_code == 200
    assert list(cluster.facilitators.all()) == [erin]
    assert set(network.roles.filter(user=erin).values_list("role", flat=True)) == {Role.FACILITATOR}


def test_bob_taking_part_cannot_patch_the_cluster_and_charlie_gets_404(api, bob_in_cluster, charlie, cluster):
    assert api(bob_in_cluster).patch(f"{BASE}/clusters/{cluster.pk}/", {"name": "Bob's"}).status_code == 403
    assert api(charlie).patch(f"{BASE}/clusters/{cluster.pk}/", {"name": "Charlie's"}).status_code == 404
    cluster.refresh_from_db()
    assert cluster.name == "Walking groups"


def test_bob_lists_exactly_the_clusters_he_takes_part_in(api, network, alice, bob_in_cluster, cluster):
    bob_person = cluster.people.get().person
    second = ClusterPersonFactory(cluster__network=network, person=bob_person).cluster
    for _ in range(3):
        ClusterPersonFactory(cluster__network=network, person=MemberFactory(network=network))
    body = api(bob_in_cluster).get(f"{BASE}/clusters/").json()
    assert body["count"] == 2
    assert {c["id"] for c in body["results"]} == {cluster.pk, second.pk}
    assert api(alice).get(f"{BASE}/clusters/").json()["count"] == 5

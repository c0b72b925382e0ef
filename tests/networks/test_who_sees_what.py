"""Who sees what: e-mail addresses, exports, roles and introduction suggestions are for coordinators,
unless the network widens them to every role (README "Who sees what")."""

import pytest
from rest_framework.test import APIClient

from networks import services, snapshots
from networks.models import Role, Snapshot
from tests.factories import MemberFactory, RelationshipFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db
EMAIL = "ana.secret@example.org"


@pytest.fixture
def rita(network):
    user = UserFactory(username="rita")
    RoleFactory(network=network, user=user, role=Role.REVIEWER)
    return user


@pytest.fixture
def snapshot(network):
    """Ana knows Ben and Cai, who don't know each other: one introduction, Ana a hub of a small star."""
    ana = MemberFactory(network=network, name="Ana", email=EMAIL)
    ben, cai, dee = (MemberFactory(network=network, name=n) for n in ("Ben", "Cai", "Dee"))
    for other in (ben, cai):
        RelationshipFactory(network=network, source=ana, target=other)
    RelationshipFactory(network=network, source=cai, target=dee)
    return snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def widen(network, alice, **settings):
    services.network_update(
        user=alice, network=network, name=network.name, purpose=network.purpose, **settings
    )


@pytest.mark.parametrize("who", ["bob", "rita"])
def test_members_and_reviewers_read_names_but_no_email_in_pages_and_api(
    client, request, network, snapshot, who
):
    user = request.getfixturevalue(who)
    ana = network.members.get(name="Ana")
    for url in (f"/networks/{network.slug}/members/", ana.get_absolute_url()):
        body = page(client, user, url).content.decode()
        assert "Ana" in body and EMAIL not in body
    base = f"/api/v1/networks/{network.slug}"
    api = api_as(user)
    listed = api.get(f"{base}/members/").json()["results"]
    assert {m["name"]: m["email"] for m in listed}["Ana"] == ""
    assert api.get(f"{base}/members/{ana.pk}/").json()["email"] == ""
    rows = api.get(f"{base}/metrics/members/").json()["results"]
    assert {r["label"]: r["email"] for r in rows}["Ana"] == ""


@pytest.mark.parametrize("who", ["bob", "rita"])
def test_searching_by_email_finds_nothing_for_who_cannot_read_it(client, request, network, snapshot, who):
    user = request.getfixturevalue(who)
    found = page(client, user, f"/networks/{network.slug}/members/?q=ana.secret").context["page"]
    assert list(found) == []
    api = api_as(user)
    assert api.get(f"/api/v1/networks/{network.slug}/members/?q=ana.secret").json()["results"] == []


def test_the_coordinator_reads_emails_everywhere(client, network, alice, snapshot):
    ana = network.members.get(name="Ana")
    assert EMAIL in page(client, alice, ana.get_absolute_url()).content.decode()
    base = f"/api/v1/networks/{network.slug}"
    api = api_as(alice)
    assert api.get(f"{base}/members/{ana.pk}/").json()["email"] == EMAIL
    assert {r["label"]: r["email"] for r in api.get(f"{base}/metrics/members/").json()["results"]}[
        "Ana"
    ] == EMAIL
    assert api.get(f"{base}/members/?q=ana.secret").json()["results"][0]["name"] == "Ana"
    found = page(client, alice, f"/networks/{network.slug}/members/?q=ana.secret").context["page"]
    assert [m.name for m in found] == ["Ana"]


@pytest.mark.parametrize("who", ["bob", "rita"])
def test_members_and_reviewers_cannot_export_the_network(client, request, network, snapshot, who):
    user = request.getfixturevalue(who)
    for url in ("export/", "export/xlsx/", "export/zip/", "export/members.csv/", "export/ties.csv/"):
        assert page(client, user, f"/networks/{network.slug}/{url}").status_code == 403
    assert "/export/" not in page(client, user, network.get_absolute_url()).content.decode()
    api = api_as(user)
    for export in ("graph.json", "graph.gexf", "graph.graphml"):
        assert api.get(f"/api/v1/networks/{network.slug}/{export}").status_code == 403


def test_the_coordinator_exports(client, network, alice, snapshot):
    assert page(client, alice, f"/networks/{network.slug}/export/").status_code == 200
    download = page(client, alice, f"/networks/{network.slug}/export/members.csv/")
    assert download.status_code == 200 and EMAIL in download.content.decode()
    assert api_as(alice).get(f"/api/v1/networks/{network.slug}/graph.json").status_code == 200


def test_a_network_may_open_emails_and_exports_to_every_role(client, network, alice, bob, snapshot):
    base = f"/api/v1/networks/{network.slug}"
    api = api_as(bob)
    assert {r["label"]: r["email"] for r in api.get(f"{base}/metrics/members/").json()["results"]}[
        "Ana"
    ] == ""
    widen(network, alice, members_see_contacts=True)
    assert {r["label"]: r["email"] for r in api.get(f"{base}/metrics/members/").json()["results"]}[
        "Ana"
    ] == EMAIL
    assert api.get(f"{base}/graph.json").status_code == 200
    assert page(client, bob, f"/networks/{network.slug}/export/").status_code == 200


@pytest.mark.parametrize("who", ["bob", "rita"])
def test_roles_and_suggestions_are_hidden_from_members_and_reviewers(client, request, network, snapshot, who):
    user = request.getfixturevalue(who)
    ana = network.members.get(name="Ana")
    assert snapshot.suggestions, "the fixture has an introduction to hide"
    assert page(client, user, f"/networks/{network.slug}/suggestions/").status_code == 403
    dashboard = page(client, user, f"/networks/{network.slug}/dashboard/")
    assert dashboard.context["suggestions"] == []
    shown = page(client, user, ana.get_absolute_url()).context["member_metrics"]
    assert shown["row"] is not None and shown["row"].roles, "Ana has roles to hide"
    assert shown["roles"] == [] and "suggestions" not in shown
    nodes = page(client, user, f"/networks/{network.slug}/map/data.json").json()["nodes"]
    assert all(node["roles"] == [] for node in nodes)
    base = f"/api/v1/networks/{network.slug}"
    api = api_as(user)
    assert api.get(f"{base}/suggestions/").status_code == 403
    assert all(r["roles"] == [] for r in api.get(f"{base}/metrics/members/").json()["results"])
    assert api.get(f"{base}/metrics/members/?role=hub").status_code == 403
    assert api.get(f"{base}/snapshots/{snapshot.pk}/").json()["gatekeepers"] == []


def test_the_coordinator_sees_roles_and_suggestions_and_the_network_may_show_them_to_all(
    client, network, alice, bob, snapshot
):
    base = f"/api/v1/networks/{network.slug}"
    coordinator = api_as(alice)
    assert coordinator.get(f"{base}/suggestions/").json()["results"]
    assert any(r["roles"] for r in coordinator.get(f"{base}/metrics/members/").json()["results"])
    assert page(client, alice, f"/networks/{network.slug}/suggestions/").status_code == 200
    assert coordinator.get(f"{base}/snapshots/{snapshot.pk}/").json()["gatekeepers"]
    member = api_as(bob)
    assert member.get(f"{base}/suggestions/").status_code == 403
    widen(network, alice, members_see_roles=True)
    assert member.get(f"{base}/suggestions/").json()["results"]
    assert any(r["roles"] for r in member.get(f"{base}/metrics/members/").json()["results"])
    assert any(
        n["roles"] for n in page(client, bob, f"/networks/{network.slug}/map/data.json").json()["nodes"]
    )

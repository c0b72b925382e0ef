"""Who may do what over the API: alice (coordinator) reads and writes, bob (member) only reads,
charlie (coordinator elsewhere) gets 404 for everything of alice's network, anonymous gets 401."""

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from networks.models import Member, Relationship
from tests.factories import PASSWORD, MemberFactory, OrganisationFactory, RelationshipFactory

pytestmark = pytest.mark.django_db


BASE = "/api/v1/networks/healthy-valleys"


@pytest.fixture
def data(network):
    clinic = OrganisationFactory(network=network, name="Valley Clinic")
    ana = MemberFactory(network=network, name="Ana")
    ben = MemberFactory(network=network, name="Ben")
    tie = RelationshipFactory(network=network, source=ana, target=ben)
    return {"org": clinic.pk, "member": ana.pk, "other": ben.pk, "tie": tie.pk}


@pytest.fixture
def client_as(alice, bob, charlie):
    users = {"alice": alice, "bob": bob, "charlie": charlie, "anonymous": None}

    def make(name):
        client = APIClient()
        if users[name] is not None:
            client.force_authenticate(users[name])
        return client

    return make


READS = [
    "/",
    "/members/",
    "/members/{member}/",
    "/organisations/",
    "/organisations/{org}/",
    "/relationships/",
    "/relationships/{tie}/",
    "/relationships/?member={member}",
]

WRITES = [
    ("patch", "/", {"purpose": "Changed."}),
    ("post", "/members/", {"name": "New person"}),
    ("patch", "/members/{member}/", {"name": "Renamed"}),
    ("put", "/members/{member}/", {"name": "Renamed", "kind": "person"}),
    ("post", "/members/{member}/archive/", None),
    ("post", "/members/{member}/unarchive/", None),
    ("post", "/relationships/", {"source": "{member}", "target": "{org}"}),
    ("patch", "/relationships/{tie}/", {"strength": 5}),
    ("post", "/relationships/{tie}/end/", {}),
]


def fill(template, data):
    return template.format(**data) if isinstance(template, str) else template


def body(payload, data):
    if payload is None:
        return None
    return {
        key: int(fill(value, data)) if value in ("{member}", "{org}") else value
        for key, value in payload.items()
    }


@pytest.mark.parametrize(
    ("user", "status"), [("alice", 200), ("bob", 200), ("charlie", 404), ("anonymous", 401)]
)
@pytest.mark.parametrize("path", READS)
def test_reads(client_as, data, user, status, path):
    response = client_as(user).get(BASE + fill(path, data))
    assert response.status_code == status, response.content


@pytest.mark.parametrize(
    ("user", "status"), [("alice", 200), ("bob", 403), ("charlie", 404), ("anonymous", 401)]
)
@pytest.mark.parametrize(("method", "path", "payload"), WRITES)
def test_writes(client_as, data, user, status, method, path, payload):
    before = (
        list(Member.objects.order_by("pk").values()),
        list(Relationship.objects.order_by("pk").values()),
    )
    response = getattr(client_as(user), method)(BASE + fill(path, data), body(payload, data), format="json")
    expected = 201 if status == 200 and method == "post" and path.endswith("s/") else status
    assert response.status_code == expected, response.content
    if status != 200:
        after = (
            list(Member.objects.order_by("pk").values()),
            list(Relationship.objects.order_by("pk").values()),
        )
        assert after == before


def test_refusals_say_why_without_revealing_data(client_as, data):
    denied = client_as("bob").patch(f"{BASE}/members/{data['member']}/", {"name": "X"}, format="json")
    assert denied.json()["errors"][0]["detail"] == "Only the network's coordinators can change this."
    hidden = client_as("charlie").get(f"{BASE}/members/{data['member']}/")
    assert "Ana" not in hidden.content.decode()


def test_charlie_cannot_reach_alices_objects_through_his_own_network(client_as, data, other_network):
    charlie = client_as("charlie")
    own = f"/api/v1/networks/{other_network.slug}"
    assert charlie.get(f"{own}/members/").json()["results"] == []
    assert charlie.get(f"{own}/members/{data['member']}/").status_code == 404
    assert charlie.get(f"{own}/organisations/{data['org']}/").status_code == 404
    assert charlie.get(f"{own}/relationships/{data['tie']}/").status_code == 404
    assert charlie.post(f"{own}/members/{data['member']}/archive/").status_code == 404
    assert charlie.post(f"{own}/relationships/{data['tie']}/end/").status_code == 404
    tie = charlie.post(
        f"{own}/relationships/", {"source": data["member"], "target": data["other"]}, format="json"
    )
    assert tie.status_code == 400
    assert not Relationship.objects.filter(network=other_network).exists()


def test_charlie_does_not_see_alices_network_in_his_list(client_as, network, other_network):
    slugs = [row["slug"] for row in client_as("charlie").get("/api/v1/networks/").json()["results"]]
    assert slugs == [other_network.slug]


def test_a_superuser_sees_every_network(network, other_network, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    client = APIClient()
    client.force_authenticate(admin)
    slugs = [row["slug"] for row in client.get("/api/v1/networks/").json()["results"]]
    assert slugs == [other_network.slug, network.slug]


def test_drf_create_token_gives_alice_a_working_token(alice, capsys):
    call_command("drf_create_token", "alice")
    token = Token.objects.get(user=alice)
    assert token.key in capsys.readouterr().out
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get(f"{BASE}/members/")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(f"{BASE}/members/").status_code == 401


def test_session_login_works_for_the_api(alice):
    client = APIClient()
    assert client.login(request=RequestFactory().post("/"), username="alice", password=PASSWORD)
    assert client.get(f"{BASE}/members/").status_code == 200


def test_anonymous_gets_401_with_an_authenticate_header(network):
    response = APIClient().get(f"{BASE}/members/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")

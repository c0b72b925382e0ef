"""Who has access, over the API: /api/v1/networks/{slug}/access/ lists, gives and takes away logins.

alice (coordinator) can; bob (member) gets 403; charlie (coordinator elsewhere) gets 404; anonymous 401.
"""

import pytest
from django.core import mail
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from networks import services
from networks.models import Role
from tests.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/networks/healthy-valleys/access/"


@pytest.fixture
def dana(network):
    return MemberFactory(network=network, name="Dana Osei", email="dana@example.org")


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def errors(response) -> list[tuple[str, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def roles(network, user) -> set[str]:
    return set(network.roles.filter(user=user).values_list("role", flat=True))


def test_alice_lists_every_login_with_its_person_username_roles_and_password_state(network, alice, bob, dana):
    services.access_set(user=alice, network=network, member=dana, roles=["reviewer", "member"])
    dana.refresh_from_db()
    response = client_for(alice).get(BASE)
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": alice.pk,
            "username": "alice",
            "name": alice.get_full_name() or "alice",
            "person": None,
            "roles": ["coordinator"],
            "password_chosen": True,
        },
        {
            "id": bob.pk,
            "username": "bob",
            "name": bob.get_full_name() or "bob",
            "person": None,
            "roles": ["member"],
            "password_chosen": True,
        },
        {
            "id": dana.user.pk,
            "username": "dana",
            "name": "Dana Osei",
            "person": dana.pk,
            "roles": ["member", "reviewer"],
            "password_chosen": False,
        },
    ]


@pytest.mark.parametrize(("persona", "status"), [("bob", 403), ("charlie", 404), ("anonymous", 401)])
def test_only_coordinators_list_give_or_take_away_access(network, alice, bob, charlie, dana, persona, status):
    user = {"bob": bob, "charlie": charlie, "anonymous": None}[persona]
    client = client_for(user)
    assert client.get(BASE).status_code == status
    assert client.post(BASE, {"member": dana.pk, "roles": ["coordinator"]}).status_code == status
    assert client.delete(f"{BASE}{alice.pk}/").status_code == status
    dana.refresh_from_db()
    assert dana.user is None and roles(network, alice) == {"coordinator"}


def test_alice_gives_a_person_a_login_and_they_are_invited_by_email(
    network, alice, dana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(BASE, {"member": dana.pk, "roles": ["reviewer", "member"]})
    assert response.status_code == 201
    dana.refresh_from_db()
    assert response.json() == {
        "account": {
            "id": dana.user.pk,
            "username": "dana",
            "name": "Dana Osei",
            "person": dana.pk,
            "roles": ["member", "reviewer"],
            "password_chosen": False,
        },
        "created": True,
        "added": ["member", "reviewer"],
        "removed": [],
    }
    assert roles(network, dana.user) == {"member", "reviewer"}
    [message] = mail.outbox
    assert message.to == ["dana@example.org"]


def test_posting_again_sets_exactly_the_roles_sent_on_the_same_login(network, alice, dana):
    services.access_set(user=alice, network=network, member=dana, roles=["member"])
    dana.refresh_from_db()
    mail.outbox.clear()
    response = client_for(alice).post(BASE, {"member": dana.pk, "roles": ["facilitator"]})
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["added"], body["removed"]) == (False, ["facilitator"], ["member"])
    assert body["account"]["id"] == dana.user.pk and body["account"]["roles"] == ["facilitator"]
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, [("member", "required"), ("roles", "required")]),
        ({"member": "dana", "roles": ["member"]}, [("member", "incorrect_type")]),
        ({"member": "{dana}", "roles": "member"}, [("roles", "not_a_list")]),
        ({"member": "{dana}", "roles": ["boss"]}, [("roles.0", "invalid_choice")]),
        ({"member": "{elsewhere}", "roles": ["member"]}, [("member", "does_not_exist")]),
        # From access_set itself:
        ({"member": "{dana}", "roles": []}, [("roles", "invalid")]),
        ({"member": "{no_email}", "roles": ["member"]}, [("member", "invalid")]),
        ({"member": "{clinic}", "roles": ["member"]}, [("member", "invalid")]),
    ],
)
def test_bad_requests_to_give_access_are_400s_naming_the_field(
    network, other_network, alice, dana, payload, expected
):
    ids = {
        "{dana}": dana.pk,
        "{elsewhere}": MemberFactory(network=other_network, name="Eli Elsewhere").pk,
        "{no_email}": MemberFactory(network=network, name="Noor", email="").pk,
        "{clinic}": OrganisationFactory(network=network, name="Valley Clinic", email="clinic@example.org").pk,
    }
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    response = client_for(alice).post(BASE, body)
    assert response.status_code == 400
    assert errors(response) == expected
    assert network.roles.count() == 1  # alice's own


def test_the_service_says_in_plain_words_what_is_wrong(network, alice):
    noor = MemberFactory(network=network, name="Noor", email="")
    response = client_for(alice).post(BASE, {"member": noor.pk, "roles": ["member"]})
    assert response.json()["errors"][0]["detail"] == (
        "Add an e-mail address to Noor first: the invitation to log in goes there."
    )


def test_the_last_coordinator_keeps_the_role_whether_changed_or_removed(network, alice):
    person = MemberFactory(network=network, name="Alice Adams", email="alice@example.org", user=alice)
    response = client_for(alice).post(BASE, {"member": person.pk, "roles": ["member"]})
    assert response.status_code == 400 and errors(response) == [("roles", "invalid")]
    response = client_for(alice).delete(f"{BASE}{alice.pk}/")
    assert response.status_code == 400 and errors(response) == [("roles", "invalid")]
    assert "at least one coordinator" in response.json()["errors"][0]["detail"]
    assert roles(network, alice) == {"coordinator"}


def test_alice_takes_away_every_role_of_a_login_which_then_gets_404(network, alice, bob, dana):
    services.access_set(user=alice, network=network, member=dana, roles=["reviewer", "member"])
    dana.refresh_from_db()
    for account in (bob, dana.user):
        response = client_for(alice).delete(f"{BASE}{account.pk}/")
        assert response.status_code == 204 and response.content == b""
        assert roles(network, account) == set()
    assert client_for(bob).get("/api/v1/networks/healthy-valleys/").status_code == 404
    dana.user.refresh_from_db()
    assert dana.user.is_active  # the login stays, for its other networks


def test_removing_a_login_without_access_here_is_a_404(network, alice, charlie):
    for user_id in (charlie.pk, 999_999, 2**63):
        assert client_for(alice).delete(f"{BASE}{user_id}/").status_code == 404
    assert roles(charlie.network_roles.first().network, charlie) == {Role.COORDINATOR}


def test_the_schema_documents_the_access_resource():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    listing = schema["paths"]["/api/v1/networks/{network_slug}/access/"]
    detail = schema["paths"]["/api/v1/networks/{network_slug}/access/{user_id}/"]
    assert set(listing) >= {"get", "post"} and set(detail) == {"delete"}
    assert listing["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AccessSetRequest"
    )
    assert set(listing["post"]["responses"]) >= {"201", "400", "401", "403", "404"}
    assert set(detail["delete"]["responses"]) >= {"204", "400", "401", "403", "404"}
    (user_id,) = [p for p in detail["delete"]["parameters"] if p["name"] == "user_id"]
    assert user_id["schema"]["type"] == "integer"
    account = schema["components"]["schemas"]["Account"]["properties"]
    assert set(account) == {"id", "username", "name", "person", "roles", "password_chosen"}
    assert account["person"]["nullable"] is True

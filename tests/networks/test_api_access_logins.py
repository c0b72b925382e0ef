"""Who has access, over the API: /api/v1/networks/{slug}/access/ lists, gives and takes away logins.

alice (coordinator) can; bob (member) gets 403; charlie (coordinator elsewhere) gets 404; anonymous 401.
"""

import pytest
from django.core import mail
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from networks import services
from networks.models import AccessInvitation, Role
from tests.factories import MemberFactory, OrganisationFactory, UserFactory

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


def test_alice_lists_every_login_with_its_person_roles_and_password_state_but_no_username(
    network, alice, bob, dana
):
    dana_login = UserFactory(username="dana-secret", first_name="", last_name="", email="dana@example.org")
    dana.user = dana_login
    dana.save()
    services.access_set(user=alice, network=network, member=dana, roles=["reviewer"])  # invited: not listed
    services.role_grant(network=network, user=dana_login, role=Role.REVIEWER)
    services.role_grant(network=network, user=dana_login, role=Role.MEMBER)
    response = client_for(alice).get(BASE)
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": alice.pk,
            "name": alice.get_full_name() or f"Login {alice.pk}",
            "person": None,
            "roles": ["coordinator"],
            "password_chosen": True,
        },
        {
            "id": bob.pk,
            "name": bob.get_full_name() or f"Login {bob.pk}",
            "person": None,
            "roles": ["member"],
            "password_chosen": True,
        },
        {
            "id": dana_login.pk,
            "name": "Dana Osei",
            "person": dana.pk,
            "roles": ["member", "reviewer"],
            "password_chosen": True,
        },
    ]
    assert "dana-secret" not in response.content.decode() and '"alice"' not in response.content.decode()


@pytest.mark.parametrize(("persona", "status"), [("bob", 403), ("charlie", 404), ("anonymous", 401)])
def test_only_coordinators_list_give_or_take_away_access(network, alice, bob, charlie, dana, persona, status):
    user = {"bob": bob, "charlie": charlie, "anonymous": None}[persona]
    client = client_for(user)
    assert client.get(BASE).status_code == status
    assert client.post(BASE, {"member": dana.pk, "roles": ["coordinator"]}).status_code == status
    assert client.delete(f"{BASE}{alice.pk}/").status_code == status
    assert client.get(f"{BASE}invitations/").status_code == status
    assert not AccessInvitation.objects.exists() and roles(network, alice) == {"coordinator"}


def test_a_known_and_an_unknown_email_get_the_same_answer_and_neither_gets_a_role(
    network, alice, dana, django_capture_on_commit_callbacks
):
    existing = UserFactory(username="known-login", email="known@example.org")
    known = MemberFactory(network=network, name="Kim Known", email="known@example.org")
    answers = {}
    for person in (known, dana):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(alice).post(BASE, {"member": person.pk, "roles": ["reviewer", "member"]})
        answers[person.name] = response
    bodies = [r.json() for r in answers.values()]
    assert [r.status_code for r in answers.values()] == [201, 201]
    assert [set(b) for b in bodies] == [{"account", "invitation", "added", "removed"}] * 2
    assert [set(b["invitation"]) for b in bodies] == [set(bodies[0]["invitation"])] * 2
    for body, person in zip(bodies, (known, dana), strict=True):
        invitation = AccessInvitation.objects.get(member=person)
        assert body == {
            "account": None,
            "invitation": {
                "id": invitation.pk,
                "person": person.pk,
                "name": person.name,
                "email": person.email,
                "roles": ["member", "reviewer"],
                "status": "pending",
                "invited_by": alice.get_full_name() or None,
                "created_at": body["invitation"]["created_at"],
                "expires_at": body["invitation"]["expires_at"],
            },
            "added": [],
            "removed": [],
        }
    assert "known-login" not in answers["Kim Known"].content.decode()
    assert roles(network, existing) == set()
    dana.refresh_from_db()
    assert dana.user is None
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@example.org", "known@example.org"]


def test_posting_again_sets_exactly_the_roles_sent_on_a_login_with_access(network, alice, bob):
    person = MemberFactory(network=network, name="Bob Baker", email="bob@example.org", user=bob)
    response = client_for(alice).post(BASE, {"member": person.pk, "roles": ["facilitator"]})
    assert response.status_code == 201
    body = response.json()
    assert (body["invitation"], body["added"], body["removed"]) == (None, ["facilitator"], ["member"])
    assert body["account"]["id"] == bob.pk and body["account"]["roles"] == ["facilitator"]
    assert mail.outbox == []


def test_alice_lists_and_withdraws_pending_invitations(network, alice, bob, dana):
    change = services.access_set(user=alice, network=network, member=dana, roles=["member"])
    listing = client_for(alice).get(f"{BASE}invitations/")
    assert listing.status_code == 200
    assert [(i["id"], i["name"], i["status"]) for i in listing.json()["results"]] == [
        (change.invitation.pk, "Dana Osei", "pending")
    ]
    assert client_for(bob).delete(f"{BASE}invitations/{change.invitation.pk}/").status_code == 403
    assert client_for(alice).delete(f"{BASE}invitations/{change.invitation.pk}/").status_code == 204
    assert client_for(alice).get(f"{BASE}invitations/").json()["results"] == []
    for invitation_id in (change.invitation.pk, 999_999, 2**63):
        assert client_for(alice).delete(f"{BASE}invitations/{invitation_id}/").status_code == 404


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
    dana.user = UserFactory(username="dana", email=dana.email)
    dana.save()
    services.role_grant(network=network, user=dana.user, role=Role.REVIEWER)
    services.role_grant(network=network, user=dana.user, role=Role.MEMBER)
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
    assert set(account) == {"id", "name", "person", "roles", "password_chosen"}
    invitations = schema["paths"]["/api/v1/networks/{network_slug}/access/invitations/"]
    assert set(invitations) == {"get"}
    withdraw = schema["paths"]["/api/v1/networks/{network_slug}/access/invitations/{invitation_id}/"]
    assert set(withdraw) == {"delete"} and set(withdraw["delete"]["responses"]) >= {"204", "403", "404"}
    change = schema["components"]["schemas"]["AccessChange"]["properties"]
    assert set(change) == {"account", "invitation", "added", "removed"}
    assert account["person"]["nullable"] is True

"""Self-service API tokens: coordinators create (key shown once), use, see last use and revoke them."""

import hashlib

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db
ACCOUNT = "/account/"


def members_url(network) -> str:
    return f"/api/v1/networks/{network.slug}/members/"


def create_token(client, name="Monthly report") -> str:
    response = client.post(ACCOUNT, {"name": name})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    return key


def test_a_coordinator_creates_a_token_uses_it_and_a_revoked_token_answers_401(client, network, alice):
    client.force_login(alice)
    key = create_token(client)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(members_url(network)).status_code == 200
    token = ApiToken.objects.get(user=alice, name="Monthly report")
    assert token.last_used_at is not None
    assert "never" not in client.get(ACCOUNT).content.decode().split("Monthly report")[1].split("</tr>")[0]

    response = client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert api.get(members_url(network)).status_code == 401


def test_the_key_is_shown_once_and_only_its_sha256_is_stored(client, alice):
    client.force_login(alice)
    key = create_token(client)
    token = ApiToken.objects.get(user=alice)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.name, token.prefix, token.key_hash}
    assert key.startswith(token.prefix)
    assert key not in client.get(ACCOUNT).content.decode()


def test_a_token_needs_a_name(client, alice):
    client.force_login(alice)
    response = client.post(ACCOUNT, {"name": "  "})
    assert response.context["new_key"] is None
    assert not ApiToken.objects.exists()


def test_a_member_has_no_tokens_section_and_cannot_create_one(client, bob):
    client.force_login(bob)
    assert "API tokens" not in client.get(ACCOUNT).content.decode()
    assert client.post(ACCOUNT, {"name": "Mine"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_users_token(client, alice, bob, network):
    client.force_login(alice)
    create_token(client)
    token = ApiToken.objects.get(user=alice)
    client.force_login(bob)
    assert client.post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_an_unknown_key_answers_401(network, alice):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token wvr_not-a-real-key")
    assert api.get(members_url(network)).status_code == 401


def test_tokens_made_by_drf_create_token_still_open_the_api(network, alice):
    call_command("drf_create_token", "alice")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=alice).key}")
    assert api.get(members_url(network)).status_code == 200

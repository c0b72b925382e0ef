"""Request limits: login lockout (django-axes), password-reset e-mails, and the API's 429 with Retry-After."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD
from weaver.lib.env import env_rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    """Low limits, as a test sets them; other tests run with roomy ones (tests/conftest.py)."""

    def set_rates(**rates):
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**current, **rates}}

    return set_rates


def log_in(client, password):
    return client.post(reverse("login"), {"username": "bob", "password": password})


def test_five_wrong_passwords_lock_the_login_and_then_the_right_one_is_refused_with_a_page(client, bob):
    for _ in range(4):
        response = log_in(client, "wrong")
        assert response.status_code == 200 and "Please enter a correct username" in response.text
    locked = log_in(client, "wrong")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "Too many failed attempts" in locked.text and "Try again in 15 minutes" in locked.text
    assert "<nav" in locked.text  # the site's layout, not a bare message

    right = log_in(client, PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session


def test_the_lockout_ends_after_the_cool_off(client, bob):
    for _ in range(5):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 429
    # Time travel: the failures happened sixteen minutes ago.
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=16)
        attempt.save()
    response = log_in(client, PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(bob.pk)


def test_the_lockout_is_per_login_and_address_and_its_limit_is_a_setting(client, settings, alice, bob):
    settings.AXES_FAILURE_LIMIT = 2
    log_in(client, "wrong")
    assert log_in(client, "wrong").status_code == 429
    assert client.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 302
    other_address = client.post(
        reverse("login"), {"username": "bob", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
    )
    assert other_address.status_code == 302


def test_password_reset_emails_are_limited_per_address_and_per_email(client, bob, limits):
    limits(password_reset="3/hour")
    url = reverse("password_reset")
    for _ in range(3):
        assert client.post(url, {"email": bob.email}).status_code == 302
    refused = client.post(url, {"email": bob.email})
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    assert "Too many password e-mails" in refused.text
    assert len(mail.outbox) == 3
    # Another address asking for the same e-mail is refused too; a new e-mail from it is not.
    assert client.post(url, {"email": bob.email}, REMOTE_ADDR="10.1.2.3").status_code == 429
    assert client.post(url, {"email": "someone@example.org"}, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_anonymous_api_traffic_gets_429_with_retry_after(limits):
    limits(anon="3/minute")
    client = APIClient()
    assert [client.get("/api/v1/networks/").status_code for _ in range(3)] == [401] * 3
    response = client.get("/api/v1/networks/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["errors"][0]["code"] == "throttled"


def test_a_logins_api_traffic_gets_429_with_retry_after(limits, alice, bob):
    limits(user="5/minute")
    token = Token.objects.create(user=alice).key
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert [client.get("/api/v1/networks/").status_code for _ in range(5)] == [200] * 5
    response = client.get("/api/v1/networks/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    # Counted per login: bob is not held back by alice's requests.
    bob_client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bob).key}")
    assert bob_client.get("/api/v1/networks/").status_code == 200


def test_thirty_bad_tokens_end_in_429_even_for_a_good_token_from_that_address(limits, alice):
    limits(auth_failure="20/hour")
    statuses = [
        APIClient(HTTP_AUTHORIZATION=f"Token bad{n:037d}").get("/api/v1/networks/").status_code
        for n in range(30)
    ]
    assert statuses == [401] * 20 + [429] * 10
    good = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    response = good.get("/api/v1/networks/")
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 3600
    elsewhere = good.get("/api/v1/networks/", REMOTE_ADDR="10.1.2.3")
    assert elsewhere.status_code == 200


def test_x_forwarded_for_does_not_dodge_the_limit_unless_a_proxy_is_configured(limits):
    limits(auth_failure="2/hour")
    for n in range(3):
        response = APIClient(HTTP_AUTHORIZATION="Token nope", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").get(
            "/api/v1/networks/"
        )
    assert response.status_code == 429


def test_the_schema_documents_429_with_retry_after_on_every_operation():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 50
    for path, method, operation in operations:
        throttled = operation["responses"].get("429")
        assert throttled is not None, (method, path)
        assert throttled["headers"]["Retry-After"]["schema"]["type"] == "integer", (method, path)
        assert throttled["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse429")
    assert "ErrorResponse429" in schema["components"]["schemas"]


def test_rates_are_checked_when_read(monkeypatch):
    monkeypatch.setenv("X_RATE", "many/minute")
    with pytest.raises(ImproperlyConfigured, match="X_RATE must be a rate"):
        env_rate("X_RATE", "60/minute")
    monkeypatch.setenv("X_RATE", "100/hour")
    assert env_rate("X_RATE", "60/minute") == "100/hour"

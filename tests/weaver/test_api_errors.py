"""Every error under /api/ is JSON in the one shape the schema documents; pages keep Django's HTML."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path
from rest_framework.test import APIClient

from funds.services import fund_create
from tests.factories import MemberFactory
from tests.funds.conftest import make_round, submit_proposal
from weaver import urls as weaver_urls


def boom(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied


# A URLconf for these tests: the project's routes and handlers, plus views that fail on purpose.
urlpatterns = [
    path("api/boom/", boom),
    path("api/forbidden/", forbidden),
    path("boom/", boom),
    path("forbidden/", forbidden),
    *weaver_urls.urlpatterns,
]
handler400 = weaver_urls.handler400
handler403 = weaver_urls.handler403
handler404 = weaver_urls.handler404
handler500 = weaver_urls.handler500


def assert_api_error(response, status: int, code: str):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["type"] == ("server_error" if status >= 500 else "client_error")
    assert [(e["code"], e["attr"]) for e in body["errors"]] == [(code, None)]
    assert body["errors"][0]["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "address",
    [
        "/api/v1/nowhere/",
        "/api/v2/networks/",
        "/api/v1/networks/caf%C3%A9/members/",  # not a slug: no route matches
        "/api/v1/networks/healthy-valleys/members/99999999999999999999999/",
        "/api/v1/networks/healthy-valleys/metrics/recompute/extra/",
        "/api/v1/networks/%F0%9F%95%B8/graph.json",
    ],
)
def test_an_api_address_that_matches_nothing_or_nothing_of_yours_is_a_json_404(client, alice, address):
    client.force_login(alice)
    assert_api_error(client.get(address), 404, "not_found")


@pytest.mark.django_db
def test_a_page_address_that_matches_nothing_is_still_an_html_404(client, alice):
    client.force_login(alice)
    response = client.get("/networks/nowhere/at/all/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.weaver.test_api_errors")
def test_an_unhandled_error_under_api_is_a_json_500_and_elsewhere_django_s_page():
    client = Client(raise_request_exception=False)
    assert_api_error(client.get("/api/boom/"), 500, "error")
    page = client.get("/boom/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.weaver.test_api_errors")
def test_a_permission_error_outside_drf_is_json_under_api_and_html_elsewhere():
    client = Client()
    assert_api_error(client.get("/api/forbidden/"), 403, "permission_denied")
    assert client.get("/forbidden/")["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_request_django_refuses_before_any_view_is_a_json_400_under_api(client):
    assert_api_error(client.get("/api/v1/networks/", HTTP_HOST="evil.example"), 400, "parse_error")
    page = client.get("/networks/", HTTP_HOST="evil.example")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_403_from_a_service_says_why(network, alice, bob):
    fund = fund_create(user=alice, network=network, name="Valley Fund")
    lead = MemberFactory(network=network, name="Bob Lead", user=bob)
    draft = submit_proposal(
        rnd=make_round(user=alice, fund=fund), user=bob, lead=lead, partners=[], submit=False
    )
    client = APIClient()
    client.force_authenticate(alice)
    response = client.post(f"/api/v1/networks/{network.slug}/proposals/{draft.pk}/submit/")
    assert_api_error(response, 403, "permission_denied")
    assert response.json()["errors"][0]["detail"] == "Only the applicant can submit this proposal."

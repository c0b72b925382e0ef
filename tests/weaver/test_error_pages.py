"""403, 404 and 500 are pages of the site: its header, the reason in plain words and a way back."""

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db
HEADER = 'class="navbar-brand"'
WAY_BACK = "Back to your networks"


def test_an_unknown_page_is_a_404_page_with_the_header_the_address_and_a_way_back(client, alice):
    client.force_login(alice)
    response = client.get("/networks/healthy-valleys/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert HEADER in body and WAY_BACK in body
    assert "/networks/healthy-valleys/no-such-page/" in body


def test_another_networks_page_is_the_same_404_as_a_missing_one(client, network, charlie):
    client.force_login(charlie)
    response = client.get(network.get_absolute_url())
    assert response.status_code == 404
    assert "not yours to see" in response.content.decode()


def test_a_404_under_the_api_stays_json(client, alice):
    client.force_login(alice)
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_forbidden_action_is_a_403_page_that_gives_the_reason(client, network, bob):
    client.force_login(bob)
    response = client.get(f"/networks/{network.slug}/edit/")
    body = response.content.decode()
    assert response.status_code == 403
    assert HEADER in body and WAY_BACK in body
    assert "Only the network&#x27;s coordinators can change this." in body


def test_the_500_page_has_the_header_and_a_way_back_without_a_request_context():
    response = server_error(RequestFactory().get("/networks/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert HEADER in body and WAY_BACK in body
    assert "Something went wrong" in body


def test_every_page_links_the_favicon_and_favicon_ico_leads_to_it(client, alice):
    client.force_login(alice)
    body = client.get("/networks/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in body
    assert finders.find("img/favicon.svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"

"""Every survey URL, walked as alice (coordinator), bob (member), charlie (coordinator elsewhere) and
anonymous: nothing of a campaign is reachable from another network or by a member who is not a
coordinator, except the aggregates the campaign allows."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from surveys import services
from surveys import urls as survey_urls
from surveys.models import Campaign, PendingMember
from tests.factories import MemberFactory
from tests.surveys.factories import open_campaign

# What each persona gets on each coordinators' page: alice / bob / charlie / anonymous.
PAGE_EXPECTED = {
    "campaign-list": (200, 200, 404, 302),
    "campaign-create": (200, 403, 404, 302),
    "campaign-detail": (200, 404, 404, 302),
    "campaign-progress": (200, 404, 404, 302),
    "campaign-results": (200, 404, 404, 302),
    "campaign-status": (302, 404, 404, 302),
    "campaign-invite": (302, 404, 404, 302),
    "campaign-remind": (302, 404, 404, 302),
    "invitation-revoke": (302, 404, 404, 302),
    "pending-decide": (302, 404, 404, 302),
    "campaign-export": (200, 404, 404, 302),
}
POSTS = {"campaign-status", "campaign-invite", "campaign-remind", "invitation-revoke", "pending-decide"}
LINK_VIEWS = {"answer", "answer-search", "answer-pending"}
API_EXPECTED = {
    "": (200, 403, 404, 401),
    "{pk}/": (200, 403, 404, 401),
    "{pk}/invitations/": (200, 403, 404, 401),
    "{pk}/responses/": (200, 403, 404, 401),
    "{pk}/results/": (200, 404, 404, 401),
    "{pk}/status/": (400, 403, 404, 401),
}


def _names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _names(p.url_patterns, prefix)
        elif isinstance(p, URLPattern) and p.name:
            yield p.name


@pytest.fixture
def world(network, alice, bob, charlie):
    campaign = open_campaign(network=network, user=alice)
    ana = MemberFactory(network=network, name="Ana")
    invitation = services.invitations_create(user=alice, campaign=campaign, members=[ana])[0]
    services.response_consent(invitation=invitation)
    pending = services.pending_add(invitation=invitation, name="Fay")
    return {"campaign": campaign, "invitation": invitation, "pending": pending}


def _clients(alice, bob, charlie):
    clients = {}
    for name, user in (("alice", alice), ("bob", bob), ("charlie", charlie), ("anonymous", None)):
        from django.test import Client

        client = Client()
        if user:
            client.force_login(user)
        clients[name] = client
    return clients


def test_the_walk_covers_every_survey_page():
    assert set(_names(survey_urls.urlpatterns)) == set(PAGE_EXPECTED) | LINK_VIEWS


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGE_EXPECTED))
def test_each_survey_page_is_for_coordinators_only(name, network, world, alice, bob, charlie):
    campaign = world["campaign"]
    kwargs = {"slug": network.slug}
    if name not in {"campaign-list", "campaign-create"}:
        kwargs["pk"] = campaign.pk
    if name == "invitation-revoke":
        kwargs["invitation_pk"] = world["invitation"].pk
    if name == "pending-decide":
        kwargs["pending_pk"] = world["pending"].pk
    url = reverse(f"surveys:{name}", kwargs=kwargs)
    data = {"status": "closed", "who": "all", "action": "reject"}
    got = []
    # alice last: her POSTs change the campaign.
    for persona in ("bob", "charlie", "anonymous", "alice"):
        client = _clients(alice, bob, charlie)[persona]
        response = client.post(url, data) if name in POSTS else client.get(url)
        got.append((persona, response.status_code))
    expected = PAGE_EXPECTED[name]
    assert dict(got) == dict(zip(("alice", "bob", "charlie", "anonymous"), expected, strict=True))
    if name == "pending-decide":
        assert PendingMember.objects.get().status == PendingMember.Status.REJECTED


@pytest.mark.django_db
def test_a_member_sees_a_campaigns_aggregates_only_when_it_allows(network, world, alice, bob, charlie):
    campaign = world["campaign"]
    Campaign.objects.filter(pk=campaign.pk).update(visibility=Campaign.Visibility.AGGREGATES)
    bob_client = _clients(alice, bob, charlie)["bob"]

    results = bob_client.get(reverse("surveys:campaign-results", args=[network.slug, campaign.pk]))
    detail = bob_client.get(campaign.get_absolute_url())

    assert results.status_code == 200 and "Ana" not in results.content.decode()
    assert detail.status_code == 404


@pytest.mark.django_db
def test_another_networks_campaign_is_a_404_even_to_a_coordinator_of_this_one(
    network, other_network, world, alice, charlie
):
    elsewhere = open_campaign(network=other_network, user=charlie)
    client = _clients(alice, None, charlie)["alice"]

    assert (
        client.get(reverse("surveys:campaign-detail", args=[network.slug, elsewhere.pk])).status_code == 404
    )
    assert (
        client.get(reverse("surveys:campaign-detail", args=[other_network.slug, elsewhere.pk])).status_code
        == 404
    )
    api = APIClient()
    api.force_authenticate(alice)
    assert api.get(f"/api/v1/networks/{network.slug}/surveys/{elsewhere.pk}/").status_code == 404
    assert api.get(f"/api/v1/networks/{network.slug}/surveys/{elsewhere.pk}/results/").status_code == 404


def test_the_api_walk_covers_every_survey_route():
    routes = {
        str(p.pattern)
        for p in get_resolver().url_patterns
        for p in _flatten(p)
        if "surveys" in str(p.pattern) and "api" in str(p.pattern)
    }
    walked = {
        f"api/v1/networks/<slug:network_slug>/surveys/{suffix.replace('{pk}', '<pk>')}"
        for suffix in API_EXPECTED
    }
    assert {r.replace("(?P<pk>[^/.]+)", "<pk>").replace("^", "").replace("$", "") for r in routes} == walked


def _flatten(pattern, prefix=""):
    if isinstance(pattern, URLResolver):
        for child in pattern.url_patterns:
            yield from _flatten(child, prefix + str(pattern.pattern))
    else:
        yield type("P", (), {"pattern": prefix + str(pattern.pattern)})()


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", sorted(API_EXPECTED))
def test_each_survey_api_route_is_for_coordinators_only(suffix, network, world, alice, bob, charlie):
    url = f"/api/v1/networks/{network.slug}/surveys/" + suffix.format(pk=world["campaign"].pk)
    got = {}
    for persona, user in (("alice", alice), ("bob", bob), ("charlie", charlie), ("anonymous", None)):
        client = APIClient()
        if user:
            client.force_authenticate(user)
        got[persona] = (
            client.post(url, {"status": "draft"}, format="json")
            if suffix.endswith("status/")
            else client.get(url)
        ).status_code
    assert got == dict(zip(("alice", "bob", "charlie", "anonymous"), API_EXPECTED[suffix], strict=True))

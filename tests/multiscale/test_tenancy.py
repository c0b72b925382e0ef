"""Tenancy: every URL of the multiscale app, as each role of a meta-network and of one of its member
networks, under each kind of sharing agreement: nothing beyond the agreement, nothing at all after
leaving, and a 404 for outsiders.

North (the network under test) has a person "Sammy Quill" and an organisation "Hidden Orchard";
South (sharing people) has both too, so they become scale-crossers exactly when North shares them.
"""

import pytest
from django.test import Client

from multiscale import services
from multiscale.models import MemberNetwork, OrganisationMatch
from networks.models import Role
from tests.factories import MemberFactory, NetworkFactory, OrganisationFactory, RoleFactory, UserFactory

PERSON, PERSON_EMAIL, ORGANISATION = "Sammy Quill", "sammy@north.org", "Hidden Orchard"
NORTH_PROSPECT, META_PROSPECT = "Prospective Pat", "Prospective Mo"


def api_urls(slug, prospect_pk, link_pk):
    base = f"/api/v1/networks/{slug}"
    return {
        "prospects": f"{base}/prospects/",
        "prospect": f"{base}/prospects/{prospect_pk}/",
        "member-networks": f"{base}/member-networks/",
        "member-network": f"{base}/member-networks/{link_pk}/",
        "scale-crossers": f"{base}/scale-crossers/",
        "meta-map": f"{base}/meta-map/",
    }


def page_urls(slug, prospect_pk):
    base = f"/networks/{slug}/multiscale"
    return {
        "prospects page": f"{base}/prospects/",
        "prospect new page": f"{base}/prospects/new/",
        "prospect page": f"{base}/prospects/{prospect_pk}/",
        "member-networks page": f"{base}/member-networks/",
        "meta page": f"{base}/meta/",
    }


def urls(slug, prospect_pk, link_pk):
    return {**api_urls(slug, prospect_pk, link_pk), **page_urls(slug, prospect_pk)}


COORDINATOR_ONLY = {"prospects", "prospect", "prospects page", "prospect new page", "prospect page"}
STEWARDS_ONLY = COORDINATOR_ONLY | {"scale-crossers"}


@pytest.fixture(params=["figures", "organisations", "people"])
def world(request, db):
    meta = NetworkFactory(name="Valleys Together", slug="valleys")
    north = NetworkFactory(name="North Valley", slug="north")
    south = NetworkFactory(name="South Valley", slug="south")
    outside = NetworkFactory(name="Elsewhere", slug="elsewhere")
    users = {}
    for name, network, role in (
        ("meta-coordinator", meta, Role.COORDINATOR),
        ("meta-guardian", meta, Role.GUARDIAN),
        ("meta-member", meta, Role.MEMBER),
        ("north-coordinator", north, Role.COORDINATOR),
        ("north-member", north, Role.MEMBER),
        ("charlie", outside, Role.COORDINATOR),
    ):
        users[name] = UserFactory(username=name)
        RoleFactory(network=network, user=users[name], role=role)
    for network in (north, south):
        MemberFactory(network=network, name=PERSON, email=PERSON_EMAIL)
        OrganisationFactory(network=network, name=ORGANISATION)
    north_prospect = services.prospect_create(
        user=users["north-coordinator"], network=north, name=NORTH_PROSPECT, why="interested"
    )
    meta_prospect = services.prospect_create(
        user=users["meta-coordinator"], network=meta, name=META_PROSPECT, why="new_ideas"
    )
    for local, sharing in ((south, "people"), (north, request.param)):
        link = services.member_network_invite(
            user=users["meta-coordinator"], meta=meta, local_slug=local.slug, sharing=sharing
        )
        services.member_network_accept(user=None, link=link)
    link = MemberNetwork.objects.get(local=north)
    return {
        "sharing": request.param,
        "users": users,
        "link": link,
        "meta_urls": urls("valleys", meta_prospect.pk, link.pk),
        "north_urls": {
            **urls("north", north_prospect.pk, link.pk),
            "north members": "/api/v1/networks/north/members/",
            "north organisations": "/api/v1/networks/north/organisations/",
            "north member page": "/networks/north/members/",
        },
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def walk(user, url_map) -> dict[str, tuple[int, str]]:
    client = client_for(user)
    return {
        name: (response.status_code, response.content.decode())
        for name, url in url_map.items()
        for response in [client.get(url)]
    }


def expected_status(role: str, name: str) -> int:
    if role == "coordinator":
        return 200
    if role == "guardian":
        return 403 if name in COORDINATOR_ONLY else 200
    return 403 if name in STEWARDS_ONLY else 200


def forbidden_on_the_meta_side(sharing: str) -> list[str]:
    names = [NORTH_PROSPECT]
    if sharing != "people":
        names += [PERSON, PERSON_EMAIL]
    if sharing == "figures":
        names.append(ORGANISATION)
    return names


@pytest.mark.parametrize("role", ["coordinator", "guardian", "member"])
def test_the_meta_side_reads_nothing_beyond_the_agreement(world, role):
    seen = walk(world["users"][f"meta-{role}"], world["meta_urls"])
    assert {name: status for name, (status, _) in seen.items()} == {
        name: expected_status(role, name) for name in world["meta_urls"]
    }
    everything = "".join(body for status, body in seen.values() if status == 200)
    for secret in forbidden_on_the_meta_side(world["sharing"]):
        assert secret not in everything, f"{secret} readable under a {world['sharing']} agreement"
    if role != "member":
        crossers = seen["scale-crossers"][1]
        assert (PERSON in crossers) == (world["sharing"] == "people")
        assert (ORGANISATION in crossers) == (world["sharing"] != "figures")


@pytest.mark.parametrize("role", ["coordinator", "guardian", "member"])
def test_the_meta_side_cannot_open_the_member_networks_own_pages_or_api(world, role):
    seen = walk(world["users"][f"meta-{role}"], world["north_urls"])
    assert {status for status, _ in seen.values()} == {404}


@pytest.mark.parametrize("role", ["coordinator", "member"])
def test_the_member_networks_people_do_not_see_the_meta_network(world, role):
    seen = walk(world["users"][f"north-{role}"], world["meta_urls"])
    assert {status for status, _ in seen.values()} == {404}


@pytest.mark.parametrize("role", ["coordinator", "member"])
def test_the_member_networks_people_see_its_own_pages_by_role(world, role):
    own = {k: v for k, v in world["north_urls"].items() if not k.startswith("north ")}
    seen = walk(world["users"][f"north-{role}"], own)
    assert {name: status for name, (status, _) in seen.items()} == {
        name: expected_status(role, name) for name in own
    }
    assert "Valleys Together" in seen["member-networks"][1]


def test_an_outsider_gets_404_everywhere(world):
    seen = walk(world["users"]["charlie"], {**world["meta_urls"], **world["north_urls"]})
    assert {status for status, _ in seen.values()} == {404}


def test_an_outsider_cannot_write_either(world):
    client = client_for(world["users"]["charlie"])
    link = world["link"]
    for url in (
        f"/api/v1/networks/valleys/member-networks/{link.pk}/leave/",
        f"/api/v1/networks/north/member-networks/{link.pk}/leave/",
        f"/networks/valleys/multiscale/member-networks/{link.pk}/leave/",
        "/networks/north/multiscale/member-networks/request/",
    ):
        assert client.post(url, {"meta": "valleys", "sharing": "people"}).status_code == 404, url
    assert MemberNetwork.objects.filter(pk=link.pk).exists()


@pytest.mark.parametrize("role", ["coordinator", "guardian", "member"])
def test_after_leaving_nothing_of_the_network_is_readable(world, role):
    left = client_for(world["users"]["north-coordinator"]).post(
        f"/api/v1/networks/north/member-networks/{world['link'].pk}/leave/"
    )
    assert left.status_code == 204
    seen = walk(world["users"][f"meta-{role}"], world["meta_urls"])
    assert seen["member-network"][0] == 404
    everything = "".join(body for status, body in seen.values() if status == 200)
    for secret in ("North Valley", PERSON, PERSON_EMAIL, ORGANISATION, NORTH_PROSPECT):
        assert secret not in everything


def test_a_confirmed_name_shared_only_through_the_leaving_network_is_deleted_with_it(world):
    meta_coordinator = client_for(world["users"]["meta-coordinator"])
    confirmed = meta_coordinator.post(
        "/api/v1/networks/valleys/scale-crossers/confirm/",
        {"key": ORGANISATION},
        content_type="application/json",
    )
    # Under a figures-only agreement the name is not shared, so there is nothing to confirm.
    assert confirmed.status_code == (400 if world["sharing"] == "figures" else 204)
    assert OrganisationMatch.objects.exists() == (world["sharing"] != "figures")
    client_for(world["users"]["north-coordinator"]).post(
        f"/api/v1/networks/north/member-networks/{world['link'].pk}/leave/"
    )
    assert not OrganisationMatch.objects.exists()

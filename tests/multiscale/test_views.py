import pytest
from django.urls import reverse

from multiscale.models import MemberNetwork, OrganisationMatch, Prospect
from networks.models import Member, Relationship, Role
from tests.factories import MemberFactory, NetworkFactory, OrganisationFactory, RoleFactory, UserFactory


@pytest.fixture
def dora(network):
    return MemberFactory(network=network, name="Dora Outreach")


def test_alice_takes_a_prospect_from_identified_to_joined_through_the_pages(client, alice, network, dora):
    client.force_login(alice)
    response = client.post(
        reverse("multiscale:prospect-create", args=[network.slug]),
        {
            "kind": "person",
            "name": "Zoe Farmer",
            "email": "zoe@farm.org",
            "why": "other_sector",
            "reached_by": dora.pk,
            "identified_on": "2026-11-01",
            "notes": "",
        },
    )
    assert response.status_code == 302
    prospect = Prospect.objects.get(name="Zoe Farmer")
    listing = client.get(reverse("multiscale:prospect-list", args=[network.slug])).content.decode()
    assert "Zoe Farmer" in listing.split('id="stage-identified"')[1].split("</section>")[0]
    for stage in ("contacted", "talking"):
        client.post(reverse("multiscale:prospect-move", args=[network.slug, prospect.pk]), {"status": stage})
    joined = client.post(reverse("multiscale:prospect-join", args=[network.slug, prospect.pk]))
    member = Member.objects.get(network=network, email="zoe@farm.org")
    assert joined.url == member.get_absolute_url()
    assert Relationship.objects.filter(source=dora, target=member).exists()
    page = client.get(reverse("multiscale:prospect-edit", args=[network.slug, prospect.pk])).content.decode()
    history = page.split('id="prospect-history"')[1].split("</ol>")[0]
    assert [s in history for s in ("Identified", "Contacted", "Talking", "Joined")] == [True] * 4


def test_a_failed_join_shows_why_and_changes_nothing(client, alice, network, dora):
    client.force_login(alice)
    MemberFactory(network=network, name="Zoe", email="zoe@farm.org")
    prospect = Prospect.objects.create(
        network=network, name="Zoe Farmer", email="zoe@farm.org", why="interested"
    )
    response = client.post(reverse("multiscale:prospect-join", args=[network.slug, prospect.pk]), follow=True)
    assert "already has this email" in response.content.decode()
    prospect.refresh_from_db()
    assert prospect.status == "identified"


def test_bob_cannot_see_prospects_and_charlie_gets_404(client, bob, charlie, network):
    url = reverse("multiscale:prospect-list", args=[network.slug])
    client.force_login(bob)
    assert client.get(url).status_code == 403
    client.force_login(charlie)
    assert client.get(url).status_code == 404


def test_joining_a_meta_network_through_the_pages(client, alice, network):
    meta = NetworkFactory(name="Valleys Together", slug="valleys")
    mia = UserFactory(username="mia")
    RoleFactory(network=meta, user=mia, role=Role.COORDINATOR)
    client.force_login(mia)
    client.post(reverse("multiscale:meta-become", args=["valleys"]))
    client.force_login(alice)
    client.post(
        reverse("multiscale:member-network-request", args=[network.slug]),
        {"meta": "valleys", "sharing": "organisations"},
    )
    link = MemberNetwork.objects.get(meta=meta, local=network)
    assert link.status == "requested"
    client.force_login(mia)
    page = client.get(reverse("multiscale:member-network-list", args=["valleys"])).content.decode()
    assert "Healthy Valleys" in page and "Accept" in page
    client.post(reverse("multiscale:member-network-accept", args=["valleys", link.pk]))
    link.refresh_from_db()
    assert link.status == "active"
    assert (
        client.post(
            reverse("multiscale:member-network-sharing", args=["valleys", link.pk]), {"sharing": "people"}
        ).status_code
        == 403
    )
    client.force_login(alice)
    client.post(
        reverse("multiscale:member-network-sharing", args=[network.slug, link.pk]), {"sharing": "people"}
    )
    link.refresh_from_db()
    assert link.sharing == "people"
    client.post(reverse("multiscale:member-network-leave", args=[network.slug, link.pk]))
    assert not MemberNetwork.objects.filter(pk=link.pk).exists()


def test_a_guardian_confirms_an_organisation_match_from_the_meta_page(client, network):
    meta = NetworkFactory(name="Valleys Together", slug="valleys")
    gus = UserFactory(username="gus")
    RoleFactory(network=meta, user=gus, role=Role.GUARDIAN)
    south = NetworkFactory(name="South", slug="south")
    for local in (network, south):
        OrganisationFactory(network=local, name="Valley Clinic")
        MemberNetwork.objects.create(meta=meta, local=local, sharing="organisations", status="active")
    client.force_login(gus)
    page = client.get(reverse("multiscale:meta-overview", args=["valleys"])).content.decode()
    assert "Same organisation? Confirm" in page
    response = client.post(
        reverse("multiscale:organisation-match-confirm", args=["valleys"]),
        {"key": "valley clinic"},
        follow=True,
    )
    assert "Confirmed: these organisations are one." in response.content.decode()
    assert OrganisationMatch.objects.filter(meta=meta, key="valley clinic", confirmed_by=gus).exists()

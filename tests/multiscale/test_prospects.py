import pytest

from multiscale import services
from multiscale.models import Prospect
from networks.models import Member, Relationship
from tests.factories import MemberFactory

BASE = "/api/v1/networks/healthy-valleys/prospects/"


@pytest.fixture
def dora(network):
    return MemberFactory(network=network, name="Dora Outreach")


@pytest.fixture
def prospect(alice, network, dora):
    return services.prospect_create(
        user=alice,
        network=network,
        name="Zoe Farmer",
        email="zoe@farm.org",
        why="other_sector",
        reached_by=dora,
    )


def test_alice_adds_a_prospect_and_it_starts_identified_with_one_step(api, alice, dora):
    response = api(alice).post(
        BASE, {"name": "Zoe Farmer", "email": "zoe@farm.org", "why": "new_ideas", "reached_by": dora.pk}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "identified"
    assert [step["to_status"] for step in body["steps"]] == ["identified"]
    assert body["reached_by"] == dora.pk


def test_a_member_of_another_network_cannot_be_the_one_who_reaches_out(api, alice, charlie, other_network):
    stranger = MemberFactory(network=other_network)
    response = api(alice).post(BASE, {"name": "Zoe", "why": "new_ideas", "reached_by": stranger.pk})
    assert response.status_code == 400


def test_the_status_is_not_changed_by_an_update(api, alice, prospect):
    client = api(alice)
    refused = client.patch(f"{BASE}{prospect.pk}/", {"status": "talking", "notes": "met at the fair"})
    assert refused.status_code == 400
    prospect.refresh_from_db()
    assert (prospect.status, prospect.notes) == ("identified", "")
    assert client.patch(f"{BASE}{prospect.pk}/", {"notes": "met at the fair"}).status_code == 200
    prospect.refresh_from_db()
    assert (prospect.status, prospect.notes) == ("identified", "met at the fair")


def test_moving_a_prospect_records_each_step(api, alice, prospect):
    client = api(alice)
    assert client.post(f"{BASE}{prospect.pk}/move/", {"status": "contacted"}).status_code == 200
    body = client.post(f"{BASE}{prospect.pk}/move/", {"status": "talking", "note": "coffee"}).json()
    assert body["status"] == "talking"
    assert [(s["from_status"], s["to_status"], s["note"]) for s in body["steps"]] == [
        ("", "identified", ""),
        ("identified", "contacted", ""),
        ("contacted", "talking", "coffee"),
    ]


def test_moving_to_joined_is_refused_so_joining_always_makes_a_member(api, alice, prospect):
    response = api(alice).post(f"{BASE}{prospect.pk}/move/", {"status": "joined"})
    assert response.status_code == 400
    assert Prospect.objects.get(pk=prospect.pk).status == "identified"


def test_joining_makes_a_member_tied_to_whoever_reached_out_and_keeps_the_history(api, alice, prospect, dora):
    client = api(alice)
    client.post(f"{BASE}{prospect.pk}/move/", {"status": "talking"})
    body = client.post(f"{BASE}{prospect.pk}/join/", {}).json()
    member = Member.objects.get(pk=body["member"])
    assert (member.name, member.email, member.network_id) == (
        "Zoe Farmer",
        "zoe@farm.org",
        prospect.network_id,
    )
    tie = Relationship.objects.get(target=member)
    assert tie.source == dora
    assert f"Prospect #{prospect.pk}" in tie.provenance_detail
    assert [s["to_status"] for s in body["steps"]] == ["identified", "talking", "joined"]


def test_a_prospect_whose_email_is_already_a_members_does_not_join_and_stays_as_it_was(api, alice, prospect):
    MemberFactory(network=prospect.network, email="ZOE@farm.org")
    response = api(alice).post(f"{BASE}{prospect.pk}/join/", {})
    assert response.status_code == 400
    prospect.refresh_from_db()
    assert (prospect.status, prospect.member, prospect.steps.count()) == ("identified", None, 1)


def test_a_joined_prospect_cannot_join_twice_or_move(api, alice, prospect):
    client = api(alice)
    client.post(f"{BASE}{prospect.pk}/join/", {})
    assert client.post(f"{BASE}{prospect.pk}/join/", {}).status_code == 400
    assert client.post(f"{BASE}{prospect.pk}/move/", {"status": "not_now"}).status_code == 400
    assert Member.objects.filter(name="Zoe Farmer").count() == 1


def test_prospects_are_for_coordinators_bob_gets_403_and_charlie_404(api, bob, charlie, prospect):
    assert api(bob).get(BASE).status_code == 403
    assert api(bob).post(f"{BASE}{prospect.pk}/join/", {}).status_code == 403
    assert api(charlie).get(BASE).status_code == 404
    assert api(charlie).get(f"{BASE}{prospect.pk}/").status_code == 404


def test_another_networks_prospect_is_a_404(api, charlie, other_network, prospect):
    assert (
        api(charlie).get(f"/api/v1/networks/{other_network.slug}/prospects/{prospect.pk}/").status_code == 404
    )

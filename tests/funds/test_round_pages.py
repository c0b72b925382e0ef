"""Coordinator pages of a round: design group, hand-adjusted assignments, grantee reports, network effect."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from funds import services
from funds.models import DesignGroupMember, ReviewAssignment
from networks import snapshots
from networks.models import Member, MemberMetric, NetworkRole, Role, Snapshot
from tests.factories import MemberFactory, RelationshipFactory
from tests.funds.conftest import bob_member, make_reviewer, make_round, submit_proposal
from tests.funds.test_api import client_for

pytestmark = pytest.mark.django_db
SLUG = "healthy-valleys"
API = f"/api/v1/networks/{SLUG}"


def url(name, **kwargs):
    return reverse(f"funds:{name}", kwargs={"slug": SLUG, **kwargs})


# Design group


def test_design_group_page_alice_can_bob_cannot_charlie_gets_404(client, alice, bob, charlie, open_round):
    client.force_login(alice)
    assert client.get(url("round-design-group", pk=open_round.pk)).status_code == 200
    client.force_login(bob)
    assert client.get(url("round-design-group", pk=open_round.pk)).status_code == 403
    assert client.post(url("round-design-group", pk=open_round.pk), {"members": []}).status_code == 403
    client.force_login(charlie)
    assert client.get(url("round-design-group", pk=open_round.pk)).status_code == 404


def test_alice_sets_the_design_group_and_the_round_page_names_it(client, network, alice, open_round):
    ann, ben, cat = (MemberFactory(network=network, name=n) for n in ("Ann", "Ben", "Cat"))
    DesignGroupMember.objects.create(round=open_round, member=cat)
    client.force_login(alice)
    page = client.get(url("round-design-group", pk=open_round.pk))
    assert "Ann" in page.content.decode() and page.context["form"].initial["members"] == [cat]

    response = client.post(url("round-design-group", pk=open_round.pk), {"members": [ann.pk, ben.pk]})

    assert response.status_code == 302
    assert set(open_round.design_group.values_list("member__name", flat=True)) == {"Ann", "Ben"}
    detail = client.get(url("round-detail", pk=open_round.pk)).content.decode()
    assert "Ann; Ben" in detail and "Change the design group" in detail


def test_a_member_of_another_network_cannot_join_the_design_group(client, alice, other_network, open_round):
    stranger = MemberFactory(network=other_network, name="Stranger")
    client.force_login(alice)
    response = client.post(url("round-design-group", pk=open_round.pk), {"members": [stranger.pk]})
    assert response.status_code == 200 and response.context["form"].errors["members"]
    assert not open_round.design_group.exists()


# Assignments by hand


@pytest.fixture
def in_review(network, alice, applicant, open_round, orgs):
    """A round in review with bob's proposal, a free reviewer (Rita) and one who leads it (Bob Lead)."""
    proposal = submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )
    rita = make_reviewer(rnd=open_round, coordinator=alice, network=network, name="rita", community="N")
    conflicted = services.reviewer_add(user=alice, round=open_round, reviewer_user=applicant)
    services.round_transition(user=alice, round=open_round, status="review")
    return {"round": open_round, "proposal": proposal, "rita": rita, "conflicted": conflicted}


def test_adjusting_assignments_alice_can_bob_cannot_charlie_gets_404(client, alice, bob, charlie, in_review):
    rnd, rita, proposal = in_review["round"], in_review["rita"], in_review["proposal"]
    data = {"reviewer": rita.pk, "proposal": proposal.pk}
    client.force_login(bob)
    assert client.post(url("round-assignments-adjust", pk=rnd.pk), data).status_code == 403
    client.force_login(charlie)
    assert client.post(url("round-assignments-adjust", pk=rnd.pk), data).status_code == 404
    assert not ReviewAssignment.objects.exists()
    client.force_login(alice)
    response = client.post(url("round-assignments-adjust", pk=rnd.pk), data, follow=True)
    assert "Rita now reviews" in response.content.decode()
    assignment = ReviewAssignment.objects.get()
    assert (assignment.reviewer, assignment.proposal, assignment.by_hand) == (rita, proposal, True)


def test_the_assignments_page_refuses_a_conflict_and_says_why(client, alice, in_review):
    rnd, proposal = in_review["round"], in_review["proposal"]
    client.force_login(alice)
    data = {"reviewer": in_review["conflicted"].pk, "proposal": proposal.pk}
    response = client.post(url("round-assignments-adjust", pk=rnd.pk), data, follow=True)
    text = response.content.decode()
    assert "Not changed" in text and "conflict of interest: leads it; applied for it" in text
    assert not ReviewAssignment.objects.exists()


def test_alice_removes_an_assignment_from_the_assignments_page(client, alice, in_review):
    rnd, rita, proposal = in_review["round"], in_review["rita"], in_review["proposal"]
    (assignment,) = services.assignment_adjust(user=alice, round=rnd, add=[(rita, proposal)])
    client.force_login(alice)
    page = client.get(url("round-assignments", pk=rnd.pk)).content.decode()
    assert "Change assignments by hand" in page and f'value="{assignment.pk}"' in page
    response = client.post(url("round-assignments-adjust", pk=rnd.pk), {"remove": assignment.pk}, follow=True)
    assert "no longer reviews" in response.content.decode()
    assert not ReviewAssignment.objects.exists()
    response = client.post(url("round-assignments-adjust", pk=rnd.pk), {"remove": "nope"}, follow=True)
    assert "no longer exists" in response.content.decode()


def test_the_api_adjusts_assignments_and_names_a_conflict_in_its_400(alice, bob, charlie, in_review):
    rnd, rita, proposal = in_review["round"], in_review["rita"], in_review["proposal"]
    endpoint = f"{API}/rounds/{rnd.pk}/assignments/adjust/"
    add = {"add": [{"reviewer": rita.pk, "proposal": proposal.pk}]}
    assert client_for(bob).post(endpoint, add, format="json").status_code == 403
    assert client_for(charlie).post(endpoint, add, format="json").status_code == 404

    response = client_for(alice).post(endpoint, add, format="json")
    assert response.status_code == 200, response.json()
    (created,) = response.json()["created"]
    assert created["reviewer"] == rita.pk and created["by_hand"] is True

    clash = {"add": [{"reviewer": in_review["conflicted"].pk, "proposal": proposal.pk}]}
    response = client_for(alice).post(endpoint, clash, format="json")
    assert response.status_code == 400 and "conflict of interest" in str(response.json())
    assert client_for(alice).post(endpoint, {}, format="json").status_code == 400
    foreign = {"add": [{"reviewer": 999999, "proposal": proposal.pk}]}
    assert client_for(alice).post(endpoint, foreign, format="json").status_code == 400
    assert client_for(alice).post(endpoint, {"remove": [999999]}, format="json").status_code == 400

    response = client_for(alice).post(endpoint, {"remove": [created["id"]]}, format="json")
    assert response.json() == {"created": [], "removed": [created["id"]]}
    assert not ReviewAssignment.objects.exists()


# Grantee reports


def test_grantee_reports_page_alice_can_bob_cannot_charlie_gets_404(client, alice, bob, charlie, open_round):
    client.force_login(alice)
    page = client.get(url("round-reports", pk=open_round.pk))
    assert page.status_code == 200 and "No grants awarded in this round yet." in page.content.decode()
    client.force_login(bob)
    assert client.get(url("round-reports", pk=open_round.pk)).status_code == 403
    client.force_login(charlie)
    assert client.get(url("round-reports", pk=open_round.pk)).status_code == 404


def test_grantee_reports_show_who_reported_spent_against_awarded_and_lessons(
    client, alice, applicant, in_review
):
    award = services.award_make(user=alice, proposal=in_review["proposal"], amount="5000")
    report = {"done": "Three walking buses ran all term.", "people_involved": 40}
    services.grantee_report_submit(
        user=applicant,
        award=award,
        kind="midpoint",
        spent="2000",
        learned="Parents want a Friday bus.",
        **report,
    )
    client.force_login(alice)
    page = client.get(url("round-reports", pk=in_review["round"].pk))
    overview = page.context["overview"]
    assert (overview.midpoint_in, overview.final_in, overview.spent, overview.awarded) == (1, 0, 2000, 5000)
    text = page.content.decode()
    assert "2,000 of 5,000" in text and "(40%)" in text and "Parents want a Friday bus." in text
    assert "not yet" in text

    services.grantee_report_submit(
        user=applicant,
        award=award,
        kind="final",
        spent="4900",
        learned="Older pupils lead the buses now.",
        **report,
    )
    page = client.get(url("round-reports", pk=in_review["round"].pk))
    assert page.context["overview"].spent == 4900
    text = page.content.decode()
    assert "Older pupils lead the buses now." in text and "Midpoint report" in text and "(98%)" in text
    assert "Grantee reports" in client.get(url("round-detail", pk=in_review["round"].pk)).content.decode()


# What the round did to the network


def _compute(network) -> Snapshot:
    # Changes to the network queue a snapshot by themselves; compute that one if it is there.
    queued = Snapshot.objects.filter(network=network, status=Snapshot.Status.QUEUED).first()
    return snapshots.snapshot_compute(snapshot_id=(queued or Snapshot.objects.create(network=network)).pk)


def test_without_snapshots_the_round_page_says_so_and_links_to_the_dashboard(
    client, network, alice, open_round
):
    client.force_login(alice)
    page = client.get(url("round-detail", pk=open_round.pk))
    assert page.context["change"].reason == "no_snapshots"
    text = page.content.decode()
    assert "never been computed" in text
    assert reverse("networks:dashboard", kwargs={"slug": SLUG}) in text


def test_the_round_page_compares_the_network_before_the_decision_with_now(
    client, network, alice, applicant, open_round, orgs
):
    a, b, c = orgs[:3]
    RelationshipFactory(network=network, source=a, target=b)
    RelationshipFactory(network=network, source=b, target=c)
    proposal = submit_proposal(
        rnd=open_round,
        user=applicant,
        lead=bob_member(network, applicant),
        partners=[a, b, c, "Riverside Youth Club"],
    )
    services.round_transition(user=alice, round=open_round, status="review")
    _compute(network)
    client.force_login(alice)
    assert client.get(url("round-detail", pk=open_round.pk)).context["change"].reason == "no_award"

    services.award_make(user=alice, proposal=proposal, amount="5000")
    # Computed after the award but before the decision: the award has not changed the network yet.
    before = _compute(network)
    page = client.get(url("round-detail", pk=open_round.pk))
    assert page.context["change"].reason == "not_decided"
    assert "join the network when the round is decided" in page.content.decode()

    services.round_transition(user=alice, round=open_round, status="decided")
    page = client.get(url("round-detail", pk=open_round.pk))
    assert page.context["change"].reason == "none_since"
    assert "not been computed since" in page.content.decode()

    after = _compute(network)
    page = client.get(url("round-detail", pk=open_round.pk))
    change = page.context["change"]
    assert (change.older, change.newer) == (before, after)
    comparison = change.comparison
    assert [m["name"] for m in comparison["new_members"]] == ["Riverside Youth Club"]
    # A–C closes the triangle through B; the newcomer's three ties are new but close nothing yet.
    assert len(comparison["new_ties"]) == 4
    assert [(t["a"]["name"], t["b"]["name"]) for t in comparison["triangles_closed"]] == [("Org A", "Org C")]
    effect = page.context["effect"]
    # The award records a collaboration tie for every partner pair, A–B and B–C included, although
    # those pairs already had a tie of another kind; the snapshots count pairs, so they see 4 new ones.
    assert len(effect.newcomers) == 1 and len(effect.new_ties) == 6
    text = page.content.decode()
    assert "triangle closed" in text and "Org A and Org C" in text and "See everything that changed" in text


def test_a_round_decided_before_any_snapshot_has_no_before_to_compare(
    client, network, alice, applicant, open_round, orgs
):
    proposal = submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )
    services.round_transition(user=alice, round=open_round, status="review")
    services.award_make(user=alice, proposal=proposal, amount="5000")
    services.round_transition(user=alice, round=open_round, status="decided")
    _compute(network)
    client.force_login(alice)
    page = client.get(url("round-detail", pk=open_round.pk))
    assert page.context["change"].reason == "none_before"
    assert "no “before”" in page.content.decode()


def _snapshot_detecting(network, communities: dict) -> Snapshot:
    now = timezone.now()
    snapshot = Snapshot.objects.create(
        network=network, status=Snapshot.Status.DONE, started_at=now, finished_at=now
    )
    MemberMetric.objects.bulk_create(
        MemberMetric(snapshot=snapshot, member=m, community=c) for m, c in communities.items()
    )
    return snapshot


def test_ties_across_communities_come_from_the_communities_the_newer_snapshot_detected(
    client, network, alice, applicant, open_round, orgs
):
    a, b, c = orgs[:3]  # typed-in communities A, B and C
    proposal = submit_proposal(
        rnd=open_round,
        user=applicant,
        lead=bob_member(network, applicant),
        partners=[a, b, c, "Riverside Youth Club"],
    )
    services.round_transition(user=alice, round=open_round, status="review")
    services.award_make(user=alice, proposal=proposal, amount="5000")
    services.round_transition(user=alice, round=open_round, status="decided")
    client.force_login(alice)
    page = client.get(url("round-detail", pk=open_round.pk))
    assert page.context["change"].ties_across_communities is None
    assert "once the network's figures are computed" in page.content.decode()

    # The map put A and B together; the newcomer is newer than these figures.
    _snapshot_detecting(network, {a: 0, b: 0, c: 1})
    change = client.get(url("round-detail", pk=open_round.pk)).context["change"]
    assert (change.round_ties, change.ties_across_communities, change.ties_unplaced) == (6, 2, 3)

    newcomer = Member.objects.get(network=network, name="Riverside Youth Club")
    _snapshot_detecting(network, {a: 0, b: 0, c: 1, newcomer: 1})
    page = client.get(url("round-detail", pk=open_round.pk))
    change = page.context["change"]
    # A–C, B–C, A–Riverside and B–Riverside cross; A–B and C–Riverside do not.
    assert (change.ties_across_communities, change.ties_unplaced) == (4, 0)
    text = page.content.decode()
    assert "<strong>4</strong> of this round's 6 collaboration ties join organisations in different" in text


# Signing up through the public link


def test_a_visitor_signs_up_through_the_public_link_and_applies_as_a_member(client, network, open_round):
    join = url("round-join", token=open_round.public_token)
    page = client.get(join)
    assert page.status_code == 200 and "Make an account to apply" in page.content.decode()
    response = client.post(
        join,
        {
            "name": "Dana Osei",
            "username": "dana",
            "email": "dana@example.org",
            "password": "river-bus-lantern",
            "password_again": "river-bus-lantern",
        },
    )
    assert response.status_code == 302 and response.url == url("proposal-create", round_pk=open_round.pk)
    dana = get_user_model().objects.get(username="dana")
    assert dana.email == "dana@example.org" and dana.check_password("river-bus-lantern")
    assert list(NetworkRole.objects.filter(user=dana).values_list("network", "role")) == [
        (network.pk, Role.MEMBER)
    ]
    person = Member.objects.get(network=network, user=dana)
    assert (person.name, person.kind, person.email) == ("Dana Osei", Member.Kind.PERSON, "dana@example.org")
    page = client.get(response.url)  # signed in and allowed to apply, as the lead by default
    assert page.status_code == 200 and page.context["form"].initial["lead"] == person


def test_signing_up_names_each_problem_and_creates_nobody(client, alice, open_round):
    join = url("round-join", token=open_round.public_token)
    response = client.post(
        join,
        {"username": "ALICE", "email": "not-an-address", "password": "1234", "password_again": "12345"},
    )
    form = response.context["form"]
    assert response.status_code == 200 and set(form.errors) == {"name", "email", "password_again"}
    response = client.post(
        join,
        {
            "name": "Another Alice",
            "username": "Alice",
            "email": "new@example.org",
            "password": "12345678",
            "password_again": "12345678",
        },
    )
    form = response.context["form"]
    assert "taken" in str(form.errors["username"]) and "entirely numeric" in str(form.errors["password"])
    assert get_user_model().objects.count() == 1


def test_a_closed_round_link_offers_no_sign_up_and_a_wrong_link_is_a_404(client, alice, fund):
    draft = make_round(user=alice, fund=fund, status="draft", title="Later")
    page = client.get(url("round-join", token=draft.public_token))
    assert (
        "not open for proposals yet" in page.content.decode()
        and "Make an account" not in page.content.decode()
    )
    data = {
        "name": "Eve",
        "username": "eve",
        "email": "eve@example.org",
        "password": "x-lantern-9",
        "password_again": "x-lantern-9",
    }
    response = client.post(url("round-join", token=draft.public_token), data)
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert not get_user_model().objects.filter(username="eve").exists()
    assert client.get(url("round-join", token="wrong")).status_code == 404


def test_someone_who_applied_cannot_join_the_design_group(client, network, alice, in_review):
    client.force_login(alice)
    lead = in_review["proposal"].lead
    response = client.post(url("round-design-group", pk=in_review["round"].pk), {"members": [lead.pk]})
    assert "Bob Lead applied to this round" in str(response.context["form"].errors["members"])
    assert not in_review["round"].design_group.exists()

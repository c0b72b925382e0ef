"""The round's design group, reviewer pool, assignments, conflicts and assignment preview over the API."""

import pytest

from funds import services
from funds.models import DesignGroupMember, ReviewAssignment, Reviewer
from networks.models import NetworkRole, Role
from networks.services import relationship_add
from tests.factories import MemberFactory, OrganisationFactory, RoleFactory, UserFactory
from tests.funds.conftest import bob_member, make_reviewer, make_round, submit_proposal
from tests.funds.test_api import BASE, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(network, applicant, open_round, orgs):
    return submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )


def rounds_url(rnd, rest=""):
    return f"{BASE}/rounds/{rnd.pk}/{rest}"


@pytest.mark.parametrize("resource", ["design-group/", "reviewers/", "assignments/", "conflicts/"])
def test_round_resources_alice_can_bob_cannot_charlie_gets_404(alice, bob, charlie, open_round, resource):
    assert client_for(alice).get(rounds_url(open_round, resource)).status_code == 200
    assert client_for(bob).get(rounds_url(open_round, resource)).status_code == 403
    assert client_for(charlie).get(rounds_url(open_round, resource)).status_code == 404


@pytest.mark.parametrize("resource", ["design-group/", "reviewers/", "assignments/", "conflicts/"])
def test_another_networks_round_is_a_404_even_to_its_own_coordinator(
    alice, charlie, other_network, resource, network
):
    theirs = make_round(
        user=charlie, fund=services.fund_create(user=charlie, network=other_network, name="F")
    )
    assert client_for(alice).get(f"{BASE}/rounds/{theirs.pk}/{resource}").status_code == 404
    url = f"/api/v1/networks/{other_network.slug}/rounds/{theirs.pk}/{resource}"
    assert client_for(charlie).get(url).status_code == 200


def test_a_draft_round_is_a_404_to_members_as_everywhere(alice, bob, fund):
    draft = make_round(user=alice, fund=fund, status="draft")
    assert client_for(bob).get(rounds_url(draft, "reviewers/")).status_code == 404


def test_alice_adds_lists_and_removes_design_group_members_and_an_applicant_is_refused(
    network, alice, bob, applicant, submitted, open_round
):
    ann = MemberFactory(network=network, name="Ann Shaper")
    url = rounds_url(open_round, "design-group/")

    response = client_for(alice).post(url, {"member": ann.pk})
    assert response.status_code == 201
    assert response.json() == {"member": ann.pk, "name": "Ann Shaper"}
    assert client_for(alice).get(url).json()["results"] == [{"member": ann.pk, "name": "Ann Shaper"}]
    refused = client_for(alice).post(url, {"member": bob_member(network, applicant).pk})
    assert refused.status_code == 400
    assert "applied to this round" in refused.json()["errors"][0]["detail"]
    assert client_for(bob).post(url, {"member": ann.pk}).status_code == 403
    assert client_for(bob).delete(f"{url}{ann.pk}/").status_code == 403
    assert client_for(alice).delete(f"{url}{ann.pk}/").status_code == 204
    assert not DesignGroupMember.objects.exists()
    assert client_for(alice).delete(f"{url}{ann.pk}/").status_code == 404


def test_a_person_of_another_network_cannot_join_the_design_group(alice, open_round, other_network):
    stranger = MemberFactory(network=other_network, name="Stranger")
    response = client_for(alice).post(rounds_url(open_round, "design-group/"), {"member": stranger.pk})
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "member"


def test_giving_a_person_the_reviewer_role_puts_them_in_the_pool_in_one_step(
    network, alice, open_round, mailoutbox, django_capture_on_commit_callbacks
):
    rita = MemberFactory(network=network, name="Rita Reader", email="rita@example.org", community="South")
    url = rounds_url(open_round, "reviewers/")

    refused = client_for(alice).post(url, {"member": rita.pk})
    assert refused.status_code == 400 and "grant_role" in refused.json()["errors"][0]["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(url, {"member": rita.pk, "grant_role": True})

    assert response.status_code == 201, response.json()
    body = response.json()
    rita.refresh_from_db()
    assert (body["member"], body["user"], body["name"], body["community"]) == (
        rita.pk,
        rita.user_id,
        "Rita Reader",
        "South",
    )
    assert set(NetworkRole.objects.filter(user=rita.user).values_list("role", flat=True)) == {Role.REVIEWER}
    assert [m.to for m in mailoutbox] == [["rita@example.org"]]
    listed = client_for(alice).get(url).json()["results"]
    assert [(r["id"], r["assigned"], r["reviewed"]) for r in listed] == [(body["id"], 0, 0)]


def test_granting_the_reviewer_role_keeps_the_roles_a_person_holds(network, alice, open_round):
    user = UserFactory(username="fac")
    RoleFactory(network=network, user=user, role=Role.FACILITATOR)
    person = MemberFactory(network=network, name="Fay", user=user)
    response = client_for(alice).post(
        rounds_url(open_round, "reviewers/"), {"member": person.pk, "grant_role": True, "is_guardian": True}
    )
    assert response.status_code == 201 and response.json()["is_guardian"] is True
    roles = set(NetworkRole.objects.filter(user=user).values_list("role", flat=True))
    assert roles == {Role.FACILITATOR, Role.REVIEWER}


def test_only_coordinators_grant_the_reviewer_role(network, bob, open_round):
    rita = MemberFactory(network=network, name="Rita", email="rita@example.org")
    response = client_for(bob).post(
        rounds_url(open_round, "reviewers/"), {"member": rita.pk, "grant_role": True}
    )
    assert response.status_code == 403
    assert not NetworkRole.objects.filter(role=Role.REVIEWER).exists() and not Reviewer.objects.exists()


def test_a_login_with_a_role_joins_the_pool_by_user_id_and_one_without_is_a_400(
    network, alice, bob, open_round
):
    url = rounds_url(open_round, "reviewers/")
    assert client_for(alice).post(url, {"user": bob.pk}).status_code == 201
    outsider = UserFactory(username="nobody")
    response = client_for(alice).post(url, {"user": outsider.pk})
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "user"
    assert client_for(alice).post(url, {"user": bob.pk, "member": 1}).status_code == 400


def test_a_reviewer_leaves_the_pool_with_their_open_assignments_but_not_after_reviewing(
    network, alice, submitted, open_round
):
    rita = make_reviewer(rnd=open_round, coordinator=alice, network=network, name="rita")
    sam = make_reviewer(rnd=open_round, coordinator=alice, network=network, name="sam")
    services.round_transition(user=alice, round=open_round, status="review")
    services.reviewers_assign(user=alice, round=open_round)
    criteria = {c.pk: 4 for c in open_round.criteria.all()}
    services.review_submit(user=sam.user, assignment=sam.assignments.get(), scores=criteria)

    url = rounds_url(open_round, "reviewers/")
    refused = client_for(alice).delete(f"{url}{sam.pk}/")
    assert refused.status_code == 400 and "already written a review" in refused.json()["errors"][0]["detail"]
    assert client_for(alice).delete(f"{url}{rita.pk}/").status_code == 204
    assert list(Reviewer.objects.all()) == [sam]
    assert ReviewAssignment.objects.filter(reviewer_id=rita.pk).count() == 0
    assert NetworkRole.objects.filter(user=rita.user, role=Role.REVIEWER).exists()


def test_coordinators_list_a_rounds_assignments_with_filters_and_adjust_one(
    network, alice, applicant, open_round, orgs
):
    first = submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )
    second = submit_proposal(
        rnd=open_round,
        user=applicant,
        lead=bob_member(network, applicant),
        partners=orgs[2:5],
        title="Gardens",
    )
    pool = [
        make_reviewer(rnd=open_round, coordinator=alice, network=network, name=n, community=c)
        for n, c in [("rita", "N"), ("sam", "S"), ("tess", "E"), ("uma", "W")]
    ]
    services.round_transition(user=alice, round=open_round, status="review")
    services.reviewers_assign(user=alice, round=open_round)
    url = rounds_url(open_round, "assignments/")

    everything = client_for(alice).get(url).json()
    assert everything["count"] == 6
    mine = client_for(alice).get(url, {"reviewer": pool[0].pk}).json()["results"]
    assert {a["reviewer"] for a in mine} == {pool[0].pk} and mine
    gardens = client_for(alice).get(url, {"proposal": second.pk}).json()["results"]
    assert len(gardens) == 3 and {a["proposal_title"] for a in gardens} == {"Gardens"}
    assert all(a["conflicts"] == [] and a["status"] == "assigned" for a in gardens)
    assert client_for(alice).get(url, {"status": "recused"}).json()["count"] == 0
    assert client_for(alice).get(url, {"status": "nonsense"}).status_code == 400
    assert client_for(alice).get(url, {"reviewer": 10**30}).json()["count"] == 0

    taken = gardens[0]
    response = client_for(alice).post(
        rounds_url(open_round, "assignments/adjust/"), {"remove": [taken["id"]]}, format="json"
    )
    assert response.status_code == 200 and response.json()["removed"] == [taken["id"]]
    assert client_for(alice).get(f"{url}{taken['id']}/").status_code == 404
    assert client_for(alice).get(url, {"proposal": first.pk}).json()["count"] == 3


def test_an_assignment_that_became_a_conflict_says_so_and_conflicts_are_listed_with_reasons(
    network, alice, submitted, open_round, orgs
):
    rita = make_reviewer(rnd=open_round, coordinator=alice, network=network, name="rita")
    services.round_transition(user=alice, round=open_round, status="review")
    (assignment,) = services.assignment_adjust(user=alice, round=open_round, add=[(rita, submitted)])
    relationship_add(user=alice, network=network, source=orgs[1], target=rita.member, kind="advises")

    listed = client_for(alice).get(rounds_url(open_round, f"assignments/{assignment.pk}/")).json()
    conflicts = client_for(alice).get(rounds_url(open_round, "conflicts/"), {"reviewer": rita.pk}).json()

    reason = {"code": "tie_to_organisation", "detail": "has a direct tie to Org B (a partner organisation)"}
    assert listed["conflicts"] == [reason]
    assert conflicts["results"] == [
        {
            "reviewer": rita.pk,
            "reviewer_name": "Rita",
            "proposal": submitted.pk,
            "proposal_title": submitted.title,
            "reasons": [reason],
        }
    ]


def test_the_preview_suggests_reviews_per_proposal_so_every_volunteer_reads_two_or_three(
    network, alice, applicant, open_round
):
    organisations = [OrganisationFactory(network=network, name=f"Partner {i}") for i in range(12)]
    for i in range(4):
        submit_proposal(
            rnd=open_round,
            user=applicant,
            lead=bob_member(network, applicant),
            partners=organisations[3 * i : 3 * i + 3],
            title=f"Project {i}",
        )
    for i in range(10):
        make_reviewer(
            rnd=open_round, coordinator=alice, network=network, name=f"vol{i}", community="NSEW"[i % 4]
        )
    url = rounds_url(open_round, "assignment-preview/")

    with_defaults = client_for(alice).get(url).json()
    suggested = with_defaults["suggested_reviews_per_proposal"]
    tried = client_for(alice).get(url, {"reviews_per_proposal": suggested}).json()

    assert (with_defaults["volunteers"], with_defaults["proposals"]) == (10, 4)
    # The round's 3 reviews per proposal give most volunteers one proposal; floor(10 × 3 / 4) = 7 gives 2–3.
    assert (with_defaults["reads_per_reviewer_min"], with_defaults["reads_per_reviewer_max"]) == (1, 2)
    assert (suggested, with_defaults["suggested_max_per_reviewer"]) == (7, 3)
    assert (tried["reviews_per_proposal_min"], tried["reviews_per_proposal_max"]) == (7, 7)
    assert (tried["reads_per_reviewer_min"], tried["reads_per_reviewer_max"]) == (2, 3)
    assert tried["new_assignments"] == 28 and tried["proposals_short"] == 0
    assert not ReviewAssignment.objects.exists()
    assert client_for(alice).get(url, {"reviews_per_proposal": 0}).status_code == 400
    assert client_for(applicant).get(url).status_code == 403

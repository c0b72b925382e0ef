import pytest
from rest_framework.test import APIClient

from funds import services
from funds.models import ReviewAssignment
from networks.models import Role
from tests.factories import RoleFactory, UserFactory
from tests.funds.conftest import bob_member, make_reviewer, make_round, submit_proposal

pytestmark = pytest.mark.django_db
BASE = "/api/v1/networks/healthy-valleys"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def submitted(network, applicant, open_round, orgs):
    return submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )


def test_alice_can_set_up_a_fund_and_round_bob_cannot_charlie_gets_404(alice, bob, charlie, network):
    response = client_for(alice).post(f"{BASE}/funds/", {"name": "Valley Fund"}, format="json")
    assert response.status_code == 201
    fund_id = response.json()["id"]
    round_data = {
        "fund": fund_id,
        "title": "Autumn",
        "budget": "15000",
        "grant_min": "1500",
        "grant_max": "5000",
        "opens_on": "2030-01-01",
        "closes_on": "2030-02-01",
        "criteria": [{"name": "Collaboration", "weight": "2"}, {"name": "Newness", "weight": "1"}],
    }
    response = client_for(alice).post(f"{BASE}/rounds/", round_data, format="json")
    assert response.status_code == 201, response.json()
    assert [c["name"] for c in response.json()["criteria"]] == ["Collaboration", "Newness"]
    assert client_for(bob).post(f"{BASE}/funds/", {"name": "Mine"}, format="json").status_code == 403
    assert client_for(bob).post(f"{BASE}/rounds/", round_data, format="json").status_code == 403
    assert client_for(charlie).get(f"{BASE}/funds/").status_code == 404
    assert client_for(charlie).get(f"{BASE}/rounds/").status_code == 404


def test_a_bad_round_is_a_400_naming_the_field(alice, fund):
    response = client_for(alice).post(
        f"{BASE}/rounds/",
        {
            "fund": fund.pk,
            "title": "Bad",
            "budget": "1000",
            "grant_min": "1500",
            "grant_max": "5000",
            "opens_on": "2030-01-01",
            "closes_on": "2030-02-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"grant_max"}


def test_an_illegal_transition_is_a_400(alice, open_round):
    response = client_for(alice).post(f"{BASE}/rounds/{open_round.pk}/transition/", {"status": "closed"})
    assert response.status_code == 400


def test_draft_rounds_are_hidden_from_members(alice, bob, fund, open_round):
    draft = make_round(user=alice, fund=fund, status="draft", title="Secret")
    ids = {r["id"] for r in client_for(bob).get(f"{BASE}/rounds/").json()["results"]}
    assert ids == {open_round.pk}
    assert client_for(bob).get(f"{BASE}/rounds/{draft.pk}/").status_code == 404


def test_an_applicant_drafts_and_submits_and_every_failed_rule_is_named(network, applicant, open_round, orgs):
    client = client_for(applicant)
    response = client.post(
        f"{BASE}/proposals/",
        {
            "round": open_round.pk,
            "title": "Walking buses",
            "summary": "Together",
            "amount": "9000",
            "lead": bob_member(network, applicant).pk,
            "partners": [orgs[0].pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pid = response.json()["id"]
    response = client.post(f"{BASE}/proposals/{pid}/submit/")
    assert response.status_code == 400
    attrs = {e["attr"] for e in response.json()["errors"]}
    assert attrs == {"amount", "partners", "is_new_project"}
    response = client.patch(
        f"{BASE}/proposals/{pid}/",
        {
            "round": open_round.pk,
            "title": "Walking buses",
            "summary": "Together",
            "amount": "5000",
            "lead": bob_member(network, applicant).pk,
            "is_new_project": True,
            "partners": [orgs[0].pk, orgs[1].pk],
            "new_partners": ["Riverside Youth Club"],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert client.post(f"{BASE}/proposals/{pid}/submit/").json()["status"] == "submitted"


def test_applicants_see_only_their_own_proposals(network, alice, submitted, charlie):
    dave = UserFactory(username="dave")
    RoleFactory(network=network, user=dave, role=Role.MEMBER)
    assert client_for(dave).get(f"{BASE}/proposals/").json()["results"] == []
    assert client_for(dave).get(f"{BASE}/proposals/{submitted.pk}/").status_code == 404
    assert client_for(alice).get(f"{BASE}/proposals/{submitted.pk}/").status_code == 200
    assert client_for(charlie).get(f"{BASE}/proposals/{submitted.pk}/").status_code == 404


def test_awarding_over_the_api_alice_can_bob_cannot_charlie_gets_404(
    alice, applicant, charlie, open_round, submitted
):
    services.round_transition(user=alice, round=open_round, status="review")
    url = f"{BASE}/proposals/{submitted.pk}/award/"
    assert client_for(applicant).post(url, {"amount": "5000"}).status_code == 403
    assert client_for(charlie).post(url, {"amount": "5000"}).status_code == 404
    assert client_for(alice).post(url, {"amount": "50000"}).status_code == 400
    response = client_for(alice).post(url, {"amount": "5000"})
    assert response.status_code == 201
    assert response.json()["spend_by"]
    # Before the decision the applicant still sees "submitted" and no award.
    assert client_for(applicant).get(f"{BASE}/proposals/{submitted.pk}/").json()["status"] == "submitted"
    assert client_for(applicant).get(f"{BASE}/awards/").json()["results"] == []
    services.round_transition(user=alice, round=open_round, status="decided")
    assert client_for(applicant).get(f"{BASE}/proposals/{submitted.pk}/").json()["status"] == "awarded"
    assert len(client_for(applicant).get(f"{BASE}/awards/").json()["results"]) == 1


def test_reviewers_see_only_their_assignments_review_and_recuse(network, alice, open_round, submitted):
    rita = make_reviewer(rnd=open_round, coordinator=alice, network=network, name="rita")
    sam = make_reviewer(rnd=open_round, coordinator=alice, network=network, name="sam", community="B")
    tess = make_reviewer(rnd=open_round, coordinator=alice, network=network, name="tess", community="C")
    services.round_update(user=alice, round=open_round, reviews_per_proposal=2, max_per_reviewer=1)
    services.round_transition(user=alice, round=open_round, status="review")
    response = client_for(alice).post(f"{BASE}/rounds/{open_round.pk}/assign-reviewers/")
    assert response.status_code == 200
    assert response.json()["created"] == 2 and response.json()["short"] == {}

    assigned = {a.reviewer_id: a for a in ReviewAssignment.objects.all()}
    reviewer = next(rv for rv in (rita, sam, tess) if rv.pk in assigned)
    idle = next(rv for rv in (rita, sam, tess) if rv.pk not in assigned)
    mine = client_for(reviewer.user).get(f"{BASE}/reviews/").json()["results"]
    assert [a["id"] for a in mine] == [assigned[reviewer.pk].pk]
    assert client_for(idle.user).get(f"{BASE}/reviews/").json()["results"] == []
    other = next(a for rid, a in assigned.items() if rid != reviewer.pk)
    assert client_for(reviewer.user).get(f"{BASE}/reviews/{other.pk}/").status_code == 404

    c1, c2 = open_round.criteria.all()
    url = f"{BASE}/reviews/{mine[0]['id']}/submit/"
    assert client_for(reviewer.user).post(url, {"scores": {c1.pk: 9}}, format="json").status_code == 400
    response = client_for(reviewer.user).post(
        url, {"scores": {c1.pk: 4, c2.pk: 3}, "comment": "Good"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "submitted"

    response = client_for(other.reviewer.user).post(
        f"{BASE}/reviews/{other.pk}/recuse/", {"reason": "I know Bob"}
    )
    assert response.status_code == 200
    assert response.json()["reassigned_to"] is not None
    assert ReviewAssignment.objects.get(pk=response.json()["reassigned_to"]).reviewer == idle


def test_ranking_and_portfolio_are_for_coordinators(alice, bob, charlie, open_round, submitted):
    assert client_for(alice).get(f"{BASE}/rounds/{open_round.pk}/ranking/").status_code == 200
    portfolio = client_for(alice).get(f"{BASE}/rounds/{open_round.pk}/portfolio/")
    assert portfolio.status_code == 200 and "knapsack" in portfolio.json()
    assert client_for(bob).get(f"{BASE}/rounds/{open_round.pk}/ranking/").status_code == 403
    assert client_for(charlie).get(f"{BASE}/rounds/{open_round.pk}/ranking/").status_code == 404


def test_bob_sees_no_ties_newcomers_or_totals_of_the_awards_until_the_round_is_decided(
    network, alice, applicant, open_round, orgs
):
    proposal = submit_proposal(
        rnd=open_round,
        user=applicant,
        lead=bob_member(network, applicant),
        partners=[*orgs[:3], "Riverside Youth Club"],
    )
    services.round_transition(user=alice, round=open_round, status="review")
    services.award_make(user=alice, proposal=proposal, amount="5000")
    bob = client_for(applicant)

    def seen_by_bob():
        ties = bob.get(f"{BASE}/relationships/").json()["results"]
        organisations = bob.get(f"{BASE}/organisations/").json()["results"]
        rnd = bob.get(f"{BASE}/rounds/{open_round.pk}/").json()
        return (
            [t for t in ties if t["provenance"] == "fund"],
            {o["name"] for o in organisations},
            (rnd["awarded_total"], rnd["remaining_budget"]),
        )

    fund_ties, organisations, totals = seen_by_bob()
    assert fund_ties == [] and "Riverside Youth Club" not in organisations and totals == (None, None)
    assert bob.get(f"{BASE}/rounds/").json()["results"][0]["awarded_total"] is None
    as_alice = client_for(alice).get(f"{BASE}/rounds/{open_round.pk}/").json()
    assert (as_alice["awarded_total"], as_alice["remaining_budget"]) == ("5000.00", "15000.00")

    services.round_transition(user=alice, round=open_round, status="decided")
    fund_ties, organisations, totals = seen_by_bob()
    assert len(fund_ties) == 6  # every pair of the four partners
    assert "Riverside Youth Club" in organisations
    assert totals == ("5000.00", "15000.00")


def test_ranking_and_portfolio_amounts_are_decimal_strings_as_the_schema_says(alice, open_round, submitted):
    ranking = client_for(alice).get(f"{BASE}/rounds/{open_round.pk}/ranking/").json()
    assert ranking and all(isinstance(row["amount"], str) for row in ranking)
    portfolio = client_for(alice).get(f"{BASE}/rounds/{open_round.pk}/portfolio/").json()
    assert isinstance(portfolio["remaining_budget"], str)
    for suggestion in (portfolio["rank_order"], portfolio["knapsack"]):
        assert isinstance(suggestion["total_amount"], str) and isinstance(suggestion["remaining"], str)
        assert set(suggestion) == {"funded", "left_out", "total_amount", "total_score", "remaining"}

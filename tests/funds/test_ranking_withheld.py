"""A coordinator who reviews a proposal sees no scores of it on the ranking until their review is in."""

import pytest
from django.urls import reverse

from funds import selectors, services
from funds.models import ReviewAssignment
from networks.models import Role
from tests.factories import RoleFactory, UserFactory
from tests.funds.conftest import bob_member, make_reviewer, submit_proposal
from tests.funds.test_api import BASE, client_for
from tests.funds.test_reviewing import scores_for

pytestmark = pytest.mark.django_db

LINE = "You review this proposal: its scores show once"


@pytest.fixture
def ranked(network, alice, applicant, open_round, orgs):
    """Three proposals reviewed by rita (5, 4 and 2); alice also reviews the middle one, not yet sent."""
    lead = bob_member(network, applicant)
    walking, cooking, garden = (
        submit_proposal(rnd=open_round, user=applicant, lead=lead, partners=orgs[:3], title=title)
        for title in ("Walking buses", "Cooking club", "Garden beds")
    )
    services.round_transition(user=alice, round=open_round, status="review")
    rita = make_reviewer(rnd=open_round, coordinator=alice, network=network, name="rita")
    as_reviewer = services.reviewer_add(user=alice, round=open_round, reviewer_user=alice)
    services.assignment_adjust(
        user=alice,
        round=open_round,
        add=[(rita, walking), (rita, cooking), (rita, garden), (as_reviewer, cooking)],
    )
    for proposal, score in ((walking, 5), (cooking, 4), (garden, 2)):
        assignment = ReviewAssignment.objects.get(reviewer=rita, proposal=proposal)
        services.review_submit(
            user=rita.user, assignment=assignment, scores=scores_for(open_round, score, score), comment=""
        )
    mine = ReviewAssignment.objects.get(reviewer=as_reviewer, proposal=cooking)
    return open_round, walking, cooking, garden, mine


@pytest.fixture
def erin(network):
    """Another coordinator, who reviews nothing."""
    user = UserFactory(username="erin")
    RoleFactory(network=network, user=user, role=Role.COORDINATOR)
    return user


def ranking_page(client, user, rnd):
    client.force_login(user)
    return client.get(reverse("funds:round-ranking", kwargs={"slug": "healthy-valleys", "pk": rnd.pk}))


def test_the_ranking_page_hides_the_scores_of_a_proposal_alice_reviews_until_her_review_is_in(
    client, alice, ranked
):
    rnd, walking, cooking, garden, mine = ranked
    page = ranking_page(client, alice, rnd)
    assert [(s.rank, p) for s, p in page.context["rows"]] == [(1, walking), (2, garden)]
    assert page.context["withheld"] == [cooking]
    assert page.context["choice"] is None
    html = page.content.decode()
    assert LINE in html
    assert "4.00" not in html  # rita's score of the cooking club
    assert "Best total score" not in html and "once <a" in html
    # She can still decide on it from the ranking.
    assert reverse("funds:proposal-award", kwargs={"slug": "healthy-valleys", "pk": cooking.pk}) in html

    services.review_submit(user=alice, assignment=mine, scores=scores_for(rnd, 3, 3), comment="")
    page = ranking_page(client, alice, rnd)
    assert [p for _, p in page.context["rows"]] == [walking, cooking, garden]
    assert page.context["withheld"] == [] and LINE not in page.content.decode()
    assert "Best total score" in page.content.decode()


def test_another_coordinator_sees_every_score_and_rank(client, erin, ranked):
    rnd, walking, cooking, garden, _ = ranked
    page = ranking_page(client, erin, rnd)
    assert [(s.rank, p, s.mean) for s, p in page.context["rows"]] == [
        (1, walking, 5.0),
        (2, cooking, 4.0),
        (3, garden, 2.0),
    ]
    assert page.context["withheld"] == [] and page.context["choice"] is not None


def test_the_api_ranking_withholds_the_scores_from_alice_and_ranks_the_rest_among_themselves(
    alice, erin, ranked
):
    rnd, walking, cooking, garden, mine = ranked
    url = f"{BASE}/rounds/{rnd.pk}/ranking/"
    rows = client_for(alice).get(url).json()
    assert [(r["proposal"], r["rank"], r["scores_withheld"]) for r in rows] == [
        (walking.pk, 1, False),
        (garden.pk, 2, False),
        (cooking.pk, None, True),
    ]
    hidden = rows[-1]
    assert [hidden[k] for k in ("reviews", "mean", "spread", "adjusted", "low", "high")] == [None] * 6
    assert hidden["note"] == "You review this proposal: its scores show once your review is in."
    assert rows[0]["note"] == "" and rows[0]["mean"] == 5.0

    portfolio = client_for(alice).get(f"{BASE}/rounds/{rnd.pk}/portfolio/").json()
    assert portfolio["scores_withheld"] is True
    assert portfolio["rank_order"] is None and portfolio["knapsack"] is None
    assert float(portfolio["remaining_budget"]) == 20000

    others = client_for(erin).get(url).json()
    assert [(r["proposal"], r["rank"], r["mean"]) for r in others] == [
        (walking.pk, 1, 5.0),
        (cooking.pk, 2, 4.0),
        (garden.pk, 3, 2.0),
    ]
    assert client_for(erin).get(f"{BASE}/rounds/{rnd.pk}/portfolio/").json()["scores_withheld"] is False

    services.review_submit(user=alice, assignment=mine, scores=scores_for(rnd, 3, 3), comment="")
    rows = client_for(alice).get(url).json()
    assert not any(r["scores_withheld"] for r in rows) and len(rows) == 3
    assert client_for(alice).get(f"{BASE}/rounds/{rnd.pk}/portfolio/").json()["knapsack"] is not None


def test_the_ranking_and_the_reviews_follow_one_rule_a_recused_reviewer_sees_the_scores(alice, ranked):
    rnd, _, cooking, _, mine = ranked
    assert selectors.reviews_withheld_from(user=alice, proposals=[cooking]) == {cooking.pk}
    assert list(selectors.reviews_visible_to(user=alice, proposal=cooking)) == []
    services.review_recuse(user=alice, assignment=mine, reason="I advise Org A.")
    assert selectors.reviews_withheld_from(user=alice, proposals=[cooking]) == set()
    assert len(selectors.reviews_visible_to(user=alice, proposal=cooking)) == 1
    assert selectors.round_ranking_for(user=alice, rnd=rnd).withheld == []

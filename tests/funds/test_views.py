import pytest
from django.urls import reverse

from funds import services
from funds.models import Proposal, ReviewAssignment
from networks.models import Role
from tests.factories import RoleFactory, UserFactory
from tests.funds.conftest import bob_member, make_reviewer, submit_proposal

pytestmark = pytest.mark.django_db
SLUG = "healthy-valleys"


def url(name, **kwargs):
    return reverse(f"funds:{name}", kwargs={"slug": SLUG, **kwargs})


@pytest.fixture
def submitted(network, applicant, open_round, orgs):
    return submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )


def test_the_funds_page_alice_manages_bob_reads_charlie_gets_404(
    client, alice, bob, charlie, fund, open_round
):
    client.force_login(alice)
    page = client.get(url("fund-list"))
    assert page.status_code == 200 and b"Start a fund" in page.content and b"Spring round" in page.content
    client.force_login(bob)
    page = client.get(url("fund-list"))
    assert page.status_code == 200 and b"Start a fund" not in page.content
    assert client.post(url("fund-list"), {"name": "Bob's fund"}).status_code == 403
    client.force_login(charlie)
    assert client.get(url("fund-list")).status_code == 404


@pytest.mark.parametrize("name", ["round-assignments", "round-ranking"])
def test_coordinator_pages_alice_can_bob_cannot_charlie_gets_404(
    client, alice, bob, charlie, open_round, submitted, name
):
    client.force_login(alice)
    assert client.get(url(name, pk=open_round.pk)).status_code == 200
    client.force_login(bob)
    assert client.get(url(name, pk=open_round.pk)).status_code == 403
    client.force_login(charlie)
    assert client.get(url(name, pk=open_round.pk)).status_code == 404


def test_alice_sets_up_a_round_with_its_rubric(client, alice, fund):
    client.force_login(alice)
    response = client.post(
        url("round-create", fund_pk=fund.pk),
        {
            "title": "Summer",
            "budget": "30000",
            "grant_min": "1500",
            "grant_max": "8000",
            "spend_window_months": "6",
            "opens_on": "2030-06-01",
            "closes_on": "2030-07-01",
            "min_partners": "3",
            "review_mode": "volunteer",
            "reviews_per_proposal": "3",
            "max_per_reviewer": "3",
            "criteria": "Collaboration | 2 | Real partners\nNewness | 1",
        },
    )
    assert response.status_code == 302
    rnd = fund.rounds.get(title="Summer")
    assert [(c.name, float(c.weight)) for c in rnd.criteria.all()] == [
        ("Collaboration", 2.0),
        ("Newness", 1.0),
    ]


def test_the_apply_page_names_every_failed_rule_and_keeps_the_draft(
    client, network, applicant, open_round, orgs
):
    client.force_login(applicant)
    assert client.get(url("proposal-create", round_pk=open_round.pk)).status_code == 200
    response = client.post(
        url("proposal-create", round_pk=open_round.pk),
        {
            "title": "Walking buses",
            "summary": "Together",
            "amount": "99000",
            "partners": [orgs[0].pk],
            "submit": "1",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "between 1,500 and 8,000" in text
    assert "at least 3 different partner organisations" in text
    assert "new projects only" in text
    assert "Name the person who leads" in text
    draft = Proposal.objects.get(submitted_by=applicant)
    assert draft.status == Proposal.Status.DRAFT
    response = client.post(
        url("proposal-edit", round_pk=open_round.pk, pk=draft.pk),
        {
            "title": "Walking buses",
            "summary": "Together",
            "amount": "5000",
            "lead": bob_member(network, applicant).pk,
            "partners": [orgs[0].pk, orgs[1].pk],
            "new_partners": "Riverside Youth Club",
            "is_new_project": "on",
            "submit": "1",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Proposal.Status.SUBMITTED
    assert Proposal.objects.filter(submitted_by=applicant).count() == 1


def test_another_member_cannot_open_bobs_proposal(client, network, submitted):
    dave = UserFactory(username="dave")
    RoleFactory(network=network, user=dave, role=Role.MEMBER)
    client.force_login(dave)
    assert client.get(url("proposal-detail", pk=submitted.pk)).status_code == 404


def test_my_reviews_shows_only_mine_and_others_reviews_only_after_mine(
    client, network, alice, open_round, submitted
):
    reviewers = [
        make_reviewer(rnd=open_round, coordinator=alice, network=network, name=n, community=c)
        for n, c in [("rita", "N"), ("sam", "S"), ("tess", "E")]
    ]
    services.round_update(user=alice, round=open_round, reviews_per_proposal=2, max_per_reviewer=1)
    services.round_transition(user=alice, round=open_round, status="review")
    services.reviewers_assign(user=alice, round=open_round)
    first, second = ReviewAssignment.objects.select_related("reviewer__user")
    idle = next(r for r in reviewers if r.pk not in (first.reviewer_id, second.reviewer_id))
    c1, c2 = open_round.criteria.all()
    services.review_submit(
        user=first.reviewer.user, assignment=first, scores={c1.pk: 5, c2.pk: 4}, comment="Bravo"
    )

    client.force_login(idle.user)
    assert b"Nothing to review" in client.get(url("my-reviews")).content
    assert client.get(url("review-form", pk=first.pk)).status_code == 404

    client.force_login(second.reviewer.user)
    page = client.get(url("review-form", pk=second.pk))
    assert page.status_code == 200 and b"Bravo" not in page.content
    response = client.post(url("review-form", pk=second.pk), {f"score_{c1.pk}": "3", f"score_{c2.pk}": "2"})
    assert response.status_code == 302
    assert b"Bravo" in client.get(url("review-form", pk=second.pk)).content


def test_the_ranking_page_explains_its_columns_and_awards(client, alice, open_round, submitted):
    services.round_transition(user=alice, round=open_round, status="review")
    client.force_login(alice)
    page = client.get(url("round-ranking", pk=open_round.pk))
    assert b"What the columns mean" in page.content and b"Best total score" in page.content
    response = client.post(url("proposal-award", pk=submitted.pk), {"amount": "5000"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Proposal.Status.AWARDED


def test_the_public_link_lets_an_outsider_join_and_apply(client, charlie, open_round):
    client.force_login(charlie)
    response = client.get(url("round-join", token=open_round.public_token))
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200
    assert client.get(url("round-join", token="wrong")).status_code == 404

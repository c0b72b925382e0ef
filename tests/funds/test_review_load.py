"""Reviews per proposal suggested from the pool, so that every volunteer reads 2–3."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funds import services
from funds.assignment import assign_volunteers, suggest_reviews
from funds.models import ReviewAssignment
from tests.factories import OrganisationFactory
from tests.funds.conftest import bob_member, make_reviewer, submit_proposal


@pytest.mark.parametrize(
    ("volunteers", "proposals", "expected"),
    [
        (200, 40, (15, 3)),  # the field test: 600 reviews, every volunteer reads 3
        (50, 40, (3, 3)),  # 120 reviews over 50: 2 or 3 each
        (10, 4, (7, 3)),
        (30, 40, (2, 3)),  # floor(90 / 40) = 2: 80 reviews, 2 or 3 each
        (20, 40, (2, 4)),  # too few for 2 reviews each at 3: volunteers read 4
        (1, 5, (1, 5)),  # never more reviews than the pool
        (0, 5, (2, 3)),
    ],
)
def test_the_suggestion_follows_the_documented_formula(volunteers, proposals, expected):
    assert suggest_reviews(volunteers=volunteers, proposals=proposals) == expected


@given(volunteers=st.integers(2, 300), proposals=st.integers(1, 300))
def test_the_suggestion_covers_every_proposal_and_gives_each_volunteer_two_or_three_when_the_pool_allows(
    volunteers, proposals
):
    r, k = suggest_reviews(volunteers=volunteers, proposals=proposals)
    mean_reads = proposals * r / volunteers
    assert 2 <= r <= volunteers
    assert proposals * r <= volunteers * k  # room for every review the proposals need
    if proposals >= 2:
        assert mean_reads >= 2
    if 2 * proposals <= 3 * volunteers:
        # Assignment balances loads to within one of the mean, so everyone reads 2 or 3.
        assert k == 3 and mean_reads <= 3
    else:
        # Too few volunteers for 2 reviews each at 3 apiece: they read as few more as will do.
        assert (r, k) == (2, math.ceil(2 * proposals / volunteers))


def test_assigning_with_the_suggestion_gives_two_hundred_volunteers_two_or_three_each():
    volunteers = {f"v{i}": "NSEW"[i % 4] for i in range(200)}
    r, k = suggest_reviews(volunteers=200, proposals=40)
    plan = assign_volunteers(proposals=list(range(40)), reviewers=volunteers, conflicts=set(), r=r, k=k)
    loads = plan.coverage.load_per_reviewer.values()
    assert plan.coverage.fully_covered and min(loads) >= 2 and max(loads) <= 3


@pytest.mark.django_db
def test_the_assignments_page_previews_the_suggestion_and_saves_it_on_the_round(
    client, network, alice, applicant, open_round
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
    client.force_login(alice)
    url = f"/networks/{network.slug}/funds/rounds/{open_round.pk}/assignments/"

    page = client.get(url).content.decode()
    assert "give each proposal <strong>7 reviews</strong>, with at most <strong>3</strong>" in page
    assert "would add" not in page  # the preview runs the whole assignment: only when asked
    current = client.get(
        url, {"reviews_per_proposal": 3, "max_per_reviewer": 3, "preview": 1}
    ).content.decode()
    assert (
        "would add 12 assignments: each proposal would get 3 reviews and each reviewer read 1–2." in current
    )
    tried = client.get(url, {"reviews_per_proposal": 7, "max_per_reviewer": 3, "preview": 1}).content.decode()
    assert "would add 28 assignments: each proposal would get 7 reviews and each reviewer read 2–3." in tried
    assert "Use 7 reviews per proposal and at most 3 per reviewer for this round" in tried
    assert not ReviewAssignment.objects.exists()

    client.post(url, {"set_reviews": "1", "reviews_per_proposal": 7, "max_per_reviewer": 3})
    open_round.refresh_from_db()
    assert (open_round.reviews_per_proposal, open_round.max_per_reviewer) == (7, 3)
    services.reviewers_assign(user=alice, round=open_round)
    assert ReviewAssignment.objects.count() == 28

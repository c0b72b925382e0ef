"""Funds in a browser: a coordinator edits a round, reads the ranking and awards; a reviewer sends scores."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import formats
from playwright.sync_api import expect

from funds import services
from funds.models import Proposal, ReviewAssignment
from networks import snapshots
from networks.models import Member, Role, Snapshot
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, MemberFactory, OrganisationFactory, RoleFactory, UserFactory
from tests.funds.conftest import make_reviewer, make_round, submit_proposal

SLUG = "healthy-valleys"
# In rank order the big first project leaves too little for the next; the best total funds the two others.
PROJECTS = [("Walking buses", "7000"), ("Repair café", "4000"), ("Garden swaps", "4000")]


def _compute(network) -> Snapshot:
    # Changes to the network queue a snapshot by themselves; compute that one if it is there.
    queued = Snapshot.objects.filter(network=network, status=Snapshot.Status.QUEUED).first()
    return snapshots.snapshot_compute(snapshot_id=(queued or Snapshot.objects.create(network=network)).pk)


@pytest.fixture
def reviewed_round(transactional_db, network, alice):
    """A round in review: three proposals, four reviewers, every review in except one of Rita's."""
    fund = services.fund_create(user=alice, network=network, name="Valley Innovation Fund")
    rnd = make_round(
        user=alice,
        fund=fund,
        budget=Decimal("9000"),
        reviews_per_proposal=2,
        max_per_reviewer=2,
        override_reason="A test round outside the usual figures.",
    )
    orgs = [OrganisationFactory(network=network, name=f"Org {c}", community=c) for c in "ABCDEF"]
    proposals = []
    for i, (title, amount) in enumerate(PROJECTS):
        user = UserFactory(username=f"applicant{i}")
        RoleFactory(network=network, user=user, role=Role.MEMBER)
        lead = MemberFactory(network=network, name=f"Lead {i}", user=user, community="Z")
        proposals.append(
            submit_proposal(
                rnd=rnd, user=user, lead=lead, partners=orgs[i : i + 3], title=title, amount=amount
            )
        )
    reviewers = [
        make_reviewer(rnd=rnd, coordinator=alice, network=network, name=n, community=c)
        for n, c in [("rita", "North"), ("sam", "South"), ("tess", "East")]
    ]
    services.round_transition(user=alice, round=rnd, status="review")
    services.round_update(
        user=alice, round=rnd, review_deadline=datetime.date.today() + datetime.timedelta(days=9)
    )
    services.reviewers_assign(user=alice, round=rnd)
    criteria = list(rnd.criteria.all())
    rita = reviewers[0]
    left_for_rita = ReviewAssignment.objects.filter(reviewer=rita).order_by("proposal__title").first()
    scores = {"Walking buses": 5, "Repair café": 4, "Garden swaps": 3}
    for a in ReviewAssignment.objects.select_related("reviewer__user", "proposal").exclude(
        pk=left_for_rita.pk
    ):
        score = scores[a.proposal.title]
        services.review_submit(
            user=a.reviewer.user,
            assignment=a,
            scores={c.pk: score for c in criteria},
            comment=f"{a.reviewer} thinks it is worth a {score}.",
        )
    return {"round": rnd, "proposals": proposals, "rita": rita, "left": left_for_rita, "criteria": criteria}


def test_a_reviewer_opens_my_reviews_and_sends_scores(page, shot, reviewed_round):
    left, criteria = reviewed_round["left"], reviewed_round["criteria"]
    log_in(page, "rita", PASSWORD)
    page.goto(f"/networks/{SLUG}/funds/")
    page.get_by_role("link", name="My reviews").click()
    page.wait_for_url("**/funds/reviews/")
    assert page.get_by_role("heading", name="My reviews").is_visible()
    shot(page, "my-reviews")

    page.get_by_role("link", name=left.proposal.title).click()
    assert page.get_by_role("heading", name=left.proposal.title).is_visible()
    shot(page, "review-form")
    for c in criteria:
        page.locator(f"input[name='score_{c.pk}'][value='4']").check()
    page.get_by_role("textbox", name="Comment").fill("Clear plan, real partners.")
    page.get_by_role("button", name="Send my review").click()
    page.wait_for_url(f"**/funds/reviews/{left.pk}/")
    expect(page.get_by_text("Your review is in.")).to_be_visible()
    assert page.get_by_role("heading", name="Other reviews").is_visible()
    shot(page, "review-sent")

    left.refresh_from_db()
    assert left.status == ReviewAssignment.Status.SUBMITTED
    assert sorted(s.score for s in left.review.scores.all()) == [4, 4]


def test_a_coordinator_reads_the_ranking_and_awards_a_proposal(page, shot, reviewed_round):
    rnd = reviewed_round["round"]
    log_in(page, "alice", PASSWORD)
    page.goto(f"/networks/{SLUG}/")
    page.get_by_role("link", name="Funds").first.click()
    page.get_by_role("link", name=rnd.title).click()
    page.wait_for_url(f"**/funds/rounds/{rnd.pk}/")
    assert page.get_by_role("heading", name="What this round did to the network").is_visible()
    shot(page, "round")

    page.get_by_role("link", name="Ranking, portfolio & awards").click()
    page.wait_for_url("**/ranking/")
    page.get_by_text("What the columns mean").click()
    expect(page.get_by_text("The mean corrected for generous and harsh reviewers")).to_be_visible()
    rank_order = page.get_by_role("heading", name="In rank order")
    best_total = page.get_by_role("heading", name="Best total score")
    assert rank_order.is_visible() and best_total.is_visible()
    left_box, right_box = rank_order.bounding_box(), best_total.bounding_box()
    assert abs(left_box["y"] - right_box["y"]) < 5 and left_box["x"] < right_box["x"]  # side by side
    shot(page, "ranking")

    row = page.locator("tr", has_text="Walking buses")
    rank_card, best_card = page.locator(".card", has=rank_order), page.locator(".card", has=best_total)
    assert "Funds 1" in rank_card.inner_text() and "Funds 2" in best_card.inner_text()
    row.get_by_label("Amount to award").fill("7000")
    row.get_by_role("button", name="Award").click()
    page.wait_for_url("**/ranking/")
    expect(page.get_by_text("Awarded 7,000 to “Walking buses”")).to_be_visible()
    shot(page, "awarded")

    walking = Proposal.objects.get(round=rnd, title="Walking buses")
    assert walking.status == Proposal.Status.AWARDED and walking.award.amount == 7000


def test_a_coordinator_adjusts_assignments_by_hand_and_reads_the_round_pages(
    page, shot, reviewed_round, alice
):
    rnd = reviewed_round["round"]
    applicant = get_user_model().objects.get(username="applicant0")
    services.reviewer_add(user=alice, round=rnd, reviewer_user=applicant)
    log_in(page, "alice", PASSWORD)
    page.goto(f"/networks/{SLUG}/funds/rounds/{rnd.pk}/assignments/")
    page.get_by_label("Reviewer").select_option(label="Lead 0")
    page.get_by_label("Proposal").select_option(label="Walking buses")
    page.get_by_role("button", name="Add this reviewer").click()
    expect(page.get_by_text("a conflict of interest")).to_be_visible()
    page.get_by_label("Reviewer").select_option(label="Lead 0")
    page.get_by_label("Proposal").select_option(label="Repair café")
    page.get_by_role("button", name="Add this reviewer").click()
    expect(page.get_by_text("Lead 0 now reviews “Repair café”")).to_be_visible()
    shot(page, "assignments")
    page.get_by_role("button", name="Take Lead 0 off “Repair café”").click()
    expect(page.get_by_text("Lead 0 no longer reviews “Repair café”")).to_be_visible()

    page.goto(f"/networks/{SLUG}/funds/rounds/{rnd.pk}/")
    page.get_by_role("link", name="Change the design group").click()
    page.get_by_label("Rita").check()
    shot(page, "design-group")
    page.get_by_role("button", name="Save the design group").click()
    expect(page.get_by_text("The design group now has 1 people.")).to_be_visible()

    before = _compute(rnd.fund.network)
    award = services.award_make(user=alice, proposal=reviewed_round["proposals"][0], amount="7000")
    services.grantee_report_submit(
        user=award.proposal.submitted_by,
        award=award,
        kind="midpoint",
        spent="3100",
        done="Two routes run every school day.",
        learned="Grandparents are the most reliable walkers.",
        people_involved=35,
    )
    page.get_by_role("link", name="Grantee reports").click()
    expect(page.get_by_text("Grandparents are the most reliable walkers.")).to_be_visible()
    shot(page, "reports")

    services.round_transition(user=alice, round=rnd, status="decided")
    after = _compute(rnd.fund.network)
    page.get_by_role("link", name=rnd.title).click()
    effect = page.locator("#network-effect")
    expect(effect.get_by_text("See everything that changed")).to_be_visible()
    link = effect.get_by_role("link", name="See everything that changed").get_attribute("href")
    assert link.endswith(f"?older={before.pk}&newer={after.pk}")
    shot(page, "round-network-effect")


def test_a_visitor_signs_up_through_the_public_link_and_starts_a_proposal(page, shot, reviewed_round, alice):
    fund = reviewed_round["round"].fund
    rnd = make_round(user=alice, fund=fund, title="Autumn round")
    page.goto(f"/networks/{SLUG}/funds/join/{rnd.public_token}/")
    assert page.get_by_role("heading", name="Make an account to apply").is_visible()
    page.get_by_label("Your name").fill("Dana Osei")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("E-mail address").fill("dana@example.org")
    page.locator("#id_password").fill("river-bus-lantern")
    page.get_by_label("Password again").fill("river-bus-lantern")
    shot(page, "sign-up")
    page.get_by_role("button", name="Make my account and apply").click()
    page.wait_for_url(f"**/funds/rounds/{rnd.pk}/apply/")
    expect(page.get_by_text("Your account is ready.")).to_be_visible()
    expect(page.get_by_label("Lead")).to_have_value(str(Member.objects.get(user__username="dana").pk))
    shot(page, "apply")


def test_a_coordinator_adds_a_rubric_criterion_and_a_sharing_session_to_a_draft_round(
    page, shot, transactional_db, network, alice
):
    fund = services.fund_create(user=alice, network=network, name="Valley Innovation Fund")
    rnd = make_round(user=alice, fund=fund, status="draft", title="Summer round")
    sharing_on = datetime.date.today() + datetime.timedelta(days=200)
    log_in(page, "alice", PASSWORD)
    page.goto(f"/networks/{SLUG}/funds/rounds/{rnd.pk}/")
    assert page.get_by_role("heading", name="Summer round").is_visible()
    expect(page.get_by_text("Sharing session")).to_have_count(0)

    page.get_by_role("link", name="Edit the round").click()
    page.wait_for_url(f"**/funds/rounds/{rnd.pk}/edit/")
    rubric = page.get_by_label("Rubric")
    expect(rubric).to_have_value(
        "Collaboration | 2 | Do the partners really work together?\nNewness | 1 | Is this something new here?"
    )
    rubric.press("Control+End")  # type a new last line, as someone adding a criterion would
    rubric.press_sequentially("\nReach | 1.5 | Does it reach families the network misses?")
    page.get_by_label("Final sharing session").fill(sharing_on.isoformat())
    shot(page, "round-edit")
    page.get_by_role("button", name="Save the round").click()

    page.wait_for_url(f"**/funds/rounds/{rnd.pk}/")
    expect(page.get_by_text("The round's settings were saved.")).to_be_visible()
    criteria = page.locator("h2:has-text('How proposals are scored') + ul li")
    expect(criteria).to_have_text(
        [
            "Collaboration (weight 2): Do the partners really work together?",
            "Newness (weight 1): Is this something new here?",
            "Reach (weight 1.50): Does it reach families the network misses?",
        ]
    )
    session = page.locator("dt:has-text('Sharing session') + dd")
    expect(session).to_have_text(formats.date_format(sharing_on))
    shot(page, "round-edited")

    rnd.refresh_from_db()
    assert rnd.status == "draft" and rnd.sharing_session_on == sharing_on
    assert [(c.name, c.weight) for c in rnd.criteria.order_by("position", "id")] == [
        ("Collaboration", 2),
        ("Newness", 1),
        ("Reach", Decimal("1.5")),
    ]

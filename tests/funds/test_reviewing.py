import datetime

import pytest
from celery.schedules import crontab
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from funds import selectors, services
from funds.models import Proposal, ReviewAssignment
from funds.tasks import review_reminders_due, send_assignment_emails, send_review_reminders
from networks.services import relationship_add
from tests.factories import MemberFactory, UserFactory
from tests.funds.conftest import bob_member, make_reviewer, make_round, submit_proposal
from tests.funds.test_api import client_for
from weaver.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewing(network, alice, applicant, open_round, orgs):
    """One submitted proposal by bob, three volunteers (r=2, k=1) and the round in review."""
    proposal = submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )
    open_round.reviews_per_proposal = 2
    open_round.max_per_reviewer = 1
    open_round.save(update_fields=["reviews_per_proposal", "max_per_reviewer"])
    reviewers = [
        make_reviewer(rnd=open_round, coordinator=alice, network=network, name=name, community=community)
        for name, community in [("rita", "North"), ("sam", "North"), ("tess", "South")]
    ]
    services.round_transition(user=alice, round=open_round, status="review")
    open_round.refresh_from_db()
    services.reviewers_assign(user=alice, round=open_round)
    return open_round, proposal, reviewers


def scores_for(rnd, collaboration=4, newness=3):
    c1, c2 = rnd.criteria.all()
    return {c1.pk: collaboration, c2.pk: newness}


def assignment_of(reviewer, proposal):
    return ReviewAssignment.objects.get(reviewer=reviewer, proposal=proposal)


def test_a_reviewer_who_recuses_is_replaced_by_an_eligible_reviewer(reviewing):
    _, proposal, _ = reviewing
    assigned = list(ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user"))
    assert len(assigned) == 2
    leaving = assigned[0]
    _, replacement = services.review_recuse(
        user=leaving.reviewer.user, assignment=leaving, reason="I advise Org A."
    )
    leaving.refresh_from_db()
    assert leaving.status == ReviewAssignment.Status.RECUSED
    assert leaving.recuse_reason == "I advise Org A."
    on_it = {a.reviewer_id for a in assigned}
    assert replacement is not None and replacement.reviewer_id not in on_it
    active = ReviewAssignment.objects.filter(proposal=proposal).exclude(status="recused")
    assert active.count() == 2


def test_recusing_needs_a_reason_and_the_reviewer_themselves(reviewing, alice):
    _, proposal, _ = reviewing
    a = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user").first()
    with pytest.raises(ValidationError):
        services.review_recuse(user=a.reviewer.user, assignment=a, reason="  ")
    with pytest.raises(PermissionDenied):
        services.review_recuse(user=alice, assignment=a, reason="not mine")


def test_a_recused_reviewer_is_not_assigned_the_proposal_again(reviewing, alice):
    rnd, proposal, _ = reviewing
    a = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user").first()
    services.review_recuse(user=a.reviewer.user, assignment=a, reason="conflict")
    services.reviewers_assign(user=alice, round=rnd)
    assert ReviewAssignment.objects.filter(proposal=proposal, reviewer=a.reviewer).count() == 1


def test_no_replacement_means_the_proposal_is_short_not_given_to_a_conflicted_reviewer(
    network, alice, applicant, open_round, orgs
):
    proposal = submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )
    only = make_reviewer(rnd=open_round, coordinator=alice, network=network, name="olga")
    make_reviewer(rnd=open_round, coordinator=alice, network=network, name="pete", organisations=[orgs[0]])
    services.round_transition(user=alice, round=open_round, status="review")
    result = services.reviewers_assign(user=alice, round=open_round)
    assert [(a.reviewer_id, a.proposal_id) for a in result.created] == [(only.pk, proposal.pk)]
    a = result.created[0]
    _, replacement = services.review_recuse(user=only.user, assignment=a, reason="I know Bob well")
    assert replacement is None


def test_scores_must_cover_every_criterion_from_1_to_5(reviewing):
    rnd, proposal, _ = reviewing
    a = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user").first()
    c1, c2 = rnd.criteria.all()
    for bad in [{c1.pk: 4}, {c1.pk: 0, c2.pk: 3}, {c1.pk: 6, c2.pk: 3}, {c1.pk: "x", c2.pk: 3}]:
        with pytest.raises(ValidationError):
            services.review_submit(user=a.reviewer.user, assignment=a, scores=bad)
    review = services.review_submit(
        user=a.reviewer.user, assignment=a, scores={c1.pk: 4, c2.pk: 1}, comment="Good"
    )
    assert review.weighted_mean() == pytest.approx((2 * 4 + 1 * 1) / 3)


def test_a_reviewer_sees_other_reviews_only_after_submitting_their_own(reviewing, alice):
    rnd, proposal, _ = reviewing
    first, second = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user")
    services.review_submit(
        user=first.reviewer.user, assignment=first, scores=scores_for(rnd), comment="First"
    )
    assert list(selectors.reviews_visible_to(user=second.reviewer.user, proposal=proposal)) == []
    services.review_submit(
        user=second.reviewer.user, assignment=second, scores=scores_for(rnd, 2, 2), comment="2nd"
    )
    visible = selectors.reviews_visible_to(user=second.reviewer.user, proposal=proposal)
    assert {r.comment for r in visible} == {"First", "2nd"}
    assert {r.comment for r in selectors.reviews_visible_to(user=alice, proposal=proposal)} == {
        "First",
        "2nd",
    }


def test_an_unassigned_reviewer_sees_no_review(reviewing):
    rnd, proposal, reviewers = reviewing
    a = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user").first()
    services.review_submit(user=a.reviewer.user, assignment=a, scores=scores_for(rnd))
    outsider = next(rv for rv in reviewers if not ReviewAssignment.objects.filter(reviewer=rv).exists())
    assert list(selectors.reviews_visible_to(user=outsider.user, proposal=proposal)) == []


def test_applicants_see_no_review_before_the_decision_then_only_shareable_comments(
    reviewing, alice, applicant
):
    rnd, proposal, _ = reviewing
    first, second = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user")
    services.review_submit(
        user=first.reviewer.user,
        assignment=first,
        scores=scores_for(rnd),
        comment="Lovely idea",
        shareable=True,
    )
    services.review_submit(
        user=second.reviewer.user, assignment=second, scores=scores_for(rnd), comment="Internal note"
    )
    services.award_make(user=alice, proposal=proposal, amount="5000")
    assert list(selectors.reviews_visible_to(user=applicant, proposal=proposal)) == []
    assert selectors.shareable_comments_for(user=applicant, proposal=proposal) == []
    assert selectors.proposal_status_for(user=applicant, proposal=proposal) == Proposal.Status.SUBMITTED
    services.round_transition(user=alice, round=rnd, status="decided")
    proposal.refresh_from_db()
    assert selectors.shareable_comments_for(user=applicant, proposal=proposal) == ["Lovely idea"]
    assert selectors.proposal_status_for(user=applicant, proposal=proposal) == Proposal.Status.AWARDED


def test_assignment_emails_go_once_per_assignment(reviewing, mailoutbox):
    _, proposal, _ = reviewing
    ids = list(ReviewAssignment.objects.filter(proposal=proposal).values_list("pk", flat=True))
    ReviewAssignment.objects.filter(pk__in=ids).update(notified_at=None)
    assert send_assignment_emails(ids) == 2
    assert send_assignment_emails(ids) == 0
    assert len(mailoutbox) == 2
    assert proposal.title in mailoutbox[0].subject
    network = proposal.round.fund.network
    assert f"http://127.0.0.1:8000/networks/{network.slug}/funds/" in mailoutbox[0].body


def test_assigning_queues_the_emails_after_commit(
    network, alice, applicant, open_round, orgs, django_capture_on_commit_callbacks
):
    submit_proposal(rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3])
    make_reviewer(rnd=open_round, coordinator=alice, network=network, name="vera")
    services.round_transition(user=alice, round=open_round, status="review")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.reviewers_assign(user=alice, round=open_round)
    assert len(callbacks) == 1


def test_reminders_go_to_reviewers_still_to_write_and_only_once(reviewing, mailoutbox):
    rnd, proposal, _ = reviewing
    first = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user").first()
    services.review_submit(user=first.reviewer.user, assignment=first, scores=scores_for(rnd))
    mailoutbox.clear()
    assert send_review_reminders(rnd.pk) == 1
    assert send_review_reminders(rnd.pk) == 0
    assert len(mailoutbox) == 1 and "Reminder" in mailoutbox[0].subject


def test_reviewer_conflicts_include_a_direct_tie_to_the_lead(network, alice, applicant, open_round, orgs):
    proposal = submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )
    friend_user = UserFactory(username="fran")
    friend = MemberFactory(network=network, name="Fran", user=friend_user)
    relationship_add(user=alice, network=network, source=bob_member(network, applicant), target=friend)
    rv = services.reviewer_add(user=alice, round=open_round, reviewer_user=friend_user)
    (reason,) = selectors.round_conflicts(open_round)[(rv.pk, proposal.pk)]
    assert (reason.code, reason.detail) == ("tie_to_lead", "has a direct tie to its lead, Bob Lead")


def test_a_new_reviewer_is_linked_to_the_person_with_their_email(network, alice, open_round):
    person = MemberFactory(network=network, name="Gia", email="gia@example.org")
    login = UserFactory(username="gia", email="GIA@example.org")
    reviewer = services.reviewer_add(user=alice, round=open_round, reviewer_user=login)
    assert reviewer.member == person


def _round_in_review(*, alice, fund, network, applicant, orgs, name, deadline, status="review"):
    """A round with bob's proposal titled `name` and one volunteer assigned to it, due on `deadline`."""
    rnd = make_round(user=alice, fund=fund, title=f"{name} round", review_deadline=deadline)
    submit_proposal(
        rnd=rnd, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3], title=name
    )
    make_reviewer(rnd=rnd, coordinator=alice, network=network, name=f"{name}-reviewer")
    if status == "review":
        services.round_transition(user=alice, round=rnd, status="review")
    services.reviewers_assign(user=alice, round=rnd)
    return rnd


def test_daily_reminders_go_once_for_rounds_in_review_due_within_three_days(
    network, alice, applicant, fund, orgs, mailoutbox, django_capture_on_commit_callbacks
):
    today = datetime.date.today()
    days = datetime.timedelta
    setup = {"alice": alice, "fund": fund, "network": network, "applicant": applicant, "orgs": orgs}
    for name, deadline in [("due-today", today), ("due-in-3", today + days(3))]:
        _round_in_review(name=name, deadline=deadline, **setup)
    for name, deadline in [
        ("due-in-4", today + days(4)),
        ("overdue", today - days(1)),
        ("no-deadline", None),
    ]:
        _round_in_review(name=name, deadline=deadline, **setup)
    _round_in_review(name="still-open", deadline=today + days(1), status="open", **setup)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert review_reminders_due() == 2
    assert sorted(m.subject for m in mailoutbox) == [
        "Reminder: your review of due-in-3",
        "Reminder: your review of due-today",
    ]
    assert sorted(m.to[0] for m in mailoutbox) == [
        "due-in-3-reviewer@example.org",
        "due-today-reviewer@example.org",
    ]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review_reminders_due()
    assert mailoutbox == []


def test_the_reminder_job_is_in_the_beat_schedule_once_a_day():
    entries = [e for e in celery_app.conf.beat_schedule.values() if e["task"] == review_reminders_due.name]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert (len(schedule.hour), len(schedule.minute), len(schedule.day_of_week)) == (1, 1, 7)


def test_reviews_over_the_api_a_reviewer_sees_others_only_after_theirs_applicants_only_shared_comments(
    reviewing, alice, applicant, charlie
):
    rnd, proposal, reviewers = reviewing
    first, second = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user")
    idle = next(rv for rv in reviewers if rv.pk not in (first.reviewer_id, second.reviewer_id))
    endpoint = f"/api/v1/networks/healthy-valleys/proposals/{proposal.pk}/reviews/"
    services.review_submit(
        user=second.reviewer.user,
        assignment=second,
        scores=scores_for(rnd),
        comment="Lovely idea",
        shareable=True,
    )

    def seen_by(user):
        response = client_for(user).get(endpoint)
        assert response.status_code == 200
        data = response.json()
        return sorted(r["comment"] for r in data["reviews"]), data["shareable_comments"]

    assert seen_by(first.reviewer.user) == ([], [])
    assert seen_by(second.reviewer.user) == (["Lovely idea"], [])
    services.review_submit(
        user=first.reviewer.user, assignment=first, scores=scores_for(rnd, 2, 2), comment="Internal note"
    )
    assert seen_by(first.reviewer.user) == (["Internal note", "Lovely idea"], [])
    assert seen_by(alice) == (["Internal note", "Lovely idea"], [])
    assert client_for(idle.user).get(endpoint).status_code == 404
    assert client_for(charlie).get(endpoint).status_code == 404

    assert seen_by(applicant) == ([], [])
    services.award_make(user=alice, proposal=proposal, amount="5000")
    assert seen_by(applicant) == ([], [])
    services.round_transition(user=alice, round=rnd, status="decided")
    assert seen_by(applicant) == ([], ["Lovely idea"])


def test_a_submitted_review_is_final(reviewing):
    rnd, proposal, _ = reviewing
    a = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user").first()
    services.review_submit(user=a.reviewer.user, assignment=a, scores=scores_for(rnd, 4, 4), comment="First")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.review_submit(
            user=a.reviewer.user, assignment=a, scores=scores_for(rnd, 1, 1), comment="Redo"
        )
    a.review.refresh_from_db()
    assert a.review.comment == "First" and sorted(s.score for s in a.review.scores.all()) == [4, 4]


def test_the_review_form_shows_a_submitted_review_read_only_and_refuses_a_rewrite(client, reviewing):
    rnd, proposal, _ = reviewing
    a = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user").first()
    services.review_submit(user=a.reviewer.user, assignment=a, scores=scores_for(rnd, 4, 3), comment="First")
    client.force_login(a.reviewer.user)
    review_url = reverse("funds:review-form", kwargs={"slug": "healthy-valleys", "pk": a.pk})
    page = client.get(review_url)
    form = page.context["form"]
    assert form.read_only and all(field.disabled for field in form.fields.values())
    text = page.content.decode()
    assert "Send my review" not in text and "Update my review" not in text and "final once it is in" in text
    c1, c2 = rnd.criteria.all()
    response = client.post(review_url, {f"score_{c1.pk}": "1", f"score_{c2.pk}": "1", "comment": "Redo"})
    assert response.status_code == 200 and "can no longer be changed" in response.content.decode()
    a.review.refresh_from_db()
    assert a.review.comment == "First"


def test_a_coordinator_who_reviews_a_proposal_sees_no_other_review_of_it_until_theirs_is_in(
    client, network, alice, reviewing
):
    rnd, proposal, _ = reviewing
    other = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user").first()
    as_reviewer = services.reviewer_add(user=alice, round=rnd, reviewer_user=alice)
    (mine,) = services.assignment_adjust(user=alice, round=rnd, add=[(as_reviewer, proposal)])
    services.review_submit(
        user=other.reviewer.user, assignment=other, scores=scores_for(rnd), comment="Seen too early"
    )
    endpoint = f"/api/v1/networks/healthy-valleys/proposals/{proposal.pk}/reviews/"
    detail = reverse("funds:proposal-detail", kwargs={"slug": "healthy-valleys", "pk": proposal.pk})
    client.force_login(alice)

    assert list(selectors.reviews_visible_to(user=alice, proposal=proposal)) == []
    assert client_for(alice).get(endpoint).json()["reviews"] == []
    page = client.get(detail).content.decode()
    assert "Seen too early" not in page and "once <a" in page

    services.review_submit(user=alice, assignment=mine, scores=scores_for(rnd, 3, 3), comment="Mine")
    assert {r.comment for r in selectors.reviews_visible_to(user=alice, proposal=proposal)} == {
        "Seen too early",
        "Mine",
    }
    assert len(client_for(alice).get(endpoint).json()["reviews"]) == 2
    assert "Seen too early" in client.get(detail).content.decode()


def test_a_criterion_description_with_markup_is_shown_as_text_on_the_review_form(client, reviewing):
    rnd, proposal, _ = reviewing
    criterion = rnd.criteria.first()
    type(criterion).objects.filter(pk=criterion.pk).update(
        description='<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
    )
    a = ReviewAssignment.objects.filter(proposal=proposal).select_related("reviewer__user").first()
    client.force_login(a.reviewer.user)
    text = client.get(reverse("funds:review-form", kwargs={"slug": "healthy-valleys", "pk": a.pk})).content
    assert b"<script>window.__xss" not in text and b"<img src=x" not in text
    assert b"&lt;script&gt;window.__xss=1&lt;/script&gt;" in text
    assert b"&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in text

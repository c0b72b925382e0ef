"""With the broker down, fund writes that send a task (reviewer e-mails, a decided round's ties) answer."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from funds import services
from funds.models import Award, ReviewAssignment, Round
from networks.models import Relationship
from tests.brokers import assert_answered_and_kept
from tests.funds.conftest import make_reviewer, submit_proposal
from weaver.models import UnsentTask

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

API = "/api/v1/networks/healthy-valleys"
EMAILS = "funds.tasks.send_assignment_emails"
COMPUTE = "networks.tasks.compute_snapshot"


@pytest.fixture
def api(alice):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(alice)
    return client


@pytest.fixture
def web(alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


@pytest.fixture
def submitted(network, alice, applicant, open_round, orgs):
    from tests.funds.conftest import bob_member

    make_reviewer(rnd=open_round, coordinator=alice, network=network, name="rita", community="E")
    return submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )


def _in_review(alice, rnd):
    services.round_transition(user=alice, round=rnd, status="review")


def _awarded(alice, rnd, proposal):
    _in_review(alice, rnd)
    services.award_make(user=alice, proposal=proposal, amount="5000")


def _page(name, network, pk):
    return reverse(f"funds:{name}", args=[network.slug, pk])


@pytest.mark.parametrize("over", ["api", "page"])
def test_assigning_reviewers_answers_once_saved_while_the_broker_is_down(
    over, api, web, network, alice, open_round, submitted, broker_down
):
    _in_review(alice, open_round)
    before = set(UnsentTask.objects.values_list("pk", flat=True))
    if over == "api":
        response = api.post(f"{API}/rounds/{open_round.pk}/assign-reviewers/")
    else:
        response = web.post(_page("round-assignments", network, open_round.pk))
    assert_answered_and_kept(response, sends=EMAILS, before=before)
    assert ReviewAssignment.objects.filter(proposal=submitted, notified_at__isnull=True).exists()


@pytest.mark.parametrize("over", ["api", "page"])
def test_awarding_answers_once_saved_while_the_broker_is_down(
    over, api, web, network, alice, open_round, submitted, broker_down
):
    _in_review(alice, open_round)
    before = set(UnsentTask.objects.values_list("pk", flat=True))
    if over == "api":
        response = api.post(f"{API}/proposals/{submitted.pk}/award/", {"amount": "5000"})
    else:
        response = web.post(_page("proposal-award", network, submitted.pk), {"amount": "5000"})
    assert_answered_and_kept(response, sends=None, before=before)
    assert Award.objects.filter(proposal=submitted).exists()


@pytest.mark.parametrize("over", ["api", "page"])
def test_deciding_a_round_that_ties_its_partners_answers_once_saved_while_the_broker_is_down(
    over, api, web, network, alice, open_round, submitted, broker_down
):
    _awarded(alice, open_round, submitted)
    before = set(UnsentTask.objects.values_list("pk", flat=True))
    if over == "api":
        response = api.post(f"{API}/rounds/{open_round.pk}/transition/", {"status": "decided"})
    else:
        response = web.post(_page("round-transition", network, open_round.pk), {"status": "decided"})
    assert_answered_and_kept(response, sends=COMPUTE, before=before)
    assert Round.objects.get(pk=open_round.pk).status == "decided"
    assert Relationship.objects.filter(network=network, kind="collaboration").count() == 3


@pytest.mark.parametrize("over", ["api", "page"])
def test_a_recusal_that_reassigns_answers_once_saved_while_the_broker_is_down(
    over, network, alice, open_round, submitted, broker_down
):
    make_reviewer(rnd=open_round, coordinator=alice, network=network, name="sam", community="D")
    services.round_update(user=alice, round=open_round, reviews_per_proposal=1, max_per_reviewer=1)
    _in_review(alice, open_round)
    services.reviewers_assign(user=alice, round=open_round)
    assignment = ReviewAssignment.objects.get()
    before = set(UnsentTask.objects.values_list("pk", flat=True))
    reviewer = assignment.reviewer.user
    if over == "api":
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(reviewer)
        response = client.post(f"{API}/reviews/{assignment.pk}/recuse/", {"reason": "I know Bob"})
    else:
        client = Client(raise_request_exception=False)
        client.force_login(reviewer)
        response = client.post(_page("review-recuse", network, assignment.pk), {"reason": "I know Bob"})
    assert_answered_and_kept(response, sends=EMAILS, before=before)
    assert ReviewAssignment.objects.get(pk=assignment.pk).status == "recused"
    assert ReviewAssignment.objects.filter(status="assigned").exclude(pk=assignment.pk).exists()

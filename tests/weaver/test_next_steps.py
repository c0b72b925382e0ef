"""The "Your next steps" panel on a network's home: what waits for each role, counted and linked."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clusters import services as cluster_services
from funds import services as fund_services
from funds.models import Award
from networks.models import Member
from tests.factories import MemberFactory, RoleFactory, UserFactory
from tests.weaver import next_steps_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(network, alice, bob):
    return next_steps_world.build(network=network, alice=alice, bob=bob)


def steps_of(client, user, network, role_title):
    client.force_login(user)
    response = client.get(network.get_absolute_url())
    assert response.status_code == 200
    groups = dict(response.context["next_steps"])
    return {step.label: step for step in groups.get(role_title, [])}, response


def test_a_reviewer_sees_each_waiting_review_with_its_due_date_and_a_link_to_its_form(client, network, world):
    steps, response = steps_of(client, world.reviewer, network, "Reviews")
    assert steps["Reviews waiting for you"].count == 2
    assert steps["Reviews waiting for you"].url == reverse("funds:my-reviews", args=[network.slug])
    for assignment in world.assignments:
        step = steps[f"Review “{assignment.proposal.title}”"]
        assert step.url == reverse("funds:review-form", args=[network.slug, assignment.pk])
        assert step.due == world.review_round.review_deadline
        assert step.url in response.content.decode()
    assert client.get(steps["Review “Walking buses”"].url).status_code == 200


def test_a_submitted_review_leaves_the_reviewers_list(client, network, world):
    assignment = world.assignments[0]
    criteria = list(world.review_round.criteria.all())
    fund_services.review_submit(
        user=world.reviewer,
        assignment=assignment,
        scores={c.pk: 4 for c in criteria},
        comment="Strong partners.",
    )
    steps, _ = steps_of(client, world.reviewer, network, "Reviews")
    assert steps["Reviews waiting for you"].count == 1
    assert "Review “Walking buses”" not in steps


def test_a_coordinator_sees_rounds_waiting_suggestions_and_imports_counted(client, network, alice, world):
    steps, _ = steps_of(client, alice, network, "To run the network")
    outstanding = steps["Reviews outstanding in “Spring round”"]
    assert outstanding.count == 2
    assert outstanding.url == reverse("funds:round-assignments", args=[network.slug, world.review_round.pk])
    assert steps["“Autumn round” is due to open"].url == world.draft_round.get_absolute_url()
    assert steps["Weaving suggestions to accept or dismiss"].count == 2
    assert steps["Imports checked and not confirmed"].count == 1
    assert steps["Access invitations not yet accepted"].count == 1
    assert steps["Imports checked and not confirmed"].url == reverse(
        "networks:import-preview", args=[network.slug, world.batch.pk]
    )
    for step in steps.values():
        assert client.get(step.url).status_code == 200, step


def test_figures_are_flagged_out_of_date_once_a_member_changes_after_the_snapshot(
    client, network, alice, world
):
    steps, _ = steps_of(client, alice, network, "To run the network")
    assert not any(label.startswith("Figures out of date") for label in steps)
    MemberFactory(network=network, name="Newcomer")
    steps, _ = steps_of(client, alice, network, "To run the network")
    stale = [step for label, step in steps.items() if label.startswith("Figures out of date")]
    assert [s.url for s in stale] == [reverse("networks:dashboard", args=[network.slug])]


def test_a_coordinator_sees_grantee_reports_that_are_due(client, network, alice, world):
    proposal = world.proposals[0]
    award = fund_services.award_make(user=alice, proposal=proposal, amount="5000")
    Award.objects.filter(pk=award.pk).update(
        awarded_at=timezone.now() - datetime.timedelta(days=200),
        spend_by=datetime.date.today() - datetime.timedelta(days=1),
    )
    fund_services.round_transition(user=alice, round=world.review_round, status="decided")
    steps, _ = steps_of(client, alice, network, "To run the network")
    due = steps["Grantee reports due in “Spring round”"]
    assert due.count == 1
    assert client.get(due.url).status_code == 200


def test_a_facilitator_sees_the_next_session_attendance_to_record_and_open_follow_ups(client, network, world):
    steps, _ = steps_of(client, world.facilitator, network, "Clusters you facilitate")
    assert steps["Next session: Next meeting"].url == world.upcoming.get_absolute_url()
    unrecorded = steps["Past sessions with no attendance recorded"]
    assert unrecorded.count == 2
    assert unrecorded.url == world.past[0].get_absolute_url()
    assert steps["Open follow-ups"].count == 2
    for step in steps.values():
        assert client.get(step.url).status_code == 200, step

    lead = Member.objects.get(network=network, name="Bob Lead")
    cluster_services.attendance_record(user=world.facilitator, session=world.past[0], attended=[lead])
    steps, _ = steps_of(client, world.facilitator, network, "Clusters you facilitate")
    assert steps["Past sessions with no attendance recorded"].count == 1


def test_a_member_sees_their_proposals_clusters_and_next_session(client, network, bob, world):
    steps, _ = steps_of(client, bob, network, "Yours")
    for proposal in world.proposals:
        assert steps[f"Your proposal “{proposal.title}”"].url == reverse(
            "funds:proposal-detail", args=[network.slug, proposal.pk]
        )
    assert steps["Your cluster “Walking groups”"].url == world.cluster.get_absolute_url()
    assert steps["Your next session: Next meeting"].url == world.upcoming.get_absolute_url()
    for step in steps.values():
        assert client.get(step.url).status_code == 200, step
    assert not steps_of(client, bob, network, "To run the network")[0]
    assert not steps_of(client, bob, network, "Reviews")[0]


def test_someone_with_nothing_waiting_is_told_so(client, network, world):
    dana = UserFactory(username="dana")
    RoleFactory(network=network, user=dana)
    client.force_login(dana)
    response = client.get(network.get_absolute_url())
    assert response.context["next_steps"] == []
    assert "Nothing is waiting for you" in response.content.decode()


def test_the_home_reads_a_bounded_number_of_queries_however_many_rounds_wait(
    client, network, alice, world, django_assert_max_num_queries
):
    client.force_login(alice)
    with django_assert_max_num_queries(40) as few:
        client.get(network.get_absolute_url())
    fund = world.review_round.fund
    for n in range(5):
        next_steps_world.make_round(user=alice, fund=fund, status="review", title=f"Round {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(network.get_absolute_url())

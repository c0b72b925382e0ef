import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from funds import services
from funds.models import Proposal, ProposalPartner, Round
from tests.factories import MemberFactory
from tests.funds.conftest import bob_member, make_round, submit_proposal

pytestmark = pytest.mark.django_db


def codes(error: ValidationError) -> set[str]:
    return {e.code for errors in error.error_dict.values() for e in errors}


def test_a_round_moves_only_forward_one_step_at_a_time(alice, fund):
    rnd = make_round(user=alice, fund=fund, status="draft")
    for illegal in ["review", "decided", "closed", "draft"]:
        with pytest.raises(ValidationError):
            services.round_transition(user=alice, round=rnd, status=illegal)
    for legal in ["open", "review", "decided", "closed"]:
        services.round_transition(user=alice, round=rnd, status=legal)
        rnd.refresh_from_db()
        assert rnd.status == legal
    with pytest.raises(ValidationError):
        services.round_transition(user=alice, round=rnd, status="open")


def test_a_round_without_a_rubric_cannot_open(alice, fund):
    rnd = services.round_create(
        user=alice,
        fund=fund,
        title="No rubric",
        budget=15000,
        grant_min=1500,
        grant_max=5000,
        opens_on=datetime.date.today(),
        closes_on=datetime.date.today(),
    )
    with pytest.raises(ValidationError, match="rubric"):
        services.round_transition(user=alice, round=rnd, status="open")


def test_only_coordinators_create_rounds_and_move_them(bob, alice, fund):
    with pytest.raises(PermissionDenied):
        make_round(user=bob, fund=fund)
    rnd = make_round(user=alice, fund=fund, status="draft")
    with pytest.raises(PermissionDenied):
        services.round_transition(user=bob, round=rnd, status="open")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"grant_min": 9000, "grant_max": 8000}, "grant_max"),
        ({"grant_max": 30000}, "grant_max"),
        ({"budget": 0, "grant_min": 0, "grant_max": 0}, "budget"),
    ],
)
def test_grant_range_must_fit_inside_a_positive_budget(alice, fund, fields, field):
    with pytest.raises(ValidationError) as caught:
        make_round(user=alice, fund=fund, status="draft", **fields)
    assert field in caught.value.error_dict


def test_the_database_refuses_a_grant_range_above_the_budget(alice, fund):
    rnd = make_round(user=alice, fund=fund, status="draft")
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.filter(pk=rnd.pk).update(grant_max=Decimal("50000"))


def test_money_rules_are_locked_once_a_round_opens(alice, open_round):
    with pytest.raises(ValidationError) as caught:
        services.round_update(user=alice, round=open_round, budget=Decimal("99000"))
    assert "budget" in caught.value.error_dict
    services.round_update(user=alice, round=open_round, review_deadline=datetime.date(2030, 1, 1))
    open_round.refresh_from_db()
    assert open_round.review_deadline == datetime.date(2030, 1, 1)


def test_an_eligible_proposal_is_submitted(network, applicant, open_round, orgs):
    proposal = submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )
    assert proposal.status == Proposal.Status.SUBMITTED
    assert proposal.submitted_at is not None


def test_a_new_organisation_counts_as_a_partner_flagged_as_newcomer(network, applicant, open_round, orgs):
    proposal = submit_proposal(
        rnd=open_round,
        user=applicant,
        lead=bob_member(network, applicant),
        partners=[orgs[0], orgs[1], "Riverside Youth Club"],
    )
    newcomer = ProposalPartner.objects.get(proposal=proposal, organisation__isnull=True)
    assert newcomer.new_name == "Riverside Youth Club"
    assert newcomer.is_newcomer


def test_a_typed_name_of_an_existing_organisation_is_that_organisation(network, applicant, open_round, orgs):
    proposal = submit_proposal(
        rnd=open_round,
        user=applicant,
        lead=bob_member(network, applicant),
        partners=[orgs[0], orgs[1], " org c "],
    )
    assert set(proposal.partners.values_list("organisation_id", flat=True)) == {o.pk for o in orgs[:3]}
    assert not proposal.partners.filter(is_newcomer=True).exists()


def test_submit_names_every_failed_rule_at_once(network, alice, applicant, fund, orgs):
    rnd = make_round(user=alice, fund=fund, status="review")
    lead = bob_member(network, applicant)
    services.design_group_set(user=alice, round=rnd, members=[lead])
    draft = Proposal.objects.create(
        round=rnd, title="Late", summary="s", amount=Decimal("99000"), lead=lead, submitted_by=applicant
    )
    ProposalPartner.objects.bulk_create(
        [
            ProposalPartner(proposal=draft, organisation=orgs[0]),
            ProposalPartner(proposal=draft, organisation=orgs[0]),
        ]
    )
    with pytest.raises(ValidationError) as caught:
        services.proposal_submit(user=applicant, proposal=draft)
    assert codes(caught.value) == {
        "round_not_open",
        "amount_out_of_range",
        "design_group_member",
        "duplicate_organisation",
        "too_few_partners",
        "not_declared_new",
    }
    messages = " ".join(caught.value.messages)
    assert "at least 3" in messages and "Org A" in messages
    draft.refresh_from_db()
    assert draft.status == Proposal.Status.DRAFT


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": "1000"}, "amount_out_of_range"),
        ({"amount": "8001"}, "amount_out_of_range"),
        ({"partners": 2}, "too_few_partners"),
        ({"is_new_project": False}, "not_declared_new"),
        ({"duplicate": True}, "duplicate_organisation"),
    ],
)
def test_each_rule_alone_blocks_submission(network, applicant, open_round, orgs, change, code):
    partners = orgs[: change.get("partners", 3)]
    if change.get("duplicate"):
        partners = [*orgs[:3], "org a"]
    proposal = services.proposal_save_draft(
        user=applicant,
        round=open_round,
        title="Walking buses",
        summary="Together.",
        amount=change.get("amount", "5000"),
        lead=bob_member(network, applicant),
        is_new_project=change.get("is_new_project", True),
        partners=partners,
    )
    with pytest.raises(ValidationError) as caught:
        services.proposal_submit(user=applicant, proposal=proposal)
    assert codes(caught.value) == {code}


def test_the_amount_at_the_edges_of_the_range_is_eligible(network, applicant, open_round, orgs):
    for amount in ["1500", "8000"]:
        proposal = submit_proposal(
            rnd=open_round,
            user=applicant,
            lead=bob_member(network, applicant),
            partners=orgs[:3],
            amount=amount,
        )
        assert proposal.status == Proposal.Status.SUBMITTED


def test_a_design_group_member_cannot_apply_even_naming_someone_else_as_lead(
    network, alice, applicant, open_round, orgs
):
    services.design_group_set(user=alice, round=open_round, members=[bob_member(network, applicant)])
    other_lead = MemberFactory(network=network, name="Dana")
    proposal = submit_proposal(
        rnd=open_round, user=applicant, lead=other_lead, partners=orgs[:3], submit=False
    )
    with pytest.raises(ValidationError) as caught:
        services.proposal_submit(user=applicant, proposal=proposal)
    assert codes(caught.value) == {"design_group_member"}


def test_a_round_past_its_closing_date_refuses_submissions(network, alice, applicant, fund, orgs):
    rnd = make_round(
        user=alice,
        fund=fund,
        opens_on=datetime.date.today() - datetime.timedelta(days=30),
        closes_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    proposal = submit_proposal(
        rnd=rnd, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3], submit=False
    )
    with pytest.raises(ValidationError) as caught:
        services.proposal_submit(user=applicant, proposal=proposal)
    assert codes(caught.value) == {"round_not_open"}


def test_drafts_can_be_saved_incomplete_and_only_by_their_applicant(network, alice, applicant, open_round):
    draft = services.proposal_save_draft(user=applicant, round=open_round, title="Idea")
    assert draft.status == Proposal.Status.DRAFT and draft.amount is None
    with pytest.raises(PermissionDenied):
        services.proposal_save_draft(user=alice, round=open_round, proposal=draft, title="Mine now")


def test_a_summary_longer_than_the_cap_is_refused(network, applicant, open_round):
    with pytest.raises(ValidationError) as caught:
        services.proposal_save_draft(user=applicant, round=open_round, title="Long", summary="x" * 2001)
    assert "summary" in caught.value.error_dict


def test_an_outsider_cannot_apply_until_joining_through_the_public_link(open_round, charlie):
    with pytest.raises(PermissionDenied):
        services.proposal_save_draft(user=charlie, round=open_round, title="Hello")
    services.round_join(user=charlie, round=open_round)
    draft = services.proposal_save_draft(user=charlie, round=open_round, title="Hello")
    assert draft.submitted_by == charlie


def test_partners_must_be_organisations_of_this_network(network, other_network, applicant, open_round):
    foreign = MemberFactory(network=other_network, kind="organisation", name="Far away")
    with pytest.raises(ValidationError):
        services.proposal_save_draft(user=applicant, round=open_round, title="x", partners=[foreign])


def test_moving_to_decided_declines_what_was_not_funded(network, alice, applicant, open_round, orgs):
    proposal = submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )
    services.round_transition(user=alice, round=open_round, status="review")
    services.round_transition(user=alice, round=open_round, status="decided")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    assert proposal.decline_reason


def test_a_proposal_asks_for_a_whole_amount(network, applicant, open_round):
    with pytest.raises(ValidationError) as caught:
        services.proposal_save_draft(user=applicant, round=open_round, title="Cents", amount="5000.50")
    assert caught.value.message_dict == {"amount": ["Ask for a whole amount, without cents."]}

import datetime
import threading
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from funds import selectors, services
from funds.models import Award, Proposal, ProposalPartner, Round
from networks.models import Member, Relationship
from tests.funds.conftest import bob_member, make_round, submit_proposal


@pytest.fixture
def in_review(network, alice, applicant, open_round, orgs):
    proposal = submit_proposal(
        rnd=open_round,
        user=applicant,
        lead=bob_member(network, applicant),
        partners=[orgs[0], orgs[1], orgs[2], "Riverside Youth Club"],
    )
    services.round_transition(user=alice, round=open_round, status="review")
    open_round.refresh_from_db()
    return open_round, proposal


@pytest.mark.django_db
def test_an_award_sets_the_spend_by_date_from_the_spend_window(in_review, alice):
    rnd, proposal = in_review
    award = services.award_make(user=alice, proposal=proposal, amount="5000")
    assert award.spend_by == datetime.date.today() + relativedelta(months=6)
    proposal.refresh_from_db()
    rnd.refresh_from_db()
    assert proposal.status == Proposal.Status.AWARDED
    assert rnd.awarded_total == Decimal("5000")


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1499.99", "8000.01", "0", "-5", "lots"])
def test_an_award_outside_the_grant_range_is_refused(in_review, alice, amount):
    _, proposal = in_review
    with pytest.raises(ValidationError):
        services.award_make(user=alice, proposal=proposal, amount=amount)
    assert not Award.objects.exists()


@pytest.mark.django_db
def test_an_award_over_the_remaining_budget_is_refused(network, alice, applicant, fund, orgs):
    rnd = make_round(
        user=alice,
        fund=fund,
        budget=10000,
        grant_max=8000,
        override_reason="A test round outside the usual figures.",
    )
    lead = bob_member(network, applicant)
    first = submit_proposal(rnd=rnd, user=applicant, lead=lead, partners=orgs[:3], amount="8000")
    second = submit_proposal(rnd=rnd, user=applicant, lead=lead, partners=orgs[2:5], amount="3000")
    services.round_transition(user=alice, round=rnd, status="review")
    services.award_make(user=alice, proposal=first, amount="8000")
    with pytest.raises(ValidationError, match=r"2,000\.00"):
        services.award_make(user=alice, proposal=second, amount="3000")
    services.award_make(user=alice, proposal=second, amount="2000")
    rnd.refresh_from_db()
    assert rnd.awarded_total == rnd.budget


@pytest.mark.django_db
def test_only_coordinators_award_and_only_once(in_review, alice, bob):
    _, proposal = in_review
    with pytest.raises(PermissionDenied):
        services.award_make(user=bob, proposal=proposal, amount="5000")
    services.award_make(user=alice, proposal=proposal, amount="5000")
    with pytest.raises(ValidationError):
        services.award_make(user=alice, proposal=proposal, amount="5000")


@pytest.mark.django_db
def test_a_proposal_is_declined_with_a_reason(in_review, alice):
    _, proposal = in_review
    with pytest.raises(ValidationError):
        services.proposal_decline(user=alice, proposal=proposal, reason=" ")
    services.proposal_decline(user=alice, proposal=proposal, reason="Too close to an existing project.")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    assert proposal.decline_reason == "Too close to an existing project."


@pytest.mark.django_db
def test_an_award_ties_the_partners_and_brings_the_newcomer_in_once_the_round_is_decided(
    network, in_review, alice, orgs
):
    rnd, proposal = in_review
    Relationship.objects.create(network=network, source=orgs[0], target=orgs[1], kind="collaboration")
    services.award_make(user=alice, proposal=proposal, amount="5000")
    assert not Relationship.objects.filter(provenance="fund").exists()
    assert not Member.objects.filter(network=network, name="Riverside Youth Club").exists()
    assert selectors.round_network_effect(rnd).new_ties == []

    services.round_transition(user=alice, round=rnd, status="decided")
    rnd.refresh_from_db()
    assert rnd.decided_at is not None
    newcomer = Member.objects.get(network=network, name="Riverside Youth Club")
    assert newcomer.kind == Member.Kind.ORGANISATION
    assert rnd.title in newcomer.description
    assert ProposalPartner.objects.get(proposal=proposal, is_newcomer=True).organisation == newcomer
    partners = {orgs[0].pk, orgs[1].pk, orgs[2].pk, newcomer.pk}
    fund_ties = Relationship.objects.filter(provenance="fund")
    # Four partners make six pairs; one pair was already tied, so five new ties.
    assert fund_ties.count() == 5
    assert all({t.source_id, t.target_id} <= partners and t.kind == "collaboration" for t in fund_ties)
    assert all(rnd.title in t.provenance_detail for t in fund_ties)
    assert Relationship.objects.filter(kind="collaboration").active().count() == 6

    effect = selectors.round_network_effect(rnd)
    assert effect.newcomers == [newcomer]
    assert len(effect.new_ties) == 5


@pytest.mark.django_db
def test_a_declined_proposal_weaves_nothing(in_review, alice, network):
    rnd, proposal = in_review
    services.proposal_decline(user=alice, proposal=proposal, reason="No")
    services.round_transition(user=alice, round=rnd, status="decided")
    assert not Relationship.objects.filter(provenance="fund").exists()
    assert not Member.objects.filter(network=network, name="Riverside Youth Club").exists()


@pytest.mark.django_db
def test_awards_are_made_only_while_the_round_is_in_review(network, alice, applicant, open_round, orgs):
    proposal = submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )
    with pytest.raises(ValidationError, match="in review"):
        services.award_make(user=alice, proposal=proposal, amount="5000")
    services.round_transition(user=alice, round=open_round, status="review")
    services.round_transition(user=alice, round=open_round, status="decided")
    with pytest.raises(ValidationError, match="in review"):
        services.award_make(user=alice, proposal=proposal, amount="5000")
    assert not Award.objects.exists()


@pytest.mark.django_db
def test_grantees_report_at_midpoint_and_at_the_end(in_review, alice, applicant, charlie):
    _, proposal = in_review
    award = services.award_make(user=alice, proposal=proposal, amount="5000")
    report = services.grantee_report_submit(
        user=applicant,
        award=award,
        kind="midpoint",
        spent="2000",
        done="Started",
        learned="A lot",
        people_involved=12,
    )
    assert report.people_involved == 12
    with pytest.raises(ValidationError):
        services.grantee_report_submit(
            user=applicant,
            award=award,
            kind="final",
            spent="-1",
            done="",
            learned="x",
            people_involved="many",
        )
    with pytest.raises(PermissionDenied):
        services.grantee_report_submit(
            user=charlie, award=award, kind="final", spent="1", done="x", learned="x", people_involved=1
        )


@pytest.mark.services
def test_concurrent_awards_never_exceed_the_budget(transactional_db, network, alice, fund, orgs):
    rnd = make_round(
        user=alice, fund=fund, status="review", budget=Decimal("20000"), grant_max=Decimal("8000")
    )
    lead = Member.objects.create(network=network, name="Lead")
    attempts = 24
    proposal_ids = []
    for i in range(attempts):
        proposal = Proposal.objects.create(
            round=rnd,
            title=f"Project {i}",
            summary="s",
            amount=Decimal("4500"),
            lead=lead,
            submitted_by=alice,
            is_new_project=True,
            status=Proposal.Status.SUBMITTED,
        )
        ProposalPartner.objects.bulk_create(
            [ProposalPartner(proposal=proposal, organisation=o) for o in orgs[i % 3 : i % 3 + 3]]
        )
        proposal_ids.append(proposal.pk)
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def award(pid):
        try:
            barrier.wait()
            services.award_make(user=alice, proposal=Proposal.objects.get(pk=pid), amount=Decimal("4500"))
            result = "awarded"
        except ValidationError:
            result = "refused"
        except Exception as exc:
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=award, args=(pid,)) for pid in proposal_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    rnd = Round.objects.get(pk=rnd.pk)
    total = sum(a.amount for a in Award.objects.filter(proposal__round=rnd))
    assert sorted(set(outcomes)) == ["awarded", "refused"]
    assert outcomes.count("awarded") == 4  # 4 × 4,500 = 18,000; a fifth would make 22,500 > 20,000
    assert total == rnd.awarded_total == Decimal("18000")
    assert Proposal.objects.filter(round=rnd, status=Proposal.Status.AWARDED).count() == 4

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clusters.services import cluster_from_round_grantees
from funds.models import Fund, Proposal, ProposalPartner, Round
from tests.factories import MemberFactory, OrganisationFactory


@pytest.fixture
def decided_round(network, alice):
    fund = Fund.objects.create(network=network, name="Valley Innovation Fund")
    today = datetime.date.today()
    return Round.objects.create(
        fund=fund,
        title="Spring round",
        focus="Neighbourhood health projects run by three or more organisations together.",
        budget=Decimal("20000"),
        grant_min=Decimal("1500"),
        grant_max=Decimal("8000"),
        opens_on=today - datetime.timedelta(days=60),
        closes_on=today - datetime.timedelta(days=30),
        status=Round.Status.DECIDED,
    )


def proposal(rnd, user, *, title, lead, partners, status=Proposal.Status.AWARDED):
    made = Proposal.objects.create(round=rnd, title=title, lead=lead, submitted_by=user, status=status)
    for org in partners:
        ProposalPartner.objects.create(proposal=made, organisation=org)
    return made


def test_a_rounds_grantees_become_a_learning_cluster_in_one_action(network, alice, decided_round):
    a, b, c, d, e = (OrganisationFactory(network=network, community=x) for x in "ABCDE")
    ana = MemberFactory(network=network, name="Ana")
    ana.organisations.add(b)
    proposal(decided_round, alice, title="Walking buses", lead=ana, partners=[a, b, c])
    proposal(decided_round, alice, title="Food club", lead=None, partners=[c, d])
    proposal(decided_round, alice, title="Declined", lead=None, partners=[e], status=Proposal.Status.DECLINED)

    cluster, warnings = cluster_from_round_grantees(user=alice, round=decided_round)

    assert cluster.name == "Grantees of Spring round" and cluster.from_round == decided_round
    assert cluster.network == network
    assert {p.organisation for p in cluster.participants.all()} == {a, b, c, d}
    person = cluster.people.get()
    assert person.person == ana and person.participant.organisation == b
    assert any("work best with 6 to 12" in w for w in warnings)


def test_turning_grantees_into_a_cluster_again_adds_late_grantees_to_the_same_cluster(
    network, alice, decided_round
):
    a, b, c = (OrganisationFactory(network=network) for _ in range(3))
    proposal(decided_round, alice, title="One", lead=None, partners=[a, b])
    first, _ = cluster_from_round_grantees(user=alice, round=decided_round)
    proposal(decided_round, alice, title="Two", lead=None, partners=[b, c])
    again, _ = cluster_from_round_grantees(user=alice, round=decided_round)
    assert again.pk == first.pk
    assert again.participants.count() == 3


def test_a_round_without_funded_projects_cannot_form_a_cluster(alice, decided_round):
    with pytest.raises(ValidationError, match="no funded projects"):
        cluster_from_round_grantees(user=alice, round=decided_round)

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from clusters.models import LearningCluster
from clusters.services import cluster_from_round_grantees
from funds import services
from funds.models import Fund, Proposal, ProposalPartner, Round
from tests.factories import PASSWORD, MemberFactory, OrganisationFactory


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


def login(client, user):
    client.login(request=RequestFactory().post("/"), username=user.username, password=PASSWORD)
    return client


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


@pytest.fixture
def awarded(network, alice, decided_round):
    a, b, c = (OrganisationFactory(network=network, name=n) for n in ("Ash", "Birch", "Cedar"))
    proposal(decided_round, alice, title="Walking buses", lead=None, partners=[a, b, c])
    return {a, b, c}


def round_url(network, rnd):
    return reverse("funds:round-detail", args=[network.slug, rnd.pk])


def from_round_url(network, rnd):
    return reverse("clusters:cluster-from-round", args=[network.slug, rnd.pk])


def test_the_round_page_offers_alice_to_turn_the_grantees_into_a_cluster_once_a_grant_is_awarded(
    client, network, alice, decided_round
):
    login(client, alice)
    assert from_round_url(network, decided_round) not in client.get(round_url(network, decided_round)).text
    food_club = [OrganisationFactory(network=network)]
    proposal(decided_round, alice, title="Food club", lead=None, partners=food_club)
    page = client.get(round_url(network, decided_round)).text
    assert from_round_url(network, decided_round) in page
    assert "Turn the grantees into a learning cluster" in page


def test_alice_turns_the_grantees_into_a_cluster_from_the_round_page(
    client, network, alice, decided_round, awarded
):
    response = login(client, alice).post(from_round_url(network, decided_round), follow=True)
    cluster = LearningCluster.objects.get(from_round=decided_round)
    assert response.redirect_chain[-1][0] == cluster.get_absolute_url()
    assert "now form the cluster" in response.text
    assert {p.organisation for p in cluster.participants.all()} == awarded
    page = client.get(round_url(network, decided_round)).text
    assert cluster.get_absolute_url() in page and "Add new grantees to the learning cluster" in page


def test_bob_sees_no_such_button_and_cannot_turn_the_grantees_into_a_cluster(
    client, network, bob, decided_round, awarded
):
    login(client, bob)
    assert from_round_url(network, decided_round) not in client.get(round_url(network, decided_round)).text
    assert client.post(from_round_url(network, decided_round)).status_code == 403
    assert not LearningCluster.objects.exists()


def test_charlie_gets_404_turning_the_grantees_into_a_cluster(
    client, network, charlie, decided_round, awarded
):
    assert login(client, charlie).post(from_round_url(network, decided_round)).status_code == 404
    assert not LearningCluster.objects.exists()


def test_the_api_turns_the_grantees_into_a_cluster_with_their_organisations(
    network, alice, decided_round, awarded
):
    client = APIClient()
    client.force_authenticate(alice)
    response = client.post(
        f"/api/v1/networks/{network.slug}/clusters/from-round/", {"round": decided_round.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["from_round"] == decided_round.pk and body["name"] == "Grantees of Spring round"
    assert {p["organisation"] for p in body["participants"]} == {org.pk for org in awarded}
    assert {p["name"] for p in body["participants"]} == {"Ash", "Birch", "Cedar"}
    assert any("work best with 6 to 12" in w for w in body["warnings"])
    assert LearningCluster.objects.get(from_round=decided_round).pk == body["id"]


@pytest.fixture
def round_in_review(decided_round):
    Round.objects.filter(pk=decided_round.pk).update(status=Round.Status.REVIEW)
    decided_round.refresh_from_db()
    return decided_round


def test_the_round_page_offers_no_cluster_while_the_round_is_in_review_though_a_grant_is_awarded(
    client, network, alice, round_in_review, awarded
):
    page = login(client, alice).get(round_url(network, round_in_review)).text
    assert "Awarded" in page
    assert from_round_url(network, round_in_review) not in page
    assert "Turn the grantees into a learning cluster" not in page


def test_grantees_cannot_form_a_cluster_before_the_round_is_decided(alice, round_in_review, awarded):
    with pytest.raises(ValidationError, match="only once the round is decided"):
        cluster_from_round_grantees(user=alice, round=round_in_review)
    assert not LearningCluster.objects.exists()


def test_the_page_and_the_api_refuse_a_cluster_before_the_round_is_decided(
    client, network, alice, round_in_review, awarded
):
    response = login(client, alice).post(from_round_url(network, round_in_review), follow=True)
    assert "only once the round is decided" in response.text
    api = APIClient()
    api.force_authenticate(alice)
    response = api.post(
        f"/api/v1/networks/{network.slug}/clusters/from-round/", {"round": round_in_review.pk}, format="json"
    )
    assert response.status_code == 400
    assert "only once the round is decided" in str(response.json())
    assert not LearningCluster.objects.exists()


def test_once_the_round_is_decided_its_grantees_form_a_cluster(
    client, network, alice, round_in_review, awarded
):
    services.round_transition(user=alice, round=round_in_review, status=Round.Status.DECIDED)
    assert (
        "Turn the grantees into a learning cluster"
        in login(client, alice).get(round_url(network, round_in_review)).text
    )
    cluster, _ = cluster_from_round_grantees(user=alice, round=round_in_review)
    assert {p.organisation for p in cluster.participants.all()} == awarded

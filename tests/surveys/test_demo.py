"""The demo network's surveys: a closed campaign with results, an open one the `member` login answers."""

from django.urls import reverse

from networks.models import Network, Relationship
from surveys.models import Campaign, Response
from surveys.selectors import campaign_results
from tests.networks.test_seed_demo import SLUG, demo, fast_passwords, login  # noqa: F401 - fixtures


def test_the_demo_has_a_closed_survey_with_results_and_confirmed_ties(demo, db):  # noqa: F811
    network = Network.objects.get(slug=SLUG)
    spring = Campaign.objects.get(network=network, status=Campaign.Status.CLOSED)

    results = campaign_results(campaign=spring, with_members=True)

    assert results["responded"] >= 20 and 0.5 <= results["response_rate"] <= 0.9
    assert results["reciprocity"] and results["average_trust"] and results["health"]["purpose"]["n"] >= 20
    assert any(row["energiser_nominations"] for row in results["members"])
    assert Relationship.objects.filter(network=network, confirmation="confirmed").exists()


def test_the_member_login_finds_the_open_survey_and_can_answer_it(demo, db, client):  # noqa: F811
    network = Network.objects.get(slug=SLUG)
    autumn = Campaign.objects.get(network=network, status=Campaign.Status.OPEN)
    member = login("member")
    invitation = autumn.invitations.get(member__user=member)
    client.force_login(member)

    page = client.get(reverse("surveys:campaign-list", args=[SLUG])).content.decode()

    assert invitation.get_answer_url() in page
    assert not Response.objects.filter(invitation=invitation).exists()
    assert client.get(invitation.get_answer_url()).status_code == 200

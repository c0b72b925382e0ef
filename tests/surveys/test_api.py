import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from surveys import services
from surveys.models import Campaign
from tests.surveys.factories import answers_naming

BASE = "/api/v1/networks/healthy-valleys/surveys/"


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.mark.django_db
def test_a_coordinator_creates_opens_and_invites_over_the_api(
    api, people, django_capture_on_commit_callbacks, mailoutbox
):
    closes = (timezone.now() + datetime.timedelta(days=10)).isoformat()
    created = api.post(
        BASE,
        {
            "title": "Spring",
            "consent_text": "I agree.",
            "closes_at": closes,
            "standard_questions": ["work"],
            "custom_questions": [["Who do you learn from?", "learns from"]],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert [q["tie_kind"] for q in created.json()["questions"]] == ["works with", "learns from"]

    assert api.post(f"{BASE}{pk}/status/", {"status": "open"}, format="json").json()["status"] == "open"
    with django_capture_on_commit_callbacks(execute=True):
        invited = api.post(
            f"{BASE}{pk}/invitations/", {"members": [people["Ana"].pk, people["Ben"].pk]}, format="json"
        )

    assert invited.status_code == 201 and len(invited.json()) == 2
    assert len(mailoutbox) == 2
    listed = api.get(f"{BASE}{pk}/invitations/").json()
    assert {row["member_name"] for row in listed} == {"Ana", "Ben"}
    assert all(row["sent_at"] for row in listed)


@pytest.mark.django_db
def test_inviting_someone_of_another_network_is_a_400(api, campaign, other_network):
    from tests.factories import MemberFactory

    stranger = MemberFactory(network=other_network)

    answer = api.post(f"{BASE}{campaign.pk}/invitations/", {"members": [stranger.pk]}, format="json")

    assert answer.status_code == 400
    assert not campaign.invitations.exists()


@pytest.mark.django_db
def test_responses_and_results_give_coordinators_ratings_and_per_member_figures(api, people, invitations):
    ana = invitations["Ana"]
    services.response_consent(invitation=ana)
    services.response_save(
        invitation=ana,
        answers=answers_naming(ana.campaign, {"work": [people["Ben"]]}, trust_reliability=4),
        submit=True,
    )

    responses = api.get(f"{BASE}{ana.campaign_id}/responses/").json()
    results = api.get(f"{BASE}{ana.campaign_id}/results/").json()

    assert responses[0]["member_name"] == "Ana"
    assert responses[0]["nominations"][0]["member"] == people["Ben"].pk
    assert responses[0]["nominations"][0]["trust_reliability"] == 4
    assert results["response_rate"] == 0.2
    assert [(m["name"], m["trust"]) for m in results["members"]] == [("Ben", 4.0)]


@pytest.mark.django_db
def test_a_member_reads_only_the_aggregates_a_campaign_allows(bob, campaign, invitations):
    client = APIClient()
    client.force_authenticate(bob)

    hidden = client.get(f"{BASE}{campaign.pk}/results/")
    Campaign.objects.filter(pk=campaign.pk).update(visibility=Campaign.Visibility.AGGREGATES)
    shown = client.get(f"{BASE}{campaign.pk}/results/")

    assert hidden.status_code == 404
    assert shown.status_code == 200
    assert shown.json()["invited"] == 5 and "members" not in shown.json()
    assert client.get(f"{BASE}{campaign.pk}/").status_code == 403


@pytest.mark.django_db
def test_a_coordinator_who_was_rated_does_not_see_the_ratings_given_to_them(
    api, alice, people, invitations, client
):
    people["Ben"].user = alice
    people["Ben"].save()
    ana = invitations["Ana"]
    services.response_consent(invitation=ana)
    named = {"work": [people["Ben"], people["Chen"]]}
    services.response_save(
        invitation=ana, answers=answers_naming(ana.campaign, named, trust_reliability=1), submit=True
    )
    client.force_login(alice)

    responses = api.get(f"{BASE}{ana.campaign_id}/responses/").json()
    export = client.get(f"/networks/healthy-valleys/surveys/{ana.campaign_id}/responses.csv").content.decode()

    results = api.get(f"{BASE}{ana.campaign_id}/results/").json()
    assert [n["member"] for n in responses[0]["nominations"]] == [people["Chen"].pk]
    assert [m["name"] for m in results["members"]] == ["Chen"]
    assert "Chen" in export and ",Ben," not in export

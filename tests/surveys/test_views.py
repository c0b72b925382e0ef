import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from networks.models import Relationship
from surveys import services
from surveys.models import Campaign, Nomination, PendingMember, Response
from tests.factories import MemberFactory
from tests.surveys.factories import open_campaign


def link(invitation, token=None, campaign_pk=None):
    return reverse(
        "surveys:answer",
        kwargs={"campaign_pk": campaign_pk or invitation.campaign_id, "token": token or invitation.token},
    )


def consent(client, invitation):
    return client.post(link(invitation), {"action": "consent", "consent": "yes"})


@pytest.mark.django_db
def test_the_link_asks_for_consent_first_and_stores_nothing_before(client, invitations):
    ana = invitations["Ana"]

    page = client.get(link(ana))
    refused = client.post(link(ana), {"action": "submit", "q1": "m1"})

    assert page.status_code == 200 and "I agree" in page.content.decode()
    assert refused.status_code == 400
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_consent_is_recorded_with_its_time_then_the_questions_are_shown(client, invitations):
    before = timezone.now()

    answer = consent(client, invitations["Ana"])

    assert answer.status_code == 302
    response = Response.objects.get(invitation=invitations["Ana"])
    assert response.consent_at >= before and response.submitted_at is None
    page = client.get(link(invitations["Ana"]))
    assert "Who do you go to for advice?" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("tampered", 404, "This survey link is not valid"),
        ("other-campaign", 404, "This link belongs to another survey"),
        ("revoked", 410, "withdrawn by the network"),
        ("closed", 410, "This survey has closed"),
        ("expired", 410, "This survey has closed"),
    ],
)
def test_an_unusable_link_gets_a_clear_page_and_stores_nothing(
    client, network, alice, invitations, case, status, message
):
    ana = invitations["Ana"]
    url = link(ana)
    if case == "tampered":
        url = link(ana, token=ana.token[:-1] + ("0" if ana.token[-1] != "0" else "1"))
    elif case == "other-campaign":
        url = link(ana, campaign_pk=open_campaign(network=network, user=alice, title="Autumn").pk)
    elif case == "revoked":
        services.invitation_revoke(user=alice, invitation=ana)
    elif case == "closed":
        services.campaign_set_status(user=alice, campaign=ana.campaign, status=Campaign.Status.CLOSED)
    elif case == "expired":
        Campaign.objects.filter(pk=ana.campaign_id).update(
            closes_at=timezone.now() - datetime.timedelta(minutes=1)
        )

    page = client.get(url)
    posted = client.post(url, {"action": "consent", "consent": "yes"})

    assert page.status_code == status and message in page.content.decode()
    assert posted.status_code == status
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_the_picker_searches_the_invitations_network_by_name_and_organisation(
    client, other_network, people, invitations
):
    MemberFactory(network=other_network, name="Anabel Elsewhere")
    consent(client, invitations["Ben"])
    search = reverse("surveys:answer-search", args=[invitations["Ben"].campaign_id, invitations["Ben"].token])

    by_name = client.get(search, {"q": "ana"}).json()["results"]
    by_org = client.get(search, {"q": "valley"}).json()["results"]

    assert [(r["name"], r["organisation"]) for r in by_name] == [("Ana", "Valley Clinic")]
    assert [r["name"] for r in by_org] == ["Ana"]


@pytest.mark.django_db
def test_the_picker_needs_consent_and_leaves_the_respondent_out(client, people, invitations):
    search = reverse("surveys:answer-search", args=[invitations["Ana"].campaign_id, invitations["Ana"].token])
    assert client.get(search, {"q": "ana"}).status_code == 403

    consent(client, invitations["Ana"])

    assert client.get(search, {"q": "ana"}).json()["results"] == []


def _form(campaign, named, **extra):
    data = {"action": "submit"}
    question = campaign.questions.get(standard="work")
    data[f"q{question.pk}"] = [f"m{m.pk}" for m in named]
    for m in named:
        data[f"q{question.pk}-m{m.pk}-strength"] = "4"
        data[f"q{question.pk}-m{m.pk}-frequency"] = "weekly"
        data[f"q{question.pk}-m{m.pk}-trust_reliability"] = "3"
    data.update(extra)
    return data


@pytest.mark.django_db
def test_answering_by_form_submits_and_feeds_the_network(client, people, invitations):
    ana = invitations["Ana"]
    consent(client, ana)

    answer = client.post(link(ana), _form(ana.campaign, [people["Ben"], people["Chen"]], health_purpose="4"))

    assert answer.status_code == 302
    response = Response.objects.get(invitation=ana)
    assert response.submitted_at and response.health_purpose == 4
    assert set(Nomination.objects.values_list("strength", "frequency", "trust_reliability")) == {
        (4, "weekly", 3)
    }
    assert Relationship.objects.filter(provenance="survey", kind="works with").count() == 2
    assert "Your answers are in" in client.get(link(ana)).content.decode()


@pytest.mark.django_db
def test_saving_as_you_go_answers_json_and_a_bad_rating_stores_nothing(client, people, invitations):
    ana = invitations["Ana"]
    consent(client, ana)
    saved = client.post(
        link(ana), _form(ana.campaign, [people["Ben"]], action="save"), HTTP_ACCEPT="application/json"
    )
    bad = _form(ana.campaign, [people["Chen"]], action="save")
    question = ana.campaign.questions.get(standard="work")
    bad[f"q{question.pk}-m{people['Chen'].pk}-strength"] = "9"

    refused = client.post(link(ana), bad, HTTP_ACCEPT="application/json")

    assert saved.status_code == 200 and saved.json()["submitted"] is False
    assert refused.status_code == 400 and refused.json()["errors"] == ["Strength must be from 1 to 5."]
    assert list(Nomination.objects.values_list("member__name", flat=True)) == ["Ben"]


@pytest.mark.django_db
def test_naming_yourself_by_form_gets_the_page_back_with_the_reason(client, people, invitations):
    ana = invitations["Ana"]
    consent(client, ana)

    answer = client.post(link(ana), _form(ana.campaign, [people["Ana"]]))

    assert answer.status_code == 400
    assert "You cannot name yourself." in answer.content.decode()
    assert not Nomination.objects.exists()


@pytest.mark.django_db
def test_five_hundred_people_in_one_answer_are_refused(client, network, invitations):
    ana = invitations["Ana"]
    consent(client, ana)
    many = MemberFactory.create_batch(500, network=network)

    answer = client.post(link(ana), _form(ana.campaign, many))

    # With their ratings that is 2,000 fields: more than Django reads from one request.
    assert answer.status_code == 400
    assert "Too many answers at once: name at most 50 people per question." in answer.content.decode()
    assert not Nomination.objects.exists()


@pytest.mark.django_db
def test_more_people_than_the_cap_without_ratings_are_refused_too(client, network, invitations):
    ana = invitations["Ana"]
    consent(client, ana)
    many = MemberFactory.create_batch(60, network=network)
    question = ana.campaign.questions.get(standard="work")

    answer = client.post(link(ana), {"action": "submit", f"q{question.pk}": [f"m{m.pk}" for m in many]})

    assert answer.status_code == 400
    assert "Name at most 50 people per question (60 were named)." in answer.content.decode()
    assert not Nomination.objects.exists()


@pytest.mark.django_db
def test_someone_not_on_the_list_is_added_through_the_link(client, invitations):
    ana = invitations["Ana"]
    consent(client, ana)
    url = reverse("surveys:answer-pending", args=[ana.campaign_id, ana.token])

    added = client.post(url, {"name": "Fay Newcomer", "organisation": "Food bank"})

    assert added.status_code == 200 and added.json()["id"].startswith("p")
    assert PendingMember.objects.get().name == "Fay Newcomer"


@pytest.mark.django_db
def test_withdrawing_by_link_removes_the_answers(client, people, invitations):
    ana = invitations["Ana"]
    consent(client, ana)
    client.post(link(ana), _form(ana.campaign, [people["Ben"]]))

    page = client.post(link(ana), {"action": "withdraw", "confirm": "yes"})

    assert "Your answers were removed" in page.content.decode()
    assert not Response.objects.exists() and not Relationship.objects.filter(provenance="survey").exists()


@pytest.mark.django_db
def test_the_coordinators_page_shows_progress_and_who_has_not_answered(client, alice, people, invitations):
    ana = invitations["Ana"]
    consent(client, ana)
    client.post(link(ana), _form(ana.campaign, [people["Ben"]]))
    client.force_login(alice)

    page = client.get(ana.campaign.get_absolute_url()).content.decode()

    assert 'max="100" value="20"' in page
    assert "Remind Ben" in page and "Remind Ana" not in page


@pytest.mark.django_db
def test_the_export_neutralises_formula_cells(client, alice, network, invitations):
    ana = invitations["Ana"]
    formula = MemberFactory(network=network, name="=HYPERLINK(1)", email="f@example.org")
    consent(client, ana)
    client.post(link(ana), _form(ana.campaign, [formula]))
    client.force_login(alice)

    csv_text = client.get(
        reverse("surveys:campaign-export", args=[network.slug, ana.campaign_id])
    ).content.decode("utf-8-sig")

    assert "'=HYPERLINK(1)" in csv_text
    assert "\n=HYPERLINK" not in csv_text and ",=HYPERLINK" not in csv_text


@pytest.mark.django_db
def test_a_coordinator_creates_invites_and_opens_a_survey(
    client, alice, network, people, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(alice)
    now = timezone.localtime()
    created = client.post(
        reverse("surveys:campaign-create", args=[network.slug]),
        {
            "title": "Spring mapping",
            "consent_text": "I agree.",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "visibility": "aggregates",
            "standard_questions": ["work", "energy"],
            "ask_trust_value": "on",
        },
    )
    campaign = Campaign.objects.get()
    assert created.status_code == 302 and list(campaign.questions.values_list("tie_kind", flat=True)) == [
        "works with",
        "energy",
    ]

    client.post(reverse("surveys:campaign-invite", args=[network.slug, campaign.pk]), {"who": "all"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("surveys:campaign-status", args=[network.slug, campaign.pk]), {"status": "open"})
        client.post(reverse("surveys:campaign-remind", args=[network.slug, campaign.pk]))

    assert campaign.invitations.count() == 5
    assert len(mailoutbox) == 5


@pytest.mark.django_db
def test_a_logged_in_member_finds_your_survey_on_the_network_home(client, bob, network, people, invitations):
    people["Ben"].user = bob
    people["Ben"].save()
    client.force_login(bob)

    home = client.get(reverse("networks:network-detail", args=[network.slug])).content.decode()

    assert "Your survey" in home and invitations["Ben"].get_answer_url() in home
    assert invitations["Ana"].get_answer_url() not in home

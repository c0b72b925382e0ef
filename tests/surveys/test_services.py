import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from networks.models import Relationship, RelationshipReport
from surveys import selectors, services
from surveys.models import AuditEntry, Nomination, PendingMember, Response
from tests.factories import MemberFactory
from tests.surveys.factories import answers_naming


def answer(invitation, named, *, submit=True, **ratings):
    services.response_consent(invitation=invitation)
    return services.response_save(
        invitation=invitation, answers=answers_naming(invitation.campaign, named, **ratings), submit=submit
    )


def survey_ties(network):
    return {
        (frozenset({t.source.name, t.target.name}), t.kind): t.confirmation
        for t in Relationship.objects.filter(network=network, provenance=Relationship.Provenance.SURVEY)
    }


@pytest.mark.django_db
def test_a_submitted_answer_ties_the_respondent_to_each_person_named_as_reported(
    network, people, invitations
):
    answer(invitations["Ana"], {"work": [people["Ben"], people["Chen"]], "energy": [people["Ben"]]})

    assert survey_ties(network) == {
        (frozenset({"Ana", "Ben"}), "works with"): "reported",
        (frozenset({"Ana", "Chen"}), "works with"): "reported",
        (frozenset({"Ana", "Ben"}), "energy"): "reported",
    }
    tie = Relationship.objects.get(kind="energy")
    assert tie.provenance_key == invitations["Ana"].campaign.key
    assert list(tie.reports.values_list("reporter__name", flat=True)) == ["Ana"]


@pytest.mark.django_db
def test_a_tie_named_by_both_sides_is_confirmed(network, people, invitations):
    answer(invitations["Ana"], {"work": [people["Ben"]]})
    answer(invitations["Ben"], {"work": [people["Ana"]]})

    assert survey_ties(network) == {(frozenset({"Ana", "Ben"}), "works with"): "confirmed"}
    assert Relationship.objects.filter(network=network).count() == 1


@pytest.mark.django_db
def test_answers_saved_but_not_submitted_bring_no_ties_in(network, people, invitations):
    answer(invitations["Ana"], {"work": [people["Ben"]]}, submit=False)

    assert Nomination.objects.count() == 1
    assert survey_ties(network) == {}


@pytest.mark.django_db
def test_submitting_twice_keeps_one_response_and_its_first_submission_time(network, people, invitations):
    first = answer(invitations["Ana"], {"work": [people["Ben"]]})
    second = answer(invitations["Ana"], {"work": [people["Ben"], people["Dee"]]})

    assert Response.objects.count() == 1
    assert second.submitted_at == first.submitted_at
    assert set(survey_ties(network)) == {
        (frozenset({"Ana", "Ben"}), "works with"),
        (frozenset({"Ana", "Dee"}), "works with"),
    }


@pytest.mark.django_db
def test_an_update_while_open_takes_back_a_tie_no_longer_named(network, people, invitations):
    answer(invitations["Ana"], {"work": [people["Ben"], people["Chen"]]})
    answer(invitations["Ana"], {"work": [people["Chen"]]})

    assert survey_ties(network) == {(frozenset({"Ana", "Chen"}), "works with"): "reported"}


@pytest.mark.django_db
def test_withdrawal_removes_answers_and_ties_only_the_respondent_reported(network, people, invitations):
    answer(invitations["Ana"], {"work": [people["Ben"], people["Chen"]]})
    answer(invitations["Ben"], {"work": [people["Ana"]]})
    only_ana = Relationship.objects.get(source__name="Ana", target__name="Chen")

    counts = services.response_withdraw(invitation=invitations["Ana"])

    assert counts == {"ties_removed": 1, "nominations_removed": 2}
    assert survey_ties(network) == {(frozenset({"Ana", "Ben"}), "works with"): "reported"}
    assert not Response.objects.filter(invitation=invitations["Ana"]).exists()
    assert not RelationshipReport.objects.filter(reporter=people["Ana"]).exists()
    assert not Relationship.history.filter(id=only_ana.pk).exists()
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.WITHDRAWAL
    assert "Ana" not in str(entry.counts)


@pytest.mark.django_db
def test_a_tie_entered_by_hand_stays_when_its_reporter_withdraws(network, people, invitations, alice):
    from networks.services import relationship_add

    manual = relationship_add(
        user=alice, network=network, source=people["Ana"], target=people["Ben"], kind="works with"
    )
    answer(invitations["Ana"], {"work": [people["Ben"]]})
    manual.refresh_from_db()
    assert manual.confirmation == "reported"

    services.response_withdraw(invitation=invitations["Ana"])

    manual.refresh_from_db()
    assert manual.provenance == Relationship.Provenance.MANUAL
    assert manual.confirmation == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("named", "ratings", "message"),
    [
        ("self", {}, "You cannot name yourself."),
        ("other-network", {}, "Someone named is not a member of this network."),
        ("ben", {"strength": 6}, "Strength must be from 1 to 5."),
        ("ben", {"trust_reliability": 5}, "Trust and value ratings must be from 1 to 4."),
        ("ben", {"value_power": 0}, "Trust and value ratings must be from 1 to 4."),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(
    network, other_network, people, invitations, named, ratings, message
):
    ana = invitations["Ana"]
    answer(ana, {"work": [people["Chen"]]}, submit=False)
    target = {
        "self": people["Ana"],
        "other-network": MemberFactory(network=other_network, name="Zed"),
        "ben": people["Ben"],
    }[named]

    with pytest.raises(ValidationError) as error:
        answer(ana, {"work": [target]}, **ratings)

    assert message in error.value.messages
    assert list(Nomination.objects.values_list("member__name", flat=True)) == ["Chen"]
    assert Response.objects.get(invitation=ana).submitted_at is None


@pytest.mark.django_db
def test_naming_more_people_than_the_cap_is_refused(network, people, invitations, settings):
    settings.WEAVER_SURVEY_MAX_CONTACTS = 3
    many = [MemberFactory(network=network) for _ in range(4)]

    with pytest.raises(ValidationError, match="Name at most 3 people per question"):
        answer(invitations["Ana"], {"work": many})

    assert not Nomination.objects.exists()


@pytest.mark.django_db
def test_health_ratings_out_of_range_are_refused(people, invitations):
    with pytest.raises(ValidationError, match="Health ratings must be from 1 to 5"):
        answer(invitations["Ana"], {"work": []}, health={"purpose": 6})


@pytest.mark.django_db
def test_someone_not_on_the_list_waits_then_is_added_and_tied(network, people, invitations, alice):
    ana = invitations["Ana"]
    services.response_consent(invitation=ana)
    pending = services.pending_add(invitation=ana, name="Fay Newcomer", organisation="Food bank")
    question = ana.campaign.questions.get(standard="work")
    answers = answers_naming(ana.campaign, {"work": []})
    answers.named[question.pk] = [
        services.NamedContact(member_id=None, pending_id=pending.pk, frequency="weekly", strength=4)
    ]
    services.response_save(invitation=ana, answers=answers, submit=True)
    assert survey_ties(network) == {}

    services.pending_decide(user=alice, pending=pending, action="approve")

    pending.refresh_from_db()
    assert pending.status == PendingMember.Status.APPROVED
    assert pending.member.name == "Fay Newcomer"
    assert survey_ties(network) == {(frozenset({"Ana", "Fay Newcomer"}), "works with"): "reported"}


@pytest.mark.django_db
def test_a_pending_person_merged_into_someone_already_named_is_named_once(
    network, people, invitations, alice
):
    ana = invitations["Ana"]
    services.response_consent(invitation=ana)
    pending = services.pending_add(invitation=ana, name="Benjamin")
    answers = answers_naming(ana.campaign, {"work": [people["Ben"]]})
    question = ana.campaign.questions.get(standard="work")
    answers.named[question.pk].append(
        services.NamedContact(member_id=None, pending_id=pending.pk, frequency="weekly", strength=4)
    )
    services.response_save(invitation=ana, answers=answers, submit=True)

    services.pending_decide(user=alice, pending=pending, action="merge", member=people["Ben"])

    assert list(Nomination.objects.values_list("member__name", flat=True)) == ["Ben"]


@pytest.mark.django_db
def test_a_rejected_pending_person_leaves_no_nomination(people, invitations, alice):
    ana = invitations["Ana"]
    services.response_consent(invitation=ana)
    pending = services.pending_add(invitation=ana, name="Nobody")
    answers = answers_naming(ana.campaign, {"work": []})
    answers.named[ana.campaign.questions.get(standard="work").pk] = [
        services.NamedContact(member_id=None, pending_id=pending.pk, frequency="weekly", strength=4)
    ]
    services.response_save(invitation=ana, answers=answers)

    services.pending_decide(user=alice, pending=pending, action="reject")

    assert not Nomination.objects.exists()


@pytest.mark.django_db
def test_invitations_are_emailed_with_a_working_personal_link(
    campaign, invitations, alice, settings, django_capture_on_commit_callbacks
):
    settings.WEAVER_BASE_URL = "http://testserver"

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.invitations_send(user=alice, campaign=campaign)

    assert sent == 5
    assert len(mail.outbox) == 5
    ana_mail = next(m for m in mail.outbox if m.to == [invitations["Ana"].member.email])
    link = next(line for line in ana_mail.body.splitlines() if line.startswith("http://testserver/survey/"))
    campaign_pk, token = link.removeprefix("http://testserver/survey/").strip("/").split("/")
    assert selectors.invitation_for_link(campaign_pk=int(campaign_pk), token=token) == invitations["Ana"]
    invitations["Ana"].refresh_from_db()
    assert invitations["Ana"].sent_at is not None
    assert token not in invitations["Ana"].token_hash


@pytest.mark.django_db
def test_a_failed_e_mail_is_recorded_on_the_invitation(
    campaign, invitations, alice, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP server refused the connection")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitations_send(user=alice, campaign=campaign)

    invitations["Ana"].refresh_from_db()
    assert invitations["Ana"].sent_at is None
    assert "refused" in invitations["Ana"].send_error
    assert selectors.campaign_progress(campaign=campaign).failed == 5


@pytest.mark.django_db
def test_reminders_go_only_to_those_who_have_not_submitted(
    people, campaign, invitations, alice, django_capture_on_commit_callbacks
):
    answer(invitations["Ana"], {"work": [people["Ben"]]})

    with django_capture_on_commit_callbacks(execute=True):
        count = services.invitations_send(user=alice, campaign=campaign, reminder=True)

    assert count == 4
    assert len(mail.outbox) == 4
    assert all("Reminder" in m.subject for m in mail.outbox)
    assert invitations["Ana"].member.email not in [m.to[0] for m in mail.outbox]


@pytest.mark.django_db
def test_a_revoked_link_stops_working(invitations, alice):
    ana = invitations["Ana"]
    token = ana.token

    services.invitation_revoke(user=alice, invitation=ana)

    with pytest.raises(selectors.LinkError, match="withdrawn"):
        selectors.invitation_for_link(campaign_pk=ana.campaign_id, token=token)


@pytest.mark.django_db
def test_after_a_withdrawal_the_history_of_ties_that_stay_does_not_name_the_respondents_login(
    network, people, invitations, bob
):
    people["Ana"].user = bob
    people["Ana"].save()
    answer(invitations["Ana"], {"work": [people["Ben"]]})
    answer(invitations["Ben"], {"work": [people["Ana"]]})
    tie = Relationship.objects.get(network=network, provenance="survey")
    assert tie.history.filter(history_user=bob).exists()

    services.response_withdraw(invitation=invitations["Ana"])

    assert tie.history.exists()
    assert not tie.history.filter(history_user=bob).exists()


@pytest.mark.django_db
def test_the_automatic_reminder_goes_once_when_the_campaign_is_within_its_days_before_closing(
    people, campaign, invitations, django_capture_on_commit_callbacks
):
    answer(invitations["Ana"], {"work": [people["Ben"]]})
    early = campaign.closes_at - timezone.timedelta(days=4)
    due = campaign.closes_at - timezone.timedelta(days=2)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.campaigns_remind_due(now=early) == []
        assert services.campaigns_remind_due(now=due) == [campaign.pk]
        assert services.campaigns_remind_due(now=due) == []

    assert len(mail.outbox) == 4
    assert all(m.subject.startswith("Reminder") for m in mail.outbox)

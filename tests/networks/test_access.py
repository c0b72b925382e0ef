"""Who has access, on the page: coordinators change the roles of logins that have access, and invite
everyone else by e-mail; an invitation gives its roles only once accepted, and whether the e-mail
already has a login is never told apart (issue 11)."""

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from networks import services
from networks.models import AccessInvitation, Role
from tests.factories import PASSWORD, MemberFactory, OrganisationFactory, UserFactory


@pytest.fixture
def dana(network):
    return MemberFactory(network=network, name="Dana Osei", email="dana@example.org")


def access_url(network):
    return reverse("networks:access-list", args=[network.slug])


def roles(network, user) -> set[str]:
    return set(network.roles.filter(user=user).values_list("role", flat=True))


def link_in(message) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/invitations/\S+/)", message.body).group(1)


def invite(network, alice, person, role_names, capture):
    with capture(execute=True):
        change = services.access_set(user=alice, network=network, member=person, roles=role_names)
    return change.invitation


def test_a_new_person_is_invited_and_holds_roles_only_once_they_choose_a_password_from_the_link(
    client, network, alice, dana, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(access_url(network), {"member": dana.pk, "roles": ["reviewer", "member"]})
    assert response.status_code == 302
    dana.refresh_from_db()
    assert dana.user is None and not get_user_model().objects.filter(email="dana@example.org").exists()
    [invitation] = AccessInvitation.objects.all()
    assert (invitation.status, invitation.roles, invitation.created_by) == (
        "pending",
        ["member", "reviewer"],
        alice,
    )
    [message] = mail.outbox
    assert message.to == ["dana@example.org"] and network.name in message.subject
    assert "Reviewer" in message.body

    client.logout()
    link = link_in(message)
    form_page = client.get(link)
    assert form_page.status_code == 200 and "Your login will be “dana”" in form_page.text
    done = client.post(
        link, {"new_password1": "a-long-pass-phrase-42", "new_password2": "a-long-pass-phrase-42"}
    )
    assert done.status_code == 302 and done.url == network.get_absolute_url()
    dana.refresh_from_db()
    assert dana.user.username == "dana" and dana.user.check_password("a-long-pass-phrase-42")
    assert roles(network, dana.user) == {"reviewer", "member"}
    assert client.get(network.get_absolute_url()).status_code == 200  # logged in by accepting
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == dana.user
    assert client.get(link).status_code == 404  # the link works once


def test_a_known_and_an_unknown_email_get_the_same_answer_and_no_role_until_accepted(
    client, network, alice, dana, django_capture_on_commit_callbacks
):
    existing = UserFactory(username="dosei-private", email="DANA.KNOWN@example.org")
    known = MemberFactory(network=network, name="Dana Known", email="dana.known@example.org")
    client.force_login(alice)
    answers = []
    for person in (known, dana):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                access_url(network), {"member": person.pk, "roles": ["member"]}, follow=True
            )
        [notice] = [str(m) for m in response.context["messages"]]
        answers.append((response.status_code, notice.replace(person.name, "X").replace(person.email, "Y")))
    assert answers[0] == answers[1]
    assert answers[0] == (200, "An invitation is on its way to Y: X gets the roles once they accept it.")
    assert "dosei-private" not in response.text
    assert roles(network, existing) == set()
    known.refresh_from_db()
    assert known.user is None
    assert [m.to for m in mail.outbox] == [["dana.known@example.org"], ["dana@example.org"]]
    assert mail.outbox[0].body.replace("Known", "Osei").replace("dana.known", "dana") == mail.outbox[
        1
    ].body.replace(link_in(mail.outbox[1]), link_in(mail.outbox[0]))


def test_an_existing_login_logs_in_from_the_link_then_accepts(
    client, network, alice, django_capture_on_commit_callbacks
):
    fay = UserFactory(username="fay", email="fay@example.org")
    person = MemberFactory(network=network, name="Fay Lin", email="fay@example.org")
    invitation = invite(network, alice, person, ["facilitator"], django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])

    to_login = client.get(link)
    assert to_login.status_code == 302 and unquote(to_login.url) == f"{reverse('login')}?next={link}"
    logged_in = client.post(reverse("login"), {"username": "fay", "password": PASSWORD, "next": link})
    assert logged_in.status_code == 302 and logged_in.url == link
    page = client.get(link)
    assert page.status_code == 200 and "Accept and open Healthy Valleys" in page.text
    assert roles(network, fay) == set()
    accepted = client.post(link)
    assert accepted.status_code == 302 and accepted.url == network.get_absolute_url()
    assert roles(network, fay) == {"facilitator"}
    person.refresh_from_db()
    invitation.refresh_from_db()
    assert person.user == fay and invitation.accepted_by == fay


def test_another_login_cannot_accept_someone_elses_invitation(
    client, network, alice, charlie, dana, django_capture_on_commit_callbacks
):
    invite(network, alice, dana, ["coordinator"], django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    client.force_login(charlie)
    assert client.get(link).status_code == 403
    assert client.post(link).status_code == 403
    assert roles(network, charlie) == set()
    assert AccessInvitation.objects.get().status == "pending"


def test_withdrawn_replaced_expired_and_forged_links_do_not_work(
    client, network, alice, dana, django_capture_on_commit_callbacks
):
    first = invite(network, alice, dana, ["member"], django_capture_on_commit_callbacks)
    second = invite(network, alice, dana, ["reviewer"], django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.status == "revoked" and second.status == "pending"
    first_link, second_link = link_in(mail.outbox[0]), link_in(mail.outbox[1])
    response = client.get(first_link)
    assert response.status_code == 404 and "replaced by a newer one" in response.text
    assert client.get(f"/invitations/{second.pk}:forged/").status_code == 404

    second.expires_at = timezone.now() - timedelta(minutes=1)
    second.save()
    assert "has expired" in client.get(second_link).text
    assert (
        client.post(
            second_link, {"new_password1": "x-long-pass-99", "new_password2": "x-long-pass-99"}
        ).status_code
        == 404
    )
    assert not get_user_model().objects.filter(email="dana@example.org").exists()


def test_a_coordinator_sees_and_withdraws_pending_invitations_on_the_page(
    client, network, alice, dana, django_capture_on_commit_callbacks
):
    invitation = invite(network, alice, dana, ["reviewer"], django_capture_on_commit_callbacks)
    client.force_login(alice)
    page = client.get(access_url(network)).text
    assert "Invited, not yet accepted" in page and "Dana Osei" in page and "dana@example.org" in page
    url = reverse("networks:access-invitation-revoke", args=[network.slug, invitation.pk])
    assert client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert client.get(link_in(mail.outbox[0])).status_code == 404
    assert client.post(url).status_code == 404  # no longer pending


@pytest.mark.parametrize(("persona", "status"), [("bob", 403), ("charlie", 404)])
def test_others_cannot_withdraw_invitations(
    client, network, alice, dana, persona, status, request, django_capture_on_commit_callbacks
):
    invitation = invite(network, alice, dana, ["reviewer"], django_capture_on_commit_callbacks)
    client.force_login(request.getfixturevalue(persona))
    url = reverse("networks:access-invitation-revoke", args=[network.slug, invitation.pk])
    assert client.post(url).status_code == status
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_changing_the_roles_of_a_login_with_access_sets_them_at_once_and_sends_no_email(network, alice, bob):
    person = MemberFactory(network=network, name="Bob Baker", email="bob@example.org", user=bob)
    change = services.access_set(user=alice, network=network, member=person, roles=["facilitator"])
    assert change.invitation is None and change.account == bob
    assert (change.added, change.removed) == ({"facilitator"}, {"member"})
    assert roles(network, bob) == {"facilitator"}
    assert mail.outbox == []


def test_a_person_without_an_email_or_an_organisation_cannot_be_invited(network, alice):
    no_email = MemberFactory(network=network, name="Eli", email="")
    org = OrganisationFactory(network=network, email="org@example.org")
    with pytest.raises(ValidationError, match="e-mail"):
        services.access_set(user=alice, network=network, member=no_email, roles=["member"])
    with pytest.raises(ValidationError, match="person"):
        services.access_set(user=alice, network=network, member=org, roles=["member"])
    assert not AccessInvitation.objects.exists()


def test_the_last_coordinator_cannot_lose_the_role(client, network, alice):
    client.force_login(alice)
    response = client.post(reverse("networks:access-revoke", args=[network.slug, alice.pk]), follow=True)
    assert "at least one coordinator" in response.content.decode()
    assert network.roles.filter(user=alice, role=Role.COORDINATOR).exists()


def test_removing_access_takes_every_role_and_the_network_becomes_a_404(client, network, alice, bob):
    client.force_login(alice)
    response = client.post(reverse("networks:access-revoke", args=[network.slug, bob.pk]))
    assert response.status_code == 302
    assert not network.roles.filter(user=bob).exists()
    client.force_login(bob)
    assert client.get(reverse("networks:network-detail", args=[network.slug])).status_code == 404


def test_the_access_page_lists_logins_with_their_person_and_roles_but_no_usernames(client, network, alice):
    reviewer = UserFactory(username="secret-login-name", first_name="", last_name="")
    MemberFactory(network=network, name="Dana Osei", email="dana@example.org", user=reviewer)
    services.role_grant(network=network, user=reviewer, role=Role.REVIEWER)
    client.force_login(alice)
    page = client.get(access_url(network)).content.decode()
    assert "Dana Osei" in page and "Reviewer" in page
    assert "secret-login-name" not in page and ">alice<" not in page


def test_granting_a_role_links_the_login_to_the_person_with_its_email(network, alice):
    person = MemberFactory(network=network, name="Fay", email="fay@example.org")
    account = UserFactory(username="fay", email="fay@example.org")
    services.role_grant(network=network, user=account, role=Role.MEMBER)
    person.refresh_from_db()
    assert person.user == account


@pytest.mark.parametrize(("persona", "status"), [("alice", 200), ("bob", 403), ("charlie", 404)])
def test_only_coordinators_see_who_has_access(client, network, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(access_url(network)).status_code == status


@pytest.mark.parametrize(("persona", "status"), [("bob", 403), ("charlie", 404)])
def test_others_cannot_give_access(client, network, dana, persona, status, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(access_url(network), {"member": dana.pk, "roles": ["coordinator"]})
    assert response.status_code == status
    assert not AccessInvitation.objects.exists()


def test_removing_a_login_that_holds_several_roles_takes_them_all(client, network, alice, bob):
    person = MemberFactory(network=network, name="Bob Baker", email="bob@example.org", user=bob)
    services.access_set(user=alice, network=network, member=person, roles=["reviewer", "member"])
    client.force_login(alice)
    response = client.post(reverse("networks:access-revoke", args=[network.slug, bob.pk]))
    assert response.status_code == 302
    assert not network.roles.filter(user=bob).exists()


def test_removing_access_of_an_id_past_the_database_range_is_a_404(client, network, alice):
    client.force_login(alice)
    response = client.post(reverse("networks:access-revoke", args=[network.slug, 2**63]))
    assert response.status_code == 404

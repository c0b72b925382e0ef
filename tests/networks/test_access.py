import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from networks import services
from networks.models import Role
from tests.factories import MemberFactory, OrganisationFactory, UserFactory


@pytest.fixture
def dana(network):
    return MemberFactory(network=network, name="Dana Osei", email="dana@example.org")


def access_url(network):
    return reverse("networks:access-list", args=[network.slug])


def test_a_coordinator_gives_a_person_a_login_and_an_email_to_choose_a_password(
    client, network, alice, dana, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(access_url(network), {"member": dana.pk, "roles": ["reviewer", "member"]})
    assert response.status_code == 302
    dana.refresh_from_db()
    account = dana.user
    assert account.username == "dana" and account.email == "dana@example.org"
    assert not account.has_usable_password()
    assert set(network.roles.filter(user=account).values_list("role", flat=True)) == {"reviewer", "member"}
    [message] = mail.outbox
    assert message.to == ["dana@example.org"] and network.name in message.subject
    link = re.search(r"http://127\.0\.0\.1:8000(/accounts/reset/\S+)", message.body).group(1)

    # The link in the e-mail lets Dana choose a password and log in.
    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-long-pass-phrase-42", "new_password2": "a-long-pass-phrase-42"},
    )
    assert done.status_code == 302
    assert client.login(username="dana", password="a-long-pass-phrase-42")
    assert client.get(reverse("networks:network-detail", args=[network.slug])).status_code == 200


def test_changing_roles_keeps_the_login_and_sends_no_second_email(network, alice, dana):
    services.access_set(user=alice, network=network, member=dana, roles=["member"])
    mail.outbox.clear()
    change = services.access_set(user=alice, network=network, member=dana, roles=["facilitator"])
    assert not change.created and change.added == {"facilitator"} and change.removed == {"member"}
    assert list(network.roles.filter(user=dana.user).values_list("role", flat=True)) == ["facilitator"]
    assert mail.outbox == []


def test_an_existing_login_with_the_persons_email_is_reused(network, alice, dana, other_network):
    existing = UserFactory(username="dosei", email="DANA@example.org")
    change = services.access_set(user=alice, network=network, member=dana, roles=["member"])
    assert change.account == existing and not change.created
    dana.refresh_from_db()
    assert dana.user == existing


def test_a_person_without_an_email_or_an_organisation_cannot_be_given_a_login(network, alice):
    no_email = MemberFactory(network=network, name="Eli", email="")
    org = OrganisationFactory(network=network, email="org@example.org")
    with pytest.raises(ValidationError, match="e-mail"):
        services.access_set(user=alice, network=network, member=no_email, roles=["member"])
    with pytest.raises(ValidationError, match="person"):
        services.access_set(user=alice, network=network, member=org, roles=["member"])
    assert get_user_model().objects.filter(email="org@example.org").count() == 0


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


def test_the_access_page_lists_logins_with_their_person_and_roles(client, network, alice, dana):
    services.access_set(user=alice, network=network, member=dana, roles=["reviewer"])
    client.force_login(alice)
    page = client.get(access_url(network)).content.decode()
    assert "Dana Osei" in page and "Reviewer" in page and "invited, no password chosen yet" in page


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
    dana.refresh_from_db()
    assert dana.user is None


def test_removing_a_login_that_holds_several_roles_takes_them_all(client, network, alice, dana):
    services.access_set(user=alice, network=network, member=dana, roles=["reviewer", "member"])
    dana.refresh_from_db()
    client.force_login(alice)
    response = client.post(reverse("networks:access-revoke", args=[network.slug, dana.user.pk]))
    assert response.status_code == 302
    assert not network.roles.filter(user=dana.user).exists()


def test_removing_access_of_an_id_past_the_database_range_is_a_404(client, network, alice):
    client.force_login(alice)
    response = client.post(reverse("networks:access-revoke", args=[network.slug, 2**63]))
    assert response.status_code == 404

import re

from django.core import mail

from networks.models import Role
from tests.e2e.conftest import log_in, new_guarded_page
from tests.factories import MemberFactory, NetworkFactory, RoleFactory, UserFactory


def test_a_coordinator_invites_a_person_who_chooses_a_password_from_the_email_and_joins(
    page, browser, live_server, shot, transactional_db
):
    network = NetworkFactory(name="Healthy Valleys", slug="healthy-valleys", purpose="Families eat well.")
    alice = UserFactory(username="alice")
    alice.set_password("alice-pass-1234")
    alice.save()
    RoleFactory(network=network, user=alice, role=Role.COORDINATOR)
    dana = MemberFactory(network=network, name="Dana Osei", email="dana@example.org")

    log_in(page, "alice", "alice-pass-1234")
    page.goto(f"/networks/{network.slug}/members/{dana.pk}/")
    page.get_by_role("link", name="give access").click()
    page.get_by_label("Reviewer: reviews the fund proposals assigned to them").check()
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("An invitation is on its way to dana@example.org").is_visible()
    assert page.get_by_role("heading", name="Invited, not yet accepted").is_visible()
    shot(page, "access")

    [message] = mail.outbox
    link = re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    newcomer_context, newcomer, newcomer_guard = new_guarded_page(browser, live_server.url)
    newcomer.goto(f"/{path}")
    assert newcomer.get_by_text("Your login will be “dana”").is_visible()
    newcomer.locator("input[name=new_password1]").fill("a-long-pass-phrase-42")
    newcomer.locator("input[name=new_password2]").fill("a-long-pass-phrase-42")
    newcomer.get_by_role("button", name="Save my password and join").click()
    assert newcomer.get_by_text("Welcome to Healthy Valleys").is_visible()
    shot(newcomer, "invitation-accepted")
    newcomer_context.close()
    newcomer_guard.check()

    page.reload()
    assert page.locator("table").get_by_text("Dana Osei").is_visible()
    assert not page.get_by_role("heading", name="Invited, not yet accepted").is_visible()

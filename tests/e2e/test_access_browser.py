import re

from django.core import mail

from networks.models import Role
from tests.e2e.conftest import log_in, new_guarded_page
from tests.factories import MemberFactory, NetworkFactory, RoleFactory, UserFactory


def test_a_coordinator_gives_a_person_a_login_and_they_choose_a_password_from_the_email(
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
    assert page.get_by_text("Dana Osei can now log in as “dana”").is_visible()
    assert page.locator("table").get_by_text("invited, no password chosen yet").is_visible()
    shot(page, "access")

    [message] = mail.outbox
    link = re.search(r"https?://\S+/accounts/reset/\S+", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    newcomer_context, newcomer, newcomer_guard = new_guarded_page(browser, live_server.url)
    newcomer.goto(f"/{path}")
    assert newcomer.get_by_text("Your login is").is_visible()
    newcomer.locator("input[name=new_password1]").fill("a-long-pass-phrase-42")
    newcomer.locator("input[name=new_password2]").fill("a-long-pass-phrase-42")
    newcomer.get_by_role("button", name="Save my password").click()
    newcomer.get_by_role("link", name="Log in").click()
    log_in(newcomer, "dana", "a-long-pass-phrase-42")
    assert newcomer.get_by_role("link", name="Healthy Valleys").is_visible()
    newcomer_context.close()
    newcomer_guard.check()

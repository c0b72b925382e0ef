import re

from django.core import mail

from networks.models import Relationship, Role
from surveys import services
from tests.e2e.conftest import log_in, new_guarded_page
from tests.factories import MemberFactory, NetworkFactory, RoleFactory, UserFactory
from tests.surveys.factories import open_campaign

PHONE = {"width": 390, "height": 844}
CONTACTS = {
    "Okaf": "Ben Okafor",
    "Chen": "Chen Wu",
    "Park": "Dee Park",
    "Ston": "Eve Stone",
    "Fay": "Fay Lin",
}


def test_a_member_answers_on_a_phone_from_the_emailed_link_resumes_elsewhere_and_submits(
    page, browser, live_server, shot, transactional_db, settings
):
    settings.WEAVER_BASE_URL = live_server.url
    network = NetworkFactory(name="Healthy Valleys", slug="healthy-valleys", purpose="Families eat well.")
    alice = UserFactory(username="alice")
    alice.set_password("alice-pass-1234")
    alice.save()
    RoleFactory(network=network, user=alice, role=Role.COORDINATOR)
    lucia = MemberFactory(network=network, name="Lucía Ramírez", email="lucia@example.org")
    others = [MemberFactory(network=network, name=name) for name in CONTACTS.values()]
    MemberFactory(network=network, name="Gus Unnamed")
    campaign = open_campaign(network=network, user=alice, title="Who works with whom")
    services.invitations_create(user=alice, campaign=campaign, members=[lucia, *others])
    services.invitations_send(user=alice, campaign=campaign)

    log_in(page, "alice", "alice-pass-1234")
    page.goto(campaign.get_absolute_url())
    assert page.get_by_test_id("response-rate").inner_text() == "0%"

    message = next(m for m in mail.outbox if m.to == ["lucia@example.org"])
    path = "/" + re.search(r"https?://\S+(/survey/\S+)", message.body).group(1).lstrip("/")

    phone, answer, phone_guard = new_guarded_page(browser, live_server.url)
    answer.set_viewport_size(PHONE)
    answer.goto(path)
    answer.get_by_label("I agree").check()
    answer.get_by_role("button", name="Start").click()
    picker = answer.get_by_role("combobox", name="Type a name or organisation").first
    for typed, name in CONTACTS.items():
        picker.fill(typed)
        answer.get_by_role("option", name=re.compile(name)).wait_for()
        picker.press("Enter")
        answer.locator(".contacts .contact-name", has_text=name).first.wait_for()
    first = answer.locator(".question").first
    first.get_by_label("How strong (1–5)").first.select_option("5")
    first.get_by_label("Reliable (1–4)").first.select_option("4")
    answer.wait_for_selector("#save-status[data-state=saved]")
    shot(answer, "survey-answer-phone")
    phone.close()
    phone_guard.check()

    elsewhere, resumed, elsewhere_guard = new_guarded_page(browser, live_server.url)
    resumed.set_viewport_size(PHONE)
    resumed.goto(path)
    first = resumed.locator(".question").first
    assert first.locator(".contact-name").all_inner_texts() == list(CONTACTS.values())
    assert first.get_by_label("How strong (1–5)").first.input_value() == "5"
    resumed.get_by_role("button", name="Send my answers").click()
    assert resumed.get_by_test_id("submitted").is_visible()
    elsewhere.close()
    elsewhere_guard.check()

    page.reload()
    assert page.get_by_test_id("response-rate").inner_text() == "17%"
    assert page.get_by_test_id("response-count").inner_text() == "1"
    ties = Relationship.objects.filter(network=network, provenance="survey", kind="works with")
    assert sorted(t.target.name for t in ties) == sorted(CONTACTS.values())
    assert {t.confirmation for t in ties} == {"reported"}

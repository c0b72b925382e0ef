import io

from django.core.management import call_command
from django.db.models import Q

from networks.management.commands.seed_demo import NAME, PURPOSE, SLUG
from networks.models import Member, Network, Relationship
from tests.e2e.conftest import log_in


def test_a_coordinator_finds_a_member_and_adds_a_relationship(page, shot, transactional_db):
    call_command("seed_demo", stdout=io.StringIO())
    network = Network.objects.get(slug=SLUG)
    person = network.members.active().people().filter(tags__name="housing", community="Riverside").first()
    tied = Relationship.objects.filter(Q(source=person) | Q(target=person)).values_list("source", "target")
    stranger = (
        network.members.active()
        .people()
        .exclude(pk__in={pk for pair in tied for pk in pair})
        .exclude(pk=person.pk)
    ).first()

    shot(page, "login")
    log_in(page, "coordinator", "weaver-demo")
    assert page.get_by_role("heading", name="My networks").is_visible()
    shot(page, "networks")

    page.get_by_role("link", name=NAME).click()
    assert page.locator("main").get_by_text(PURPOSE).is_visible()
    shot(page, "home")

    page.get_by_role("link", name="Members").first.click()
    page.wait_for_url("**/members/")
    assert page.locator("table.member-table tbody tr").count() == 25
    shot(page, "members")

    page.get_by_role("searchbox", name="Search").fill(person.name.split()[-1])
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**q=*")
    assert page.get_by_role("link", name=person.name).is_visible()

    page.goto(f"/networks/{SLUG}/members/")
    page.get_by_label("Community").select_option("Riverside")
    page.get_by_label("Tag").select_option("housing")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**tag=housing*")
    rows = page.locator("table.member-table tbody tr")
    expected = network.members.active().filter(community="Riverside", tags__name="housing").count()
    assert rows.count() == expected
    assert all(text == "Riverside" for text in rows.locator("td:nth-child(3)").all_inner_texts())
    shot(page, "members-filtered")

    page.get_by_role("link", name=person.name).click()
    assert page.get_by_role("heading", name=person.name).is_visible()
    shot(page, "member")

    page.get_by_role("link", name="Add relationship").click()
    page.get_by_label("Who is this member connected to?").select_option(label=stranger.name)
    page.get_by_label("Type of relationship").fill("learns with")
    page.get_by_label("Strength").fill("9")
    page.get_by_role("button", name="Add relationship").click()
    assert page.get_by_text("Strength must be a whole number from 1 to 5.").is_visible()
    shot(page, "relationship-errors")

    page.get_by_label("Strength").fill("4")
    page.get_by_role("button", name="Add relationship").click()
    page.wait_for_url(f"**/members/{person.pk}/")
    assert page.get_by_text(f"{person.name} and {stranger.name} are now connected.").is_visible()
    ties = page.locator("#relationships")
    assert ties.get_by_role("link", name=stranger.name).is_visible()
    assert page.locator("#history").get_by_text(f"connected {person.name} and {stranger.name}").is_visible()
    shot(page, "member-after")

    assert Relationship.objects.active().filter(source=person, target=stranger, strength=4).exists()
    assert Member.objects.get(pk=stranger.pk).ties_in.filter(kind="learns with").exists()

from multiscale.models import Prospect
from networks.models import Member, Relationship, Role
from tests.e2e.conftest import log_in
from tests.factories import MemberFactory, NetworkFactory, RoleFactory, UserFactory


def test_a_prospect_goes_from_identified_to_joined_and_is_tied_to_who_reached_out(
    page, shot, transactional_db
):
    network = NetworkFactory(name="Healthy Valleys", slug="healthy-valleys")
    alice = UserFactory(username="alice")
    alice.set_password("alice-pass-1234")
    alice.save()
    RoleFactory(network=network, user=alice, role=Role.COORDINATOR)
    dora = MemberFactory(network=network, name="Dora Outreach")

    log_in(page, "alice", "alice-pass-1234")
    page.goto(f"/networks/{network.slug}/")
    page.get_by_role("link", name="Scales").click()
    page.get_by_role("link", name="Prospects (the edge)").click()
    page.get_by_role("link", name="Add a prospect").click()
    page.get_by_label("Name").fill("Zoe Farmer")
    page.get_by_label("Email").fill("zoe@farm.org")
    page.get_by_label("Why we want them").select_option("other_sector")
    page.get_by_label("Who reaches out").select_option(str(dora.pk))
    page.get_by_role("button", name="Add").click()
    assert page.locator("#stage-identified").get_by_text("Zoe Farmer").is_visible()

    page.locator("#stage-identified").get_by_role("link", name="Zoe Farmer").click()
    for stage in ("contacted", "talking"):
        page.get_by_label("Move to").select_option(stage)
        page.get_by_role("button", name="Move").click()
        assert page.locator("#prospect-status").inner_text().lower() == stage
    shot(page, "prospect")
    page.get_by_role("button", name="They joined: make them a member").click()
    assert page.get_by_text("Zoe Farmer is a member of Healthy Valleys now.").is_visible()

    member = Member.objects.get(network=network, email="zoe@farm.org")
    assert Relationship.objects.filter(source=dora, target=member).exists()
    assert list(Prospect.objects.get(member=member).steps.values_list("to_status", flat=True)) == [
        "identified",
        "contacted",
        "talking",
        "joined",
    ]

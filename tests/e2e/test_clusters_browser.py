from pathlib import Path

from clusters.models import AdviceItem, LearningCluster, PeerAssistQuestion, SessionTieEffect
from networks.models import Relationship, Role
from networks.services import tags_resolve
from tests.e2e.conftest import log_in
from tests.factories import (
    PASSWORD,
    MemberFactory,
    NetworkFactory,
    OrganisationFactory,
    RoleFactory,
    UserFactory,
)

ORGANISATIONS = [
    ("Hill Walkers", "North"),
    ("River Ramblers", "South"),
    ("Town Striders", "East"),
    ("Moor Movers", "North"),
    ("Dale Wanderers", "South"),
    ("Coast Pacers", "West"),
]
PEOPLE = ["Ana Alves", "Ben Brook", "Cy Cole"]


def test_a_facilitator_forms_a_cluster_runs_a_session_and_downloads_the_handbook(
    page, shot, transactional_db, tmp_path
):
    network = NetworkFactory(name="Healthy Valleys", slug="healthy-valleys")
    fran = UserFactory(username="fran")
    RoleFactory(network=network, user=fran, role=Role.FACILITATOR)
    (walking,) = tags_resolve(network=network, names=["walking groups"])
    orgs = []
    for name, community in ORGANISATIONS:
        org = OrganisationFactory(network=network, name=name, community=community)
        org.tags.add(walking)
        orgs.append(org)
    for name, org in zip(PEOPLE, orgs, strict=False):
        MemberFactory(network=network, name=name, community=org.community).organisations.add(org)

    log_in(page, "fran", PASSWORD)
    page.goto(f"/networks/{network.slug}/clusters/new/")
    page.get_by_label("1. Which strategy will the cluster work on?").select_option(label="walking groups")
    page.get_by_role("button", name="Propose organisations").click()
    page.wait_for_url("**tag=*")
    reasons = page.locator(".candidate-reason")
    assert reasons.count() == len(ORGANISATIONS)
    assert "community" in reasons.first.inner_text()
    shot(page, "01-forming")
    page.get_by_label("Name").fill("Walking groups learning cluster")
    page.get_by_role("button", name="Create the cluster").click()
    page.wait_for_url("**/clusters/*/")
    cluster = LearningCluster.objects.get(name="Walking groups learning cluster")
    assert cluster.participants.count() == len(ORGANISATIONS)
    assert page.get_by_role("heading", name="What the network map shows").is_visible()
    assert page.get_by_role("link", name="network dashboard").is_visible()

    people_form = page.locator("form[action$='/people/add/']")
    for name, (org_name, _) in zip(PEOPLE, ORGANISATIONS, strict=False):
        people_form.get_by_label("Person").select_option(label=name)
        people_form.get_by_label("On behalf of").select_option(label=org_name)
        people_form.get_by_role("button", name="Add").click()
        assert page.get_by_text(f"{name} takes part in the cluster.").is_visible()
    assert cluster.people.count() == len(PEOPLE)
    shot(page, "02-cluster")

    page.get_by_role("link", name="Schedule").click()
    page.get_by_label("Title").fill("First walk-and-talk")
    page.get_by_label("Date and time").fill("2026-11-20T10:00")
    page.get_by_label("Link").fill("https://meet.example.org/walk")
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url("**/sessions/*/")
    for name in PEOPLE:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Save attendance").click()
    assert page.get_by_text("Attendance saved: 3 came. 3 new learning ties, 0 strengthened.").is_visible()
    assert all(page.get_by_label(name, exact=True).is_checked() for name in PEOPLE)
    shot(page, "03-session")
    assert SessionTieEffect.objects.filter(session__cluster=cluster).count() == 3
    assert Relationship.objects.filter(kind="learning", provenance="cluster").count() == 3

    page.get_by_role("link", name="Run a peer assist").click()
    page.get_by_label("Presenting project").select_option(label="Hill Walkers")
    page.get_by_label("Challenge").fill("Our volunteers stop coming after the first month.")
    for name in PEOPLE[1:]:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/peer-assists/*/")
    assert page.get_by_text("Our volunteers stop coming after the first month.").is_visible()
    assert page.get_by_text("a peer assist works best with 5 to 12").count() == 1  # shown once, in place

    # A marker on the window survives only if the captures do not reload the page.
    page.evaluate("window.stayedLive = true")
    capture = page.get_by_role("form", name="Capture")
    captured = page.locator("#captured")
    capture.get_by_label("Kind").select_option("question")
    capture.get_by_label("Text").fill("What happens in the first month?")
    capture.get_by_label("Who").select_option(label="Ben Brook")
    capture.get_by_role("button", name="Add").click()
    captured.get_by_text("What happens in the first month?").wait_for()
    assert capture.get_by_label("Text").input_value() == ""
    capture.get_by_label("Kind").select_option("advice")
    capture.get_by_label("Text").fill("Pair each newcomer with a walking buddy.")
    capture.get_by_label("Who").select_option(label="Cy Cole")
    capture.get_by_role("button", name="Add").click()
    captured.get_by_text("Pair each newcomer with a walking buddy.").wait_for()
    assert page.evaluate("window.stayedLive") is True
    shot(page, "04-peer-assist")
    assert PeerAssistQuestion.objects.get().asked_by.name == "Ben Brook"
    assert AdviceItem.objects.get().given_by.name == "Cy Cole"

    page.goto(cluster.get_absolute_url())
    shot(page, "05-cluster-after")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Markdown").click()
    download = download_info.value
    assert download.suggested_filename == "walking-groups-learning-cluster-handbook.md"
    target = Path(tmp_path) / download.suggested_filename
    download.save_as(target)
    handbook = target.read_text()
    for text in (
        "Walking groups learning cluster",
        "First walk-and-talk",
        "Our volunteers stop coming after the first month.",
        "Pair each newcomer with a walking buddy.",
    ):
        assert text in handbook, text

    with page.context.expect_page() as printable:
        page.get_by_role("link", name="Handbook").click()
    handbook_page = printable.value
    handbook_page.wait_for_load_state()
    assert handbook_page.get_by_text("Pair each newcomer with a walking buddy.").is_visible()
    shot(handbook_page, "06-handbook")

from networks.models import Member, Role
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, NetworkFactory, RoleFactory, UserFactory
from tests.fixtures.spreadsheets import workbook


def test_a_coordinator_imports_a_kumu_workbook_after_checking_the_preview(
    page, shot, transactional_db, tmp_path
):
    network = NetworkFactory(name="Rural Health Network", slug="rural-health")
    RoleFactory(network=network, user=UserFactory(username="alice"), role=Role.COORDINATOR)
    upload = tmp_path / "network.xlsx"
    upload.write_bytes(workbook())

    log_in(page, "alice", PASSWORD)
    page.goto(f"/networks/{network.slug}/")
    page.get_by_role("button", name="Manage").click()
    page.locator(".dropdown-menu").get_by_role("link", name="Import a spreadsheet").click()
    page.get_by_label("Spreadsheet files").set_input_files(str(upload))
    shot(page, "import-upload")
    page.get_by_role("button", name="Check the file").click()

    page.wait_for_url("**/import/*/")
    preview = page.locator("main")
    assert preview.get_by_text("Confirm and import").is_visible()
    assert not Member.objects.filter(network=network).exists()  # nothing is written before confirming
    shot(page, "import-preview")
    page.get_by_role("button", name="Confirm and import").click()

    result = page.locator(".import-result")
    result.wait_for()
    assert "Members: 5 added, 0 updated." in " ".join(result.inner_text().split())
    shot(page, "import-result")
    result.get_by_role("link", name="See the members").click()
    page.wait_for_url("**/members/**")
    assert Member.objects.filter(network=network).count() == 5
    assert page.get_by_role("link", name="Ana Lopez").is_visible()
    shot(page, "import-members")

    page.get_by_role("link", name="Ana Lopez").click()
    assert page.get_by_role("heading", name="Ana Lopez").is_visible()
    assert page.locator("main").get_by_text("Ben Okafor").first.is_visible()

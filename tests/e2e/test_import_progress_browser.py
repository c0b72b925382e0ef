"""The import page in a browser with a real worker: the progress card polls, then the preview shows."""

import pytest

from networks.models import ImportBatch, Member, Role
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, NetworkFactory, RoleFactory, UserFactory
from tests.fixtures.spreadsheets import workbook
from tests.workers import celery_worker

pytestmark = pytest.mark.services


def test_the_import_page_shows_progress_until_a_worker_has_checked_then_applied_the_file(
    page, transactional_db, tmp_path, real_broker
):
    network = NetworkFactory(name="Rural Health Network", slug="rural-health")
    RoleFactory(network=network, user=UserFactory(username="alice"), role=Role.COORDINATOR)
    upload = tmp_path / "network.xlsx"
    upload.write_bytes(workbook())
    log_in(page, "alice", PASSWORD)

    # No worker yet: the upload answers at once and the page waits with its progress card.
    page.goto(f"/networks/{network.slug}/import/")
    page.get_by_label("Spreadsheet files").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url("**/import/*/")
    card = page.locator("#import-progress")
    assert "Checking the file" in card.inner_text()
    assert card.get_attribute("hx-trigger") == "every 1s"
    assert ImportBatch.objects.get(network=network).status == ImportBatch.Status.UPLOADED

    with celery_worker(queue="celery"):
        # htmx polls the card; once the check is done the page reloads with the preview.
        confirm = page.get_by_role("button", name="Confirm and import")
        confirm.wait_for(timeout=60_000)
        assert not Member.objects.filter(network=network).exists()
        confirm.click()
        result = page.locator(".import-result")
        result.wait_for(timeout=60_000)

    assert "Members: 5 added, 0 updated." in " ".join(result.inner_text().split())
    assert Member.objects.filter(network=network).count() == 5

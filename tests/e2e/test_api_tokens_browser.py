"""A coordinator makes an API token on their account page, a script uses it, and revoking it locks it out."""

import re

from playwright.sync_api import expect
from rest_framework.test import APIClient

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD


def test_a_coordinator_creates_uses_and_revokes_a_token_from_the_account_page(page, network, alice):
    log_in(page, "alice", PASSWORD)
    page.get_by_role("link", name=str(alice)).click()
    page.wait_for_url("**/account/")
    page.get_by_label("Token name").fill("Monthly report")
    page.get_by_role("button", name="Create a token").click()
    key = page.get_by_test_id("new-token").locator("code").inner_text().strip()
    assert key.startswith("wvr_")

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/v1/networks/{network.slug}/members/").status_code == 200
    page.goto("/account/")
    row = page.get_by_role("row").filter(has_text="Monthly report")
    expect(row).not_to_contain_text("never")
    expect(page.get_by_text(key)).to_have_count(0)  # shown once only

    row.get_by_role("button", name=re.compile("Revoke")).click()
    expect(page.get_by_role("alert")).to_contain_text("revoked")
    assert api.get(f"/api/v1/networks/{network.slug}/members/").status_code == 401

"""Each role logs in, finds what waits for them counted on the network's home, and one click reaches each."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD
from tests.weaver import next_steps_world

SLUG = "healthy-valleys"


@pytest.fixture
def world(transactional_db, network, alice, bob):
    return next_steps_world.build(network=network, alice=alice, bob=bob)


def _expected(world, role: str) -> list[tuple[str, str | None, str]]:
    """(link text, count shown or None, the path the link must reach) per role."""
    base = f"/networks/{SLUG}"
    rnd, first, cluster = world.review_round, world.assignments[0], world.cluster
    return {
        "rita": [
            ("Reviews waiting for you", "2", f"{base}/funds/reviews/"),
            (f"Review “{first.proposal.title}”", None, f"{base}/funds/reviews/{first.pk}/"),
        ],
        "alice": [
            ("Reviews outstanding in “Spring round”", "2", f"{base}/funds/rounds/{rnd.pk}/assignments/"),
            ("“Autumn round” is due to open", "1", f"{base}/funds/rounds/{world.draft_round.pk}/"),
            ("Weaving suggestions to accept or dismiss", "2", f"{base}/suggestions/"),
            ("Imports checked and not confirmed", "1", f"{base}/import/{world.batch.pk}/"),
        ],
        "fiona": [
            ("Next session: Next meeting", None, world.upcoming.get_absolute_url()),
            ("Past sessions with no attendance recorded", "2", world.past[0].get_absolute_url()),
            ("Open follow-ups", "2", f"{base}/clusters/{cluster.pk}/"),
        ],
        "bob": [
            ("Your proposal “Walking buses”", None, f"{base}/funds/proposals/{world.proposals[0].pk}/"),
            ("Your cluster “Walking groups”", None, f"{base}/clusters/{cluster.pk}/"),
            ("Your next session: Next meeting", None, world.upcoming.get_absolute_url()),
        ],
    }[role]  # fmt: skip


@pytest.mark.parametrize("username", ["alice", "rita", "fiona", "bob"])
def test_each_role_sees_its_waiting_items_counted_and_reaches_each_in_one_click(page, shot, world, username):
    log_in(page, username, PASSWORD)
    page.get_by_role("link", name="Healthy Valleys").first.click()
    page.wait_for_url(f"**/networks/{SLUG}/")
    panel = page.get_by_test_id("next-steps")
    expect(panel.get_by_role("heading", name="Your next steps")).to_be_visible()
    shot(page, f"next-steps-{username}")
    for text, count, path in _expected(world, username):
        item = panel.get_by_role("listitem").filter(has=page.get_by_role("link", name=text, exact=True))
        expect(item).to_have_count(1)
        if count is not None:
            expect(item.locator(".badge")).to_have_text(re.compile(rf"^{count}\b"))
        item.get_by_role("link", name=text, exact=True).click()
        page.wait_for_url(f"**{path}")
        assert page.url.endswith(path)
        page.go_back()
        page.wait_for_url(f"**/networks/{SLUG}/")

"""The Content-Security-Policy in a browser: what it allows still works, what it refuses is reported."""

from tests.e2e.conftest import log_in
from tests.factories import PASSWORD


def test_swagger_ui_renders_the_api_under_the_policy(page, alice):
    log_in(page, "alice", PASSWORD)
    page.goto("/api/docs/")
    # The schema is generated on request: slow on a busy machine.
    page.locator(".opblock").first.wait_for(timeout=120_000)
    assert page.get_by_text("Weaver API").first.is_visible()
    assert page.guard.documents >= 2 and not page.guard.violations


def test_the_guard_reports_what_the_policy_refuses(page, alice):
    log_in(page, "alice", PASSWORD)
    page.goto("/networks/")
    page.evaluate(
        """() => {
        const box = document.createElement("div");
        box.innerHTML = '<img src="data:," onerror="window.__ran = 1"><span style="color: red">styled</span>';
        document.body.append(box);
    }"""
    )
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__ran") is None
    assert {v["directive"] for v in page.guard.violations} >= {"script-src-attr", "style-src-attr"}
    # Seen: the test ends clean (the guard would fail it at teardown otherwise).
    page.guard.violations.clear()
    page.guard.console_errors.clear()

"""Browser tests: Playwright from PyPI driving Debian's Chromium against pytest-django's live server.

Without /usr/bin/chromium these tests skip, unless WEAVER_REQUIRE_BROWSER=1 (set by CI), where a
missing browser is a failure. Set WEAVER_SHOTS_DIR to keep a screenshot of each main page.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("WEAVER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_BROWSER = os.environ.get("WEAVER_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if REQUIRE_BROWSER:
            pytest.fail(f"WEAVER_REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_settings(settings):
    # pytest-django turns DEBUG off; plain storage keeps {% static %} URLs that the live server's
    # static handler can answer (the manifest storage would need collectstatic first).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


@pytest.fixture
def page(browser, live_server, browser_settings):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    failed_assets = []
    page.on(
        "response", lambda r: failed_assets.append(r.url) if "/static/" in r.url and r.status >= 400 else None
    )
    yield page
    context.close()
    assert not failed_assets, f"static files not served: {failed_assets}"


@pytest.fixture
def shot():
    """Save a full-page screenshot when WEAVER_SHOTS_DIR is set (for looking at the pages)."""
    folder = os.environ.get("WEAVER_SHOTS_DIR")

    def take(page, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/networks/")

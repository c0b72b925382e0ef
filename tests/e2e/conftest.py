"""Browser tests: Playwright from PyPI driving Debian's Chromium against pytest-django's live server.

Every page the tests open is checked for the Content-Security-Policy header, and a CSP violation on
any of them fails the test (PageGuard). The policy forbids eval, so give `wait_for_function` a
function (`"() => ..."`), not an expression.

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


# Recorded in every page before its own scripts run (Playwright's init scripts are not subject to the CSP).
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__weaverReport({directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile,
                         line: e.lineNumber, sample: e.sample, page: location.href});
});
"""


class PageGuard:
    """Watches a browser context: every page of ours must carry the Content-Security-Policy, and no
    page may report a CSP violation (as an event or in the console) or load a static file that fails."""

    def __init__(self, context, base_url: str):
        self.base_url = base_url
        self.violations: list = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.failed_assets: list[str] = []
        self.pages_without_policy: list[str] = []
        self.documents = 0
        context.expose_binding("__weaverReport", lambda _source, report: self.violations.append(report))
        context.add_init_script(_REPORT_VIOLATIONS)
        context.on("response", self._response)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))

    def _response(self, response) -> None:
        if not response.url.startswith(self.base_url):
            return
        if "/static/" in response.url and response.status >= 400:
            self.failed_assets.append(response.url)
        if response.request.resource_type == "document":
            self.documents += 1
            policy = response.headers.get("content-security-policy", "")
            if not _is_strict(policy):
                self.pages_without_policy.append(f"{response.url}: {policy!r}")

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.location.get('url')}: {message.text}")

    def csp_console_errors(self) -> list[str]:
        return [e for e in self.console_errors if "Content Security Policy" in e or "Refused to" in e]

    def check(self) -> None:
        assert not self.failed_assets, f"static files not served: {self.failed_assets}"
        assert not self.pages_without_policy, f"pages without a strict CSP: {self.pages_without_policy}"
        assert not self.violations, f"CSP violations: {self.violations}"
        assert not self.csp_console_errors(), f"CSP errors in the console: {self.csp_console_errors()}"


def _is_strict(policy: str) -> bool:
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    scripts = directives.get("script-src", directives.get("default-src", []))
    return (
        bool(scripts)
        and "'unsafe-inline'" not in scripts
        and "'unsafe-eval'" not in scripts
        and all(
            name in directives
            for name in ("default-src", "object-src", "base-uri", "frame-ancestors", "form-action")
        )
    )


def new_guarded_page(browser, base_url: str):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    guard = PageGuard(context, base_url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page, guard


@pytest.fixture
def page(browser, live_server, browser_settings):
    context, page, guard = new_guarded_page(browser, live_server.url)
    page.guard = guard
    yield page
    context.close()
    guard.check()


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

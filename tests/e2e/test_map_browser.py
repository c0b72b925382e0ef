"""The metrics pages in a real browser: recompute with live progress, the map, search, the side panel.

Headless Debian Chromium here draws WebGL in software (SwiftShader), so the sigma.js map is exercised;
where a browser has no WebGL the page falls back to its table view, which is tested as well.
"""

from django.core.management import call_command

from networks.management.commands.seed_demo import SLUG
from networks.models import Member, Snapshot
from tests.e2e.conftest import log_in

PRIYA = "Priya Moreau"


def _node_on_screen(page, member_id: int) -> tuple[float, float]:
    box = page.locator("#map-canvas").bounding_box()
    point = page.evaluate(
        """(id) => {
            const r = window.weaverMap.renderer;
            return r.framedGraphToViewport(r.getNodeDisplayData(String(id)));
        }""",
        member_id,
    )
    return box["x"] + point["x"], box["y"] + point["y"]


def test_a_coordinator_recomputes_then_finds_a_member_on_the_map(page, shot, transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    done_before = Snapshot.objects.filter(network__slug=SLUG, status="done").count()
    priya = Member.objects.get(network__slug=SLUG, name=PRIYA)
    log_in(page, "coordinator", "weaver-demo")

    page.goto(f"/networks/{SLUG}/")
    page.get_by_role("link", name="Network health, map and weaving suggestions").click()
    page.wait_for_url("**/dashboard/")
    assert page.get_by_role("heading", name="Network health").is_visible()

    page.get_by_role("button", name="Recompute").click()
    # Tasks run in-process in tests, so the partial comes back finished: polling has stopped.
    finished = page.locator("#snapshot-progress")
    finished.get_by_text("Done: the network's figures were recomputed").wait_for()
    assert finished.get_attribute("hx-trigger") is None
    assert Snapshot.objects.filter(network__slug=SLUG, status="done").count() == done_before + 1
    shot(page, "map-dashboard-recomputed")

    finished.get_by_role("link", name="Show the new figures").click()
    page.locator(".health-card").first.wait_for()
    assert page.locator(".health-card").count() == 10
    page.locator("#trend-charts canvas").first.wait_for()
    shot(page, "map-dashboard")

    page.get_by_role("link", name="Open the map").click()
    page.wait_for_url("**/map/")
    page.wait_for_function("document.body.dataset.mapView === 'all'")
    assert "81 members" in page.locator("#map-count").inner_text()
    has_webgl = page.evaluate("!document.getElementById('map-wrap').classList.contains('no-webgl')")

    page.get_by_label("Find a member").fill("priya")
    page.get_by_role("button", name="Find").click()
    panel = page.locator("#map-panel")
    panel.get_by_role("link", name=f"Open {PRIYA}'s page").wait_for()
    assert panel.get_by_role("heading", name=PRIYA).is_visible()
    assert panel.get_by_text("Gatekeeper").first.is_visible()
    shot(page, "map-search")

    page.locator("#map-panel-close").click()
    assert panel.is_hidden()
    if has_webgl:
        page.wait_for_timeout(600)  # the camera's move to the found member
        x, y = _node_on_screen(page, priya.pk)
        page.mouse.click(x, y)
        panel.get_by_role("link", name=f"Open {PRIYA}'s page").wait_for()
        shot(page, "map-click")
        page.locator("#map-panel-close").click()

    page.get_by_text("Bridges", exact=True).click()
    assert "16 bridges" in page.locator("#map-count").inner_text()
    page.get_by_text("Organisations", exact=True).last.click()
    page.wait_for_function("document.body.dataset.mapView === 'organisations'")
    assert page.locator("#map-count").inner_text().startswith("12 members")
    shot(page, "map-organisations")

    page.get_by_text("Everyone", exact=True).click()
    page.wait_for_function("document.body.dataset.mapView === 'all'")
    page.get_by_text("Nothing", exact=True).click()
    page.get_by_role("button", name="Table view").click()
    table = page.locator("#map-table")
    page.get_by_label("Role").select_option(label="On the edge")
    rows = table.locator("tbody tr")
    assert rows.count() == 13
    assert all("On the edge" in text for text in rows.locator("td:last-child").all_inner_texts())
    page.get_by_label("Role").select_option(label="Any role")
    table.get_by_role("button", name=PRIYA).click()
    panel.get_by_role("link", name=f"Open {PRIYA}'s page").wait_for()
    shot(page, "map-table")

    panel.get_by_role("link", name=f"Open {PRIYA}'s page").click()
    page.wait_for_url(f"**/members/{priya.pk}/")
    assert page.locator("#member-metrics").get_by_text("Gatekeeper").first.is_visible()
    assert page.locator("#ego-network svg").is_visible()
    shot(page, "map-member-page")


def test_without_webgl_the_map_page_shows_the_table_instead(
    browser, live_server, browser_settings, transactional_db
):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    # Pretend the GPU-less browser refused WebGL, as Chrome does on some machines.
    context.add_init_script(
        "HTMLCanvasElement.prototype.getContext = (orig => function (type, ...rest) {"
        " return /webgl/.test(type) ? null : orig.call(this, type, ...rest); })"
        "(HTMLCanvasElement.prototype.getContext);"
    )
    page = context.new_page()
    try:
        log_in(page, "coordinator", "weaver-demo")
        page.goto(f"/networks/{SLUG}/map/")
        page.wait_for_function("document.body.dataset.mapView === 'all'")
        assert page.get_by_text("This browser can't draw the map here").is_visible()
        table = page.locator("#map-table")
        assert table.is_visible()
        assert table.locator("tbody tr").count() == 81
        page.get_by_label("Find a member").fill(PRIYA)
        page.get_by_role("button", name="Find").click()
        page.locator("#map-panel").get_by_role("link", name=f"Open {PRIYA}'s page").wait_for()
    finally:
        context.close()

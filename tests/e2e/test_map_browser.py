"""The metrics pages in a real browser: recompute with live progress, the map, search, the side panel.

Headless Debian Chromium here draws WebGL in software (SwiftShader), so the sigma.js map is exercised;
where a browser has no WebGL the page falls back to its table view, which is tested as well.
"""

from dataclasses import dataclass

from django.core.management import call_command

from networks.management.commands.seed_demo import SLUG
from networks.models import Member, MemberMetric, MemberViewMetric, Network, Snapshot
from networks.selectors import snapshot_current
from tests.e2e.conftest import log_in, new_guarded_page


@dataclass
class Shown:
    """What the map should show: the current snapshot's figures as the database holds them."""

    members: int
    bridges: int
    organisations: int
    on_the_edge: int
    gatekeeper: Member


def _shown() -> Shown:
    """Read from the snapshot the map draws (the latest done one), so a change to the demo's ties
    changes what is expected instead of breaking the test."""
    snapshot = snapshot_current(network=Network.objects.get(slug=SLUG))
    rows = MemberMetric.objects.filter(snapshot=snapshot, member__archived_at__isnull=True)
    active = set(rows.values_list("member_id", flat=True))
    roles = dict(rows.values_list("member_id", "roles"))
    # A person the snapshot names a gatekeeper, the most between others first; their name is unique,
    # so searching for it finds them.
    people = Member.objects.filter(pk__in=set(snapshot.gatekeepers) & active, kind=Member.Kind.PERSON)
    names = list(Member.objects.filter(network=snapshot.network).values_list("name", flat=True))
    betweenness = dict(rows.values_list("member_id", "betweenness"))
    gatekeeper = max(
        (p for p in people if names.count(p.name) == 1), key=lambda p: (betweenness[p.pk], -p.pk)
    )
    shown = Shown(
        members=len(active),
        bridges=sum(1 for a, b in snapshot.bridges if a in active and b in active),
        organisations=MemberViewMetric.objects.filter(
            snapshot=snapshot, view=MemberViewMetric.View.ORGANISATIONS, member__archived_at__isnull=True
        ).count(),
        on_the_edge=sum(1 for r in roles.values() if "peripheral" in r),
        gatekeeper=gatekeeper,
    )
    # The demo is built to have something for each of these to find.
    assert shown.members == snapshot.figures["members"] and shown.bridges == snapshot.figures["bridges"] > 0
    assert 0 < shown.organisations < shown.members and shown.on_the_edge > 0
    assert "gatekeeper" in roles[gatekeeper.pk]
    return shown


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
    shown = _shown()
    name = shown.gatekeeper.name
    shot(page, "map-dashboard-recomputed")

    finished.get_by_role("link", name="Show the new figures").click()
    page.locator(".health-card").first.wait_for()
    assert page.locator(".health-card").count() == 10
    page.locator("#trend-charts canvas").first.wait_for()
    shot(page, "map-dashboard")

    page.get_by_role("link", name="Open the map").click()
    page.wait_for_url("**/map/")
    page.wait_for_function("() => document.body.dataset.mapView === 'all'")
    assert page.locator("#map-count").inner_text().startswith(f"{shown.members} members ·")
    has_webgl = page.evaluate("!document.getElementById('map-wrap').classList.contains('no-webgl')")

    page.get_by_label("Find a member").fill(name.lower())
    page.get_by_role("button", name="Find").click()
    panel = page.locator("#map-panel")
    panel.get_by_role("link", name=f"Open {name}'s page").wait_for()
    assert panel.get_by_role("heading", name=name).is_visible()
    assert panel.get_by_text("Gatekeeper").first.is_visible()
    shot(page, "map-search")

    page.locator("#map-panel-close").click()
    assert panel.is_hidden()
    if has_webgl:
        page.wait_for_timeout(600)  # the camera's move to the found member
        x, y = _node_on_screen(page, shown.gatekeeper.pk)
        page.mouse.click(x, y)
        panel.get_by_role("link", name=f"Open {name}'s page").wait_for()
        shot(page, "map-click")
        page.locator("#map-panel-close").click()

    page.get_by_text("Bridges", exact=True).click()
    bridges = f"{shown.bridges} bridge{'' if shown.bridges == 1 else 's'} ·"
    assert f" · {bridges}" in page.locator("#map-count").inner_text()
    page.get_by_text("Organisations", exact=True).last.click()
    page.wait_for_function("() => document.body.dataset.mapView === 'organisations'")
    assert page.locator("#map-count").inner_text().startswith(f"{shown.organisations} members ·")
    shot(page, "map-organisations")

    page.get_by_text("Everyone", exact=True).click()
    page.wait_for_function("() => document.body.dataset.mapView === 'all'")
    page.get_by_text("Nothing", exact=True).click()
    page.get_by_role("button", name="Table view").click()
    table = page.locator("#map-table")
    page.get_by_label("Role").select_option(label="On the edge")
    rows = table.locator("tbody tr")
    assert rows.count() == shown.on_the_edge
    assert all("On the edge" in text for text in rows.locator("td:last-child").all_inner_texts())
    page.get_by_label("Role").select_option(label="Any role")
    table.get_by_role("button", name=name, exact=True).click()
    panel.get_by_role("link", name=f"Open {name}'s page").wait_for()
    shot(page, "map-table")

    panel.get_by_role("link", name=f"Open {name}'s page").click()
    page.wait_for_url(f"**/members/{shown.gatekeeper.pk}/")
    assert page.locator("#member-metrics").get_by_text("Gatekeeper").first.is_visible()
    assert page.locator("#ego-network svg").is_visible()
    shot(page, "map-member-page")


def test_without_webgl_the_map_page_shows_the_table_instead(
    browser, live_server, browser_settings, transactional_db
):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    shown = _shown()
    context, page, guard = new_guarded_page(browser, live_server.url)
    # Pretend the GPU-less browser refused WebGL, as Chrome does on some machines.
    context.add_init_script(
        "HTMLCanvasElement.prototype.getContext = (orig => function (type, ...rest) {"
        " return /webgl/.test(type) ? null : orig.call(this, type, ...rest); })"
        "(HTMLCanvasElement.prototype.getContext);"
    )
    try:
        log_in(page, "coordinator", "weaver-demo")
        page.goto(f"/networks/{SLUG}/map/")
        page.wait_for_function("() => document.body.dataset.mapView === 'all'")
        assert page.get_by_text("This browser can't draw the map here").is_visible()
        table = page.locator("#map-table")
        assert table.is_visible()
        assert table.locator("tbody tr").count() == shown.members
        page.get_by_label("Find a member").fill(shown.gatekeeper.name)
        page.get_by_role("button", name="Find").click()
        name = shown.gatekeeper.name
        page.locator("#map-panel").get_by_role("link", name=f"Open {name}'s page").wait_for()
    finally:
        context.close()
    guard.check()

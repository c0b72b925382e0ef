"""Interactive map benchmark: the map page of a 1,000- and a 5,000-member network in a real Chromium.

For each size it builds (once; reused on later runs) a network with the project's own paths — members
and ties imported from CSV files by `import_plan` / `import_apply` (networkx
`powerlaw_cluster_graph(n, 4, 0.3, seed=1)`: hubs, clustering, about 4 ties per member; a tenth
organisations, 20 places, a few tags) and one done snapshot computed the real way (`snapshot_compute`,
what `manage.py compute_metrics` and the worker run: metrics, roles and the map's stored positions).
Then it serves the app in this process (Django's live-server thread with the static-files handler,
`DEBUG` off) and drives Debian's Chromium through Playwright: logs in as a coordinator, opens the map
and prints

- the time until the map is drawn: the page's ready signal (`<body data-map-view>`, set once the data
  is loaded, the graph built and sigma has drawn it) and the next painted frame, split into the
  data.json request, JSON + graph building + sigma's indexing, and sigma's first render;
- the data payload (bytes on the wire, compressed, and uncompressed);
- frame times sampled with `requestAnimationFrame` in the page (fps, p50, p95, max, frames over 50 ms)
  and sigma's own render times (`beforeRender` → `afterRender`) during a scripted interaction: sigma
  camera animations (pan and zoom), a mouse drag, wheel zooms, a hover sweep, hovering and clicking a
  node (latency until the side panel shows and until its details are loaded), colour-by and size-by
  switches, a role filter and the search box.

Nothing here asserts a time. This machine has no GPU: Chromium draws WebGL in software (SwiftShader),
so the frame rates are pessimistic against any laptop with a GPU. Run against PostgreSQL, in a scratch
database of its own:

    createdb -h 127.0.0.1 -U postgres weaver_mapbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_mapbench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_mapbench CELERY_BROKER_URL=memory:// \\
        .venv/bin/python benchmarks/map_bench.py --members 1000 5000

`CELERY_BROKER_URL=memory://` keeps the snapshot that the import asks for out of any real queue (it is
computed here instead). Options: --members N [N ...] (default 5000) --rebuild (drop and recreate the
networks; otherwise a network of the right size left by an earlier run is reused) --json PATH (write
every figure) --chromium PATH (default /usr/bin/chromium).
"""

import argparse
import csv
import io
import itertools
import json
import os
import random
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weaver.settings")
# Playwright's sync API runs an event loop in this thread; the ORM calls here are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django

django.setup()
# Development settings (no TLS redirect, plain static storage), but without DEBUG's per-query logging.
django.conf.settings.DEBUG = False
# WhiteNoise looks for collected files; the live server's static handler serves them from the app.
warnings.filterwarnings("ignore", message="No directory at")

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.testcases import LiveServerThread  # noqa: E402

from networks import services  # noqa: E402
from networks.importing import SourceFile, import_apply, import_plan, read_files  # noqa: E402
from networks.models import Network, NetworkRole, Role, Snapshot  # noqa: E402
from networks.snapshots import snapshot_compute  # noqa: E402

SEED = 1
PLACES = 20
TAGS = ["nurse", "teacher", "youth", "housing", "food", "mental health", "data", "faith", "arts", "sport"]
USERNAME = PASSWORD = "map-bench"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
LONG_FRAME_MS = 50

# Installed before the page's own scripts: a requestAnimationFrame sampler, sigma's render times, the
# moment the page says it is ready, and the side panel's changes.
PAGE_PROBE = """
(() => {
  const bench = (window.__bench = {
    frames: [], renders: [], hovers: [], sampling: false, ready: null, drawn: null,
    renderStart: null, lastDown: null, panelShown: null, panelLoaded: null,
    start() {
      this.frames = []; this.renders = []; this.hovers = []; this.sampling = true;
      // One loop per sample: a loop left from the last sample (its callback still pending) stops.
      const run = (this.run = (this.run || 0) + 1);
      const loop = (t) => {
        if (!this.sampling || run !== this.run) return;
        this.frames.push(t);
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    },
    stop() {
      this.sampling = false;
      return { frames: this.frames, renders: this.renders, hovers: this.hovers };
    },
    nextFrame() {
      const twice = (r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now())));
      return new Promise(twice);
    },
  });
  new MutationObserver(() => {
    if (bench.ready === null && document.body && document.body.dataset.mapView) {
      bench.ready = performance.now();
      requestAnimationFrame(() => requestAnimationFrame(() => (bench.drawn = performance.now())));
    }
  }).observe(document, {
    attributes: true, subtree: true, attributeFilter: ["data-map-view"],
  });
  document.addEventListener("mousedown", (e) => (bench.lastDown = e.timeStamp), true);
  document.addEventListener("DOMContentLoaded", () => {
    const r = window.weaverMap && window.weaverMap.renderer;
    if (r) {
      r.on("beforeRender", () => (bench.renderStart = performance.now()));
      r.on("afterRender", () => {
        bench.renders.push([bench.renderStart, performance.now() - bench.renderStart]);
      });
      r.on("enterNode", () => bench.hovers.push(performance.now()));
    }
    const panel = document.getElementById("map-panel");
    const body = document.getElementById("map-panel-body");
    if (panel && body) {
      new MutationObserver(() => {
        const shown = !panel.classList.contains("d-none");
        if (shown && bench.panelShown === null) bench.panelShown = performance.now();
      }).observe(panel, { attributes: true, attributeFilter: ["class"] });
      new MutationObserver(() => {
        if (body.querySelector("a") && bench.panelLoaded === null) bench.panelLoaded = performance.now();
      }).observe(body, { childList: true, subtree: true });
    }
  });
})();
"""

# Five seconds of camera moves: pan, zoom in, pan closer, zoom out past the whole map, back. With
# `keepEdges` true the ties stay drawn while the camera moves, whatever the page decided (it drops them
# above LARGE_MAP_TIES); the page's own setting is put back afterwards.
CAMERA_TOUR = """
async (keepEdges) => {
  const renderer = window.weaverMap.renderer;
  const pageSetting = renderer.getSetting("hideEdgesOnMove");
  if (keepEdges) renderer.setSetting("hideEdgesOnMove", false);
  const camera = renderer.getCamera();
  await camera.animate({ x: 0.3, y: 0.35 }, { duration: 1000 });
  await camera.animate({ x: 0.7, y: 0.6, ratio: 0.35 }, { duration: 1500 });
  await camera.animate({ x: 0.45, y: 0.5, ratio: 0.15 }, { duration: 1000 });
  await camera.animate({ ratio: 1.6 }, { duration: 800 });
  await camera.animatedReset({ duration: 700 });
  renderer.setSetting("hideEdgesOnMove", pageSetting);
}
"""


# The network -------------------------------------------------------------------------------------


def slug_for(members: int) -> str:
    return f"map-bench-{members}"


def coordinator():
    user = get_user_model().objects.filter(username=USERNAME).first()
    if user is None:
        user = get_user_model().objects.create_user(USERNAME, password=PASSWORD)
    return user


def csv_files(members: int) -> list[SourceFile]:
    """Members and ties as the CSV pair an import takes, from the metrics benchmark's generator."""
    import networkx as nx

    graph = nx.powerlaw_cluster_graph(members, 4, 0.3, seed=SEED)
    rng = random.Random(SEED)
    kinds = ["organisation" if rng.random() < 0.1 else "person" for _ in range(members)]
    labels = [f"{kind.capitalize()} {i:05d}" for i, kind in enumerate(kinds)]
    refs = [labels[i] if kind == "organisation" else f"member{i}@example.org" for i, kind in enumerate(kinds)]
    organisations = [labels[i] for i, kind in enumerate(kinds) if kind == "organisation"]
    member_rows = [["Label", "Type", "Email", "Organisation", "Community", "Tags"]]
    for i, kind in enumerate(kinds):
        person = kind == "person"
        member_rows.append(
            [
                labels[i],
                kind,
                refs[i] if person else "",
                rng.choice(organisations) if person and organisations else "",
                f"Place {rng.randrange(PLACES)}" if rng.random() < 0.7 else "",
                "|".join(rng.sample(TAGS, rng.randint(0, 2))),
            ]
        )
    tie_rows = [["From", "To", "Type", "Strength", "Direction"]]
    for u, v in graph.edges:
        tie_rows.append([refs[u], refs[v], "knows", str(rng.randint(1, 5)), "undirected"])
    files = []
    for name, rows in (("members.csv", member_rows), ("ties.csv", tie_rows)):
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows(rows)
        files.append(SourceFile(name, buffer.getvalue().encode("utf-8")))
    return files


def build(members: int, rebuild: bool) -> Network:
    user = coordinator()
    slug = slug_for(members)
    network = Network.objects.filter(slug=slug).first()
    if network is not None and not rebuild:
        done = network.snapshots.filter(status=Snapshot.Status.DONE).order_by("-finished_at").first()
        if done is not None and done.figures.get("members") == members:
            NetworkRole.objects.get_or_create(network=network, user=user, role=Role.COORDINATOR)
            print(f"reusing network {slug!r}: {members:,} members, snapshot #{done.pk}")
            return network
    if network is not None:
        print(f"dropping network {slug!r}")
        network.delete()

    started = time.perf_counter()
    network = services.network_create(
        user=user, name=f"Map benchmark {members:,}", slug=slug, purpose="Benchmark data."
    )
    plan = import_plan(network=network, read=read_files(csv_files(members)))
    assert plan.is_valid, plan.bad_rows[:5]
    counts = import_apply(user=user, network=network, plan=plan)
    imported = time.perf_counter()
    # The import asked for a (debounced) snapshot; compute that one now, as compute_metrics would.
    snapshot = network.snapshots.filter(status=Snapshot.Status.QUEUED).first() or Snapshot.objects.create(
        network=network, trigger=Snapshot.Trigger.COMMAND
    )
    snapshot = snapshot_compute(snapshot_id=snapshot.pk)
    assert snapshot.status == Snapshot.Status.DONE, snapshot.error
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE networks_member, networks_relationship, networks_membermetric")
    print(
        f"built {slug!r}: {counts['members']['create']:,} members, {counts['ties']['create']:,} ties "
        f"imported in {imported - started:.1f} s; snapshot #{snapshot.pk} computed in "
        f"{time.perf_counter() - imported:.1f} s"
    )
    return network


# The browser -------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summarise(name: str, sample: dict, **extra) -> dict:
    frames = sample["frames"]
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    span = frames[-1] - frames[0] if len(frames) > 1 else 0.0
    renders = [ms for _, ms in sample["renders"]]
    return {
        "phase": name,
        "seconds": round(span / 1000, 2),
        "frames": len(frames),
        "fps": round(len(gaps) / span * 1000, 1) if span else 0.0,
        "frame_p50": round(percentile(gaps, 50), 1),
        "frame_p95": round(percentile(gaps, 95), 1),
        "frame_max": round(max(gaps, default=0.0), 1),
        "long_frames": sum(gap > LONG_FRAME_MS for gap in gaps),
        "renders": len(renders),
        "render_p50": round(percentile(renders, 50), 1),
        "render_max": round(max(renders, default=0.0), 1),
        "hovers": len(sample["hovers"]),
        **extra,
    }


def node_on_screen(page, member_id: int) -> tuple[float, float]:
    box = page.locator("#map-canvas").bounding_box()
    point = page.evaluate(
        """(id) => {
            const r = window.weaverMap.renderer;
            return r.framedGraphToViewport(r.getNodeDisplayData(String(id)));
        }""",
        member_id,
    )
    return box["x"] + point["x"], box["y"] + point["y"]


def change(page, element_id: str, value: str) -> dict:
    """Set a control as a user would and time the page's handler and the next painted frame."""
    return page.evaluate(
        """async ([id, value]) => {
            const el = document.getElementById(id);
            const t0 = performance.now();
            el.value = value;
            el.dispatchEvent(new Event("change", { bubbles: true }));
            const t1 = performance.now();
            const t2 = await window.__bench.nextFrame();
            return { handler_ms: t1 - t0, painted_ms: t2 - t0 };
        }""",
        [element_id, value],
    )


def measure_page(browser, base_url: str, network: Network) -> dict:
    context = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    context.add_init_script(PAGE_PROBE)
    page = context.new_page()
    page.set_default_timeout(180_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/networks/")

        started = time.perf_counter()
        page.goto(f"/networks/{network.slug}/map/")
        page.wait_for_function("window.__bench.drawn !== null")
        wall = time.perf_counter() - started
        load = page.evaluate(
            """() => {
                const b = window.__bench;
                const nav = performance.getEntriesByType("navigation")[0];
                const data = performance.getEntriesByType("resource")
                    .find((e) => e.name.includes("/map/data.json"));
                const map = window.weaverMap.state.data;
                const first = b.renders[0] || [b.ready, 0];
                const canvas = document.querySelector("#map-canvas canvas");
                return {
                    html_ms: nav.responseEnd, dom_ready_ms: nav.domContentLoadedEventEnd,
                    data_request_ms: data.requestStart, data_ttfb_ms: data.responseStart - data.requestStart,
                    data_download_ms: data.responseEnd - data.responseStart, data_done_ms: data.responseEnd,
                    build_ms: first[0] - data.responseEnd, first_render_ms: first[1],
                    ready_ms: b.ready, drawn_ms: b.drawn,
                    wire_bytes: data.encodedBodySize, body_bytes: data.decodedBodySize,
                    canvas: canvas ? canvas.width + "x" + canvas.height : "",
                    has_webgl: !document.getElementById("map-wrap").classList.contains("no-webgl"),
                    nodes: map.nodes.length, edges: map.edges.length,
                };
            }"""
        )
        load["goto_to_drawn_wall_s"] = round(wall, 2)
        body = page.request.get(f"/networks/{network.slug}/map/data.json?view=all").body()
        if not load["has_webgl"]:
            raise SystemExit("the page fell back to its table view: no WebGL in this Chromium")

        data = json.loads(body)
        hub = max(data["nodes"], key=lambda n: n["degree"])
        quiet = sorted(data["nodes"], key=lambda n: n["degree"])[len(data["nodes"]) // 2]
        box = page.locator("#map-canvas").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        phases = []

        def phase(name, action, settle_ms=150, **extra):
            page.evaluate("window.__bench.start()")
            result = action() or {}
            page.wait_for_timeout(settle_ms)
            phases.append(summarise(name, page.evaluate("window.__bench.stop()"), **extra, **result))

        phase("idle (nothing moving)", lambda: page.wait_for_timeout(1500), settle_ms=0)
        phase("camera pan + zoom (sigma animate, 5 s)", lambda: page.evaluate(CAMERA_TOUR, False))
        phase("same, ties kept drawn while moving", lambda: page.evaluate(CAMERA_TOUR, True))

        def drag():
            page.mouse.move(cx, cy)
            page.mouse.down()
            for step in range(120):
                offset = (step if step < 60 else 120 - step) * 4
                page.mouse.move(cx - offset, cy - offset / 2)
                page.wait_for_timeout(16)
            page.mouse.up()

        phase("mouse drag pan (120 moves)", drag)
        page.evaluate("window.weaverMap.renderer.getCamera().setState({x: 0.5, y: 0.5, ratio: 1, angle: 0})")

        def wheel():
            page.mouse.move(cx, cy)
            for step in range(16):
                page.mouse.wheel(0, -120 if step < 8 else 120)
                page.wait_for_timeout(150)

        phase("wheel zoom in/out (16 notches)", wheel, settle_ms=400)
        page.evaluate("window.weaverMap.renderer.getCamera().setState({x: 0.5, y: 0.5, ratio: 1, angle: 0})")
        page.wait_for_timeout(200)

        def sweep():
            left = box["x"] + 20
            for step in range(100):
                page.mouse.move(left + step * (box["width"] - 40) / 100, cy + 40 * ((step % 10) - 5))
                page.wait_for_timeout(16)

        phase("hover sweep across the map (100 moves)", sweep)

        def hover_and_click():
            x, y = node_on_screen(page, hub["id"])
            page.mouse.move(x - 30, y - 30)
            page.wait_for_timeout(100)
            page.evaluate("window.__bench.hovers = []")
            page.evaluate("window.__bench.panelShown = window.__bench.panelLoaded = null")
            before = page.evaluate("performance.now()")
            page.mouse.move(x, y)
            page.wait_for_function("window.__bench.hovers.length > 0")
            hovered = page.evaluate("window.__bench.hovers[0]") - before
            page.wait_for_timeout(300)
            page.mouse.click(x, y)
            page.wait_for_function("window.__bench.panelLoaded !== null")
            marks = page.evaluate("(b => [b.lastDown, b.panelShown, b.panelLoaded])(window.__bench)")
            server = page.evaluate(
                """() => performance.getEntriesByType("resource")
                    .filter((e) => e.name.includes("/map/members/"))
                    .map((e) => e.responseStart - e.requestStart).pop()"""
            )
            page.wait_for_timeout(400)
            return {
                "hover_ms": round(hovered, 1),
                "panel_shown_ms": round(marks[1] - marks[0], 1),
                "panel_loaded_ms": round(marks[2] - marks[0], 1),
                "details_server_ms": round(server, 1),
            }

        phase(f"hover + click the hub ({hub['degree']} ties)", hover_and_click)

        def close_panel():
            started = page.evaluate("performance.now()")
            page.locator("#map-panel-close").click()
            done = page.evaluate("window.__bench.nextFrame()")
            return {"painted_ms": round(done - started, 1)}

        phase("close the panel (deselect)", close_panel)

        def switch(element_id, value):
            def act():
                result = change(page, element_id, value)
                page.wait_for_timeout(400)
                return {key: round(value, 1) for key, value in result.items()}

            return act

        phase("colour by role", switch("map-colour", "role"))
        phase("size by betweenness", switch("map-size", "betweenness"))
        phase("colour by community, size by contacts", switch("map-colour", "community"))
        change(page, "map-size", "degree")
        phase("role filter: on the edge (+300 ms camera reset)", switch("filter-role", "peripheral"))
        phase("role filter: any role", switch("filter-role", ""))

        def search():
            page.evaluate("window.__bench.panelShown = window.__bench.panelLoaded = null")
            page.get_by_label("Find a member").fill(quiet["label"])
            result = page.evaluate(
                """async () => {
                    const t0 = performance.now();
                    document.getElementById("map-search").requestSubmit();
                    const t1 = performance.now();
                    const t2 = await window.__bench.nextFrame();
                    return { handler_ms: t1 - t0, painted_ms: t2 - t0, t0 };
                }"""
            )
            page.wait_for_function("window.__bench.panelLoaded !== null")
            loaded = page.evaluate("window.__bench.panelLoaded")
            page.wait_for_timeout(600)  # the camera's 500 ms move to the member
            return {
                "handler_ms": round(result["handler_ms"], 1),
                "painted_ms": round(result["painted_ms"], 1),
                "panel_loaded_ms": round(loaded - result["t0"], 1),
            }

        phase(f"search {quiet['label']!r} (+500 ms camera move)", search)
        if errors:
            print(f"  page errors: {errors}")
        return {"load": load, "phases": phases, "errors": errors}
    finally:
        context.close()


def webgl_renderer(browser) -> str:
    page = browser.new_page()
    try:
        return page.evaluate(
            """() => {
                const gl = document.createElement("canvas").getContext("webgl");
                if (!gl) return "no WebGL";
                const info = gl.getExtension("WEBGL_debug_renderer_info");
                return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
            }"""
        )
    finally:
        page.close()


def webgl_baseline(browser, width: int, height: int) -> tuple[float, float]:
    """Median and max frame of a bare WebGL canvas of the map's size, cleared every frame: the floor."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        return page.evaluate(
            """async ([width, height]) => {
                const canvas = document.createElement("canvas");
                canvas.width = width;
                canvas.height = height;
                document.body.appendChild(canvas);
                const gl = canvas.getContext("webgl");
                const frames = [];
                await new Promise((done) => {
                    const loop = (t) => {
                        frames.push(t);
                        gl.clearColor(Math.random(), 1, 1, 1);
                        gl.clear(gl.COLOR_BUFFER_BIT);
                        if (frames.length < 120) requestAnimationFrame(loop);
                        else done();
                    };
                    requestAnimationFrame(loop);
                });
                const gaps = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
                return [gaps[gaps.length >> 1], gaps[gaps.length - 1]];
            }""",
            [width, height],
        )
    finally:
        page.close()


def print_report(members: int, result: dict) -> None:
    load = result["load"]
    print(
        f"\n{members:,} members: {load['nodes']:,} nodes, {load['edges']:,} edges on the map; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  drawn {load['drawn_ms']:.0f} ms after navigation (ready signal {load['ready_ms']:.0f} ms; "
        f"goto → drawn {load['goto_to_drawn_wall_s']:.2f} s wall): HTML {load['html_ms']:.0f}, "
        f"DOM ready {load['dom_ready_ms']:.0f}, data.json asked at {load['data_request_ms']:.0f} "
        f"(server {load['data_ttfb_ms']:.0f} ms, download {load['data_download_ms']:.0f} ms), "
        f"JSON + graph + sigma indexing {load['build_ms']:.0f} ms, "
        f"first render {load['first_render_ms']:.0f} ms"
    )
    print(
        f"  data.json {load['wire_bytes'] / 1024:,.0f} KiB on the wire "
        f"({load['body_bytes'] / 1024:,.0f} KiB uncompressed); canvas {load['canvas']}"
    )
    header = (
        f"  {'phase':52} {'s':>5} {'fps':>5} {'p50':>6} {'p95':>6} {'max':>6} {'>50ms':>5} "
        f"{'renders':>7} {'rdr p50':>7} {'rdr max':>7}  latency"
    )
    print(header)
    skip = {
        "phase", "seconds", "frames", "fps", "frame_p50", "frame_p95", "frame_max", "long_frames",
        "renders", "render_p50", "render_max", "hovers",
    }  # fmt: skip
    for p in result["phases"]:
        extra = ", ".join(f"{k} {v}" for k, v in p.items() if k not in skip)
        if p["hovers"]:
            extra = (extra + ", " if extra else "") + f"{p['hovers']} nodes hovered"
        print(
            f"  {p['phase'][:52]:52} {p['seconds']:5.1f} {p['fps']:5.1f} {p['frame_p50']:6.1f} "
            f"{p['frame_p95']:6.1f} {p['frame_max']:6.1f} {p['long_frames']:5} {p['renders']:7} "
            f"{p['render_p50']:7.1f} {p['render_max']:7.1f}  {extra}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, nargs="+", default=[5000])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--chromium", type=Path, default=Path("/usr/bin/chromium"))
    args = parser.parse_args()

    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}, "
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; the figures that matter come from PostgreSQL")
    networks = {members: build(members, args.rebuild) for members in args.members}
    # The build's connection must not be shared with the server's threads.
    connection.close()

    for _ in range(300):  # Chromium may still be being installed
        if args.chromium.exists():
            break
        time.sleep(1)
    else:
        raise SystemExit(f"{args.chromium} is missing: apt-get install -y chromium")

    from playwright.sync_api import sync_playwright

    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(args.chromium), args=CHROMIUM_ARGS)
            renderer = webgl_renderer(browser)
            print(
                f"Chromium {browser.version}, headless, viewport {VIEWPORT['width']}x{VIEWPORT['height']}; "
                f"WebGL renderer: {renderer}"
            )
            print(
                "note: no GPU on this machine: WebGL is drawn in software (SwiftShader) on the CPU, "
                "so these frame rates are pessimistic; frame times are requestAnimationFrame intervals "
                "(60 fps = 16.7 ms)"
            )
            for members, network in networks.items():
                results[members] = measure_page(browser, f"http://127.0.0.1:{server.port}", network)
                print_report(members, results[members])
                width, height = (int(v) for v in results[members]["load"]["canvas"].split("x"))
                median, worst = webgl_baseline(browser, width, height)
                results[members]["baseline"] = {"median": median, "max": worst}
                print(
                    f"  control: a bare {width}x{height} WebGL canvas cleared every frame: "
                    f"frame p50 {median:.1f} ms, max {worst:.1f} ms"
                )
            browser.close()
    finally:
        server.terminate()
    if args.json:
        args.json.write_text(json.dumps({"webgl": renderer, "results": results}, indent=2))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()

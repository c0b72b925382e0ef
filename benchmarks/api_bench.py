"""API serving benchmark: pages of metrics/members/ (and the other metric reads) of a 100,000-member network.

Bulk-creates a network with N members and one done snapshot with N member-metric rows (values drawn to
look like a real snapshot: skewed degrees, ~50 communities, roles from rare to common), then times
each request through Django's test Client — the whole server stack (URL routing, token-free session
auth, permissions, queries, serialisation), no network and no web server — and prints the median, p95
and the number of queries. Nothing here asserts a time.

Run against PostgreSQL (the figure that matters), in a scratch database you have migrated:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench .venv/bin/python benchmarks/api_bench.py

Options: --members N (default 100000) --repeat N (default 30) --rebuild (drop and recreate the data;
otherwise a network of the right size left by an earlier run is reused) --explain (print PostgreSQL's
plan of each page query).

Served, as the Dockerfile serves it (--serve): a real network of N members (the metrics benchmark's
graph), its snapshot computed by networks.snapshots, 30 done snapshots of history, then gunicorn with
4 sync workers and production settings (DJANGO_DEBUG=0) against PostgreSQL, Redis as broker and
cache, and Debian's wrk on every read, each beside /healthz in the same run:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python benchmarks/api_bench.py --serve --members 10000 --seconds 10

Each read is asked once before wrk runs (the first answer renders and keeps it: "first ms"), so wrk
measures the cached path; debian's wrk is closed-loop (no fixed request rate: that is wrk2's -R).
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weaver.settings")

import django

django.setup()
# Development settings (no TLS redirect, no secret needed), but without DEBUG's per-query logging.
django.conf.settings.DEBUG = False

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from networks.models import Member, MemberMetric, Network, NetworkRole, Role, Snapshot  # noqa: E402

SLUG = "api-bench"
BATCH = 5000
COMMUNITIES = 50
# Share of members holding each role (a member may hold several), roughly as in the metrics benchmark.
ROLE_SHARES = {
    "hub": 0.02,
    "hub_and_spoke": 0.01,
    "broker": 0.05,
    "gatekeeper": 0.08,
    "bridge_builder": 0.12,
    "peripheral": 0.30,
    "isolate": 0.002,
}

CASES = [
    ("default page (-degree)", {}),
    ("-betweenness", {"ordering": "-betweenness"}),
    ("closeness (no index)", {"ordering": "closeness"}),
    ("-constraint (nullable, no index)", {"ordering": "-constraint"}),
    ("label (join + sort)", {"ordering": "label"}),
    ("role=hub", {"role": "hub"}),
    ("role=peripheral", {"role": "peripheral"}),
    ("role=isolate (rare)", {"role": "isolate"}),
    ("role=broker, -betweenness", {"role": "broker", "ordering": "-betweenness"}),
    ("community=7", {"community": 7}),
    ("community=7, -betweenness", {"community": 7, "ordering": "-betweenness"}),
    ("kind=organisation", {"kind": "organisation"}),
    ("page 100 (-degree)", {"page": 100}),
    ("last page (-degree)", {"page": None}),
    ("page_size=500", {"page_size": 500}),
]


def placeholder_figures(members: int) -> dict:
    """Figures, method and views of a real (small) computation, so the other reads answer as usual."""
    import networkx as nx

    from networks import metrics

    graph = nx.karate_club_graph()
    for node in graph:
        graph.nodes[node].update(label=f"Member {node}", kind="person")
    views = metrics.compute_views(graph)
    result = views["all"]
    return {
        "figures": {**result["network"], "members": members},
        "method": result["method"],
        "timings": result["timings"],
        "view_figures": {
            name: {**views[name]["network"], "method": views[name]["method"]}
            for name in ("people", "organisations")
        },
        "suggestions": result["suggestions"],
        "communities": result["communities"],
    }


def build(members: int, rebuild: bool) -> Network:
    network = Network.objects.filter(slug=SLUG).first()
    if network is not None and not rebuild:
        snapshot = network.snapshots.filter(status=Snapshot.Status.DONE).first()
        if snapshot and MemberMetric.objects.filter(snapshot=snapshot).count() == members:
            print(f"reusing network {SLUG!r} with {members:,} member-metric rows")
            return network
    if network is not None:
        print(f"dropping network {SLUG!r}")
        network.delete()

    started = time.perf_counter()
    rng = random.Random(1)
    with transaction.atomic():
        network = Network.objects.create(name="API benchmark", slug=SLUG, purpose="Benchmark data.")
        Member.objects.bulk_create(
            (
                Member(
                    network=network,
                    kind=Member.Kind.ORGANISATION if i % 10 == 0 else Member.Kind.PERSON,
                    name=f"Member {i:06d}",
                    email=f"member{i}@example.org" if i % 10 else "",
                    community=f"Place {i % 20}",
                )
                for i in range(members)
            ),
            batch_size=BATCH,
        )
        ids = list(Member.objects.filter(network=network).order_by("id").values_list("id", flat=True))
        snapshot = Snapshot.objects.create(
            network=network,
            status=Snapshot.Status.DONE,
            trigger=Snapshot.Trigger.COMMAND,
            progress=100,
            stage="done",
            started_at=timezone.now(),
            finished_at=timezone.now(),
            **placeholder_figures(members),
        )
        rows = []
        for member_id in ids:
            degree = min(int(rng.paretovariate(1.5)) + (0 if rng.random() < 0.002 else 1), 2000)
            roles = [role for role, share in ROLE_SHARES.items() if rng.random() < share]
            rows.append(
                MemberMetric(
                    snapshot=snapshot,
                    member_id=member_id,
                    degree=degree,
                    betweenness=rng.random() ** 6,
                    closeness=rng.random() * 0.3,
                    clustering=rng.random(),
                    core_number=min(degree, rng.randint(1, 8)),
                    community=rng.randrange(COMMUNITIES) if degree else None,
                    reach2=degree * rng.randint(2, 20),
                    constraint=rng.random() if degree else None,
                    effective_size=degree * rng.random() if degree else None,
                    is_gatekeeper="gatekeeper" in roles,
                    triangles=rng.randint(0, degree),
                    open_triads=rng.randint(0, degree * degree),
                    roles=roles,
                    explanation=f"Member {member_id} is tied to {degree} members of the network. " * 2,
                    x=rng.random() * 1000,
                    y=rng.random() * 1000,
                )
            )
            if len(rows) == BATCH:
                MemberMetric.objects.bulk_create(rows)
                rows = []
        MemberMetric.objects.bulk_create(rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum would soon after a snapshot is written: fresh statistics, and a visibility
            # map so that counting a snapshot's rows is an index-only scan.
            cursor.execute("VACUUM ANALYZE networks_member, networks_membermetric, networks_snapshot")
    print(f"built {members:,} members and member-metric rows in {time.perf_counter() - started:.1f} s")
    return network


def client_for(network: Network) -> Client:
    user, _ = get_user_model().objects.get_or_create(username="api-bench")
    NetworkRole.objects.get_or_create(network=network, user=user, role=Role.COORDINATOR)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def time_case(client: Client, url: str, params: dict, repeat: int) -> tuple[list[float], int, int]:
    for _ in range(3):  # warm the caches (PostgreSQL's buffers, Django's URL resolver)
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.status_code, response.content[:300])
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, params)
    return times, len(queries.captured_queries), len(response.content)


def explain(network: Network, params: dict) -> None:
    from networks.serializers_metrics import MemberMetricFilter

    snapshot = network.snapshots.filter(status=Snapshot.Status.DONE).first()
    base = MemberMetric.objects.filter(snapshot=snapshot)
    queryset = MemberMetricFilter(params, queryset=base).qs.values("member_id", "degree")[:50]
    print("    " + queryset.explain(analyze=True).replace("\n", "\n    "))


SERVED_SLUG = "api-served"
HISTORY = 30


def build_served(members: int, rebuild: bool) -> tuple[Network, Snapshot]:
    """A real network (the metrics benchmark's graph), its snapshot computed, HISTORY done snapshots."""
    from benchmarks.metrics import network_rows
    from networks.models import Relationship
    from networks.snapshots import snapshot_compute

    network = Network.objects.filter(slug=SERVED_SLUG).first()
    if network is not None and not rebuild:
        done = network.snapshots.filter(status=Snapshot.Status.DONE)
        if done.count() >= HISTORY and network.members.count() == members:
            print(f"reusing network {SERVED_SLUG!r}: {members:,} members, {done.count()} done snapshots")
            return network, done.order_by("-finished_at", "-id").first()
    if network is not None:
        network.delete()
    started = time.perf_counter()
    rows, ties = network_rows(members)
    with transaction.atomic():
        network = Network.objects.create(name="API served", slug=SERVED_SLUG, purpose="Benchmark data.")
        created = Member.objects.bulk_create(
            (
                Member(network=network, kind=row["kind"], name=row["label"], community=row["community"])
                for row in rows
            ),
            batch_size=BATCH,
        )
        ids = [m.pk for m in created]
        Relationship.objects.bulk_create(
            (
                Relationship(
                    network=network,
                    source_id=ids[t["source"]],
                    target_id=ids[t["target"]],
                    strength=t["strength"],
                )
                for t in ties
            ),
            batch_size=BATCH,
        )
    print(f"built {members:,} members and {len(ties):,} ties in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    current = snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    assert current.status == Snapshot.Status.DONE, current.error
    stored = current.timings.get("total")
    print(f"computed the snapshot in {time.perf_counter() - started:.1f} s ({stored} s stored)")
    older = Snapshot.objects.get(pk=current.pk)  # history: the same row, finished earlier
    for days in range(HISTORY - 1, 0, -1):
        older.pk = None
        older.finished_at = current.finished_at - timezone.timedelta(days=days)
        older.save()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE networks_snapshot, networks_membermetric, networks_member")
    return network, current


def _wrk(url: str, seconds: int, headers: dict) -> dict:
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    found = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "99"):
        match = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out)
        found[pct] = float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
    found["non2xx"] = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return found


def _row(*cells: str) -> None:
    print(f"{cells[0]:34}" + "".join(f"{cell:>10}" for cell in cells[1:]))


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def serve(members: int, rebuild: bool, seconds: int) -> None:
    from rest_framework.authtoken.models import Token

    network, current = build_served(members, rebuild)
    user, _ = get_user_model().objects.get_or_create(username="api-served")
    NetworkRole.objects.get_or_create(network=network, user=user, role=Role.COORDINATOR)
    token = Token.objects.get_or_create(user=user)[0].key
    browser = Client()
    browser.force_login(user)
    session = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    api = {"Authorization": f"Token {token}"}

    port = 8765
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": django.conf.settings.SECRET_KEY,  # the session above was signed with it
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "CACHE_URL": os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/10"),
    }
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=root, env=env, check=True
    )
    subprocess.run(
        [sys.executable, "-c", "from django.core.cache import cache; cache.clear()"],
        cwd=root,
        env={**env, "DJANGO_SETTINGS_MODULE": "weaver.settings", "PYTHONPATH": str(root)},
        check=False,
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "weaver.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=root,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # a busy machine starts 4 workers slowly
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("gunicorn did not answer /healthz within 3 minutes")
        api_base = f"{base}/api/v1/networks/{SERVED_SLUG}"
        reads = [
            ("metrics/", f"{api_base}/metrics/", api),
            ("suggestions/", f"{api_base}/suggestions/", api),
            ("snapshots/{id}/", f"{api_base}/snapshots/{current.pk}/", api),
            ("metrics/members/?page_size=50", f"{api_base}/metrics/members/?page_size=50", api),
            (
                "metrics/members/ -betweenness p3",
                f"{api_base}/metrics/members/?ordering=-betweenness&page=3",
                api,
            ),
            ("graph.json", f"{api_base}/graph.json", {**api, "Accept-Encoding": "gzip"}),
            ("graph.gexf", f"{api_base}/graph.gexf", {**api, "Accept-Encoding": "gzip"}),
            (
                "map data (session)",
                f"{base}/networks/{SERVED_SLUG}/map/data.json",
                {**session, "Accept-Encoding": "gzip"},
            ),
            ("Health page (session)", f"{base}/networks/{SERVED_SLUG}/dashboard/", session),
        ]
        # Each worker imports the URLconf (and with it networkx, igraph, scipy) on its first request.
        for _ in range(20):  # under load a worker's first request can take 10 s
            warm = _wrk(reads[0][1], 3, reads[0][2])
            if warm["rps"] and warm["99"] < 1500:
                break
        _wrk(base + "/healthz", 3, {})
        print(
            f"\nwrk -t2 -c8 -d{seconds}s, gunicorn 4 sync workers, {members:,} members, {HISTORY} snapshots"
        )
        print(f"load average before: {_load()}")
        health = _wrk(base + "/healthz", seconds, {})
        _row("endpoint", "first ms", "req/s", "÷ healthz", "p50 ms", "p99 ms", "bytes")
        _row("/healthz", "", f"{health['rps']:.1f}", "1", f"{health['50']:.1f}", f"{health['99']:.1f}", "")
        for name, url, headers in reads:
            request = urllib.request.Request(url, headers=headers)
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=120) as response:
                size = len(response.read())
            first = (time.perf_counter() - started) * 1000
            got = _wrk(url, seconds, headers)
            ratio = got["rps"] / max(health["rps"], 1e-9)
            bad = f" ({got['non2xx']} non-2xx)" if got["non2xx"] else ""
            latency = f"{got['50']:.1f}", f"{got['99']:.1f}"
            _row(name, f"{first:.0f}", f"{got['rps']:.1f}", f"{ratio:.3f}", *latency, f"{size}{bad}")
        again = _wrk(base + "/healthz", seconds, {})
        ratio = again["rps"] / max(health["rps"], 1e-9)
        _row(
            "/healthz (again)",
            "",
            f"{again['rps']:.1f}",
            f"{ratio:.3f}",
            f"{again['50']:.1f}",
            f"{again['99']:.1f}",
            "",
        )
        print(f"load average after: {_load()}")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--serve", action="store_true", help="gunicorn + wrk on every read (see above)")
    parser.add_argument("--seconds", type=int, default=10, help="wrk's duration per endpoint (--serve)")
    args = parser.parse_args()
    if args.serve:
        serve(args.members, args.rebuild, args.seconds)
        return

    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}, "
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs"
    )
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; the figures that matter come from PostgreSQL")
    network = build(args.members, args.rebuild)
    client = client_for(network)
    base = f"/api/v1/networks/{SLUG}"
    last_page = -(-args.members // 50)

    print(
        f"\nGET {base}/metrics/members/  ({args.members:,} rows, 50 per page unless said, {args.repeat} runs)"
    )
    print(f"{'case':36} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'queries':>8} {'bytes':>8}")
    for name, params in CASES:
        params = dict(params)
        if "page" in params and params["page"] is None:
            params["page"] = last_page
        times, queries, size = time_case(client, f"{base}/metrics/members/", params, args.repeat)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{name:36} {statistics.median(times):10.1f} {p95:8.1f} {max(times):8.1f} {queries:8} {size:8}")
        if args.explain and connection.vendor == "postgresql" and "page" not in params:
            explain(network, {k: str(v) for k, v in params.items() if k != "page_size"})

    print(f"\nother reads of the same network ({args.repeat} runs)")
    for name, path in [
        ("metrics/", "/metrics/"),
        ("snapshots/", "/snapshots/"),
        ("snapshots/{id}/", f"/snapshots/{network.snapshots.first().pk}/"),
    ]:
        times, queries, size = time_case(client, base + path, {}, args.repeat)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"{name:36} {statistics.median(times):10.1f} {p95:8.1f} {max(times):8.1f} {queries:8} {size:8}")


if __name__ == "__main__":
    main()

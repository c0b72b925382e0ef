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
"""

import argparse
import os
import random
import statistics
import sys
import time
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
        "views": {name: {"network": views[name]["network"]} for name in ("people", "organisations")},
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

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

"""Meta-network benchmark: the meta map and scale-crossers of 20 local networks of 2,000 members each.

Bulk-creates a meta-network of N local networks (default 20) of M members (default 2,000; 40,000 in
all), a tenth of whose people are also in another network (same e-mail), each with about 3 ties, all
sharing people and ties; then times the live reads (multiscale.selectors.meta_map and scale_crossers)
and the API's meta-map/ and scale-crossers/ through Django's test Client, printing median, p95, the
number of queries and the process's peak memory. Nothing here asserts a time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench .venv/bin/python benchmarks/meta_bench.py

Options: --networks N --members M --repeat R --rebuild (otherwise data left by an earlier run is reused).
"""

import argparse
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weaver.settings")

import django

django.setup()
django.conf.settings.DEBUG = False
django.conf.settings.ALLOWED_HOSTS = [*django.conf.settings.ALLOWED_HOSTS, "testserver"]

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from multiscale import selectors  # noqa: E402
from multiscale.models import MemberNetwork, MetaNetwork  # noqa: E402
from networks.models import Member, Network, NetworkRole, Relationship, Role  # noqa: E402

META = "bench-meta"


def build(networks: int, members: int) -> Network:
    Network.objects.filter(slug__startswith="bench-").delete()
    rng = random.Random(7)
    meta = Network.objects.create(name="Bench meta", slug=META, purpose="Benchmark")
    MetaNetwork.objects.create(network=meta)
    shared_pool = [f"shared{i}@bench.org" for i in range(networks * members // 20)]
    for n in range(networks):
        local = Network.objects.create(name=f"Bench local {n}", slug=f"bench-local-{n}", purpose="Benchmark")
        emails = set(rng.sample(shared_pool, members // 10))
        while len(emails) < members:
            emails.add(f"n{n}-p{len(emails)}@bench.org")
        rows = Member.objects.bulk_create(
            [Member(network=local, name=email.split("@")[0], email=email) for email in sorted(emails)],
            batch_size=2000,
        )
        ties, seen = [], set()
        for i, source in enumerate(rows):
            for _ in range(3):
                j = rng.randrange(len(rows))
                pair = (min(i, j), max(i, j))
                if i != j and pair not in seen:
                    seen.add(pair)
                    ties.append(Relationship(network=local, source=source, target=rows[j]))
        Relationship.objects.bulk_create(ties, batch_size=5000)
        MemberNetwork.objects.create(meta=meta, local=local, sharing="people", status="active")
    return meta


def timed(fn, repeat: int) -> tuple[list[float], int]:
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return times, len(queries.captured_queries)


def report(label: str, times: list[float], queries: int) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(
        f"{label:<28} median {statistics.median(times) * 1000:8.1f} ms"
        f"   p95 {p95 * 1000:8.1f} ms   {queries} queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--networks", type=int, default=20)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    meta = Network.objects.filter(slug=META).first()
    expected = args.networks * args.members
    if (
        args.rebuild
        or meta is None
        or Member.objects.filter(network__slug__startswith="bench-local-").count() != expected
    ):
        start = time.perf_counter()
        meta = build(args.networks, args.members)
        print(
            f"built {args.networks} networks x {args.members} members in {time.perf_counter() - start:.1f} s"
        )
    user, _ = get_user_model().objects.get_or_create(username="bench-meta-coordinator")
    NetworkRole.objects.get_or_create(network=meta, user=user, role=Role.COORDINATOR)
    client = Client()
    client.force_login(user)

    across = selectors.meta_map(meta=meta)["across"]
    print(
        f"{across['networks']} networks, {across['members']} members, {across['ties']} ties, "
        f"{across['distinct_people']} distinct people, "
        f"{across['scale_crossing_people']} scale-crossing people"
    )
    report("selectors.meta_map", *timed(lambda: selectors.meta_map(meta=meta), args.repeat))
    report("selectors.scale_crossers", *timed(lambda: selectors.scale_crossers(meta=meta), args.repeat))
    for path in ("meta-map/", "scale-crossers/"):
        url = f"/api/v1/networks/{META}/{path}"
        assert client.get(url).status_code == 200
        report(f"GET {path}", *timed(lambda url=url: client.get(url), args.repeat))
    print(f"peak memory (max RSS) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

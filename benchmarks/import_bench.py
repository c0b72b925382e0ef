"""Import benchmark: a 10,000-member / 50,000-tie network as a Kumu workbook and as a CSV pair.

Prints the time to parse, plan and apply each, and to re-plan the same file (all unchanged).
Run against PostgreSQL (the figure that matters) after migrating that database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench .venv/bin/python benchmarks/import_bench.py

Options: --members N --ties N --seed N --keep (leave the imported networks in the database).

--page imports the CSV pair through the pages instead (upload, preview task, confirm, apply task) with a
real Celery worker, as a coordinator's browser would, and prints how long each request took, how long
each task took, the progress values seen while polling, and the worker's peak memory. It needs Redis
(CELERY_BROKER_URL) and a queue no other worker reads:

    DATABASE_URL=... CELERY_BROKER_URL=redis://127.0.0.1:6379/9 .venv/bin/python benchmarks/import_bench.py \
        --page --members 40000 --ties 160000        # 200,000 rows
"""

import argparse
import csv
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weaver.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

import networks.snapshots  # noqa: E402, F401 - numpy, scipy, igraph: loaded once per process, not per import
from networks.importing import SourceFile, import_apply, import_plan, read_files  # noqa: E402
from networks.models import Member, Network, Relationship  # noqa: E402

COMMUNITIES = ["North", "South", "East", "West", "Harbour", "Hills"]
TAGS = ["nurse", "teacher", "youth", "housing", "food", "mental health", "data", "faith", "arts", "sport"]
TIE_TYPES = ["knows", "works with", "mentors", "funds"]


def generate(members: int, ties: int, seed: int) -> tuple[list[list], list[list]]:
    rng = random.Random(seed)
    orgs = max(1, members // 50)
    member_rows = [["Label", "Type", "Email", "Organisation", "Community", "Tags", "Description"]]
    for i in range(orgs):
        member_rows.append([f"Organisation {i}", "organisation", "", "", rng.choice(COMMUNITIES), "", ""])
    people = members - orgs
    for i in range(people):
        member_rows.append(
            [
                f"Person {i}",
                "person",
                f"person{i}@example.org",
                f"Organisation {rng.randrange(orgs)}",
                rng.choice(COMMUNITIES),
                "|".join(rng.sample(TAGS, rng.randint(0, 3))),
                "A member of the benchmark network.",
            ]
        )
    refs = [f"Organisation {i}" for i in range(orgs)] + [f"person{i}@example.org" for i in range(people)]
    seen: set[tuple[int, int, str]] = set()
    tie_rows = [["From", "To", "Type", "Strength", "Direction"]]
    while len(tie_rows) <= ties:
        a, b = rng.randrange(members), rng.randrange(members)
        kind = rng.choice(TIE_TYPES)
        if a == b or (a, b, kind) in seen or (b, a, kind) in seen:
            continue
        seen.add((a, b, kind))
        direction = rng.choice(["undirected", "undirected", "directed", "mutual"])
        tie_rows.append([refs[a], refs[b], kind, str(rng.randint(1, 5)), direction])
    return member_rows, tie_rows


def as_xlsx(member_rows, tie_rows) -> list[SourceFile]:
    # A normal (not write-only) workbook records its dimensions up front, as Excel's files do.
    book = Workbook()
    book.remove(book.active)
    for title, rows in (("Elements", member_rows), ("Connections", tie_rows)):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return [SourceFile("bench.xlsx", buffer.getvalue())]


def as_csv(member_rows, tie_rows) -> list[SourceFile]:
    files = []
    for name, rows in (("members.csv", member_rows), ("ties.csv", tie_rows)):
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter=";").writerows(rows)
        files.append(SourceFile(name, buffer.getvalue().encode("utf-8-sig")))
    return files


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def bench(label: str, files: list[SourceFile], keep: bool) -> None:
    slug = f"bench-{label}-{int(time.time())}"
    network = Network.objects.create(name=f"Bench {label}", slug=slug, purpose="Benchmark.")
    size = sum(len(f.content) for f in files) / 1024 / 1024
    read, t_parse = timed(lambda: read_files(files))
    plan, t_plan = timed(lambda: import_plan(network=network, read=read))
    assert plan.is_valid, plan.bad_rows[:5]
    counts, t_apply = timed(lambda: import_apply(user=None, network=network, plan=plan))
    again, t_again = timed(lambda: import_plan(network=network, read=read_files(files)))
    members = Member.objects.filter(network=network).count()
    ties = Relationship.objects.filter(network=network).count()
    print(
        f"{label:5} {size:5.1f} MB  load {os.getloadavg()[0]:4.2f}  "
        f"parse {t_parse:5.2f} s  plan {t_plan:5.2f} s  apply {t_apply:5.2f} s  "
        f"total {t_parse + t_plan + t_apply:5.2f} s  | re-import parse+plan {t_again:5.2f} s "
        f"(unchanged: {again.counts()['members']['unchanged']} members, "
        f"{again.counts()['ties']['unchanged']} ties)"
        f"  | in db: {members} members, {ties} ties"
    )
    assert counts["members"]["create"] == members and counts["ties"]["create"] == ties
    assert again.counts()["members"]["create"] == again.counts()["ties"]["create"] == 0
    if not keep:
        network.delete()


def _pool_peak_mb(pid: int) -> float:
    """Peak resident memory of the worker's pool children (VmHWM), in MB."""
    import subprocess

    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    peak = 0
    for child in children:
        with open(f"/proc/{child}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak / 1024


def page_bench(files: list[SourceFile], keep: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from networks.models import ImportBatch, NetworkRole, Role
    from tests.workers import celery_worker

    slug = f"bench-page-{int(time.time())}"
    network = Network.objects.create(name="Bench page", slug=slug, purpose="Benchmark.")
    user = get_user_model().objects.create_user(username=slug, password="x")
    NetworkRole.objects.create(network=network, user=user, role=Role.COORDINATOR)
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    size = sum(len(f.content) for f in files) / 1024 / 1024

    def batch() -> ImportBatch:
        return ImportBatch.objects.get(network=network)

    def wait(statuses: set[str], samples: list) -> float:
        start = time.perf_counter()
        while True:
            current = batch()
            samples.append((current.status, current.stage, current.rows_done, current.rows_total))
            if current.status in statuses:
                return time.perf_counter() - start
            time.sleep(0.25)

    with celery_worker(queue="celery") as (proc, _queue):
        uploads = [SimpleUploadedFile(f.name, f.content) for f in files]
        upload, t_upload = timed(
            lambda: client.post(reverse("networks:import-upload", args=[slug]), {"files": uploads})
        )
        assert upload.status_code == 302, upload.status_code
        preview_samples: list = []
        t_preview = wait({"previewed", "rejected", "failed"}, preview_samples)
        assert batch().status == "previewed", (batch().status, batch().error, batch().summary.get("bad_rows"))
        url = reverse("networks:import-confirm", args=[slug, batch().pk])
        confirm, t_confirm = timed(lambda: client.post(url))
        status_when_answered = batch().status
        apply_samples: list = []
        t_apply = wait({"applied", "rejected", "failed"}, apply_samples)
        peak = _pool_peak_mb(proc.pid)
    done = batch()
    assert done.status == "applied", (done.status, done.error)
    page = " ".join(client.get(confirm.url).content.decode().split())
    counts = done.summary
    shown = f"Members: {counts['members']['create']} added" in page
    moving = sorted({d for status, _, d, total in apply_samples if status == "confirming" and 0 < d < total})
    print(
        f"page  {size:5.1f} MB  {done.rows_total:,} rows  load {os.getloadavg()[0]:4.2f}  "
        f"upload request {t_upload:5.2f} s  preview task {t_preview:5.2f} s  "
        f"confirm request {t_confirm:5.3f} s (answered with the batch {status_when_answered})  "
        f"apply task {t_apply:5.2f} s  worker peak {peak:,.0f} MB"
    )
    print(
        f"      progress values seen while applying ({len(moving)}): "
        f"{', '.join(f'{d:,}' for d in moving[:12])}{' …' if len(moving) > 12 else ''}"
    )
    print(
        f"      result page shows the counts: {shown}; in db: "
        f"{Member.objects.filter(network=network).count()} members, "
        f"{Relationship.objects.filter(network=network).count()} ties"
    )
    if not keep:
        network.delete()
        user.delete()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--ties", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--page", action="store_true", help="Through the pages, with a real worker.")
    args = parser.parse_args()
    print(
        f"database: {connection.vendor}; {args.members} members, {args.ties} ties, seed {args.seed}; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    member_rows, tie_rows = generate(args.members, args.ties, args.seed)
    if args.page:
        page_bench(as_csv(member_rows, tie_rows), args.keep)
        return
    bench("xlsx", as_xlsx(member_rows, tie_rows), args.keep)
    bench("csv", as_csv(member_rows, tie_rows), args.keep)


if __name__ == "__main__":
    main()

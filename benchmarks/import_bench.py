"""Import benchmark: a 10,000-member / 50,000-tie network as a Kumu workbook and as a CSV pair.

Prints the time to parse, plan and apply each, and to re-plan the same file (all unchanged).
Run against PostgreSQL (the figure that matters) after migrating that database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench .venv/bin/python benchmarks/import_bench.py

Options: --members N --ties N --seed N --keep (leave the imported networks in the database).
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--ties", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    print(
        f"database: {connection.vendor}; {args.members} members, {args.ties} ties, seed {args.seed}; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    member_rows, tie_rows = generate(args.members, args.ties, args.seed)
    bench("xlsx", as_xlsx(member_rows, tie_rows), args.keep)
    bench("csv", as_csv(member_rows, tie_rows), args.keep)


if __name__ == "__main__":
    main()

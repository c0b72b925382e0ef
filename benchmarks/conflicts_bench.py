"""Conflicts of interest and the assignment preview for rounds of growing size.

For each size (volunteers × proposals) it bulk-creates, inside a transaction rolled back at the end, a
network with the volunteers (each affiliated with one organisation and tied to ~10 members at random,
a tenth of the ties ended), the proposals (a lead with an organisation, an applicant, three partner
organisations), then times `funds.selectors.round_conflicts` over the whole round and
`funds.selectors.round_assignment_preview` with the suggested reviews per proposal, and prints wall
seconds, the number of queries and the conflicts found. Nothing here asserts a time.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench
    .venv/bin/python manage.py migrate && .venv/bin/python benchmarks/conflicts_bench.py

Options: --sizes 200x40 1000x200 (default 200x40 1000x200 3000x500) --seed N.
"""

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weaver.settings")

import django

django.setup()
django.conf.settings.DEBUG = False

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from funds import selectors  # noqa: E402
from funds.models import Fund, Proposal, ProposalPartner, Reviewer, Round  # noqa: E402
from networks.models import Member, Network, Relationship  # noqa: E402


class Rollback(Exception):
    pass


def build(volunteers: int, proposals: int, rng: random.Random) -> Round:
    User = get_user_model()
    network = Network.objects.create(name="Conflicts bench", slug=f"conflicts-bench-{volunteers}-{proposals}")
    orgs = Member.objects.bulk_create(
        [Member(network=network, kind="organisation", name=f"Org {i}") for i in range(max(30, proposals))]
    )
    users = User.objects.bulk_create(
        [User(username=f"cb-{volunteers}-{i}") for i in range(volunteers + proposals)]
    )
    people = Member.objects.bulk_create(
        [
            Member(network=network, name=f"Person {i}", user=u, community="NSEW"[i % 4])
            for i, u in enumerate(users)
        ]
    )
    Affiliation = Member.organisations.through
    Affiliation.objects.bulk_create(
        [Affiliation(from_member_id=p.pk, to_member_id=rng.choice(orgs).pk) for p in people]
    )
    everyone = people + orgs
    ties, seen = [], set()
    for p in people[:volunteers]:
        for other in rng.sample(everyone, 10):
            key = frozenset((p.pk, other.pk))
            if other.pk == p.pk or key in seen:
                continue
            seen.add(key)
            ended = datetime.date(2020, 1, 1) if rng.random() < 0.1 else None
            ties.append(Relationship(network=network, source=p, target=other, ended_on=ended))
    Relationship.objects.bulk_create(ties)
    fund = Fund.objects.create(network=network, name="Bench fund")
    today = datetime.date.today()
    rnd = Round.objects.create(
        fund=fund, title="Bench", opens_on=today, closes_on=today, status=Round.Status.REVIEW
    )
    Reviewer.objects.bulk_create(
        [
            Reviewer(round=rnd, user=u, member=p)
            for u, p in zip(users[:volunteers], people[:volunteers], strict=True)
        ]
    )
    applicants = people[volunteers:]
    made = Proposal.objects.bulk_create(
        [
            Proposal(
                round=rnd,
                title=f"Project {i}",
                amount=5000,
                lead=applicants[i],
                submitted_by=users[volunteers + i],
                is_new_project=True,
                status=Proposal.Status.SUBMITTED,
            )
            for i in range(proposals)
        ]
    )
    ProposalPartner.objects.bulk_create(
        [ProposalPartner(proposal=p, organisation=org) for p in made for org in rng.sample(orgs, 3)]
    )
    return rnd


def timed(fn, *args, **kwargs):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        seconds = time.perf_counter() - start
    return result, seconds, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["200x40", "1000x200", "3000x500"])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"{'volunteers':>10} {'proposals':>9} | {'conflicts s':>11} {'queries':>7} {'pairs':>6} | "
        f"{'preview s':>9} {'queries':>7}  r  k  reads"
    )
    for size in args.sizes:
        volunteers, proposals = (int(n) for n in size.split("x"))
        try:
            with transaction.atomic():
                rnd = build(volunteers, proposals, random.Random(args.seed))
                conflicts, c_seconds, c_queries = timed(selectors.round_conflicts, rnd)
                preview, p_seconds, p_queries = timed(selectors.round_assignment_preview, rnd)
                r, k = preview.suggested_reviews_per_proposal, preview.suggested_max_per_reviewer
                tried = selectors.round_assignment_preview(rnd, reviews_per_proposal=r, max_per_reviewer=k)
                loads = tried.coverage.load_per_reviewer.values()
                print(
                    f"{volunteers:>10} {proposals:>9} | {c_seconds:>11.3f} {c_queries:>7} "
                    f"{len(conflicts):>6} | {p_seconds:>9.3f} {p_queries:>7} {r:>2} {k:>2}  "
                    f"{min(loads)}–{max(loads)}"
                )
                raise Rollback
        except Rollback:
            pass


if __name__ == "__main__":
    main()

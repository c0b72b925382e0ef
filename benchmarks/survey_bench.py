"""Survey benchmark: the contact picker's search and one answer's save in a 10,000-member network.

Bulk-creates a network of N people (one organisation per 20 of them), an open campaign with the three
standard questions and I invitees, then times through Django's test Client (URL routing, the link
check, queries, JSON), with no web server:

- the picker's search (`survey/<campaign>/<token>/search/?q=...`) for random 2-4 letter fragments of
  names and organisations;
- one answer saved and submitted (25 people named on the first question, with frequency, strength
  and the six trust/value ratings), which writes the nominations and the 25 reported ties through
  networks.services. Each save is a different invitee; `--prefill R` first submits R answers the same
  way so later saves meet a network already full of survey ties.

Prints the median and p95 in milliseconds and the queries per request. Nothing here asserts a time.
Run against PostgreSQL, in a scratch database you have migrated:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weaver_bench .venv/bin/python benchmarks/survey_bench.py

Options: --members N (default 10000) --invitees I (default 2000) --searches S (default 200)
--saves K (default 30) --contacts C (default 25) --prefill R (default 0) --rebuild (otherwise a
network of the right size left by an earlier run is reused, its saves going to invitees not yet answered).
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
django.conf.settings.DEBUG = False

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from networks.models import Member, Network, Snapshot  # noqa: E402
from surveys import services  # noqa: E402
from surveys.models import Campaign, Invitation  # noqa: E402

SLUG = "survey-bench"
FIRST = [
    "Ana",
    "Ben",
    "Chen",
    "Dee",
    "Eve",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lea",
    "Mo",
    "Nia",
    "Omar",
    "Pia",
    "Quin",
    "Rosa",
    "Sam",
    "Tia",
    "Uma",
    "Vic",
    "Wen",
    "Yara",
    "Zoe",
]
LAST = [
    "Okafor",
    "Wu",
    "Park",
    "Stone",
    "Lin",
    "Ramirez",
    "Costa",
    "Moreau",
    "Diallo",
    "Novak",
    "Haddad",
    "Tanaka",
    "Silva",
    "Kowalski",
    "Mensah",
]


def build(members: int, invitees: int) -> tuple[Network, Campaign, list[Invitation]]:
    Network.objects.filter(slug=SLUG).delete()
    network = Network.objects.create(name="Survey bench", slug=SLUG, purpose="Benchmark.")
    rng = random.Random(7)
    orgs = Member.objects.bulk_create(
        Member(network=network, kind=Member.Kind.ORGANISATION, name=f"{rng.choice(LAST)} Centre {i}")
        for i in range(members // 20)
    )
    people = Member.objects.bulk_create(
        Member(network=network, name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}", email=f"p{i}@example.org")
        for i in range(members)
    )
    through = Member.organisations.through
    through.objects.bulk_create(
        through(from_member_id=p.pk, to_member_id=orgs[i % len(orgs)].pk) for i, p in enumerate(people)
    )
    campaign = services.campaign_create(
        user=None,
        network=network,
        title="Bench",
        consent_text="ok",
        closes_at=timezone.now() + timezone.timedelta(days=7),
    )
    services.campaign_set_status(user=None, campaign=campaign, status=Campaign.Status.OPEN)
    invitations = Invitation.objects.bulk_create(
        Invitation(campaign=campaign, member=p, token_hash=f"pending-{p.pk}") for p in people[:invitees]
    )
    for invitation in invitations:
        invitation.issue_token()
    Invitation.objects.bulk_update(invitations, ["nonce", "token_hash"], batch_size=1000)
    return network, campaign, invitations


def timed(call) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code in (200, 302), (response.status_code, response.content[:300])
    return elapsed, len(queries)


def report(label: str, samples: list[tuple[float, int]]) -> None:
    times = sorted(t for t, _ in samples)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(
        f"{label:<42} n={len(times):<4} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms"
        f"   queries {statistics.median(q for _, q in samples):.0f}"
    )


def answer_form(campaign: Campaign, named: list[int], rng: random.Random) -> dict:
    question = campaign.questions.get(standard="work")
    data = {"action": "submit", f"q{question.pk}": [f"m{pk}" for pk in named]}
    for pk in named:
        prefix = f"q{question.pk}-m{pk}-"
        data[prefix + "frequency"] = "monthly"
        data[prefix + "strength"] = str(rng.randint(1, 5))
        for name in (
            "trust_reliability",
            "trust_mission",
            "trust_openness",
            "value_power",
            "value_involvement",
            "value_resources",
        ):
            data[prefix + name] = str(rng.randint(1, 4))
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--invitees", type=int, default=2000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--saves", type=int, default=30)
    parser.add_argument("--contacts", type=int, default=25)
    parser.add_argument("--prefill", type=int, default=0)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    django.conf.settings.CELERY_TASK_ALWAYS_EAGER = True
    # A worker computes the snapshot an answer asks for, not the request: keep it queued here.
    django.conf.settings.WEAVER_SNAPSHOT_DEBOUNCE_SECONDS = 24 * 3600
    start = time.perf_counter()
    network = Network.objects.filter(slug=SLUG).first()
    if args.rebuild or network is None or network.members.count() != args.members + args.members // 20:
        network, campaign, invitations = build(args.members, args.invitees)
        took = time.perf_counter() - start
        print(f"built {args.members} members, {args.invitees} invitations in {took:.1f} s")
    else:
        campaign = network.survey_campaigns.get()
        # Reused: later saves go to invitees who have not answered yet.
        invitations = list(campaign.invitations.filter(response__isnull=True).order_by("pk"))
        print(f"reusing {args.members} members, {len(invitations)} invitees who have not answered")
    # A snapshot left queued by an earlier run would be computed in-process by the first save.
    Snapshot.objects.filter(network=network, status=Snapshot.Status.QUEUED).update(
        not_before=timezone.now() + timezone.timedelta(days=1)
    )
    rng = random.Random(11)
    client = Client(HTTP_HOST="localhost")
    people = list(Member.objects.filter(network=network, kind="person").values_list("pk", flat=True))

    def submit(invitation: Invitation) -> tuple[float, int]:
        url = reverse("surveys:answer", kwargs={"campaign_pk": campaign.pk, "token": invitation.token})
        client.post(url, {"action": "consent", "consent": "yes"})
        named = rng.sample([pk for pk in people if pk != invitation.member_id], args.contacts)
        return timed(lambda: client.post(url, answer_form(campaign, named, rng)))

    start = time.perf_counter()
    for invitation in invitations[: args.prefill]:
        submit(invitation)
    if args.prefill:
        print(f"prefilled {args.prefill} answers in {time.perf_counter() - start:.1f} s")

    searcher = invitations[-1]
    services.response_consent(invitation=searcher)
    search = reverse("surveys:answer-search", kwargs={"campaign_pk": campaign.pk, "token": searcher.token})
    words = FIRST + LAST
    fragments = []
    for _ in range(args.searches):
        word = rng.choice(words)
        size = min(len(word), rng.randint(2, 4))
        fragments.append(word[:size].lower())
    report(
        "picker search (2-4 letters)", [timed(lambda f=f: client.get(search, {"q": f})) for f in fragments]
    )
    saves = [submit(invitation) for invitation in invitations[args.prefill : args.prefill + args.saves]]
    report(f"one answer saved and submitted ({args.contacts} named)", saves)


if __name__ == "__main__":
    main()

"""Script payloads in every text field of every model, then every page as every role: no script runs.

The fields are found from the models (a new text field is covered without touching this test) and the
pages from the URLconf (tests/weaver/pages.py: a new page is visited, or the test says how to fill
its ids). Each page must show no dialog, leave `window.__xss` unset, hold no element built from a
payload and report no CSP violation (the page fixture's guard checks the policy on every page).
"""

import os
from datetime import timedelta
from itertools import count

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from clusters.models import ClusterParticipant, ClusterSession, FollowUp, LearningCluster, PeerAssist
from funds.models import Fund, Proposal, ReviewAssignment, Round
from multiscale.models import Prospect
from multiscale.services import prospect_create
from networks import snapshots
from networks.importing import import_batch_create
from networks.management.commands.seed_demo import SLUG
from networks.models import AccessInvitation, ImportBatch, Member, Network, Relationship, Snapshot
from surveys.models import Campaign, Invitation
from tests.e2e.conftest import log_in, new_guarded_page
from tests.fixtures.spreadsheets import csv_files
from tests.weaver.pages import declared_methods, pages

PAYLOADS = (
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "'><svg onload=window.__xss=1>",
)
URL_PAYLOAD = "javascript:window.__xss=1"
APPS = ("networks", "funds", "clusters", "accounts")
# Fields that address or authenticate (in URLs, logins) keep their values; the rest of the text is poisoned.
KEPT = {"slug", "public_token", "username", "password"}
ROLES = ("coordinator", "reviewer", "facilitator", "member")
# Container probes: JSON answered before the rest of the middleware (weaver.lib.middleware.ProbeMiddleware).
PROBES = ("healthz", "readyz")

# Elements a payload would have made if it had been printed as HTML.
_INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on") && attr.value.includes("__xss")) found.push(el.outerHTML.slice(0, 120));
    }
  }
  for (const el of document.querySelectorAll("script:not([src]):not([type='application/json'])")) {
    if (el.textContent.includes("__xss")) found.push(el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll("a[href^='javascript:' i], img[src='x']")) {
    found.push(el.outerHTML.slice(0, 120));
  }
  return found;
}"""


def text_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.choices and not f.unique
        if f.name not in KEPT
    ]


def poison_every_text_field() -> int:
    """Put a payload into every text field of every row of the apps' models; returns the fields poisoned."""
    turn = count()
    poisoned = 0
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            fields = text_fields(model)
            if not fields:
                continue
            rows = list(model.objects.all())
            for row in rows:
                for field in fields:
                    setattr(
                        row, field.attname, _payload(field, getattr(row, field.attname), row.pk, next(turn))
                    )
            model.objects.bulk_update(rows, [f.name for f in fields], batch_size=500)
            poisoned += len(fields)
    return poisoned


def _payload(field, value, pk, turn: int) -> str:
    if isinstance(field, models.URLField):
        return URL_PAYLOAD
    payload = PAYLOADS[turn % len(PAYLOADS)]
    # The row's id keeps values distinct where they must be (tags, e-mails); the start keeps them readable.
    suffix = f"{pk}{payload}"
    room = (field.max_length or 10_000) - len(suffix)
    return f"{(value or '')[: max(room, 0)]}{suffix}"[: field.max_length or None]


def _seed() -> Network:
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    network = Network.objects.get(slug=SLUG)
    coordinator = get_user_model().objects.get(username="coordinator")
    members = [["Label", "Type", "Email", "Organisation", "Community", "Tags", "Description"]]
    members += [[f"Imported{payload}", "person", "", "", payload, payload, payload] for payload in PAYLOADS]
    ties = [
        ["From", "To", "Type", "Strength", "Direction"],
        [f"Nobody{PAYLOADS[1]}", "Imported", "knows", "3", ""],
    ]
    import_batch_create(user=coordinator, network=network, files=csv_files(members, ties))
    fields = poison_every_text_field()
    assert fields >= 40, fields
    snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    return network


def _values(network: Network, user, round: Round) -> dict[tuple[str, str], object]:
    """How to fill each parameter of a route, keyed by (the path segment before it, its name)."""
    person = Member.objects.filter(network=network, user=user).first() or network.members.first()
    cluster = LearningCluster.objects.filter(network=network).first()
    proposal = Proposal.objects.filter(round=round).order_by("pk").first()
    assignment = (
        ReviewAssignment.objects.filter(proposal__round=round, reviewer__user=user).first()
        or ReviewAssignment.objects.filter(proposal__round=round).first()
    )
    session = ClusterSession.objects.filter(cluster=cluster).first()
    invitation = AccessInvitation.objects.filter(network=network).first() or AccessInvitation.objects.create(
        network=network,
        member=person,
        email="invited@example.org",
        roles=["member"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    return {
        ("networks", "slug"): network.slug,
        ("members", "pk"): person.pk,
        ("relationships", "pk"): Relationship.objects.filter(source__network=network).first().pk,
        ("import", "batch_id"): ImportBatch.objects.filter(network=network).first().pk,
        ("export", "fmt"): "xlsx",
        ("funds", "fund_pk"): Fund.objects.filter(network=network).first().pk,
        ("rounds", "pk"): round.pk,
        ("rounds", "round_pk"): round.pk,
        ("from-round", "round_pk"): round.pk,
        ("proposals", "pk"): proposal.pk,
        ("join", "token"): round.public_token,
        ("reviews", "pk"): assignment.pk,
        ("clusters", "pk"): cluster.pk,
        ("sessions", "session_pk"): session.pk,
        ("peer-assists", "pa_pk"): PeerAssist.objects.filter(session__cluster=cluster).first().pk,
        ("follow-ups", "follow_up_pk"): FollowUp.objects.filter(peer_assist__session__cluster=cluster)
        .first()
        .pk,
        ("participants", "participant_pk"): ClusterParticipant.objects.filter(cluster=cluster).first().pk,
        ("surveys", "pk"): Campaign.objects.filter(network=network).order_by("pk").first().pk,
        ("survey", "campaign_pk"): (survey_invitation := _survey_invitation(network, user)).campaign_id,
        ("<int:campaign_pk>", "token"): survey_invitation.token,
        ("prospects", "pk"): _prospect(network).pk,
        ("reset", "uidb64"): "MQ",
        ("<uidb64>", "token"): "set-password",
        ("invitations", "token"): invitation.token,
    }


def _prospect(network: Network) -> Prospect:
    """A prospect of the network, the payload in its name (the demo has none)."""
    coordinator = get_user_model().objects.get(username="coordinator")
    return Prospect.objects.filter(network=network).first() or prospect_create(
        user=coordinator, network=network, name=f"Prospect{PAYLOADS[0]}", why=Prospect.Why.choices[0][0]
    )


def _survey_invitation(network: Network, user) -> Invitation:
    """The user's own invitation to the demo's open survey (the coordinator has none: anyone's)."""
    invitations = Invitation.objects.filter(campaign__network=network, campaign__status=Campaign.Status.OPEN)
    return invitations.filter(member__user=user).first() or invitations.order_by("pk").first()


def page_urls(network: Network, user) -> list[str]:
    """Every page that answers GET, once per round of the network (the rounds are in different states)."""
    urls = []
    for round in Round.objects.filter(fund__network=network).order_by("pk"):
        values = _values(network, user, round)
        for page in pages():
            if "GET" not in (declared_methods(page.callback) or {"GET"}) or page.route in PROBES:
                continue
            missing = [
                (segment, name) for _, name, segment in page.parameters if (segment, name) not in values
            ]
            assert not missing, f"say in _values how to fill {missing} of {page.route}"
            urls.append(page.url({name: values[(segment, name)] for _, name, segment in page.parameters}))
    return list(dict.fromkeys(urls))


def test_script_payloads_in_every_text_field_run_on_no_page_for_any_role(
    browser, live_server, browser_settings, transactional_db
):
    network = _seed()
    password = os.environ.get("WEAVER_DEMO_PASSWORD") or "weaver-demo"
    problems, shown, visited = [], {}, 0
    for role in ROLES:
        user = get_user_model().objects.get(username=role)
        context, page, guard = new_guarded_page(browser, live_server.url)
        dialogs = []
        page.on("dialog", lambda dialog, sink=dialogs: (sink.append(dialog.message), dialog.dismiss()))
        log_in(page, role, password)
        shown[role] = 0
        for url in page_urls(network, user):
            try:
                response = page.goto(url)
            except PlaywrightError as error:
                if "Download is starting" in str(error):
                    continue  # a file to save (exports, the schema), not a page
                raise
            visited += 1
            if page.evaluate("() => window.__xss") is not None:
                problems.append(f"{role} {url}: window.__xss was set")
            problems += [f"{role} {url}: {html}" for html in page.evaluate(_INJECTED)]
            if response.ok and "__xss" in page.content():
                shown[role] += 1
        problems += [f"{role}: dialog {message!r}" for message in dialogs]
        problems += [f"{role}: page error {error}" for error in guard.page_errors]
        context.close()
        guard.check()
    assert not problems, problems
    # The payloads were on the pages (printed as text), so the walk tested something.
    assert all(shown[role] >= 10 for role in ROLES), shown
    assert visited >= 4 * 40, visited

"""Load the demo network, "Healthy Valleys Learning Network", with its demo logins.

Idempotent: when the network exists its data is left alone (a coordinator may have changed it),
and only missing demo users and roles are added. Deterministic: the same seed gives the same
network on every machine.

Shape, so the metrics have something to find: two clusters (Upper Valley; Lower Valley with
Riverside) joined only through one bridge person, a hub in each cluster whose spokes mostly don't
know each other, a periphery of people with a single tie, and organisations partnering within
their cluster. Then the network's innovation fund (funds.demo) and a learning cluster
(clusters.demo), written through their services, weave new ties across the valleys, as they would.
"""

import datetime as dt
import os
import random
import unicodedata

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from clusters import demo as clusters_demo
from clusters.models import LearningCluster
from funds import demo as funds_demo
from funds.models import Round
from networks import services
from networks.models import Member, Network, Relationship, Role, Snapshot
from networks.snapshots import snapshot_request

SLUG = "healthy-valleys-demo"
NAME = "Healthy Valleys Learning Network"
PURPOSE = (
    "Families across our three valleys eat well, stay active and get care close to home, "
    "because clinics, schools, food programmes and neighbours share what works and try new "
    "things together."
)
SEED = 20240917
START = dt.date(2022, 3, 1)

UPPER, LOWER, RIVERSIDE = "Upper Valley", "Lower Valley", "Riverside"

# (name, community, email domain, tags, description)
ORGANISATIONS = [
    ("Upper Valley Health Centre", UPPER, "uvhc.org", ["clinic", "diabetes-prevention"],
     "Community health centre serving the upper valley towns."),
    ("Upper Valley Unified School District", UPPER, "uvusd.org", ["school-health", "youth"],
     "Seven schools; runs the school meals and school nurse programmes."),
    ("Hillside Food Bank", UPPER, "hillsidefood.org", ["food-access"],
     "Food bank and mobile pantry for the upper valley."),
    ("Upper Valley Farmers' Market", UPPER, "uvmarket.org", ["food-access", "local-food"],
     "Saturday market; doubles food-assistance dollars for fresh produce."),
    ("Grange Hall Youth Club", UPPER, "grangeyouth.org", ["youth", "active-living"],
     "After-school sports, cooking and homework club."),
    ("Lower Valley Family Clinic", LOWER, "lvfamilyclinic.org", ["clinic", "maternal-health"],
     "Family medicine, prenatal care and a diabetes education programme."),
    ("Lower Valley Peer Support Network", LOWER, "lvpeers.org", ["peer-support", "mental-health"],
     "Trained peers who walk alongside people living with chronic conditions."),
    ("St. Brigid's Community Pantry", LOWER, "stbrigids.org", ["food-access", "faith-community"],
     "Parish pantry and Thursday community meal."),
    ("Lower Valley Public Library", LOWER, "lvlibrary.org", ["health-literacy", "digital-inclusion"],
     "Library hosting health-literacy classes and telehealth booths."),
    ("Riverside Community Health Workers Collective", RIVERSIDE, "riversidechw.org",
     ["community-health-workers", "peer-support"],
     "Community health workers from the neighbourhoods they serve."),
    ("Riverside Housing Cooperative", RIVERSIDE, "riversidehousing.coop", ["housing"],
     "Resident-owned affordable housing with a community garden."),
    ("Riverside Parents United", RIVERSIDE, "riversideparents.org", ["parent-leadership", "school-health"],
     "Parents organising for healthier schools and safe routes to school."),
]  # fmt: skip

FIRST_NAMES = [
    "Amara", "Ben", "Carmen", "Dev", "Elena", "Farid", "Grace", "Hiroshi", "Ines", "Jamal", "Keira",
    "Luis", "Maya", "Nikhil", "Olivia", "Pedro", "Qin", "Rosa", "Samuel", "Tamsin", "Usha", "Victor",
    "Wanjiru", "Xavier", "Yasmin", "Zoe", "Aisha", "Bruno", "Chloe", "Dmitri", "Esther", "Felipe",
    "Gemma", "Hassan", "Isla", "Joaquín", "Kofi", "Leah", "Mateo", "Nadia", "Omar", "Priya", "Rafael",
    "Sofia", "Tariq", "Uma", "Valentina", "William", "Ximena", "Yusuf", "Zainab", "Aroha", "Bilal",
    "Catalina", "Daniel", "Emeka", "Fatima", "Gabriel", "Hana", "Ivan", "Julia", "Kwame", "Lucía",
    "Marcus", "Noor", "Oscar", "Paloma", "Ruth", "Santiago", "Thandiwe", "Yara",
]  # fmt: skip
LAST_NAMES = [
    "Okafor", "Rivera", "Nguyen", "Patel", "Schmidt", "Haddad", "Kowalski", "Mensah", "Tanaka",
    "Oliveira", "Murphy", "Achebe", "Lindqvist", "García", "Hughes", "Mwangi", "Rossi", "Kaur",
    "Dubois", "Yilmaz", "Fernández", "O'Brien", "Chen", "Abara", "Novak", "Santos", "Begay", "Ivanova",
    "Kim", "Moreau", "Adeyemi", "Walsh", "Castillo", "Nakamura", "Osei", "Petrov", "Reyes", "Sato",
    "Turner", "Vargas", "Whitehorse", "Zhang", "Alvarez", "Brennan", "Costa", "Diallo", "Eriksen",
    "Flores", "Gupta", "Herrera", "Ibrahim", "Jensen", "Khan", "Lopez", "Mahlangu", "Nowak", "Ortiz",
    "Park", "Quispe", "Ramírez", "Singh", "Torres", "Ueda", "Vega", "Wójcik", "Yamamoto", "Zapata",
    "Baptiste", "Cruz", "Delgado", "Ekwueme",
]  # fmt: skip

ROLES = {
    "Upper Valley Health Centre": [
        "Family physician",
        "Diabetes educator",
        "Nurse practitioner",
        "Pharmacist",
    ],
    "Upper Valley Unified School District": ["School nurse", "Physical education teacher", "Nutrition lead"],
    "Hillside Food Bank": ["Volunteer coordinator", "Mobile pantry driver", "Food bank director"],
    "Upper Valley Farmers' Market": ["Market manager", "Grower"],
    "Grange Hall Youth Club": ["Youth worker", "Coach"],
    "Lower Valley Family Clinic": ["Midwife", "Family physician", "Care coordinator", "Dietitian"],
    "Lower Valley Peer Support Network": ["Peer support specialist", "Peer trainer"],
    "St. Brigid's Community Pantry": ["Pantry coordinator", "Parish volunteer"],
    "Lower Valley Public Library": ["Librarian", "Digital navigator"],
    "Riverside Community Health Workers Collective": ["Community health worker", "CHW supervisor"],
    "Riverside Housing Cooperative": ["Resident organiser", "Garden coordinator"],
    "Riverside Parents United": ["Parent leader", "Safe routes volunteer"],
}
TOWNS = {
    UPPER: ["Ashford", "Millbrook", "Pine Hollow", "Granger"],
    LOWER: ["Eastbridge", "Kelso", "Lower Ferry"],
    RIVERSIDE: ["Riverside", "Mill Quarter", "Southbank"],
}
EXTRA_TAGS = {
    UPPER: ["active-living", "school-health", "food-access", "local-food", "youth"],
    LOWER: ["peer-support", "mental-health", "maternal-health", "telehealth", "health-literacy"],
    RIVERSIDE: ["community-health-workers", "housing", "parent-leadership", "peer-support", "food-access"],
}


# The demo logins besides the coordinator: (username, role, their person: organisation and index
# among its people by id, what they can do). Each is linked to its person through the person's e-mail.
LOGINS = [
    ("reviewer", Role.REVIEWER, ("Upper Valley Unified School District", 3),
     "reviews the fund proposals assigned to them; one is waiting"),
    ("facilitator", Role.FACILITATOR, ("Riverside Community Health Workers Collective", 4),
     "runs the Family food access cluster: sessions, attendance, peer assists, lessons"),
    ("member", Role.MEMBER, ("St. Brigid's Community Pantry", 0),
     "can look, not change; sees their funded proposal and their cluster"),
]  # fmt: skip


class Command(BaseCommand):
    help = "Load the demo network with its fund and learning cluster (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        password = os.environ.get("WEAVER_DEMO_PASSWORD") or "weaver-demo"
        with transaction.atomic():
            coordinator = _user("coordinator", password, first_name="Cora", last_name="Lindgren")
            network = Network.objects.filter(slug=SLUG).first()
            created = network is None
            if created:
                network = services.network_create(user=coordinator, name=NAME, slug=SLUG, purpose=PURPOSE)
                _seed(network, coordinator)
            services.role_grant(network=network, user=coordinator, role=Role.COORDINATOR)
            # What a staff member would do in the admin, so the demo shows starting a network too.
            coordinator.user_permissions.add(
                Permission.objects.get(content_type__app_label="networks", codename="add_network")
            )
            users = {"coordinator": coordinator}
            for username, role, (org, index), _ in LOGINS:
                users[username] = _login(network, username, password, org=org, index=index)
                # Granting the role links the login to the person with its e-mail.
                services.role_grant(network=network, user=users[username], role=role)
            if created:
                funds_demo.seed(network=network, users=users, rng=random.Random(f"{SEED}-funds"))
                clusters_demo.seed(network=network, users=users, rng=random.Random(f"{SEED}-clusters"))
                # Apps that bring their own demo data (surveys) offer it as AppConfig.demo_seed.
                for config in apps.get_app_configs():
                    if hasattr(config, "demo_seed"):
                        config.demo_seed(
                            network=network, users=users, rng=random.Random(f"{SEED}-{config.label}")
                        )
                # Its figures now, not after the edits' debounce: the first visit shows the map.
                snapshot_request(network=network, trigger=Snapshot.Trigger.COMMAND)
                self.stdout.write(self.style.SUCCESS(f"Loaded the demo network “{NAME}”."))
            else:
                self.stdout.write(f"The demo network “{NAME}” is already loaded; left as it is.")

        members = network.members.active()
        ties = network.relationships.active().count()
        self.stdout.write(
            f"  {members.people().count()} people, {members.organisations().count()} organisations, "
            f"{ties} active relationships."
        )
        rounds = Round.objects.filter(fund__network=network)
        self.stdout.write(
            f"  {network.funds.count()} fund with {rounds.count()} rounds "
            f"({rounds.filter(status=Round.Status.DECIDED).count()} decided, "
            f"{rounds.filter(status=Round.Status.REVIEW).count()} in review); "
            f"{LearningCluster.objects.filter(network=network).count()} learning cluster."
        )
        self.stdout.write("")
        self.stdout.write("  Open http://127.0.0.1:8000/ and log in:")
        self.stdout.write(
            f"    {'coordinator':<11} / {password}   (can change everything, and start networks)"
        )
        for username, _, _, what in LOGINS:
            person = network.members.filter(user=users[username]).first()
            who = f"{person.name}: " if person else ""
            self.stdout.write(f"    {username:<11} / {password}   ({who}{what})")
        if password == "weaver-demo":
            self.stdout.write("  (set WEAVER_DEMO_PASSWORD to choose another password for new demo users)")


def _login(network: Network, username: str, password: str, *, org: str, index: int):
    """A demo login made with the e-mail and name of its person in the network (if they are still there)."""
    people = network.members.active().people().filter(organisations__name=org).order_by("pk")
    person = people[index] if people.count() > index else None
    if person is None:
        return _user(username, password)
    first, _, last = person.name.partition(" ")
    return _user(username, password, first_name=first, last_name=last, email=person.email)


def _user(username, password, *, first_name="", last_name="", email=""):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": email or f"{username}@example.org",
        },
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c == "."))


def _day(rng: random.Random, spread_days: int = 700) -> dt.date:
    return START + dt.timedelta(days=rng.randrange(spread_days))


def _seed(network: Network, user) -> None:
    rng = random.Random(SEED)
    orgs: dict[str, Member] = {}
    for name, community, _domain, tags, description in ORGANISATIONS:
        orgs[name] = services.member_create(
            user=user,
            network=network,
            name=name,
            kind=Member.Kind.ORGANISATION,
            community=community,
            location=TOWNS[community][0],
            tags=tags,
            description=description,
            joined_on=_day(rng, 200),
        )
    by_community = {c: [o for o in ORGANISATIONS if o[1] == c] for c in (UPPER, LOWER, RIVERSIDE)}

    firsts, lasts = FIRST_NAMES[:], LAST_NAMES[:]
    rng.shuffle(firsts)
    rng.shuffle(lasts)
    names = iter(zip(firsts, lasts, strict=False))

    def person(community: str, *, org_name: str | None = None, role: str | None = None, tags=()) -> Member:
        first, last = next(names)
        org = (
            next(o for o in ORGANISATIONS if o[0] == org_name)
            if org_name
            else rng.choice(by_community[community])
        )
        role = role or rng.choice(ROLES[org[0]])
        own_tags = list(dict.fromkeys([*tags, *rng.sample(EXTRA_TAGS[community], rng.randint(1, 2))]))
        slug = _ascii(f"{first}.{last}".lower())
        return services.member_create(
            user=user,
            network=network,
            name=f"{first} {last}",
            email=f"{slug}@{org[2]}",
            community=community,
            location=rng.choice(TOWNS[community]),
            organisations=[orgs[org[0]]],
            tags=own_tags,
            description=f"{role} at {org[0]}.",
            joined_on=_day(rng),
        )

    # Cluster A: Upper Valley. Cluster B: Lower Valley with Riverside.
    hub_a = person(UPPER, org_name="Hillside Food Bank", role="Food bank director", tags=["food-access"])
    spokes_a = [person(UPPER) for _ in range(10)]
    core_a = [person(UPPER) for _ in range(14)]
    periphery_a = [person(UPPER) for _ in range(5)]
    hub_b = person(
        LOWER, org_name="Lower Valley Family Clinic", role="Care coordinator", tags=["diabetes-prevention"]
    )
    spokes_b = [person(rng.choice([LOWER, RIVERSIDE])) for _ in range(9)]
    core_b = [person(LOWER) for _ in range(12)] + [person(RIVERSIDE) for _ in range(10)]
    periphery_b = [person(rng.choice([LOWER, RIVERSIDE])) for _ in range(6)]
    bridge = person(
        RIVERSIDE,
        org_name="Riverside Community Health Workers Collective",
        role="Community health worker trainer working across all three valleys",
        tags=["community-health-workers", "food-access", "peer-support"],
    )
    archived = [person(UPPER), person(LOWER)]

    ties = _Ties(network, user, rng)
    for cluster in ((hub_a, spokes_a, core_a, periphery_a), (hub_b, spokes_b, core_b, periphery_b)):
        hub, spokes, core, periphery = cluster
        # The hub's contacts mostly don't know each other: that is what makes it a hub and spoke.
        for spoke in spokes:
            ties.add(hub, spoke, rng.choice(["knows", "advises", "collaborates"]))
        for a, b in zip(spokes[0:4:2], spokes[1:4:2], strict=True):
            ties.add(a, b, "knows")
        for contact in rng.sample(core, 4):
            ties.add(hub, contact, "collaborates")
        for spoke in spokes[::2]:
            ties.add(spoke, rng.choice(core), "knows")
        # The core: a ring with short cuts, dense enough for triangles and local clusters.
        n = len(core)
        for i in range(n):
            ties.add(core[i], core[(i + 1) % n], rng.choice(["collaborates", "knows", "learns with"]))
            ties.add(core[i], core[(i + 2) % n], rng.choice(["knows", "learns with"]))
        for _ in range(n):
            a, b = rng.sample(core, 2)
            ties.add(a, b, rng.choice(["knows", "refers to", "advises"]))
        for newcomer in periphery:
            ties.add(rng.choice(core + spokes), newcomer, "knows", strength=rng.choice([1, 2]))

    # The only way between the two clusters runs through the bridge person.
    for contact in [*rng.sample(core_a, 3), *rng.sample(core_b, 3)]:
        ties.add(bridge, contact, rng.choice(["learns with", "advises", "collaborates"]), strength=4)

    cluster_orgs = {
        "a": [orgs[o[0]] for o in by_community[UPPER]],
        "b": [orgs[o[0]] for o in by_community[LOWER] + by_community[RIVERSIDE]],
    }
    for key, people in (("a", core_a + spokes_a + [hub_a]), ("b", core_b + spokes_b + [hub_b])):
        group = cluster_orgs[key]
        for i, org in enumerate(group):
            ties.add(org, group[(i + 1) % len(group)], "partners with", strength=rng.randint(2, 5))
            ties.add(org, rng.choice(people), "funds" if i % 3 == 0 else "hosts", strength=3)
        for _ in range(len(group) // 2):
            a, b = rng.sample(group, 2)
            ties.add(a, b, "partners with", strength=rng.randint(2, 4))

    # Some history: ties that ended within each cluster, and two people who left.
    for core in (core_a, core_b):
        for _ in range(3):
            tie = ties.add(*rng.sample(core, 2), "co-leads project", strength=3)
            if tie is not None:
                services.relationship_end(
                    user=user, relationship=tie, ended_on=tie.started_on + dt.timedelta(days=180)
                )
    for gone in archived:
        services.member_archive(user=user, member=gone)


class _Ties:
    """Adds at most one tie per pair, so the random draws never trip the one-active-tie rule."""

    DIRECTED = {"advises", "funds", "hosts", "refers to"}

    def __init__(self, network, user, rng):
        self.network, self.user, self.rng = network, user, rng
        self.pairs: set[frozenset] = set()

    def add(self, a: Member, b: Member, kind: str, strength: int | None = None) -> Relationship | None:
        pair = frozenset((a.pk, b.pk))
        if a.pk == b.pk or pair in self.pairs:
            return None
        self.pairs.add(pair)
        return services.relationship_add(
            user=self.user,
            network=self.network,
            source=a,
            target=b,
            kind=kind,
            strength=strength or self.rng.choices([1, 2, 3, 4, 5], weights=[1, 3, 4, 3, 2])[0],
            direction=(
                Relationship.Direction.DIRECTED
                if kind in self.DIRECTED
                else Relationship.Direction.UNDIRECTED
            ),
            started_on=_day(self.rng),
        )

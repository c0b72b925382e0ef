"""A round driven from creation to decision over the REST API only, as clients holding tokens would.

Tokens are handed out of band (as an administrator would); everything else goes through /api/v1/.
"""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1"
SLUG = "river-towns"


class Client:
    """One API client with its token: JSON in, JSON out, asserting the status each call expects."""

    def __init__(self, user):
        self.http = APIClient()
        self.http.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")

    def call(self, method, path, data=None, expect=200):
        url = path if path.startswith("/") else f"{API}/networks/{SLUG}/{path}"
        if method == "get":
            response = self.http.get(url, data)
        else:
            response = getattr(self.http, method)(url, data, format="json")
        assert response.status_code == expect, (method, path, response.status_code, response.content[:600])
        return response.json() if response.content else None

    def get(self, path, params=None, expect=200):
        return self.call("get", path, params, expect)

    def post(self, path, data=None, expect=201):
        return self.call("post", path, data or {}, expect)

    def patch(self, path, data, expect=200):
        return self.call("patch", path, data, expect)


def rows(body):
    """A list response, paginated or not."""
    return body["results"] if isinstance(body, dict) else body


def every(client, path, params=None):
    found, page = [], 1
    while True:
        body = client.get(path, {**(params or {}), "page": page})
        found += body["results"]
        if not body["next"]:
            return found
        page += 1


def login_of(person_id):
    return get_user_model().objects.get(memberships__id=person_id)


def test_a_round_goes_from_creation_to_decision_over_the_api_alone(
    mailoutbox, django_capture_on_commit_callbacks
):
    alice = Client(UserFactory(username="alice"))
    alice.post(f"{API}/networks/", {"name": "River Towns", "slug": SLUG, "purpose": "Healthier river towns."})

    # The network's people and organisations, and who knows whom.
    orgs = [
        alice.post("members/", {"name": name, "kind": "organisation", "community": community})["id"]
        for name, community in [
            ("Westfield Library", "West"),
            ("Riverside Clinic", "East"),
            ("Hill School", "North"),
            ("Harbour Trust", "South"),
            ("Market Hall", "East"),
            ("Mill Co-op", "West"),
        ]
    ]

    def person(name, community):
        return alice.post(
            "members/",
            {"name": name, "email": f"{name.split()[0].lower()}@example.org", "community": community},
        )["id"]

    applicants = [person(f"Applicant{i} Smith", "North") for i in range(4)]
    volunteers = [person(f"Volunteer{i} Jones", "NESW"[i % 4]) for i in range(8)]
    designer = person("Dora Designer", "West")
    for member in applicants:
        alice.post("access/", {"member": member, "roles": ["member"]})
    alice.post("access/", {"member": volunteers[7], "roles": ["member"]})
    # Volunteer 0 advises Westfield Library, a partner of the first proposal: a conflict of interest.
    alice.post("relationships/", {"source": volunteers[0], "target": orgs[0], "kind": "advises"})

    # The fund and a small round, below the field's usual budget: refused until a reason is given.
    fund = alice.post("funds/", {"name": "River Fund"})["id"]
    round_data = {
        "fund": fund,
        "title": "Spring pilot",
        "focus": "Projects by three or more organisations along the river.",
        "budget": "12000",
        "opens_on": "2020-01-01",
        "closes_on": "2099-12-31",
        "criteria": [{"name": "Collaboration", "weight": "2"}, {"name": "Newness", "weight": "1"}],
    }
    refused = alice.post("rounds/", round_data, expect=400)
    assert {e["attr"] for e in refused["errors"]} == {"budget", "override_reason"}
    rnd = alice.post("rounds/", round_data | {"override_reason": "A first pilot on a small grant."})
    assert rnd["field_warnings"] == {
        "budget": "A budget of 12,000 is outside the field's usual figures (15,000–50,000 a round)."
    }
    assert (rnd["grant_min"], rnd["grant_max"], rnd["min_partners"]) == ("1500.00", "8000.00", 3)
    here = f"rounds/{rnd['id']}/"
    criteria = [c["id"] for c in rnd["criteria"]]

    # Design group and reviewer pool: seven volunteers get the reviewer role in the same step.
    alice.post(f"{here}design-group/", {"member": designer})
    assert [m["member"] for m in alice.get(f"{here}design-group/")["results"]] == [designer]
    with django_capture_on_commit_callbacks(execute=True):
        for member in volunteers[:7]:
            alice.post(f"{here}reviewers/", {"member": member, "grant_role": True})
    invited = {m.to[0] for m in mailoutbox}
    assert invited >= {f"volunteer{i}@example.org" for i in range(7)}
    alice.post(f"{here}reviewers/", {"user": login_of(volunteers[7]).pk})
    pool = every(alice, f"{here}reviewers/")
    assert sorted(r["member"] for r in pool) == sorted(volunteers)
    reviewer_of = {r["member"]: r["id"] for r in pool}

    # Open, apply, submit.
    alice.post(f"{here}transition/", {"status": "open"}, expect=200)
    proposals = []
    for i, member in enumerate(applicants):
        applicant = Client(login_of(member))
        draft = applicant.post(
            "proposals/",
            {
                "round": rnd["id"],
                "title": f"Project {i}",
                "summary": "Three organisations on the river, working together for the first time.",
                "amount": str(4000 + 1000 * i),
                "lead": member,
                "is_new_project": True,
                "partners": [orgs[(i + j) % len(orgs)] for j in range(3)],
            },
        )
        proposals.append(applicant.post(f"proposals/{draft['id']}/submit/", expect=200)["id"])
    alice.post(f"{here}transition/", {"status": "review"}, expect=200)

    # Before assigning: the round's 3 reviews per proposal would leave volunteers reading 1–2.
    preview = alice.get(f"{here}assignment-preview/")
    assert (preview["volunteers"], preview["proposals"]) == (8, 4)
    assert (preview["reads_per_reviewer_min"], preview["reads_per_reviewer_max"]) == (1, 2)
    r, k = preview["suggested_reviews_per_proposal"], preview["suggested_max_per_reviewer"]
    assert (r, k) == (6, 3)  # floor(8 × 3 / 4) = 6 reviews each; 24 reviews, 3 per volunteer
    tried = alice.get(f"{here}assignment-preview/", {"reviews_per_proposal": r, "max_per_reviewer": k})
    assert (tried["reads_per_reviewer_min"], tried["reads_per_reviewer_max"]) == (3, 3)
    assert (tried["reviews_per_proposal_min"], tried["reviews_per_proposal_max"]) == (6, 6)
    alice.patch(here, {"reviews_per_proposal": r, "max_per_reviewer": k})

    coverage = alice.post(f"{here}assign-reviewers/", expect=200)
    assert coverage["created"] == 24 and coverage["short"] == {} and coverage["conflicts_excluded"] >= 1

    # Conflicts, and the assignments listed with filters.
    conflicts = alice.get(f"{here}conflicts/", {"reviewer": reviewer_of[volunteers[0]]})["results"]
    assert [(c["proposal"], [r["code"] for r in c["reasons"]]) for c in conflicts] == [
        (proposals[0], ["tie_to_organisation"])
    ]
    assignments = every(alice, f"{here}assignments/")
    assert len(assignments) == 24 and all(a["conflicts"] == [] for a in assignments)
    assert Counter(a["reviewer"] for a in assignments) == {rv: 3 for rv in reviewer_of.values()}
    on_first = alice.get(f"{here}assignments/", {"proposal": proposals[0], "status": "assigned"})["results"]
    assert len(on_first) == 6 and reviewer_of[volunteers[0]] not in {a["reviewer"] for a in on_first}
    mine = alice.get(f"{here}assignments/", {"reviewer": reviewer_of[volunteers[1]]})["results"]
    assert {a["reviewer"] for a in mine} == {reviewer_of[volunteers[1]]} and len(mine) == 3

    # Adjust one: the conflicted volunteer is refused with the reason; another free one takes a place.
    clash = {"add": [{"reviewer": reviewer_of[volunteers[0]], "proposal": proposals[0]}]}
    refused = alice.post(f"{here}assignments/adjust/", clash, expect=400)
    assert "has a direct tie to Westfield Library (a partner organisation)" in refused["errors"][0]["detail"]
    free = sorted(
        set(reviewer_of.values()) - {a["reviewer"] for a in on_first} - {reviewer_of[volunteers[0]]}
    )
    swap = {"remove": [on_first[0]["id"]], "add": [{"reviewer": free[0], "proposal": proposals[0]}]}
    changed = alice.post(f"{here}assignments/adjust/", swap, expect=200)
    assert changed["removed"] == [on_first[0]["id"]] and changed["created"][0]["by_hand"] is True
    after = alice.get(f"{here}assignments/", {"proposal": proposals[0]})["results"]
    assert {a["reviewer"] for a in after} == {a["reviewer"] for a in on_first[1:]} | {free[0]}

    # Every reviewer reads their own assignments and scores them: later projects score higher.
    for member in volunteers:
        reviewer = Client(login_of(member))
        for assignment in every(reviewer, "reviews/"):
            quality = 2 + proposals.index(assignment["proposal"]["id"])
            scores = {str(criteria[0]): quality, str(criteria[1]): max(1, quality - 1)}
            reviewer.post(
                f"reviews/{assignment['id']}/submit/",
                {"scores": scores, "comment": "Clear plan."},
                expect=200,
            )
    assert alice.get(f"{here}assignments/", {"status": "submitted"})["count"] == 24

    # Ranking, awards within the budget, decision.
    ranking = rows(alice.get(f"{here}ranking/"))
    assert [row["proposal"] for row in ranking] == proposals[::-1]
    assert all(row["reviews"] == 6 for row in ranking)
    portfolio = alice.get(f"{here}portfolio/")
    assert set(portfolio["knapsack"]["funded"]) == {proposals[3], proposals[1]}
    for proposal in portfolio["knapsack"]["funded"]:
        amount = next(row["amount"] for row in ranking if row["proposal"] == proposal)
        alice.post(f"proposals/{proposal}/award/", {"amount": amount})
    over = alice.post(f"proposals/{proposals[2]}/award/", {"amount": "6000"}, expect=400)
    assert "of the budget is left" in over["errors"][0]["detail"]
    decided = alice.post(f"{here}transition/", {"status": "decided"}, expect=200)
    assert (decided["awarded_total"], decided["remaining_budget"]) == ("12000.00", "0.00")

    outcomes = {
        pid: Client(login_of(applicants[i])).get(f"proposals/{pid}/")["status"]
        for i, pid in enumerate(proposals)
    }
    assert outcomes == {
        proposals[0]: "declined",
        proposals[1]: "awarded",
        proposals[2]: "declined",
        proposals[3]: "awarded",
    }
    grantee = Client(login_of(applicants[3]))
    assert [a["amount"] for a in grantee.get("awards/")["results"]] == ["7000.00"]

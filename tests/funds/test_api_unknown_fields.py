"""Funds over the API: unknown fields are refused by name, in bodies and in nested rubric criteria."""

import pytest
from rest_framework.test import APIClient

from tests.funds.conftest import bob_member, submit_proposal

pytestmark = pytest.mark.django_db
BASE = "/api/v1/networks/healthy-valleys"


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def codes(response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.content
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def test_a_misspelt_round_setting_is_refused_and_nothing_changes(api, open_round):
    response = api.patch(f"{BASE}/rounds/{open_round.pk}/", {"budjet": "30000"})
    assert codes(response) == [("non_field_errors", "unknown_field")]
    assert "Did you mean “budget”?" in response.json()["errors"][0]["detail"]
    open_round.refresh_from_db()
    assert open_round.budget == 20000


def test_a_changed_status_is_refused_rather_than_silently_ignored(api, open_round):
    response = api.patch(f"{BASE}/rounds/{open_round.pk}/", {"status": "decided"})
    assert codes(response) == [("non_field_errors", "read_only")]
    open_round.refresh_from_db()
    assert open_round.status == "open"


def test_a_round_read_and_sent_back_whole_is_accepted(api, open_round):
    url = f"{BASE}/rounds/{open_round.pk}/"
    data = api.get(url).json()
    data["title"] = "Spring round, again"
    response = api.put(url, data)
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Spring round, again"


def test_an_unknown_key_in_a_rubric_criterion_is_named_at_its_position(api, fund):
    response = api.post(
        f"{BASE}/rounds/",
        {
            "fund": fund.pk,
            "title": "Autumn",
            "focus": "Food",
            "budget": "20000",
            "grant_min": "1500",
            "grant_max": "8000",
            "opens_on": "2026-01-01",
            "closes_on": "2026-02-01",
            "criteria": [{"name": "Collaboration", "weight": "2"}, {"name": "Newness", "wieght": "1"}],
        },
    )
    assert codes(response) == [("criteria.1.non_field_errors", "unknown_field")]


def test_declining_with_a_misspelt_reason_is_a_400_and_the_proposal_stays(
    api, network, applicant, open_round, orgs
):
    proposal = submit_proposal(
        rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3]
    )
    response = api.post(f"{BASE}/proposals/{proposal.pk}/decline/", {"reason": "Late", "reasn": "x"})
    assert codes(response) == [("non_field_errors", "unknown_field")]
    proposal.refresh_from_db()
    assert proposal.status == "submitted"


def test_a_value_of_another_type_than_documented_is_refused_not_coerced(api, open_round):
    response = api.patch(f"{BASE}/rounds/{open_round.pk}/", {"title": 2026, "budget": 30000})
    assert sorted(codes(response)) == [("budget", "invalid"), ("title", "invalid")]
    assert "Expected a string, not a number." in response.json()["errors"][0]["detail"]
    open_round.refresh_from_db()
    assert open_round.title == "Spring round"

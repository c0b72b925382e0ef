"""Editing a round after setting it up: the page, the API, and what is fixed by when."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funds import services
from funds.models import Round
from tests.funds.conftest import bob_member, make_reviewer, submit_proposal
from tests.funds.test_api import client_for

pytestmark = pytest.mark.django_db
SLUG = "healthy-valleys"
API = f"/api/v1/networks/{SLUG}"


def url(name, **kwargs):
    return reverse(f"funds:{name}", kwargs={"slug": SLUG, **kwargs})


@pytest.fixture
def bare_round(alice, fund):
    """A draft set up without a rubric, which cannot open yet."""
    return services.round_create(
        user=alice,
        fund=fund,
        title="No rubric yet",
        budget=15000,
        grant_min=1500,
        grant_max=5000,
        opens_on=datetime.date.today(),
        closes_on=datetime.date.today() + datetime.timedelta(days=30),
    )


def form_data(rnd: Round, **changes) -> dict:
    data = {
        "title": rnd.title,
        "focus": rnd.focus,
        "budget": rnd.budget,
        "grant_min": rnd.grant_min,
        "grant_max": rnd.grant_max,
        "spend_window_months": rnd.spend_window_months,
        "opens_on": rnd.opens_on,
        "closes_on": rnd.closes_on,
        "review_deadline": rnd.review_deadline or "",
        "min_partners": rnd.min_partners,
        "review_mode": rnd.review_mode,
        "reviews_per_proposal": rnd.reviews_per_proposal,
        "max_per_reviewer": rnd.max_per_reviewer,
        "sharing_session_on": rnd.sharing_session_on or "",
        "criteria": "Collaboration | 2 | Do the partners really work together?\r\n"
        "Newness | 1 | Is this something new here?",
    }
    data.update(changes)
    return data


def test_the_round_edit_page_alice_can_bob_cannot_charlie_gets_404(client, alice, bob, charlie, open_round):
    client.force_login(alice)
    page = client.get(url("round-edit", pk=open_round.pk))
    assert page.status_code == 200
    assert "Collaboration | 2 | Do the partners really work together?" in page.content.decode()
    assert (
        url("round-edit", pk=open_round.pk)
        in client.get(url("round-detail", pk=open_round.pk)).content.decode()
    )
    client.force_login(bob)
    assert client.get(url("round-edit", pk=open_round.pk)).status_code == 403
    assert (
        client.post(url("round-edit", pk=open_round.pk), form_data(open_round, title="Bob's")).status_code
        == 403
    )
    client.force_login(charlie)
    assert client.get(url("round-edit", pk=open_round.pk)).status_code == 404
    open_round.refresh_from_db()
    assert open_round.title == "Spring round"


def test_alice_sets_the_sharing_session_date_of_an_open_round(client, alice, open_round):
    client.force_login(alice)
    session = datetime.date.today() + datetime.timedelta(days=200)
    response = client.post(
        url("round-edit", pk=open_round.pk), form_data(open_round, sharing_session_on=session)
    )
    assert response.status_code == 302 and response.url == url("round-detail", pk=open_round.pk)
    open_round.refresh_from_db()
    assert open_round.sharing_session_on == session
    assert [c.name for c in open_round.criteria.all()] == ["Collaboration", "Newness"]
    assert "Sharing session" in client.get(response.url).content.decode()


def test_the_money_rules_of_an_open_round_are_read_only_on_the_edit_page(client, alice, open_round):
    client.force_login(alice)
    form = client.get(url("round-edit", pk=open_round.pk)).context["form"]
    assert all(form.fields[name].disabled for name in ("budget", "grant_min", "grant_max", "min_partners"))
    assert not form.fields["criteria"].disabled
    client.post(url("round-edit", pk=open_round.pk), form_data(open_round, budget="99000"))
    open_round.refresh_from_db()
    assert open_round.budget == 20000


def test_a_round_set_up_without_a_rubric_gets_one_on_the_edit_page_and_then_opens(client, alice, bare_round):
    client.force_login(alice)
    assert "Add the rubric" in client.get(url("round-detail", pk=bare_round.pk)).content.decode()
    with pytest.raises(ValidationError, match="rubric"):
        services.round_transition(user=alice, round=bare_round, status="open")
    # Saving other settings with the rubric left empty is fine.
    response = client.post(
        url("round-edit", pk=bare_round.pk), form_data(bare_round, criteria="", focus="Parks")
    )
    assert response.status_code == 302 and not bare_round.criteria.exists()

    response = client.post(url("round-edit", pk=bare_round.pk), form_data(bare_round))
    assert response.status_code == 302
    assert [(c.name, c.weight) for c in bare_round.criteria.all()] == [("Collaboration", 2), ("Newness", 1)]
    services.round_transition(user=alice, round=bare_round, status="open")
    bare_round.refresh_from_db()
    assert bare_round.status == Round.Status.OPEN


def test_an_existing_rubric_cannot_be_emptied(client, alice, open_round):
    client.force_login(alice)
    response = client.post(url("round-edit", pk=open_round.pk), form_data(open_round, criteria=""))
    assert response.status_code == 200
    assert response.context["form"].errors["criteria"] == ["A round needs at least one rubric criterion."]
    assert open_round.criteria.count() == 2


def test_the_rubric_is_fixed_once_the_round_is_in_review_and_the_page_says_so(
    client, network, alice, applicant, open_round, orgs
):
    submit_proposal(rnd=open_round, user=applicant, lead=bob_member(network, applicant), partners=orgs[:3])
    make_reviewer(rnd=open_round, coordinator=alice, network=network, name="rita")
    services.round_transition(user=alice, round=open_round, status="review")
    client.force_login(alice)
    page = client.get(url("round-edit", pk=open_round.pk))
    form = page.context["form"]
    assert form.fields["criteria"].disabled
    assert "fixed once the round is in review" in page.content.decode()
    deadline = datetime.date.today() + datetime.timedelta(days=5)
    response = client.post(
        url("round-edit", pk=open_round.pk),
        form_data(open_round, criteria="Only one | 1", review_deadline=deadline),
    )
    assert response.status_code == 302
    open_round.refresh_from_db()
    assert open_round.review_deadline == deadline
    assert [c.name for c in open_round.criteria.all()] == ["Collaboration", "Newness"]
    with pytest.raises(ValidationError, match="fixed once the round is in review"):
        services.rubric_set(user=alice, round=open_round, criteria=[{"name": "Only one"}])


def test_the_api_patches_the_rubric_of_a_round_created_without_one_then_it_opens(
    alice, bob, charlie, bare_round
):
    endpoint = f"{API}/rounds/{bare_round.pk}/"
    rubric = {"criteria": [{"name": "Collaboration", "weight": "2"}, {"name": "Newness", "weight": "1"}]}
    assert client_for(bob).patch(endpoint, rubric, format="json").status_code == 403
    assert client_for(charlie).patch(endpoint, rubric, format="json").status_code == 404
    assert not bare_round.criteria.exists()

    response = client_for(alice).patch(
        endpoint, {**rubric, "sharing_session_on": "2031-01-15"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [c["name"] for c in response.json()["criteria"]] == ["Collaboration", "Newness"]
    assert response.json()["sharing_session_on"] == "2031-01-15"
    response = client_for(alice).post(f"{endpoint}transition/", {"status": "open"})
    assert response.status_code == 200 and response.json()["status"] == "open"


def test_the_api_keeps_the_rubric_rules_of_the_page(alice, open_round):
    endpoint = f"{API}/rounds/{open_round.pk}/"
    response = client_for(alice).patch(endpoint, {"criteria": []}, format="json")
    assert response.status_code == 400 and "at least one rubric criterion" in str(response.json())
    twice = {"criteria": [{"name": "Reach", "weight": "1"}, {"name": "reach", "weight": "2"}]}
    assert "same name" in str(client_for(alice).patch(endpoint, twice, format="json").json())

    services.round_transition(user=alice, round=open_round, status="review")
    same = [
        {"name": c.name, "weight": str(c.weight), "description": c.description}
        for c in open_round.criteria.all()
    ]
    assert client_for(alice).patch(endpoint, {"criteria": same}, format="json").status_code == 200
    response = client_for(alice).patch(
        endpoint, {"criteria": [{"name": "Reach", "weight": "1"}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "criteria"
    assert "fixed once the round is in review" in response.json()["errors"][0]["detail"]
    assert [c.name for c in open_round.criteria.all()] == ["Collaboration", "Newness"]

"""The field's usual figures: defaults for a new round, and warnings a coordinator overrides with a reason."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from funds import services
from funds.models import Round
from tests.funds.conftest import make_round
from tests.funds.test_api import BASE, client_for

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
UNUSUAL = {"budget": 500000, "grant_min": 100, "grant_max": 100000, "min_partners": 1}


def round_fields(**changes) -> dict:
    fields = {"title": "Autumn", "opens_on": TODAY, "closes_on": TODAY + datetime.timedelta(days=30)}
    return fields | changes


def test_a_new_round_takes_the_fields_usual_figures_on_the_page_and_over_the_api(client, alice, fund):
    client.force_login(alice)
    form = client.get(reverse("funds:round-create", kwargs={"slug": fund.network.slug, "fund_pk": fund.pk}))
    initial = {name: form.context["form"][name].value() for name in UNUSUAL | {"spend_window_months": 0}}
    assert initial == {
        "budget": Decimal("30000"),
        "grant_min": Decimal("1500"),
        "grant_max": Decimal("8000"),
        "min_partners": 3,
        "spend_window_months": 6,
    }
    assert "Usually 15,000–50,000 a round." in form.content.decode()

    response = client_for(alice).post(
        f"{BASE}/rounds/",
        {"fund": fund.pk, "title": "Defaults", "opens_on": "2030-01-01", "closes_on": "2030-02-01"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["budget"], body["grant_min"], body["grant_max"]) == ("30000.00", "1500.00", "8000.00")
    assert (body["spend_window_months"], body["min_partners"], body["field_warnings"]) == (6, 3, {})


def test_settings_outside_the_figures_are_refused_without_a_reason_each_one_named(alice, fund):
    with pytest.raises(ValidationError) as caught:
        services.round_create(user=alice, fund=fund, **round_fields(**UNUSUAL, spend_window_months=12))

    errors = caught.value.message_dict
    assert set(errors) == {*UNUSUAL, "spend_window_months", "override_reason"}
    assert errors["budget"] == [
        "A budget of 500,000 is outside the field's usual figures (15,000–50,000 a round)."
    ]
    assert errors["min_partners"] == [
        "Asking for 1 partner organisations is outside the field's usual figures (3 or more organisations)."
    ]
    assert not Round.objects.exists()


def test_a_reason_lets_the_round_through_and_is_recorded_with_who_and_when(alice, fund):
    rnd = services.round_create(
        user=alice, fund=fund, override_reason="A one-off regional round.", **round_fields(**UNUSUAL)
    )

    rnd.refresh_from_db()
    assert (rnd.budget, rnd.override_reason, rnd.overridden_by) == (
        500000,
        "A one-off regional round.",
        alice,
    )
    assert rnd.overridden_at is not None
    assert (
        rnd.overridden_warnings == list(rnd.field_warnings().values()) and len(rnd.overridden_warnings) == 4
    )


def test_an_overridden_round_changes_its_dates_freely_but_a_new_unusual_setting_needs_a_reason(alice, fund):
    rnd = services.round_create(user=alice, fund=fund, override_reason="Regional.", **round_fields(**UNUSUAL))
    services.round_update(user=alice, round=rnd, closes_on=TODAY + datetime.timedelta(days=60))

    with pytest.raises(ValidationError) as caught:
        services.round_update(user=alice, round=rnd, spend_window_months=12)
    assert set(caught.value.message_dict) == {"spend_window_months", "override_reason"}

    services.round_update(user=alice, round=rnd, spend_window_months=12, override_reason="Building works.")
    rnd.refresh_from_db()
    assert rnd.override_reason == "Building works." and len(rnd.overridden_warnings) == 5


def test_a_round_brought_back_within_the_figures_forgets_its_override(alice, fund):
    rnd = services.round_create(
        user=alice, fund=fund, override_reason="Big year.", **round_fields(budget=60000, grant_max=8000)
    )
    services.round_update(user=alice, round=rnd, budget=40000)
    rnd.refresh_from_db()
    assert (rnd.override_reason, rnd.overridden_warnings, rnd.overridden_by) == ("", [], None)


def test_the_form_asks_for_a_reason_then_the_round_page_shows_it(client, alice, bob, fund):
    client.force_login(alice)
    create = reverse("funds:round-create", kwargs={"slug": fund.network.slug, "fund_pk": fund.pk})
    data = {
        "title": "Big one",
        "budget": "80000",
        "grant_min": "1500",
        "grant_max": "8000",
        "spend_window_months": "6",
        "opens_on": "2030-06-01",
        "closes_on": "2030-07-01",
        "min_partners": "3",
        "review_mode": "volunteer",
        "reviews_per_proposal": "3",
        "max_per_reviewer": "3",
    }
    refused = client.post(create, data).content.decode()
    assert "A budget of 80,000 is outside the field&#x27;s usual figures" in refused
    assert "say why this round needs them" in refused
    assert not Round.objects.exists()

    response = client.post(create, data | {"override_reason": "Two funders pooled their money."})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Outside the field's usual figures" in page
    assert "Two funders pooled their money." in page and "Reason given by Alice" in page


def test_over_the_api_the_400_names_each_unusual_setting_and_a_reason_overrides_them(alice, fund):
    # Amounts travel as decimal strings, as the schema says.
    unusual = {name: value if name == "min_partners" else f"{value}.00" for name, value in UNUSUAL.items()}
    data = {"fund": fund.pk, "title": "Wide", "opens_on": "2030-01-01", "closes_on": "2030-02-01", **unusual}

    refused = client_for(alice).post(f"{BASE}/rounds/", data)
    created = client_for(alice).post(f"{BASE}/rounds/", data | {"override_reason": "A pilot with no cap."})

    assert refused.status_code == 400
    assert {e["attr"] for e in refused.json()["errors"]} == {*UNUSUAL, "override_reason"}
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["override_reason"] == "A pilot with no cap." and body["overridden_at"]
    assert set(body["field_warnings"]) == set(UNUSUAL)
    patched = client_for(alice).patch(f"{BASE}/rounds/{body['id']}/", {"title": "Wider"})
    assert patched.status_code == 200 and patched.json()["override_reason"] == "A pilot with no cap."


def test_rounds_within_the_figures_carry_no_warning(alice, fund):
    assert make_round(user=alice, fund=fund).field_warnings() == {}


def test_a_reason_longer_than_the_cap_on_reasons_is_refused(alice, fund):
    with pytest.raises(ValidationError) as caught:
        services.round_create(user=alice, fund=fund, override_reason="x" * 10_001, **round_fields(**UNUSUAL))
    assert set(caught.value.message_dict) == {"override_reason"}

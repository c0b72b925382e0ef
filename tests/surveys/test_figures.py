"""Survey figures against values worked out by hand (the pure functions need no database)."""

import math

import pytest

from surveys import figures, services
from surveys.selectors import campaign_results
from tests.surveys.factories import answers_naming


def test_trust_and_value_received_are_the_means_of_others_ratings_per_indicator():
    names = (
        "trust_reliability",
        "trust_mission",
        "trust_openness",
        "value_power",
        "value_involvement",
        "value_resources",
    )
    ratings = [
        (1, 2, dict(zip(names, (4, 3, 2, 1, 2, 3), strict=True))),
        (3, 2, dict(zip(names, (2, 3, 4, 3, None, 1), strict=True))),
        (2, 1, dict(zip(names, (4, 4, 4, 4, 4, 4), strict=True))),
        (2, 2, dict(zip(names, (1, 1, 1, 1, 1, 1), strict=True))),
    ]

    result = figures.trust_value_received(ratings)

    assert result[2] == {
        "trust_reliability": 3.0, "trust_mission": 3.0, "trust_openness": 3.0,
        "value_power": 2.0, "value_involvement": 2.0, "value_resources": 2.0,
        "trust": 3.0, "value": 2.0, "raters": 2,
    }  # fmt: skip
    assert result[1]["trust"] == 4.0 and result[1]["raters"] == 1
    assert figures.network_trust_value(result) == {"trust": 3.5, "value": 3.0}


def test_reciprocity_is_the_share_of_nominations_named_back():
    assert figures.reciprocity([(1, 2), (3, 2), (2, 1), (4, 1), (4, 1)]) == 0.5
    assert figures.reciprocity([]) is None


def test_a_rater_naming_someone_under_two_questions_counts_once():
    ratings = [
        (1, 2, {"trust_reliability": 4}),
        (1, 2, {"trust_reliability": 2}),
        (3, 2, {"trust_reliability": 1}),
    ]

    assert figures.trust_value_received(ratings)[2]["trust_reliability"] == 2.0


def test_energisers_count_different_people_naming_them():
    assert figures.energiser_nominations([(1, 3), (2, 3), (1, 3), (4, 4)]) == {3: 2}


def test_response_rate_is_submitted_over_invited():
    assert figures.response_rate(invited=5, responded=3) == 0.6
    assert figures.response_rate(invited=0, responded=0) is None


def test_the_health_summary_gives_mean_spread_and_range_per_area():
    summary = figures.health_summary(
        [{"purpose": 4}, {"purpose": 2}, {"purpose": 3}, {"purpose": None}], ["purpose", "mass"]
    )

    assert summary["purpose"]["mean"] == 3.0
    assert math.isclose(summary["purpose"]["sd"], math.sqrt(2 / 3))
    assert (summary["purpose"]["min"], summary["purpose"]["max"], summary["purpose"]["n"]) == (2, 4, 3)
    assert summary["mass"] == {"n": 0, "mean": None, "sd": None, "min": None, "max": None}


@pytest.mark.django_db
def test_a_campaigns_results_equal_the_hand_computed_figures(people, invitations):
    def answer(name, named, submit=True, **ratings):
        invitation = invitations[name]
        services.response_consent(invitation=invitation)
        services.response_save(
            invitation=invitation,
            answers=answers_naming(
                invitation.campaign, named, health={"purpose": ratings.pop("purpose", None)}, **ratings
            ),
            submit=submit,
        )

    trust = lambda n: dict(trust_reliability=n, trust_mission=n, trust_openness=n)  # noqa: E731
    value = lambda n: dict(value_power=n, value_involvement=n, value_resources=n)  # noqa: E731
    answer("Ana", {"work": [people["Ben"]], "energy": [people["Ben"]]}, **trust(4), **value(2), purpose=4)
    answer("Chen", {"work": [people["Ben"]]}, **trust(3), **value(4), purpose=2)
    answer("Ben", {"work": [people["Ana"]]}, **trust(3), **value(1))
    answer("Dee", {"work": [people["Ana"]]}, **trust(1), **value(1), submit=False)  # not submitted: left out

    results = campaign_results(campaign=invitations["Ana"].campaign, with_members=True)

    assert (results["invited"], results["responded"], results["response_rate"]) == (5, 3, 0.6)
    # People named (any question): Ana -> Ben, Chen -> Ben, Ben -> Ana; 2 of the 3 are named back.
    assert results["reciprocity"] == pytest.approx(2 / 3)
    members = {row["name"]: row for row in results["members"]}
    assert (members["Ben"]["trust"], members["Ben"]["value"], members["Ben"]["raters"]) == (3.5, 3.0, 2)
    assert (members["Ana"]["trust"], members["Ana"]["value"]) == (3.0, 1.0)
    assert members["Ben"]["energiser_nominations"] == 1
    assert (results["average_trust"], results["average_value"]) == (3.25, 2.0)
    assert results["health"]["purpose"] == {"n": 2, "mean": 3.0, "sd": 1.0, "min": 2, "max": 4}


def test_changes_between_campaigns_are_newer_minus_older():
    older = {"response_rate": 0.5, "reciprocity": None, "average_trust": 2.5, "average_value": 3.0}
    older["health"] = {"purpose": {"mean": 3.0}}
    newer = {"response_rate": 0.75, "reciprocity": 0.4, "average_trust": 3.0, "average_value": 2.5}
    newer["health"] = {"purpose": {"mean": 3.5}, "mass": {"mean": None}}

    assert figures.changes(older, newer) == {
        "response_rate": 0.25,
        "reciprocity": None,
        "average_trust": 0.5,
        "average_value": -0.5,
        "health_purpose": 0.5,
        "health_mass": None,
    }


@pytest.mark.django_db
def test_a_second_campaigns_page_shows_what_moved_since_the_first(
    client, alice, network, people, invitations
):
    from django.utils import timezone

    from tests.surveys.factories import open_campaign

    spring = invitations["Ana"].campaign
    services.response_consent(invitation=invitations["Ana"])
    services.response_save(
        invitation=invitations["Ana"], answers=answers_naming(spring, {"work": [people["Ben"]]}), submit=True
    )
    autumn = open_campaign(network=network, user=alice, title="Autumn", opens_at=timezone.now())
    ana, ben = services.invitations_create(
        user=alice, campaign=autumn, members=[people["Ana"], people["Ben"]]
    )
    for invitation in (ana, ben):
        services.response_consent(invitation=invitation)
        services.response_save(
            invitation=invitation, answers=answers_naming(autumn, {"work": []}), submit=True
        )
    client.force_login(alice)

    page = client.get(autumn.get_absolute_url()).content.decode()

    assert "Changes are since “Who works with whom, spring”" in page
    assert "(+80 points)" in page  # response rate 20 % -> 100 %

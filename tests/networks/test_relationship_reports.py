"""Ties members report themselves (networks.services.relationship_reports_set), without the surveys app."""

import pytest
from django.core.exceptions import ValidationError

from networks import services
from networks.models import Relationship
from tests.factories import MemberFactory

KEY = "survey:1"


def report(network, reporter, named, kind="works with"):
    return services.relationship_reports_set(
        user=None, network=network, key=KEY, detail="Spring survey", reporter=reporter, kind=kind, named=named
    )


@pytest.mark.django_db
def test_a_report_creates_a_reported_survey_tie_and_the_other_sides_report_confirms_it(network):
    ana, ben = MemberFactory(network=network), MemberFactory(network=network)

    change = report(network, ana, {ben.pk: 4})
    tie = Relationship.objects.get()
    assert change.created == [tie]
    assert (tie.provenance, tie.provenance_key, tie.confirmation, tie.strength) == (
        "survey",
        KEY,
        "reported",
        4,
    )

    report(network, ben, {ana.pk: 2})

    tie.refresh_from_db()
    assert (tie.confirmation, tie.strength) == ("confirmed", 4)
    assert Relationship.objects.count() == 1


@pytest.mark.django_db
def test_a_survey_tie_nobody_reports_any_more_is_deleted_with_its_history(network):
    ana, ben = MemberFactory(network=network), MemberFactory(network=network)
    report(network, ana, {ben.pk: 3})
    pk = Relationship.objects.get().pk

    change = report(network, ana, {})

    assert change.removed == 1
    assert not Relationship.objects.exists()
    assert not Relationship.history.filter(id=pk).exists()


@pytest.mark.django_db
def test_a_reported_tie_that_was_entered_by_hand_stays_when_its_report_goes(network):
    ana, ben = MemberFactory(network=network), MemberFactory(network=network)
    manual = services.relationship_add(user=None, network=network, source=ben, target=ana, kind="works with")
    report(network, ana, {ben.pk: 5})
    manual.refresh_from_db()
    assert (manual.confirmation, manual.strength) == ("reported", 3)

    report(network, ana, {})

    manual.refresh_from_db()
    assert manual.is_active and manual.confirmation == ""


@pytest.mark.django_db
def test_reports_of_oneself_strangers_and_bad_strengths_are_refused(network, other_network):
    ana, ben = MemberFactory(network=network), MemberFactory(network=network)
    stranger = MemberFactory(network=other_network)

    for named in ({ana.pk: 3}, {stranger.pk: 3}, {ben.pk: 6}):
        with pytest.raises(ValidationError):
            report(network, ana, named)

    assert not Relationship.objects.exists()

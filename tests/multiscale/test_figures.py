"""Per-scale figures on a meta-network of three small local networks, against values worked by hand.

North: ann, bea, cal, dan (4 people), ties ann-bea, bea-cal, cal-dan  -> density 3/6 = 0.5
South: bea, dan, eve (3 people), ties bea-dan, dan-eve               -> density 2/3
East (figures only): 5 members, 4 ties; its people are never compared -> density 4/10 = 0.4
North and South share bea and dan (2 people) and the Clinic (1 organisation).
"""

import pytest

from multiscale.figures import LocalFigures, across, between, crossers, density, meta_map, within

NORTH = LocalFigures(
    "north", 4, 3, frozenset({"ann@x", "bea@x", "cal@x", "dan@x"}), frozenset({"clinic", "school"})
)
SOUTH = LocalFigures("south", 3, 2, frozenset({"bea@x", "dan@x", "eve@x"}), frozenset({"clinic"}))
EAST = LocalFigures("east", 5, 4)


def test_density_is_the_share_of_possible_ties():
    assert density(4, 3) == 0.5
    assert density(1, 0) == 0.0
    assert within(SOUTH) == {"network": "south", "members": 3, "ties": 2, "density": round(2 / 3, 6)}
    assert within(EAST)["density"] == 0.4


def test_two_people_sharing_networks_count_the_people_and_organisations_they_share():
    assert between(NORTH, SOUTH) == {
        "a": "north",
        "b": "south",
        "shared_people": 2,
        "shared_organisations": 1,
    }


def test_a_figures_only_network_is_never_compared_by_name():
    assert between(NORTH, EAST) == {
        "a": "north",
        "b": "east",
        "shared_people": None,
        "shared_organisations": None,
    }


def test_scale_crossers_are_the_keys_in_two_or_more_networks():
    assert crossers({"north": NORTH.people, "south": SOUTH.people, "east": None}) == {
        "bea@x": ["north", "south"],
        "dan@x": ["north", "south"],
    }


def test_figures_across_the_meta_network_add_up_the_local_ones():
    assert across([NORTH, SOUTH, EAST]) == {
        "networks": 3,
        "members": 12,
        "ties": 9,
        "networks_sharing_people": 2,
        "networks_sharing_organisations": 2,
        "distinct_people": 5,
        "scale_crossing_people": 2,
        "scale_crossing_organisations": 1,
        "crossing_share": 0.4,
    }


def test_the_meta_map_ties_only_networks_that_share_someone():
    result = meta_map([NORTH, SOUTH, EAST])
    assert [node["network"] for node in result["nodes"]] == ["north", "south", "east"]
    assert result["ties"] == [{"a": "north", "b": "south", "shared_people": 2, "shared_organisations": 1}]


@pytest.mark.parametrize("members", [0, 1])
def test_a_network_of_one_or_none_has_no_density(members):
    assert density(members, 0) == 0.0

"""Survey figures as pure functions (no Django): plain tuples and dicts in, plain numbers out.

Trust and value follow PARTNER CPRM: a member's score on an indicator is the mean of the ratings
others gave them on it (1-4); their trust (value) score is the mean of their three trust (value)
indicator scores; the network's average trust (value) is the mean of its rated members' scores.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from statistics import fmean, pstdev

TRUST = ("trust_reliability", "trust_mission", "trust_openness")
VALUE = ("value_power", "value_involvement", "value_resources")


def _mean(values: list[float]) -> float | None:
    return fmean(values) if values else None


def response_rate(*, invited: int, responded: int) -> float | None:
    """Share of invitees who submitted, or None when nobody was invited."""
    return responded / invited if invited else None


def trust_value_received(ratings: Iterable[tuple[int, int, Mapping[str, int | None]]]) -> dict[int, dict]:
    """Per rated member: each indicator's mean of the ratings others gave, `trust`, `value` and `raters`.

    `ratings` are (rater, rated, {indicator: 1-4 or None}). Someone rating the same person under two
    questions counts once (the mean of their ratings), so every rater weighs the same; ratings of
    oneself and blank indicators are ignored.
    """
    given: dict[int, dict[str, dict[int, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for rater, rated, scores in ratings:
        if rater == rated:
            continue
        for indicator in TRUST + VALUE:
            score = scores.get(indicator)
            if score is not None:
                given[rated][indicator][rater].append(score)
    result = {}
    for rated, by_indicator in given.items():
        row: dict = {
            indicator: _mean([fmean(scores) for scores in by_indicator[indicator].values()])
            for indicator in TRUST + VALUE
        }
        row["trust"] = _mean([row[i] for i in TRUST if row[i] is not None])
        row["value"] = _mean([row[i] for i in VALUE if row[i] is not None])
        row["raters"] = len({rater for by_rater in by_indicator.values() for rater in by_rater})
        result[rated] = row
    return result


def network_trust_value(per_member: Mapping[int, Mapping]) -> dict[str, float | None]:
    """The network's average trust and value: the mean of its rated members' scores."""
    return {
        "trust": _mean([row["trust"] for row in per_member.values() if row.get("trust") is not None]),
        "value": _mean([row["value"] for row in per_member.values() if row.get("value") is not None]),
    }


def energiser_nominations(pairs: Iterable[tuple[int, int]]) -> Counter:
    """How many different people named each member in answer to "who gives you energy?"."""
    return Counter(rated for rater, rated in set(pairs) if rater != rated)


def reciprocity(pairs: Iterable[tuple[int, int]]) -> float | None:
    """Share of nominations (a names b) answered by the other side (b names a); None with none."""
    named = {(a, b) for a, b in pairs if a != b}
    if not named:
        return None
    return sum(1 for a, b in named if (b, a) in named) / len(named)


def health_summary(answers: Iterable[Mapping[str, int | None]], areas: Iterable[str]) -> dict[str, dict]:
    """Per area of the self-assessment: answers `n`, `mean`, spread as `sd` (population), `min`, `max`."""
    answers = list(answers)
    summary = {}
    for area in areas:
        scores = [row[area] for row in answers if row.get(area) is not None]
        summary[area] = {
            "n": len(scores),
            "mean": _mean(scores),
            "sd": pstdev(scores) if scores else None,
            "min": min(scores) if scores else None,
            "max": max(scores) if scores else None,
        }
    return summary


def changes(older: Mapping, newer: Mapping) -> dict[str, float | None]:
    """What moved between two campaigns' figures: newer minus older for each headline figure and each
    health area's mean (None where either campaign has no value)."""

    def delta(a, b):
        return None if a is None or b is None else b - a

    moved = {
        key: delta(older.get(key), newer.get(key))
        for key in ("response_rate", "reciprocity", "average_trust", "average_value")
    }
    for area, row in newer.get("health", {}).items():
        moved[f"health_{area}"] = delta(older.get("health", {}).get(area, {}).get("mean"), row.get("mean"))
    return moved

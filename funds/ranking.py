"""Ranking and portfolio maths as pure functions (no Django): review scores in, plain numbers out.

The adjusted score, in plain words
----------------------------------
Some reviewers mark generously and some harshly. When each volunteer reads only 2–3 proposals, a
proposal's raw average depends partly on who happened to read it. We model every review score as

    score = overall average + proposal quality + reviewer leniency + noise

and estimate quality and leniency together from all the reviews of the round. With so few reviews per
reviewer, a reviewer's leniency is uncertain, so it is *shrunk* towards zero: a reviewer must mark
consistently high (or low) across several proposals before we correct for it much. Quality is shrunk a
little towards the average too, so a proposal with one glowing review does not jump over one with five
good ones. Technically this is ridge regression (a Bayesian linear model with normal priors):

    minimise  Σ (y − μ − q_p − b_r)²  +  λ_q Σ q_p²  +  λ_b Σ b_r²

solved exactly with linear algebra. λ = noise variance / prior variance: with noise ≈ 0.7 points,
leniency typically within ±0.5 and quality spread ≈ 1 point on the 1–5 scale, λ_b ≈ 2 and λ_q ≈ 0.5.
The adjusted score is μ + q_p; its band is ± 1.96 posterior standard deviations (a 95% range),
wider for proposals with few reviews or with reviewers we know little about, cut to the 1–5 scale
(no proposal can be better than all fives).
"""

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np

Id = Hashable

BIAS_PRIOR = 2.0
QUALITY_PRIOR = 0.5
NOISE_FLOOR = 0.5
BAND_Z = 1.96
SCALE = (1.0, 5.0)


def weighted_mean(scores: Mapping[Id, int | float], weights: Mapping[Id, float]) -> float | None:
    """One review's score: its criterion scores averaged with the rubric's weights."""
    total = sum(float(weights[c]) for c in scores)
    if not total:
        return None
    return sum(float(weights[c]) * float(s) for c, s in scores.items()) / total


@dataclass
class ProposalScore:
    proposal: Id
    reviews: int
    mean: float | None
    spread: float | None  # highest minus lowest review
    adjusted: float | None
    low: float | None
    high: float | None
    rank: int | None = None


@dataclass
class ReviewerLeniency:
    reviewer: Id
    reviews: int
    leniency: float  # points added (+) or taken off (−) compared with an average reviewer, after shrinkage


@dataclass
class Ranking:
    proposals: list[ProposalScore]
    reviewers: list[ReviewerLeniency]
    overall_mean: float | None
    noise_sd: float | None


def rank_proposals(
    reviews: Iterable[tuple[Id, Id, float]],
    *,
    proposals: Sequence[Id] = (),
    bias_prior: float = BIAS_PRIOR,
    quality_prior: float = QUALITY_PRIOR,
    noise_floor: float = NOISE_FLOOR,
    z: float = BAND_Z,
) -> Ranking:
    """Rank proposals from (proposal, reviewer, review score) triples; unreviewed proposals come last."""
    rows = [(p, rv, float(y)) for p, rv, y in reviews if y is not None]
    proposal_ids = list(dict.fromkeys([*proposals, *(p for p, _, _ in rows)]))
    reviewer_ids = list(dict.fromkeys(rv for _, rv, _ in rows))
    by_proposal: dict[Id, list[float]] = {p: [] for p in proposal_ids}
    for p, _, y in rows:
        by_proposal[p].append(y)

    if not rows:
        return Ranking(
            proposals=[ProposalScore(p, 0, None, None, None, None, None) for p in proposal_ids],
            reviewers=[],
            overall_mean=None,
            noise_sd=None,
        )

    n_p, n_r = len(proposal_ids), len(reviewer_ids)
    p_index = {p: i for i, p in enumerate(proposal_ids)}
    r_index = {rv: n_p + i for i, rv in enumerate(reviewer_ids)}
    y = np.array([row[2] for row in rows])
    mu = float(y.mean())
    x = np.zeros((len(rows), n_p + n_r))
    for i, (p, rv, _) in enumerate(rows):
        x[i, p_index[p]] = 1.0
        x[i, r_index[rv]] = 1.0
    penalty = np.diag([quality_prior] * n_p + [bias_prior] * n_r)
    precision = x.T @ x + penalty
    beta = np.linalg.solve(precision, x.T @ (y - mu))
    residuals = y - mu - x @ beta
    dof = max(len(rows) - n_p, 1)
    noise_var = max(float(residuals @ residuals) / dof, noise_floor**2)
    covariance = noise_var * np.linalg.inv(precision)

    scores = []
    for p in proposal_ids:
        values = by_proposal[p]
        if not values:
            scores.append(ProposalScore(p, 0, None, None, None, None, None))
            continue
        i = p_index[p]
        adjusted = mu + float(beta[i])
        half = z * math.sqrt(float(covariance[i, i]))
        scores.append(
            ProposalScore(
                proposal=p,
                reviews=len(values),
                mean=sum(values) / len(values),
                spread=max(values) - min(values),
                adjusted=adjusted,
                low=max(SCALE[0], adjusted - half),
                high=min(SCALE[1], adjusted + half),
            )
        )
    scored = sorted(
        (s for s in scores if s.adjusted is not None),
        key=lambda s: (-s.adjusted, -s.reviews, repr(s.proposal)),
    )
    for position, s in enumerate(scored, start=1):
        s.rank = position
    unscored = [s for s in scores if s.adjusted is None]
    reviewer_counts = {rv: 0 for rv in reviewer_ids}
    for _, rv, _ in rows:
        reviewer_counts[rv] += 1
    return Ranking(
        proposals=scored + unscored,
        reviewers=[
            ReviewerLeniency(rv, reviewer_counts[rv], float(beta[r_index[rv]])) for rv in reviewer_ids
        ],
        overall_mean=mu,
        noise_sd=math.sqrt(noise_var),
    )


@dataclass
class Portfolio:
    funded: list[Id]
    left_out: list[Id]
    total_amount: Decimal
    total_score: float
    remaining: Decimal


def _portfolio(items, chosen: set, budget: Decimal) -> Portfolio:
    funded = [i for i, _, _ in items if i in chosen]
    total = sum((Decimal(a) for i, a, _ in items if i in chosen), Decimal("0"))
    return Portfolio(
        funded=funded,
        left_out=[i for i, _, _ in items if i not in chosen],
        total_amount=total,
        total_score=sum(float(s) for i, _, s in items if i in chosen),
        remaining=Decimal(budget) - total,
    )


def portfolio_rank_order(items: Sequence[tuple[Id, Decimal, float]], budget: Decimal) -> Portfolio:
    """Go down the ranking funding each proposal that still fits, skipping those that no longer do."""
    ordered = sorted(items, key=lambda it: (-float(it[2]), repr(it[0])))
    left = Decimal(budget)
    chosen = set()
    for pid, amount, _ in ordered:
        if Decimal(amount) <= left:
            chosen.add(pid)
            left -= Decimal(amount)
    return _portfolio(ordered, chosen, budget)


def portfolio_knapsack(items: Sequence[tuple[Id, Decimal, float]], budget: Decimal) -> Portfolio:
    """The set with the highest total score within budget: exact 0/1 knapsack by dynamic programming.

    Money is counted in cents divided by the greatest common divisor of the amounts, so every amount is
    a whole number of units; the budget is rounded down to whole units, which loses nothing because any
    sum of whole units that fits the budget fits its rounded-down part. Scores count in thousandths.
    """
    ordered = sorted(items, key=lambda it: (-float(it[2]), repr(it[0])))
    budget_cents = int((Decimal(budget) * 100).to_integral_value(ROUND_FLOOR)) if budget > 0 else 0
    # Only positive scores can raise the total; what costs more than the whole budget never fits.
    candidates = [
        (pid, cents, round(float(s) * 1000))
        for pid, a, s in ordered
        if s is not None and float(s) > 0 and 0 < (cents := _cents(a)) <= budget_cents
    ]
    chosen = set()
    if candidates:
        unit = math.gcd(*(cents for _, cents, _ in candidates))
        weights = np.array([cents // unit for _, cents, _ in candidates], dtype=np.int64)
        values = np.array([value for _, _, value in candidates], dtype=np.int64)
        # More room than everything together needs changes nothing, so the table stays small.
        capacity = int(min(budget_cents // unit, weights.sum()))
        best = np.zeros(capacity + 1, dtype=np.int64)  # best[c]: highest total within c units
        keep = np.zeros((len(candidates), capacity + 1), dtype=bool)
        for i, (weight, value) in enumerate(zip(weights.tolist(), values.tolist(), strict=True)):
            with_item = best[: capacity + 1 - weight] + value
            better = with_item > best[weight:]
            keep[i, weight:] = better
            best[weight:] = np.where(better, with_item, best[weight:])
        c = capacity
        for i in range(len(candidates) - 1, -1, -1):
            if keep[i, c]:
                chosen.add(candidates[i][0])
                c -= int(weights[i])
    return _portfolio(ordered, chosen, budget)


def _cents(amount) -> int:
    return int((Decimal(amount) * 100).to_integral_value(ROUND_CEILING))

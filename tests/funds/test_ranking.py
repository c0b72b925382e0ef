"""Ranking and portfolio maths on examples small enough to work out by hand."""

import itertools
import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funds.ranking import portfolio_knapsack, portfolio_rank_order, rank_proposals, weighted_mean


def test_a_review_score_is_the_weighted_mean_of_its_criteria():
    # Collaboration weighs 2 and scored 5; newness weighs 1 and scored 2: (2·5 + 1·2) / 3 = 4.
    assert weighted_mean({"collab": 5, "new": 2}, {"collab": 2, "new": 1}) == pytest.approx(4.0)


def test_ranking_by_hand_two_reviewers_two_proposals():
    # A marks one point higher than B on both proposals. μ = 3.5. By symmetry q1 = −q2 = q, bA = −bB = b:
    #   q = ((5 − 3.5 − b) + (3 − 3.5 + b)) / (2 + λq) = 1 / 2.5 = 0.4
    #   b = ((5 − 3.5 − q) + (4 − 3.5 + q)) / (2 + λb) = 2 / 4 = 0.5
    # Residuals ±0.6, ±0.4 → RSS 1.04 over 4 − 2 = 2 degrees of freedom → σ² = 0.52.
    # Posterior variance of q1 = σ² · [(XᵀX + Λ)⁻¹]₁₁ = 0.52 · 2/3.75 → half-band 1.96 · √0.27733 = 1.0322.
    result = rank_proposals([("P1", "A", 5), ("P2", "A", 4), ("P1", "B", 3), ("P2", "B", 2)])
    p1, p2 = result.proposals
    assert (p1.proposal, p1.rank, p2.proposal, p2.rank) == ("P1", 1, "P2", 2)
    assert (p1.mean, p1.reviews, p1.spread) == (4.0, 2, 2.0)
    assert p1.adjusted == pytest.approx(3.9)
    assert p2.adjusted == pytest.approx(3.1)
    assert p1.high - p1.adjusted == pytest.approx(1.96 * math.sqrt(0.52 * 2 / 3.75))
    assert {r.reviewer: r.leniency for r in result.reviewers} == pytest.approx({"A": 0.5, "B": -0.5})
    assert result.noise_sd == pytest.approx(math.sqrt(0.52))


def test_a_proposal_read_by_a_harsh_reviewer_moves_up_once_leniency_is_accounted_for():
    # Lenient L gives 5s and harsh H 2s to the same three proposals, which M rates 3–4: L is about a point
    # high and H a point low. Y is read by L and M, Z by H and M; M prefers Z. Raw means put Y first
    # (4.0 against 3.5); once leniency is allowed for, Z comes first.
    reviews = [
        ("X", "L", 5), ("X", "M", 4), ("X", "H", 2),
        ("W", "L", 5), ("W", "M", 3), ("W", "H", 2),
        ("V", "L", 5), ("V", "M", 4), ("V", "H", 2),
        ("Y", "L", 5), ("Y", "M", 3),
        ("Z", "H", 2), ("Z", "M", 5),
    ]  # fmt: skip
    result = rank_proposals(reviews)
    by = {s.proposal: s for s in result.proposals}
    assert by["Y"].mean > by["Z"].mean
    assert by["Z"].adjusted > by["Y"].adjusted
    leniency = {r.reviewer: r.leniency for r in result.reviewers}
    assert leniency["L"] > 0 > leniency["H"]


def test_the_fit_satisfies_the_ridge_normal_equations():
    reviews = [("X", "a", 5), ("X", "b", 3), ("Y", "b", 4), ("Y", "c", 2), ("Z", "a", 4)]
    result = rank_proposals(reviews, quality_prior=0.5, bias_prior=2.0)
    mu = result.overall_mean
    q = {s.proposal: s.adjusted - mu for s in result.proposals}
    b = {r.reviewer: r.leniency for r in result.reviewers}
    residual = {(p, rv): y - mu - q[p] - b[rv] for p, rv, y in reviews}
    for p in q:
        assert sum(v for (pp, _), v in residual.items() if pp == p) == pytest.approx(0.5 * q[p])
    for rv in b:
        assert sum(v for (_, rr), v in residual.items() if rr == rv) == pytest.approx(2.0 * b[rv])


def test_fewer_reviews_mean_a_wider_band():
    result = rank_proposals([("A", "r1", 4), ("A", "r2", 4), ("A", "r3", 4), ("B", "r1", 4)])
    width = {s.proposal: s.high - s.low for s in result.proposals}
    assert width["B"] > width["A"]


def test_unreviewed_proposals_are_listed_last_without_a_score():
    result = rank_proposals([("A", "r1", 4)], proposals=["B", "A"])
    assert [s.proposal for s in result.proposals] == ["A", "B"]
    assert result.proposals[1].adjusted is None and result.proposals[1].reviews == 0
    assert np.isfinite(result.proposals[0].low)


ITEMS = [("A", Decimal("6000"), 4.5), ("B", Decimal("5000"), 4.0), ("C", Decimal("5000"), 3.9)]


def test_rank_order_funds_the_top_proposal_and_skips_what_no_longer_fits():
    # 10,000 left: A (6,000) fits, then B and C (5,000 each) no longer do.
    result = portfolio_rank_order(ITEMS, Decimal("10000"))
    assert result.funded == ["A"]
    assert result.left_out == ["B", "C"]
    assert result.total_amount == Decimal("6000")
    assert result.remaining == Decimal("4000")
    assert result.total_score == pytest.approx(4.5)


def test_knapsack_finds_the_better_total_that_rank_order_misses():
    # B + C cost exactly 10,000 and score 7.9 in total, more than A alone (4.5).
    result = portfolio_knapsack(ITEMS, Decimal("10000"))
    assert result.funded == ["B", "C"]
    assert result.left_out == ["A"]
    assert result.total_amount == Decimal("10000")
    assert result.total_score == pytest.approx(7.9)


def test_rank_order_continues_past_a_skipped_proposal():
    items = [("A", Decimal("6000"), 5), ("B", Decimal("5000"), 4), ("C", Decimal("2000"), 3)]
    assert portfolio_rank_order(items, Decimal("9000")).funded == ["A", "C"]


def test_knapsack_is_exact_with_amounts_off_the_50_dollar_grid():
    # Counted in $50 units rounded up, A and B would cost 61 units each against 121 in the budget.
    items = [("A", Decimal("3025"), 4), ("B", Decimal("3025"), 4), ("C", Decimal("3000"), 1)]
    result = portfolio_knapsack(items, Decimal("6050"))
    assert result.funded == ["A", "B"] and result.total_amount == Decimal("6050")
    assert result.total_score >= portfolio_rank_order(items, Decimal("6050")).total_score
    assert portfolio_knapsack(items, Decimal("6049.99")).funded == ["A", "C"]


def test_knapsack_counts_cents_exactly():
    items = [("A", Decimal("1000.01"), 3), ("B", Decimal("999.99"), 3), ("C", Decimal("1500"), 5)]
    assert portfolio_knapsack(items, Decimal("2000")).funded == ["A", "B"]
    assert portfolio_knapsack(items, Decimal("1999.99")).funded == ["C"]


def _best_by_brute_force(items, budget) -> float:
    best = 0.0
    for size in range(len(items) + 1):
        for subset in itertools.combinations(items, size):
            if sum(a for _, a, _ in subset) <= budget:
                best = max(best, sum(s for _, _, s in subset))
    return best


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=8),
    scores=st.lists(st.integers(min_value=0, max_value=500), min_size=8, max_size=8),
    unit=st.sampled_from([Decimal("1"), Decimal("25"), Decimal("0.01"), Decimal("7")]),
    budget=st.integers(min_value=0, max_value=1600),
)
def test_knapsack_scores_as_well_as_every_subset_and_never_worse_than_rank_order(
    amounts, scores, unit, budget
):
    items = [
        (f"P{i}", amount * unit, score / 100)
        for i, (amount, score) in enumerate(zip(amounts, scores, strict=False))
    ]
    money = budget * unit
    result = portfolio_knapsack(items, money)
    assert result.total_amount <= money
    assert result.total_score == pytest.approx(_best_by_brute_force(items, money))
    assert result.total_score >= portfolio_rank_order(items, money).total_score - 1e-9


def test_knapsack_with_nothing_affordable_funds_nothing():
    result = portfolio_knapsack(ITEMS, Decimal("1000"))
    assert result.funded == [] and result.remaining == Decimal("1000")


def test_the_likely_range_stays_on_the_one_to_five_scale():
    result = rank_proposals([("top", "r1", 5), ("top", "r2", 5), ("low", "r3", 1), ("low", "r4", 1)])
    for s in result.proposals:
        assert 1.0 <= s.low <= s.adjusted <= s.high <= 5.0

"""The lot signal: lots of a drug whose reaction rate is well above the drug's other lots (SPEC §7).

A recall or a bad batch shows up here first. For each lot, the infusions with a reaction are tested
against the rate of the same drug's other lots in the same range: a one-sided exact binomial test
(is this lot's count higher than that rate would give by chance?), flagged at p < 0.01 with at
least 3 infusions with a reaction, so one or two unlucky infusions never raise it.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .reports import per_100

SIGNIFICANCE = 0.01
MIN_WITH_REACTION = 3
# A sum of terms that fall at least as fast as a geometric series stops once what is left cannot
# change it by more than this (relative) amount.
_NEGLIGIBLE = 1e-16


@dataclass(frozen=True)
class LotCounts:
    """One lot of one drug over the report's range (sessions without a lot number are no lot)."""

    drug: str
    lot: str
    infusions: int
    infusions_with_reaction: int


@dataclass(frozen=True)
class LotSignal:
    drug: str
    lot: str
    infusions: int
    infusions_with_reaction: int
    other_lots: int
    other_infusions: int
    other_infusions_with_reaction: int
    p_value: float

    @property
    def reaction_rate(self) -> Decimal:
        return per_100(self.infusions_with_reaction, self.infusions)

    @property
    def other_reaction_rate(self) -> Decimal:
        return per_100(self.other_infusions_with_reaction, self.other_infusions)

    def to_dict(self) -> dict:
        return {"drug": self.drug, "lot": self.lot, "infusions": self.infusions,
                "infusions_with_reaction": self.infusions_with_reaction,
                "reaction_rate": float(self.reaction_rate), "other_lots": self.other_lots,
                "other_infusions": self.other_infusions,
                "other_infusions_with_reaction": self.other_infusions_with_reaction,
                "other_reaction_rate": float(self.other_reaction_rate), "p_value": self.p_value}


def _log_pmf(n: int, k: int, p: float) -> float:
    return math.log(math.comb(n, k)) + k * math.log(p) + (n - k) * math.log1p(-p)


def _sum_outward(n: int, start: int, p: float, step: int) -> float:
    """Sum the binomial probabilities from `start` outward (step +1 or -1) to the end of the range.

    `start` lies on the far side of the mode, so each term is smaller than the one before, and by a
    ratio that only shrinks (the binomial is log-concave): the rest of the sum after a term is at
    most term × r / (1 − r), which says when to stop. Terms are kept relative to the first, whose
    logarithm comes from the exact binomial coefficient (math.comb), so none underflows on the way.
    """
    odds = p / (1 - p)
    total, term, k = 0.0, 1.0, start
    while 0 <= k <= n:
        total += term
        ratio = (n - k) / (k + 1) * odds if step > 0 else k / (n - k + 1) / odds
        if ratio < 1 and term * ratio / (1 - ratio) <= total * _NEGLIGIBLE:
            break
        term *= ratio
        k += step
    return math.exp(_log_pmf(n, start, p) + math.log(total))


def binomial_tail(n: int, x: int, p: float) -> float:
    """P(X ≥ x) for X ~ Binomial(n, p): the exact distribution, summed term by term (no approximation)."""
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    if x <= 0:
        return 1.0
    if x > n or p == 0:
        return 0.0
    if p == 1:
        return 1.0
    if x > n * p:  # above the mean: the upper tail is small, sum it directly
        return min(1.0, _sum_outward(n, x, p, +1))
    return max(0.0, 1.0 - _sum_outward(n, x - 1, p, -1))  # at or below it: one minus the lower tail


def lot_signals(lots: Iterable[LotCounts]) -> tuple[LotSignal, ...]:
    """The lots whose infusions with a reaction are well above the rate of the drug's other lots
    (one-sided exact binomial test, p < 0.01, at least 3), strongest first."""
    by_drug: dict[str, list[LotCounts]] = {}
    for lot in lots:
        by_drug.setdefault(lot.drug, []).append(lot)
    signals = []
    for drug, drug_lots in by_drug.items():
        infusions = sum(lot.infusions for lot in drug_lots)
        with_reaction = sum(lot.infusions_with_reaction for lot in drug_lots)
        for lot in drug_lots:
            other_infusions = infusions - lot.infusions
            other_with_reaction = with_reaction - lot.infusions_with_reaction
            if lot.infusions_with_reaction < MIN_WITH_REACTION or other_infusions == 0:
                continue  # too few to say anything, or no other lot to compare with
            p_value = binomial_tail(lot.infusions, lot.infusions_with_reaction, other_with_reaction / other_infusions)
            if p_value < SIGNIFICANCE:
                signals.append(LotSignal(drug, lot.lot, lot.infusions, lot.infusions_with_reaction,
                                         len(drug_lots) - 1, other_infusions, other_with_reaction, p_value))
    return tuple(sorted(signals, key=lambda s: (s.p_value, s.drug, s.lot)))

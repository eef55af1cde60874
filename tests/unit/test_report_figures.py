"""The reaction report's pure parts: grades, periods, spreadsheet-safe cells, the lot signal (SPEC §7)."""
from datetime import date
from decimal import Decimal
from fractions import Fraction
from math import comb

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clinic.domain.lot_signal import LotCounts, binomial_tail, lot_signals
from clinic.domain.reports import (
    ReactionReport, ReportRow, by_grade, period_kind, periods, spreadsheet_safe,
)


def exact_tail(n, x, p):
    """P(X ≥ x), X ~ Binomial(n, p), in exact fractions: the reference the float sum must match."""
    p = Fraction(p)
    return sum(comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(max(x, 0), n + 1))


def test_by_grade_lists_every_grade_with_zeros():
    assert [(g.grade, g.count) for g in by_grade([(3, 2), (1, 4), (3, 1)])] == [(1, 4), (2, 0), (3, 3), (4, 0),
                                                                               (5, 0)]


@pytest.mark.parametrize("date_from, date_to, kind", [
    (date(2026, 1, 1), date(2026, 2, 1), "day"),     # 31 days
    (date(2026, 1, 1), date(2026, 2, 2), "week"),    # 32
    (date(2025, 1, 1), date(2026, 1, 2), "week"),    # 366
    (date(2025, 1, 1), date(2026, 1, 3), "month"),   # 367
])
def test_period_kind_at_its_edges(date_from, date_to, kind):
    assert period_kind(date_from, date_to) == kind


def test_days_without_infusions_are_zeros():
    points = periods(date(2026, 3, 1), date(2026, 3, 5), {date(2026, 3, 2): (4, 1), date(2026, 3, 5): (2, 0)})
    assert [(p.period_start.day, p.infusions, p.infusions_with_reaction) for p in points] == [
        (1, 0, 0), (2, 4, 1), (3, 0, 0), (4, 0, 0), (5, 2, 0)]
    assert all(p.first_day == p.last_day == p.period_start for p in points)


def test_weeks_and_months_cover_the_range_and_are_clipped_to_it():
    weeks = periods(date(2026, 3, 4), date(2026, 4, 15), {})  # a Wednesday to a Wednesday
    assert weeks[0].period_start == date(2026, 3, 2) and weeks[0].first_day == date(2026, 3, 4)
    assert weeks[-1].period_start == date(2026, 4, 13) and weeks[-1].last_day == date(2026, 4, 15)
    assert len(weeks) == 7 and all(p.infusions == 0 for p in weeks)
    months = periods(date(2025, 1, 31), date(2026, 2, 10), {date(2025, 2, 1): (3, 1)})
    assert [p.period_start for p in months[:3]] == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert months[0].first_day == date(2025, 1, 31) and months[1].last_day == date(2025, 2, 28)
    assert months[-1].last_day == date(2026, 2, 10) and len(months) == 14 and months[1].infusions == 3


@pytest.mark.parametrize("cell, expected", [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'), ("+1+2", "'+1+2"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("LOT-7", "LOT-7"), ("A=1", "A=1"), ("", ""), (12, 12), (Decimal("33.3"), Decimal("33.3")),
])
def test_spreadsheet_safe(cell, expected):
    assert spreadsheet_safe(cell) == expected


def test_every_csv_cell_is_spreadsheet_safe():
    row = ReportRow('=HYPERLINK("http://x")', '@label', 1, 0, 0, 0)
    report = ReactionReport(date(2026, 1, 1), date(2026, 1, 2), None, row, (row,), (), by_grade([]), (), (row,),
                            periods(date(2026, 1, 1), date(2026, 1, 2), {}))
    cells = [c for r in report.csv_rows() for c in r if isinstance(c, str)]
    assert '\'=HYPERLINK("http://x")' in cells and "'@label" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert ["grade", 3, "Grade 3", "", "", "", 0, "", ""] in list(report.csv_rows())


@pytest.mark.parametrize("n, x, p", [
    (10, 4, Fraction(1, 10)), (10, 5, Fraction(1, 10)), (20, 3, Fraction(1, 20)), (3, 3, Fraction(1, 12)),
    (40, 10, Fraction(1, 20)), (50, 0, Fraction(1, 3)), (50, 1, Fraction(1, 3)), (50, 50, Fraction(1, 3)),
    (1, 1, Fraction(1, 2)), (200, 2, Fraction(1, 100)), (200, 100, Fraction(49, 100)),
])
def test_binomial_tail_matches_exact_fractions(n, x, p):
    assert binomial_tail(n, x, float(p)) == pytest.approx(float(exact_tail(n, x, p)), rel=1e-9, abs=1e-300)


@pytest.mark.parametrize("n, x, p, expected", [
    (10, 0, 0.3, 1.0), (10, 11, 0.3, 0.0), (10, 1, 0.0, 0.0), (10, 0, 0.0, 1.0), (10, 10, 1.0, 1.0),
])
def test_binomial_tail_edges(n, x, p, expected):
    assert binomial_tail(n, x, p) == expected


def test_binomial_tail_of_a_large_lot_neither_overflows_nor_underflows():
    assert binomial_tail(100_000, 5_000, 0.05) == pytest.approx(0.502, abs=0.002)  # about the median
    assert 0 < binomial_tail(100_000, 5_200, 0.05) < 0.01 < binomial_tail(100_000, 5_050, 0.05)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 80), st.data(), st.integers(1, 99))
def test_binomial_tail_is_the_exact_tail(n, data, percent):
    x = data.draw(st.integers(0, n + 1))
    p = Fraction(percent, 100)
    assert binomial_tail(n, x, float(p)) == pytest.approx(float(exact_tail(n, x, p)), rel=1e-9, abs=1e-300)


def lots(*rows, drug="ocrelizumab"):
    return [LotCounts(drug, lot, n, x) for lot, n, x in rows]


# Each case: the drug's lots (lot, infusions, infusions with a reaction) and the lots the signal picks out.
SIGNAL_CASES = [
    pytest.param(lots(("BAD", 40, 10), ("A", 100, 5), ("B", 100, 5)), ["BAD"], id="a_bad_batch"),
    pytest.param(lots(("HIGH", 20, 3), ("A", 100, 5), ("B", 100, 5)), [], id="higher_but_not_significant"),
    pytest.param(lots(("TWO", 2, 2), ("A", 100, 0)), [], id="fewer_than_three_reactions"),
    pytest.param(lots(("THREE", 3, 3), ("A", 100, 0)), ["THREE"], id="three_against_none"),
    pytest.param(lots(("ONLY", 30, 20)), [], id="no_other_lot_to_compare"),
    pytest.param(lots(("X", 10, 4), ("A", 90, 9)), [], id="p_just_above_0_01"),   # p0 0.1: P(X≥4) = 0.0128
    pytest.param(lots(("X", 10, 5), ("A", 90, 9)), ["X"], id="p_just_below_0_01"),  # P(X≥5) = 0.0016
    pytest.param(lots(("SAME", 100, 5), ("A", 100, 5), ("B", 100, 5)), [], id="same_rate"),
]


@pytest.mark.parametrize("drug_lots, expected", SIGNAL_CASES)
def test_lot_signal(drug_lots, expected):
    assert [s.lot for s in lot_signals(drug_lots)] == expected


def test_a_signal_carries_its_counts_and_is_compared_within_its_drug_only():
    mixed = lots(("BAD", 40, 10), ("A", 100, 5), ("B", 100, 5)) + lots(("Z", 40, 10), ("Y", 40, 9), drug="rituximab")
    (signal,) = lot_signals(mixed)
    assert (signal.drug, signal.lot, signal.infusions, signal.infusions_with_reaction, signal.other_lots,
            signal.other_infusions, signal.other_infusions_with_reaction) == ("ocrelizumab", "BAD", 40, 10, 2, 200, 10)
    assert signal.reaction_rate == Decimal("25.0") and signal.other_reaction_rate == Decimal("5.0")
    assert signal.p_value == pytest.approx(float(exact_tail(40, 10, Fraction(10, 200))), rel=1e-9)
    assert signal.to_dict()["p_value"] == signal.p_value


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.data()), min_size=1, max_size=5))
def test_every_signal_meets_the_rule_and_no_lot_meeting_it_is_missed(rows):
    drug_lots = []
    for i, (n, data) in enumerate(rows):
        drug_lots.append(LotCounts("ocrelizumab", f"L{i}", n, data.draw(st.integers(0, n))))
    picked = {s.lot for s in lot_signals(drug_lots)}
    for lot in drug_lots:
        others = [o for o in drug_lots if o is not lot]
        n_other, x_other = sum(o.infusions for o in others), sum(o.infusions_with_reaction for o in others)
        if lot.infusions_with_reaction < 3 or n_other == 0:
            assert lot.lot not in picked
            continue
        tail = exact_tail(lot.infusions, lot.infusions_with_reaction, Fraction(x_other, n_other))
        assume(abs(tail - Fraction(1, 100)) > Fraction(1, 10**9))  # a float sum cannot settle a tie at 0.01
        assert (lot.lot in picked) == (tail < Fraction(1, 100))

"""What a drug definition must satisfy beyond its types before it is saved (catalog_rules), at the boundaries."""
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.domain.catalog import DRUGS, REACTIONS, drug_by_code
from clinic.domain.catalog_rules import SOURCE_KEYS, drug_problems
from clinic.domain.protocols import (
    Courses, Infusions, Interval, NextDue, Observation, Premedication, Product, RateStep, RetreatRule,
)

TODAY = date(2026, 12, 5)
REACTION_CODES = frozenset(r.code for r in REACTIONS)
DRUG_CODES = frozenset(d.code for d in DRUGS)


def problems(drug, today=TODAY):
    return drug_problems(drug, reactions=REACTION_CODES, drugs=DRUG_CODES, today=today)


def with_row(drug, index, **changes):
    rows = list(drug.protocol)
    rows[index] = replace(rows[index], **changes)
    return replace(drug, protocol=tuple(rows))


def with_plan(drug, row, plan, **changes):
    plans = list(drug.protocol[row].plans)
    plans[plan] = replace(plans[plan], **changes)
    return with_row(drug, row, plans=tuple(plans))


def steps(*pairs):
    return tuple(RateStep(Decimal(str(rate)), minutes) for rate, minutes in pairs)


@pytest.mark.parametrize("drug", DRUGS, ids=lambda d: d.code)
def test_every_drug_of_the_data_file_may_be_saved_as_it_is(drug):
    assert problems(drug) == {}


# --- the rows cover infusion 1 upward, each number once ---------------------------------------------------------

@pytest.mark.parametrize("ranges, field, words", [
    ([(1, 1), (2, 2), (3, None)], None, None),
    ([(1, None)], None, None),
    ([(2, None)], "protocol-0-infusions-first", "infusion 1 has no row"),
    ([(1, 1), (3, None)], "protocol-1-infusions-first", "infusion 2 has no row: start this row at 2"),
    ([(1, 1), (4, None)], "protocol-1-infusions-first", "infusion 2–3 has no row"),
    ([(1, 2), (2, None)], "protocol-1-infusions-first", "infusion 2 is already covered"),
    ([(1, None), (3, None)], "protocol-1-infusions-first", "the row before covers every later infusion"),
    ([(1, 1), (2, 2)], "protocol-1-infusions-last", "leave empty"),
    ([(1, 1), (2, 1), (3, None)], "protocol-1-infusions-last", "must be 2 or more"),
    ([(0, None)], "protocol-0-infusions-first", "start at 1"),
    ([(1, 1), (2, 9_999), (10_000, None)], None, None),
    ([(1, 1), (2, 10_000), (10_001, None)], "protocol-2-infusions-first", "at most 10000"),
    ([(1, 1), (2, 10_001), (10_002, None)], "protocol-1-infusions-last", "at most 10000"),
])
def test_protocol_rows_cover_every_infusion_once(ranges, field, words):
    base = drug_by_code("ocrelizumab")
    rows = tuple(replace(base.protocol[min(i, 2)], infusions=Infusions(first, last))
                 for i, (first, last) in enumerate(ranges))
    found = problems(replace(base, protocol=rows))
    if field is None:
        assert found == {}
    else:
        assert list(found) == [field] and words in found[field][0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=0, max_size=6), st.data())
def test_any_split_of_the_infusion_numbers_is_accepted_and_a_moved_start_is_named(lengths, data):
    """Rows of any lengths, one after another, the last open-ended: accepted; move one row's start: refused there."""
    base = drug_by_code("natalizumab")
    bounds, first = [], 1
    for length in lengths:
        bounds.append((first, first + length - 1))
        first += length
    bounds.append((first, None))
    rows = tuple(replace(base.protocol[-1], infusions=Infusions(a, b)) for a, b in bounds)
    assert problems(replace(base, protocol=rows)) == {}
    if len(rows) > 1:
        index = data.draw(st.integers(1, len(rows) - 1))
        shift = data.draw(st.sampled_from([-1, 1]))
        first, last = bounds[index]
        if last is not None and first + shift > last:
            return  # the row would end before it starts: another problem
        moved = list(rows)
        moved[index] = replace(rows[index], infusions=Infusions(first + shift, last))
        assert list(problems(replace(base, protocol=tuple(moved)))) == [f"protocol-{index}-infusions-first"]


# --- rate plans -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("pairs, field, words", [
    ([(40, 30), (80, 30), (200, None)], None, None),
    ([(100, None)], None, None),
    ([(40, 30), (80, None), (200, None)], "protocol-2-plans-0-steps-1-minutes", "enter the minutes"),
    ([(40, 30), (80, 30), (200, 30)], "protocol-2-plans-0-steps-2-minutes", "leave empty"),
    ([(40, 0), (200, None)], "protocol-2-plans-0-steps-0-minutes", "from 1 to 1440"),
    ([(40, 1440), (200, None)], None, None),
    ([(40, 1441), (200, None)], "protocol-2-plans-0-steps-0-minutes", "from 1 to 1440"),
    ([(40, 30), (40, None)], "protocol-2-plans-0-steps-1-rate", "higher than the step before"),
    ([(80, 30), (40, None)], "protocol-2-plans-0-steps-1-rate", "higher than the step before"),
    ([(0, 30), (40, None)], "protocol-2-plans-0-steps-0-rate", "more than 0"),
    ([(40, 30), (2000, None)], None, None),
    ([(40, 30), ("2000.1", None)], "protocol-2-plans-0-steps-1-rate", "at most 2000"),
    ([("40.5", 30), (200, None)], None, None),
    ([("40.25", 30), (200, None)], "protocol-2-plans-0-steps-0-rate", "at most 1 digits"),
    ([], "protocol-2-plans-0-steps", "at least one step"),
])
def test_a_plan_steps_up_and_only_its_last_step_runs_to_the_end(pairs, field, words):
    drug = with_plan(drug_by_code("ocrelizumab"), 2, 0, steps=steps(*pairs))
    found = problems(drug)
    if field is None:
        assert found == {}
    else:
        assert field in found and any(words in why for why in found[field]), found


def test_a_plan_per_kg_takes_rates_to_a_thousandth():
    ivig = drug_by_code("ivig")
    assert problems(with_plan(ivig, 0, 0, steps=steps(("0.125", 30), (4, None)))) == {}
    found = problems(with_plan(ivig, 0, 0, steps=steps(("0.1255", 30), (4, None))))
    assert list(found) == ["protocol-0-plans-0-steps-0-rate"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 400), min_size=2, max_size=8, unique=True), st.data())
def test_a_middle_step_without_minutes_is_named_whatever_the_plan(rates, data):
    rates = sorted(rates)
    pairs = [(rate, 30) for rate in rates[:-1]] + [(rates[-1], None)]
    drug = with_plan(drug_by_code("ocrelizumab"), 2, 0, steps=steps(*pairs))
    assert problems(drug) == {}
    index = data.draw(st.integers(0, len(pairs) - 2))
    pairs[index] = (pairs[index][0], None)
    found = problems(with_plan(drug, 2, 0, steps=steps(*pairs)))
    assert list(found) == [f"protocol-2-plans-0-steps-{index}-minutes"]


def test_the_default_plan_is_open_to_every_patient():
    ocrevus = drug_by_code("ocrelizumab")
    shorter_first = with_row(ocrevus, 2, plans=tuple(reversed(ocrevus.protocol[2].plans)))
    assert list(problems(shorter_first)) == ["protocol-2-plans-0-needs_no_serious_reaction"]


def test_plan_codes_are_unique_within_a_row():
    ocrevus = drug_by_code("ocrelizumab")
    found = problems(with_plan(ocrevus, 2, 1, code="standard"))
    assert list(found) == ["protocol-2-plans-1-code"]


def test_an_injection_has_no_plan_and_an_infusion_has_one():
    zunovo, ocrevus = drug_by_code("ocrelizumab_sc"), drug_by_code("ocrelizumab")
    found = problems(with_row(zunovo, 0, plans=ocrevus.protocol[0].plans))
    assert list(found) == ["protocol-0-plans"]
    assert list(problems(with_row(ocrevus, 1, plans=()))) == ["protocol-1-plans"]


# --- numbers: dose, observation, interval ----------------------------------------------------------------------

@pytest.mark.parametrize("amount, ok", [("0", False), ("0.001", True), ("0.0005", False), ("100000", True),
                                        ("100000.001", False), ("-300", False), ("NaN", False)])
def test_dose_amount_bounds(amount, ok):
    natalizumab = drug_by_code("natalizumab")
    drug = with_row(natalizumab, 0, dose=replace(natalizumab.protocol[0].dose, amount=Decimal(amount)))
    assert (problems(drug) == {}) is ok


@pytest.mark.parametrize("rule, field", [
    (Observation(0), None), (Observation(1440), None), (Observation(1441), "protocol-0-observation-minutes"),
    (Observation(-1), "protocol-0-observation-minutes"),
    (Observation(20, first_change_or_gap_minutes=60, gap_days=56), None),
    (Observation(20, gap_days=56), "protocol-0-observation-gap_days"),
    (Observation(20, first_change_or_gap_minutes=60, gap_days=0), "protocol-0-observation-gap_days"),
    (Observation(0, after_reaction_minutes=60), None),
    (Observation(0, after_reaction_minutes=1441), "protocol-0-observation-after_reaction_minutes"),
])
def test_observation_rules(rule, field):
    found = problems(with_row(drug_by_code("natalizumab"), 0, observation=rule))
    assert list(found) == ([field] if field else [])


@pytest.mark.parametrize("interval, field", [
    (None, None), (Interval(days=24), None), (Interval(hours=20), None), (Interval(hours=23), None),
    (Interval(hours=24), "protocol-1-interval-hours"), (Interval(0, 0), "protocol-1-interval-days"),
    (Interval(days=-1), "protocol-1-interval-days"), (Interval(days=3650), None),
    (Interval(days=3651), "protocol-1-interval-days"),
])
def test_interval_bounds(interval, field):
    found = problems(with_row(drug_by_code("natalizumab"), 1, interval=interval))
    assert list(found) == ([field] if field else [])


# --- sources and dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", sorted(SOURCE_KEYS))
def test_every_domain_source_key_is_accepted(source):
    assert problems(with_row(drug_by_code("natalizumab"), 0, source=source)) == {}


@pytest.mark.parametrize("source", ["L9", "l1", "", "L1 ", "DOMAIN"])
def test_other_source_keys_are_refused(source):
    assert list(problems(with_row(drug_by_code("natalizumab"), 0, source=source))) == ["protocol-0-source"]


def test_every_item_cites_its_source():
    natalizumab = drug_by_code("natalizumab")
    check = replace(natalizumab.checks[1], source="")
    warning = replace(natalizumab.warnings[0], source="X1")
    drug = replace(natalizumab, checks=(natalizumab.checks[0], check), warnings=(warning,),
                   retreat=replace(natalizumab.retreat, source=""), next_due=replace(natalizumab.next_due, source=""))
    assert sorted(problems(drug)) == ["checks-1-source", "next_due-source", "retreat-source", "warnings-0-source"]


@pytest.mark.parametrize("checked_on, ok", [
    ((TODAY - timedelta(days=3000)).isoformat(), True), (TODAY.isoformat(), True),
    ((TODAY + timedelta(days=1)).isoformat(), True),  # a date written in UTC may be the clinic's tomorrow
    ((TODAY + timedelta(days=2)).isoformat(), False), ("", False), ("5 Dec 2026", False), ("1989-12-31", False),
])
def test_checked_on_is_a_day_not_in_the_future(checked_on, ok):
    found = problems(with_row(drug_by_code("natalizumab"), 0, checked_on=checked_on))
    assert list(found) == ([] if ok else ["protocol-0-checked_on"])


# --- codes and text --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, ok", [("ab", True), ("a", False), ("a" * 64, True), ("a" * 65, False),
                                      ("Tysabri", False), ("1ab", False), ("ab-c", False), ("ab_c9", True)])
def test_product_codes(code, ok):
    natalizumab = drug_by_code("natalizumab")
    drug = replace(natalizumab, products=(Product(code, "Tysabri", "natalizumab"),))
    assert (problems(drug) == {}) is ok


def test_a_drug_has_a_product_and_its_codes_are_unique():
    rituximab = drug_by_code("rituximab")
    assert list(problems(replace(rituximab, products=()))) == ["products"]
    twice = rituximab.products + (Product("truxima", "Truxima", "rituximab-abbs"),)
    assert list(problems(replace(rituximab, products=twice))) == ["products-4-code"]
    ocrevus = drug_by_code("ocrelizumab")
    same = ocrevus.premedications + (replace(ocrevus.premedications[0], text="again"),)
    assert list(problems(replace(ocrevus, premedications=same))) == ["premedications-3-code"]


@pytest.mark.parametrize("text, ok", [("Fever.", True), ("", False), ("   ", False), ("a\x00b", False),
                                      ("two\nlines", False), ("x" * 1000, True), ("x" * 1001, False)])
def test_warning_text(text, ok):
    natalizumab = drug_by_code("natalizumab")
    drug = replace(natalizumab, warnings=(replace(natalizumab.warnings[0], text=text),))
    assert (problems(drug) == {}) is ok


# --- premedications, courses, do not re-treat, next due --------------------------------------------------------

def test_course_days_need_courses_and_go_forward():
    lemtrada, ocrevus = drug_by_code("alemtuzumab"), drug_by_code("ocrelizumab")
    steroid = lemtrada.premedications[0]
    assert steroid.course_days == (1, 3)
    assert list(problems(replace(ocrevus, premedications=(replace(steroid, source="L1"),)))) == [
        "premedications-0-course_days-0"]
    backwards = replace(steroid, course_days=(3, 1))
    assert list(problems(replace(lemtrada, premedications=(backwards,)))) == ["premedications-0-course_days-1"]


@pytest.mark.parametrize("infusions, field", [
    (Infusions(1, 1), None), (Infusions(2, 2), None), (Infusions(3, None), None), (Infusions(1, 10_000), None),
    (Infusions(2, 1), "premedications-0-infusions-last"), (Infusions(0, None), "premedications-0-infusions-first"),
    (Infusions(1, 10_001), "premedications-0-infusions-last"),
])
def test_premedication_infusions_go_forward(infusions, field):
    ocrevus = drug_by_code("ocrelizumab")
    premedication = Premedication("x_premed", "X", True, infusions, None, "L1", "2026-12-01")
    assert list(problems(replace(ocrevus, premedications=(premedication,)))) == ([field] if field else [])


@pytest.mark.parametrize("courses, field", [
    (Courses((5, 3), 3, Interval(days=365), "L4", "2026-12-05"), None),
    (Courses((), 3, Interval(days=365), "L4", "2026-12-05"), "courses-lengths"),
    (Courses((5, 0), 3, Interval(days=365), "L4", "2026-12-05"), "courses-lengths-1"),
    (Courses((5, 3), 32, Interval(days=365), "L4", "2026-12-05"), "courses-later"),
    (Courses((5, 3), 3, Interval(0, 0), "L4", "2026-12-05"), "courses-start_interval-days"),
    (Courses((5, 3), 3, Interval(days=365), "Z", "2026-12-05"), "courses-source"),
])
def test_courses(courses, field):
    found = problems(replace(drug_by_code("alemtuzumab"), courses=courses))
    assert list(found) == ([field] if field else [])


@pytest.mark.parametrize("rule, field", [
    (RetreatRule(min_grade=4, source="L1", checked_on="2026-12-05"), None),
    (RetreatRule(min_grade=1, anaphylaxis=False, source="L1", checked_on="2026-12-05"), None),
    (RetreatRule(min_grade=5, anaphylaxis=False, source="L1", checked_on="2026-12-05"), None),
    (RetreatRule(min_grade=0, anaphylaxis=False, source="L1", checked_on="2026-12-05"), "retreat-min_grade"),
    (RetreatRule(min_grade=6, source="L1", checked_on="2026-12-05"), "retreat-min_grade"),
    (RetreatRule(anaphylaxis=False, source="L1", checked_on="2026-12-05"), "retreat-reaction_codes"),
    (RetreatRule(("hives", "sneezing"), source="L1", checked_on="2026-12-05"), "retreat-reaction_codes"),
    (RetreatRule(("hives", "hives"), source="L1", checked_on="2026-12-05"), "retreat-reaction_codes"),
    (RetreatRule(drugs=("ocrelizumab", "rituximab"), source="L1", checked_on="2026-12-05"), None),
    (RetreatRule(drugs=("ocrelizumab", "aspirin"), source="L1", checked_on="2026-12-05"), "retreat-drugs"),
])
def test_do_not_re_treat_rules(rule, field):
    found = problems(replace(drug_by_code("ocrelizumab"), retreat=rule))
    assert list(found) == ([field] if field else [])


def test_a_new_drug_may_name_itself_in_its_alert():
    new = replace(drug_by_code("natalizumab"), code="natalizumab_new",
                  retreat=replace(drug_by_code("natalizumab").retreat, drugs=("natalizumab", "natalizumab_new")))
    assert problems(new) == {}


@pytest.mark.parametrize("code, rule, field", [
    ("natalizumab", NextDue("weeks", 4, "L3", "2026-12-05"), None),
    ("natalizumab", NextDue("weeks", 0, "L3", "2026-12-05"), "next_due-weeks"),
    ("natalizumab", NextDue("weeks", 521, "L3", "2026-12-05"), "next_due-weeks"),
    ("natalizumab", NextDue("anti_cd20", 4, "L3", "2026-12-05"), "next_due-weeks"),
    ("natalizumab", NextDue("course", 0, "L3", "2026-12-05"), "next_due-kind"),
    ("alemtuzumab", NextDue("course", 0, "L4", "2026-12-05"), None),
])
def test_next_due_rules(code, rule, field):
    found = problems(replace(drug_by_code(code), next_due=rule))
    assert list(found) == ([field] if field else [])


def test_plain_fields_of_the_drug():
    natalizumab = drug_by_code("natalizumab")
    found = problems(replace(natalizumab, code="Natalizumab", generic=" ", delayed_reaction_hours=0, rxnorm="35x"))
    assert sorted(found) == ["code", "delayed_reaction_hours", "generic", "rxnorm"]


def test_a_plan_note_may_be_long_but_one_line():
    drug = with_plan(drug_by_code("ocrelizumab"), 0, 0, note="x" * 1000)
    assert problems(drug) == {}
    assert list(problems(with_plan(drug, 0, 0, note="x\ty"))) == ["protocol-0-plans-0-note"]


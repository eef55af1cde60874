"""Every row of DOMAIN.md §1 as a test: dose, rate plan, observation, premedications, checks, interval, alert,
next due; and properties that hold for every drug at infusion numbers 1–30."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.domain import protocols
from clinic.domain.catalog import DRUGS, drug_by_code
from clinic.domain.protocols import (
    Measurements, MissingMeasurement, Pause, PriorInfusion, RateChange, ReactionSeen, TreatmentHistory,
)

TODAY = date(2026, 12, 5)
NOW = datetime(2026, 12, 5, 15, 0, tzinfo=timezone.utc)
NONE = TreatmentHistory()


def history(count: int, *, last_on: date = TODAY - timedelta(days=200), reacted=False, serious=False,
            product=None, last_at=None) -> TreatmentHistory:
    """`count` earlier infusions here, the last on `last_on`, a day apart before it."""
    here = tuple(PriorInfusion(n, last_on - timedelta(days=count - n), last_at if n == count else None, product,
                               reacted and n == count, serious and n == count) for n in range(1, count + 1))
    return TreatmentHistory(here=here)


def plan(code, n, past=None, **kwargs):
    past = past if past is not None else history(n - 1)
    return protocols.plan_check_in(drug_by_code(code), past, TODAY, NOW, **kwargs)


# --- §1.1 dose ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, n, amount, unit, volume", [
    ("ocrelizumab", 1, 300, "mg", 250), ("ocrelizumab", 2, 300, "mg", 250), ("ocrelizumab", 3, 600, "mg", 500),
    ("ocrelizumab", 12, 600, "mg", 500),
    ("ocrelizumab_sc", 1, 920, "mg", 23), ("ocrelizumab_sc", 4, 920, "mg", 23),
    ("ublituximab", 1, 150, "mg", 250), ("ublituximab", 2, 450, "mg", 250), ("ublituximab", 3, 450, "mg", 250),
    ("natalizumab", 1, 300, "mg", 100), ("natalizumab", 20, 300, "mg", 100),
    ("natalizumab_sztn", 1, 300, "mg", 100), ("natalizumab_sztn", 7, 300, "mg", 100),
    ("alemtuzumab", 1, 12, "mg", 100), ("alemtuzumab", 8, 12, "mg", 100), ("alemtuzumab", 14, 12, "mg", 100),
    ("methylprednisolone", 1, 1000, "mg", 250), ("methylprednisolone", 3, 1000, "mg", 250),
    ("rituximab", 1, 1000, "mg", 500), ("rituximab", 2, 1000, "mg", 500), ("rituximab", 5, 1000, "mg", 500),
])
def test_fixed_dose_by_infusion(code, n, amount, unit, volume):
    dose = protocols.dose_for(drug_by_code(code), n)
    row = drug_by_code(code).row(n)
    assert (dose.amount, dose.unit, dose.basis, row.dose.volume_ml) == (amount, unit, "fixed", volume)


def test_ocrelizumab_sc_dose_says_its_hyaluronidase_and_route():
    drug = drug_by_code("ocrelizumab_sc")
    assert drug.route == "subcutaneous" and "23,000 units" in drug.row(1).dose.text


@pytest.mark.parametrize("per, weight, expected", [("0.4", "70", "28.0"), ("1", "82.5", "82.5"), ("2", "20", "40.0")])
def test_ivig_dose_is_the_order_per_kg_times_the_weight(per, weight, expected):
    dose = protocols.dose_for(drug_by_code("ivig"), 1, per=Decimal(per), weight_kg=Decimal(weight))
    assert (dose.amount, dose.unit, dose.basis, dose.per) == (Decimal(expected), "g", "per_kg", Decimal(per))


@pytest.mark.parametrize("height, weight, surface", [
    ("170", "70", "1.82"), ("180", "80", "2.00"), ("150", "50", "1.44"), ("100", "36", "1.00"), ("200", "120", "2.58"),
])
def test_body_surface_by_mosteller_to_the_hundredth(height, weight, surface):
    assert protocols.body_surface_area(Decimal(height), Decimal(weight)) == Decimal(surface)


def test_cyclophosphamide_dose_is_the_order_per_m2_times_the_surface():
    dose = protocols.dose_for(drug_by_code("cyclophosphamide"), 1, per=Decimal("700"), weight_kg=Decimal("70"),
                              height_cm=Decimal("170"))
    assert (dose.amount, dose.surface_m2, dose.basis) == (Decimal("1274.0"), Decimal("1.82"), "per_m2")


@pytest.mark.parametrize("code, measured, field", [
    ("ivig", {}, "weight_kg"), ("cyclophosphamide", {}, "weight_kg"),
    ("cyclophosphamide", {"weight_kg": Decimal("70")}, "height_cm"),
])
def test_a_dose_by_weight_or_surface_needs_the_measurement(code, measured, field):
    with pytest.raises(MissingMeasurement) as refused:
        protocols.dose_for(drug_by_code(code), 1, **measured)
    assert refused.value.field_name == field


@pytest.mark.parametrize("taken_days_ago, used", [(0, True), (30, True), (31, False)])
def test_a_weight_is_used_for_30_days(taken_days_ago, used):
    measured = Measurements(Decimal("70"), TODAY - timedelta(days=taken_days_ago))
    assert (measured.weight_on(TODAY) is not None) is used
    assert (plan("ivig", 1, measured=measured).dose is not None) is used


@pytest.mark.parametrize("given, protocol, differs", [
    ("660", "600", False), ("660.001", "600", True), ("540", "600", False), ("539.999", "600", True),
    ("600", "600", False), ("330", "300", False), ("331", "300", True),
])
def test_a_dose_more_than_ten_percent_off(given, protocol, differs):
    assert protocols.differs_by_more_than_a_tenth(Decimal(given), Decimal(protocol)) is differs


# --- §1.1 rate plans ----------------------------------------------------------------------------------------------

def rates(steps):
    return [step.rate for step in steps], [step.minutes for step in steps]


@pytest.mark.parametrize("code, n, plan_codes, first_rates, first_minutes", [
    ("ocrelizumab", 1, ["standard"], [30, 60, 90, 120, 150, 180], [30, 30, 30, 30, 30, None]),
    ("ocrelizumab", 2, ["standard"], [30, 60, 90, 120, 150, 180], [30, 30, 30, 30, 30, None]),
    ("ocrelizumab", 3, ["standard", "shorter"], [40, 80, 120, 160, 200], [30, 30, 30, 30, None]),
    ("ocrelizumab_sc", 1, [], None, None),
    ("ublituximab", 1, ["standard"], [10, 20, 35, 100], [30, 30, 60, None]),
    ("ublituximab", 2, ["standard"], [100, 400], [30, None]),
    ("ublituximab", 3, ["standard"], [100, 400], [30, None]),
    ("natalizumab", 1, ["standard"], [100], [None]),
    ("natalizumab_sztn", 1, ["standard"], [100], [None]),
    ("alemtuzumab", 1, ["standard"], [25], [None]),
    ("methylprednisolone", 1, ["standard"], [250], [None]),
    ("rituximab", 1, ["standard"], [25, 50, 75, 100, 125, 150, 175, 200], [30] * 7 + [None]),
    ("rituximab", 2, ["standard"], [50, 100, 150, 200], [30, 30, 30, None]),
    ("rituximab", 4, ["standard"], [50, 100, 150, 200], [30, 30, 30, None]),
    ("cyclophosphamide", 1, ["standard"], [250], [None]),
])
def test_rate_plans_by_infusion(code, n, plan_codes, first_rates, first_minutes):
    plans = protocols.plans_for(drug_by_code(code), n, history(n - 1))
    assert [p.code for p in plans] == plan_codes
    if plans:
        assert rates(plans[0].steps) == (first_rates, first_minutes)


def test_ocrevus_shorter_plan_steps():
    shorter = protocols.plans_for(drug_by_code("ocrelizumab"), 3, history(2))[1]
    assert rates(shorter.steps) == ([100, 200, 250, 300], [15, 15, 30, None])


@pytest.mark.parametrize("past", [
    history(2, serious=True), TreatmentHistory(elsewhere=2, last_elsewhere_on=TODAY, reaction_elsewhere=True),
])
def test_no_shorter_ocrevus_plan_after_an_earlier_serious_infusion_reaction(past):
    assert [p.code for p in protocols.plans_for(drug_by_code("ocrelizumab"), 3, past)] == ["standard"]


def test_a_mild_earlier_reaction_still_allows_the_shorter_plan():
    assert [p.code for p in protocols.plans_for(drug_by_code("ocrelizumab"), 3, history(2, reacted=True))] == [
        "standard", "shorter"]


def test_ivig_plan_is_per_kg_and_doubles_to_four():
    steps = protocols.steps_in_ml_per_hour(drug_by_code("ivig").row(1).plans[0], Decimal("70"))
    assert rates(steps) == ([35, 70, 140, 280], [30, 30, 30, None])
    with pytest.raises(MissingMeasurement):
        protocols.steps_in_ml_per_hour(drug_by_code("ivig").row(1).plans[0], None)


# --- §1.1 observation ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, n, past, kwargs, minutes", [
    ("ocrelizumab", 1, NONE, {}, 60), ("ocrelizumab", 3, history(2), {}, 60),
    ("ocrelizumab_sc", 1, NONE, {}, 60), ("ocrelizumab_sc", 2, history(1), {}, 15),
    ("ocrelizumab_sc", 6, history(5), {}, 15),
    ("ublituximab", 1, NONE, {}, 60), ("ublituximab", 2, history(1), {}, 60),
    ("ublituximab", 3, history(2), {}, 0), ("ublituximab", 7, history(6), {}, 0),
    ("ublituximab", 3, history(2, reacted=True), {}, 60),
    ("ublituximab", 3, TreatmentHistory(elsewhere=2, last_elsewhere_on=TODAY, reaction_elsewhere=True), {}, 60),
    ("ublituximab", 3, history(2), {"reacted_now": True}, 60),
    ("natalizumab", 1, NONE, {}, 60), ("natalizumab", 9, history(8), {}, 60),
    ("natalizumab_sztn", 2, history(1), {}, 60),
    ("alemtuzumab", 1, NONE, {}, 120), ("alemtuzumab", 6, history(5), {}, 120),
    ("ivig", 1, NONE, {"product": "ivig"}, 60),
    ("ivig", 2, history(1, last_on=TODAY - timedelta(days=28), product="ivig"), {"product": "ivig"}, 20),
    ("ivig", 2, history(1, last_on=TODAY - timedelta(days=56), product="ivig"), {"product": "ivig"}, 20),
    ("ivig", 2, history(1, last_on=TODAY - timedelta(days=57), product="ivig"), {"product": "ivig"}, 60),
    ("ivig", 2, history(1, last_on=TODAY - timedelta(days=28), product="gammagard"), {"product": "ivig"}, 60),
    ("ivig", 2, TreatmentHistory(elsewhere=1, last_elsewhere_on=TODAY - timedelta(days=28)), {"product": "ivig"}, 60),
    ("methylprednisolone", 1, NONE, {}, 15), ("rituximab", 2, history(1), {}, 60),
    ("cyclophosphamide", 3, history(2), {}, 30),
])
def test_observation_by_infusion_and_history(code, n, past, kwargs, minutes):
    assert protocols.observation_minutes(drug_by_code(code), n, past, TODAY, **kwargs) == minutes


# --- §1.2 premedications and checks -------------------------------------------------------------------------------

@pytest.mark.parametrize("code, n, required, optional", [
    ("ocrelizumab", 1, {"methylprednisolone_100", "antihistamine"}, {"antipyretic"}),
    ("ocrelizumab", 5, {"methylprednisolone_100", "antihistamine"}, {"antipyretic"}),
    ("ocrelizumab_sc", 1, {"dexamethasone_oral", "antihistamine_oral"}, {"antipyretic"}),
    ("ublituximab", 1, {"corticosteroid", "antihistamine"}, {"antipyretic"}),
    ("natalizumab", 1, set(), set()), ("natalizumab_sztn", 1, set(), set()),
    ("alemtuzumab", 1, {"methylprednisolone_1g"}, {"antihistamine", "antipyretic"}),
    ("alemtuzumab", 3, {"methylprednisolone_1g"}, {"antihistamine", "antipyretic"}),
    ("alemtuzumab", 4, set(), {"antihistamine", "antipyretic"}),
    ("alemtuzumab", 5, set(), {"antihistamine", "antipyretic"}),
    ("alemtuzumab", 6, {"methylprednisolone_1g"}, {"antihistamine", "antipyretic"}),
    ("alemtuzumab", 8, {"methylprednisolone_1g"}, {"antihistamine", "antipyretic"}),
    ("alemtuzumab", 9, {"methylprednisolone_1g"}, {"antihistamine", "antipyretic"}),
    ("alemtuzumab", 11, {"methylprednisolone_1g"}, {"antihistamine", "antipyretic"}),
    ("ivig", 1, set(), {"acetaminophen", "antihistamine"}),
    ("methylprednisolone", 1, set(), set()),
    ("rituximab", 1, {"acetaminophen", "antihistamine", "methylprednisolone_100"}, set()),
    ("cyclophosphamide", 1, {"ondansetron", "dexamethasone"}, set()),
])
def test_premedications_by_infusion(code, n, required, optional):
    drug = drug_by_code(code)
    assert set(drug.required_premedications(n)) == required
    assert {p.code for p in drug.premedications_for(n) if not p.required} == optional


@pytest.mark.parametrize("code, n, checks", [
    ("ocrelizumab", 1, {"no_active_infection", "hepatitis_b_screening"}),
    ("ocrelizumab", 2, {"no_active_infection"}),
    ("ocrelizumab_sc", 1, {"no_active_infection", "hepatitis_b_screening"}),
    ("ocrelizumab_sc", 2, {"no_active_infection"}),
    ("ublituximab", 1, {"no_active_infection", "pregnancy_status", "hepatitis_b_screening"}),
    ("ublituximab", 3, {"no_active_infection", "pregnancy_status"}),
    ("natalizumab", 1, {"touch_authorized", "touch_checklist"}),
    ("natalizumab_sztn", 1, {"tyruko_rems_authorized", "pre_infusion_questions"}),
    ("alemtuzumab", 1, {"lemtrada_rems", "monthly_labs", "herpes_prophylaxis"}),
    ("ivig", 1, {"hydration", "creatinine_current", "thrombosis_risk"}),
    ("methylprednisolone", 1, {"bp_pulse", "glucose_if_diabetic"}),
    ("rituximab", 1, {"no_active_infection", "hepatitis_b_screening"}),
    ("rituximab", 2, {"no_active_infection"}),
    ("cyclophosphamide", 1, {"blood_counts", "urinalysis", "pregnancy_test", "hydration"}),
])
def test_checks_by_infusion(code, n, checks):
    assert set(drug_by_code(code).required_checks(n)) == checks


def test_lemtrada_labs_check_names_tsh():
    assert "TSH" in next(c.prompt for c in drug_by_code("alemtuzumab").checks if c.code == "monthly_labs")


def test_touch_and_rems_checks_say_stop():
    assert "STOP – DO NOT INFUSE" in drug_by_code("natalizumab").checks[0].stop_text
    assert "TYRUKO REMS" in drug_by_code("natalizumab_sztn").checks[0].prompt


# --- §1.1 interval ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, n, days", [
    ("ocrelizumab", 2, 13), ("ocrelizumab", 3, 150), ("ocrelizumab", 8, 150), ("ocrelizumab_sc", 2, 150),
    ("ublituximab", 2, 13), ("ublituximab", 3, 150), ("natalizumab", 2, 24), ("natalizumab_sztn", 5, 24),
    ("alemtuzumab", 6, 365), ("alemtuzumab", 9, 365), ("alemtuzumab", 12, 365),
    ("rituximab", 2, 13), ("rituximab", 3, 150), ("cyclophosphamide", 2, 21),
])
def test_earliest_check_in_in_days(code, n, days):
    last_on = date(2026, 6, 1)
    earliest = protocols.earliest_check_in(drug_by_code(code), n, history(n - 1, last_on=last_on))
    assert earliest.on == last_on + timedelta(days=days) and earliest.previous_on == last_on
    assert earliest.allows(earliest.on, NOW) and not earliest.allows(earliest.on - timedelta(days=1), NOW)


@pytest.mark.parametrize("code, n", [("alemtuzumab", 2), ("alemtuzumab", 5), ("alemtuzumab", 7),
                                     ("alemtuzumab", 10), ("methylprednisolone", 2), ("methylprednisolone", 4)])
def test_earliest_check_in_the_next_day_within_a_course_or_pulse(code, n):
    last_at = datetime(2026, 6, 1, 14, 0, tzinfo=timezone.utc)
    earliest = protocols.earliest_check_in(drug_by_code(code), n, history(n - 1, last_on=last_at.date(),
                                                                           last_at=last_at))
    assert earliest.at == last_at + timedelta(hours=20)
    assert earliest.allows(date(2026, 6, 2), last_at + timedelta(hours=20))
    assert not earliest.allows(date(2026, 6, 2), last_at + timedelta(hours=19, minutes=59))


@pytest.mark.parametrize("code, n", [("ocrelizumab", 1), ("ublituximab", 1), ("ivig", 5), ("rituximab", 1),
                                     ("alemtuzumab", 1), ("natalizumab", 1)])
def test_no_earliest_date(code, n):
    assert protocols.earliest_check_in(drug_by_code(code), n, history(n - 1)) is None


def test_the_interval_counts_from_a_dose_given_elsewhere():
    past = TreatmentHistory(elsewhere=2, last_elsewhere_on=date(2026, 10, 1))
    assert protocols.earliest_check_in(drug_by_code("ocrelizumab"), 3, past).on == date(2027, 2, 28)


def test_two_ocrevus_infusions_on_one_day_are_too_soon():
    assert plan("ocrelizumab", 2, history(1, last_on=TODAY)).interval_short


@pytest.mark.parametrize("n, course_day", [(1, (1, 1)), (5, (1, 5)), (6, (2, 1)), (8, (2, 3)), (9, (3, 1)),
                                           (11, (3, 3)), (12, (4, 1)), (29, (9, 3)), (30, (10, 1))])
def test_alemtuzumab_courses(n, course_day):
    assert drug_by_code("alemtuzumab").courses.position(n) == course_day


# --- transfer in --------------------------------------------------------------------------------------------------

def test_an_ocrevus_patient_transferred_in_after_two_infusions_elsewhere():
    past = TreatmentHistory(elsewhere=2, last_elsewhere_on=TODAY - timedelta(days=170))
    answer = plan("ocrelizumab", 3, past)
    assert answer.number == 3 and answer.dose.amount == 600 and answer.plans[0].code == "standard"
    assert answer.observation_minutes == 60 and not answer.interval_short
    assert set(answer.drug.required_checks(3)) == {"no_active_infection"}


def test_infusions_here_and_elsewhere_both_count():
    past = TreatmentHistory(here=history(1).here, elsewhere=2, last_elsewhere_on=TODAY - timedelta(days=400))
    assert past.next_number == 4


# --- §1.3 do not re-treat ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, reactions, anaphylaxis, alert", [
    ("natalizumab", [("hives", 1)], False, True),
    ("natalizumab", [("swelling_face", 2)], False, True),
    ("natalizumab", [("swelling_mouth_throat", 3)], False, True),
    ("natalizumab", [("trouble_breathing", 2)], False, True),
    ("natalizumab", [("rash", 3), ("headache", 2)], False, False),
    ("natalizumab", [], True, True),
    ("natalizumab_sztn", [("hives", 1)], False, True),
    ("ocrelizumab", [("rash", 4)], False, True),
    ("ocrelizumab", [("rash", 3)], False, False),
    ("ocrelizumab", [("hives", 1)], True, True),
    ("ocrelizumab_sc", [("chills", 4)], False, True),
    ("ublituximab", [("fever", 5)], False, True),
    ("rituximab", [("hives", 3)], False, False),
    ("rituximab", [], True, True),
    ("alemtuzumab", [("rash", 4)], True, False), ("ivig", [("rash", 4)], True, False),
    ("methylprednisolone", [], True, False), ("cyclophosphamide", [("nausea", 4)], False, False),
])
def test_reactions_that_stop_re_treatment(code, reactions, anaphylaxis, alert):
    seen = tuple(ReactionSeen(i, reaction, grade) for i, (reaction, grade) in enumerate(reactions, 1))
    verdict = protocols.retreat_verdict(drug_by_code(code), seen, anaphylaxis)
    assert bool(verdict.reasons) is alert


@pytest.mark.parametrize("code, drugs", [
    ("natalizumab", ("natalizumab", "natalizumab_sztn")), ("natalizumab_sztn", ("natalizumab", "natalizumab_sztn")),
    ("ocrelizumab", ("ocrelizumab",)), ("ocrelizumab_sc", ("ocrelizumab_sc",)), ("ublituximab", ("ublituximab",)),
    ("rituximab", ("rituximab",)),
])
def test_which_drugs_an_alert_stops(code, drugs):
    assert drug_by_code(code).retreat_drugs() == drugs


def test_the_alert_names_the_reaction_that_raised_it():
    verdict = protocols.retreat_verdict(drug_by_code("natalizumab"),
                                        (ReactionSeen(7, "itching", 1), ReactionSeen(8, "hives", 2)), False)
    assert verdict.entry_id == 8 and "hives" in verdict.reasons[0]


# --- §1.4 next due ---------------------------------------------------------------------------------------------------

DAY = date(2026, 3, 2)
FIRST = date(2026, 2, 16)


def due(code, n, given_on=DAY, first=FIRST, **kwargs):
    here = (PriorInfusion(1, first),) if n > 1 else ()
    return protocols.next_due(drug_by_code(code), n, given_on, TreatmentHistory(here=here), **kwargs)


@pytest.mark.parametrize("code", ["ocrelizumab", "ublituximab", "rituximab"])
@pytest.mark.parametrize("n, expected", [
    (1, DAY + timedelta(days=14)), (2, FIRST + timedelta(weeks=24)), (3, DAY + timedelta(weeks=24)),
    (7, DAY + timedelta(weeks=24)),
])
def test_anti_cd20_next_due(code, n, expected):
    assert due(code, n) == expected


@pytest.mark.parametrize("code, weeks", [("ocrelizumab_sc", 24), ("natalizumab", 4), ("natalizumab_sztn", 4)])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_next_due_every_so_many_weeks(code, weeks, n):
    assert due(code, n) == DAY + timedelta(weeks=weeks)


@pytest.mark.parametrize("n, expected", [
    (1, DAY + timedelta(days=1)), (4, DAY + timedelta(days=1)), (5, date(2027, 2, 16)),
    (6, DAY + timedelta(days=1)), (7, DAY + timedelta(days=1)), (8, None), (9, DAY + timedelta(days=1)),
    (11, None),
])
def test_alemtuzumab_next_due(n, expected):
    assert due("alemtuzumab", n) == expected


def test_alemtuzumab_after_a_leap_day_first_infusion():
    assert due("alemtuzumab", 5, first=date(2028, 2, 29)) == date(2029, 2, 28)


@pytest.mark.parametrize("code", ["ivig", "methylprednisolone", "cyclophosphamide"])
def test_no_computed_next_due(code):
    assert due(code, 1) is None


def test_a_booked_appointment_takes_precedence_and_an_alert_prints_none():
    assert due("ocrelizumab", 3, booked=date(2026, 5, 5)) == date(2026, 5, 5)
    assert due("natalizumab", 3, booked=date(2026, 5, 5), do_not_retreat=True) is None
    assert due("natalizumab", 3, do_not_retreat=True) is None


# --- the rate plan at the chair -----------------------------------------------------------------------------------

T0 = datetime(2026, 12, 5, 14, 0, tzinfo=timezone.utc)
OCREVUS_1 = drug_by_code("ocrelizumab").row(1).plans[0].steps


def minutes(n):
    return timedelta(minutes=n)


@pytest.mark.parametrize("changes, pauses, now, expected", [
    ([(0, 30)], [], 5, (60, 30)),
    ([(0, 30), (30, 60)], [], 31, (90, 60)),
    ([(0, 30)], [(10, 20)], 25, (60, 40)),  # a pause stops the clock
    ([(0, 30)], [(10, None)], 25, (60, 45)),  # still paused: due moves on with the clock
    ([(0, 30)], [(40, 50)], 25, (60, 30)),  # a pause after the step was due changes nothing
    ([(0, 30), (20, 15)], [], 25, (30, 50)),  # halved after a reaction: back to the plan's first rate
    ([(0, 30), (30, 45)], [], 31, (60, 60)),  # a rate between two steps leads to the next step up
    ([(0, 180)], [], 5, None),  # the plan's last step
    ([], [], 5, None),
])
def test_next_rate_step(changes, pauses, now, expected):
    answer = protocols.next_rate_step(
        OCREVUS_1, tuple(RateChange(T0 + minutes(at), Decimal(rate)) for at, rate in changes),
        tuple(Pause(T0 + minutes(a), None if b is None else T0 + minutes(b)) for a, b in pauses), T0 + minutes(now))
    assert (None if answer is None else (answer.rate, answer.at)) == (
        None if expected is None else (Decimal(expected[0]), T0 + minutes(expected[1])))


# --- properties over every drug and infusions 1–30 ----------------------------------------------------------------

histories = st.builds(
    lambda here, elsewhere, reacted, serious, gap: TreatmentHistory(
        here=tuple(PriorInfusion(elsewhere + n, TODAY - timedelta(days=gap * (here - n + 1)), None, None,
                                 reacted and n == here, serious and n == here) for n in range(1, here + 1)),
        elsewhere=elsewhere, last_elsewhere_on=(TODAY - timedelta(days=gap * (here + 1))) if elsewhere else None),
    st.integers(0, 15), st.integers(0, 15), st.booleans(), st.booleans(), st.integers(0, 400))


@settings(max_examples=300, deadline=None)
@given(drug=st.sampled_from(DRUGS), past=histories, weight=st.decimals("20", "350", places=1),
       height=st.decimals("50", "250", places=1), reacted_now=st.booleans())
def test_every_drug_answers_sensibly_for_infusions_1_to_30(drug, past, weight, height, reacted_now):
    number = past.next_number
    if number > 30:
        return
    dose = protocols.dose_for(drug, number, weight_kg=weight, height_cm=height)
    assert dose.amount > 0 and dose.unit in ("mg", "g")
    for rate_plan in protocols.plans_for(drug, number, past):
        steps = protocols.steps_in_ml_per_hour(rate_plan, weight)
        assert steps and all(step.rate > 0 for step in steps) and steps[-1].minutes is None
        assert all(step.minutes > 0 for step in steps[:-1])
        assert [step.rate for step in steps] == sorted(step.rate for step in steps)  # a plan only goes up
    assert (drug.route == "subcutaneous") is (not drug.row(number).plans)
    minutes_ = protocols.observation_minutes(drug, number, past, TODAY, reacted_now=reacted_now)
    assert minutes_ in {0, 15, 20, 30, 60, 120}
    offered = {p.code for p in drug.premedications_for(number)}
    assert set(drug.required_premedications(number)) <= offered
    assert "hepatitis_b_screening" not in drug.required_checks(number) or number == 1
    earliest = protocols.earliest_check_in(drug, number, past)
    last = past.last()
    if earliest is not None:
        assert last is not None and (earliest.on or earliest.at.date()) >= last.given_on
    nxt = protocols.next_due(drug, number, TODAY, past)
    # Counted from today, or from an earlier day the rule names (infusion 1, a course's first day).
    earlier_days = [p.given_on for p in past.here] + [past.last_elsewhere_on or TODAY, TODAY]
    assert nxt is None or nxt > min(earlier_days)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 30))
def test_alemtuzumab_courses_cover_every_infusion_once(n):
    courses = drug_by_code("alemtuzumab").courses
    course, day = courses.position(n)
    assert 1 <= day <= courses.length(course)
    if n > 1:
        before = courses.position(n - 1)
        assert (course, day) == ((before[0], before[1] + 1) if day > 1 else (before[0] + 1, 1))

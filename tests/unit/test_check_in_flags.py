"""The check-in rules of SPEC §5: dose_changed, retreat_override, interval_short (warnings), at their boundaries."""
import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.domain.flags import evaluate
from clinic.domain.records import Override
from tests.unit.factories import session


def codes(record):
    return [f.code for f in evaluate(record)]


@pytest.mark.parametrize("dose, protocol, raised", [
    ("300", "300", False), ("330", "300", False), ("330.001", "300", True), ("270", "300", False),
    ("269.999", "300", True), ("600", "300", True), ("28", None, False),
])
def test_dose_changed_beyond_ten_percent(dose, protocol, raised):
    record = dataclasses.replace(session(), dose=Decimal(dose), protocol_dose=None if protocol is None else Decimal(protocol),
                                 dose_reason="renal function")
    assert ("dose_changed" in codes(record)) is raised


def test_dose_changed_names_both_doses_and_the_reason():
    record = dataclasses.replace(session(), dose=Decimal("150"), protocol_dose=Decimal("300"), dose_reason="weight loss")
    flag = next(f for f in evaluate(record) if f.code == "dose_changed")
    assert flag.level == "warning" and "150 mg" in flag.message and "300 mg" in flag.message
    assert "weight loss" in flag.message


@pytest.mark.parametrize("kinds, expected", [
    ((), []), (("retreat",), ["retreat_override"]), (("interval",), ["interval_short"]),
    (("retreat", "interval"), ["retreat_override", "interval_short"]),
])
def test_overrides_raise_their_warnings_in_order(kinds, expected):
    overrides = tuple(Override(kind, f"{kind} refused", "Dr Lee", "benefit outweighs the risk") for kind in kinds)
    record = dataclasses.replace(session(), overrides=overrides)
    flags = [f for f in evaluate(record) if f.code in ("retreat_override", "interval_short")]
    assert [f.code for f in flags] == expected
    assert all(f.level == "warning" and "Dr Lee" in f.message and "benefit" in f.message for f in flags)


@given(given_dose=st.decimals("0.001", "5000", places=3), protocol=st.decimals("0.001", "5000", places=3))
def test_dose_changed_exactly_when_more_than_a_tenth_off(given_dose, protocol):
    record = dataclasses.replace(session(), dose=given_dose, protocol_dose=protocol)
    assert ("dose_changed" in codes(record)) is (10 * abs(given_dose - protocol) > protocol)

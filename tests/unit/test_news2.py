"""NEWS2 at and either side of every band edge, SpO₂ scales 1 and 2 (DOMAIN.md §5)."""
from decimal import Decimal

import pytest

from clinic.domain import news2
from tests.unit.factories import vitals


@pytest.mark.parametrize("rr, points", [
    (4, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (60, 3),
])
def test_respiratory_rate(rr, points):
    assert news2.score(vitals(resp_rate=rr)).parameters == {"resp_rate": points}


@pytest.mark.parametrize("spo2, points", [
    (50, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0),
])
def test_spo2_scale_1(spo2, points):
    assert news2.score(vitals(spo2=spo2)).parameters == {"spo2": points}


# Scale 2 (prescribed 88–92 % target): 3 for ≤ 83, 2 for 84–85, 1 for 86–87, 0 for 88–92 or ≥ 93 on air;
# on oxygen 1 for 93–94, 2 for 95–96, 3 for ≥ 97.
SCALE_2 = [
    (50, False, 3), (83, False, 3), (84, False, 2), (85, False, 2), (86, False, 1), (87, False, 1),
    (88, False, 0), (92, False, 0), (93, False, 0), (97, False, 0), (100, False, 0),
    (83, True, 3), (84, True, 2), (87, True, 1), (88, True, 0), (92, True, 0),
    (93, True, 1), (94, True, 1), (95, True, 2), (96, True, 2), (97, True, 3), (100, True, 3),
]


@pytest.mark.parametrize("spo2, on_oxygen, points", SCALE_2)
def test_spo2_scale_2(spo2, on_oxygen, points):
    s = news2.score(vitals(spo2=spo2, on_oxygen=on_oxygen), scale=2)
    assert s.parameters == {"spo2": points, "oxygen": 2 if on_oxygen else 0}
    assert s.scale == 2 and s.unscored == ()


@pytest.mark.parametrize("spo2, points, unscored", [(87, 1, ()), (92, 0, ()), (93, None, ("spo2",)),
                                                    (99, None, ("spo2",))])
def test_scale_2_without_air_or_oxygen_scores_no_spo2_it_cannot_place(spo2, points, unscored):
    s = news2.score(vitals(spo2=spo2), scale=2)
    assert s.parameters.get("spo2") == points and s.unscored == unscored
    assert "oxygen" in s.missing and "spo2" not in s.missing  # measured, so not "not measured"


@pytest.mark.parametrize("scale", [0, 3, None])
def test_only_scales_1_and_2_exist(scale):
    with pytest.raises(ValueError):
        news2.score(vitals(spo2=95), scale=scale)


@pytest.mark.parametrize("on_oxygen, points", [(True, 2), (False, 0)])
def test_air_or_oxygen(on_oxygen, points):
    assert news2.score(vitals(on_oxygen=on_oxygen)).parameters == {"oxygen": points}


@pytest.mark.parametrize("sbp, points", [
    (40, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (300, 3),
])
def test_systolic(sbp, points):
    assert news2.score(vitals(systolic=sbp)).parameters == {"systolic": points}


@pytest.mark.parametrize("hr, points", [
    (20, 3), (40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2), (131, 3),
    (250, 3),
])
def test_pulse(hr, points):
    assert news2.score(vitals(heart_rate=hr)).parameters == {"heart_rate": points}


@pytest.mark.parametrize("acvpu, points", [
    ("alert", 0), ("confusion", 3), ("voice", 3), ("pain", 3), ("unresponsive", 3),
])
def test_consciousness(acvpu, points):
    assert news2.score(vitals(consciousness=acvpu)).parameters == {"consciousness": points}


@pytest.mark.parametrize("temp, points", [
    ("30.0", 3), ("35.0", 3), ("35.1", 1), ("36.0", 1), ("36.1", 0), ("38.0", 0), ("38.1", 1), ("39.0", 1),
    ("39.1", 2), ("44.0", 2),
])
def test_temperature(temp, points):
    assert news2.score(vitals(temperature_c=Decimal(temp))).parameters == {"temperature": points}


def test_missing_parameters_score_nothing_and_are_reported():
    s = news2.score(vitals(heart_rate=120))
    assert s.total == 2
    assert set(s.missing) == {"resp_rate", "spo2", "oxygen", "systolic", "consciousness", "temperature"}


@pytest.mark.parametrize("values, total, band", [
    (dict(resp_rate=16, spo2=97, on_oxygen=False, systolic=120, heart_rate=70, consciousness="alert",
          temperature_c="37.0"), 0, "low"),
    (dict(resp_rate=22, spo2=97, systolic=120, heart_rate=70), 2, "low"),
    (dict(resp_rate=25, spo2=97, systolic=120, heart_rate=70), 3, "low_single_3"),
    (dict(resp_rate=22, spo2=93, heart_rate=95), 5, "medium"),
    (dict(resp_rate=22, spo2=93, heart_rate=115), 6, "medium"),
    (dict(resp_rate=22, spo2=93, heart_rate=115, temperature_c="38.5"), 7, "high"),
])
def test_totals_and_bands(values, total, band):
    s = news2.score(vitals(**values))
    assert (s.total, s.band) == (total, band)


@pytest.mark.parametrize("values, expected", [
    ({"systolic": 111, "heart_rate": 51, "resp_rate": 12, "spo2": 96, "temperature_c": "36.1"}, {}),
    ({"systolic": 110, "heart_rate": 50, "resp_rate": 11, "spo2": 95, "temperature_c": "36.0"},
     {"systolic": "low", "heart_rate": "low", "resp_rate": "low", "spo2": "low", "temperature": "low"}),
    ({"systolic": 219, "heart_rate": 90, "resp_rate": 20, "temperature_c": "38.0"}, {}),
    ({"systolic": 220, "heart_rate": 91, "resp_rate": 21, "temperature_c": "38.1"},
     {"systolic": "high", "heart_rate": "high", "resp_rate": "high", "temperature": "high"}),
    ({"on_oxygen": True, "consciousness": "voice"}, {"oxygen": "on oxygen", "consciousness": "not alert"}),
    ({"on_oxygen": False, "consciousness": "alert"}, {}),
])
def test_abnormal_values_are_named_in_words(values, expected):
    from clinic.domain.news2 import abnormal_words

    reading = vitals(**values)
    assert abnormal_words(reading, news2.score(reading)) == expected

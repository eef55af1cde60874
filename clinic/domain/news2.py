"""NEWS2 (Royal College of Physicians, 2017), SpO₂ scale 1, or scale 2 for patients whose record
says so — DOMAIN.md §5.

A parameter that was not measured scores nothing and is reported as missing,
never guessed.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from .records import VitalsRecord

PARAMETERS = ("resp_rate", "spo2", "oxygen", "systolic", "heart_rate", "consciousness", "temperature")
# How a nurse reads each parameter's name in a flag.
PARAMETER_WORDS = {"resp_rate": "respiratory rate", "spo2": "oxygen saturation", "oxygen": "air or oxygen",
                   "systolic": "systolic blood pressure", "heart_rate": "heart rate",
                   "consciousness": "consciousness", "temperature": "temperature"}
CONSCIOUSNESS_WORDS = {"alert": "alert", "confusion": "new confusion", "voice": "responds to voice",
                       "pain": "responds to pain", "unresponsive": "unresponsive"}


def reading_words(v: VitalsRecord, name: str) -> str:
    """Say what was measured for one parameter, the way a nurse reads it ("respiratory rate 25 /min")."""
    if name == "oxygen":
        return "on oxygen" if v.on_oxygen else "on air"
    if name == "consciousness":
        return CONSCIOUSNESS_WORDS.get(v.consciousness, str(v.consciousness))
    value, unit = {"resp_rate": (v.resp_rate, "/min"), "spo2": (v.spo2, "%"), "systolic": (v.systolic, "mmHg"),
                   "heart_rate": (v.heart_rate, "/min"), "temperature": (v.temperature_c, "°C")}[name]
    return f"{PARAMETER_WORDS[name]} {value} {unit}"


# The RCP's clinical response to each band (DOMAIN.md §5), and the band with its response as the flags say it.
RESPONSE = {
    "low": "ward-based response",
    "low_single_3": "urgent ward-based review",
    "medium": "urgent response",
    "high": "emergency response",
}
BAND_TEXT = {
    "low": f"low score (0–4): {RESPONSE['low']}",
    "low_single_3": f"3 in a single parameter: {RESPONSE['low_single_3']}",
    "medium": f"medium score (5–6): {RESPONSE['medium']}",
    "high": f"high score (7 or more): {RESPONSE['high']}",
}


SPO2_SCALES = (1, 2)


@dataclass(frozen=True)
class News2Score:
    total: int
    parameters: Mapping[str, int]
    missing: tuple[str, ...]
    scale: int = 1
    # Measured but not scorable: on scale 2 an SpO₂ of 93 % or more scores by air or oxygen, and
    # without that recorded it is not guessed.
    unscored: tuple[str, ...] = ()

    @property
    def max_single(self) -> int:
        return max(self.parameters.values(), default=0)

    @property
    def band(self) -> str:
        if self.total >= 7:
            return "high"
        if self.total >= 5:
            return "medium"
        if self.max_single >= 3:
            return "low_single_3"
        return "low"

    @property
    def band_text(self) -> str:
        return BAND_TEXT[self.band]

    @property
    def response(self) -> str:
        return RESPONSE[self.band]


def resp_rate_points(rr: int) -> int:
    if rr <= 8:
        return 3
    if rr <= 11:
        return 1
    if rr <= 20:
        return 0
    if rr <= 24:
        return 2
    return 3


def spo2_points(spo2: int) -> int:
    if spo2 <= 91:
        return 3
    if spo2 <= 93:
        return 2
    if spo2 <= 95:
        return 1
    return 0


def spo2_scale_2_points(spo2: int, on_oxygen: bool | None) -> int | None:
    """Scale 2, for a prescribed 88–92 % target: None when 93 % or more and air or oxygen is unknown."""
    if spo2 <= 83:
        return 3
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    if spo2 <= 92:
        return 0
    if on_oxygen is None:
        return None
    if not on_oxygen:
        return 0
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def systolic_points(sbp: int) -> int:
    if sbp <= 90:
        return 3
    if sbp <= 100:
        return 2
    if sbp <= 110:
        return 1
    if sbp <= 219:
        return 0
    return 3


def pulse_points(hr: int) -> int:
    if hr <= 40:
        return 3
    if hr <= 50:
        return 1
    if hr <= 90:
        return 0
    if hr <= 110:
        return 1
    if hr <= 130:
        return 2
    return 3


def temperature_points(t: Decimal) -> int:
    if t <= Decimal("35.0"):
        return 3
    if t <= Decimal("36.0"):
        return 1
    if t <= Decimal("38.0"):
        return 0
    if t <= Decimal("39.0"):
        return 1
    return 2


def consciousness_points(acvpu: str) -> int:
    return 0 if acvpu == "alert" else 3


def score(v: VitalsRecord, scale: int = 1) -> News2Score:
    """Score one set of vitals with SpO₂ scale 1 or 2; unmeasured parameters are listed in `missing`."""
    if scale not in SPO2_SCALES:
        raise ValueError(f"SpO2 scale must be 1 or 2, not {scale!r}")
    measured = {
        "resp_rate": (v.resp_rate, resp_rate_points),
        "spo2": (v.spo2, spo2_points if scale == 1 else lambda value: spo2_scale_2_points(value, v.on_oxygen)),
        "oxygen": (v.on_oxygen, lambda on: 2 if on else 0),
        "systolic": (v.systolic, systolic_points),
        "heart_rate": (v.heart_rate, pulse_points),
        "consciousness": (v.consciousness, consciousness_points),
        "temperature": (None if v.temperature_c is None else Decimal(v.temperature_c), temperature_points),
    }
    scored = {name: fn(value) for name, (value, fn) in measured.items() if value is not None}
    points = {name: p for name, p in scored.items() if p is not None}
    unscored = tuple(name for name, p in scored.items() if p is None)
    missing = tuple(name for name in PARAMETERS if name not in scored)
    return News2Score(total=sum(points.values()), parameters=MappingProxyType(points), missing=missing,
                      scale=scale, unscored=unscored)


# Where each parameter's normal band starts and ends (NEWS2 scores 0 inside it): below is "low", above "high".
_NORMAL_FROM = {"resp_rate": 12, "spo2": 96, "systolic": 111, "heart_rate": 51, "temperature": Decimal("36.1")}
_NORMAL_TO = {"resp_rate": 20, "spo2": 100, "systolic": 219, "heart_rate": 90, "temperature": Decimal("38.0")}
_VALUES = {"resp_rate": "resp_rate", "spo2": "spo2", "systolic": "systolic", "heart_rate": "heart_rate",
           "temperature": "temperature_c"}


def abnormal_words(v: VitalsRecord, s: News2Score) -> dict[str, str]:
    """Say in a word each parameter of a reading that scored NEWS2 points: "low" or "high" for a value, "on
    oxygen", "not alert" (SPEC §10: abnormal values marked in words as well as colour)."""
    words = {}
    for name, points in s.parameters.items():
        if not points:
            continue
        if name == "oxygen":
            words[name] = "on oxygen"
        elif name == "consciousness":
            words[name] = "not alert"
        elif name == "spo2" and s.scale == 2:
            words[name] = "low" if v.spo2 <= 87 else "high for scale 2"
        else:
            value = getattr(v, _VALUES[name])
            words[name] = "low" if Decimal(value) < _NORMAL_FROM[name] else "high"
    return words

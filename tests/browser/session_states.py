"""The session page's four states as a nurse meets them, made through the API (SPEC §4, §10).

planned: a first Ocrevus infusion just checked in; infusing: the same under way with 11 readings (a baseline
and ten more); serious: a Tysabri anaphylaxis (several serious reactions and a low blood pressure);
observing: an Ocrevus infusion ended a few minutes ago.
"""
from __future__ import annotations

from tests.helpers import ago, check_in, post

STATES = ("planned", "infusing", "serious", "observing")  # the four pictured in docs/screens
MORE_STATES = ("paused", "discharged")
LOW_SYSTOLICS = (84, 86, 80, 85, 88, 84, 86, 87, 85, 89)  # after the serious state's 82: lowest 80, third


def add_low_readings(nurse, sid) -> None:
    """The serious state's anaphylaxis followed by ten more low blood-pressure readings (issue 23's chart)."""
    for i, systolic in enumerate(LOW_SYSTOLICS):
        post(nurse, sid, "vitals", {"taken_at": ago(9 - i * 0.8), "phase": "during", "systolic": systolic,
                                    "diastolic": 50, "heart_rate": 120, "resp_rate": 24, "spo2": 93,
                                    "on_oxygen": True, "consciousness": "alert"}, 201)


def _ocrevus_started(nurse, patient_id, readings=11, started_minutes_ago=150) -> int:
    session = check_in(nurse, patient_id, "ocrelizumab", chair="2", lot_number="OC-26-1")
    sid = session["id"]
    post(nurse, sid, "checks", {"codes": session["required_checks"]})
    for code in session["required_premedications"]:
        post(nurse, sid, "premedications", {"code": code, "given_at": ago(started_minutes_ago + 30)}, 201)
    post(nurse, sid, "vitals", {"taken_at": ago(started_minutes_ago + 5), "phase": "baseline", "systolic": 124,
                                "diastolic": 78, "heart_rate": 72, "resp_rate": 14, "temperature_c": "36.8",
                                "spo2": 98, "on_oxygen": False, "consciousness": "alert"}, 201)
    post(nurse, sid, "start", {"at": ago(started_minutes_ago)})
    for i in range(readings - 1):
        minutes = started_minutes_ago - 5 - i * 14
        post(nurse, sid, "vitals", {"taken_at": ago(minutes), "phase": "during", "systolic": 120 + i % 3,
                                    "diastolic": 76, "heart_rate": 74 + i % 4, "resp_rate": 15,
                                    "temperature_c": "36.9", "spo2": 97, "on_oxygen": False,
                                    "consciousness": "alert"}, 201)
    return sid


def make_state(state: str, api, make_patient) -> int:
    """Make a session in `state`; return its id."""
    nurse = api("nurse")
    patient = make_patient(first_name="Maria", last_name="Lopez-" + state.capitalize(), allergies="Penicillin")
    if state == "planned":
        return check_in(nurse, patient.id, "ocrelizumab", chair="2", lot_number="OC-26-1")["id"]
    if state == "infusing":
        return _ocrevus_started(nurse, patient.id)
    if state == "paused":
        sid = _ocrevus_started(nurse, patient.id)
        post(nurse, sid, "pause", {"at": ago(2), "reason": "patient to the bathroom"})
        return sid
    if state in ("observing", "discharged"):
        sid = _ocrevus_started(nurse, patient.id)
        post(nurse, sid, "end", {"at": ago(3), "full_dose": True})
        if state == "discharged":
            post(nurse, sid, "vitals", {"taken_at": ago(2), "phase": "observation", "systolic": 120}, 201)
            post(nurse, sid, "discharge", {"early_reason": "transport arrived; patient well"})
        return sid
    sid = check_in(nurse, patient.id, "natalizumab", chair="4")["id"]
    post(nurse, sid, "checks", {"codes": ["touch_authorized", "touch_checklist"]})
    post(nurse, sid, "vitals", {"taken_at": ago(50), "phase": "baseline", "systolic": 128, "diastolic": 78,
                                "heart_rate": 72, "resp_rate": 14, "temperature_c": "36.8", "spo2": 98,
                                "on_oxygen": False, "consciousness": "alert"}, 201)
    post(nurse, sid, "start", {"at": ago(40)})
    for code, grade, action in (("hives", 2, "none"), ("trouble_breathing", 3, "stopped"),
                                ("swelling_mouth_throat", 3, "emergency_response")):
        post(nurse, sid, "reactions", {"code": code, "grade": grade, "action": action, "onset_at": ago(12)}, 201)
    post(nurse, sid, "vitals", {"taken_at": ago(10), "phase": "during", "systolic": 82, "diastolic": 50,
                                "heart_rate": 124, "resp_rate": 26, "spo2": 90, "on_oxygen": False,
                                "consciousness": "alert"}, 201)
    if state == "serious_readings":
        add_low_readings(nurse, sid)
    return sid

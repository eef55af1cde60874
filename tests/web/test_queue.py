"""The review queue's list (SPEC §5, §7): most severe first, nothing hidden behind a "more"."""
import re

from clinic.domain.flags import SEVERITY_ORDER
from tests.helpers import ago, post, started_session, tysabri_anaphylaxis


def test_an_anaphylaxis_leads_its_item_and_every_flag_is_named(api, login, make_patient):
    nurse = api("nurse")
    sid = tysabri_anaphylaxis(nurse, make_patient(last_name="Reacting").id)
    flags = nurse.get(f"/api/v1/sessions/{sid}").get_json()["flags"]
    assert len(flags) >= 11 and {"anaphylaxis_criteria", "emergency_response"} <= {f["code"] for f in flags}
    page = login("supervisor").get("/review/").get_data(as_text=True)
    item = re.search(rf'<section class="card" aria-labelledby="q{sid}">.*?</section>', page, re.S).group(0)
    headlines = re.findall(r'<li class="flag (serious|warning)"><strong>(.*?)</strong>', item)
    assert headlines[0] == ("serious", next(f["message"] for f in flags if f["code"] == "anaphylaxis_criteria"))
    # Headlines follow SPEC §5's order by their lead flag.
    codes = {f["message"]: f["code"] for f in flags}
    ranks = [SEVERITY_ORDER.index(codes[message.replace("&#39;", "'")]) for _, message in headlines]
    assert ranks == sorted(ranks) and len(headlines) > 1
    for flag in flags:
        assert flag["message"].replace("'", "&#39;") in item, flag["code"]


def test_serious_sessions_come_first_then_the_newest(api, login, make_patient):
    nurse = api("nurse")
    warned = started_session(nurse, make_patient(last_name="Warned").id, "natalizumab")
    post(nurse, warned, "reactions", {"code": "headache", "grade": 2, "action": "none", "onset_at": ago(40)}, 201)
    older = tysabri_anaphylaxis(nurse, make_patient(last_name="Older").id)
    newer = started_session(nurse, make_patient(last_name="Newer").id, "natalizumab")
    post(nurse, newer, "vitals", {"taken_at": ago(3), "phase": "during", "systolic": 84, "diastolic": 50}, 201)
    later_warning = started_session(nurse, make_patient(last_name="Lately").id, "natalizumab")
    post(nurse, later_warning, "vitals", {"taken_at": ago(2), "phase": "during", "temperature_c": "38.2"}, 201)
    page = login("supervisor").get("/review/").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'aria-labelledby="q(\d+)"', page)]
    assert order == [newer, older, later_warning, warned]

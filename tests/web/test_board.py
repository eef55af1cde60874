"""The chair board (SPEC §10): each card opens its session and says what the chair needs now, in words."""
import re
from html.parser import HTMLParser
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import OVERRIDE, ago, check_in, count_queries, post, started_session, tysabri_anaphylaxis


@pytest.fixture
def nurse(login):
    return login("nurse")


class _Cards(HTMLParser):
    """Collect the HTML of each board card (an element with the class board-card) with what it holds."""

    VOID = {"br", "img", "input", "meta", "link", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.cards, self.depth = [], 0

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.cards[-1] += self.get_starttag_text()
            self.depth += tag not in self.VOID
        elif "board-card" in (dict(attrs).get("class") or "").split():
            self.cards.append(self.get_starttag_text())
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.cards[-1] += f"</{tag}>"
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.cards[-1] += data

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")


def cards_of(board: str) -> list[str]:
    parser = _Cards()
    parser.feed(board)
    return parser.cards


def card(board: str, patient_name: str) -> str:
    """The HTML of the one card naming the patient."""
    found = [c for c in cards_of(board) if patient_name in c]
    assert len(found) == 1, (patient_name, board[-3000:])
    return found[0]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def local(moment: datetime, app) -> str:
    return moment.astimezone(ZoneInfo(app.config["CLINIC_TIMEZONE"])).strftime("%H:%M")


def test_each_status_says_its_own_words(app, nurse, api, make_patient):
    api_nurse = api("nurse")
    planned = make_patient(last_name="Planned")
    check_in(api_nurse, planned.id, "natalizumab", chair="1")
    infusing = make_patient(last_name="Infusing")
    started_session(api_nurse, infusing.id, "natalizumab", started_minutes_ago=20, chair="2")
    paused = make_patient(last_name="Paused")
    sid = started_session(api_nurse, paused.id, "natalizumab", started_minutes_ago=20, chair="3")
    post(api_nurse, sid, "pause", {"at": ago(5), "reason": "patient to the bathroom"})
    observing = make_patient(last_name="Observing")
    sid = started_session(api_nurse, observing.id, "natalizumab", started_minutes_ago=70, chair="4")
    post(api_nurse, sid, "end", {"at": ago(10), "full_dose": True})
    discharged = make_patient(last_name="Discharged")
    sid = started_session(api_nurse, discharged.id, "natalizumab", started_minutes_ago=140, chair="5")
    post(api_nurse, sid, "end", {"at": ago(75), "full_dose": True})
    post(api_nurse, sid, "vitals", {"taken_at": ago(5), "phase": "observation", "heart_rate": 70}, 201)
    post(api_nurse, sid, "discharge", {"at": ago(2)})

    board = nurse.get("/").get_data(as_text=True)
    words = {name: text_of(card(board, name)) for name in
             ("Planned", "Infusing", "Paused", "Observing", "Discharged")}
    assert "Checked in at" in words["Planned"] and "not started" in words["Planned"]
    assert re.search(r"Infusing for (19|20|21) min", words["Infusing"]), words["Infusing"]
    assert "Paused since" in words["Paused"]
    assert "Observation ends at" in words["Observing"] and "Infusion ended at" in words["Observing"]
    assert 'data-countdown="' in card(board, "Observing")
    assert "Needs signing" in words["Discharged"] and "Discharged at" in words["Discharged"]
    for name, said in words.items():
        assert ("Infusing for" in said) == (name == "Infusing"), name
        assert ("Needs signing" in said) == (name == "Discharged"), name
    assert [m for m in re.findall(r"(Chair \d):", text_of(board))] == [f"Chair {n}" for n in range(1, 6)]


def test_a_finalized_session_no_longer_needs_signing(nurse, api, make_patient, make_user):
    user = make_user("nurse", password="correct horse battery")
    api_nurse = api("nurse", user=user)
    patient = make_patient(last_name="Signed")
    sid = started_session(api_nurse, patient.id, "natalizumab", started_minutes_ago=140)
    post(api_nurse, sid, "end", {"at": ago(75), "full_dose": True})
    post(api_nurse, sid, "vitals", {"taken_at": ago(5), "phase": "observation", "heart_rate": 70}, 201)
    post(api_nurse, sid, "discharge", {"at": ago(2)})
    post(api_nurse, sid, "finalize", {"password": "correct horse battery"})
    said = text_of(card(nurse.get("/").get_data(as_text=True), "Signed"))
    assert "Needs signing" not in said and "signed" in said and "Infusing for" not in said


def test_the_card_shows_the_rate_and_the_plans_next_step(app, nurse, api, make_patient):
    api_nurse = api("nurse")
    patient = make_patient(last_name="Stepper")
    sid = started_session(api_nurse, patient.id, "ocrelizumab", started_minutes_ago=20, chair="7")
    started = datetime.fromisoformat(api_nurse.get(f"/api/v1/sessions/{sid}").get_json()["started_at"])
    said = text_of(card(nurse.get("/").get_data(as_text=True), "Stepper"))
    # Ocrevus's first infusion: 30 mL/h for 30 min, then 60 (DOMAIN.md §1.1).
    assert f"Rate 30 mL/h; next step 60 mL/h at {local(started + timedelta(minutes=30), app)}" in said, said
    post(api_nurse, sid, "rate", {"rate_ml_h": "60", "at": ago(1)}, 201)
    said = text_of(card(nurse.get("/").get_data(as_text=True), "Stepper"))
    assert "Rate 60 mL/h; next step 90 mL/h at" in said


def test_a_rate_step_whose_time_has_passed_says_it_is_due(app, nurse, api, make_patient):
    api_nurse = api("nurse")
    patient = make_patient(last_name="Late")
    sid = started_session(api_nurse, patient.id, "ocrelizumab", started_minutes_ago=40, chair="8")
    started = datetime.fromisoformat(api_nurse.get(f"/api/v1/sessions/{sid}").get_json()["started_at"])
    said = text_of(card(nurse.get("/").get_data(as_text=True), "Late"))
    # Ocrevus's first infusion steps up to 60 mL/h after 30 minutes (DOMAIN.md §1.1): ten minutes ago.
    assert f"Rate 30 mL/h; next step 60 mL/h due since {local(started + timedelta(minutes=30), app)}" in said, said


def test_the_whole_card_is_one_link_to_the_session(nurse, api, make_patient):
    patient = make_patient(first_name="Grace", last_name="Hopper")
    sid = check_in(api("nurse"), patient.id, "natalizumab", chair="4")["id"]
    html = card(nurse.get("/").get_data(as_text=True), "Hopper")
    links = re.findall(r'<a class="card-link" href="([^"]+)">(.*?)</a>', html, re.S)
    assert links == [(f"/sessions/{sid}", '<span class="chair">Chair 4:</span> Hopper, Grace')]
    assert html.count("<a ") == 1  # nothing else on the card is a link of its own


def test_alerts_show_on_the_card(nurse, api, make_patient, login):
    api_nurse = api("nurse")
    patient = make_patient(last_name="Alerted", allergies="Penicillin")
    sid = started_session(api_nurse, patient.id, "natalizumab")
    post(api_nurse, sid, "reactions", {"code": "swelling_mouth_throat", "grade": 4, "action": "emergency_response",
                                       "onset_at": ago(30)}, 201)
    post(api_nurse, sid, "end", {"at": ago(29), "full_dose": False})
    post(api_nurse, sid, "discharge", {"at": ago(1), "early_reason": "transferred to the emergency department",
                                       "disposition": "emergency_department"})
    check_in(api_nurse, patient.id, "natalizumab", chair="2", override=OVERRIDE)
    board = nurse.get("/").get_data(as_text=True)
    cards = cards_of(board)
    assert len(cards) == 2
    for html in cards:
        said = text_of(html)
        assert "Do not re-treat" in said and "Allergies: Penicillin" in said


def test_an_anaphylaxis_leads_and_is_never_counted_among_the_more(nurse, api, make_patient):
    """The issue's Tysabri anaphylaxis: many flags, the anaphylaxis first, the emergency named, the rest counted."""
    api_nurse = api("nurse")
    patient = make_patient(last_name="Reacting")
    sid = tysabri_anaphylaxis(api_nurse, patient.id)
    flags = api_nurse.get(f"/api/v1/sessions/{sid}").get_json()["flags"]
    assert len(flags) >= 11
    html = card(nurse.get("/").get_data(as_text=True), "Reacting")
    lines = [text_of(li).strip() for li in re.findall(r"<li[^>]*>(.*?)</li>", html.split('class="flag-words')[1],
                                                    re.S)]
    assert lines[0].startswith("Serious: anaphylaxis criteria met"), lines
    emergency = next(f["message"] for f in flags if f["code"] == "emergency_response")
    assert emergency in text_of(html)
    assert re.fullmatch(r"and \d+ more on the session page", lines[-1]), lines
    # The fresh-clone review: the flags folded under the anaphylaxis (its low systolic, its NEWS2) went uncounted.
    assert re.search(r"and \d+ more flags? of this event on the session page", text_of(html)), text_of(html)


def test_the_board_reads_running_sessions_in_a_fixed_number_of_queries(app, nurse, api, make_patient):
    """One query for the cards and one for the rates of those running, however many run (issue 23)."""
    api_nurse = api("nurse")

    def board_queries():
        nurse.get("/")
        with count_queries(app) as counts:
            assert nurse.get("/").status_code == 200
        return len(counts)

    first = started_session(api_nurse, make_patient().id, "ocrelizumab", started_minutes_ago=40)
    post(api_nurse, first, "rate", {"rate_ml_h": "60", "at": ago(9)}, 201)
    one = board_queries()
    for _ in range(3):
        sid = started_session(api_nurse, make_patient().id, "ocrelizumab", started_minutes_ago=40)
        post(api_nurse, sid, "rate", {"rate_ml_h": "60", "at": ago(9)}, 201)
        post(api_nurse, sid, "pause", {"at": ago(5), "reason": "line check"})
    check_in(api_nurse, make_patient().id, "natalizumab")
    assert board_queries() == one

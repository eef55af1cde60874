"""The nurse's day through the web pages, with CSRF on (SPEC §4, §10)."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

TZ = ZoneInfo("America/New_York")


def local(minutes_ago: int) -> str:
    return (datetime.now(TZ) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def act(web, sid, action, data, expect=302):
    form = {f"{action}-{k}": v for k, v in data.items()}
    page = web.get(f"/sessions/{sid}")
    version = re.search(rf'id="{action}-version" name="{action}-version" type="hidden" value="(\d+)"',
                        page.get_data(as_text=True))
    if version:
        form.setdefault(f"{action}-version", version.group(1))
    response = web.post(f"/sessions/{sid}/{action}", form)
    assert response.status_code == expect, (action, response.status_code,
                                            re.findall(r'class="(?:error|flash[^"]*)"[^>]*>(.*?)<', response.get_data(as_text=True), re.S))
    return response


@pytest.fixture
def nurse(login):
    return login("nurse")


def register_and_check_in(web, drug="natalizumab"):
    response = web.post("/patients/new", {"mrn": "W-1", "first_name": "Ana", "last_name": "Silva",
                                          "date_of_birth": "1985-02-03", "sex": "female",
                                          "allergies": "Latex", "preferred_language": "en"})
    assert response.status_code == 302, response.get_data(as_text=True)
    patient_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = web.get(f"/sessions/new?patient_id={patient_id}&drug={drug}").get_data(as_text=True)
    assert "Latex" in page and "Infusion #1" in page
    response = web.post(f"/sessions/new?patient_id={patient_id}&drug={drug}",
                        {"patient_id": patient_id, "drug": drug, "dose": "300", "dose_unit": "mg", "chair": "3",
                         "lot_number": "L-77"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return int(response.headers["Location"].split("/")[-1])


def test_natalizumab_session_from_check_in_to_finalize(nurse):
    sid = register_and_check_in(nurse)
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    for words in ("TOUCH", "Record vitals", "Systolic", "Diastolic", "Heart rate", "Respiratory rate",
                  "Temperature", "Oxygen saturation", "On oxygen", "Consciousness", "Pain", "Start infusion",
                  "Record reactions"):
        assert words in page, words
    assert f'href="/sessions/{sid}/reactions"' in page  # the checklist is one tap away, on its own page
    checklist = nurse.get(f"/sessions/{sid}/reactions").get_data(as_text=True)
    for words in ("Infusion reactions", "Side effects", "Serious — act now", "Grade", "Action taken",
                  "Record reactions", "Trouble breathing or wheezing", "Mild transient reaction"):
        assert words in checklist, words
    refused = act(nurse, sid, "start", {"at": local(40)}, expect=409)
    assert "Cannot start yet" in refused.get_data(as_text=True)
    nurse.post(f"/sessions/{sid}/checks", {"checks-codes": ["touch_authorized", "touch_checklist"]})
    act(nurse, sid, "vitals", {"taken_at": local(45), "phase": "baseline", "systolic": "126", "diastolic": "80",
                               "heart_rate": "70", "temperature": "98.6", "temperature_unit": "F",
                               "on_oxygen": "no", "consciousness": "alert"})
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "37.0" in page  # 98.6 °F stored as 37.0 °C
    act(nurse, sid, "start", {"at": local(40)})
    act(nurse, sid, "vitals", {"taken_at": local(25), "phase": "during", "systolic": "120", "diastolic": "78"})
    act(nurse, sid, "reactions", {"codes": "itching", "grade": "1", "action": "none", "onset_at": local(20)})
    act(nurse, sid, "end", {"at": local(5), "full_dose": "yes"})
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "observation ends at" in page and "data-countdown" in page
    act(nurse, sid, "vitals", {"taken_at": local(1), "phase": "observation", "heart_rate": "72"})
    refused = act(nurse, sid, "discharge", {"at": local(0)}, expect=409)
    assert "observation period is not over" in refused.get_data(as_text=True)
    act(nurse, sid, "discharge", {"at": local(0), "early_reason": "transport arrived; patient well"})
    wrong = act(nurse, sid, "finalize", {"password": "nope nope nope"}, expect=422)
    assert "password is not right" in wrong.get_data(as_text=True)
    act(nurse, sid, "finalize", {"password": "correct horse battery"})
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "Finalized" in page and "Fingerprint" in page and "Record vitals" not in page


def test_stale_form_gets_the_conflict_message(nurse):
    sid = register_and_check_in(nurse)
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    version = re.search(r'name="vitals-version" type="hidden" value="(\d+)"', page).group(1)
    act(nurse, sid, "vitals", {"taken_at": local(5), "phase": "baseline", "heart_rate": "70", "on_oxygen": "no", "consciousness": "alert"})
    stale = nurse.post(f"/sessions/{sid}/vitals", {"vitals-version": version, "vitals-taken_at": local(4),
                                                   "vitals-phase": "baseline", "vitals-heart_rate": "75",
                                                   "vitals-on_oxygen": "no", "vitals-consciousness": "alert"})
    assert stale.status_code == 409
    assert "Reload" in stale.get_data(as_text=True)


def test_impossible_vitals_show_the_field_and_store_nothing(nurse):
    sid = register_and_check_in(nurse)
    response = act(nurse, sid, "vitals", {"taken_at": local(5), "phase": "baseline", "systolic": "400",
                                          "on_oxygen": "no", "consciousness": "alert"},
                   expect=422)
    html = response.get_data(as_text=True)
    assert "Systolic:" in html and "must be at most 300" in html
    assert "No vitals yet." in html
    fever = act(nurse, sid, "vitals", {"taken_at": local(5), "phase": "baseline", "temperature": "120",
                                       "temperature_unit": "F",
                                       "on_oxygen": "no", "consciousness": "alert"}, expect=422).get_data(as_text=True)
    assert "120 °F is outside 86.0 to 111.2 °F" in fever and "No vitals yet." in fever


def test_voiding_a_reading_keeps_it_visible_struck_through(nurse):
    sid = register_and_check_in(nurse)
    act(nurse, sid, "vitals", {"taken_at": local(5), "phase": "baseline", "heart_rate": "180", "on_oxygen": "no", "consciousness": "alert"})
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    entry = re.search(r'<option value="(vitals-\d+)">', page).group(1)  # one form for every entry, one tap away
    assert f'action="/sessions/{sid}/void"' in page and "<summary>Void an entry</summary>" in page
    top = page[page.index('class="session-top"'):]
    top = top[:top.index("</header>")]  # issue 23: one tap from the top, not at the bottom of the page
    assert f'href="/sessions/{sid}?open=void#void">Void an entry…</a>' in top
    opened = nurse.get(f"/sessions/{sid}?open=void").get_data(as_text=True)
    assert '<details id="void" open><summary>Void an entry' in opened
    refused = nurse.post(f"/sessions/{sid}/void", {"void-entry": entry, "void-reason": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Reason for voiding:" in html and "autofocus" in html
    assert re.search(r'<details id="void" open><summary>Void an entry', html)  # the refusal shows where the nurse was
    done = nurse.post(f"/sessions/{sid}/void", {"void-entry": entry, "void-reason": "wrong patient"})
    assert done.status_code == 302 and done.headers["Location"].endswith("?done=corrections#corrections")
    page = nurse.get(done.headers["Location"]).get_data(as_text=True)
    assert 'class="voided"' in page and "Voided: wrong patient" in page
    assert page.index("Entry voided.") > page.index('id="corrections"')  # the message beside the form


def test_patient_search_edit_and_no_delete(nurse):
    register_and_check_in(nurse)
    results = nurse.get("/patients/?q=silv").get_data(as_text=True)
    assert "Silva, Ana" in results
    pid = re.search(r'/patients/(\d+)"', results).group(1)
    detail = nurse.get(f"/patients/{pid}").get_data(as_text=True)
    assert "W-1" in detail and "Latex" in detail and "Tysabri" in detail
    form = nurse.get(f"/patients/{pid}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    response = nurse.post(f"/patients/{pid}/edit", {"mrn": "W-1", "first_name": "Ana", "last_name": "Silva-Reis",
                                                    "date_of_birth": "1985-02-03", "sex": "female",
                                                    "preferred_language": "en", "version": version})
    assert response.status_code == 302
    assert "Silva-Reis" in nurse.get(f"/patients/{pid}").get_data(as_text=True)
    assert nurse.client.delete(f"/patients/{pid}").status_code == 405


def test_search_finds_an_mrn_by_prefix_in_any_case_and_shows_inactive_patients(nurse, make_patient, ctx):
    from clinic.extensions import db
    from clinic.models import Patient

    make_patient(mrn="RA-1001", first_name="Rosa", last_name="Active")
    gone = make_patient(mrn="RA-2001", first_name="Ina", last_name="Gone")
    with ctx():
        db.session.get(Patient, gone.id).active = False
        db.session.commit()
    for q in ("RA-10", "ra-1001", "Ra-100"):
        assert "Active, Rosa" in nurse.get(f"/patients?q={q}").get_data(as_text=True), q
    page = nurse.get("/patients?q=ra-2").get_data(as_text=True)
    assert "Gone, Ina" in page and "inactive" in page
    assert nurse.get("/patients?q=RA-1001%25").get_data(as_text=True).count("Active, Rosa") == 0, "% is literal"


def test_a_finished_record_still_shows_its_checks_and_rate_changes(nurse):
    """Once the infusion is under way the forms go, but what was confirmed and done stays on the record."""
    sid = register_and_check_in(nurse)
    nurse.post(f"/sessions/{sid}/checks", {"checks-codes": ["touch_authorized", "touch_checklist"]})
    act(nurse, sid, "vitals", {"taken_at": local(45), "phase": "baseline", "systolic": "126", "diastolic": "80",
                               "on_oxygen": "no", "consciousness": "alert"})
    act(nurse, sid, "start", {"at": local(40)})
    act(nurse, sid, "rate", {"rate_ml_h": "120", "at": local(30)})
    act(nurse, sid, "end", {"at": local(5), "full_dose": "yes"})
    act(nurse, sid, "discharge", {"at": local(0), "early_reason": "transport arrived; patient well"})
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert 'name="checks-codes"' not in page and "Start infusion" not in page  # those forms are gone
    assert "Pre-infusion checks" in page and page.count("— confirmed by") == 2
    assert "Rate changes and pauses" in page and "120 mL/h" in page


def _ended(nurse, sid):
    nurse.post(f"/sessions/{sid}/checks", {"checks-codes": ["touch_authorized", "touch_checklist"]})
    act(nurse, sid, "vitals", {"taken_at": local(45), "phase": "baseline", "systolic": "126", "diastolic": "80",
                               "on_oxygen": "no", "consciousness": "alert"})
    act(nurse, sid, "start", {"at": local(40)})
    act(nurse, sid, "end", {"at": local(1), "full_dose": "no"})


def test_end_asks_whether_the_full_dose_was_given_and_the_same_nurse_may_undo_it(nurse, login):
    sid = register_and_check_in(nurse)
    nurse.post(f"/sessions/{sid}/checks", {"checks-codes": ["touch_authorized", "touch_checklist"]})
    act(nurse, sid, "vitals", {"taken_at": local(45), "phase": "baseline", "systolic": "126", "diastolic": "80",
                               "on_oxygen": "no", "consciousness": "alert"})
    act(nurse, sid, "start", {"at": local(40)})
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert f'href="/sessions/{sid}/end">End infusion…</a>' in page and 'name="end-full_dose"' not in page
    end_page = nurse.get(f"/sessions/{sid}/end").get_data(as_text=True)  # the second step says what will happen
    end_form = end_page[end_page.index('id="end-infusion"'):]
    assert "starts the 60-minute observation" in end_form and "Confirm: end infusion" in end_form
    assert 'name="end-full_dose"' in end_form and "checked" not in end_form  # asked, never preselected
    unanswered = act(nurse, sid, "end", {"at": local(1)}, expect=422).get_data(as_text=True)
    assert "Say whether the full dose was given." in unanswered and 'id="end-infusion"' in unanswered
    act(nurse, sid, "end", {"at": local(1), "full_dose": "no"})
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "Undo end of infusion" in page and "Observation ends at" in page
    assert re.search(r"Ended by mistake\? Undo until \d\d:\d\d to go back to infusing\.", page)
    other = login("nurse")
    assert "Undo end of infusion" not in other.get(f"/sessions/{sid}").get_data(as_text=True)
    refused = act(other, sid, "undo_end", {}, expect=409).get_data(as_text=True)
    assert "only the nurse who ended it may undo it" in refused
    done = act(nurse, sid, "undo_end", {})
    assert done.headers["Location"].endswith(f"/sessions/{sid}")
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "The end was undone" in page and "Status: Infusing" in page and "Undo end of infusion" not in page


def test_cancel_says_what_it_does_before_it_is_done(nurse):
    sid = register_and_check_in(nurse)
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "<summary>Cancel session…</summary>" in page and "It cannot be undone" in page
    act(nurse, sid, "cancel", {"reason": "patient unwell today"})
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "Status: Cancelled" in page and "patient unwell today" in page
    assert 'method="post"' not in page.split("</header>", 2)[-1]  # nothing left to do on it


def test_only_the_forms_the_status_allows_are_on_the_page(nurse):
    sid = register_and_check_in(nurse)
    planned = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "Next: Confirm the pre-infusion checks" in planned
    assert f'action="/sessions/{sid}/end"' not in planned and f'action="/sessions/{sid}/discharge"' not in planned
    assert 'name="reactions-codes"' not in planned  # the checklist is one tap away
    _ended(nurse, sid)
    observing = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "Next: Record the observation vitals" in observing
    for gone in ("checks", "start", "end", "pause", "rate", "cancel", "finalize"):
        assert f'action="/sessions/{sid}/{gone}"' not in observing, gone
    assert f'action="/sessions/{sid}/discharge"' in observing and 'value="observation"' in observing


def test_the_baseline_asks_for_oxygen_and_consciousness_once(nurse):
    # SPEC §10: air and alert are chosen explicitly once, at the baseline (the fresh-clone review saved one without).
    sid = register_and_check_in(nurse)
    refused = act(nurse, sid, "vitals", {"taken_at": local(5), "phase": "baseline", "heart_rate": "70"},
                  expect=422).get_data(as_text=True)
    assert "On oxygen: Choose it at the baseline" in refused and "Consciousness: Choose it at the baseline" in refused
    assert "No vitals yet." in refused  # nothing stored
    act(nurse, sid, "vitals", {"taken_at": local(5), "phase": "baseline", "heart_rate": "70", "on_oxygen": "no",
                               "consciousness": "alert"})


def test_the_vitals_form_carries_oxygen_and_consciousness_over(nurse):
    sid = register_and_check_in(nurse)
    first = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert '<option selected value="">Not recorded</option>' in first  # chosen explicitly, once
    act(nurse, sid, "vitals", {"taken_at": local(5), "phase": "baseline", "heart_rate": "70", "on_oxygen": "no",
                               "consciousness": "alert"})
    act(nurse, sid, "vitals", {"taken_at": local(4), "phase": "baseline", "heart_rate": "72", "on_oxygen": "no", "consciousness": "alert"})
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert '<option selected value="no">No (room air)</option>' in page
    assert '<option selected value="alert">Alert</option>' in page
    for field in ("systolic", "diastolic", "heart_rate", "resp_rate", "spo2"):
        assert re.search(rf'inputmode="numeric"[^>]*id="vitals-{field}"|id="vitals-{field}"[^>]*inputmode="numeric"', page), field
    assert re.search(r'id="vitals-temperature" inputmode="decimal"|inputmode="decimal"[^>]*id="vitals-temperature"', page)


def page_after_a_baseline(nurse, **values) -> str:
    """Check a patient in, record a baseline with these values (air, alert, 36.8 °C, SpO₂ 97 % unless given),
    and return the session page."""
    sid = register_and_check_in(nurse)
    act(nurse, sid, "vitals", {"taken_at": local(5), "phase": "baseline", "resp_rate": "16", "spo2": "97",
                               "temperature": "36.8", "on_oxygen": "no", "consciousness": "alert", **values})
    return nurse.get(f"/sessions/{sid}").get_data(as_text=True)


def vitals_table(page: str) -> str:
    start = page.index('<table class="vitals">')
    return page[start:page.index("</table>", start)]


def test_abnormal_values_are_marked_in_words_with_each_readings_news2(nurse):
    table = vitals_table(page_after_a_baseline(nurse, systolic="84", diastolic="50", heart_rate="124"))
    assert "NEWS2" in table
    assert re.search(r'class="abnormal">84/50 <span class="mark">low</span>', table)
    assert re.search(r'class="abnormal">124 <span class="mark">high</span>', table)
    assert re.search(r"<strong>5</strong>.*urgent response", table, re.S)  # systolic 3 + heart rate 2


def test_each_readings_news2_response_is_the_one_its_flag_names(nurse):
    page = page_after_a_baseline(nurse, systolic="84", diastolic="50", heart_rate="134", resp_rate="26")
    table = vitals_table(page)
    # systolic 3 + heart rate 3 + respiratory rate 3: a high score, as the NEWS2 flag says (DOMAIN.md §5).
    assert re.search(r"<strong>9</strong>.*emergency response", table, re.S)
    assert "emergency response" in page[page.index('id="flags"'):]


def test_a_news2_flag_at_the_top_names_its_band_once_and_leaves_the_points_below(nurse):
    # The fresh-clone review: the top said the band twice ("What to do: medium score…") above a long points list.
    page = page_after_a_baseline(nurse, systolic="120", diastolic="80", heart_rate="134", resp_rate="26")
    top = page[page.index('id="top-flag"'):page.index('id="now"')]
    assert "Serious: NEWS2 6 at" in top and top.count("urgent response") == 1
    assert "What to do" not in top and "scores" not in top
    assert "heart rate 134 /min scores 3" in page[page.index('id="flags"'):]


def test_a_supervisor_reviews_the_flags_from_the_session_page(nurse, login):
    sid = register_and_check_in(nurse)
    act(nurse, sid, "vitals", {"taken_at": local(5), "phase": "baseline", "systolic": "84", "diastolic": "50",
                               "on_oxygen": "no", "consciousness": "alert"})
    assert "Review these flags" not in nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    supervisor = login("supervisor")
    page = supervisor.get(f"/sessions/{sid}").get_data(as_text=True)
    assert "<summary>Review these flags</summary>" in page
    assert f'href="/sessions/{sid}"' in supervisor.get("/review/").get_data(as_text=True)
    assert '<option selected value="">Choose an outcome</option>' in page  # no outcome chosen for them
    assert nurse.post(f"/sessions/{sid}/review", {"review-outcome": "acknowledged"}).status_code == 403
    without_note = supervisor.post(f"/sessions/{sid}/review", {"review-outcome": "acknowledged", "review-note": ""})
    html = without_note.get_data(as_text=True)
    assert without_note.status_code == 422 and "is required when a flag is serious" in html
    assert re.search(r"<details class=\"review\" open>", html) and "autofocus" in html
    done = supervisor.post(f"/sessions/{sid}/review", {"review-outcome": "escalated", "review-note": "Seen, BP rechecked"})
    assert done.status_code == 302 and done.headers["Location"].endswith("#flags")
    page = supervisor.get(done.headers["Location"]).get_data(as_text=True)
    assert "Review recorded" in page and "Seen, BP rechecked" in page and "Review these flags" not in page
    assert f'href="/sessions/{sid}"' not in supervisor.get("/review/").get_data(as_text=True)  # left the queue


def test_a_refused_form_keeps_the_typing_and_focuses_the_field(nurse):
    sid = register_and_check_in(nurse)
    refused = act(nurse, sid, "vitals", {"taken_at": local(5), "phase": "baseline", "systolic": "400",
                                         "heart_rate": "77",
                                         "on_oxygen": "no", "consciousness": "alert"}, expect=422).get_data(as_text=True)
    field = re.search(r"<input[^>]*id=\"vitals-systolic\"[^>]*>", refused).group(0)
    assert "autofocus" in field and 'value="400"' in field
    assert 'value="77"' in refused


def test_the_page_renders_only_forms_the_lifecycle_allows():
    from clinic.domain import lifecycle
    from clinic.sessions.actions import REGISTRY
    from clinic.sessions.page import ON_THE_PAGE

    for status, names in ON_THE_PAGE.items():
        assert names <= set(REGISTRY), status
        assert all(lifecycle.allows(status, name) for name in names), status


def test_a_serious_event_with_many_low_readings_folds_each_rule_into_one_line(login, api, make_patient):
    # Issue 23: eleven low readings gave eleven "systolic … below 90" lines and eleven NEWS2 lines.
    from tests.browser.session_states import make_state
    sid = make_state("serious_readings", api, make_patient)
    page = login("nurse").get(f"/sessions/{sid}").get_data(as_text=True)
    flags = page[page.index('id="flags"'):]
    flags = flags[:flags.index("</section>")]
    summaries = re.findall(r"<summary>(.*?)</summary>", flags, re.S)
    low = [s for s in summaries if s.startswith("Serious: low systolic")]
    assert len(low) == 1 and re.fullmatch(r"Serious: low systolic at \d\d:\d\d and 10 later readings, "
                                          r"lowest 80 mmHg at \d\d:\d\d", low[0]), summaries
    assert sum(s.startswith("Serious: NEWS2 urgent") for s in summaries) == 1, summaries
    assert re.sub(r"<details>.*?</details>", "", flags, flags=re.S).count("<li") <= 12, flags
    assert flags.count("Serious: systolic") == 11  # every reading is still there, one tap away
    top = page[page.index('id="top-flag"'):page.index('id="now"')]
    assert "anaphylaxis criteria met" in top and "more" not in top and "later readings" not in top
    assert "circulatory (systolic 82 mmHg at" in flags and "and 10 later readings, lowest systolic 80 mmHg" in flags


def test_every_save_returns_to_the_top_with_the_message_under_the_now_panel(nurse):
    # Issue 23: "Confirm checks" alone went to ?done=before-start#before-start, below the next form.
    sid = register_and_check_in(nurse)
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    codes = re.findall(r'name="checks-codes" value="([^"]+)"', page)
    done = nurse.post(f"/sessions/{sid}/checks", {"checks-codes": codes, "checks-version": re.search(
        r'name="checks-version" type="hidden" value="(\d+)"', page).group(1)})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/sessions/{sid}"), done.headers
    page = nurse.get(done.headers["Location"]).get_data(as_text=True)
    assert page.index("Checks confirmed.") < page.index('id="next"')


def test_an_anaphylaxis_while_infusing_offers_stopping_as_the_next_action(login, api, make_patient):
    # Issue 23: the next action offered during an anaphylaxis was "Record vitals" (SPEC §5 says stop).
    from tests.browser.session_states import make_state
    sid = make_state("serious", api, make_patient)
    page = login("nurse").get(f"/sessions/{sid}").get_data(as_text=True)
    nxt = page[page.index('id="next"'):]
    nxt = nxt[:nxt.index("</section>")]
    assert "Next: Stop the infusion" in nxt and "Record vitals" not in nxt
    assert f'href="/sessions/{sid}/end">End infusion…</a>' in nxt and f'/sessions/{sid}/pause"' in nxt
    assert "Stop the infusion; call the emergency team" in nxt
    assert page.count(f'href="/sessions/{sid}/end"') == 1  # offered once, at the top


def test_an_anaphylaxis_while_paused_offers_stopping_not_resuming(login, api, make_patient):
    # The fresh-clone review: paused for an anaphylaxis, the next action offered was "Resume the infusion".
    from tests.browser.session_states import make_state
    from tests.helpers import ago, post
    sid = make_state("serious", api, make_patient)
    post(api("nurse"), sid, "pause", {"at": ago(0), "reason": "anaphylaxis", "due_to_reaction": True})
    page = login("nurse").get(f"/sessions/{sid}").get_data(as_text=True)
    nxt = page[page.index('id="next"'):]
    nxt = nxt[:nxt.index("</section>")]
    assert "Next: Stop the infusion" in nxt and f'href="/sessions/{sid}/end">End infusion…</a>' in nxt
    assert "Resume" not in nxt and f"/sessions/{sid}/pause" not in nxt


def test_beside_a_serious_flag_the_plans_next_step_is_held_not_offered(login, api, make_patient):
    # The fresh-clone review: with a serious NEWS2 flag standing, the top offered "Set 90 mL/h now".
    from tests.helpers import ago, post, started_session
    nurse_api = api("nurse")
    sid = started_session(nurse_api, make_patient(last_name="Held").id, "ocrelizumab", started_minutes_ago=40)
    nurse = login("nurse")
    assert "mL/h now</button>" in nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    post(nurse_api, sid, "vitals", {"taken_at": ago(1), "phase": "during", "systolic": 84, "diastolic": 50}, 201)
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    now_panel = page[page.index('id="now"'):page.index("</section>", page.index('id="now"'))]
    assert "mL/h now</button>" not in page and "held while a serious flag stands" in now_panel
    assert f'href="/sessions/{sid}/rate"' in page  # any ordered rate is still one tap away
    board = nurse.get("/").get_data(as_text=True)
    assert "held while a serious flag stands" in board


def test_while_paused_the_now_panel_says_since_when_and_why_and_keeps_the_vitals_due(login, api, make_patient):
    # Issue 23: paused showed "Vitals due at –" and a past time as the next step's.
    from tests.browser.session_states import make_state
    sid = make_state("paused", api, make_patient)
    page = login("nurse").get(f"/sessions/{sid}").get_data(as_text=True)
    now_panel = page[page.index('id="now"'):]
    now_panel = now_panel[:now_panel.index("</section>")]
    assert re.search(r"<dt>Paused</dt><dd><strong>since \d\d:\d\d</strong>: patient to the bathroom", now_panel)
    assert re.search(r"<dt>Vitals</dt><dd>(<strong class=\"badge warning\">Overdue</strong> since|due at) \d\d:\d\d",
                     now_panel), now_panel
    assert "after the resume" in now_panel and "Vitals due at" not in now_panel


def test_still_to_record_counts_only_required_premedications_and_the_message_names_it(nurse, api, make_patient):
    # Issue 23: the optional antipyretic was listed as still to record; "Premedication recorded." named nothing.
    from tests.helpers import check_in
    sid = check_in(api("nurse"), make_patient().id, "ocrelizumab", chair="2", lot_number="OC-1")["id"]
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    still = re.search(r"Still to record: ([^<]*)</p>", page).group(1)
    assert "Methylprednisolone" in still and "Antipyretic" not in still
    act(nurse, sid, "premedication", {"code": "methylprednisolone_100", "given": "yes"})
    page = nurse.get(f"/sessions/{sid}").get_data(as_text=True)
    assert re.search(r"Premedication recorded: Methylprednisolone 100 mg[^<]*, given\.", page)
    assert "Antipyretic" not in re.search(r"Still to record: ([^<]*)</p>", page).group(1)
